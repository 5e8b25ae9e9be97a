"""Keep the loudspeaker's prompt out of the trainee's microphone signal.

- :class:`EchoGate`: told what was played and when (:meth:`EchoGate.play`), it cleans each
  microphone block: it finds the loudspeaker-to-microphone delay by cross-correlation, subtracts
  the delayed, scaled prompt, and silences 20 ms frames whose remainder is not clearly louder than
  the echo that was there. What is left is the trainee (a barge-in survives; the echo does not).

::

    played   |====prompt====|
    mic        |~~echo~~|TRAINEE~~|          delay d found by cross-correlation
    cleaned    |........|TRAINEE~~|          mic - g * prompt(t - d), then frames gated

With headphones there is no echo and the gate changes nothing.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.signal import correlate

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz
FRAME = 320  # samples: 20 ms gate frames


class EchoGate:
    """Remove a known, played reference from a mono microphone stream.

    Args:
      max_delay_s: Longest loudspeaker-to-microphone delay searched.
      gate_ratio: A frame is kept when the remainder's RMS exceeds this times the echo's RMS.
    """

    def __init__(self, *, max_delay_s: float = 0.5, gate_ratio: float = 1.0) -> None:
        self.max_delay = int(max_delay_s * SAMPLE_RATE)
        self.gate_ratio = gate_ratio
        self.delay: int | None = None  # samples, found anew for each prompt
        self.gain = 0.0
        self._ref = np.zeros(0, dtype=np.float32)
        self._ref_start = 0  # absolute sample index of _ref[0]
        self._mic_tail = np.zeros(0, dtype=np.float32)  # mic kept to estimate the delay
        self._mic_tail_start = 0
        self.gated_s = 0.0  # seconds of microphone audio silenced as echo

    def play(self, samples: np.ndarray, start_s: float) -> None:
        """Note that ``samples`` (mono 16 kHz) started playing at ``start_s`` (capture clock)."""
        self._ref = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._ref_start = int(round(start_s * SAMPLE_RATE))
        self._mic_tail = np.zeros(0, dtype=np.float32)
        self._mic_tail_start = self._ref_start
        # output latency differs from one prompt to the next: find the delay again each time
        self.delay = None
        self.gain = 0.0

    def _ref_at(self, start: int, n: int, delay: int) -> np.ndarray:
        """The reference as heard from sample ``start`` for ``n`` samples, ``delay`` late."""
        out = np.zeros(n, dtype=np.float32)
        a = start - delay - self._ref_start
        lo, hi = max(a, 0), min(a + n, self._ref.size)
        if hi > lo:
            out[lo - a : hi - a] = self._ref[lo:hi]
        return out

    def active(self, start: int, n: int) -> bool:
        end_heard = self._ref_start + self._ref.size + self.max_delay
        return self._ref.size > 0 and start < end_heard and start + n > self._ref_start

    def clean(self, samples: np.ndarray, start_s: float) -> np.ndarray:
        """Return the microphone block with the prompt's echo removed (float32, same shape)."""
        mic = np.asarray(samples, dtype=np.float32).reshape(-1)
        start = int(round(start_s * SAMPLE_RATE))
        if not self.active(start, mic.size):
            return mic
        if self.delay is None:
            self._estimate_delay(mic, start)
        if self.delay is None:  # not enough audio yet: gate wherever the prompt may be heard
            return self._gate(mic, self._loudest_echo(start, mic.size), mic)
        ref = self._ref_at(start, mic.size, self.delay)
        energy = float(ref @ ref)
        if energy > 1e-6:
            estimate = float(mic @ ref) / energy
            if estimate > 0:  # smooth: barge-in speech makes single blocks noisy
                self.gain = estimate if self.gain == 0 else 0.7 * self.gain + 0.3 * estimate
        residual = mic - self.gain * ref
        return self._gate(residual, self.gain * np.abs(ref), mic)

    def _loudest_echo(self, start: int, n: int) -> np.ndarray:
        """Per sample, the loudest 20 ms of prompt that any delay up to the maximum could put
        there (a flat envelope per gate frame)."""
        ref = self._ref_at(start - self.max_delay, n + self.max_delay, 0)
        frames = (ref.size + FRAME - 1) // FRAME
        padded = np.zeros(frames * FRAME, dtype=np.float32)
        padded[: ref.size] = ref
        rms = np.sqrt(np.mean(padded.reshape(frames, FRAME) ** 2, axis=1))
        span = self.max_delay // FRAME + 1
        out = np.zeros(n, dtype=np.float32)
        lead = self.max_delay // FRAME
        for k in range(0, n, FRAME):
            f = lead + k // FRAME  # frame of ref aligned with delay 0
            out[k : k + FRAME] = rms[max(f - span, 0) : f + 1].max(initial=0.0)
        return out

    def _gate(self, residual: np.ndarray, echo: np.ndarray, mic: np.ndarray) -> np.ndarray:
        out = residual.copy()
        for k in range(0, out.size, FRAME):
            echo_rms = float(np.sqrt(np.mean(echo[k : k + FRAME] ** 2))) if echo[k:k + FRAME].size else 0
            if echo_rms < 1e-4:
                continue
            rest = float(np.sqrt(np.mean(residual[k : k + FRAME] ** 2)))
            if rest <= self.gate_ratio * echo_rms:
                out[k : k + FRAME] = 0.0
                self.gated_s += out[k : k + FRAME].size / SAMPLE_RATE
        return out

    def _estimate_delay(self, mic: np.ndarray, start: int) -> None:
        if start != self._mic_tail_start + self._mic_tail.size:
            self._mic_tail, self._mic_tail_start = np.zeros(0, dtype=np.float32), start
        self._mic_tail = np.concatenate([self._mic_tail, mic])
        window = SAMPLE_RATE // 2  # half a second of prompt, heard at any delay
        needed = window + self.max_delay
        have = self._mic_tail_start + self._mic_tail.size - self._ref_start
        if have < needed or self._ref.size < window:
            return
        ref = self._ref[:window]
        if float(np.sqrt(np.mean(ref**2))) < 1e-3:
            return
        offset = self._ref_start - self._mic_tail_start
        mic_part = self._mic_tail[max(offset, 0) : max(offset, 0) + ref.size + self.max_delay]
        if mic_part.size < ref.size + self.max_delay:
            return
        corr = correlate(mic_part, ref, mode="valid", method="fft")  # one value per delay
        windowed = np.concatenate([[0.0], np.cumsum(mic_part.astype(np.float64) ** 2)])
        norms = np.sqrt(np.maximum(windowed[ref.size :] - windowed[: -ref.size], 0.0)) + 1e-9
        score = corr / norms
        best = int(np.argmax(score))
        quality = float(score[best] / (np.linalg.norm(ref) + 1e-9))
        if quality > 0.3:
            self.delay = best
            log.info("echo delay %.0f ms (correlation %.2f)", best / 16, quality)
        else:
            log.info("no echo of the prompt found (correlation %.2f): headphones?", quality)
            self.delay = 0
            self.gain = 0.0
        self._mic_tail = np.zeros(0, dtype=np.float32)
