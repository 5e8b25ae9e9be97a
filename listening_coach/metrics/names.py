"""Every metric the package emits, defined once: name, unit, scope, meaning and better direction.

- :class:`MetricName`: one member per metric. A member *is* its dotted name (a ``str``), so
  ``session.metric(MetricName.PACE_WPM, 2)`` and ``m.name == MetricName.PACE_WPM`` work;
  ``MetricName.PACE_WPM.at(value, exchange, evidence)`` builds the :class:`Metric` with the
  registered unit. ``docs/metrics.md``'s tables are generated from it (``make docs``).
- :func:`flag_metric`: the name of a ``language.flag.<flag>`` count (one family member).
- :func:`spec_of`: the member a metric name belongs to (None: not registered); :func:`measured`:
  a :class:`Metric` for a name known only at run time (``language.*`` counts, flags).
- :data:`FROM_AUDIO`: the metrics measured from voice frames (a re-scored session carries them).
- :class:`MetricIndex`: repeated ``(name, exchange)`` lookups over a tuple of metrics; single
  lookups on a session are :meth:`listening_coach.types.Session.metric`.

Examples:
  >>> MetricName.PACE_WPM == "pace.wpm", MetricName.PACE_WPM.unit, MetricName.PACE_WPM.scope
  (True, 'words/min', 'both')
  >>> spec_of(flag_metric("blame")) is MetricName.LANGUAGE_FLAG
  True
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from listening_coach.types import Metric, Word

Scope = Literal["exchange", "session", "both"]  # exchange: one per exchange; session: exchange None
Better = Literal["lower", "higher", "target", "none"]  # target: a range (named in the description)

FLAG_PREFIX = "language.flag."


class MetricName(StrEnum):
    """A registered metric: its dotted name, with ``unit``, ``scope``, ``description``, ``better``."""

    unit: str
    scope: Scope
    description: str
    better: Better

    def __new__(
        cls, name: str, unit: str, scope: Scope, description: str, better: Better = "none"
    ) -> MetricName:
        member = str.__new__(cls, name)
        member._value_ = name
        member.unit, member.scope, member.description, member.better = unit, scope, description, better
        return member

    @property
    def group(self) -> str:
        """The part before the first dot: ``timing``, ``overlap``, ``pace``, ``talk``, ..."""
        return self.value.split(".", 1)[0]

    def at(self, value: float, exchange: int | None = None, evidence: tuple[Word, ...] = ()) -> Metric:
        """This metric's value for ``exchange`` (None: the session), in its registered unit."""
        return Metric(self.value, value, self.unit, exchange, evidence)

    # timing (metrics/pauses.py)
    TIMING_RESPONSE_LATENCY = (
        "timing.response_latency", "s", "exchange",
        "trainee's first word start − partner's last word end (negative = overlap). Typical turn "
        "gaps ≈ 0.2 s; skilled listeners leave 1–1.5 s after an emotional line")
    TIMING_MEDIAN_LATENCY = ("timing.median_latency", "s", "session", "median of the above")
    TIMING_EFFECTIVE_PAUSES = (
        "timing.effective_pauses", "count", "both",
        "partner pauses ≥ `pauses.effective_pause_s` (1 s) inside their turn, the trainee does not "
        "take the floor, and the partner goes on", "higher")
    TIMING_HESITATIONS = (
        "timing.hesitations", "count", "both",
        "pauses ≥ `pauses.hesitation_s` (1 s) inside the trainee's own response", "lower")
    TIMING_LONGEST_HESITATION = (
        "timing.longest_hesitation", "s", "both", "the longest of those hesitations", "lower")
    TIMING_DEAD_AIR = (
        "timing.dead_air", "s", "both",
        "total silence of ≥ `pauses.dead_air_s` (5 s) with nobody speaking", "lower")

    # overlap (metrics/overlap.py)
    OVERLAP_INTERRUPTIONS = ("overlap.interruptions", "count", "both", "the trainee interrupting", "lower")
    OVERLAP_INTERRUPTED_BY_PARTNER = (
        "overlap.interrupted_by_partner", "count", "both", "the partner interrupting the trainee")
    OVERLAP_BACKCHANNELS = (
        "overlap.backchannels", "count", "both", "the trainee's minimal encouragers (mm-hm, yeah…)",
        "higher")
    OVERLAP_PARTNER_BACKCHANNELS = (
        "overlap.partner_backchannels", "count", "both", "the partner's minimal encouragers")
    OVERLAP_TERMINAL_OVERLAPS = (
        "overlap.terminal_overlaps", "count", "both", "terminal overlaps, both directions (neutral)")
    OVERLAP_OTHER = ("overlap.other", "count", "both", "the remaining overlaps, both directions (neutral)")
    OVERLAP_INTERRUPTIONS_PER_EXCHANGE = (
        "overlap.interruptions_per_exchange", "ratio", "session",
        "the trainee's interruptions ÷ exchanges", "lower")

    # pace (metrics/pace.py)
    PACE_WPM = (
        "pace.wpm", "words/min", "both",
        "trainee words ÷ speaking time (first word start to last word end of each response turn, "
        "pauses inside included); none below `pace.min_words` (5). Aim `pace.target_wpm_min`–"
        "`pace.target_wpm_max` (110–140)", "target")
    PACE_ARTICULATION_RATE = (
        "pace.articulation_rate", "syllables/s", "both",
        "spelling-based syllable count ÷ speaking time without pauses ≥ "
        "`pauses.articulation_pause_s` (250 ms)")
    PACE_PARTNER_WPM = ("pace.partner_wpm", "words/min", "exchange", "the partner's pace in the prompt")
    PACE_WPM_VS_PARTNER = (
        "pace.wpm_vs_partner", "ratio", "exchange", "the trainee's pace ÷ the partner's")
    PACE_WPM_VS_BASELINE = (
        "pace.wpm_vs_baseline", "ratio", "exchange",
        "the trainee's pace ÷ the mean of their first `pace.baseline_exchanges` (2) exchanges")
    PACE_TURN_WPM = (
        "pace.turn_wpm", "words/min", "exchange",
        "only in a `fast_answer` item's `because`: the pace of the response turn it judged (its "
        "words ÷ its duration); see `docs/feedback.md`", "target")
    PACE_FAST_STRETCHES = (
        "pace.fast_stretches", "count", "session",
        "stretches of `pace.fast_sustained_s` (20 s) of continuous trainee speech above "
        "`pace.fast_wpm` (160)", "lower")
    PACE_FILLERS = (
        "pace.fillers", "count", "session",
        "um/uh/er/hmm in the trainee's transcript. **A lower bound**: Whisper drops most fillers "
        "unless `transcribe.verbatim_fillers = true` (which prompts it with disfluencies and can "
        "drop sentences — faster-whisper issues #901, #319)", "lower")
    PACE_FILLERS_PER_MIN = (
        "pace.fillers_per_min", "count/min", "session",
        "the same per minute of trainee speech; below about 5 (`feedback.fillers_per_min`) "
        "listeners do not mind", "lower")

    # talk (metrics/pace.py)
    TALK_SHARE = (
        "talk.share", "ratio", "both",
        "trainee speaking time ÷ both speakers' speaking time (floor turns); listening roles: well "
        "under `feedback.max_talk_share` (0.5)", "lower")
    TALK_LONGEST_MONOLOGUE = ("talk.longest_monologue", "s", "session", "longest trainee turn", "lower")
    TALK_LONGEST_PARTNER_TURN = ("talk.longest_partner_turn", "s", "session", "longest partner turn")
    TALK_TURN_S = (
        "talk.turn_s", "s", "exchange",
        "only in a `monologue` item's `because`: the trainee turn longer than `feedback.monologue_s` "
        "(30 s) it judged", "lower")

    # voice (metrics/voice.py), per exchange
    VOICE_LOUDNESS_DB = (
        "voice.loudness_db", "dB", "exchange",
        "the trainee's loudness: mean power of the louder half of their word frames")
    VOICE_PARTNER_LOUDNESS_DB = ("voice.partner_loudness_db", "dB", "exchange", "the same for the partner")
    VOICE_LOUDNESS_VS_PARTNER_DB = (
        "voice.loudness_vs_partner_db", "dB", "exchange", "trainee loudness − partner loudness")
    VOICE_LOUDNESS_VS_BASELINE_DB = (
        "voice.loudness_vs_baseline_db", "dB", "exchange",
        "trainee loudness − its mean over their first `pace.baseline_exchanges` (2) exchanges")
    VOICE_PITCH_MEDIAN_HZ = ("voice.pitch_median_hz", "Hz", "exchange", "the trainee's median pitch")
    VOICE_PARTNER_PITCH_MEDIAN_HZ = (
        "voice.partner_pitch_median_hz", "Hz", "exchange", "the partner's median pitch")
    VOICE_PITCH_VS_PARTNER_ST = (
        "voice.pitch_vs_partner_st", "semitones", "exchange",
        "trainee median pitch relative to the partner's")
    VOICE_PITCH_RANGE_ST = (
        "voice.pitch_range_st", "semitones", "exchange", "the trainee's 10th–90th percentile pitch range")

    # effect (metrics/__init__.py, metrics/voice.py per exchange; metrics/effect.py per session)
    EFFECT_PARTNER_WPM_CHANGE = (
        "effect.partner_wpm_change", "words/min", "exchange",
        "how the partner's next prompt's pace differs from this one (negative = calmer): the "
        "de-escalation effect of the trainee's response", "lower")
    EFFECT_PARTNER_LOUDNESS_CHANGE_DB = (
        "effect.partner_loudness_change_db", "dB", "exchange",
        "the same for the partner's loudness", "lower")
    EFFECT_PARTNER_PITCH_CHANGE_ST = (
        "effect.partner_pitch_change_st", "semitones", "exchange",
        "the same for the partner's median pitch", "lower")
    EFFECT_LISTENING_RESPONSES = (
        "effect.listening_responses", "count", "session",
        "exchanges whose response held a reflection, validation, backchannel or effective pause "
        "(only those followed by another partner line)")
    EFFECT_OTHER_RESPONSES = (
        "effect.other_responses", "count", "session", "the other responses (followed by a partner line)")
    EFFECT_AFTER_LISTENING_WPM_CHANGE = (
        "effect.after_listening_wpm_change", "words/min", "session",
        "mean `effect.partner_wpm_change` after listening responses (negative = calmer)", "lower")
    EFFECT_AFTER_LISTENING_LOUDNESS_CHANGE_DB = (
        "effect.after_listening_loudness_change_db", "dB", "session",
        "mean `effect.partner_loudness_change_db` after listening responses", "lower")
    EFFECT_AFTER_OTHER_WPM_CHANGE = (
        "effect.after_other_wpm_change", "words/min", "session",
        "mean `effect.partner_wpm_change` after the other responses")
    EFFECT_AFTER_OTHER_LOUDNESS_CHANGE_DB = (
        "effect.after_other_loudness_change_db", "dB", "session",
        "mean `effect.partner_loudness_change_db` after the other responses")

    # language (language/metrics.py): counts of labelled sentences in the trainee's responses
    LANGUAGE_UTTERANCES = ("language.utterances", "count", "both", "labelled sentences")
    LANGUAGE_REFLECTIONS = ("language.reflections", "count", "both", "reflections", "higher")
    LANGUAGE_SIMPLE_REFLECTIONS = (
        "language.simple_reflections", "count", "both", "simple reflections (repeat or rephrase)")
    LANGUAGE_COMPLEX_REFLECTIONS = (
        "language.complex_reflections", "count", "both",
        "complex reflections (add meaning or feeling)", "higher")
    LANGUAGE_QUESTIONS = ("language.questions", "count", "both", "questions")
    LANGUAGE_OPEN_QUESTIONS = ("language.open_questions", "count", "both", "open questions", "higher")
    LANGUAGE_CLOSED_QUESTIONS = ("language.closed_questions", "count", "both", "closed questions")
    LANGUAGE_VALIDATIONS = (
        "language.validations", "count", "both",
        "validations and affirmations (labels, or the validation flag)", "higher")
    LANGUAGE_ESCALATIONS = (
        "language.escalations", "count", "both",
        "sentences with an escalating flag (command, blame, arguing, dismissive but, threat, policy)",
        "lower")
    LANGUAGE_FLAG = (
        "language.flag.<flag>", "count", "both",
        "sentences carrying that flag: escalating ones above, and the skills `apology`, "
        "`validation`, `affirmation` (phrase rules: \"it took courage\", \"you did the right "
        "thing\"), `emotion_label`, `summary`")
    LANGUAGE_FIDELITY = (
        "language.fidelity", "ratio", "both",
        "share of the partner's words a reflection carries over (best of the exchange; mean for "
        "the session)", "higher")
    LANGUAGE_REFLECTION_TO_QUESTION = (
        "language.reflection_to_question", "ratio", "session",
        "MITI reflections ÷ max(questions, 1); fair ≥ 1, good ≥ 2", "higher")
    LANGUAGE_PERCENT_COMPLEX_REFLECTIONS = (
        "language.percent_complex_reflections", "%", "session",
        "MITI share of complex reflections; fair ≥ 40, good ≥ 50", "higher")
    LANGUAGE_PERCENT_OPEN_QUESTIONS = (
        "language.percent_open_questions", "%", "session",
        "MITI share of open questions; fair ≥ 50, good ≥ 70", "higher")


