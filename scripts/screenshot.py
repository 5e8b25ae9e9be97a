"""Regenerate docs/report.png: the demo's HTML report in headless Chromium.

Usage: python scripts/screenshot.py [REPORT_HTML] [OUT_PNG] [--width 1100] [--height 2600]

``make screenshot`` runs ``make demo`` first, so the picture always shows the current engine on
the bundled demo sample (audio_samples/angry_customer.opus). Needs Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--mute-audio", "--disable-background-networking", "--disable-component-update",
         "--virtual-time-budget=5000")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", default="out/demo/angry_customer.html", type=Path)
    parser.add_argument("out", nargs="?", default="docs/report.png", type=Path)
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=2600)
    args = parser.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    if not args.report.is_file():
        print(f"{args.report} does not exist: run `make demo` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lc-shot-") as profile:
        result = subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={args.width},{args.height}",
             f"--screenshot={args.out.resolve()}", args.report.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0 or not args.out.is_file():
        print(f"chromium failed ({result.returncode}): {result.stderr[-500:]}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} from {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
