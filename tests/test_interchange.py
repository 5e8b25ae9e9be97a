"""WebVTT/SRT/RTTM export; RTTM and Praat TextGrid import as the speaker segmentation."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
from coach_helpers import FAST_CONFIG, LINES, write_wav

from listening_coach.report import interchange
from listening_coach.cli import main
from listening_coach.config import config_from_dict
from listening_coach.diarization.types import SpeakerSegment
from listening_coach.errors import ConfigError
from listening_coach.report.interchange import (
    read_rttm,
    read_segmentation,
    read_textgrid,
    to_rttm,
    to_srt,
    to_webvtt,
)
from listening_coach.attribute import roles_for
from listening_coach.pipeline import analyze_words
from listening_coach.report.json import to_dict
from listening_coach.testing import script
from listening_coach.types import Word


@pytest.fixture(scope="module")
def session():
    lines = (LINES[0] + " <b>&", *LINES[1:])
    return analyze_words(script(*lines), FAST_CONFIG, source="x.wav", session_id="role play 1")


def test_webvtt_has_speakers_and_escapes(session) -> None:
    vtt = to_webvtt(session)
    assert vtt.startswith("WEBVTT\n\n")
    cues = [c for c in vtt.split("\n\n")[1:] if c.strip()]
    assert len(cues) == len(session.turns)
    first = sorted(session.turns, key=lambda t: t.start)[0]
    assert cues[0].splitlines()[1].startswith(f"<v {first.speaker}>")
    assert "&lt;b&gt;&amp;" in vtt and "<b>" not in vtt


def test_srt_numbered_with_comma_times(session) -> None:
    srt = to_srt(session)
    blocks = [b for b in srt.split("\n\n") if b.strip()]
    assert [b.splitlines()[0] for b in blocks] == [str(i) for i in range(1, len(blocks) + 1)]
    assert " --> " in blocks[0] and "," in blocks[0].splitlines()[1]
    assert blocks[0].splitlines()[2].startswith(("partner: ", "trainee: "))


def test_rttm_round_trip(session, tmp_path: Path) -> None:
    path = tmp_path / "x.rttm"
    path.write_text(to_rttm(session))
    assert path.read_text().split("\n")[0].split()[1] == "role_play_1"
    segments = read_rttm(path)
    turns = sorted(session.turns, key=lambda t: t.start)
    assert [(s.speaker, round(s.start, 3), round(s.end, 3)) for s in segments] == [
        (t.speaker, round(t.start, 3), round(t.end, 3)) for t in turns]


def test_rttm_from_ami_with_unicode_ids(shared_data: Path) -> None:
    rttm = shared_data / "conversations" / "ami" / "debug.train.rttm"
    lines = [ln.split() for ln in rttm.read_text(encoding="utf-8").splitlines() if ln.strip()]
    ids = sorted({ln[1] for ln in lines})
    with pytest.raises(ConfigError, match=f"holds {len(ids)} recordings"):
        read_rttm(rttm)
    first = ids[0]
    segments = read_rttm(rttm, file_id=first)
    assert len(segments) == sum(ln[1] == first for ln in lines)
    assert {s.speaker for s in segments} == {ln[7] for ln in lines if ln[1] == first}
    folded = first.replace("n", "ñ", 1) if "n" in first else first.upper()
    assert read_rttm(rttm, file_id=folded) == segments  # accents/case folded as a fallback
    with pytest.raises(ConfigError, match="no segments for 'nope'"):
        read_rttm(rttm, file_id="nope")


LONG_TEXTGRID = '''File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 4.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "partner"
        xmin = 0
        xmax = 4.5
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 2.0
            text = "I said ""no"" twice"
        intervals [2]:
            xmin = 2.0
            xmax = 4.5
            text = ""
    item [2]:
        class = "IntervalTier"
        name = "trainee"
        xmin = 0
        xmax = 4.5
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 2.5
            text = ""
        intervals [2]:
            xmin = 2.5
            xmax = 4.5
            text = "mm"
'''

SHORT_TEXTGRID = '''File type = "ooTextFile"
Object class = "TextGrid"

0
4.5
<exists>
1
"IntervalTier"
"who"
0
4.5
3
0
2.0
"SPK_É"
2.0
2.5
""
2.5
4.5
"SPK_B"
'''


def test_textgrid_long_format_tiers_are_speakers(tmp_path: Path) -> None:
    path = tmp_path / "a.TextGrid"
    path.write_text(LONG_TEXTGRID, encoding="utf-16")
    segments = read_textgrid(path)
    assert [(s.speaker, s.start, s.end) for s in segments] == [
        ("partner", 0.0, 2.0), ("trainee", 2.5, 4.5)]


def test_textgrid_short_format_one_tier_labels_are_speakers(tmp_path: Path) -> None:
    path = tmp_path / "a.textgrid"
    path.write_text(SHORT_TEXTGRID, encoding="utf-8")
    segments = read_segmentation(path)
    assert [(s.speaker, s.start, s.end) for s in segments] == [
        ("SPK_É", 0.0, 2.0), ("SPK_B", 2.5, 4.5)]
    shorter = (SpeakerSegment(0.0, 3.0, "A"), SpeakerSegment(3.5, 4.0, "B"))
    assert roles_for(shorter) == {"A": "partner", "B": "trainee"}  # who talks less
    first = config_from_dict({"diarize": {"role_rule": "first"}})
    assert roles_for(shorter, first) == {"A": "trainee", "B": "partner"}
    named = (SpeakerSegment(0.0, 1.0, "Partner"), SpeakerSegment(1.0, 3.0, "Trainee"))
    assert roles_for(named) == {"Partner": "partner", "Trainee": "trainee"}
    with pytest.raises(ConfigError, match="enrolment"):
        roles_for(shorter, config_from_dict({"diarize": {"role_rule": "enrolment"}}))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [("a.TextGrid", "hello", "not a Praat TextGrid"),
     ("a.TextGrid", SHORT_TEXTGRID[:120], "truncated or malformed"),
     ("a.rttm", "SPEAKER a 1 x 1.0 <NA> <NA> s <NA> <NA>\n", "must be seconds"),
     ("a.rttm", "SPEAKER a 1 0.0\n", "needs 8"),
     ("a.rttm", "# nothing\n", "no RTTM SPEAKER lines"),
     ("a.lab", "x", "must be .rttm or .TextGrid")],
    ids=["not-textgrid", "truncated", "bad-number", "short-line", "empty", "suffix"],
)
def test_bad_segmentations(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_segmentation(tmp_path / name)


def test_analysis_takes_speakers_from_the_segmentation(tmp_path: Path, monkeypatch) -> None:
    wav = write_wav(tmp_path / "mono.wav", seconds=5.0)
    rttm = tmp_path / "mono.rttm"
    rttm.write_text("SPEAKER mono 1 0.00 2.20 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER mono 1 2.60 2.00 <NA> <NA> B <NA> <NA>\n")
    words = tuple(w for w in script("x 0.0 I waited all day for this", "x 2.7 that sounds exhausting"))
    unattributed = tuple(Word(w.start, w.end, w.text) for w in words)
    monkeypatch.setattr("listening_coach.attribute.transcribe",
                        lambda samples, options=None, **kw: unattributed)
    session = interchange.analyze_with_segmentation(wav, rttm, FAST_CONFIG)
    speakers = [(w.text.strip(), w.speaker) for w in session.words]
    assert speakers[0] == ("I", "partner") and speakers[-1] == ("exhausting", "trainee")
    assert len(session.exchanges) == 1 and session.exchanges[0].response
    assert any("A=partner" in n for n in session.transcript.notes)
    assert session.transcript.notes[0] == "speakers from mono.rttm"


def test_segmentation_analysis_is_the_pipeline_with_word_snapping(tmp_path: Path, monkeypatch) -> None:
    """The imported-segmentation path decodes in blocks and snaps words to the speech like every
    other analysis (it used to load the whole file and keep Whisper's raw word ends)."""
    sr = 16_000
    t = np.arange(5 * sr) / sr
    tone = 0.2 * np.sin(2 * np.pi * 220.0 * t) * ((t < 2.2) | ((t > 2.6) & (t < 4.6)))
    wav = tmp_path / "gap.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes((tone * 32767).astype("<i2").tobytes())
    rttm = tmp_path / "gap.rttm"
    rttm.write_text("SPEAKER gap 1 0.00 2.20 <NA> <NA> A <NA> <NA>\n"
                    "SPEAKER gap 1 2.60 2.00 <NA> <NA> B <NA> <NA>\n")
    heard = (Word(0.2, 0.6, " I"), Word(0.7, 1.9, " waited"), Word(2.8, 3.4, " that"),
             Word(3.5, 3.9, " sounds"), Word(4.2, 4.95, " exhausting"))
    monkeypatch.setattr("listening_coach.attribute.transcribe",
                        lambda samples, options=None, **kw: heard)
    session = interchange.analyze_with_segmentation(wav, rttm, FAST_CONFIG)
    last = session.words[-1]
    assert last.text == " exhausting" and last.speaker == "trainee"
    assert last.end <= 4.65  # clipped to the end of the speech at 4.6 s, not Whisper's 4.95 s


def test_export_command(session, tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(to_dict(session)))
    for fmt in ("vtt", "srt", "rttm"):
        assert main(["export", str(path), "--format", fmt]) == 0
        assert (tmp_path / f"s.{fmt}").is_file()
    capsys.readouterr()
    assert main(["export", str(path), "-f", "vtt", "--out", "-"]) == 0
    assert capsys.readouterr().out.startswith("WEBVTT")
    assert main(["export", str(tmp_path / "none.json")]) == 1


def test_segmentation_folder_is_matched_by_stem(tmp_path: Path) -> None:
    from listening_coach.coach.batch import plan_batch

    write_wav(tmp_path / "in" / "a.wav", seconds=0.5)
    write_wav(tmp_path / "in" / "b.wav", seconds=0.5)
    (tmp_path / "seg").mkdir()
    (tmp_path / "seg" / "a.rttm").write_text("SPEAKER a 1 0 1 <NA> <NA> x <NA> <NA>\n")
    plan = plan_batch([tmp_path / "in"], tmp_path / "out", FAST_CONFIG,
                      segmentation=tmp_path / "seg")
    assert {t.name: t.segmentation and t.segmentation.name for t in plan.tasks} == {
        "a": "a.rttm", "b": None}
    assert any("b.wav uses its channels" in n for n in plan.notes)
    with pytest.raises(ConfigError, match="no such file or folder"):
        plan_batch([tmp_path / "in"], tmp_path / "out", FAST_CONFIG,
                   segmentation=tmp_path / "nope")


@pytest.mark.slow
def test_real_analysis_with_ami_rttm(shared_data: Path, tmp_path: Path) -> None:
    """trn03 (two AMI speakers, mono) analysed with the reference RTTM as the segmentation."""
    ami = shared_data / "conversations" / "ami"
    rttm = ami / "debug.train.rttm"
    speakers = {ln.split()[7] for ln in rttm.read_text(encoding="utf-8").splitlines()
                if ln.split()[1] == "trn03"}
    assert len(speakers) == 2
    code = main(["analyze", str(ami / "trn03.wav"), "--segmentation", str(rttm),
                 "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    data = json.loads((tmp_path / "out" / "trn03.json").read_text())
    assert {w["speaker"] for w in data["words"]} == {"trainee", "partner"}
    assert any("speakers from debug.train.rttm" in n for n in data["transcript"]["notes"])
    assert (tmp_path / "out" / "trn03.html").is_file()
