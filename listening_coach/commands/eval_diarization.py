"""``listening-coach eval-diarization RTTM AUDIO_DIR [--uem UEM]``: score the diarizer.

For each file id in the reference RTTM (matched to an audio file by a name folded to ASCII, so
``trñ00`` finds ``trn00.wav``): DER with a 0.25 s collar (all speech, and with overlapped speech
left out), estimated vs reference speaker count, overlap-onset hits / reference / found,
backchannels found / reference (``listening_coach.evaluation.backchannel_recall``: a short talk
inside another speaker's, found by a segment of the mapped voice starting within the onset
tolerance) and the time it took; then pooled totals. ``--out-rttm`` writes the hypotheses for other scorers.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from listening_coach.config import load_config
from listening_coach.evaluation.diarization import (
    ClipScore,
    OnsetResult,
    evaluate_directory,
    pooled,
    total,
    write_rttm,
)
from listening_coach.errors import OutputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "eval-diarization",
        help="score mono diarization against reference RTTM turns",
        description="Diarize each recording named in RTTM (found in AUDIO_DIR, channels mixed to "
        "mono) and print DER (collar, with and without overlap), speaker-count accuracy and "
        "overlap-onset precision/recall/F1.",
    )
    p.add_argument("rttm", help="reference RTTM file (SPEAKER lines)")
    p.add_argument("audio_dir", help="folder with one audio file per RTTM file id")
    p.add_argument("--uem", help="UEM file: scored region per file (default: whole file)")
    p.add_argument("--config", help="TOML config file; its [diarize] section is used")
    p.add_argument("--collar", type=float, default=0.25, help="DER collar in seconds (0.25)")
    p.add_argument(
        "--onset-tolerance",
        type=float,
        default=0.5,
        help="an overlap onset counts as found within this many seconds (0.5)",
    )
    p.add_argument(
        "--num-speakers",
        type=int,
        default=None,
        help="give the diarizer the speaker count instead of estimating it",
    )
    p.add_argument("--out-rttm", help="write the diarizer's segments for all files to this RTTM")
    p.set_defaults(func=run)


def _line(s: ClipScore) -> str:
    o = s.onsets
    return (
        f"{s.file_id:<12} DER {100 * s.der.der:5.1f}%  no-ovl {100 * s.der_no_overlap.der:5.1f}%  "
        f"miss {s.der.missed:5.1f}s fa {s.der.false_alarm:4.1f}s conf {s.der.confusion:4.1f}s  "
        f"spk {s.hyp_speakers}/{s.ref_speakers}  onsets {o.hits}/{o.reference} found {o.hypothesis}"
        f"  bc {s.backchannels.found}/{s.backchannels.reference}  {s.seconds:5.2f}s"
    )


def run(args: argparse.Namespace) -> int:
    options = load_config(args.config).diarize
    if args.num_speakers is not None:
        options = dataclasses.replace(options, num_speakers=args.num_speakers)
    print(f"{'file':<12} (DER with {args.collar:g} s collar; onsets within {args.onset_tolerance:g} s)")
    scores, missing = evaluate_directory(
        args.rttm,
        args.audio_dir,
        options,
        uem=args.uem,
        collar_s=args.collar,
        onset_tolerance_s=args.onset_tolerance,
        on_clip=lambda s: print(_line(s), flush=True),
    )
    der, der_no = total([s.der for s in scores]), total([s.der_no_overlap for s in scores])
    onsets = OnsetResult(
        hits=sum(s.onsets.hits for s in scores),
        reference=sum(s.onsets.reference for s in scores),
        hypothesis=sum(s.onsets.hypothesis for s in scores),
    )
    right = sum(s.hyp_speakers == s.ref_speakers for s in scores)
    two = [s for s in scores if s.ref_speakers == 2]
    audio = sum(s.audio_s for s in scores)
    print(
        f"TOTAL {len(scores)} clips: DER {100 * der.der:.1f}% (miss {100 * der.missed / der.total:.1f}%"
        f", false alarm {100 * der.false_alarm / der.total:.1f}%, confusion "
        f"{100 * der.confusion / der.total:.1f}%); without overlap {100 * der_no.der:.1f}%"
    )
    if two:
        d2 = total([s.der for s in two])
        print(f"two-speaker clips ({len(two)}): DER {100 * d2.der:.1f}%")
    print(f"speaker count right: {right}/{len(scores)}")
    print(
        f"overlap onsets: precision {onsets.precision:.2f} recall {onsets.recall:.2f} "
        f"F1 {onsets.f1:.2f} ({onsets.hits} of {onsets.reference} found, {onsets.hypothesis} proposed)"
    )
    bc = pooled([s.backchannels for s in scores])
    print(
        f"backchannels: {bc.found} of {bc.reference} found (recall {bc.recall:.2f}); "
        f"{bc.other_voice} with a segment there of a voice other than the floor holder's"
    )
    print(f"time: {sum(s.seconds for s in scores):.1f} s for {audio:.0f} s of audio")
    if args.out_rttm:
        try:
            with open(args.out_rttm, "w", encoding="utf-8") as f:
                for s in scores:
                    f.write(write_rttm(s.hypothesis, s.file_id))
        except OSError as e:
            raise OutputError(f"Cannot write {args.out_rttm}: {e.strerror}; pick a writable path") from None
        print(f"hypotheses written to {args.out_rttm}")
    if missing:
        print(f"no audio for: {', '.join(missing)}", file=sys.stderr)
    return 0
