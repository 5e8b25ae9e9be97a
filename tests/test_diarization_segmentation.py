"""The segmentation-3.0 diarizer: model file and shapes, powerset decoding, window linking,
overlap from the powerset on a mix, the listener role rule, and the CLI overrides."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from listening_coach.config import DEFAULT_CONFIG, DiarizeOptions
from listening_coach.diarization import Diarization, SpeakerSegment, choose_roles, diarize, segmentation
from listening_coach.diarization.chains import Chains, cluster_chains, link_windows, split_chains
from listening_coach.evaluation.diarization import overlap_regions, score_onsets
from listening_coach.diarization.listener import listener_vote
from listening_coach.diarization.segmentation import (
    FRAMES, Windows, decode_powerset, segment_windows, voice_probabilities)
from listening_coach.diarization.backchannels import voice_grid
from listening_coach.diarization.stitch import aggregate, early_onsets
from listening_coach.errors import ModelError
from listening_coach.testing import script
from tests.conftest import require_tool


def test_model_output_shapes() -> None:
    session = segmentation.load_segmentation_model()
    out = session.run(None, {session.get_inputs()[0].name: np.zeros((2, 1, 160000), np.float32)})[0]
    assert out.shape == (2, FRAMES, 7)
    assert np.allclose(np.exp(out).sum(axis=-1), 1.0, atol=1e-4)  # log-probabilities
    windows = segment_windows(np.zeros(12 * 16000, np.float32), 2.5)
    assert windows.starts.tolist() == [0, 32000]  # the last window ends at the end
    assert windows.activity.shape == (2, FRAMES, 3) and windows.speech.shape == (2, FRAMES)
    assert windows.activity.sum() == 0  # silence: nobody
    assert windows.voices is not None and windows.voices.shape == (2, FRAMES, 3)


def test_powerset_decoding() -> None:
    logp = np.full((7, 7), -10.0, np.float32)
    np.fill_diagonal(logp, 0.0)
    assert decode_powerset(logp).tolist() == [
        [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]
    ]


def test_voice_probabilities_sum_the_classes_of_each_local_speaker() -> None:
    # 0.6 local 0 alone, 0.4 locals 0 and 1 together
    probs = np.array([0.0, 0.6, 0.0, 0.0, 0.4, 0.0, 0.0], np.float32)
    voices = voice_probabilities(np.log(np.maximum(probs, 1e-12)))
    assert np.allclose(voices, [1.0, 0.4, 0.0], atol=1e-6)
    assert voices.sum() - (1.0 - probs[0]) == pytest.approx(0.4, abs=1e-6)  # two voices at once


def test_missing_and_corrupt_model_name_the_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelError, match="make segmentation-model"):
        segmentation.load_segmentation_model(str(tmp_path / "absent.onnx"))
    bad = tmp_path / "segmentation-3.0.onnx"
    bad.write_bytes(b"not a model")
    monkeypatch.setattr(segmentation, "MODEL_PATH", bad)
    segmentation.load_segmentation_model.cache_clear()
    try:
        with pytest.raises(ModelError, match="corrupt.*make segmentation-model"):
            segmentation.load_segmentation_model()
    finally:
        segmentation.load_segmentation_model.cache_clear()


def _windows(*rows: tuple[int, list[tuple[int, int, int]]]) -> Windows:
    """Windows from (start sample, [(local speaker, first frame, end frame)])."""
    activity = np.zeros((len(rows), FRAMES, 3), np.uint8)
    for w, (_, spans) in enumerate(rows):
        for k, a, b in spans:
            activity[w, a:b, k] = 1
    return Windows(np.array([r[0] for r in rows]), activity, activity.any(axis=2).astype(np.float32))


def test_windows_link_by_shared_activity_and_keep_co_speakers_apart() -> None:
    # window 2 starts 148 frames (2.5 s) later; its local 2 is window 1's local 0 (same frames)
    w = _windows((0, [(0, 0, 300), (1, 350, 589)]), (40000, [(2, 0, 152), (0, 202, 441)]))
    chains = link_windows(w, np.ones((2, 3), bool) & w.activity.any(axis=1))
    assert chains.chain[0, 0] == chains.chain[1, 2] and chains.chain[0, 1] == chains.chain[1, 0]
    assert chains.count == 2
    # identical embeddings: the model heard both in one window, so they stay two voices
    same = np.tile(np.eye(1, 256, dtype=np.float32), (2, 3, 1))
    clusters = cluster_chains(chains, same, np.full((2, 3), 3.0), threshold=0.2)
    assert len(clusters.centroids) == 2 and clusters.labels[0] != clusters.labels[1]


def test_chain_that_changed_voice_is_cut() -> None:
    """As in dev seed 12's bench08: voice A in windows 0-5 (chain 0); chain 1 is voice B in
    windows 0-5 and, after a hand-over, A in windows 6-7, where chain 2 (B) is heard beside it.
    Uncut, chain 1 is mostly B and the same-window rule keeps chain 2 apart: three voices. Cut
    where its windows change voice, the parts join A and B: two."""
    rng = np.random.default_rng(0)
    a, b = np.eye(2, 256, dtype=np.float32)
    voices = {0: [a] * 6, 1: [b] * 6 + [a] * 2, 2: [b] * 2}
    chain = np.full((8, 3), -1)
    embeddings = np.zeros((8, 3, 256), np.float32)
    for k, seq in voices.items():
        for i, v in enumerate(seq):
            w = i + 6 if k == 2 else i
            chain[w, k] = k
            noisy = v + 0.15 * rng.normal(size=256).astype(np.float32) / 16
            embeddings[w, k] = noisy / np.linalg.norm(noisy)
    chains, clean = Chains(chain, 3), np.full((8, 3), 3.0)
    assert len(cluster_chains(chains, embeddings, clean, threshold=0.2).centroids) == 3
    cut = split_chains(chains, embeddings, clean)
    assert cut.count == 4 and len(set(cut.chain[6:, 1])) == 1 and cut.chain[6, 1] not in cut.chain[:6, 1]
    clusters = cluster_chains(cut, embeddings, clean, threshold=0.2)
    assert len(clusters.centroids) == 2
    assert clusters.labels[cut.chain[6, 1]] == clusters.labels[0]  # A's windows of chain 1 -> A
    assert clusters.labels[2] == clusters.labels[cut.chain[0, 1]]  # chain 2 -> B
    # one voice throughout, or a change with under SPLIT_MIN_S of solo speech after it: no cut
    assert split_chains(Chains(chain[:, :1], 1), embeddings[:, :1], clean[:, :1]).count == 1
    short = clean.copy()
    short[6:, 1] = 0.5
    assert split_chains(chains, embeddings, short).count == 3


def test_aggregate_keeps_both_voices_where_windows_hear_two() -> None:
    # local 0 talks throughout, local 1 only in frames 200-240 (over local 0): an overlap
    w = _windows((0, [(0, 0, 589), (1, 200, 240)]))
    active, _ = aggregate(w, np.array([[0, 1, -1]]), 2, FRAMES)
    assert active[:, 0].all()
    assert np.flatnonzero(active[:, 1]).tolist() == list(range(200, 240))


def _with_voices(w: Windows, second: dict[int, tuple[int, int, float]]) -> Windows:
    """``w`` plus voice probabilities: each active local speaker 1.0, and per window
    ``(local speaker, first frame, end frame, probability)`` for a voice the likeliest class
    leaves out (heard under another, so the two-voice probability there is that much)."""
    voices = w.activity.astype(np.float16)
    for win, (k, a, b, p) in second.items():
        voices[win, a:b, k] = np.maximum(voices[win, a:b, k], p)
    return Windows(w.starts, w.activity, w.speech, voices)


def test_overlap_onset_starts_where_two_voices_become_likely() -> None:
    # local 0 talks throughout; local 1's likeliest class has it only from frame 240 (over
    # local 0), but the model already gives it 0.4 from frame 200: a quiet interjection
    w = _windows((0, [(0, 0, 589), (1, 240, 280)]))
    w = _with_voices(w, {0: (1, 200, 240, 0.4)})
    assigned = np.array([[0, 1, -1]])
    grid = voice_grid(w, assigned, 2, FRAMES)
    active, _ = aggregate(w, assigned, 2, FRAMES, grid=grid, onset_overlap=0.3)
    assert active[:, 0].all()
    assert np.flatnonzero(active[:, 1]).tolist() == list(range(200, 280))
    off, _ = aggregate(w, assigned, 2, FRAMES, grid=grid, onset_overlap=1.0)  # 1: the likeliest class only
    assert np.flatnonzero(off[:, 1]).tolist() == list(range(240, 280))
    weak, _ = aggregate(w, assigned, 2, FRAMES, grid=grid, onset_overlap=0.5)  # 0.4 is not enough
    assert np.flatnonzero(weak[:, 1]).tolist() == list(range(240, 280))
    # the early stretch is 40 frames: under min_early it is left out
    short, _ = aggregate(w, assigned, 2, FRAMES, grid=grid, onset_overlap=0.3, min_early=41)
    assert np.flatnonzero(short[:, 1]).tolist() == list(range(240, 280))


def test_two_likely_voices_alone_start_no_overlap() -> None:
    # the same 0.4, but the likeliest class never says two voices (local 1 takes over at frame
    # 300, a turn change): no overlap is invented
    w = _with_voices(_windows((0, [(0, 0, 300), (1, 300, 589)])), {0: (1, 200, 240, 0.4)})
    assigned = np.array([[0, 1, -1]])
    active, _ = aggregate(w, assigned, 2, FRAMES, grid=voice_grid(w, assigned, 2, FRAMES), onset_overlap=0.3)
    assert not (active[:, 0] & active[:, 1]).any()


def test_early_onsets_walk_back_while_two_voices_stay_likely() -> None:
    speakers = np.array([1] * 10 + [2] * 5 + [1] * 5 + [0] * 2 + [1] * 3 + [2] * 3)
    two = np.array([0.1] * 6 + [0.5] * 4 + [0.9] * 5 + [0.5] * 5 + [0.5] * 2 + [0.5] * 3 + [0.9] * 3)
    early = early_onsets(speakers, two, 0.3)
    # before the first run: frames 6-9; before the second: back to the silence (frames 22-24)
    assert np.flatnonzero(early).tolist() == [6, 7, 8, 9, 22, 23, 24]
    assert not early_onsets(speakers, two, 1.0).any()
    # a stretch shorter than min_frames is the model's smear at a clear onset: left out
    assert np.flatnonzero(early_onsets(speakers, two, 0.3, min_frames=4)).tolist() == [6, 7, 8, 9]


@pytest.mark.slow
@pytest.mark.espeak
def test_backchannel_overlap_found_in_a_mono_roleplay() -> None:
    """waiting_room with two distinct espeak voices, mixed to mono: the trainee's "I see."
    over the partner comes out as its own segment, and the overlap onsets are found."""
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    from listening_coach.evaluation.diarization_roleplays import mono_roleplays, score_diarization

    conditions = (("annie-andy", {"voices": (("trainee", "en-us+Annie"), ("partner", "en-gb+Andy"))}),)
    case = next(c for c in mono_roleplays(conditions) if c.name.startswith("waiting_room"))
    result = diarize(case.samples, DiarizeOptions())
    scores = score_diarization(case, result)
    assert result.num_speakers == 2
    assert scores["error_s"] / scores["total_s"] < 0.05  # measured 0.9%
    assert scores["bc_hits"] == scores["bc_ref"] == 1
    onsets = score_onsets(overlap_regions(case.segments), result.overlaps, tolerance_s=0.5)
    assert onsets.hits == onsets.reference == 2


def _two_voices() -> Diarization:
    return Diarization(
        (SpeakerSegment(0.0, 10.0, "SPEAKER_00"), SpeakerSegment(10.0, 30.0, "SPEAKER_01")), (), 2, 1.0, 30.0
    )


def test_listener_rule_finds_the_trainee_who_talks_more() -> None:
    words = script(
        "SPEAKER_00 0.0 This is ridiculous! Give me my money back right now.",
        "SPEAKER_01 4.0 It sounds like you feel really let down by how long this has taken, and that "
        "makes sense. What happened when you first called us about it?",
        "SPEAKER_00 14.0 You people never listen. Stop wasting my time.",
        "SPEAKER_01 17.0 I am sorry, you have been waiting far too long and you want this fixed "
        "today. Can you tell me more about what you were promised?",
    )
    assert listener_vote(words, "SPEAKER_01", "SPEAKER_00", DEFAULT_CONFIG.language) > 0.5
    roles, confidence = choose_roles(_two_voices(), words, "auto")
    assert roles == {"SPEAKER_00": "partner", "SPEAKER_01": "trainee"} and confidence > 0.3
    less, _ = choose_roles(_two_voices(), words, "less")  # talk time alone gets it wrong
    assert less["SPEAKER_00"] == "trainee"


def test_cli_overrides_reach_the_diarize_options() -> None:
    from listening_coach.commands.analyze import _diarize_overrides

    def args(**kw: object) -> argparse.Namespace:
        return argparse.Namespace(**{"num_speakers": None, "trainee": None, "roles": None, **kw})

    got = _diarize_overrides(DEFAULT_CONFIG, args(num_speakers=2, trainee="SPEAKER_01")).diarize
    assert (got.num_speakers, got.role_rule, got.trainee_speaker) == (2, "manual", "SPEAKER_01")
    got = _diarize_overrides(DEFAULT_CONFIG, args(roles="SPEAKER_00=trainee,SPEAKER_01=partner")).diarize
    assert (got.role_rule, got.trainee_speaker) == ("manual", "SPEAKER_00")
    assert _diarize_overrides(DEFAULT_CONFIG, args(roles="less")).diarize.role_rule == "less"


def test_overlap_words_restore_interruption_and_untranscribed_backchannel() -> None:
    from listening_coach.diarization import overlap_words
    from listening_coach.types import Word

    # A talks 0-6 s; B backchannels at 2.0-2.4 (not transcribed) and interrupts at 4.5
    d = Diarization(
        (
            SpeakerSegment(0.0, 5.4, "A"),
            SpeakerSegment(2.0, 2.4, "B"),
            SpeakerSegment(4.5, 8.0, "B"),
        ),
        (),
        2,
        1.0,
        8.0,
    )
    words = (
        Word(0.2, 1.0, " I", "A"), Word(1.0, 2.0, " waited", "A"), Word(2.1, 3.0, " hours", "A"),
        Word(3.0, 4.4, " and", "A"), Word(4.9, 5.3, " Let", "A"), Word(5.3, 5.6, " me", "A"),
        Word(5.6, 6.0, " stop", "B"), Word(6.0, 6.5, " you", "B"),
    )
    out = overlap_words(words, d)
    heard = [w for w in out if w.probability == 0.0]
    # the untranscribed backchannel, and A talking on under B until A's segment ends
    assert [(w.start, w.end, w.speaker, w.bare) for w in heard] == [
        (2.0, 2.4, "B", "mm-hm"), (4.4, 5.4, "A", "…")
    ]
    assert [w.speaker for w in out if w.bare in ("let", "me")] == ["B", "B"]  # ran on into B's words
    assert next(w for w in out if w.bare == "let").start == 4.5  # B's turn starts at the onset
    assert next(w for w in out if w.bare == "and").speaker == "A"  # before the onset: A's


def test_overlap_words_keep_a_short_reply_whisper_dropped() -> None:
    """A's two turns with B's 0.6 s reply ("Whatever.") between them that Whisper did not
    write: one untranscribed word for B there, so A's talk stays two turns. A wordless segment
    of A's own voice between A's words, or a reply with a word in it, adds nothing."""
    from listening_coach.diarization import overlap_words
    from listening_coach.diarization.assign import UNHEARD
    from listening_coach.types import Word

    d = Diarization(
        (SpeakerSegment(0.0, 3.0, "A"), SpeakerSegment(3.5, 4.1, "B"), SpeakerSegment(4.6, 7.0, "A")),
        (), 2, 1.0, 7.0,
    )
    words = (Word(0.2, 1.5, " Hold", "A"), Word(1.5, 2.9, " on", "A"), Word(4.7, 6.0, " Okay", "A"))
    heard = [w for w in overlap_words(words, d) if w.probability == 0.0]
    assert [(w.start, w.end, w.speaker, w.text) for w in heard] == [(3.5, 4.1, "B", UNHEARD)]
    mine = Diarization((*d.segments[:1], SpeakerSegment(3.5, 4.1, "A"), d.segments[2]), (), 1, 1.0, 7.0)
    assert not [w for w in overlap_words(words, mine) if w.probability == 0.0]
    said = (*words, Word(3.6, 4.0, " Whatever", "A"))
    assert not [w for w in overlap_words(said, d) if w.probability == 0.0]


def test_overlap_words_give_a_squeezed_reply_its_segment() -> None:
    """bench05: the diarizer has B's 0.83 s "Policy." alone between A's turns, but Whisper wrote
    it as 0.1 s and stretched A's "day." over the rest, too short to take the floor, so A's talk
    around it was one turn. The reply now spans its segment and A's word stops at its start:
    three turns. A reply whose words cover most of its segment, one the other voice is diarized
    in too, or one not followed by the other's words is left as Whisper wrote it."""
    from listening_coach.diarization import overlap_words
    from listening_coach.turns import group_turns
    from listening_coach.types import Word

    segments = (SpeakerSegment(44.31, 47.6, "A"), SpeakerSegment(48.09, 48.92, "B"),
                SpeakerSegment(49.46, 54.86, "A"))
    words = (Word(46.88, 47.3, " working", "A"), Word(47.3, 48.2, " day.", "A"),
             Word(48.8, 48.9, " Policy,", "B"), Word(49.5, 49.84, " so", "A"),
             Word(49.84, 50.12, " I", "A"))
    assert [t.speaker for t in group_turns(words)] == ["A", "B"]  # as Whisper wrote it
    out = overlap_words(words, Diarization(segments, (), 2, 1.0, 55.0))
    assert [t.speaker for t in group_turns(out)] == ["A", "B", "A"]
    assert [(w.start, w.end) for w in out if w.bare in ("day", "policy")] == [(47.3, 48.09), (48.09, 48.92)]

    def day_and_reply_end(segs: tuple[SpeakerSegment, ...], said: tuple[Word, ...]) -> list[float]:
        out = overlap_words(said, Diarization(segs, (), 2, 1.0, 55.0))
        return [w.end for w in out if w.bare in ("day", "policy")]

    covered = Word(48.3, 48.9, " Policy,", "B")
    assert day_and_reply_end(segments, (*words[:2], covered, *words[3:])) == [48.2, 48.9]
    assert day_and_reply_end((*segments, SpeakerSegment(48.0, 48.5, "A")), words) == [48.2, 48.9]
    assert day_and_reply_end(segments, words[:3]) == [48.2, 48.9]


