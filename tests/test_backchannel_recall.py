"""Backchannel recall on reference turns (evaluation/backchannel_recall.py) with tiny scripted
RTTMs: which short talks are backchannels, and when a hypothesis finds one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from listening_coach.diarization.types import SpeakerSegment
from listening_coach.evaluation.backchannel_recall import (
    BackchannelResult,
    pooled,
    reference_backchannels,
    score_backchannels,
)
from listening_coach.evaluation.diarization import optimal_mapping, read_rttm_files
from listening_coach.span import Span

ROOT = Path(__file__).resolve().parents[1]
S = SpeakerSegment


def rttm(tmp_path: Path, lines: str) -> tuple[SpeakerSegment, ...]:
    """``who start end`` per line -> the segments of one file, through an RTTM file."""
    path = tmp_path / "ref.rttm"
    path.write_text(
        "".join(
            f"SPEAKER clip 1 {float(a):.3f} {float(b) - float(a):.3f} <NA> <NA> {who} <NA> <NA>\n"
            for who, a, b in (line.split() for line in lines.strip().splitlines())
        ),
        encoding="utf-8",
    )
    return read_rttm_files(path)["clip"]


def score(ref: tuple[SpeakerSegment, ...], hyp: tuple[SpeakerSegment, ...]) -> BackchannelResult:
    return score_backchannels(reference_backchannels(ref), hyp, optimal_mapping(ref, hyp))


TALK = """
A 0 10
B 4 4.5
B 12 20
"""


def test_found_by_the_backchannelers_voice(tmp_path: Path) -> None:
    ref = rttm(tmp_path, TALK)
    (bc,) = reference_backchannels(ref)
    assert (bc.start, bc.end, bc.speaker, bc.hosts) == (4.0, 4.5, "B", ("A",))
    result = score(ref, (S(0, 10, "x"), S(4.3, 4.6, "y"), S(12, 20, "y")))
    assert (result.found, result.other_voice, result.reference, result.missed) == (1, 1, 1, ())
    assert result.recall == 1.0


def test_missed_when_no_segment_starts_near_it(tmp_path: Path) -> None:
    ref = rttm(tmp_path, TALK)
    for hyp in (
        (S(0, 10, "x"), S(12, 20, "y")),  # not heard
        (S(0, 10, "x"), S(4.6, 5.0, "y"), S(12, 20, "y")),  # heard 0.6 s late
        (S(0, 10, "x"), S(3.0, 4.5, "y"), S(12, 20, "y")),  # inside a segment that began earlier
    ):
        result = score(ref, hyp)
        assert (result.found, result.other_voice, result.reference) == (0, 0, 1), hyp
        assert [b.speaker for b in result.missed] == ["B"]


def test_a_wrong_voice_is_not_found(tmp_path: Path) -> None:
    """Three people: a segment at the right time of the voice mapped to C (not B) counts only as
    another voice; one of the host's own voice (its segment restarting there) not even that."""
    ref = rttm(tmp_path, "A 0 10\nB 4 4.5\nB 12 16\nC 20 30")
    third = score(ref, (S(0, 10, "x"), S(4.1, 4.5, "z"), S(12, 16, "y"), S(20, 30, "z")))
    assert (third.found, third.other_voice, third.reference) == (0, 1, 1)
    host = score(ref, (S(0, 4.1, "x"), S(4.1, 10, "x"), S(12, 16, "y"), S(20, 30, "z")))
    assert (host.found, host.other_voice, host.reference) == (0, 0, 1)
    unmapped = score(ref, (S(0, 10, "x"), S(4.1, 4.5, "w"), S(12, 16, "y"), S(20, 30, "z")))
    assert (unmapped.found, unmapped.other_voice) == (0, 1)  # a voice mapped to nobody


@pytest.mark.parametrize(
    "lines",
    [
        "A 0 10\nB 9.8 10.3",  # the host stops: a terminal overlap
        "A 0 10\nB 9.6 9.9",  # the host goes on only 0.1 s after it
        "A 0 10\nB 0.1 0.6",  # both start together
        "A 0 10\nB 10.5 11",  # after the host's talk
        "A 0 10\nB 4 6",  # 2 s: longer than a backchannel
        "A 0 10\nB 4 4.05",  # 50 ms: no overlap at all
        "A 0 10\nB 4 4.5\nB 4.8 7",  # a pause of 0.3 s, then B goes on: B's own talk of 3 s
        "A 0 4\nA 6 10\nB 4.5 5",  # inside the host's 2 s silence, not the host's talk
    ],
    ids=["terminal", "host-stops-soon", "same-start", "after", "too-long", "too-short",
         "listener-goes-on", "in-a-silence"],
)
def test_not_inside_anothers_talk_is_no_backchannel(tmp_path: Path, lines: str) -> None:
    assert reference_backchannels(rttm(tmp_path, lines)) == ()


