"""Frozen options, one dataclass per stage, composed into :class:`Config` and loaded from TOML.

- :class:`TranscribeOptions`, :class:`SpeakerOptions`, :class:`TurnOptions`,
  :class:`OverlapOptions`, :class:`PauseOptions`, :class:`PaceOptions`, :class:`VoiceOptions`,
  :class:`LanguageOptions`, :class:`FeedbackOptions`: one per stage; units are in the names.
- :class:`Config`: all of them; every :class:`~listening_coach.types.Session` carries one.
- :func:`load_config`: read a TOML file whose sections are the field names of ``Config``.
- :func:`config_from_dict` / :func:`config_to_dict`: the same without a file.

Unknown sections or keys are errors that list the valid ones, so a typo in a threshold never
passes silently. ``docs/config.toml`` documents every key with its default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar

from listening_coach.errors import ConfigError

SpeakerMode = Literal["auto", "channels", "trainee", "diarize"]


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """faster-whisper settings. ``model`` None means the bundled ``tiny.en`` (int8, CPU)."""

    model: str | None = None
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: all cores
    beam_size: int = 5
    language: str = "en"
    vad_filter: bool = True
    vad_min_silence_ms: int = 500
    no_speech_threshold: float = 0.6  # segments above this no-speech probability are dropped
    log_prob_threshold: float = -1.0
    verbatim_fillers: bool = False  # prompt Whisper to keep "um"/"uh" (may drop sentences)
    block_s: float = 120.0  # audio is decoded and transcribed in blocks this long (memory)
    snap_words: bool = True  # clip word boundaries to detected speech energy
    # one channel per person: speech this long that no word covers stays as "unclear speech"
    unclear_min_s: float = 0.25
    retry_empty_regions: bool = True  # a region without words is transcribed again, unmasked


@dataclass(frozen=True, slots=True)
class SpeakerOptions:
    """Who spoke each word.

    ``channels`` names the person on each channel, in order. ``mode``: ``auto`` uses channels
    for multichannel files and the trainee alone for mono; ``diarize`` clusters voices in mono.
    """

    mode: SpeakerMode = "auto"
    channels: tuple[str, ...] = ("trainee", "partner")
    bleed_margin_db: float = 6.0  # speech must be this much louder than the other mics' bleed
    floor_margin_db: float = 12.0  # ... and this far above the channel's own noise floor
    edge_margin_db: float = 6.0  # a run of speech grows over neighbouring frames this far above both
    frame_s: float = 0.02


@dataclass(frozen=True, slots=True)
class TurnOptions:
    """Words -> turns -> exchanges (PRODUCT.md, core vocabulary)."""

    turn_gap_s: float = 1.5  # a silence this long ends a turn when nobody else speaks
    close_after_s: float = 3.0  # trainee alone: silence that closes an exchange
    backchannel_max_s: float = 1.0
    backchannel_max_words: int = 2
    # a short spurt said over the other's speech for this long is a backchannel whatever its text
    backchannel_min_overlap_s: float = 0.1
    backchannel_words: tuple[str, ...] = (
        "mm", "mhm", "mm-hm", "mm-hmm", "hmm", "uh-huh", "yeah", "yes", "yep", "right", "okay",
        "ok", "i see", "sure", "true", "oh", "ah", "wow", "got it", "exactly", "alright",
    )


@dataclass(frozen=True, slots=True)
class OverlapOptions:
    """Interruption vs backchannel vs terminal overlap (conversation-analysis rules)."""

    min_overlap_s: float = 0.1  # shorter simultaneous speech is not an overlap
    interruption_min_overlap_s: float = 0.8
    interruption_min_words: int = 3
    yield_within_s: float = 1.5  # the interrupted speaker stops within this
    terminal_window_s: float = 0.3  # starting within the other's last word or this: terminal


@dataclass(frozen=True, slots=True)
class PauseOptions:
    """Response latency, effective pauses, hesitations, dead air."""

    effective_pause_s: float = 1.0
    hesitation_s: float = 1.0
    dead_air_s: float = 5.0
    articulation_pause_s: float = 0.25  # pauses this long are left out of articulation rate


@dataclass(frozen=True, slots=True)
class PaceOptions:
    """Speaking rate targets (PRODUCT.md: aim 110-140 WPM, flag > 160 sustained 20 s)."""

    target_wpm_min: float = 110.0
    target_wpm_max: float = 140.0
    fast_wpm: float = 160.0
    fast_sustained_s: float = 20.0
    slow_wpm: float = 90.0
    min_words: int = 5  # fewer words give no pace for an exchange
    baseline_exchanges: int = 2  # the trainee's first exchanges set the personal baseline
    speedup_ratio: float = 1.15  # faster than baseline by this factor is "speeding up"


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    """Loudness and pitch per turn (librosa)."""

    enabled: bool = True
    hop_s: float = 0.01
    fmin_hz: float = 65.0
    fmax_hz: float = 400.0
    louder_db: float = 3.0  # trainee louder than own baseline by this while partner escalates


@dataclass(frozen=True, slots=True)
class LanguageOptions:
    """Reflective-language coding of trainee utterances."""

    use_model: bool = True  # the trained model where available, rules otherwise
    model_path: str | None = None  # None: the model shipped in listening_coach/models
    use_encoder: bool = True  # blend in the fine-tuned MiniLM encoder (slower, more accurate)
    encoder_path: str | None = None  # None: language_encoder.onnx in listening_coach/models
    # at 0.9, 40% of utterances skip the encoder and cross-validated macro-F1 stays 0.764
    encoder_below: float = 0.9  # consult the encoder only below this linear confidence (1: always)
    min_confidence: float = 0.5  # labels below this are shown as uncertain
    max_utterance_words: int = 60  # unpunctuated speech is labelled in chunks this long
    closed_question_run: int = 3  # this many closed questions in a row earns a tip
    max_suggestions: int = 3  # suggested reflections for the weakest exchanges


@dataclass(frozen=True, slots=True)
class FeedbackOptions:
    """What turns metrics into messages."""

    max_items_per_exchange: int = 2
    quick_latency_s: float = 0.2  # answering faster than this after an emotional line: a tip
    max_talk_share: float = 0.5
    monologue_s: float = 30.0
    fillers_per_min: float = 5.0
    escalation_wpm: float = 15.0  # partner this much faster than their previous line: escalated


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """Live drills: capture, streaming turn-taking, echo gating, recording (docs/live.md)."""

    block_s: float = 0.1  # capture block; the audio callback only queues blocks this long
    vad_threshold: float = 0.5  # Silero speech probability that counts as speech
    end_silence_s: float = 0.5  # this much silence after speech ends a trainee's turn
    min_speech_s: float = 0.25  # shorter bursts (clicks, coughs) are not a turn
    piece_gap_s: float = 0.2  # a pause this long inside a turn: transcribe the piece so far
    max_piece_s: float = 8.0  # speech without such a pause is cut and transcribed at this length
    speech_pad_s: float = 0.2  # audio kept before/after the VAD segment for transcription
    beam_size: int = 1  # live decode is greedy; the final analysis uses transcribe.beam_size
    max_lag_s: float = 3.0  # behind real time by more than this: skip live cues, catch up later
    final_pass: bool = True  # re-transcribe the recording with full options after the drill
    echo_gate_ratio: float = 1.0  # after echo removal, speech must exceed this x the echo level
    echo_max_delay_s: float = 0.5  # how late the loudspeaker may reach the microphone
    answer_timeout_s: float = 8.0  # scripted drill: next partner line if the trainee says nothing
    stall_timeout_s: float = 3.0  # no audio from the device this long: it has gone away
    cues: bool = True  # show one short cue per exchange


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Per-recording HTML reports and batch outputs (docs/coach.md)."""

    embed_audio: bool = True  # embed the recording (Opus, mono) so each exchange can be played
    audio_bitrate_kbps: int = 24
    max_audio_s: float = 3600.0  # longer recordings are not embedded (the file would be huge)
    voice_points: int = 600  # loudness/pitch curves are reduced to at most this many points


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """Offline diarization of mono recordings (docs/diarization.md).

    ``role_rule`` picks the trainee: ``first`` (who speaks first), ``less`` (who talks less),
    ``enrolment`` (closest to ``enrolment_path``, a clip of the trainee's voice) or ``manual``
    (``trainee_speaker`` names the diarizer label, e.g. ``SPEAKER_01``).
    """

    num_speakers: int = 0  # 0: estimate between min_speakers and max_speakers
    min_speakers: int = 1
    max_speakers: int = 4
    vad_threshold: float = 0.3  # Silero speech probability (0.5 missed 24% of AMI speech)
    min_speech_s: float = 0.15  # shorter speech bursts are dropped
    min_silence_s: float = 0.3  # shorter gaps inside speech are bridged
    merge_gap_s: float = 0.5  # one speaker's segments this close are joined in the output
    window_s: float = 1.0  # embedding window
    step_s: float = 0.25  # embedding hop
    cluster_threshold: float = 0.3  # cosine distance under which clusters merge (count estimate)
    cluster_method: str = "nme-sc"  # nme-sc (spectral, eigengap count) | ahc (threshold above)
    min_speaker_s: float = 2.0  # a cluster with less speech than this is merged into its nearest
    smoothing_s: float = 0.5  # speaker turns shorter than this are absorbed unless words disagree
    overlap: bool = True  # look for stretches where two people speak at once
    overlap_threshold: float = 0.0  # a pair of voices must fit a frame better than one by this
    word_margin: float = 0.1  # a backchannel word moves to another voice only by this margin
    role_rule: str = "less"  # first | less | enrolment | manual
    trainee_speaker: str | None = None  # for role_rule = "manual"
    enrolment_path: str | None = None  # for role_rule = "enrolment"
    max_cluster_windows: int = 1500  # longer files: cluster a subsample, assign the rest


