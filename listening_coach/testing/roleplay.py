"""Scripted two-person role-plays rendered with espeak-ng or Piper, with their ground truth.

- :class:`Line`: one scripted utterance (speaker, text, voice parameters, when it starts,
  the overlap class it is meant to produce, and the feedback a coach would give on it).
- :class:`RolePlay`: a named list of lines plus the recording conditions (bleed, noise or
  SNR, speaker levels, wideband or telephone band).
- :func:`render`: synthesize and mix to a 2-channel 16 kHz signal; returns the samples and the
  truth (a JSON-ready dict, format in ``audio_samples/README.md``).
- :func:`write_roleplay`: render and write ``NAME.opus`` and ``NAME.truth.json``.
- :func:`load_truth`: read a truth file back.
- :func:`write_words` / :func:`load_words`: ``NAME.words.json``, the pipeline's transcribed
  words of a sample, so tests can run every stage after transcription without the model.

Channel ``i`` carries ``channels[i]`` (default: 0 = trainee, 1 = partner) plus the other voice
attenuated by ``bleed_db`` and delayed by ``bleed_delay_ms``, plus seeded white noise
(:func:`listening_coach.testing.roleplay_audio.mix_channels`). A voice named
:data:`~listening_coach.testing.roleplay_audio.PIPER_VOICE` speaks with the Piper neural voice. Every time
in the truth is measured from the rendered audio of each voice (energy), not from the flags.
:func:`render` raises ``ValueError`` when a line scripted as an interruption, backchannel or
terminal overlap would not be unambiguous under the default thresholds, so the samples cannot
silently drift from their labels when the script or espeak-ng changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from listening_coach.config import OverlapOptions, PauseOptions, TurnOptions
from listening_coach.testing.families import check_families
from listening_coach.testing.roleplay_audio import (
    Band,
    audible_spans,
    engine_of,
    mix_channels,
    noise_rms,
    speak,
)
from listening_coach.testing.roleplay_truth import TRUTH_VERSION, Placed, build_truth
from listening_coach.audio import SAMPLE_RATE
from listening_coach.live.synth import measure_spans
from listening_coach.types import PARTNER, TRAINEE, Span, Speaker, Word

if TYPE_CHECKING:
    from listening_coach.live.piper_voice import Voice

WORDS_VERSION = 1
OverlapKind = Literal["interruption", "backchannel", "terminal_overlap"]
AudioFormat = Literal["opus", "flac"]
OPUS_COMPRESSION = 0.9  # libsndfile's 0-1 scale; 0.9 is about 60 kbit/s for 16 kHz stereo


@dataclass(frozen=True, slots=True)
class Line:
    """One scripted utterance.

    ``after_s`` is the start relative to the latest end of any earlier line (negative: starts
    before it ends, i.e. overlaps); ``at_s`` (absolute seconds) wins when given. ``expect``
    names the overlap class this line's start must produce, if it overlaps the other speaker::

        partner  |---- line 0 ---------------|
        trainee          |yeah|                     line 1: after_s=-2.6, expect="backchannel"
        trainee                                |--- line 2 ---|   after_s=+0.8 (after line 0,
                                                                  the latest end so far)
    """

    speaker: Speaker
    text: str
    after_s: float = 0.4
    at_s: float | None = None
    speed_wpm: int = 100  # espeak-ng -s; measured pace is about 1.5 x this
    word_gap_ms: int = 0
    voice: str | None = None  # None: the role-play's voice for this speaker
    expect: OverlapKind | None = None
    move: str = ""  # what the line does, e.g. "reflection", "command" (documentation only)
    feedback: tuple[str, ...] = ()  # families a coach would give here (feedback_families)


@dataclass(frozen=True, slots=True)
class RolePlay:
    """A scripted role-play and its recording conditions."""

    name: str
    title: str
    lines: tuple[Line, ...]
    voices: tuple[tuple[Speaker, str], ...] = ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us"))
    channels: tuple[Speaker, ...] = (TRAINEE, PARTNER)
    bleed_db: float = 20.0  # the other voice on each channel, this much quieter
    bleed_delay_ms: float = 2.0
    noise_db: float = -66.0  # white noise RMS relative to full scale
    snr_db: float | None = None  # if set: noise this far below the louder voice (speech RMS)
    levels_db: tuple[tuple[Speaker, float], ...] = ()  # gain per speaker (default 0 dB)
    band: Band = "wide"  # "phone": 300-3400 Hz through 8 kHz
    lead_in_s: float = 0.5
    tail_s: float = 1.0
    seed: int = 440
    turns: TurnOptions = field(default_factory=TurnOptions)
    overlap: OverlapOptions = field(default_factory=OverlapOptions)
    pauses: PauseOptions = field(default_factory=PauseOptions)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered role-play: ``samples`` float32 shape (channels, n) at 16 kHz, and its truth."""

    samples: np.ndarray
    truth: dict[str, Any]


