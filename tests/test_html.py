"""Self-contained HTML reports: structure, escaping, embedded audio, no external resources."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, LINES, write_wav

from listening_coach.report.html import miti_indicators, render_index, render_report
from listening_coach.types import RecordingInfo
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script

INJECTED = "<script>window.__injected=1</script>"


@pytest.fixture(scope="module")
def session():
    lines = (LINES[0] + " " + INJECTED.replace(" ", ""),) + LINES[1:]
    return analyze_words(script(*lines), FAST_CONFIG, source="missing.wav")


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    return write_wav(tmp_path_factory.mktemp("audio") / "rec.wav", seconds=16.0)


@pytest.fixture(scope="module")
def html(session, wav) -> str:
    return render_report(session, audio=wav, info=RecordingInfo("Ana <b>", None, "angry"),
                         title="rec")


def test_one_card_per_exchange_with_play_buttons(session, html) -> None:
    cards = re.findall(r'<section class="card exchange" id="exchange-(\d+)"', html)
    assert [int(c) for c in cards] == [e.index for e in session.exchanges]
    starts = [float(s) for s in re.findall(r'class="play" type="button" data-start="([\d.]+)"', html)]
    assert starts == pytest.approx([e.start for e in session.exchanges], abs=0.01)


def test_transcript_markup_is_escaped(html) -> None:
    assert INJECTED not in html
    assert "&lt;script&gt;window.__injected=1&lt;/script&gt;" in html
    assert "Ana &lt;b&gt;" in html


def test_self_contained(html) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 2  # timeline + pace/voice from matplotlib
    assert "@media print" in html


def test_audio_embedded_and_decodable(html, wav) -> None:
    import av

    match = re.search(r'src="data:audio/ogg;base64,([A-Za-z0-9+/=]+)"', html)
    assert match
    with av.open(io.BytesIO(base64.b64decode(match.group(1)))) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        samples = sum(f.samples for f in container.decode(stream))
        seconds = samples / stream.codec_context.sample_rate
    assert seconds == pytest.approx(16.0, abs=0.1)


def test_audio_can_be_left_out(session, wav) -> None:
    off = replace(session, config=replace(session.config, report=replace(
        session.config.report, embed_audio=False)))
    assert "data:audio" not in render_report(off, audio=wav)
    short = replace(session, config=replace(session.config, report=replace(
        session.config.report, max_audio_s=5.0)))
    assert "data:audio" not in render_report(short, audio=wav)
    assert "data:audio" not in render_report(session)  # source file missing: no audio


def test_timeline_marks_overlaps_by_kind(session, html) -> None:
    timeline = html[html.index('<figure id="timeline">'):html.index("</figure>")]
    for kind in ("interruption", "backchannel", "terminal overlap"):
        assert kind in timeline
    kinds = {e.kind for e in session.events}
    assert "interruption" in kinds and "backchannel" in kinds


def test_miti_indicators_follow_the_labels(session) -> None:
    miti = {m["key"]: m for m in miti_indicators(session)}
    reflections = [lb for lb in session.labels if lb.label == "reflection"]
    complex_share = sum(lb.subtype == "complex" for lb in reflections) / len(reflections)
    assert miti["complex_reflection_share"]["value"] == pytest.approx(complex_share)
    expected = "good" if complex_share >= 0.5 else "fair" if complex_share >= 0.4 else "below"
    assert miti["complex_reflection_share"]["rating"] == expected


def test_long_recordings_wrap_the_timeline() -> None:
    lines = [f"{'partner' if i % 2 == 0 else 'trainee'} {i * 20.0} words said here now"
             for i in range(30)]
    long = analyze_words(script(*lines), FAST_CONFIG, source="long.wav")
    html = render_report(long)
    timeline = html[html.index('<figure id="timeline">'):html.index("</figure>")]
    assert timeline.count('id="axes_') >= 5  # 600 s wrapped into 120 s rows


def test_index_page_escapes_and_links() -> None:
    page = render_index([{"recording": "a&b", "status": "done", "trainee": "<i>x</i>"},
                         {"recording": "c", "status": "failed", "error": "<bad>"}], [])
    assert 'href="a%26b.html"' in page and "&lt;i&gt;x&lt;/i&gt;" in page and "&lt;bad&gt;" in page


def test_correction_menus_for_every_label_and_event(session, html) -> None:
    labels = re.findall(r'<select class="fix fix-label noprint"[^>]*data-exchange="(\d+)"', html)
    assert sorted(int(x) for x in labels) == sorted(lb.exchange for lb in session.labels)
    events = re.findall(r'<select class="fix fix-event noprint"[^>]*data-was="(\w+)"', html)
    assert events == [e.kind for ex in session.exchanges for e in session.events
                      if e.exchange == ex.index]
    assert 'download="rec.corrections.toml"' in html


def test_times_read_the_same_as_in_the_feedback_text(session, html) -> None:
    from listening_coach.feedback import clock

    items = [f for f in session.feedback if f.evidence]
    assert items
    for f in items:
        assert f"at {clock(f.evidence[0].start)}</div>" in html
    first = session.exchanges[0]
    assert f"{clock(first.start, tenths=True)}–{clock(first.end, tenths=True)}" in html


def _reflections_only():  # type: ignore[no-untyped-def]
    return analyze_words(script(
        "partner 0.0 I am so angry about the bill.",
        "trainee 3.0 It sounds like you're angry about the bill.",
        "partner 6.0 Yes and nobody listens to me.",
        "trainee 9.0 You feel nobody listens to you.",
        "partner 12.0 Exactly, I am fed up with the waiting.",
        "trainee 15.0 You are fed up with all the waiting.",
    ), FAST_CONFIG, source="r.wav")


def test_miti_ratio_without_questions_is_undefined_not_n_to_1() -> None:
    session = _reflections_only()
    assert session.metric("language.questions").value == 0  # the ratio metric reads R / max(Q, 1)
    ratio = {m["key"]: m for m in miti_indicators(session)}["reflection_question_ratio"]
    assert ratio["value"] is None and ratio["shown"] == "— (no questions)"
    html = render_report(session)
    miti = html[html.index('<table id="miti">'):]
    miti = miti[:miti.index("</table>")]
    assert "— (no questions)" in miti and ":1</td>" not in miti.split("fair")[0]
    tiles = html[html.index('<div class="tiles">'):html.index('<table id="miti">')]
    assert "3:1" not in tiles and ">3</div>" not in tiles  # "–", as in the batch index


def test_negative_latency_reads_as_starting_early(html, session) -> None:
    early = [e for e in session.exchanges if e.response_latency is not None and e.response_latency < 0]
    assert early  # the "calm down" line starts before the partner finished
    assert f"started {-early[0].response_latency:.1f} s before the partner finished" in html
    assert "response after -" not in html and "response after −" not in html


def test_fidelity_is_explained_or_hidden(session, html) -> None:
    import html as markup

    html = markup.unescape(html)
    assert "how much of the partner's words and feelings the reflection carries back" in html
    assert "fidelity 0%" not in html
    for lb in session.labels:
        if lb.label != "reflection" or lb.fidelity is None:
            continue
        phrase = ("in its own words" if lb.fidelity <= 0 else
                  f"carries back {100 * lb.fidelity:.0f}% of their words and feelings")
        assert phrase in html
    solo = analyze_words(script("trainee 0 it sounds like you are upset"), FAST_CONFIG)
    assert solo.labels[0].fidelity is None
    assert "carries back " not in render_report(solo).split("<section")[1]  # no partner: hidden


def test_more_items_are_folded_under_more() -> None:
    session = analyze_words(script(
        "partner 0.0 and now you will tell me there is some policy",
        "trainee 2.8 @130 calm down sir because our policy says seven working days",
        "partner 9.0 fine",
    ), FAST_CONFIG)
    html = render_report(session)
    more = [f for f in session.feedback if f.more]
    assert more  # interruption, command and policy in one exchange
    folded = html.split('<details class="more">')
    assert len(folded) - 1 == len({f.exchange for f in more})
    for f in more:
        at = html.index(f.message.split("(")[0][:40].replace("'", "&#39;"))
        assert html.rfind('<details class="more">', 0, at) > html.rfind("</details>", 0, at)


def test_index_and_report_show_the_same_numbers(session) -> None:
    from listening_coach.coach.cohort import PROGRESS_METRICS, recording_row
    from listening_coach.report.html import summary_tiles

    row = recording_row(session, RecordingInfo(), "rec")
    page = render_index([{**row, "status": "done"}], [])
    for tile, pm in zip(summary_tiles(session), PROGRESS_METRICS):
        assert f'<td class="num">{tile["value"]}</td>' in page, (pm.key, tile["value"])
    share = next(t for t in summary_tiles(session) if t["key"] == "talk_share")["value"]
    talk = next(f for f in session.feedback if f.code == "talk_share")
    assert f"You did {share} of the talking" in talk.message


def test_voice_is_drawn_as_one_level_per_turn() -> None:
    import numpy as np

    from listening_coach.report.plots import pace_voice_svg, turn_levels
    from listening_coach.types import VoiceFrames

    session = analyze_words(script("partner 0.0 one two three four five six",
                                   "trainee 3.0 one two three four five six"), FAST_CONFIG)
    hop = 0.01
    loud = {s: np.full(700, -80.0) for s in ("trainee", "partner")}
    loud["partner"][0:250] = -30.0 + np.random.default_rng(0).normal(0, 3, 250)  # noisy frames
    loud["trainee"][300:550] = -20.0 + np.random.default_rng(1).normal(0, 3, 250)
    pitch = {s: np.full(700, np.nan) for s in loud}
    voiced = replace(session, voice=VoiceFrames(hop, tuple(loud.items()), tuple(pitch.items())))
    (span, level), = turn_levels(voiced, "trainee", "loudness")
    assert span == voiced.turns[1].span and level == pytest.approx(-20.0, abs=1.0)
    assert turn_levels(voiced, "partner", "loudness")[0][1] == pytest.approx(-30.0, abs=1.0)
    assert "median per turn" in pace_voice_svg(voiced)
