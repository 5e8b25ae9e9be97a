"""Write docs/config.toml: every config key with its default, the comment from options.py and the
values it allows (declared with ``bounds.opt``)."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

from listening_coach import config as cfg
from listening_coach.bounds import bounds_of

ROOT = Path(__file__).resolve().parents[1]


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def main() -> None:
    lines = ["# listening-coach configuration: every key with its default value.",
             "# Copy the keys you want to change; unknown keys are an error that lists the valid ones,",
             "# and a value of the wrong type or outside its allowed range is an error that names it.",
             "# Pass it with --config FILE. Units are in the names (_s seconds, _db decibels, _hz).", ""]
    for section in dataclasses.fields(cfg.Config):
        options = getattr(cfg.DEFAULT_CONFIG, section.name)
        source = inspect.getsource(type(options))
        doc = (type(options).__doc__ or "").strip().splitlines()[0]
        lines.append(f"# {doc}")
        lines.append(f"[{section.name}]")
        for f in dataclasses.fields(options):
            value = getattr(options, f.name)
            match = re.search(rf"^\s+{f.name}: .*?#\s*(.+)$", source, re.M)
            notes = [match.group(1)] if match else []
            bounds = bounds_of(f)
            if bounds is not None:
                notes.append(f"allowed: {bounds.describe()}")
            comment = f"  # {'; '.join(notes)}" if notes else ""
            if value is None:
                lines.append(f"# {f.name} = (unset){comment}")
            else:
                lines.append(f"{f.name} = {toml_value(value)}{comment}")
        lines.append("")
    (ROOT / "docs" / "config.toml").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
