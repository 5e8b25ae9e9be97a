"""Diarization logic without audio models: RTTM/DER scoring, clustering, overlap evidence,
word assignment, roles, input checks. Embeddings here are synthetic unit vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from listening_coach.config import DiarizeOptions, config_from_dict
from listening_coach.diarization import (
    Diarization,
    SpeakerSegment,
    assign_speakers_from_segments,
    choose_roles,
    diarize,
    overlap_words,
)
from listening_coach.diarization.cluster import cluster_embeddings
from listening_coach.diarization.core import _merge, _smooth
from listening_coach.evaluation.diarization import (
    file_key,
    overlap_regions,
    read_rttm_files,
    read_uem,
    score_der,
    score_onsets,
    write_rttm,
)
from listening_coach.diarization.overlap import overlap_evidence
from listening_coach.diarization.spectral import nme_spectral
from listening_coach.errors import AudioError, ConfigError
from listening_coach.types import Span, Word

ROOT = Path(__file__).resolve().parents[1]
S = SpeakerSegment


def unit(rng: np.random.Generator, n: int, center: np.ndarray, noise: float) -> np.ndarray:
    x = center[None, :] + noise * rng.standard_normal((n, len(center)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def centers() -> np.ndarray:
    rng = np.random.default_rng(seed=440)
    c = np.abs(rng.standard_normal((5, 256)))  # non-negative like the encoder's ReLU output
    return c / np.linalg.norm(c, axis=1, keepdims=True)


# --- RTTM / UEM ---------------------------------------------------------------------------


def test_file_key_folds_accents_and_case() -> None:
    assert file_key("trñ00") == "trn00"
    assert file_key("MÉO069") == "meo069"


def test_read_rttm_keeps_non_ascii_ids(tmp_path: Path) -> None:
    path = tmp_path / "ref.rttm"
    path.write_text(
        "SPEAKER trñ00 1 3.168 0.800 <NA> <NA> MÉO069 <NA> <NA>\n"
        "SPEAKER trñ00 1 1.000 0.500 <NA> <NA> MEE068 <NA> <NA>\n"
        ";; a comment\n"
        "SPEAKER trn01 1 0.0 2.0 <NA> <NA> A <NA> <NA>\n",
        encoding="utf-8",
    )
    ref = read_rttm_files(path)
    assert set(ref) == {"trñ00", "trn01"}
    assert [s.speaker for s in ref["trñ00"]] == ["MEE068", "MÉO069"]  # sorted by start
    assert ref["trñ00"][1].end == pytest.approx(3.968)


def test_read_rttm_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "ref.rttm"
    path.write_bytes("SPEAKER trñ00 1 0 1 <NA> <NA> MÉO069 <NA> <NA>\n".encode("latin-1"))
    assert read_rttm_files(path)["trñ00"][0].speaker == "MÉO069"


def test_read_rttm_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.rttm"
    path.write_text("SPEAKER f 1 0.0 1.0 <NA> <NA> A <NA> <NA>\nSPEAKER f 1 zero\n")
    with pytest.raises(AudioError, match=r"bad.rttm:2"):
        read_rttm_files(path)
    with pytest.raises(AudioError, match="Cannot read"):
        read_rttm_files(tmp_path / "missing.rttm")


def test_write_then_read_rttm_round_trips(tmp_path: Path) -> None:
    segs = (S(0.5, 1.25, "SPEAKER_00"), S(1.0, 2.0, "SPEAKER_01"))
    write_rttm(segs, "clip", tmp_path / "out.rttm")
    back = read_rttm_files(tmp_path / "out.rttm")["clip"]
    assert [(s.start, s.end, s.speaker) for s in back] == [
        (0.5, 1.25, "SPEAKER_00"),
        (1.0, 2.0, "SPEAKER_01"),
    ]


def test_read_uem(tmp_path: Path) -> None:
    path = tmp_path / "x.uem"
    path.write_text("trn00 NA 0.000 30.000\ntrn00 NA 40 50\n")
    assert read_uem(path) == {"trn00": (Span(0.0, 30.0), Span(40.0, 50.0))}
    path.write_text("trn00 NA 0.000 30.000\ntrn00 NA 50 40\n")  # end before start
    with pytest.raises(AudioError, match="x.uem:2 is not a UEM line"):
        read_uem(path)


# --- DER ----------------------------------------------------------------------------------

REF = (S(0.0, 10.0, "A"), S(10.0, 20.0, "B"))


@pytest.mark.parametrize(
    ("hyp", "expected", "parts"),
    [
        ((S(0, 10, "x"), S(10, 20, "y")), 0.0, (0.0, 0.0, 0.0)),
        ((S(0, 20, "x"),), 0.5, (0.0, 0.0, 10.0)),
        ((S(0, 10, "x"), S(15, 20, "y")), 0.25, (5.0, 0.0, 0.0)),
        ((S(0, 10, "x"), S(10, 20, "y"), S(20, 25, "y")), 0.25, (0.0, 5.0, 0.0)),
        ((), 1.0, (20.0, 0.0, 0.0)),
    ],
    ids=["perfect", "one-speaker", "half-of-B-missed", "false-alarm", "nothing"],
)
def test_der_known_answers(hyp: tuple[S, ...], expected: float, parts: tuple[float, float, float]) -> None:
    result = score_der(REF, hyp, collar_s=0.0, uem=[Span(0.0, 25.0)])
    assert result.total == pytest.approx(20.0)
    assert (result.missed, result.false_alarm, result.confusion) == pytest.approx(parts)
    assert result.der == pytest.approx(expected)


def test_der_collar_forgives_boundary_errors() -> None:
    hyp = (S(0.0, 10.2, "x"), S(10.2, 20.0, "y"))  # change 0.2 s late
    assert score_der(REF, hyp, collar_s=0.0).der == pytest.approx(0.01)
    assert score_der(REF, hyp, collar_s=0.25).der == 0.0


def test_der_skip_overlap_and_overlapping_hypothesis() -> None:
    ref = (S(0, 10, "A"), S(8, 12, "B"))  # 2 s of overlap
    hyp = (S(0, 10, "x"),)
    full = score_der(ref, hyp, collar_s=0.0)
    assert full.total == pytest.approx(14.0) and full.missed == pytest.approx(4.0)
    no_overlap = score_der(ref, hyp, collar_s=0.0, skip_overlap=True)
    assert no_overlap.total == pytest.approx(10.0) and no_overlap.missed == pytest.approx(2.0)
    both = score_der(ref, (S(0, 10, "x"), S(8, 12, "y")), collar_s=0.0)
    assert both.der == 0.0


def test_overlap_regions_and_onsets() -> None:
    segs = [S(0, 5, "A"), S(4, 6, "B"), S(10, 12, "A"), S(11, 11.5, "B"), S(11.2, 11.4, "C")]
    assert overlap_regions(segs) == (Span(4.0, 5.0), Span(11.0, 11.5))
    assert overlap_regions(segs, min_duration_s=0.6) == (Span(4.0, 5.0),)
    result = score_onsets(overlap_regions(segs), (Span(4.3, 4.8), Span(8.0, 9.0)), tolerance_s=0.5)
    assert (result.hits, result.reference, result.hypothesis) == (1, 2, 2)
    assert result.precision == 0.5 and result.recall == 0.5 and result.f1 == 0.5
    assert score_onsets((), ()).f1 == 1.0


# --- clustering and overlap evidence -----------------------------------------------------


@pytest.mark.parametrize("method", ["ahc", "nme-sc"])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_clustering_finds_the_number_of_voices(centers: np.ndarray, k: int, method: str) -> None:
    rng = np.random.default_rng(seed=k)
    emb = np.concatenate([unit(rng, 40, centers[i], 0.03) for i in range(k)])
    truth = np.repeat(np.arange(k), 40)
    result = cluster_embeddings(emb, np.full(len(emb), 0.25), threshold=0.3, min_weight=2.0, method=method)
    assert result.labels.max() + 1 == k
    for i in range(k):  # each true voice maps to exactly one cluster
        assert len(set(result.labels[truth == i])) == 1
    assert 0.0 <= result.count_confidence <= 1.0


def test_clustering_caps_at_max_speakers_and_folds_tiny_clusters(centers: np.ndarray) -> None:
    rng = np.random.default_rng(seed=7)
    five = np.concatenate([unit(rng, 30, centers[i], 0.03) for i in range(5)])
    capped = cluster_embeddings(five, np.full(150, 0.25), threshold=0.3, max_speakers=4)
    assert capped.labels.max() == 3 and capped.estimated == 5
    assert cluster_embeddings(five, np.full(150, 0.25), threshold=0.3, num_speakers=2).labels.max() == 1
    # a voice with 2 windows (0.5 s) is folded into its nearest neighbour
    few = np.concatenate([unit(rng, 40, centers[0], 0.03), unit(rng, 2, centers[1], 0.03)])
    assert cluster_embeddings(few, np.full(42, 0.25), threshold=0.3, min_weight=2.0).labels.max() == 0


def test_nme_spectral_picks_count_from_the_eigengap(centers: np.ndarray) -> None:
    rng = np.random.default_rng(seed=11)
    # three voices of unequal length, noisy enough that a fixed cut is not obvious
    emb = np.concatenate([unit(rng, n, centers[i], 0.06) for i, n in enumerate((60, 25, 15))])
    result = nme_spectral(emb, max_k=4)
    assert result.k == 3 and 2 <= result.p <= 25 and 0.0 < result.confidence <= 1.0
    truth = np.repeat(np.arange(3), (60, 25, 15))
    assert all(len(set(result.labels[truth == i])) == 1 for i in range(3))
    assert nme_spectral(emb, max_k=4, fixed_k=2).k == 2
    assert nme_spectral(emb[:2]).k == 1  # too few windows: one voice


def test_nme_merges_one_voice_split_in_two(centers: np.ndarray) -> None:
    """One voice in two rooms: two tight sub-clusters 0.12 apart in cosine distance. The
    eigengap sees two blocks; the average-linkage merge under the threshold makes it one."""
    rng = np.random.default_rng(seed=12)
    a = centers[0]
    u = centers[1] - (centers[1] @ a) * a
    b = 0.88 * a + np.sqrt(1 - 0.88**2) * u / np.linalg.norm(u)  # cosine distance 0.12
    emb = np.concatenate([unit(rng, 40, a, 0.01), unit(rng, 40, b, 0.01)])
    assert nme_spectral(emb).k == 2
    merged = cluster_embeddings(emb, np.full(80, 0.25), threshold=0.3, min_weight=2.0, method="nme-sc")
    assert merged.labels.max() == 0


def test_overlap_evidence_is_positive_only_for_mixtures(centers: np.ndarray) -> None:
    rng = np.random.default_rng(seed=3)
    a, b = centers[0], centers[1]
    mix = (a + b) / np.linalg.norm(a + b)
    emb = np.concatenate([unit(rng, 8, a, 0.02), unit(rng, 8, mix, 0.02), unit(rng, 8, b, 0.02)])
    spans = np.array([(i * 0.25, i * 0.25 + 0.25) for i in range(24)])  # one window per 8 frames
    evidence, _, pairs = overlap_evidence(spans, emb, np.stack([a, b]), 200)
    frame = lambda t: int(t / 0.032)  # noqa: E731
    assert pairs == [(0, 1)]
    assert evidence[frame(0.5)] < 0 and evidence[frame(5.5)] < 0
    assert evidence[frame(3.0)] > 0


def test_smooth_and_merge() -> None:
    labels = np.array([0] * 20 + [1] * 3 + [0] * 20 + [-1] * 5 + [1] * 20)
    smoothed = _smooth(labels, 10)
    assert (smoothed[20:23] == 0).all() and (smoothed[48:] == 1).all()
    merged = _merge((S(0, 1, "#0"), S(1.3, 2, "#0"), S(2.1, 3, "#1"), S(4, 5, "#1")), 0.5)
    assert [(s.start, s.end, s.speaker) for s in merged] == [(0, 2, "#0"), (2.1, 3, "#1"), (4, 5, "#1")]


# --- word assignment ----------------------------------------------------------------------


def test_words_follow_the_speaker_change_inside_a_segment() -> None:
    words = (
        Word(0.0, 0.4, " I"),
        Word(0.4, 0.9, " waited"),
        Word(0.9, 1.3, " hours."),
        Word(1.35, 1.8, " I"),
        Word(1.8, 2.2, " see."),
        Word(5.0, 5.2, " far"),
    )
    segs = (S(0.0, 1.3, "SPEAKER_00", 0.9), S(1.3, 2.5, "SPEAKER_01", 0.8))
    out = assign_speakers_from_segments(words, segs)
    assert [w.speaker for w in out] == ["SPEAKER_00"] * 3 + ["SPEAKER_01"] * 2 + [None]
    assert out[0].speaker_confidence == pytest.approx(0.9)
    assert out[5].speaker_confidence == 0.0
    near = assign_speakers_from_segments((Word(2.8, 3.0, " ok"),), segs)
    assert near[0].speaker == "SPEAKER_01" and near[0].speaker_confidence == pytest.approx(0.4)


def test_backchannel_inside_a_long_turn_keeps_its_own_speaker() -> None:
    segs = [(0.0, 10.0, "A"), (4.0, 4.5, "B", 0.7)]  # tuples, as from an imported RTTM
    words = (Word(4.05, 4.45, " mm-hm"), Word(4.1, 4.4, " and"), Word(6.0, 6.3, " then"))
    out = assign_speakers_from_segments(words, segs)
    # both voices cover the overlap: the backchannel word goes to the listener, other words
    # to the one holding the floor
    assert [w.speaker for w in out] == ["B", "A", "A"]
    assert out[0].speaker_confidence < 0.7  # shared with A's segment
    custom = assign_speakers_from_segments(words[:1], segs, lexicon=("yeah",))
    assert custom[0].speaker == "A"


def test_a_lexicon_word_inside_a_phrase_is_not_taken_for_a_backchannel() -> None:
    """Hard-conditions bench05 (seed 13): A's "... I want you to make sure that everything"
    runs 0.6 s into B's interruption. "sure" is a backchannel word, so in the overlap it went to
    B, the listener; the interruption pass then gave B "want you to make" too, and A's "that
    everything" between B's words made one exchange too many. Written with no pause on either
    side it is inside a phrase: A's, as the floor rule says, and the turns are A then B."""
    from listening_coach.turns import group_turns

    d = Diarization((S(61.41, 67.37, "A"), S(65.37, 68.93, "B")), (), 2, 1.0, 70.0)
    text = " and I want you to make sure that everything at all you just read"
    times = (64.80, 65.26, 65.30, 65.56, 65.74, 65.90, 66.04, 66.22, 66.58, 66.84, 67.08, 67.48,
             67.70, 68.00, 68.30)
    words = tuple(Word(a, b, " " + t) for a, b, t in zip(times, times[1:], text.split()))
    out = assign_speakers_from_segments(words, d.segments)
    assert next(w for w in out if w.bare == "sure").speaker == "A"
    assert [t.speaker for t in group_turns(overlap_words(out, d))] == ["A", "B"]
    apart = (*words[:6], Word(66.2, 66.4, " sure"), *words[8:])  # pauses around it: B's
    assert [w.speaker for w in assign_speakers_from_segments(apart, d.segments) if w.bare == "sure"] == ["B"]