def _speaker(roleplay: RolePlay) -> tuple[Any, Any]:
    """A function that speaks one line of ``roleplay``, and the Piper voice it uses (or None)."""
    piper: Voice | None = None
    if any(engine_of(v) == "piper" for v in [*dict(roleplay.voices).values(),
                                              *(ln.voice or "" for ln in roleplay.lines)]):
        from listening_coach.live.piper_voice import open_voice

        piper = open_voice(roleplay.seed)  # fresh: the same role-play renders the same audio

    def say(text: str, voice: str, line: Line) -> np.ndarray:
        return speak(text, voice=voice, speed_wpm=line.speed_wpm, word_gap_ms=line.word_gap_ms, piper=piper)

    return say, piper


def render(roleplay: RolePlay) -> Rendered:
    """Synthesize every line, place it in time, mix the channels and compute the truth.

    Raises:
      MissingExtra: espeak-ng (or the Piper voice a line asks for) is not installed.
      ValueError: the script is inconsistent (unknown speaker, a scripted overlap class that
        the rendered timing does not produce unambiguously, an unknown feedback family).
    """
    voices = dict(roleplay.voices)
    say, _ = _speaker(roleplay)
    placed: list[Placed] = []
    floor_end = roleplay.lead_in_s
    for i, line in enumerate(roleplay.lines):
        if line.speaker not in roleplay.channels:
            raise ValueError(f"Line {i} speaker {line.speaker!r} is not in {roleplay.channels}")
        check_families(line.feedback, f"{roleplay.name} line {i}")
        voice = line.voice or voices[line.speaker]
        audio = say(line.text, voice, line)
        start = line.at_s if line.at_s is not None else floor_end + line.after_s
        start = round(max(start, 0.0) * SAMPLE_RATE) / SAMPLE_RATE
        local = measure_spans(audio)
        spans = tuple(Span(round(start + s.start, 3), round(start + s.end, 3)) for s in local)
        words = len(line.text.split())
        placed.append(Placed(i, line, spans[0].start, spans[-1].end, spans, words, audio, start, voice))
        floor_end = max(floor_end, start + audio.size / SAMPLE_RATE)
    tracks = _tracks(roleplay, placed)
    samples = _mix(roleplay, tracks)
    noise = noise_rms(tracks, roleplay.channels, levels_db=dict(roleplay.levels_db),
                      noise_db=roleplay.noise_db, snr_db=roleplay.snr_db)
    levels = dict(roleplay.levels_db)
    audible = {p.index: audible_spans(p.audio, origin=p.origin, level_db=levels.get(p.line.speaker, 0.0),
                                      noise=noise, band=roleplay.band, within=p.spans) for p in placed}
    truth = build_truth(roleplay, placed, samples.shape[1] / SAMPLE_RATE, say, audible=audible)
    return Rendered(samples, truth)


