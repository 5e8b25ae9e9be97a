"""The frozen vocabulary every stage speaks.

Times are float seconds from the start of the recording. Records hold tuples, never lists or
dicts, and are changed with :func:`dataclasses.replace`.

- :class:`Span`: a stretch of time (:mod:`listening_coach.span`); records with ``start``/``end``
  fields give theirs as ``.span``.
- :class:`Word`: one transcribed word, with its speaker once known.
- :class:`Turn`: a maximal run of one speaker's words (backchannels are turns of their own).
- :class:`Exchange`: the partner's turn(s) and the trainee's response.
- :class:`Event`: something that happened at a time (an overlap, a pause) with its evidence.
- :class:`Metric`: one measured number, per exchange or per session, with its evidence.
- :class:`Label`: a language label for one trainee utterance (rules or trained model).
- :class:`Feedback`: a praise, tip or concern, built from metrics.
- :class:`Session`: everything one analysis produced, with the config that produced it.
- :class:`AudioChunk`: a block of live audio, absolute start time plus samples.
- :class:`RecordingInfo`: what a coach knows about one recording (trainee, date, scenario).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from listening_coach.span import Seconds as Seconds  # re-exported: the vocabulary's names
from listening_coach.span import Span as Span
from listening_coach.span import Timed

if TYPE_CHECKING:
    from listening_coach.config import Config

Speaker = str  # "trainee", "partner", or a diarizer label such as "SPEAKER_01"
TRAINEE: Speaker = "trainee"
PARTNER: Speaker = "partner"
# The text of a placeholder word: a stretch of speech (from the channel's speech activity) in
# which Whisper heard no words. It keeps the stretch in turns and timing; pace and language skip it.
UNCLEAR_TEXT = " [unclear speech]"
# An untranscribed continuation (one microphone, probability 0): talk that ran on under the other
CONTINUED_TEXT = " …"  # voice past the last word Whisper wrote (``diarization.assign.overlap_words``)

EventKind = Literal[
    "interruption",  # someone takes the floor while the other still speaks (a fault)
    "backchannel",  # short minimal encourager while the other keeps the floor (a skill)
    "terminal_overlap",  # starts within the other's last word / last ~300 ms (neutral)
    "overlap",  # any other simultaneous speech (neutral, reported)
    "effective_pause",  # partner pauses >= 1 s, trainee stays silent, partner goes on
    "hesitation",  # pause inside the trainee's own turn
    "dead_air",  # nobody speaks for a long time
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
FeedbackLevel = Literal["praise", "tip", "concern"]


@dataclass(frozen=True, slots=True, order=True)
class Word(Timed):
    """One word with its time span in seconds.

    ``text`` keeps faster-whisper's leading space so ``"".join`` rebuilds the sentence.
    ``speaker_confidence`` is how sure the speaker attribution is (1.0 for one channel per person).
    """

    start: Seconds
    end: Seconds
    text: str
    speaker: Speaker | None = None
    probability: float = 1.0
    speaker_confidence: float = 1.0

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Word {self.text!r} ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> Seconds:
        return self.end - self.start

    @property
    def bare(self) -> str:
        """Lower-case text without surrounding spaces and punctuation ("Yeah," -> "yeah")."""
        return self.text.strip().strip(".,!?;:\"'()-").lower()

    @property
    def unclear(self) -> bool:
        """True for a placeholder of speech without intelligible words (:data:`UNCLEAR_TEXT`)."""
        return self.text == UNCLEAR_TEXT

    @property
    def continued(self) -> bool:
        """True for the placeholder of unwritten talk under the other voice (:data:`CONTINUED_TEXT`)."""
        return self.text == CONTINUED_TEXT and self.probability == 0.0


@dataclass(frozen=True, slots=True)
class Turn(Timed):
    """A maximal run of one speaker's words; ``backchannel`` marks a minimal encourager."""

    speaker: Speaker
    words: tuple[Word, ...]
    backchannel: bool = False

    def __post_init__(self) -> None:
        if not self.words:
            raise ValueError(f"A turn of {self.speaker!r} needs at least one word")

    @property
    def start(self) -> Seconds:
        return self.words[0].start

    @property
    def end(self) -> Seconds:
        return max(w.end for w in self.words)

    @property
    def duration(self) -> Seconds:
        return self.end - self.start

    @property
    def text(self) -> str:
        return join_words(self.words)

    @property
    def unclear(self) -> bool:
        """True when no word of the turn was intelligible (speech activity only)."""
        return all(w.unclear for w in self.words)

    @property
    def unclear_s(self) -> Seconds:
        """Seconds of the turn's speech without intelligible words."""
        return sum(w.duration for w in self.words if w.unclear)

    @property
    def clear_words(self) -> tuple[Word, ...]:
        """The turn's words without unclear-speech placeholders."""
        return tuple(w for w in self.words if not w.unclear)


