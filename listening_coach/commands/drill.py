"""``listening-coach drill``: a live drill on the microphone, scripted or with a role-player.

Scripted: ``listening-coach drill --scenario angry_customer`` plays the partner's lines and listens to
the trainee (headphones recommended). Live role-player: ``listening-coach drill --channels
trainee,partner --device 3`` records two people on two input channels, no prompts. Ctrl-C ends
either and prints the report (exit 0); a device or disk failure prints what was kept (exit 1).
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from listening_coach.config import Config, load_config
from listening_coach.errors import ConfigError

if TYPE_CHECKING:
    from listening_coach.live.scenario import Scenario

DEVICE_ERRORS = ("device_error", "output_error")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "drill", help="run a live drill on the microphone (scripted partner or role-player)",
        description="Live drill: the partner's lines are played (--scenario) or a role-player "
                    "speaks on a second channel; one short cue per exchange, the full report "
                    "at the end. Recording and session JSON are saved as the drill goes.")
    p.add_argument("--scenario", metavar="NAME_OR_FILE",
                   help="bundled scenario name or a .toml file (omit for a live role-player)")
    p.add_argument("--from-recording", metavar="REPORT.json",
                   help="replay the partner's lines of an analysed role-play (the NAME.json "
                        "'listening-coach analyze' wrote) as a linear scenario")
    p.add_argument("--cohort", metavar="DIR",
                   help="count resolved / escalated drills per trainee in DIR's session files "
                        "and exit")
    p.add_argument("--voice", choices=("auto", "piper", "espeak"), default="auto",
                   help="the partner's voice: Piper en_US-joe-medium if installed (auto), or "
                        "espeak-ng")
    p.add_argument("--list", action="store_true",
                   help="list the bundled scenarios with their difficulty and exit")
    p.add_argument("--trainee", default="", help="who is practising (kept in ID.json for the "
                   "cohort view: 'listening-coach drill --cohort DIR')")
    p.add_argument("--device", help="input device index or name (see 'listening-coach devices')")
    p.add_argument("--output-device", help="output device for the partner's lines")
    p.add_argument("--channels",
                   help="who is on each input channel: 'trainee' (scripted, default) or "
                        "'trainee,partner' for a live role-player")
    p.add_argument("--out", default="out/drills", help="folder for ID.wav and ID.json")
    p.add_argument("--cues", choices=("on", "off"), help="one short cue per exchange (default on)")
    p.add_argument("--config", help="TOML config file (see docs/config.toml)")
    p.add_argument("--no-echo-gate", action="store_true",
                   help="do not remove the loudspeaker's echo (headphones)")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.cues:
        config = dataclasses.replace(
            config, live=dataclasses.replace(config.live, cues=args.cues == "on"))
    return config


def parse_channels(value: str | None, scripted: bool) -> tuple[str, ...]:
    if value is None:
        return ("trainee",) if scripted else ("trainee", "partner")
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    allowed = {"trainee", "partner"}
    if not names or not set(names) <= allowed or len(set(names)) != len(names):
        raise ConfigError(f"--channels {value!r}: name each input channel once, trainee or partner "
                          "(e.g. trainee,partner)")
    if scripted and names != ("trainee",):
        raise ConfigError("A scripted drill (--scenario) records only the trainee: use "
                          "--channels trainee, or leave out --scenario for a live role-player")
    if not scripted and set(names) != allowed:
        raise ConfigError("A live role-play needs two channels: --channels trainee,partner "
                          "(or partner,trainee), or pass --scenario for a scripted partner")
    return names


def run(args: argparse.Namespace) -> int:
    if args.list:
        _list_scenarios()
        return 0
    if args.cohort:
        _print_cohort(args.cohort)
        return 0
    config = build_config(args)
    scenario = _choose_scenario(args)
    channels = parse_channels(args.channels, scripted=scenario is not None)
    device, out_device = _device(args.device), _device(args.output_device)

    from rich.console import Console

    from listening_coach.live.capture import Capture
    from listening_coach.live.devices import device_messages_to
    from listening_coach.live.drill import Drill
    from listening_coach.live.speech import WhisperTranscriber
    from listening_coach.live.partner_voice import PartnerVoice
    from listening_coach.live.playback import Player
    from listening_coach.live.tui import DrillView, render_summary

    console = Console()
    source = Capture(device=device, channels=len(channels), block_s=config.live.block_s,
                     stall_timeout_s=config.live.stall_timeout_s)
    with console.status("Loading the speech model (offline)…"):
        transcriber = WhisperTranscriber(config.transcribe, live_beam_size=config.live.beam_size)
    source.open()  # fail now, before the drill starts, if the device is missing or busy
    player = Player(device=out_device) if scenario is not None else None
    title = scenario.title if scenario else "Live role-play"
    view = DrillView(title, console=console, cues=config.live.cues,
                     skills=scenario.skills if scenario else ())
    voice = PartnerVoice(espeak_voice=scenario.voice, speed_wpm=scenario.speed_wpm,
                         engine=args.voice) if scenario is not None else None
    drill = Drill(source, scenario=scenario, config=config, out_dir=args.out, player=player,
                  channels=channels, hook=view, transcriber=transcriber, voice=voice,
                  echo=not args.no_echo_gate, trainee=args.trainee)
    drill.live.warm_up()
    log_file = drill.out_dir / f"{drill.id}.device.log"
    with device_messages_to(log_file) as messages, view:  # ALSA/PortAudio chatter: not the panel
        result = drill.run()
    console.print(render_summary(result))
    if messages.lines:
        console.print(f"[dim]{messages.lines} device message(s) (e.g. ALSA underruns) in {log_file}[/]")
    return 1 if result.stopped_by in DEVICE_ERRORS else 0


def _list_scenarios() -> None:
    from listening_coach.live.scenario_file import list_scenarios, load_scenario

    for name in list_scenarios():
        s = load_scenario(name)
        print(f"{name:<20} {s.difficulty:<7} {s.title}")


def _print_cohort(folder: str) -> None:
    from listening_coach.live.drill_report import cohort_rows, render_cohort

    rows = cohort_rows(folder)
    if not rows:
        raise ConfigError(f"No drill session files in {folder}: pass the --out folder "
                          "of 'listening-coach drill --scenario ...'")
    print(render_cohort(rows))


def _choose_scenario(args: argparse.Namespace) -> Scenario | None:
    """The scripted partner's scenario (--scenario, or replayed --from-recording); None live."""
    from listening_coach.live.scenario_file import load_scenario

    if args.scenario and args.from_recording:
        raise ConfigError("--scenario and --from-recording exclude each other: pick one")
    if not args.from_recording:
        return load_scenario(args.scenario) if args.scenario else None
    from pathlib import Path

    from listening_coach.live.drill_report import scenario_from_report
    from listening_coach.report.atomic import atomic_write_text

    scenario, toml = scenario_from_report(args.from_recording)
    saved = atomic_write_text(Path(args.out) / f"{scenario.name}.toml", toml)
    print(f"Replaying {len(scenario.lines)} partner lines; the scenario is saved as {saved} "
          "(edit it and pass it to --scenario)")
    return scenario


def _device(value: str | None) -> int | str | None:
    """A device given by number or by name."""
    return int(value) if value and value.isdigit() else value