def test_host_pauses_and_several_hosts(tmp_path: Path) -> None:
    """The host's segments join across a pause under 0.5 s; two people talking around a third's
    'mm-hm' are both its hosts; the UEM leaves out a backchannel starting outside it."""
    ref = rttm(tmp_path, "A 0 4\nA 4.3 10\nB 3.9 4.4\nC 2 9\nD 6 6.5")
    found = reference_backchannels(ref)
    assert [(b.speaker, b.hosts) for b in found] == [("B", ("A", "C")), ("D", ("A", "C"))]
    hyp = (S(0, 10, "x"), S(4.0, 4.4, "y"), S(2, 9, "z"))
    result = score_backchannels(found, hyp, {"x": "A", "y": "B", "z": "C"}, uem=[Span(0.0, 5.0)])
    assert (result.found, result.reference) == (1, 1)
    both = pooled([result, score_backchannels(found, hyp, {"x": "A", "y": "B", "z": "C"})])
    assert (both.found, both.reference, len(both.missed)) == (2, 3, 1)


def test_optimal_mapping_is_one_to_one_and_best_in_all() -> None:
    """Greedy would give x to A (the largest pair, 10 s) and leave y nothing (B-y share no
    time); the optimal mapping gives x to B and y to A (8 + 9 s shared)."""
    ref = (S(0, 19, "A"), S(20, 28, "B"))
    hyp = (S(0, 10, "x"), S(10, 19, "y"), S(20, 28, "x"))
    assert optimal_mapping(ref, hyp, collar_s=0.0) == {"x": "B", "y": "A"}
    assert optimal_mapping(ref, (), collar_s=0.0) == {}


def test_eval_command_reports_backchannels(tmp_path: Path) -> None:
    import soundfile as sf

    sf.write(tmp_path / "clip.wav", np.zeros(4 * 16000, dtype=np.float32), 16000)
    ref = tmp_path / "ref.rttm"
    ref.write_text(
        "SPEAKER clip 1 0.2 3.5 <NA> <NA> A <NA> <NA>\nSPEAKER clip 1 1.5 0.5 <NA> <NA> B <NA> <NA>\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "listening_coach", "eval-diarization", str(ref), str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "bc 0/1" in done.stdout  # silence: the one backchannel is missed
    assert "backchannels: 0 of 1 found (recall 0.00)" in done.stdout


def test_the_bundled_phone_calls_agree_with_their_scripted_classes() -> None:
    """From the turns alone, the calls' one scripted backchannel is found, and neither the
    scripted interruption (its host stops 0.17 s after it) nor the terminal overlap is."""
    import json

    mono = ROOT / "audio_samples" / "mono"
    reference = read_rttm_files(mono / "truth.rttm")
    for name, segments in reference.items():
        truth = json.loads((mono / f"{name}.truth.json").read_text(encoding="utf-8"))
        overlaps = truth["overlaps"]
        scripted = [(round(o["start"], 2), o["speaker"]) for o in overlaps if o["kind"] == "backchannel"]
        assert [(round(b.start, 2), b.speaker) for b in reference_backchannels(segments)] == scripted, name
    assert sum(len(reference_backchannels(s)) for s in reference.values()) == 1


@pytest.mark.shared_data
def test_ami_reference_backchannels(shared_data: Path) -> None:
    """The ten AMI clips' reference turns hold 15 backchannels (checked by hand against the
    RTTM: none in trn01-03, five in trn08)."""
    reference = read_rttm_files(shared_data / "conversations" / "ami" / "debug.train.rttm")
    counts = {k[-2:]: len(reference_backchannels(v)) for k, v in reference.items()}
    expected = {"00": 2, "01": 0, "02": 0, "03": 0, "04": 1, "05": 2, "06": 1, "07": 2, "08": 5, "09": 2}
    assert counts == expected