def test_assign_with_no_segments_returns_words_unchanged() -> None:
    words = (Word(0, 1, " hi", "trainee"),)
    assert assign_speakers_from_segments(words, ()) == words


# --- roles --------------------------------------------------------------------------------


def _two_speakers(centers: np.ndarray) -> Diarization:
    segs = (S(0.0, 8.0, "SPEAKER_00"), S(8.5, 10.0, "SPEAKER_01"), S(10.5, 18.0, "SPEAKER_00"))
    return Diarization(segs, (), 2, 0.9, 20.0, (), (("SPEAKER_00", centers[0]), ("SPEAKER_01", centers[1])))


def test_roles_by_less_first_manual(centers: np.ndarray) -> None:
    d = _two_speakers(centers)
    roles, conf = choose_roles(d, (), "less")
    assert roles == {"SPEAKER_00": "partner", "SPEAKER_01": "trainee"} and conf > 0.5
    roles, conf = choose_roles(d, (), "first")
    assert roles == {"SPEAKER_00": "trainee", "SPEAKER_01": "partner"} and conf > 0.5
    roles, conf = choose_roles(d, (), "manual", trainee="SPEAKER_00")
    assert roles["SPEAKER_00"] == "trainee" and conf == pytest.approx(0.95)


def test_roles_less_is_unsure_on_an_even_split(centers: np.ndarray) -> None:
    segs = (S(0, 5, "SPEAKER_00"), S(5, 10.2, "SPEAKER_01"))
    _, conf = choose_roles(Diarization(segs, (), 2, 1.0, 10.2), (), "less")
    assert conf < 0.1


