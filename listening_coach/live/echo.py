"""Keep sound that is not the speaker's own voice out of a microphone channel.

- :class:`EchoGate`: told what was played and when (:meth:`EchoGate.play`), it cleans each
  microphone block: it finds the loudspeaker-to-microphone delay by cross-correlation, subtracts
  the delayed, scaled prompt, and silences 20 ms frames whose remainder is not clearly louder than
  the echo that was there. What is left is the trainee (a barge-in survives; the echo does not).
- :func:`drop_bleed`: with one microphone per person, silences each channel's frames that are
  much quieter than another channel's (the other voice bleeding in).

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

from listening_coach.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

FRAME = 320  # samples: 20 ms gate frames


class EchoGate:
    """Remove a known, played reference from a mono microphone stream.

    The delay is measured again for every block on the last ``window_s`` of audio, because it
    moves: it differs from one prompt to the next (output latency), and an output underrun in
    the middle of a prompt shifts the rest of it (seen: 100 ms -> 134 ms within one line).

    Args:
      max_delay_s: Longest loudspeaker-to-microphone delay searched.
      gate_ratio: A frame is kept when the remainder's RMS exceeds this times the echo's RMS.
      window_s: Audio used for each delay estimate.
    """

    def __init__(self, *, max_delay_s: float = 0.5, gate_ratio: float = 1.0,
                 window_s: float = 0.5) -> None:
        self.max_delay = int(max_delay_s * SAMPLE_RATE)
        self.window = int(window_s * SAMPLE_RATE)
        self.gate_ratio = gate_ratio
        self.delay: int | None = None  # samples, the latest good estimate for this prompt
        self.present: bool | None = None  # does the microphone hear the prompts at all?
        self.gain = 0.0
        self._misses = 0
        self._last: int | None = None  # the previous window's delay, if it correlated
        self._ref = np.zeros(0, dtype=np.float32)
        self._ref_start = 0  # absolute sample index of _ref[0]
        self._mic = np.zeros(0, dtype=np.float32)  # recent microphone audio
        self._mic_end = 0  # absolute sample index just after _mic[-1]
        self.gated_s = 0.0  # seconds of microphone audio silenced as echo

    def play(self, samples: np.ndarray, start_s: float) -> None:
        """Note that ``samples`` (mono 16 kHz) started playing at ``start_s`` (capture clock)."""
        self._ref = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._ref_start = int(round(start_s * SAMPLE_RATE))
        # the delay moves from prompt to prompt; whether there is an echo at all (speakers or
        # headphones) is a property of the room and is kept
        self.delay, self.gain, self._misses, self._last = None, 0.0, 0, None

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
        self._remember(mic, start)
        if not self.active(start, mic.size) or self.present is False:
            return mic
        found = self._estimate(start + mic.size)
        good = False
        if found is not None:
            delay, quality = found
            # a real echo gives the same delay in consecutive windows; chance correlations
            # between the trainee's voice and the prompt jump around
            steady = self._last is not None and abs(delay - self._last) <= 32
            self._last = delay if quality >= 0.3 else None
            good = quality >= 0.3 and steady
            if good:
                self.delay, self.present = delay, True
            elif self.present is None and not (quality >= 0.3 and self._last is not None):
                self._misses += 1
                if self._misses >= 3:  # three windows of prompt and no echo in any
                    self.present = False
                    log.info("no echo of the prompt (correlation %.2f): headphones?", quality)
                    return mic
        if self.delay is None or (found is not None and not good):
            # delay unknown, or a barge-in / glitch hides it: gate against the loudest echo
            # any delay could produce
            return self._gate(mic, self._loudest_echo(start, mic.size))
        ref = self._ref_at(start, mic.size, self.delay)
        energy = float(ref @ ref)
        if energy > 1e-6:
            estimate = float(mic @ ref) / energy
            if estimate > 0:  # smooth: barge-in speech makes single blocks noisy
                self.gain = estimate if self.gain == 0 else 0.7 * self.gain + 0.3 * estimate
        residual = mic - self.gain * ref
        return self._gate(residual, self.gain * np.abs(ref))

    def _remember(self, mic: np.ndarray, start: int) -> None:
        if start != self._mic_end:
            self._mic = np.zeros(0, dtype=np.float32)
        keep = self.window + SAMPLE_RATE // 10
        self._mic = np.concatenate([self._mic, mic])[-keep:]
        self._mic_end = start + mic.size

    def _estimate(self, end: int) -> tuple[int, float] | None:
        """Best delay for the last ``window`` samples before ``end``, and its correlation."""
        if (self._mic.size < self.window or end - self.window < self._ref_start
                or end > self._ref_start + self._ref.size):
            return None  # the window must lie inside the prompt
        mic = self._mic[-self.window :]
        ref = self._ref_at(end - self.window - self.max_delay, self.window + self.max_delay, 0)
        if float(np.sqrt(np.mean(ref**2))) < 1e-3 or float(mic @ mic) < 1e-9:
            return None  # the prompt is silent here: nothing to measure
        corr = correlate(ref, mic, mode="valid", method="fft")  # index k: delay max_delay - k
        energy = np.concatenate([[0.0], np.cumsum(ref.astype(np.float64) ** 2)])
        norms = np.sqrt(np.maximum(energy[self.window :] - energy[: -self.window], 0.0)) + 1e-9
        score = corr / (norms * (np.linalg.norm(mic) + 1e-9))
        k = int(np.argmax(score))
        return self.max_delay - k, float(score[k])

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

    def _gate(self, residual: np.ndarray, echo: np.ndarray) -> np.ndarray:
        out = residual.copy()
        for k in range(0, out.size, FRAME):
            frame = echo[k : k + FRAME]
            echo_rms = float(np.sqrt(np.mean(frame**2))) if frame.size else 0.0
            if echo_rms < 1e-4:
                continue
            rest = float(np.sqrt(np.mean(residual[k : k + FRAME] ** 2)))
            if rest <= self.gate_ratio * echo_rms:
                out[k : k + FRAME] = 0.0
                self.gated_s += frame.size / SAMPLE_RATE
        return out


def drop_bleed(samples: np.ndarray, *, margin_db: float = 6.0, frame_s: float = 0.02) -> np.ndarray:
    """Silence each channel's frames that are ``margin_db`` quieter than the loudest channel.

    With one microphone per person, a quiet copy of the other voice (bleed) must not reach
    the VAD or Whisper; a person's own speech, even in overlap, is loudest on their own mic.

    Args:
      samples: float32 (channels, n).

    Returns:
      A copy with bleed frames zeroed.
    """
    frame = int(frame_s * SAMPLE_RATE)
    out = np.array(samples, dtype=np.float32, copy=True)
    n = out.shape[1] // frame * frame
    if n == 0:
        return out
    energy = np.mean(out[:, :n].reshape(out.shape[0], -1, frame) ** 2, axis=2)
    db = 10 * np.log10(energy + 1e-12)
    quiet = db < db.max(axis=0, keepdims=True) - margin_db
    mask = np.repeat(~quiet, frame, axis=1)
    out[:, :n] *= mask
    return out
