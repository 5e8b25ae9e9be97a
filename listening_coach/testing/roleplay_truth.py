"""The ground truth of a rendered role-play (format in ``audio_samples/README.md``).

- :class:`Placed`: one line placed in time, with its audio and measured speech spans.
- :func:`build_truth`: turns, exchanges, scripted overlaps (checked to be unambiguous under
  the role-play's thresholds), effective pauses, expected feedback families and (when
  given) each line's audible spans, as a JSON-ready dict. Used by
  :func:`listening_coach.testing.roleplay.render`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from listening_coach.testing.families import CONCERNS, PRAISE
from listening_coach.testing.roleplay_audio import engine_of
from listening_coach.audio import SAMPLE_RATE
from listening_coach.span import Span, Timed
from listening_coach.types import PARTNER, TRAINEE

if TYPE_CHECKING:
    from listening_coach.testing.roleplay import Line, RolePlay

TRUTH_VERSION = 1


@dataclass(slots=True)
class Placed(Timed):
    """A rendered line placed in the role-play's time line."""

    index: int
    line: Line
    start: float
    end: float
    spans: tuple[Span, ...]  # where its audio holds speech, on the role-play's time line
    words: int
    audio: np.ndarray
    origin: float  # where the line's audio buffer starts (its first span may start later)
    voice: str


def build_truth(roleplay: RolePlay, placed: list[Placed], duration_s: float, say: Any,
                audible: dict[int, tuple[Span, ...]] | None = None) -> dict[str, Any]:
    """The truth dict of ``placed`` lines; ``say(text, voice, line)`` renders a line's start
    alone (to check that a scripted interruption's first words fit in the overlap);
    ``audible`` (line index -> spans where its voice is over the mix's noise) adds each line's
    ``audible_spans``.

    Raises:
      ValueError: a scripted overlap class is not unambiguous in the rendered timing.
    """
    order = sorted(placed, key=lambda p: p.start)
    backchannels = {p.index for p in order if p.line.expect == "backchannel"}
    turns = _scripted_turns(order, backchannels)
    exchanges = _scripted_exchanges(turns)
    line_exchange = _line_exchanges(exchanges, backchannels, placed)
    overlaps = [_overlap(roleplay, p, placed, line_exchange, say) for p in order]
    pauses = _effective_pauses(roleplay, turns, placed, line_exchange)
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
        **_conditions(roleplay),
        "lines": [_line_truth(p, p.index in backchannels, line_exchange[p.index],
                              None if audible is None else audible[p.index]) for p in placed],
        "exchanges": [
            _exchange_truth(k, ex, roleplay, _families(k, placed, line_exchange, overlaps, pauses))
            for k, ex in enumerate(exchanges)
        ],
        "overlaps": [o for o in overlaps if o is not None],
        "effective_pauses": pauses,
    }


def _scripted_turns(order: list[Placed], backchannels: set[int]) -> list[list[Placed]]:
    """Turns: consecutive lines of one speaker, unless the other speaker talked in between
    (back-channels do not count as talking)."""
    turns: list[list[Placed]] = []
    for p in order:
        if p.index in backchannels:
            continue
        if turns and turns[-1][0].line.speaker == p.line.speaker:
            turns[-1].append(p)
        else:
            turns.append([p])
    return turns


def _scripted_exchanges(turns: list[list[Placed]]) -> list[dict[str, Any]]:
    """A partner turn opens an exchange; trainee turns answer it (``_prompt``/``_response``)."""
    exchanges: list[dict[str, Any]] = []
    for turn in turns:
        if turn[0].line.speaker == PARTNER:
            exchanges.append({"_prompt": [turn], "_response": []})
            continue
        if not exchanges:
            exchanges.append({"_prompt": [], "_response": []})
        exchanges[-1]["_response"].append(turn)
    return exchanges


def _line_exchanges(
    exchanges: list[dict[str, Any]], backchannels: set[int], placed: list[Placed]
) -> dict[int, int]:
    """Line index -> its exchange; a back-channel belongs to the last exchange begun before it."""
    line_exchange: dict[int, int] = {}
    for k, ex in enumerate(exchanges):
        for turn in ex["_prompt"] + ex["_response"]:
            for p in turn:
                line_exchange[p.index] = k
    for b in backchannels:
        starts = placed[b].start
        line_exchange[b] = max((k for k, ex in enumerate(exchanges) if _span(ex).start <= starts), default=0)
    return line_exchange


