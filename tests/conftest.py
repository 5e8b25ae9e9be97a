"""Shared fixtures: reference data location, golden files, system-tool checks."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from types import ModuleType
from collections.abc import Callable
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/* from current output"
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def shared_data_dir() -> Path | None:
    """Return ../shared/data (or $LISTENING_COACH_SHARED_DATA); None when absent and unset."""
    env = os.environ.get("LISTENING_COACH_SHARED_DATA")
    path = Path(env) if env else ROOT.parent / "shared" / "data"
    if not path.is_absolute():
        path = (ROOT / path).resolve()
    if path.is_dir():
        return path
    if env:
        pytest.fail(f"LISTENING_COACH_SHARED_DATA={env} is set but {path} does not exist")
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder; skips when absent (fails when the env variable names it)."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent; set LISTENING_COACH_SHARED_DATA to run this test")
    return path


def require_module(name: str, install: str) -> ModuleType:
    """Import an optional dependency; skip with the install command, or fail under CI."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        message = f"{name} is not installed ({e}): {install}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)


def require_tool(name: str, install: str) -> str:
    """Return the path of a system tool; skip with the install command, or fail under CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed: {install}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def analysed_file() -> Callable[[Path, Any], Any]:
    """``pipeline.analyze(path, config)``, run once per test session for each (path, config).

    Sessions are frozen, so tests can share them; the real Whisper model costs 10-20 s per
    sample on 2 cores, and several test files analyse the same sample with the same config.
    """
    from listening_coach.pipeline import analyze

    cache: dict[tuple[Path, Any], Any] = {}

    def get(path: Path, config: Any) -> Any:
        key = (Path(path).resolve(), config)
        if key not in cache:
            cache[key] = analyze(path, config)
        return cache[key]

    return get