def write_roleplay(
    roleplay: RolePlay, out_dir: str | Path, *, audio_format: AudioFormat = "opus", mono: bool = False
) -> tuple[Path, Path]:
    """Render ``roleplay`` and write ``NAME.opus`` (or ``.flac``) and ``NAME.truth.json``.

    Ogg Opus at about 60 kbit/s keeps a one-minute stereo sample near 450 kB with the channel
    separation (bleed level) intact to 0.1 dB and no time shift; 16-bit FLAC of the same audio
    is about 2 MB, so FLAC is for temporary files (the benchmark), not for the repository.
    ``mono``: the channels summed to one (give the role-play ``bleed_db=120`` so that each
    channel is one clean voice); the truth then says ``"mono": true``.

    Returns:
      The audio path and the truth path.
    """
    import soundfile as sf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rendered = render(roleplay)
    samples = rendered.samples
    if mono:
        samples = np.clip(samples.sum(axis=0, keepdims=True), -1.0, 1.0).astype(np.float32)
    audio_path = out / f"{roleplay.name}.{audio_format}"
    truth_path = out / f"{roleplay.name}.truth.json"
    if audio_format == "opus":
        sf.write(
            str(audio_path),
            samples.T,
            SAMPLE_RATE,
            format="OGG",
            subtype="OPUS",
            compression_level=OPUS_COMPRESSION,
        )
    else:
        sf.write(str(audio_path), samples.T, SAMPLE_RATE, subtype="PCM_16")
    truth = dict(rendered.truth, audio=audio_path.name, **({"mono": True} if mono else {}))
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return audio_path, truth_path


def load_truth(path: str | Path) -> dict[str, Any]:
    """Read a ``NAME.truth.json`` written by :func:`write_roleplay`."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("truth_version") != TRUTH_VERSION:
        raise ValueError(f"{path}: truth_version {data.get('truth_version')} != {TRUTH_VERSION}")
    return data


def write_words(words: Iterable[Word], path: str | Path, *, source: str, model: str) -> Path:
    """Write transcribed words as ``NAME.words.json`` (fixtures for tests without the model).

    Format: ``{"words_version": 1, "source", "model", "words": [{"start", "end", "text",
    "speaker", "probability", "speaker_confidence"}]}``, times in seconds to 1 ms.
    """
    head = json.dumps({"words_version": WORDS_VERSION, "source": source, "model": model})
    rows = ",\n".join(  # one word per line: small diffs
        json.dumps(
            {
                "start": round(w.start, 3),
                "end": round(w.end, 3),
                "text": w.text,
                "speaker": w.speaker,
                "probability": round(w.probability, 3),
                "speaker_confidence": round(w.speaker_confidence, 3),
            }
        )
        for w in words
    )
    path = Path(path)
    path.write_text(f'{head[:-1]}, "words": [\n{rows}\n]}}\n', encoding="utf-8")
    return path


def load_words(path: str | Path) -> tuple[Word, ...]:
    """Read words written by :func:`write_words`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("words_version") != WORDS_VERSION:
        raise ValueError(f"{path}: words_version {data.get('words_version')} != {WORDS_VERSION}")
    return tuple(
        Word(w["start"], w["end"], w["text"], w["speaker"], w["probability"], w["speaker_confidence"])
        for w in data["words"]
    )


def _tracks(roleplay: RolePlay, placed: list[Placed]) -> dict[Speaker, np.ndarray]:
    """Each speaker's clean voice track (float64, 16 kHz), the lines placed in time."""
    total_s = max(p.end for p in placed) + roleplay.tail_s
    n = round(total_s * SAMPLE_RATE)
    voice = {s: np.zeros(n, dtype=np.float64) for s in roleplay.channels}
    for p in placed:
        i = round(p.origin * SAMPLE_RATE)
        seg = p.audio[: max(n - i, 0)]
        voice[p.line.speaker][i : i + seg.size] += seg
    return voice


def _mix(roleplay: RolePlay, voice: dict[Speaker, np.ndarray]) -> np.ndarray:
    return mix_channels(
        voice,
        roleplay.channels,
        levels_db=dict(roleplay.levels_db),
        bleed_db=roleplay.bleed_db,
        bleed_delay_ms=roleplay.bleed_delay_ms,
        noise_db=roleplay.noise_db,
        snr_db=roleplay.snr_db,
        band=roleplay.band,
        seed=roleplay.seed,
    )
