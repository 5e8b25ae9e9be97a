"""Shared by the drill tests: a transcriber that knows what the simulated trainee said."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from listening_coach.config import DEFAULT_CONFIG
from listening_coach.testing.simulate import SimulatedRoom
from listening_coach.types import Word

RATE = 16_000
CONFIG = replace(DEFAULT_CONFIG, language=replace(DEFAULT_CONFIG.language, use_model=False))


class ScriptedWords:
    """Fake transcriber: the words of the answer whose audio the piece overlaps, spread over
    the answer's measured speech (as a played partner line is), those starting in the piece."""

    def __init__(self, room: SimulatedRoom, texts: Sequence[str] | None = None) -> None:
        self.room = room
        self.texts = texts
        self.final_calls = 0

    def __call__(self, samples: np.ndarray, /, *, offset_s: float, speaker: str,
                 final: bool) -> Sequence[Word]:
        from listening_coach.live.synth import partner_words

        self.final_calls += final
        end_s = offset_s + samples.size / RATE
        texts = self.texts if self.texts is not None else getattr(self.room, "texts", [])
        for spans, text in zip(self.room.speech_spans, texts, strict=False):
            if spans[0].start < end_s and offset_s < spans[-1].end:
                start = spans[0].start
                words = partner_words(text, [s.shifted(-start) for s in spans], start)
                return tuple(replace(w, speaker=speaker) for w in words
                             if offset_s <= w.start < end_s)
        return ()


def tone_voice(text: str, band: str) -> np.ndarray:
    """A partner 'voice' without synthesis: a voiced tone, 0.25 s per word (at least 1.5 s)."""
    from listening_coach.testing import syllable_train

    return syllable_train(max(1.5, 0.25 * len(text.split())))


def device_drill(name: str, policy_name: str, out: Path, *, session_id: str,
                 transcriber: Any = None) -> Any:
    """One scripted drill through the default PortAudio devices (the tests' PulseAudio null
    sink): the partner's lines go out through :class:`Player`; the scripted trainee's answers
    (espeak-ng) are played into the same sink with ``paplay`` after each line, or one second
    into it for a barge-in. Returns the :class:`DrillResult`."""
    from listening_coach.live.capture import Capture
    from listening_coach.live.drill import Drill
    from listening_coach.live.partner_voice import PartnerVoice
    from listening_coach.live.playback import Player
    from listening_coach.live.scenario_file import load_scenario
    from listening_coach.testing.simulate import good_listener, poor_listener
    from listening_coach.live.synth import synthesize

    scenario = load_scenario(name)
    policy = (good_listener if policy_name == "good" else poor_listener)(scenario)
    out.mkdir(parents=True, exist_ok=True)
    players: list[subprocess.Popen[bytes]] = []
    said = [0]

    def answer(path: Path) -> None:
        players.append(subprocess.Popen(["paplay", "--device=virt", str(path)],
                                        stdin=subprocess.DEVNULL))

    def hook(step: str, artifact: Any) -> None:
        if step != "drill.prompt" or artifact["kind"] == "ending":
            return
        chosen = policy(artifact["text"], said[0])
        if chosen is None:
            return
        text, barge_in_s = chosen
        wav = out / f"{session_id}-answer{said[0]}.wav"
        said[0] += 1
        soundfile.write(wav, synthesize(text, voice="en-gb+f3", speed_wpm=130), RATE,
                        subtype="PCM_16")
        delay = barge_in_s if barge_in_s is not None else artifact["duration_s"] + 0.8
        timer = threading.Timer(delay, answer, (wav,))
        timer.daemon = True
        timer.start()

    voice = PartnerVoice(espeak_voice=scenario.voice, speed_wpm=scenario.speed_wpm, engine="espeak")
    config = replace(CONFIG, live=replace(CONFIG.live, final_pass=False))  # live words suffice
    drill = Drill(Capture(channels=1, block_s=0.1), scenario=scenario, config=config,
                  out_dir=out, player=Player(), hook=hook, voice=voice, session_id=session_id,
                  transcriber=transcriber, trainee=policy_name)
    try:
        return drill.run()
    finally:
        for p in players:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)


if __name__ == "__main__":  # a drill in its own process, for the kill -9 test
    import sys

    device_drill(sys.argv[1], sys.argv[2], Path(sys.argv[3]), session_id=sys.argv[4])
