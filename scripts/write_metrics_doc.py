"""Write the metric tables of docs/metrics.md from listening_coach/metrics/names.py.

The prose around them is kept: each table sits between ``<!-- metrics: GROUP ... -->`` and
``<!-- end metrics -->`` and is replaced with the registered metrics of those groups (``pace``,
``timing``, ...; the part of the name before the first dot). Every group must have a place, so
every registered metric is documented. ``--check`` writes nothing and exits 1 when the file is
stale (the test suite runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from listening_coach.metrics.names import MetricName

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "metrics.md"
BLOCK = re.compile(r"(<!-- metrics: ([a-z ]+?) -->\n)(.*?)(<!-- end metrics -->)", re.S)
BETTER = {"lower": "lower", "higher": "higher", "target": "in range", "none": ""}


def table(groups: list[str]) -> str:
    """The markdown table of every registered metric in ``groups``, in registry order."""
    rows = ["| name | unit | per | better | definition |", "| --- | --- | --- | --- | --- |"]
    for group in groups:
        for m in MetricName:
            if m.group == group:
                rows.append(f"| `{m.value}` | {m.unit} | {m.scope} | {BETTER[m.better]} | {m.description} |")
    return "\n".join(rows) + "\n"


def render(text: str) -> str:
    """``text`` with every marked table regenerated; ValueError if a group has no table."""
    placed: list[str] = []

    def fill(match: re.Match[str]) -> str:
        groups = match.group(2).split()
        placed.extend(groups)
        return match.group(1) + table(groups) + match.group(4)

    out = BLOCK.sub(fill, text)
    missing = sorted({m.group for m in MetricName} - set(placed))
    if missing:
        raise ValueError(f"docs/metrics.md has no table for {', '.join(missing)}: add a "
                         "'<!-- metrics: GROUP -->' ... '<!-- end metrics -->' block where it belongs")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/metrics.md is stale")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    try:
        fresh = render(current)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.check:
        if fresh != current:
            print("docs/metrics.md is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
