"""The batch's summary files: ``recordings.csv``, ``exchanges.csv``, ``cohort.csv``, ``index.html``.

- :func:`write_batch_outputs`: from every recording's
  :class:`~listening_coach.coach.outputs.ItemResult` (rows from :mod:`listening_coach.coach.cohort`,
  the page from :func:`listening_coach.report.html.render_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from listening_coach.report.atomic import atomic_write_text
from listening_coach.coach.cohort import (
    COHORT_COLUMNS,
    EXCHANGE_COLUMNS,
    RECORDING_COLUMNS,
    progress,
    to_csv,
)
from listening_coach.report.html import render_index
from listening_coach.coach.outputs import ItemResult


def write_batch_outputs(results: Sequence[ItemResult], out_dir: Path,
                        write: Callable[[Path, str], object] | None = None) -> tuple[Path, ...]:
    """Write the batch's CSVs and index page; returns their paths."""
    write = write or atomic_write_text
    rec_rows = []
    for r in results:
        row = dict(r.recording_row) or {"recording": r.name, **r.info.as_row(),
                                        "source": str(r.path)}
        row.update(status=r.status, error=r.error or "")
        rec_rows.append(row)
    ok_rows = [row for row in rec_rows if row["status"] != "failed"]
    ex_rows = [row for r in results for row in r.exchange_rows]
    cohort_rows = progress(ok_rows)
    files = {
        out_dir / "recordings.csv": to_csv(rec_rows, RECORDING_COLUMNS),
        out_dir / "exchanges.csv": to_csv(ex_rows, EXCHANGE_COLUMNS),
        out_dir / "cohort.csv": to_csv(cohort_rows, COHORT_COLUMNS),
        out_dir / "index.html": render_index(rec_rows, cohort_rows),
    }
    for path, text in files.items():
        write(path, text)
    return tuple(files)
