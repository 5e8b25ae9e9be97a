"""One frozen options dataclass per stage: the sections of :class:`~listening_coach.config.Config`.

- Analysis stages: :class:`TranscribeOptions`, :class:`SpeakerOptions`, :class:`TurnOptions`,
  :class:`OverlapOptions`, :class:`PauseOptions`, :class:`PaceOptions`, :class:`VoiceOptions`,
  :class:`LanguageOptions`, :class:`FeedbackOptions`, :class:`DiarizeOptions`.
- Tools around them: :class:`LiveOptions` (drills), :class:`ReportOptions` (HTML, batch).

Units are in the names. Each field declares its allowed values once with
:func:`~listening_coach.bounds.opt`; the comment beside it is its line in ``docs/config.toml``
(``make docs``). A stage function takes its own section only (issue 16). Import these from
:mod:`listening_coach.config`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from listening_coach.bounds import opt, parse_channel_map

SpeakerMode = Literal["auto", "channels", "trainee", "diarize"]


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """faster-whisper settings. ``model`` None means the bundled ``tiny.en`` (int8, CPU)."""

    model: str | None = None
    device: str = opt("cpu", choices=("cpu", "cuda", "auto"))
    compute_type: str = "int8"
    cpu_threads: int = opt(0, ge=0)  # 0: all cores
    beam_size: int = opt(5, ge=1)
    language: str = "en"
    vad_filter: bool = True
    vad_min_silence_ms: int = opt(500, ge=0)
    no_speech_threshold: float = opt(0.6, ge=0, le=1)  # segments above this no-speech probability are dropped
    log_prob_threshold: float = opt(-1.0, le=0)
    # re-decode a window that fails Whisper's checks by sampling: rejects hallucinations on
    # non-speech, but the words may vary run to run (CTranslate2 has no per-call seed)
    sample_fallback: bool = True  # false: the same words every run, hallucinations kept
    verbatim_fillers: bool = False  # prompt Whisper to keep "um"/"uh" (may drop sentences)
    block_s: float = opt(120.0, ge=30)  # audio is decoded and transcribed in blocks this long (memory)
    snap_words: bool = True  # clip word boundaries to detected speech energy
    # one channel per person: speech this long that no word covers stays as "unclear speech"
    unclear_min_s: float = opt(0.25, ge=0)
    retry_empty_regions: bool = True  # a region without words is transcribed again, unmasked


@dataclass(frozen=True, slots=True)
class SpeakerOptions:
    """Who spoke each word.

    ``channels`` names the person on each channel, in order. ``mode``: ``auto`` uses channels
    for multichannel files and the trainee alone for mono; ``diarize`` clusters voices in mono.
    """

    mode: SpeakerMode = opt("auto", choices=("auto", "channels", "trainee", "diarize"))
    channels: tuple[str, ...] = opt(("trainee", "partner"), parse=parse_channel_map)  # trainee/partner/-
    bleed_margin_db: float = opt(6.0, ge=0)  # speech must be this much louder than the other mics' bleed
    floor_margin_db: float = opt(9.0, ge=0)  # ... and this far above the channel's own noise floor
    edge_margin_db: float = opt(4.0, ge=0)  # a run of speech grows over frames this far above both
    # in a silence that could be a pause (quiet_speech.py), frames over the edge margins are speech
    vad_threshold: float = opt(0.5, ge=0, le=1)  # where Silero VAD hears speech this surely (0: off)
    vad_min_run_s: float = opt(0.1, ge=0)  # ... for at least this long
    # a weak fricative next to speech is speech (endpoints.py): runs of speech take frames whose
    fricative_hz: float = opt(2000.0, gt=0)  # energy above this is edge_margin_db over its floor
    fricative_reach_s: float = opt(0.25, ge=0)  # ... within this of their end or start (0: off)
    frame_s: float = opt(0.02, gt=0, le=1)


@dataclass(frozen=True, slots=True)
class TurnOptions:
    """Words -> turns -> exchanges (PRODUCT.md, core vocabulary)."""

    turn_gap_s: float = opt(1.5, gt=0)  # a silence this long ends a turn when nobody else speaks
    close_after_s: float = opt(3.0, gt=0)  # trainee alone: silence that closes an exchange
    backchannel_max_s: float = opt(1.0, ge=0)
    backchannel_max_words: int = opt(2, ge=0)
    # a short spurt said over the other's speech for this long is a backchannel whatever its text
    backchannel_min_overlap_s: float = opt(0.1, ge=0)
    # "Okay, you need to...": a lexicon word followed this soon by more speech, said over the
    # other, starts that turn instead of being a backchannel
    runon_gap_s: float = opt(1.0, ge=0)
    backchannel_words: tuple[str, ...] = (
        "mm", "mhm", "mm-hm", "mm-hmm", "hmm", "uh-huh", "yeah", "yes", "yep", "right", "okay",
        "ok", "i see", "sure", "true", "oh", "ah", "wow", "got it", "exactly", "alright",
    )


@dataclass(frozen=True, slots=True)
class OverlapOptions:
    """Interruption vs backchannel vs terminal overlap (conversation-analysis rules)."""

    min_overlap_s: float = opt(0.1, ge=0)  # shorter simultaneous speech is not an overlap
    interruption_min_overlap_s: float = opt(0.8, ge=0)
    interruption_min_words: int = opt(3, ge=0)
    yield_within_s: float = opt(1.5, ge=0)  # the interrupted speaker stops within this
    terminal_window_s: float = opt(0.3, ge=0)  # starting within the other's last word or this: terminal


@dataclass(frozen=True, slots=True)
class PauseOptions:
    """Response latency, effective pauses, hesitations, dead air."""

    effective_pause_s: float = opt(1.0, ge=0)
    hesitation_s: float = opt(1.0, ge=0)
    dead_air_s: float = opt(5.0, gt=0)
    articulation_pause_s: float = opt(0.25, gt=0)  # pauses this long are left out of articulation rate


@dataclass(frozen=True, slots=True)
class PaceOptions:
    """Speaking rate targets (PRODUCT.md: aim 110-140 WPM, flag > 160 sustained 20 s)."""

    target_wpm_min: float = opt(110.0, gt=0, at_most="target_wpm_max")
    target_wpm_max: float = opt(140.0, gt=0)
    fast_wpm: float = opt(160.0, gt=0)
    fast_sustained_s: float = opt(20.0, ge=0)
    min_words: int = opt(5, ge=1)  # fewer words give no pace for an exchange
    baseline_exchanges: int = opt(2, ge=1)  # the trainee's first exchanges set the personal baseline


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    """Loudness and pitch per turn (librosa)."""

    enabled: bool = True
    hop_s: float = opt(0.01, gt=0, le=1)
    fmin_hz: float = opt(65.0, gt=0, below="fmax_hz")
    fmax_hz: float = opt(400.0, gt=0, le=8000)


@dataclass(frozen=True, slots=True)
class LanguageOptions:
    """Reflective-language coding of trainee utterances."""

    use_model: bool = True  # the trained model where available, rules otherwise
    model_path: str | None = None  # None: the model shipped in listening_coach/models
    use_encoder: bool = True  # blend in the fine-tuned MiniLM encoder (slower, more accurate)
    encoder_path: str | None = None  # None: language_encoder.onnx in listening_coach/models
    # at 0.9, 40% of utterances skip the encoder and cross-validated macro-F1 stays 0.764
    encoder_below: float = opt(0.9, ge=0, le=1)  # consult the encoder only below this confidence (1: always)
    min_confidence: float = opt(0.5, ge=0, le=1)  # labels below this are shown as uncertain
    max_utterance_words: int = opt(60, ge=1)  # unpunctuated speech is labelled in chunks this long
    closed_question_run: int = opt(3, ge=1)  # this many closed questions in a row earns a tip
    # A rule phrase (blame, arguing, threat, policy, validation, affirmation) also counts when
    # ASR heard words that sound like it and was unsure (probability under sound_unsure_below)
    # where they differ from it, within sound_max_ratio of its sound key (language/soundalike.py).
    sound_unsure_below: float = opt(0.6, ge=0, le=1)  # words heard less surely may match by sound (0: never)
    sound_max_ratio: float = opt(0.15, ge=0, le=1)  # how near in sound: a share of the phrase's sound key


@dataclass(frozen=True, slots=True)
class FeedbackOptions:
    """What turns metrics into messages: evidence thresholds, budget and suggestions."""

    max_items_per_exchange: int = opt(2, ge=0)  # the rest of an exchange's items: its "more" list
    max_session_items: int = opt(5, ge=0)  # session summary; the rest go to its "more" list
    quick_latency_s: float = opt(0.2, ge=0)  # answering faster than this after an emotional line: a tip
    max_talk_share: float = opt(0.5, ge=0, le=1)
    monologue_s: float = opt(30.0, gt=0)
    fillers_per_min: float = opt(5.0, ge=0)
    # A hurried answer is judged only on a sustained stretch: at least fast_min_words words
    # and min_pace_speech_s of the trainee's speech in the exchange ("Bye." has no pace).
    min_pace_speech_s: float = opt(2.0, ge=0)
    fast_min_words: int = opt(8, ge=1)
    # No pace judgement at all before the trainee has spoken this long in the session (in a drill:
    # so far): a pace claim rests on at least this much of their speech.
    min_pace_evidence_s: float = opt(8.0, ge=0)
    pace_stretch_gap_s: float = opt(0.5, gt=0)  # a pause this long ends a stretch of speech
    fast_vs_own_ratio: float = opt(1.1, ge=1)  # ... and this many times their usual syllables/s
    speedup_ratio: float = opt(1.15, ge=1)  # faster than the trainee's own start by this: "speeding up"
    # The partner escalated only when loudness, pitch and pace all rise above the partner's own
    # first prompts (``escalation_baseline_prompts``) by these margins.
    escalation_baseline_prompts: int = opt(2, ge=1)
    escalation_loudness_db: float = opt(3.0, ge=0)
    escalation_pitch_st: float = opt(1.0, ge=0)
    escalation_pace_ratio: float = opt(1.1, ge=1)
    followed_louder_db: float = opt(3.0, ge=0)  # the trainee louder than their own start by this: followed
    # Suggested reflections reuse partner words only if each was heard at least this sure, and
    # only if the sentence parses as a well-formed clause (spaCy); otherwise generic advice.
    suggestion_min_probability: float = opt(0.5, ge=0, le=1)
    suggestion_check_grammar: bool = True


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """Live drills: capture, streaming turn-taking, echo gating, recording (docs/live.md)."""

    block_s: float = opt(0.1, gt=0, le=1)  # capture block; the audio callback only queues blocks this long
    vad_threshold: float = opt(0.5, ge=0, le=1)  # Silero speech probability that counts as speech
    end_silence_s: float = opt(0.5, gt=0)  # this much silence after speech ends a trainee's turn
    min_speech_s: float = opt(0.25, ge=0)  # shorter bursts (clicks, coughs) are not a turn
    piece_gap_s: float = opt(0.2, gt=0)  # a pause this long inside a turn: transcribe the piece so far
    max_piece_s: float = opt(8.0, gt=0)  # speech without such a pause is cut and transcribed at this length
    speech_pad_s: float = opt(0.2, ge=0)  # audio kept before/after the VAD segment for transcription
    beam_size: int = opt(1, ge=1)  # live decode is greedy; the final analysis uses transcribe.beam_size
    max_lag_s: float = opt(3.0, gt=0)  # behind real time by more than this: skip live cues, catch up later
    degrade_lag_s: float = opt(1.0, gt=0)  # behind by more than this: live labels from rules only (shown)
    final_pass: bool = True  # re-transcribe the recording with full options after the drill
    echo_gate_ratio: float = opt(1.0, ge=0)  # after echo removal, speech must exceed this x the echo level
    echo_max_delay_s: float = opt(0.5, ge=0)  # how late the loudspeaker may reach the microphone
    answer_timeout_s: float = opt(8.0, gt=0)  # scripted drill: next partner line if the trainee says nothing
    stall_timeout_s: float = opt(3.0, gt=0)  # no audio from the device this long: it has gone away
    cues: bool = True  # show one short cue per exchange


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Per-recording HTML reports and batch outputs (docs/coach.md)."""

    embed_audio: bool = True  # embed the recording (Opus, mono) so each exchange can be played
    audio_bitrate_kbps: int = opt(24, ge=6, le=510)
    max_audio_s: float = opt(3600.0, ge=0)  # longer recordings are not embedded (the file would be huge)
    voice_points: int = opt(600, ge=2)  # loudness/pitch curves are reduced to at most this many points


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """Offline diarization of mono recordings (docs/diarization.md).

    ``engine``: ``segmentation`` (pyannote segmentation-3.0 windows, overlap-aware) or the older
    ``embedding`` (Silero VAD + voice-embedding windows). ``role_rule`` picks the trainee:
    ``auto`` (``listener`` weighed with ``less``, and ``enrolment`` when a clip is set),
    ``listener`` (who reads like a listener, the partner agitated), ``first`` (who speaks
    first), ``less`` (who talks less), ``enrolment`` (closest to ``enrolment_path``, a clip of
    the trainee's voice) or ``manual`` (``trainee_speaker`` names the diarizer label, e.g.
    ``SPEAKER_01``).
    """

    engine: str = opt("segmentation", choices=("segmentation", "embedding"))  # pyannote seg-3.0 | older
    num_speakers: int = opt(0, ge=0)  # 0: estimate between min_speakers and max_speakers
    min_speakers: int = opt(1, ge=1, at_most="max_speakers")
    max_speakers: int = opt(4, ge=1)
    vad_threshold: float = opt(0.3, ge=0, le=1)  # Silero speech probability (0.5 missed 24% of AMI speech)
    min_speech_s: float = opt(0.15, ge=0)  # shorter speech bursts are dropped
    min_silence_s: float = opt(0.3, ge=0)  # shorter gaps inside speech are bridged
    merge_gap_s: float = opt(0.5, ge=0)  # one speaker's segments this close are joined in the output
    window_s: float = opt(1.0, gt=0)  # embedding window
    step_s: float = opt(0.25, gt=0)  # embedding hop
    cluster_threshold: float = opt(0.3, ge=0, le=2)  # cosine distance under which clusters merge (count)
    cluster_method: str = opt("nme-sc", choices=("nme-sc", "ahc"))  # spectral + eigengap count | threshold
    min_speaker_s: float = opt(2.0, ge=0)  # a cluster with less speech than this is merged into its nearest
    smoothing_s: float = opt(0.5, ge=0)  # speaker turns shorter than this are absorbed unless words disagree
    overlap: bool = True  # look for stretches where two people speak at once
    overlap_threshold: float = 0.0  # a pair of voices must fit a frame better than one by this
    word_margin: float = opt(0.1, ge=0)  # a backchannel word moves to another voice only by this margin
    role_rule: str = opt("auto", choices=("auto", "listener", "first", "less", "enrolment", "manual"))
    trainee_speaker: str | None = None  # for role_rule = "manual"
    enrolment_path: str | None = None  # for role_rule = "enrolment"
    max_cluster_windows: int = opt(1500, ge=2)  # longer files: cluster a subsample, assign the rest
    seg_step_s: float = opt(2.5, gt=0, le=10)  # segmentation engine: a 10 s window every this many s
    min_clean_s: float = opt(0.5, ge=0)  # segmentation engine: solo speech to cluster a local speaker
    seg_cluster_threshold: float = opt(0.2, ge=0, le=2)  # segmentation engine's cluster_threshold
    seg_onset_overlap: float = opt(0.3, ge=0, le=1)  # segmentation engine: overlap from this p(2 voices)
