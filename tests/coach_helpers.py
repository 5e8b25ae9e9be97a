"""Helpers shared by the coach-workflow tests: tiny WAV files and a fast fake analysis.

The fake analysis is a module-level function so worker processes and Dask workers can import
it; it reads the audio header (so unreadable files fail like the real pipeline) and scores
scripted words whose content depends on the file's tone frequency.
"""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import numpy as np

from listening_coach.audio import probe
from listening_coach.config import Config, config_from_dict
from listening_coach.pipeline import analyze_words
from listening_coach.testing import script
from listening_coach.types import Session

FAST_CONFIG = config_from_dict({"language": {"use_model": False}})
CALLS_FILE = "calls.log"


def write_wav(path: Path, seconds: float = 2.0, freq_hz: float = 220.0) -> Path:
    """Write a 2-channel 16 kHz 16-bit WAV with a tone (left) and a quieter tone (right)."""
    sr = 16_000
    t = np.arange(int(sr * seconds)) / sr
    left = (0.2 * np.sin(2 * np.pi * freq_hz * t) * 32767).astype("<i2")
    both = np.stack([left, left // 3], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(both.tobytes())
    return path


LINES = (
    "partner 0.0 I have been waiting forty minutes and nobody called me back",
    "trainee 1.2 mm-hm",
    "trainee 4.6 it sounds like you feel ignored",
    "partner 7.0 exactly and now you want me to wait again for",
    "trainee 8.6 calm down sir you need to wait like everybody else",
    "partner 12.0 fine",
    "trainee 13.0 what would help you most right now",
)


def fake_analyze(path: Path, config: Config) -> Session:
    """Score scripted words as if they came from ``path`` (fails on unreadable audio)."""
    info = probe(path)
    log = Path(path).parent / CALLS_FILE
    with log.open("a", encoding="utf-8") as f:
        f.write(f"{Path(path).name}\n")
    n = 3 + int(info.duration_s) % 5  # longer files: more of the script
    return analyze_words(script(*LINES[:n]), config, source=str(path))


def calls(folder: Path) -> list[str]:
    """Names fake_analyze was called with (in the order of the log)."""
    log = folder / CALLS_FILE
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def no_model(config: Config) -> Config:
    return replace(config, language=replace(config.language, use_model=False))
