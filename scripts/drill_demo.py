"""Run a bundled scenario with the two scripted trainees and print each drill's report.

Usage: python scripts/drill_demo.py [SCENARIO] [--json-dir DIR]

The real engine: the partner's voice (Piper if installed), Silero VAD, Whisper tiny.en live,
the partner state; the trainee is :class:`listening_coach.testing.simulate.ScriptedTrainee` speaking
with espeak-ng (the good listener, then the poor one), fed as fast as the machine computes.
The README's drill transcript comes from this script.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from listening_coach.config import DEFAULT_CONFIG  # noqa: E402
from listening_coach.live.drill import Drill  # noqa: E402
from listening_coach.live.drill_report import transcript  # noqa: E402
from listening_coach.live.speech import WhisperTranscriber  # noqa: E402
from listening_coach.live.scenario_file import load_scenario  # noqa: E402
from listening_coach.testing.simulate import ScriptedTrainee, good_listener, poor_listener  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="angry_customer")
    parser.add_argument("--json-dir", help="also write each drill record here as JSON")
    args = parser.parse_args(argv)
    config = replace(DEFAULT_CONFIG, live=replace(DEFAULT_CONFIG.live, final_pass=False))
    asr = WhisperTranscriber(config.transcribe, live_beam_size=config.live.beam_size)
    scenario = load_scenario(args.scenario)
    for policy in (good_listener, poor_listener):
        room = ScriptedTrainee(policy(scenario), max_s=300)
        with tempfile.TemporaryDirectory() as tmp:
            drill = Drill(room, scenario=scenario, config=config, out_dir=tmp, hook=room.hook,
                          transcriber=asr, session_id="demo", background_voice=False)
            result = drill.run()
        assert result.drill is not None
        print(transcript(result.drill, width=110), f"\nvoice: {result.drill['voice']}\n")
        if args.json_dir:
            Path(args.json_dir).mkdir(parents=True, exist_ok=True)
            (Path(args.json_dir) / f"{policy.__name__}.json").write_text(json.dumps(result.drill))
    return 0


if __name__ == "__main__":
    sys.exit(main())
