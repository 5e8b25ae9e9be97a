"""``listening-coach devices``: list audio inputs and outputs, defaults marked with ``*``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from listening_coach.live.devices import list_devices


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="list audio input and output devices (for drill --device)",
        description="List audio devices as PortAudio sees them; '*' marks the defaults.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    devices = list_devices()
    if args.json:
        print(json.dumps([asdict(d) for d in devices], indent=2))
        return 0
    if not devices:
        print("No audio devices found (is a sound server such as PulseAudio running?)")
        return 0
    print(f"{'ID':>3}  {'IN':>3} {'OUT':>3}  {'RATE':>6}  {'DEFAULT':<8} {'API':<12} NAME")
    for d in devices:
        default = "in+out" if d.default_input and d.default_output else (
            "input *" if d.default_input else "output *" if d.default_output else ""
        )
        print(
            f"{d.index:>3}  {d.max_input_channels:>3} {d.max_output_channels:>3}  "
            f"{d.default_sample_rate:>6.0f}  {default:<8} {d.hostapi[:12]:<12} {d.name}"
        )
    if not any(d.default_input for d in devices):
        print("\nNo default input device: pass --device ID to 'listening-coach drill'")
    return 0