def test_roles_by_enrolment_embedding(centers: np.ndarray) -> None:
    d = _two_speakers(centers)
    rng = np.random.default_rng(seed=1)
    roles, conf = choose_roles(d, (), "enrolment", enrolment=unit(rng, 1, centers[1], 0.02)[0])
    assert roles["SPEAKER_01"] == "trainee" and conf > 0.5


def test_roles_errors_and_single_voice(centers: np.ndarray) -> None:
    d = _two_speakers(centers)
    with pytest.raises(ConfigError, match="one of"):
        choose_roles(d, (), "loudest")
    with pytest.raises(ConfigError, match="trainee_speaker"):
        choose_roles(d, (), "manual", trainee="SPEAKER_09")
    with pytest.raises(ConfigError, match="enrolment_path"):
        choose_roles(d, (), "enrolment")
    with pytest.raises(AudioError, match="at least 1 s"):
        choose_roles(d, (), "enrolment", enrolment=np.zeros(4000, dtype=np.float32))
    one = Diarization((S(0, 3, "SPEAKER_00"),), (), 1, 0.8, 3.0)
    assert choose_roles(one, (), "less") == ({"SPEAKER_00": "trainee"}, 0.0)


def test_roles_use_word_talk_time_when_given(centers: np.ndarray) -> None:
    d = _two_speakers(centers)
    words = (Word(0, 1, " hi", "SPEAKER_00"), Word(9, 14, " long", "SPEAKER_01"))
    roles, _ = choose_roles(d, words, "less")
    assert roles["SPEAKER_00"] == "trainee"


