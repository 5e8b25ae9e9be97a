"""The live driver on replayed audio: real Silero VAD, a scripted fake transcriber."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.live.echo import EchoGate
from listening_coach.live.speech import SileroStream
from listening_coach.live.session import Cue, LiveSession
from listening_coach.live.synth import partner_words
from listening_coach.types import PARTNER, TRAINEE, AudioChunk, Feedback, Session, Span, Word

from conftest import require_tool

RATE = 16_000
# rules-only language labels: these tests are about the driver, not the trained model
CONFIG = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False))


@pytest.fixture(scope="session")
def speech() -> dict[str, np.ndarray]:
    require_tool("espeak-ng", "apt-get install -y espeak-ng")
    from listening_coach.live.synth import synthesize

    return {
        "reflect": synthesize("It sounds like you have been waiting a long time.",
                              voice="en-gb+f3", speed_wpm=110),
        "ask": synthesize("What would help most right now?", voice="en-gb+f3", speed_wpm=110),
        "prompt": synthesize("I have been standing here for forty minutes and nobody helps me.",
                             voice="en-us", speed_wpm=120),
    }


def place(length_s: float, *clips: tuple[float, np.ndarray]) -> np.ndarray:
    out = np.zeros(int(length_s * RATE), dtype=np.float32)
    for at, clip in clips:
        k = int(at * RATE)
        out[k : k + clip.size] += clip
    return out


class FakeTranscriber:
    """Returns one word per 0.4 s of the piece, named by the call number; records the calls."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[tuple[float, float, str, bool]] = []
        self.fail_on = fail_on

    def __call__(self, samples: np.ndarray, /, *, offset_s: float, speaker: str,
                 final: bool) -> Sequence[Word]:
        self.calls.append((offset_s, offset_s + samples.size / RATE, speaker, final))
        if self.fail_on == len(self.calls):
            raise RuntimeError("model crashed")
        n = max(1, int(samples.size / RATE / 0.4))
        step = samples.size / RATE / n
        return tuple(Word(round(offset_s + i * step, 3), round(offset_s + (i + 1) * step, 3),
                          f" w{len(self.calls)}_{i}", speaker) for i in range(n))


def fake_analyze(words: Sequence[Word], config: Config, **kwargs: object) -> Session:
    """Stands in for pipeline.analyze_words: one exchange per trainee turn, one tip each."""
    from listening_coach.pipeline import analyze_words

    return analyze_words(words, config, **kwargs)  # type: ignore[arg-type]


class Listener:
    """A drill's control channel that writes down what it is told, as the hook's steps."""

    def __init__(self) -> None:
        self.told: list[tuple[str, object]] = []

    def on_speech(self, speaker: str, speaking: bool) -> None:
        self.told.append(("live.speech", (speaker, speaking)))

    def on_turn_end(self, speaker: str, end_s: float) -> None:
        self.told.append(("live.turn_end", (speaker, end_s)))

    def on_cue(self, cue: Cue) -> None:
        self.told.append(("live.cue", cue))

    def on_session(self, session: Session) -> None:
        self.told.append(("live.session", session))


def run(session: LiveSession, signal: np.ndarray, *, block_s: float = 0.5,
        behind_s: float = 0.0) -> list[Word]:
    words: list[Word] = []
    step = int(block_s * RATE)
    for k in range(0, signal.shape[-1], step):
        session.insert_audio_chunk(AudioChunk(k / RATE, np.atleast_2d(signal[..., k : k + step])))
        words += session.process_iter(behind_s=behind_s)
    return words


