"""listening-coach: measure active listening in role-plays, offline.

Usage::

    import listening_coach
    session = listening_coach.analyze("roleplay.wav")
    print(listening_coach.render_text(session))
"""

from listening_coach.config import DEFAULT_CONFIG, Config, config_from_dict, load_config
from listening_coach.errors import AudioError, CoachError, ConfigError, DeviceError, ModelError
from listening_coach.pipeline import analyze, analyze_words
from listening_coach.report.json import session_from_dict, to_dict, write_json
from listening_coach.report.text import render_text
from listening_coach.types import (
    Event, Exchange, Feedback, Label, Metric, Session, Span, Turn, Word,
)
from listening_coach.version import __version__ as __version__

analyse = analyze  # British spelling, as in STYLE.md

__all__ = [
    "DEFAULT_CONFIG", "AudioError", "CoachError", "Config", "ConfigError", "DeviceError", "Event",
    "Exchange", "Feedback", "Label", "Metric", "ModelError", "Session", "Span", "Turn", "Word", "analyse",
    "analyze", "analyze_words", "config_from_dict", "load_config", "render_text",
    "session_from_dict", "to_dict", "write_json",
]