# --- input checks and config --------------------------------------------------------------


def test_diarize_rejects_bad_samples_and_options() -> None:
    with pytest.raises(AudioError, match="mono"):
        diarize(np.zeros((2, 16000), dtype=np.float32), DiarizeOptions())
    with pytest.raises(AudioError, match="float"):
        diarize(np.zeros(16000, dtype=np.int16), DiarizeOptions())
    with pytest.raises(ConfigError, match="min_speakers"):
        diarize(np.zeros(16000, dtype=np.float32), DiarizeOptions(min_speakers=3, max_speakers=2))
    with pytest.raises(ConfigError, match="cluster_method"):
        diarize(np.zeros(16000, dtype=np.float32), DiarizeOptions(cluster_method="kmeans"))


def test_diarize_on_silence_finds_nobody() -> None:
    result = diarize(np.zeros(3 * 16000, dtype=np.float32), DiarizeOptions())
    assert result.segments == () and result.num_speakers == 0 and "no speech found" in result.notes


def test_diarize_options_from_config() -> None:
    config = config_from_dict({"diarize": {"max_speakers": 2, "role_rule": "first"}})
    assert config.diarize.max_speakers == 2 and config.diarize.role_rule == "first"
    with pytest.raises(ConfigError, match="Valid keys"):
        config_from_dict({"diarize": {"max_speaker": 2}})


