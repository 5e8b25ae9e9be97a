"""Words with speakers: which channel is whom, each channel's words, or diarization for mono.

- :func:`check_channel_map`: refuse a channel map that does not fit the file, before any model
  loads; :func:`channel_map`: the (channel, speaker) pairs to transcribe.
- :func:`block_words`: one decoded block's words per person. One channel per person: bleed is
  cancelled, speech runs take a weak fricative at their edges (:mod:`listening_coach.endpoints`),
  quiet speech in long silences is checked with Silero VAD
  (:mod:`listening_coach.quiet_speech`), each channel is transcribed by speech regions, words
  are snapped to its speech and speech without words becomes unclear-speech placeholders.
- :func:`speech_notes`: per channel, how much speech ended up without words (logged; a note
  when it is much).
- :func:`diarizing` / :func:`diarize_words`: a one-microphone recording's words attributed to
  voices (:mod:`listening_coach.diarization`) and the voices to roles.
- :func:`segment_words` / :func:`roles_for`: words attributed to the speakers of a coach's
  segmentation (RTTM/TextGrid) instead, and those to roles (labels named trainee/partner are
  kept; otherwise ``diarize.role_rule``, by default who reads like the listener and talks less).
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from listening_coach import activity as spk
from listening_coach.audio import MAX_CHANNELS, SAMPLE_RATE, AudioInfo, frame_db, load_audio
from listening_coach.bounds import SKIP_CHANNEL
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.errors import ConfigError
from listening_coach.feedback import counted
from listening_coach.endpoints import extend_weak_edges
from listening_coach.quiet_speech import recheck_silences
from listening_coach.regions import speech_regions, transcribe_regions, unclear_words
from listening_coach.transcribe import transcribe
from listening_coach.types import PARTNER, TRAINEE, Word

if TYPE_CHECKING:
    from listening_coach.diarization.types import SpeakerSegment

logger = logging.getLogger(__name__)
UNCLEAR_NOTE_S = 2.0  # a channel with this much speech without words gets a note ...
UNCLEAR_NOTE_SHARE = 0.2  # ... when it is also this share of its speech


def _mostly_active(active: np.ndarray, frame_s: float, offset_s: float) -> Callable[[float, float], bool]:
    """Whether at least half of a span's frames are speech by the energy activity."""
    def is_speech(start: float, end: float) -> bool:
        first = max(int((start - offset_s) / frame_s), 0)
        span = active[first : max(int(np.ceil((end - offset_s) / frame_s)), first + 1)]
        return bool(span.size) and float(span.mean()) >= 0.5
    return is_speech


def check_channel_map(info: AudioInfo, config: Config) -> None:
    """Refuse a channel map that does not fit the file, before any model loads.

    Raises:
      ConfigError: more names than channels (when channels are used), or fewer names than the
        channels of a file with more than two.
    """
    mode = config.speakers.mode
    names = config.speakers.channels
    if mode in ("trainee", "diarize") or (info.channels == 1 and mode == "auto"):
        return
    if info.channels > MAX_CHANNELS:
        return  # decoding refuses the file with its own message
    if len(names) > info.channels:
        fix = ("leave out --channels (a mono recording is the trainee alone) or use --diarize"
               if info.channels == 1 else "give one name per channel")
        raise ConfigError(
            f"{info.path}: {counted(info.channels, 'channel')} but the channel map names "
            f"{len(names)} ({','.join(names)}); {fix}"
        )
    if len(names) < info.channels and info.channels > 2:
        raise ConfigError(
            f"{info.path}: {info.channels} channels but the channel map names {len(names)} "
            f"({','.join(names)}); pass --channels with one name per channel, '-' to skip one "
            "(e.g. --channels trainee,partner,-,-,-,-)"
        )


def channel_map(info: AudioInfo, config: Config, identical: bool) -> tuple[tuple[int, str], ...]:
    """Return (channel index, speaker) pairs to transcribe."""
    mode = config.speakers.mode
    if info.channels == 1 or identical or mode in ("trainee", "diarize"):
        return ((0, TRAINEE),)
    names = config.speakers.channels
    skip = SKIP_CHANNEL + ("",)
    pairs = tuple((i, n) for i, n in enumerate(names[: info.channels]) if n.lower() not in skip)
    if not pairs:
        raise ConfigError("The channel map skips every channel; name at least one speaker")
    return pairs