@dataclass(frozen=True, slots=True)
class Config:
    """Every stage's options. Build one with :func:`load_config` or :func:`config_from_dict`."""

    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    speakers: SpeakerOptions = field(default_factory=SpeakerOptions)
    turns: TurnOptions = field(default_factory=TurnOptions)
    overlap: OverlapOptions = field(default_factory=OverlapOptions)
    pauses: PauseOptions = field(default_factory=PauseOptions)
    pace: PaceOptions = field(default_factory=PaceOptions)
    voice: VoiceOptions = field(default_factory=VoiceOptions)
    language: LanguageOptions = field(default_factory=LanguageOptions)
    feedback: FeedbackOptions = field(default_factory=FeedbackOptions)
    live: LiveOptions = field(default_factory=LiveOptions)
    report: ReportOptions = field(default_factory=ReportOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)


DEFAULT_CONFIG = Config()
T = TypeVar("T")


def build_options(cls: type[T], values: T | dict[str, Any] | None, section: str = "") -> T:
    """Return ``values`` as ``cls``: accepts an instance, a dict of keys, or None (defaults).

    Raises:
      ConfigError: on an unknown key (listing the valid ones) or a value of the wrong type.
    """
    if values is None:
        return cls()
    if isinstance(values, cls):
        return values
    if not isinstance(values, dict):
        raise ConfigError(f"[{section or cls.__name__}] must be a table of keys, got {values!r}")
    valid = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {unknown} in [{section or cls.__name__}]. "
            f"Valid keys: {', '.join(sorted(valid))}"
        )
    defaults = cls()
    clean: dict[str, Any] = {}
    for key, value in values.items():
        default = getattr(defaults, key)
        clean[key] = _coerce(value, default, f"{section}.{key}" if section else key)
    return cls(**clean)