def _line_truth(p: Placed, backchannel: bool, exchange: int,
                audible: tuple[Span, ...] | None) -> dict[str, Any]:
    """One line's truth: speaker, text, move, times, speech spans (and audible ones), voice
    and pace."""
    return {
        "index": p.index,
        "speaker": p.line.speaker,
        "text": p.line.text,
        "move": p.line.move,
        "start": p.start,
        "end": p.end,
        "spans": [[s.start, s.end] for s in p.spans],
        **({"audible_spans": [[s.start, s.end] for s in audible]} if audible is not None else {}),
        "words": p.words,
        "espeak": {
            "voice": p.voice,
            "speed": p.line.speed_wpm,
            "word_gap_ms": p.line.word_gap_ms,
        },
        **({"engine": "piper"} if engine_of(p.voice) == "piper" else {}),
        "wpm": round(p.words / (p.end - p.start) * 60, 1),
        "backchannel": backchannel,
        "exchange": exchange,
    }


def _conditions(roleplay: RolePlay) -> dict[str, Any]:
    """Truth keys for the recording conditions that differ from the defaults."""
    out: dict[str, Any] = {}
    if roleplay.snr_db is not None:
        out["snr_db"] = roleplay.snr_db
    if roleplay.levels_db:
        out["levels_db"] = dict(roleplay.levels_db)
    if roleplay.band != "wide":
        out["band"] = roleplay.band
    return out


def _families(
    k: int,
    placed: list[Placed],
    line_exchange: dict[int, int],
    overlaps: list[dict[str, Any] | None],
    pauses: list[dict[str, Any]],
) -> dict[str, list[str]]:
    """Expected feedback of exchange ``k``: its lines' families, plus the trainee's scripted
    interruptions and backchannels and the partner's effective pauses in it."""
    found = {f for p in placed if line_exchange[p.index] == k for f in p.line.feedback}
    for o in overlaps:
        if o and o["exchange"] == k and o["speaker"] == TRAINEE and o["kind"] != "terminal_overlap":
            found.add(o["kind"])
    if any(p["exchange"] == k for p in pauses):
        found.add("effective_pause")
    return {
        "concerns": [f for f in CONCERNS if f in found],
        "praise": [f for f in PRAISE if f in found],
    }


def _span(ex: dict[str, Any]) -> Span:
    lines = [p for t in ex["_prompt"] + ex["_response"] for p in t]
    return Span(min(p.start for p in lines), max(p.end for p in lines))


def _exchange_truth(
    k: int, ex: dict[str, Any], roleplay: RolePlay, feedback: dict[str, list[str]]
) -> dict[str, Any]:
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
    out["feedback"] = feedback
    return out


def _overlap(
    roleplay: RolePlay, p: Placed, placed: list[Placed], line_exchange: dict[int, int], say: Any
) -> dict[str, Any] | None:
    """Check the overlap at the start of line ``p`` and return its truth (None: no overlap)."""
    others = [o for o in placed if o.line.speaker != p.line.speaker and o.start < p.start < o.end]
    if not others:
        if p.line.expect is not None:
            raise ValueError(f"Line {p.index} expects {p.line.expect} but overlaps nobody")
        return None
    other = others[0]
    shared = p.span & other.span  # starts at p.start: ``other`` was already speaking
    overlap_s = shared.duration
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
        first_s = say(first, p.voice, p.line).size / SAMPLE_RATE
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
        "end": round(shared.end, 3),
        "overlap_s": round(overlap_s, 3),
        "exchange": line_exchange[p.index],
    }


def _effective_pauses(
    roleplay: RolePlay,
    turns: list[list[Placed]],
    placed: list[Placed],
    line_exchange: dict[int, int],
) -> list[dict[str, Any]]:
    """Silences inside a partner turn of at least ``effective_pause_s`` with the trainee silent."""
    out = []
    for turn in turns:
        if turn[0].line.speaker != PARTNER:
            continue
        spans = sorted(s for p in turn for s in p.spans)
        for before, after in itertools.pairwise(spans):
            if after.start - before.end < roleplay.pauses.effective_pause_s:
                continue
            gap = Span(before.end, after.start)
            trainee_talks = any(p.line.speaker == TRAINEE and p.start < gap.start and p.end > gap.end
                                for p in placed)
            if not trainee_talks:
                out.append(
                    {
                        "start": gap.start,
                        "end": gap.end,
                        "duration_s": round(gap.duration, 3),
                        "speaker": PARTNER,
                        "exchange": line_exchange[turn[0].index],
                    }
                )
    return out