def block_words(
    chosen: np.ndarray,
    block_start: float,
    channel_map: tuple[tuple[int, str], ...],
    config: Config,
    speech: dict[str, list[float]],
) -> tuple[list[Word], np.ndarray, np.ndarray]:
    """Transcribe one block's channels; returns (words, the signal analysed, speech activity).

    The Whisper model loads (cached) at the first sound to transcribe, so unreadable or silent
    files fail before it does.

    One channel per person: bleed is cancelled, each channel is transcribed by speech regions
    (:mod:`listening_coach.regions`), words are snapped to its speech and the speech no word
    covers becomes unclear-speech placeholders. One channel: the whole block, words snapped to
    its energy (there is no per-person activity to trust); a segment Whisper doubts is kept
    when that energy says at least half of it is speech.
    """
    opts, topts = config.speakers, config.transcribe
    if len(channel_map) == 1:
        active = spk.speech_activity(chosen, opts)
        found = transcribe(chosen[0], topts, offset_s=block_start, speaker=channel_map[0][1],
                           is_speech=_mostly_active(active[0], opts.frame_s, block_start))
        if topts.snap_words:
            found = spk.snap_words(
                found, active[0], frame_s=opts.frame_s, offset_s=block_start, drop_silent=False
            )
        return list(found), chosen, active
    cancelled, active, heard = channel_activity(chosen, config)
    words: list[Word] = []
    for row, (_, speaker) in enumerate(channel_map):
        total_s = chosen.shape[1] / SAMPLE_RATE
        regions = speech_regions(heard[row], opts.frame_s, total_s=total_s)
        masked = spk.mask_inactive(cancelled[row], heard[row], frame_s=opts.frame_s)
        found = transcribe_regions(
            masked,
            regions,
            topts,
            fallback=chosen[row] if topts.retry_empty_regions else None,
            offset_s=block_start,
            speaker=speaker,
            retry_min_s=topts.unclear_min_s if topts.retry_empty_regions else float("inf"),
        )
        if topts.snap_words:
            found = spk.snap_words(found, active[row], frame_s=opts.frame_s, offset_s=block_start)
        unclear = unclear_words(
            found, active[row], opts.frame_s, offset_s=block_start, speaker=speaker, min_s=topts.unclear_min_s
        )
        tally = speech.setdefault(speaker, [0.0, 0.0, 0.0])
        tally[0] += float(active[row].sum()) * opts.frame_s
        tally[1] += sum(w.duration for w in unclear)
        tally[2] += len(found)
        words.extend(found + unclear)
    return words, cancelled, active


