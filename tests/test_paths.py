"""Readers of command-line files name a pipe instead of blocking on it (listening_coach.paths)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from listening_coach.live.drill_report import scenario_from_report
from listening_coach.errors import ConfigError
from listening_coach.coach.manifest import read_manifest
from listening_coach.paths import readable_file
from listening_coach.live.scenario import ScenarioError
from listening_coach.live.scenario_file import load_scenario


@pytest.mark.timeout(20)  # before the fix each of these blocked for ever on open()
@pytest.mark.parametrize(
    ("read", "error", "what"),
    [
        (load_scenario, ScenarioError, "not a scenario .toml file"),
        (read_manifest, ConfigError, "not a manifest CSV"),
        (scenario_from_report, ConfigError, "not a session JSON"),
        (lambda p: readable_file(p, "a session JSON"), ConfigError, "not a session JSON"),
    ],
    ids=["scenario", "manifest", "from-recording", "readable_file"],
)
def test_a_fifo_is_named_not_read(
    tmp_path: Path, read: Callable[[Path], Any], error: type[Exception], what: str
) -> None:
    fifo = tmp_path / "input.toml"
    os.mkfifo(fifo)
    with pytest.raises(error, match=f"named pipe \\(FIFO\\), {what}"):
        read(fifo)
