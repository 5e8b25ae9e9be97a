"""Which dead-air / effective-pause events of the hard-conditions benchmark overlap scripted speech,
and how much of that speech is audible in the mixed recording.

Usage: python bench/silence_audibility.py [--seed 12] [--out bench_out/accuracy]

Needs the cached role-plays and saved tiny.en words of a full ``bench/bench_accuracy.py`` run.
For each event counted by ``accuracy.score_session`` as silence over speech (overlap >
``SILENCE_TOLERANCE_S``), it re-renders that role-play's clean voice tracks and prints, per
20 ms frame of the overlapped truth, the speaker's voice level in the mix (same level offset and
telephone band as the recording) over the white-noise level of one frame: the local SNR. The
truth spans come from each line's clean audio (-40 dB from its loudest frame), so under noise a
line's soft end can be scripted speech that no one could hear in the recording.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.testing import roleplay as rp  # noqa: E402
from listening_coach.evaluation.accuracy import SILENCE_TOLERANCE_S, _overlap_s, _spans_of  # noqa: E402
from listening_coach.audio import SAMPLE_RATE, frame_db  # noqa: E402
from listening_coach.evaluation.bench_scripts import condition_of, render_bench  # noqa: E402
from listening_coach.config import DEFAULT_CONFIG  # noqa: E402
from listening_coach.pipeline import analyze_words  # noqa: E402
from listening_coach.span import Span, merge_spans  # noqa: E402
from listening_coach.testing.roleplay import load_truth, load_words  # noqa: E402
from listening_coach.testing.roleplay_audio import _speech_rms, phone_band  # noqa: E402

FRAME_S = 0.02


def voice_and_noise(index: int, seed: int, speaker: str) -> tuple[np.ndarray, float]:
    """Frame levels (dB) of ``speaker``'s voice as mixed, and the noise level of one frame (dB)."""
    captured: dict[str, Any] = {}
    mix = rp._mix

    def capture(roleplay: Any, tracks: Any) -> np.ndarray:
        captured.update(roleplay=roleplay, tracks=tracks)
        return mix(roleplay, tracks)

    rp._mix = capture  # the render's own clean voice tracks, without copying its placement here
    try:
        render_bench(index, seed)
    finally:
        rp._mix = mix
    roleplay, tracks = captured["roleplay"], captured["tracks"]
    levels = dict(roleplay.levels_db)
    gains = {s: 10 ** (levels.get(s, 0.0) / 20) for s in roleplay.channels}
    noise_rms = max(_speech_rms(t * gains[s]) for s, t in tracks.items()) * 10 ** (-roleplay.snr_db / 20)
    voice = tracks[speaker] * gains[speaker]
    noise = np.random.default_rng(0).normal(0.0, noise_rms, 5 * SAMPLE_RATE)
    if roleplay.band == "phone":
        voice, noise = phone_band(voice), phone_band(noise)
    as_db = lambda x: frame_db(x[None].astype(np.float32), frame_s=FRAME_S)[0]  # noqa: E731
    return as_db(voice), float(np.mean(as_db(noise)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "accuracy")
    args = parser.parse_args(argv)
    audio = args.out / f"audio-seed{args.seed}"
    words_dir = args.out / f"words-tiny.en-seed{args.seed}"
    total = audible_total = 0.0
    for path in sorted(audio.glob("*.truth.json")):
        truth = load_truth(path)
        session = analyze_words(load_words(words_dir / f"{truth['name']}.words.json"), DEFAULT_CONFIG)
        speech = merge_spans(sp for s in truth["channels"] for sp in _spans_of(truth, s))
        for e in session.events:
            if e.kind not in ("dead_air", "effective_pause"):
                continue
            over = _overlap_s([e.span], speech)
            if over <= SILENCE_TOLERANCE_S:
                continue
            total += over
            lines = [ln for ln in truth["lines"] if ln["start"] < e.end and ln["end"] > e.start]
            print(f"{truth['name']} {condition_of(truth)}\n  {e.kind} {e.start:.2f}-{e.end:.2f} s: "
                  f"{over:.2f} s over scripted speech")
            for ln in lines:
                db, noise = voice_and_noise(int(truth["name"][5:].split("_")[0]), args.seed, ln["speaker"])
                spans = merge_spans(Span(float(a), float(b)) for a, b in ln["spans"])
                frames = [f for f in range(int(round(e.start / FRAME_S)), int(round(e.end / FRAME_S)))
                          if _overlap_s([Span(f * FRAME_S, (f + 1) * FRAME_S)], spans) > FRAME_S / 2]
                snr = [float(db[f] - noise) for f in frames]
                audible = sum(x >= 0.0 for x in snr) * FRAME_S
                audible_total += audible
                print(f"  {ln['speaker']} line {ln['start']:.2f}-{ln['end']:.2f} {ln['text']!r}: voice at or "
                      f"over the noise in {audible:.2f} s of it (max local SNR {max(snr):.1f} dB)\n"
                      f"  local SNR per 20 ms frame: {' '.join(f'{x:.0f}' for x in snr)}")
    print(f"\nsilence over scripted speech: {total:.2f} s, of which the voice is at or over the noise "
          f"in {audible_total:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