def channel_activity(chosen: np.ndarray, config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One channel per person: (the bleed-cancelled signal, its speech activity, what Whisper hears).

    Energy activity over the channel's floor and the other channels' bleed, each run extended
    over a weak fricative at its edges (:mod:`listening_coach.endpoints`), then quiet speech
    Silero VAD confirms in long silences. The third array is the activity without the fricative
    edges, for Whisper's regions and masking: their 0.2 s padding already lets it hear those
    frames, and moving its window boundaries would only re-roll its decoding.
    """
    opts, pauses = config.speakers, config.pauses
    gain = spk.bleed_gain_db(frame_db(chosen, frame_s=opts.frame_s))
    cancelled = spk.cancel_bleed(chosen)
    plain = spk.speech_activity(cancelled, opts, gain_db=gain)
    edges = extend_weak_edges(cancelled, plain, opts, gain_db=gain)
    active = recheck_silences(cancelled, edges, opts, gain_db=gain,
                              min_gap_s=min(pauses.effective_pause_s, pauses.dead_air_s))
    return cancelled, active, active & ~(edges & ~plain)


def speech_notes(path: str | Path, speakers: list[str], speech: dict[str, list[float]]) -> list[str]:
    """Log each channel's speech without words; notes for channels that are mostly unclear."""
    notes: list[str] = []
    for speaker in speakers:
        speech_s, unclear_s, n_words = speech.get(speaker, [0.0, 0.0, 0.0])
        logger.info("%s: %s: %.1f s of %.1f s of speech without words", path, speaker, unclear_s, speech_s)
        if n_words == 0 and unclear_s >= UNCLEAR_NOTE_S:
            note = (
                f"{speaker}: Whisper found no words in {unclear_s:.1f} s of speech; "
                "analysed on timing alone"
            )
            logger.warning("%s: %s", path, note)
            notes.append(note)
        elif unclear_s >= UNCLEAR_NOTE_S and unclear_s >= UNCLEAR_NOTE_SHARE * speech_s:
            notes.append(
                f"{speaker}: {unclear_s:.1f} s of {speech_s:.1f} s of speech without intelligible words "
                "(shown as unclear speech)"
            )
        elif n_words == 0 and unclear_s == 0.0:
            notes.append(f"no speech found for {speaker}")
    return notes


def diarizing(info: AudioInfo, identical: bool, config: Config) -> bool:
    """Mono audio is diarized when asked, or automatically (``auto``) to find a second voice."""
    one_channel = info.channels == 1 or identical
    return one_channel and config.speakers.mode in ("auto", "diarize")


def diarize_words(
    words: tuple[Word, ...], samples: np.ndarray, config: Config
) -> tuple[list[Word], tuple[str, ...], list[str]]:
    """Attribute mono words to speakers and roles; returns (words, speakers, notes)."""
    from listening_coach.diarization import (
        LOW_ROLE_CONFIDENCE,
        assign_speakers_from_segments,
        choose_roles,
        diarize,
        overlap_words,
        refine_words,
    )

    options = config.diarize
    diarization = diarize(samples, options)
    notes = list(diarization.notes)
    if diarization.num_speakers < 2:
        notes.append("one voice found: analysed as the trainee alone")
        return list(words), (TRAINEE,), notes
    labelled = assign_speakers_from_segments(words, diarization.segments)
    labelled = refine_words(labelled, samples, diarization, margin=options.word_margin)
    labelled = overlap_words(labelled, diarization)
    enrolment = None
    if options.role_rule == "enrolment" and options.enrolment_path:
        enrolment = load_audio(options.enrolment_path).mean(axis=0)
    roles, confidence = choose_roles(
        diarization,
        labelled,
        options.role_rule,
        enrolment=enrolment,
        trainee=options.trainee_speaker,
        language=config.language,
    )
    renamed = [replace(w, speaker=roles.get(w.speaker or "", w.speaker)) for w in labelled]
    if confidence < LOW_ROLE_CONFIDENCE and options.role_rule != "manual":
        trainee = next((k for k, v in roles.items() if v == TRAINEE), "?")
        notes.insert(
            0,
            f"Roles uncertain (confidence {confidence:.2f}): {trainee} was taken as the trainee; "
            "if that is wrong, rerun with --trainee SPEAKER_NN",
        )
    notes.append(
        f"diarized: {diarization.num_speakers} voices (count confidence "
        f"{diarization.count_confidence:.2f}); roles by rule '{options.role_rule}' "
        f"(confidence {confidence:.2f}): " + ", ".join(f"{k}={v}" for k, v in sorted(roles.items()))
    )
    speakers = tuple(dict.fromkeys(w.speaker for w in renamed if w.speaker))
    return renamed, speakers, notes


def roles_for(segments: tuple[SpeakerSegment, ...], config: Config | None = None,
              words: tuple[Word, ...] = ()) -> dict[str, str]:
    """Map segment labels to roles.

    Labels already named ``trainee``/``partner`` are kept. Otherwise the diarizer's rule
    decides (:func:`diarization.roles.choose_roles` with ``diarize.role_rule``: ``auto``, the
    default, weighs who reads like the listener (when ``words`` are given) and who talks less;
    ``less``; ``first``; ``manual`` with ``diarize.trainee_speaker``). Further speakers are
    left out.

    Raises:
      ConfigError: ``role_rule = "enrolment"`` (an imported segmentation carries no voices).
    """
    from listening_coach.diarization.roles import choose_roles
    from listening_coach.diarization.types import Diarization

    labels = list(dict.fromkeys(s.speaker for s in sorted(segments, key=lambda s: s.start)))
    named = {lb: lb.lower() for lb in labels if lb.lower() in (TRAINEE, PARTNER)}
    if named:
        return named
    options = (config or DEFAULT_CONFIG).diarize
    if options.role_rule == "enrolment":
        raise ConfigError("diarize.role_rule = 'enrolment' needs voices; with an imported "
                          "segmentation use less, first, or manual with diarize.trainee_speaker")
    diarization = Diarization(segments=segments, overlaps=(), num_speakers=len(labels),
                              count_confidence=1.0)
    mapping, _ = choose_roles(diarization, words, options.role_rule,
                              trainee=options.trainee_speaker,
                              language=(config or DEFAULT_CONFIG).language)
    return {k: v for k, v in mapping.items() if v in (TRAINEE, PARTNER)}


def segment_words(
    words: tuple[Word, ...], segments: tuple[SpeakerSegment, ...], config: Config
) -> tuple[list[Word], tuple[str, ...], list[str]]:
    """Attribute mono words to the speakers of a coach's segmentation, and those to roles;
    returns (words, speakers, notes). Words of further speakers are left out, with a note."""
    from listening_coach.diarization import assign_speakers_from_segments

    attributed = assign_speakers_from_segments(words, segments)
    roles = roles_for(segments, config, attributed)
    kept = [replace(w, speaker=roles[w.speaker]) for w in attributed
            if w.speaker is not None and w.speaker in roles]
    notes = ["roles: " + ", ".join(f"{k}={v}" for k, v in roles.items())]
    if len(attributed) > len(kept):
        notes.append(f"{counted(len(attributed) - len(kept), 'word')} of other speakers left out")
    return kept, tuple(dict.fromkeys(roles.values())), notes
