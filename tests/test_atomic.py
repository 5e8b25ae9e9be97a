"""The one atomic writer: whole files or none, and no temporary file left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from listening_coach.report.atomic import TEMP_SUFFIX, atomic_write_text, remove_stale_temp_files
from listening_coach.errors import OutputError


def test_writes_the_whole_text_and_creates_the_folder(tmp_path: Path) -> None:
    path = atomic_write_text(tmp_path / "a" / "b.json", "first")
    atomic_write_text(path, "second \udcff")
    assert path.read_text(encoding="utf-8") == "second \\udcff"
    assert list(path.parent.iterdir()) == [path]


def test_a_failed_write_is_one_clear_error_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "taken.json").mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(OutputError, match="Cannot write .*taken.json.*writable --out"):
        atomic_write_text(tmp_path / "taken.json", "text")
    assert not list(tmp_path.glob(f".*{TEMP_SUFFIX}"))


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / f".x.json.1.2{TEMP_SUFFIX}").write_text("half")
    (tmp_path / "x.json").write_text("whole")
    assert remove_stale_temp_files(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
