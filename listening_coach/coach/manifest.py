"""Who and when: trainee, date, scenario and channel map of each recording.

- :class:`~listening_coach.types.RecordingInfo` rows: what a coach knows about each recording.
- :func:`read_manifest`: a CSV with a ``path`` column and any of ``trainee, date, scenario,
  channels``; paths are relative to the CSV's folder.
- :func:`info_from_pattern`: the same facts from a file name and a pattern such as
  ``"{trainee}_{date}_{scenario}"``.
- :func:`check_trainee_names`: names that differ only by case are an error (the cohort would
  otherwise split one person in two).

Dates are ISO (``2026-03-14``) or compact (``20260314``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from listening_coach.bounds import parse_channel_map
from listening_coach.errors import ConfigError
from listening_coach.paths import refuse_special
from listening_coach.types import RecordingInfo

REQUIRED_COLUMNS = ("path",)
OPTIONAL_COLUMNS = ("trainee", "date", "scenario", "channels")
PATTERN_FIELDS = ("trainee", "date", "scenario", "any")


def parse_date(text: str, *, where: str) -> dt.date:
    """Parse ``2026-03-14`` or ``20260314``.

    Examples:
      >>> parse_date("20260314", where="x")
      datetime.date(2026, 3, 14)
    """
    cleaned = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y_%m_%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise ConfigError(f"{where}: date {text!r} is not a date; write it as YYYY-MM-DD or YYYYMMDD")


def parse_channels(text: str, *, where: str) -> tuple[str, ...]:
    """Parse a channel map such as ``"partner,trainee"`` (one role per channel, in order)."""
    return parse_channel_map(text, f"{where}: channel map")


def read_manifest(path: str | Path) -> dict[Path, RecordingInfo]:
    """Read a manifest CSV into ``{resolved recording path: info}``.

    Raises:
      ConfigError: the file is missing, has no ``path`` column, names unknown columns, lists a
        recording that does not exist, repeats a path, has a bad date or channel map, or has
        trainee names that differ only by case.
    """
    path = Path(path)
    refuse_special(path, "a manifest CSV")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"Manifest {path} does not exist; pass an existing CSV file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"Cannot read manifest {path}: {e}") from None
    reader = csv.DictReader(text.splitlines())
    _check_columns(path, reader.fieldnames or [])
    base = path.resolve().parent
    infos: dict[Path, RecordingInfo] = {}
    absent: list[str] = []
    for line_no, raw in enumerate(reader, start=2):
        where = f"{path.name} line {line_no}"
        row = _cells(raw, where)
        rec = Path(row["path"]).expanduser()
        rec = (rec if rec.is_absolute() else base / rec).resolve()
        if not rec.is_file():
            absent.append(f"{row['path']} (line {line_no})")
            continue
        if rec in infos:
            raise ConfigError(f"{where}: {row['path']} is listed twice; keep one line per file")
        infos[rec] = _row_info(row, where)
    if absent:
        raise ConfigError(
            f"Manifest {path} lists {len(absent)} recording(s) that do not exist: "
            f"{'; '.join(absent[:10])}{' ...' if len(absent) > 10 else ''}. Paths are relative "
            "to the manifest's folder; fix them or remove the lines"
        )
    check_trainee_names(i.trainee for i in infos.values())
    return infos


def _check_columns(path: Path, fieldnames: Sequence[str]) -> None:
    """Refuse a manifest without a ``path`` column or with a column this reader does not know."""
    columns = [c.strip().lower() for c in fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ConfigError(
            f"Manifest {path} has no {', '.join(missing)} column (columns found: "
            f"{', '.join(columns) or 'none'}); the first line must name the columns: "
            f"path,{','.join(OPTIONAL_COLUMNS)}"
        )
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ConfigError(
            f"Manifest {path} has unknown column(s) {unknown}; valid columns: "
            f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}"
        )


def _cells(raw: dict[str | None, Any], where: str) -> dict[str, str]:
    """One CSV line as ``{column (lower case): cell (stripped)}``, with a non-empty path."""
    if None in raw:
        raise ConfigError(f"{where}: more cells than columns; put a channel map in quotes, "
                          'e.g. "partner,trainee"')
    row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
    if not row.get("path"):
        raise ConfigError(f"{where}: the path cell is empty; give the recording's file name")
    return row


def _row_info(row: dict[str, str], where: str) -> RecordingInfo:
    """The trainee, date, scenario and channel map one line gives."""
    return RecordingInfo(
        trainee=row.get("trainee") or None,
        date=parse_date(row["date"], where=where) if row.get("date") else None,
        scenario=row.get("scenario") or None,
        channels=parse_channels(row["channels"], where=where) if row.get("channels") else None,
    )


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn ``"{trainee}_{date}_{scenario}"`` into a regular expression on the file stem.

    Fields are ``{trainee}``, ``{date}``, ``{scenario}`` and ``{any}`` (ignored); everything
    else must match literally.

    Examples:
      >>> compile_pattern("{trainee}_{date}").fullmatch("ana_2026-03-01").group("trainee")
      'ana'
    """
    parts = re.split(r"(\{[^{}]*\})", pattern)
    regex = ""
    seen: set[str] = set()
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name not in PATTERN_FIELDS:
                raise ConfigError(
                    f"Pattern {pattern!r} has unknown field {part}; use "
                    + ", ".join("{" + f + "}" for f in PATTERN_FIELDS)
                )
            if name in seen and name != "any":
                raise ConfigError(f"Pattern {pattern!r} uses {part} twice")
            seen.add(name)
            regex += ".+?" if name == "any" else f"(?P<{name}>.+?)"
        else:
            regex += re.escape(part)
    if not seen - {"any"}:
        raise ConfigError(f"Pattern {pattern!r} has no {{trainee}}, {{date}} or {{scenario}} field")
    return re.compile(regex)


def info_from_pattern(path: str | Path, pattern: str | re.Pattern[str]) -> RecordingInfo | None:
    """Read trainee/date/scenario from a file's stem; None when the name does not match.

    Raises:
      ConfigError: the pattern is malformed or the matched date is not a date.
    """
    regex = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    stem = Path(path).stem
    match = regex.fullmatch(stem)
    if match is None:
        return None
    groups = match.groupdict()
    date = groups.get("date")
    return RecordingInfo(
        trainee=groups.get("trainee") or None,
        date=parse_date(date, where=f"file {Path(path).name}") if date else None,
        scenario=groups.get("scenario") or None,
    )


def check_trainee_names(names: Iterable[str | None]) -> None:
    """Raise when two trainee names differ only by case ("Ana" and "ana").

    Raises:
      ConfigError: listing each clash and the fix.
    """
    by_key: dict[str, set[str]] = {}
    for name in names:
        if name:
            by_key.setdefault(name.casefold(), set()).add(name)
    clashes = [sorted(v) for v in by_key.values() if len(v) > 1]
    if clashes:
        listed = "; ".join(" vs ".join(repr(n) for n in c) for c in sorted(clashes))
        raise ConfigError(
            f"Trainee names differ only by case: {listed}. One person would be counted as two "
            "in the cohort; spell each name the same way in the manifest or file names"
        )