def _coerce(value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if isinstance(default, int) and not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return type(default)(value)
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        return tuple(value)
    if default is None or isinstance(default, str):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    return value


def config_from_dict(data: dict[str, Any] | None) -> Config:
    """Build a :class:`Config` from ``{"section": {"key": value}}``; see :func:`load_config`."""
    data = data or {}
    sections = {f.name: f for f in fields(Config)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(
            f"Unknown section(s) {unknown} in config. Valid sections: {', '.join(sections)}"
        )
    built: dict[str, Any] = {}
    for name in sections:
        option_cls = type(getattr(DEFAULT_CONFIG, name))
        built[name] = build_options(option_cls, data.get(name), name)
    config = Config(**built)
    validate_config(config)
    return config


def validate_config(config: Config) -> None:
    """Check values that are wrong whatever their type (negative durations, bad modes)."""
    if config.speakers.mode not in ("auto", "channels", "trainee", "diarize"):
        raise ConfigError(
            f"speakers.mode must be auto, channels, trainee or diarize, got {config.speakers.mode!r}"
        )
    for section in (config.turns, config.overlap, config.pauses):
        for f in fields(section):
            value = getattr(section, f.name)
            if f.name.endswith("_s") and value < 0:
                raise ConfigError(f"{f.name} must not be negative, got {value}")
    if config.transcribe.block_s < 30:
        raise ConfigError(f"transcribe.block_s must be at least 30, got {config.transcribe.block_s}")


def load_config(path: str | Path | None) -> Config:
    """Read a TOML config file; None gives the defaults.

    Raises:
      ConfigError: the file is missing, not TOML, or has unknown sections or keys.
    """
    if path is None:
        return DEFAULT_CONFIG
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist; pass an existing TOML file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Config file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"Cannot read config file {path}: {e.strerror}") from None
    return config_from_dict(data)


def config_to_dict(config: Config) -> dict[str, Any]:
    """Return the config as plain data (tuples become lists), ready for JSON or TOML."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    return {
        f.name: {k: plain(v) for k, v in dataclasses.asdict(getattr(config, f.name)).items()}
        for f in fields(config)
    }
