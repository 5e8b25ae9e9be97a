"""Scripted two-person role-plays rendered with espeak-ng, with their ground truth.

- :class:`Line`: one scripted utterance (speaker, text, voice parameters, when it starts,
  and the overlap class it is meant to produce).
- :class:`RolePlay`: a named list of lines plus the recording conditions (bleed, noise).
- :func:`render`: synthesize and mix to a 2-channel 16 kHz signal; returns the samples and the
  truth (a JSON-ready dict, format in ``audio_samples/README.md``).
- :func:`write_roleplay`: render and write ``NAME.opus`` and ``NAME.truth.json``.
- :func:`load_truth`: read a truth file back.
- :func:`write_words` / :func:`load_words`: ``NAME.words.json``, the pipeline's transcribed
  words of a sample, so tests can run every stage after transcription without the model.

Channel ``i`` carries ``channels[i]`` (default: 0 = trainee, 1 = partner) plus the other voice
attenuated by ``bleed_db`` and delayed by ``bleed_delay_ms``, plus seeded white noise. Every time
in the truth is measured from the rendered audio of each voice (energy), not from the flags.
:func:`render` raises ``ValueError`` when a line scripted as an interruption, backchannel or
terminal overlap would not be unambiguous under the default thresholds, so the samples cannot
silently drift from their labels when the script or espeak-ng changes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from listening_coach.config import OverlapOptions, PauseOptions, TurnOptions
from listening_coach.synth import SAMPLE_RATE, measure_spans, synthesize
from listening_coach.types import PARTNER, TRAINEE, Speaker, Word

TRUTH_VERSION = 1
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


@dataclass(slots=True)
class _Placed:
    index: int
    line: Line
    start: float
    end: float
    spans: tuple[tuple[float, float], ...]
    words: int
    audio: np.ndarray
    origin: float  # where the line's audio buffer starts (its first span may start later)
    voice: str


def render(roleplay: RolePlay) -> Rendered:
    """Synthesize every line, place it in time, mix the channels and compute the truth.

    Raises:
      MissingExtra: espeak-ng is not installed.
      ValueError: the script is inconsistent (unknown speaker, a scripted overlap class that
        the rendered timing does not produce unambiguously).
    """
    voices = dict(roleplay.voices)
    placed: list[_Placed] = []
    floor_end = roleplay.lead_in_s
    for i, line in enumerate(roleplay.lines):
        if line.speaker not in roleplay.channels:
            raise ValueError(f"Line {i} speaker {line.speaker!r} is not in {roleplay.channels}")
        voice = line.voice or voices[line.speaker]
        audio = synthesize(
            line.text,
            voice=voice,
            speed_wpm=line.speed_wpm,
            word_gap_ms=line.word_gap_ms,
        )
        start = line.at_s if line.at_s is not None else floor_end + line.after_s
        start = round(max(start, 0.0) * SAMPLE_RATE) / SAMPLE_RATE
        local = measure_spans(audio)
        spans = tuple((round(start + a, 3), round(start + b, 3)) for a, b in local)
        words = len(line.text.split())
        placed.append(_Placed(i, line, spans[0][0], spans[-1][1], spans, words, audio, start, voice))
        floor_end = max(floor_end, start + audio.size / SAMPLE_RATE)
    samples = _mix(roleplay, placed)
    return Rendered(samples, _truth(roleplay, placed, samples.shape[1] / SAMPLE_RATE))


def write_roleplay(
    roleplay: RolePlay, out_dir: str | Path, *, audio_format: AudioFormat = "opus"
) -> tuple[Path, Path]:
    """Render ``roleplay`` and write ``NAME.opus`` (or ``.flac``) and ``NAME.truth.json``.

    Ogg Opus at about 60 kbit/s keeps a one-minute stereo sample near 450 kB with the channel
    separation (bleed level) intact to 0.1 dB and no time shift; 16-bit FLAC of the same audio
    is about 2 MB, so FLAC is for temporary files (the benchmark), not for the repository.

    Returns:
      The audio path and the truth path.
    """
    import soundfile as sf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rendered = render(roleplay)
    audio_path = out / f"{roleplay.name}.{audio_format}"
    truth_path = out / f"{roleplay.name}.truth.json"
    if audio_format == "opus":
        sf.write(
            str(audio_path),
            rendered.samples.T,
            SAMPLE_RATE,
            format="OGG",
            subtype="OPUS",
            compression_level=OPUS_COMPRESSION,
        )
    else:
        sf.write(str(audio_path), rendered.samples.T, SAMPLE_RATE, subtype="PCM_16")
    truth = dict(rendered.truth, audio=audio_path.name)
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


def _mix(roleplay: RolePlay, placed: list[_Placed]) -> np.ndarray:
    total_s = max(p.end for p in placed) + roleplay.tail_s
    n = round(total_s * SAMPLE_RATE)
    voice = {s: np.zeros(n, dtype=np.float64) for s in roleplay.channels}
    for p in placed:
        i = round(p.origin * SAMPLE_RATE)
        seg = p.audio[: max(n - i, 0)]
        voice[p.line.speaker][i : i + seg.size] += seg
    gain = 10 ** (-roleplay.bleed_db / 20)
    delay = round(roleplay.bleed_delay_ms / 1000 * SAMPLE_RATE)
    rng = np.random.default_rng(roleplay.seed)
    noise_rms = 10 ** (roleplay.noise_db / 20)
    out = np.zeros((len(roleplay.channels), n), dtype=np.float64)
    for c, speaker in enumerate(roleplay.channels):
        out[c] = voice[speaker]
        for other in roleplay.channels:
            if other != speaker:
                out[c, delay:] += gain * voice[other][: n - delay]
        out[c] += rng.normal(0.0, noise_rms, n)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _truth(roleplay: RolePlay, placed: list[_Placed], duration_s: float) -> dict[str, Any]:
    order = sorted(placed, key=lambda p: p.start)
    backchannels = {p.index for p in order if p.line.expect == "backchannel"}
    # turns: consecutive lines of one speaker, unless the other speaker talked in between
    turns: list[list[_Placed]] = []
    for p in order:
        if p.index in backchannels:
            continue
        if turns and turns[-1][0].line.speaker == p.line.speaker:
            turns[-1].append(p)
        else:
            turns.append([p])
    exchanges: list[dict[str, Any]] = []
    for turn in turns:  # a partner turn opens an exchange; trainee turns answer it
        if turn[0].line.speaker == PARTNER:
            exchanges.append({"_prompt": [turn], "_response": []})
            continue
        if not exchanges:
            exchanges.append({"_prompt": [], "_response": []})
        exchanges[-1]["_response"].append(turn)
    line_exchange: dict[int, int] = {}
    for k, ex in enumerate(exchanges):
        for turn in ex["_prompt"] + ex["_response"]:
            for p in turn:
                line_exchange[p.index] = k
    for b in backchannels:
        bp = placed[b]
        line_exchange[b] = max((k for k, ex in enumerate(exchanges) if _span(ex)[0] <= bp.start), default=0)
    overlaps = [_overlap(roleplay, p, placed, line_exchange) for p in order]
    return {
        "truth_version": TRUTH_VERSION,
        "name": roleplay.name,
        "title": roleplay.title,
        "sample_rate": SAMPLE_RATE,
        "duration_s": round(duration_s, 3),
        "channels": list(roleplay.channels),
        "voices": dict(roleplay.voices),
        "bleed_db": roleplay.bleed_db,
        "bleed_delay_ms": roleplay.bleed_delay_ms,
        "noise_db": roleplay.noise_db,
        "lines": [
            {
                "index": p.index,
                "speaker": p.line.speaker,
                "text": p.line.text,
                "move": p.line.move,
                "start": p.start,
                "end": p.end,
                "spans": [list(s) for s in p.spans],
                "words": p.words,
                "espeak": {
                    "voice": p.voice,
                    "speed": p.line.speed_wpm,
                    "word_gap_ms": p.line.word_gap_ms,
                },
                "wpm": round(p.words / (p.end - p.start) * 60, 1),
                "backchannel": p.index in backchannels,
                "exchange": line_exchange[p.index],
            }
            for p in placed
        ],
        "exchanges": [_exchange_truth(k, ex, roleplay) for k, ex in enumerate(exchanges)],
        "overlaps": [o for o in overlaps if o is not None],
        "effective_pauses": _effective_pauses(roleplay, turns, placed, line_exchange),
    }


def _span(ex: dict[str, Any]) -> tuple[float, float]:
    lines = [p for t in ex["_prompt"] + ex["_response"] for p in t]
    return min(p.start for p in lines), max(p.end for p in lines)


def _exchange_truth(k: int, ex: dict[str, Any], roleplay: RolePlay) -> dict[str, Any]:
    prompt = [p for t in ex["_prompt"] for p in t]
    response = [p for t in ex["_response"] for p in t]
    out: dict[str, Any] = {"index": k, "prompt": None, "response": None, "latency_s": None}
    if prompt:
        out["prompt"] = {
            "start": prompt[0].start,
            "end": max(p.end for p in prompt),
            "lines": [p.index for p in prompt],
        }
    if response:
        words = sum(p.words for p in response)
        speaking = sum(max(p.end for p in t) - t[0].start for t in ex["_response"])
        out["response"] = {
            "start": response[0].start,
            "end": max(p.end for p in response),
            "lines": [p.index for p in response],
            "words": words,
            "speaking_s": round(speaking, 3),
        }
        out["trainee_wpm"] = round(words / speaking * 60, 1) if words >= 5 and speaking > 0 else None
    if prompt and response:
        out["latency_s"] = round(response[0].start - max(p.end for p in prompt), 3)
    return out


def _overlap(
    roleplay: RolePlay, p: _Placed, placed: list[_Placed], line_exchange: dict[int, int]
) -> dict[str, Any] | None:
    """Check the overlap at the start of line ``p`` and return its truth (None: no overlap)."""
    others = [o for o in placed if o.line.speaker != p.line.speaker and o.start < p.start < o.end]
    if not others:
        if p.line.expect is not None:
            raise ValueError(f"Line {p.index} expects {p.line.expect} but overlaps nobody")
        return None
    other = others[0]
    overlap_s = min(p.end, other.end) - p.start
    kind = p.line.expect
    where = f"{roleplay.name} line {p.index} ({p.line.text[:30]!r})"
    if kind is None:
        raise ValueError(f"{where} overlaps line {other.index} but has no expected class")
    o, t = roleplay.overlap, roleplay.turns
    if overlap_s < o.min_overlap_s + 0.05:
        raise ValueError(f"{where}: overlap {overlap_s:.2f} s is too short to count")
    if kind == "backchannel":
        text = p.line.text.lower().strip(".,!?")
        ok = (
            p.end - p.start <= t.backchannel_max_s - 0.2
            and p.words <= t.backchannel_max_words
            and text in t.backchannel_words
            and other.end - p.end > t.turn_gap_s + 0.5
        )
    elif kind == "interruption":
        # the first N words, rendered alone (a little slower at the end), fit in the overlap
        first = " ".join(p.line.text.split()[: o.interruption_min_words])
        first_s = (
            synthesize(first, voice=p.voice, speed_wpm=p.line.speed_wpm, word_gap_ms=p.line.word_gap_ms).size
            / SAMPLE_RATE
        )
        ok = (
            other.end <= p.end
            and overlap_s >= o.interruption_min_overlap_s + 0.2
            and first_s <= overlap_s - 0.1
            and other.end - p.start <= o.yield_within_s - 0.1
        )
    else:
        ok = other.end - p.start <= o.terminal_window_s - 0.05 and other.end <= p.end
    if not ok:
        raise ValueError(
            f"{where}: rendered timing is not an unambiguous {kind} (line {p.start:.2f}-"
            f"{p.end:.2f} s, {p.words} words; line {other.index} {other.start:.2f}-"
            f"{other.end:.2f} s); adjust after_s"
        )
    return {
        "kind": kind,
        "speaker": p.line.speaker,
        "other": other.line.speaker,
        "line": p.index,
        "other_line": other.index,
        "start": p.start,
        "end": round(min(p.end, other.end), 3),
        "overlap_s": round(overlap_s, 3),
        "exchange": line_exchange[p.index],
    }


def _effective_pauses(
    roleplay: RolePlay,
    turns: list[list[_Placed]],
    placed: list[_Placed],
    line_exchange: dict[int, int],
) -> list[dict[str, Any]]:
    """Silences inside a partner turn of at least ``effective_pause_s`` with the trainee silent."""
    out = []
    for turn in turns:
        if turn[0].line.speaker != PARTNER:
            continue
        spans = sorted(s for p in turn for s in p.spans)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start - end < roleplay.pauses.effective_pause_s:
                continue
            trainee_talks = any(p.line.speaker == TRAINEE and p.start < start and p.end > end for p in placed)
            if not trainee_talks:
                out.append(
                    {
                        "start": end,
                        "end": start,
                        "duration_s": round(start - end, 3),
                        "speaker": PARTNER,
                        "exchange": line_exchange[turn[0].index],
                    }
                )
    return out