def test_eval_command_bad_input_is_one_line(tmp_path: Path) -> None:
    rttm = tmp_path / "ref.rttm"
    rttm.write_text("SPEAKER clip 1 0 1 <NA> <NA> A <NA> <NA>\n")
    for args, message in (
        ([str(rttm), str(tmp_path / "nope")], "does not exist"),
        ([str(rttm), str(tmp_path)], "No recording"),
        ([str(tmp_path / "missing.rttm"), str(tmp_path)], "Cannot read"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "listening_coach", "eval-diarization", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr


def test_eval_command_matches_accented_ids_and_writes_rttm(tmp_path: Path) -> None:
    import soundfile as sf

    sf.write(tmp_path / "clip.wav", np.zeros(3 * 16000, dtype=np.float32), 16000)
    rttm = tmp_path / "ref.rttm"
    rttm.write_text("SPEAKER clíp 1 0.5 1.0 <NA> <NA> MÉO069 <NA> <NA>\n", encoding="utf-8")
    out = tmp_path / "hyp.rttm"
    done = subprocess.run(
        [sys.executable, "-m", "listening_coach", "eval-diarization", str(rttm), str(tmp_path),
         "--out-rttm", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "clíp" in done.stdout and "DER 100.0%" in done.stdout  # silence: all speech missed
    assert "speaker count right: 0/1" in done.stdout
    assert out.read_text() == ""  # no speech, no segments


def test_analyze_diarize_flag_sets_the_mode() -> None:
    from listening_coach.cli import build_parser
    from listening_coach.commands.analyze import build_config

    parser = build_parser()
    assert build_config(parser.parse_args(["analyze", "x.wav", "--diarize"])).speakers.mode == "diarize"
    with pytest.raises(ConfigError, match="exclude each other"):
        build_config(parser.parse_args(["analyze", "x.wav", "--diarize", "--channels", "trainee,partner"]))
