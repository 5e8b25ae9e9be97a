"""A report opened in headless Chromium: no console errors, everything renders, a screenshot.

Needs Debian's ``chromium`` (apt-get install -y chromium); skipped without it, failed under CI.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, LINES, write_wav
from conftest import require_tool

from listening_coach.report.html import write_report
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script

pytestmark = pytest.mark.browser
INJECTED = "<script>window.__injected=1;console.error('injected')</script>"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    exe = require_tool("chromium", "apt-get install -y chromium")
    return subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", *extra, url],
        capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("browser")
    lines = (LINES[0] + " " + INJECTED.replace(" ", ""),) + LINES[1:]
    session = analyze_words(script(*lines), FAST_CONFIG, source="x.wav")
    wav = write_wav(folder / "x.wav", seconds=16.0)
    return write_report(session, folder / "report.html", audio=wav, title="browser test"), session


def test_detector_sees_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFunction()</script></body></html>")
    result = chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert any("undefinedFunction" in m for m in console_messages(result.stderr))


def test_report_renders_without_errors(report, tmp_path: Path) -> None:
    path, session = report
    result = chromium(path.as_uri(), tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    body = re.search(r"<body([^>]*)>", result.stdout)
    assert body, result.stdout[:500]
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert attrs["ready"] == "1" and attrs["errors"] == "0"
    assert int(attrs["cards"]) == len(session.exchanges) > 0
    assert attrs["timeline"] == "1"
    assert attrs["injected"] == "false"  # the transcript's <script> never ran
    assert "&lt;script&gt;window.__injected=1" in result.stdout  # ... and is shown as text
    area = re.search(r'<textarea id="corrections-text"[^>]*>([^<]*)</textarea>', result.stdout)
    assert area and area.group(1).strip() == "reviewed = []"  # the corrections builder ran


def test_screenshot(report, tmp_path: Path) -> None:
    path, _ = report
    shot = tmp_path / "report.png"
    result = chromium(path.as_uri(), tmp_path / "profile", f"--screenshot={shot}",
                      "--window-size=1200,1600")
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
