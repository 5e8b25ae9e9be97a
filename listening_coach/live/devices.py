"""Audio devices as PortAudio sees them: listing, checking, and the sounddevice import.

- :func:`import_sounddevice`: the sounddevice module, or :class:`~listening_coach.errors.MissingExtra`
  with the install command.
- :class:`DeviceInfo`: one input or output device.
- :func:`list_devices`: every input and output device, defaults marked (``listening-coach devices``).
- :func:`check_input_device`: the input device a ``--device`` value names, or a
  :class:`~listening_coach.errors.DeviceError` that says what to try.
- :func:`device_messages_to`: keep what audio libraries print from C (ALSA underruns) out of
  the terminal during a drill; it goes to a log file.

sounddevice is an optional extra; it is imported inside the functions that need it, so
``import listening_coach`` works without it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from listening_coach.errors import DeviceError, MissingExtra

DeviceSpec = int | str | None


def import_sounddevice() -> Any:
    """Return the sounddevice module or raise :class:`MissingExtra` with the install command."""
    try:
        import sounddevice
    except ImportError as e:
        raise MissingExtra(
            "Live drills need sounddevice: pip install 'listening-coach[live]'"
        ) from e
    except OSError as e:  # sounddevice imports but PortAudio itself is missing
        raise MissingExtra(
            f"Live drills need the PortAudio library ({e}): apt-get install libportaudio2"
        ) from e
    return sounddevice


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One audio device as PortAudio reports it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float
    default_input: bool
    default_output: bool


def list_devices(*, sd: Any = None) -> tuple[DeviceInfo, ...]:
    """Return every input and output device, with the system defaults marked.

    Args:
      sd: A sounddevice-like module (tests pass a fake); None imports sounddevice.
    """
    sd = sd or import_sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in, default_out = _default_indices(sd)
    except sd.PortAudioError as e:
        raise DeviceError(f"Cannot list audio devices: {e}. Is an audio server running?") from e
    out: list[DeviceInfo] = []
    for index, dev in enumerate(devices):
        out.append(
            DeviceInfo(
                index=index,
                name=str(dev["name"]),
                hostapi=str(hostapis[dev["hostapi"]]["name"]),
                max_input_channels=int(dev["max_input_channels"]),
                max_output_channels=int(dev["max_output_channels"]),
                default_sample_rate=float(dev["default_samplerate"]),
                default_input=index == default_in,
                default_output=index == default_out,
            )
        )
    return tuple(out)


def _default_indices(sd: Any) -> tuple[int, int]:
    value = sd.default.device
    try:
        return int(value[0]), int(value[1])
    except (TypeError, IndexError):
        return int(value), int(value)


def check_input_device(device: DeviceSpec, channels: int, *, sd: Any = None) -> DeviceInfo:
    """Return the input device ``device`` names, or raise a :class:`DeviceError` saying why not.

    Args:
      device: A device index, a substring of its name, or None for the default input.
      channels: How many input channels the drill needs.
    """
    sd = sd or import_sounddevice()
    devices = list_devices(sd=sd)
    inputs = [d for d in devices if d.max_input_channels > 0]
    if not inputs:
        raise DeviceError(
            "No audio input device found. Plug in a microphone (or start PulseAudio), then run "
            "'listening-coach devices' to check"
        )
    if device is None:
        chosen = next((d for d in inputs if d.default_input), None)
        if chosen is None:
            raise DeviceError(
                "There is no default input device; pick one with --device ID "
                "(see 'listening-coach devices')"
            )
    elif isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        index = int(device)
        if not 0 <= index < len(devices):
            raise DeviceError(
                f"Device {index} does not exist (there are {len(devices)} devices, 0-"
                f"{len(devices) - 1}); run 'listening-coach devices' to list them"
            )
        chosen = devices[index]
    else:
        matches = [d for d in inputs if device.lower() in d.name.lower()]
        if len(matches) != 1:
            what = "No" if not matches else f"{len(matches)}"
            raise DeviceError(
                f"{what} input devices match {device!r}; pass an index from "
                "'listening-coach devices'"
            )
        chosen = matches[0]
    if chosen.max_input_channels < channels:
        raise DeviceError(
            f"Device {chosen.index} ({chosen.name}) has {chosen.max_input_channels} input "
            f"channel(s) but the drill needs {channels}; choose another with --device"
        )
    return chosen


class DeviceMessages:
    """What :func:`device_messages_to` caught: the file and its line count (after the block)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0


@contextlib.contextmanager
def device_messages_to(path: str | Path) -> Iterator[DeviceMessages]:
    """Send everything written to file descriptor 2 inside the block to ``path``.

    ALSA, PulseAudio and PortAudio print straight to the process's stderr from C ("ALSA lib
    pcm.c: underrun occurred"), which would tear through a live terminal panel. Inside the block
    those messages (and Python's own stderr, logging included) go to ``path`` instead; the file
    is removed if nothing was written.
    """
    path = Path(path)
    caught = DeviceMessages(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield caught
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
        text = path.read_bytes() if path.exists() else b""
        caught.lines = text.count(b"\n") + (1 if text and not text.endswith(b"\n") else 0)
        if not text:
            path.unlink(missing_ok=True)