@dataclass(frozen=True, slots=True)
class Exchange(Timed):
    """The partner says something (``prompt``), the trainee responds (``response``).

    Either side may be empty: a trainee speaking first has no prompt, and a partner line that
    got no answer has no response. ``backchannels`` are short encouragers inside the span.
    """

    index: int
    prompt: tuple[Turn, ...]
    response: tuple[Turn, ...]
    backchannels: tuple[Turn, ...] = ()

    def __post_init__(self) -> None:
        if not self.prompt and not self.response:
            raise ValueError(f"Exchange {self.index} has neither prompt nor response")

    @property
    def start(self) -> Seconds:
        return min(t.start for t in self.prompt + self.response)

    @property
    def end(self) -> Seconds:
        return max(t.end for t in self.prompt + self.response)

    @property
    def response_latency(self) -> Seconds | None:
        """Gap from the partner's end to the trainee's start; negative = overlap."""
        if not self.prompt or not self.response:
            return None
        return self.response[0].start - self.prompt[-1].end

    @property
    def prompt_words(self) -> tuple[Word, ...]:
        return tuple(w for t in self.prompt for w in t.words)

    @property
    def response_words(self) -> tuple[Word, ...]:
        return tuple(w for t in self.response for w in t.words)


@dataclass(frozen=True, slots=True)
class Event(Timed):
    """Something that happened between ``start`` and ``end``.

    ``speaker`` is who did it (who interrupted, who backchannelled, who paused); ``other`` is
    the one it happened to, if any.
    """

    kind: EventKind
    start: Seconds
    end: Seconds
    speaker: Speaker | None = None
    other: Speaker | None = None
    exchange: int | None = None
    evidence: tuple[Word, ...] = ()

    @property
    def duration(self) -> Seconds:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Metric:
    """One measured value; ``exchange`` None means the whole session."""

    name: str  # dotted, registered in metrics/names.py: "pace.wpm", "overlap.interruptions"
    value: float
    unit: str  # "words/min", "s", "count", "ratio", "dB", "semitones", "syllables/s"
    exchange: int | None = None
    evidence: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class Label(Timed):
    """The language label of one trainee utterance.

    ``label`` is the main behaviour ("reflection", "question", "information", "advice",
    "affirmation", "other", ...); ``subtype`` refines it ("simple"/"complex", "open"/"closed");
    ``flags`` carry de-escalation signals ("command", "blame", "dismissive_but", ...).
    """

    start: Seconds
    end: Seconds
    text: str
    label: str
    confidence: float
    subtype: str | None = None
    flags: tuple[str, ...] = ()
    exchange: int | None = None
    source: str = "rules"  # "rules", "model", "coach"
    scores: tuple[tuple[str, float], ...] = ()  # per-class probabilities, if any
    fidelity: float | None = None  # reflections: share of the partner's words carried over


