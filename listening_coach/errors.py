"""Errors we raise on purpose. Each message says what went wrong, what we got, and the fix.

- :class:`CoachError`: base class; the CLI turns it into one line and a non-zero exit.
- :class:`ConfigError`: a bad config file, key or value.
- :class:`AudioError`: unreadable, empty, silent or malformed audio.
- :class:`DeviceError`: no microphone, a busy or vanished device.
- :class:`ModelError`: a model file that is missing or corrupt.
- :class:`MissingExtra`: an optional dependency is not installed.
- :class:`OutputError`: a result cannot be written.
"""


class CoachError(Exception):
    """Base class for every error listening-coach raises on purpose."""


class ConfigError(CoachError, ValueError):
    """A config file, section, key or value is wrong."""


class AudioError(CoachError):
    """Audio cannot be read or holds nothing to analyse."""


class DeviceError(CoachError):
    """An audio device is missing, busy or went away."""


class ModelError(CoachError):
    """A model file is missing or corrupt."""


class MissingExtra(CoachError, ImportError):
    """An optional dependency is not installed."""


class OutputError(CoachError):
    """A result cannot be written where it was asked to go."""