_BY_NAME: dict[str, MetricName] = {m.value: m for m in MetricName}
# measured from the voice frames, which a session loaded from JSON keeps only coarsely (or not)
FROM_AUDIO: frozenset[MetricName] = frozenset(
    {m for m in MetricName if m.group == "voice"}
    | {MetricName.EFFECT_PARTNER_LOUDNESS_CHANGE_DB, MetricName.EFFECT_PARTNER_PITCH_CHANGE_ST}
)


def flag_metric(flag: str) -> str:
    """The name of the ``language.flag.<flag>`` count.

    Examples:
      >>> flag_metric("validation")
      'language.flag.validation'
    """
    return FLAG_PREFIX + flag


def spec_of(name: str) -> MetricName | None:
    """The registered metric ``name`` is (``language.flag.*`` names: the flag family)."""
    if name.startswith(FLAG_PREFIX):
        return MetricName.LANGUAGE_FLAG
    return _BY_NAME.get(name)


def measured(name: str, value: float, exchange: int | None = None, evidence: tuple[Word, ...] = ()) -> Metric:
    """The metric ``name`` (registered, else ValueError) in its registered unit."""
    spec = spec_of(name)
    if spec is None:
        raise ValueError(f"metric {name!r} is not registered: add it to listening_coach/metrics/names.py")
    return Metric(str(name), value, spec.unit, exchange, evidence)


class MetricIndex:
    """Metrics by ``(name, exchange)``, for stages that look up many.

    Examples:
      >>> index = MetricIndex([MetricName.PACE_WPM.at(130.0, 0), MetricName.PACE_WPM.at(128.0)])
      >>> index.value(MetricName.PACE_WPM, 0), index.value(MetricName.PACE_WPM), index.get("pace.wpm", 3)
      (130.0, 128.0, None)
    """

    __slots__ = ("_by",)

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self._by = {(m.name, m.exchange): m for m in metrics}

    def get(self, name: str, exchange: int | None = None) -> Metric | None:
        """The metric ``name`` for ``exchange`` (None: the session's), or None."""
        return self._by.get((name, exchange))

    def value(self, name: str, exchange: int | None = None) -> float | None:
        """Its value, or None when it was not measured."""
        m = self._by.get((name, exchange))
        return None if m is None else m.value