def test_an_onset_that_barely_overlaps_is_a_hand_over() -> None:
    """Hard-conditions bench07 (seed 14): the diarizer ends A's turn 0.11 s after B's
    "Whatever." starts (less than its 0.15 s shortest run; the voices did not overlap). Moving
    B's word back to that onset put it 0.11 s over A's last word, and a short spurt over the
    other's speech is a backchannel, so A's talk around it was one turn. B's word now starts no
    earlier than A's last word ends: three floor turns. A real overlap still starts at the onset."""
    from listening_coach.diarization import overlap_words
    from listening_coach.turns import group_turns
    from listening_coach.types import Word

    d = Diarization((SpeakerSegment(40.57, 45.66, "A"), SpeakerSegment(45.55, 46.24, "B"),
                     SpeakerSegment(46.79, 51.47, "A")), (), 2, 1.0, 52.0)
    words = (Word(44.84, 45.12, " without", "A"), Word(45.12, 45.66, " a", "A"),
             Word(45.66, 46.2, " whatever", "B"), Word(46.88, 47.96, " okay", "A"),
             Word(47.96, 48.48, " calm", "A"))
    out = overlap_words(words, d)
    assert next(w for w in out if w.bare == "whatever").start == 45.66
    assert [t.speaker for t in group_turns(out) if not t.backchannel] == ["A", "B", "A"]
    longer = Diarization((SpeakerSegment(40.57, 45.9, "A"), *d.segments[1:]), (), 2, 1.0, 52.0)
    assert next(w for w in overlap_words(words, longer) if w.bare == "whatever").start == 45.55