@dataclass(frozen=True, slots=True)
class Feedback:
    """A short message for the trainee, with the metrics and words behind it."""

    level: FeedbackLevel
    message: str
    exchange: int | None
    because: tuple[Metric, ...] = ()
    evidence: tuple[Word, ...] = ()
    code: str = ""  # stable identifier such as "interrupted", "fast_answer"
    more: bool = False  # beyond the report's budget: listed under "more", never cued live


@dataclass(frozen=True, slots=True)
class Transcript:
    """Where the words came from: model, options and audio facts, for reproducibility."""

    model: str
    options: tuple[tuple[str, Any], ...]
    duration: Seconds
    channels: int
    sample_rate: int  # of the source file, before resampling
    speakers: tuple[Speaker, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class VoiceFrames:
    """Frame-level loudness (dB) and pitch (Hz, NaN unvoiced) of each speaker's channel.

    Frames are ``hop_s`` apart starting at 0.0; arrays are read-only. Compared by identity
    (``==`` on arrays has no single truth value).
    """

    hop_s: Seconds
    loudness_db: tuple[tuple[Speaker, np.ndarray], ...] = ()
    pitch_hz: tuple[tuple[Speaker, np.ndarray], ...] = ()

    def loudness(self, speaker: Speaker) -> np.ndarray | None:
        return dict(self.loudness_db).get(speaker)

    def pitch(self, speaker: Speaker) -> np.ndarray | None:
        return dict(self.pitch_hz).get(speaker)


@dataclass(frozen=True, slots=True)
class Session:
    """Everything one analysis produced. ``config`` makes it reproducible."""

    id: str
    source: str
    words: tuple[Word, ...]
    turns: tuple[Turn, ...]
    exchanges: tuple[Exchange, ...]
    events: tuple[Event, ...]
    metrics: tuple[Metric, ...]
    feedback: tuple[Feedback, ...]
    config: Config
    transcript: Transcript | None = None
    labels: tuple[Label, ...] = ()
    voice: VoiceFrames | None = field(default=None, compare=False)

    def metric(self, name: str, exchange: int | None = None) -> Metric | None:
        """The metric ``name`` (a MetricName) for ``exchange`` (None: session-wide); see MetricIndex."""
        for m in self.metrics:
            if m.name == name and m.exchange == exchange:
                return m
        return None


@dataclass(frozen=True, slots=True, eq=False)
class AudioChunk:
    """A block of live audio: ``start`` is absolute seconds since capture began.

    Compared by identity (``==`` on arrays has no single truth value).
    """

    start: Seconds
    samples: np.ndarray  # float32, shape (channels, n) at 16 kHz; read-only


def join_words(words: tuple[Word, ...] | list[Word]) -> str:
    """Rebuild text from words that keep their leading spaces; unclear speech shows its length.

    Examples:
      >>> join_words((Word(0.0, 0.2, " I"), Word(0.2, 0.5, " see.")))
      'I see.'
      >>> join_words((Word(1.0, 2.25, UNCLEAR_TEXT), Word(2.3, 2.6, " Right.")))
      '[unclear speech 1.2 s] Right.'
    """
    return "".join(_shown(w) for w in words).strip()


def _shown(word: Word) -> str:
    if word.unclear:
        return f" [unclear speech {word.duration:.1f} s]"
    return word.text if word.text[:1].isspace() else " " + word.text


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What a coach knows about one recording; every field may be unknown."""

    trainee: str | None = None
    date: dt.date | None = None
    scenario: str | None = None
    channels: tuple[str, ...] | None = None  # channel map, e.g. ("partner", "trainee")

    def as_row(self) -> dict[str, str]:
        """Return the facts as CSV cells (empty when unknown)."""
        return {
            "trainee": self.trainee or "",
            "date": self.date.isoformat() if self.date else "",
            "scenario": self.scenario or "",
            "channels": ",".join(self.channels) if self.channels else "",
        }
