"""Mono role-play benchmark: generated two-person role-plays mixed to one channel, scored.

- :func:`mono_roleplays`: the bundled scripts (``sample_scripts.SAMPLES``) rendered under
  several voice/noise conditions, each channel clean (no bleed) and summed to mono; truth
  segments come from each voice's own rendered spans (the RTTM truth).
- :func:`score_diarization`: DER, overlap onsets and backchannel recall of one diarization.
- :func:`hard_roleplays`: the hard-conditions benchmark's role-plays
  (``listening_coach.evaluation.bench_scripts``: espeak-ng and Piper voices, phone band, noise, one
  voice 10 dB down) rendered without channel bleed and summed to mono.
- :func:`roles_right`: whether a pipeline run labelled the trainee's lines as the trainee's.
  Exchanges, overlap classes and latencies are scored by ``listening_coach.evaluation.accuracy``.

Used by ``python bench/bench_diarization.py --roleplays`` (docs/diarization.md). Nothing here
is tuned on the recordings a coach brings: every number comes from generated audio.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from listening_coach.evaluation.diarization import overlap_regions, score_der, score_onsets
from listening_coach.diarization.types import Diarization, SpeakerSegment
from listening_coach.types import PARTNER, TRAINEE, Word

# (name, RolePlay fields). The bundled pair (en-gb+f3 / en-us) is one synthesizer at one
# pitch (YIN median 101 vs 100 Hz) with two accents: no voice model tells them apart, so it is
# scored apart as ``SAME_VOICE``; these pairs differ in voice, as two people do.
CONDITIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("partner-m7", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us+m7"))}),
    ("partner-david", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us+david"))}),
    ("partner-alex", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us+Alex"))}),
    ("partner-andy", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us+Andy"))}),
    ("annie-andy", {"voices": ((TRAINEE, "en-us+Annie"), (PARTNER, "en-gb+Andy"))}),
    ("partner-david-noisy", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, "en-us+david")), "noise_db": -40}),
)
SAME_VOICE: tuple[tuple[str, dict[str, Any]], ...] = (("bundled-voices", {}),)
# The Piper neural voice on one side, noise 30 dB (the last one 25 dB) under the louder voice
# (``--piper``): a recorded-sounding voice, phone band, two male voices, a trainee 6 dB down.
_JOE = "piper:en_US-joe-medium"
PIPER: tuple[tuple[str, dict[str, Any]], ...] = (
    ("partner-piper", {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, _JOE)), "snr_db": 30.0}),
    ("partner-piper-phone",
     {"voices": ((TRAINEE, "en-gb+f3"), (PARTNER, _JOE)), "snr_db": 30.0, "band": "phone"}),
    ("trainee-piper-m7", {"voices": ((TRAINEE, _JOE), (PARTNER, "en-us+m7")), "snr_db": 30.0}),
    ("trainee-piper-david-phone", {"voices": ((TRAINEE, _JOE), (PARTNER, "en-us+david")), "snr_db": 25.0,
                                   "band": "phone", "levels_db": ((TRAINEE, -6.0),)}),
)


@dataclass(frozen=True, slots=True)
class MonoCase:
    """One mono role-play: ``samples`` float32 (n,) at 16 kHz, its truth dict and segments."""

    name: str
    samples: np.ndarray
    truth: dict[str, Any]
    segments: tuple[SpeakerSegment, ...]


def truth_segments(truth: dict[str, Any]) -> tuple[SpeakerSegment, ...]:
    """Every speech span of every line, labelled with its speaker (the reference RTTM)."""
    return tuple(
        sorted(
            (
                SpeakerSegment(float(a), float(b), line["speaker"])
                for line in truth["lines"]
                for a, b in line["spans"]
            ),
            key=lambda s: (s.start, s.end),
        )
    )


def mono_roleplays(conditions: tuple[tuple[str, dict[str, Any]], ...] = CONDITIONS) -> Iterator[MonoCase]:
    """Render each bundled script under each condition and mix it to mono (needs espeak-ng).

    A voice change shifts the timing; a script whose overlaps then stop being unambiguous
    (``render`` raises ValueError) is skipped.
    """
    from listening_coach.testing.roleplay import render
    from listening_coach.testing.sample_scripts import SAMPLES

    for condition, changes in conditions:
        for name, roleplay in SAMPLES.items():
            staged = dataclasses.replace(roleplay, bleed_db=120.0, **changes)
            try:
                rendered = render(staged)
            except ValueError:
                continue
            mono = np.clip(rendered.samples.sum(axis=0), -1.0, 1.0).astype(np.float32)
            yield MonoCase(f"{name}/{condition}", mono, rendered.truth, truth_segments(rendered.truth))


def hard_roleplays(indices: Sequence[int], seed: int = 12) -> Iterator[MonoCase]:
    """The hard-conditions role-plays ``indices``, each channel without bleed, summed to mono.

    Like ``bench_scripts.render_bench``, other overlap offsets are tried when a scripted overlap
    comes out ambiguous; a role-play with none that works is skipped.
    """
    from listening_coach.evaluation.bench_scripts import bench_roleplay
    from listening_coach.testing.roleplay import render

    for i in indices:
        for attempt in range(5):
            try:
                rendered = render(dataclasses.replace(bench_roleplay(i, seed, attempt), bleed_db=120.0))
            except ValueError:
                continue
            mono = np.clip(rendered.samples.sum(axis=0), -1.0, 1.0).astype(np.float32)
            name = f"{rendered.truth['name']}/{'+'.join(sorted(set(rendered.truth['voices'].values())))}"
            yield MonoCase(name, mono, rendered.truth, truth_segments(rendered.truth))
            break


def speaker_map(reference: tuple[SpeakerSegment, ...], found: tuple[SpeakerSegment, ...]) -> dict[str, str]:
    """Each found label -> the reference speaker it shares most time with."""
    shared: dict[tuple[str, str], float] = {}
    for h in found:
        for r in reference:
            t = h.span.overlap(r.span)
            if t > 0:
                shared[(h.speaker, r.speaker)] = shared.get((h.speaker, r.speaker), 0.0) + t
    out: dict[str, str] = {}
    for (h_label, r_label), _ in sorted(shared.items(), key=lambda kv: -kv[1]):
        if h_label not in out and r_label not in out.values():
            out[h_label] = r_label
    return out


def score_diarization(case: MonoCase, result: Diarization, *, tolerance_s: float = 0.5) -> dict[str, float]:
    """DER (0.25 s collar), overlap onsets, and backchannels found (a segment of the
    backchanneling speaker starting within ``tolerance_s`` of it)."""
    der = score_der(case.segments, result.segments, collar_s=0.25)
    onsets = score_onsets(overlap_regions(case.segments), result.overlaps, tolerance_s=tolerance_s)
    mapping = speaker_map(case.segments, result.segments)
    backchannels = [o for o in case.truth["overlaps"] if o["kind"] == "backchannel"]
    found = sum(
        any(
            mapping.get(s.speaker) == o["speaker"] and abs(s.start - o["start"]) <= tolerance_s
            for s in result.segments
        )
        for o in backchannels
    )
    return {
        "total_s": der.total,
        "error_s": der.der * der.total,
        "onset_hits": onsets.hits,
        "onset_ref": onsets.reference,
        "onset_found": onsets.hypothesis,
        "bc_hits": found,
        "bc_ref": len(backchannels),
        "speakers": result.num_speakers,
    }


def roles_right(case: MonoCase, words: Sequence[Word]) -> bool:
    """Whether most words inside each speaker's scripted lines carry that speaker's role (one
    voice found, everything the trainee's, is wrong)."""
    for role in (TRAINEE, PARTNER):
        lines = [ln for ln in case.truth["lines"] if ln["speaker"] == role]
        inside = [
            w for w in words for ln in lines if ln["start"] - 0.1 <= (w.start + w.end) / 2 <= ln["end"] + 0.1
        ]
        if not inside or sum(w.speaker == role for w in inside) <= len(inside) / 2:
            return False
    return True