def test_streaming_vad_matches_the_batch_model(speech: dict[str, np.ndarray]) -> None:
    from faster_whisper.vad import get_vad_model

    signal = place(6.0, (0.5, speech["reflect"]))
    signal = signal[: signal.size // 512 * 512]
    batch = get_vad_model()(signal.copy()).reshape(-1)
    stream = SileroStream()
    pieces = [stream(signal[k : k + 7000]) for k in range(0, signal.size, 7000)]
    np.testing.assert_allclose(np.concatenate(pieces), batch, atol=1e-6)


def test_turns_are_transcribed_and_cued_once_each(speech: dict[str, np.ndarray]) -> None:
    from listening_coach.live.synth import measure_spans

    events: list[tuple[str, object]] = []
    fake = FakeTranscriber()
    listener = Listener()
    live = LiveSession(CONFIG, transcriber=fake, hook=lambda step, a: events.append((step, a)),
                       listener=listener)
    first_end = 0.5 + speech["reflect"].size / RATE
    signal = place(first_end + 4.0 + speech["ask"].size / RATE, (0.5, speech["reflect"]),
                   (first_end + 2.0, speech["ask"]))
    spans = measure_spans(signal)
    # partner lines known from the scenario, before each trainee turn
    live.add_words(partner_words("you never listen", [Span(0.0, 0.4)], 0.0))
    live.add_words(partner_words("nobody does", [Span(0.0, 0.4)], first_end + 1.0))
    words = run(live, signal)
    assert words and all(w.speaker == TRAINEE for w in words)
    live_calls = [c for c in fake.calls if not c[3]]
    # each transcribed piece lies inside the speech it came from, padding aside
    for start, end, _, _ in live_calls:
        assert any(a - 0.3 <= start and end <= b + 0.3 for a, b in spans), (start, end, spans)
    cues = [a for step, a in events if step == "live.cue"]
    assert [c.exchange for c in cues] == [0, 1]  # type: ignore[attr-defined]
    # a cue comes after the end of speech, at the audio time the VAD saw it
    for cue, (_a, b) in zip(cues, [spans[0], spans[-1]], strict=True):
        assert cue.speech_end_s == pytest.approx(b, abs=0.15)  # type: ignore[attr-defined]
    speech_events = [a for step, a in events if step == "live.speech"]
    assert speech_events == [(TRAINEE, True), (TRAINEE, False)] * 2
    final = live.finish()
    assert final is not None and len(final.exchanges) == 2
    assert [c[3] for c in fake.calls].count(True) == len(live.pieces)  # full final pass
    # the control channel hears every event the drill reacts to, typed and in order
    steps = {"live.speech", "live.turn_end", "live.cue", "live.session"}
    assert listener.told == [(step, a) for step, a in events if step in steps]
    assert {step for step, _ in listener.told} == steps


def test_behind_real_time_defers_pieces_and_skips_cues(speech: dict[str, np.ndarray]) -> None:
    fake = FakeTranscriber()
    live = LiveSession(CONFIG, transcriber=fake)
    signal = place(5.0, (0.5, speech["reflect"]))
    words = run(live, signal, behind_s=DEFAULT_CONFIG.live.max_lag_s + 1)
    assert words == [] and live.cues == [] and fake.calls == []
    assert live.pieces and all(p.deferred for p in live.pieces)
    session = live.finish(final_pass=False)
    assert session is not None and session.words
    assert all(c[3] for c in fake.calls)


def test_failed_transcription_is_counted_and_the_drill_goes_on(
    speech: dict[str, np.ndarray]
) -> None:
    live = LiveSession(CONFIG, transcriber=FakeTranscriber(fail_on=1))
    first_end = 0.5 + speech["reflect"].size / RATE
    signal = place(first_end + 4.0 + speech["ask"].size / RATE, (0.5, speech["reflect"]),
                   (first_end + 2.0, speech["ask"]))
    words = run(live, signal)
    assert live.errors == 1 and words


def test_silence_and_clicks_give_nothing() -> None:
    fake = FakeTranscriber()
    live = LiveSession(CONFIG, transcriber=fake)
    rng = np.random.default_rng(seed=440)
    signal = (rng.normal(0, 0.001, 5 * RATE)).astype(np.float32)
    signal[2 * RATE : 2 * RATE + 80] = 0.9  # a 5 ms click
    assert run(live, signal) == [] and fake.calls == []


def test_two_channel_role_player_gets_speakers_by_channel(speech: dict[str, np.ndarray]) -> None:
    fake = FakeTranscriber()
    live = LiveSession(CONFIG, channels=(TRAINEE, PARTNER), transcriber=fake)
    partner_end = 0.3 + speech["prompt"].size / RATE
    trainee = place(partner_end + 7, (partner_end + 0.8, speech["reflect"]))
    partner = place(partner_end + 7, (0.3, speech["prompt"]))
    run(live, np.vstack([trainee, partner]))
    assert {c[2] for c in fake.calls} == {TRAINEE, PARTNER}
    assert [c.exchange for c in live.cues] == [0]
    session = live.finish(final_pass=False)
    assert session is not None
    assert session.exchanges[0].prompt and session.exchanges[0].response


def test_echo_of_the_prompt_is_not_trainee_speech(speech: dict[str, np.ndarray]) -> None:
    prompt = speech["prompt"]
    delay = 0.12
    prompt_end = 0.5 + prompt.size / RATE
    echo_only = place(prompt_end + 3, (0.5 + delay, 0.6 * prompt))
    fake = FakeTranscriber()
    gate = EchoGate(max_delay_s=0.5)
    gate.play(prompt, 0.5)
    live = LiveSession(CONFIG, transcriber=fake, echo=gate)
    assert run(live, echo_only, block_s=0.1) == [] and fake.calls == []
    assert gate.delay == pytest.approx(delay * RATE, abs=2)
    gate.play(prompt, 20.0)  # the next prompt: its own delay is measured again
    assert gate.delay is None
    # without the gate, the same microphone signal is taken for the trainee
    ungated = LiveSession(CONFIG, transcriber=FakeTranscriber())
    assert run(ungated, echo_only, block_s=0.1)


def test_barge_in_survives_the_echo_gate(speech: dict[str, np.ndarray]) -> None:
    prompt = speech["prompt"]
    barge_at = 2.0
    mic = place(0.5 + prompt.size / RATE + 3, (0.6, 0.5 * prompt), (barge_at, speech["ask"]))
    fake = FakeTranscriber()
    gate = EchoGate()
    gate.play(prompt, 0.5)
    live = LiveSession(CONFIG, transcriber=fake, echo=gate)
    words = run(live, mic, block_s=0.1)
    assert words
    first = min(c[0] for c in fake.calls)
    assert first == pytest.approx(barge_at - DEFAULT_CONFIG.live.speech_pad_s, abs=0.2)


def test_live_and_batch_take_the_same_config() -> None:
    from listening_coach.pipeline import analyze

    assert inspect.signature(analyze).parameters["config"].annotation in (Config, "Config")
    assert inspect.signature(LiveSession).parameters["config"].annotation in (Config, "Config")
    live = LiveSession(replace(CONFIG, live=replace(CONFIG.live, beam_size=2)),
                       transcriber=FakeTranscriber())
    assert live.options.beam_size == 2


def test_cue_prefers_a_concern_over_praise() -> None:
    shown: list[object] = []

    def analyze(words: Sequence[Word], config: Config, **kwargs: object) -> Session:
        session = fake_analyze(words, config, **kwargs)
        extra = (Feedback("praise", "nice", 0, code="x"), Feedback("concern", "careful", 0, code="y"))
        return replace(session, feedback=extra)

    live = LiveSession(CONFIG, transcriber=FakeTranscriber(), analyze=analyze,
                       hook=lambda s, a: shown.append(a) if s == "live.cue" else None)
    live.add_words(partner_words("you never listen", [Span(0.0, 0.4)], 0.0))
    live.pieces.append(live.pieces[0] if live.pieces else _piece())
    live._cue(1.5)
    assert shown and shown[0].feedback.level == "concern"  # type: ignore[attr-defined]


def test_cue_never_shows_an_item_beyond_the_report_budget() -> None:
    shown: list[object] = []

    def analyze(words: Sequence[Word], config: Config, **kwargs: object) -> Session:
        session = fake_analyze(words, config, **kwargs)
        extra = (Feedback("tip", "shown", 0, code="x"),
                 Feedback("concern", "in the more list", 0, code="y", more=True))
        return replace(session, feedback=extra)

    live = LiveSession(CONFIG, transcriber=FakeTranscriber(), analyze=analyze,
                       hook=lambda s, a: shown.append(a) if s == "live.cue" else None)
    live.add_words(partner_words("you never listen", [Span(0.0, 0.4)], 0.0))
    live.pieces.append(live.pieces[0] if live.pieces else _piece())
    live._cue(1.5)
    assert len(shown) == 1 and shown[0].feedback.message == "shown"  # type: ignore[attr-defined]


def _piece():  # type: ignore[no-untyped-def]
    from listening_coach.live.session import Piece

    return Piece(TRAINEE, 1.0, 1.5, np.zeros(10, np.float32), 1.0,
                 words=(Word(1.0, 1.5, " okay", TRAINEE),))


def test_backchannel_while_partner_talks_gets_no_cue(speech: dict[str, np.ndarray]) -> None:
    from listening_coach.live.synth import synthesize

    yeah = synthesize("Yeah.", voice="en-gb+f3", speed_wpm=110)
    prompt = speech["prompt"]
    partner_end = 0.3 + prompt.size / RATE
    length = partner_end + 1.0 + speech["reflect"].size / RATE + 2.0
    trainee = place(length, (1.5, yeah), (partner_end + 1.0, speech["reflect"]))
    partner = place(length, (0.3, prompt))
    live = LiveSession(CONFIG, channels=(TRAINEE, PARTNER), transcriber=FakeTranscriber())
    run(live, np.vstack([trainee, partner]), block_s=0.1)
    response_end = partner_end + 1.0 + speech["reflect"].size / RATE
    assert [c.exchange for c in live.cues] == [0]
    assert live.cues[0].speech_end_s == pytest.approx(response_end, abs=0.3)


def test_partner_coming_in_at_the_end_still_gets_the_answer_cued(
    speech: dict[str, np.ndarray]
) -> None:
    prompt = speech["prompt"]
    partner_end = 0.3 + prompt.size / RATE
    answer_end = partner_end + 0.8 + speech["reflect"].size / RATE
    next_at = answer_end - 0.3  # the partner starts again before the trainee has finished
    length = next_at + speech["prompt"].size / RATE + 2.0
    trainee = place(length, (partner_end + 0.8, speech["reflect"]))
    partner = place(length, (0.3, prompt), (next_at, prompt))
    live = LiveSession(CONFIG, channels=(TRAINEE, PARTNER), transcriber=FakeTranscriber())
    run(live, np.vstack([trainee, partner]), block_s=0.1)
    assert [c.exchange for c in live.cues] == [0]


def test_echo_stays_gated_when_an_output_underrun_shifts_the_delay(
    speech: dict[str, np.ndarray]
) -> None:
    """Seen through PulseAudio under load: 34 ms of silence inserted mid-prompt (a playback
    underrun) moves the rest of the echo later."""
    prompt = speech["prompt"]
    cut = 2 * RATE
    shifted = np.concatenate([prompt[:cut], np.zeros(int(0.034 * RATE), np.float32), prompt[cut:]])
    mic = place(0.5 + shifted.size / RATE + 3, (0.6, shifted))
    fake = FakeTranscriber()
    gate = EchoGate()
    gate.play(prompt, 0.5)
    live = LiveSession(CONFIG, transcriber=fake, echo=gate)
    assert run(live, mic, block_s=0.1) == [] and fake.calls == []
    assert gate.delay == pytest.approx(0.134 * RATE, abs=2)


def test_a_little_behind_still_cues_with_quicker_labels_and_says_so(
        speech: dict[str, np.ndarray]) -> None:
    """Between live.degrade_lag_s and live.max_lag_s behind: cued as usual, but the live
    analysis labels with the rules only, and the hook tells the panel."""
    seen: list[tuple[str, object]] = []
    configs: list[Config] = []

    def analyze(words: Sequence[Word], config: Config, **kwargs: object) -> Session:
        configs.append(config)
        return fake_analyze(words, config, **kwargs)

    model_config = replace(CONFIG, language=replace(CONFIG.language, use_model=True))
    live = LiveSession(model_config, transcriber=FakeTranscriber(), analyze=analyze,
                       hook=lambda step, a: seen.append((step, a)))
    lag = (DEFAULT_CONFIG.live.degrade_lag_s + DEFAULT_CONFIG.live.max_lag_s) / 2
    run(live, place(5.0, (0.5, speech["reflect"])), behind_s=lag)
    assert [c.exchange for c in live.cues] == [0]
    assert configs and not any(c.language.use_model for c in configs)
    assert ("live.degraded", lag) in seen
