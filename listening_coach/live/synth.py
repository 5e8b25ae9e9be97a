"""Speech synthesis with espeak-ng, and where a voiced line's speech and words fall in time.

- :func:`synthesize`: text -> float32 mono 16 kHz samples, leading/trailing silence trimmed.
- :func:`measure_spans`: where a rendered signal actually holds speech (energy, in seconds).
- :func:`partner_words`: a played line's words, spread over the spans its audio holds speech.
- :func:`espeak_path`: the espeak-ng executable, or :class:`MissingExtra` with the install command.
- :data:`VOICES`: the two voices the project uses (``en-us`` and ``en-gb+f3``).

espeak-ng's ``-s`` flag is only approximate: at ``-s 100`` a sentence comes out near 150 words
per minute of speaking time (about 1.5 x the flag). Ground truth must therefore be measured from
the rendered audio (:func:`measure_spans`), never taken from the flags.

Examples:
  >>> samples = synthesize("I hear you.", voice="en-gb+f3", speed_wpm=120)  # doctest: +SKIP
  >>> measure_spans(samples)  # doctest: +SKIP
  ((0.0, 0.71),)
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from listening_coach.audio import SAMPLE_RATE
from listening_coach.errors import AudioError, MissingExtra
from listening_coach.types import PARTNER, Span, Word

logger = logging.getLogger(__name__)

VOICES: tuple[str, ...] = ("en-us", "en-gb+f3")
INSTALL_HINT = "install it with: sudo apt-get install -y espeak-ng"
_ESPEAK_RATE = 22_050  # espeak-ng writes mono s16 at this rate


def espeak_path() -> str:
    """Return the espeak-ng executable.

    Raises:
      MissingExtra: espeak-ng is not on PATH; the message gives the apt-get command.
    """
    path = shutil.which("espeak-ng")
    if path is None:
        raise MissingExtra(
            f"Speech synthesis needs espeak-ng, which is not on PATH; {INSTALL_HINT}"
        )
    return path


def synthesize(
    text: str, *, voice: str = "en-us", speed_wpm: int = 160, word_gap_ms: int = 0,
    pitch: int | None = None,
) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return the audio.

    Args:
      text: What to say (plain text, one line).
      voice: An espeak-ng voice, e.g. ``"en-us"`` or ``"en-gb+f3"``.
      speed_wpm: espeak-ng's ``-s`` value (80-450). The measured rate is about 1.5 x this
        over speaking time; measure it with :func:`measure_spans`.
      word_gap_ms: Extra silence between words (``-g``, rounded to 10 ms units).
      pitch: espeak-ng's ``-p`` base pitch (0-99, default the voice's, 50).

    Returns:
      float32 samples, shape (n,), 16 kHz, peak about 0.5, silence trimmed at both ends.

    Raises:
      MissingExtra: espeak-ng is not installed.
      AudioError: ``text`` is empty, an option is out of range, or espeak-ng failed.
    """
    if not text.strip():
        raise AudioError("Nothing to synthesize: the text is empty; pass at least one word")
    if not 80 <= speed_wpm <= 450:
        raise AudioError(f"speed_wpm must be between 80 and 450 (espeak-ng -s), got {speed_wpm}")
    if word_gap_ms < 0:
        raise AudioError(f"word_gap_ms must not be negative, got {word_gap_ms}")
    if pitch is not None and not 0 <= pitch <= 99:
        raise AudioError(f"pitch must be between 0 and 99 (espeak-ng -p), got {pitch}")
    exe = espeak_path()
    with tempfile.TemporaryDirectory(prefix="lc-espeak-") as tmp:
        wav = Path(tmp) / "out.wav"
        cmd = [exe, "-v", voice, "-s", str(int(speed_wpm)), "-g", str(round(word_gap_ms / 10))]
        if pitch is not None:
            cmd += ["-p", str(int(pitch))]
        cmd += ["-w", str(wav), "--", text]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not wav.exists():
            raise AudioError(
                f"espeak-ng failed (exit {result.returncode}) for voice {voice!r}: "
                f"{result.stderr.strip() or 'no output'}; check the voice with `espeak-ng --voices`"
            )
        samples = _read_wav(wav)
    if result.stderr.strip():
        # espeak-ng reports unknown voices on stderr but still exits 0 with the default voice
        raise AudioError(f"espeak-ng: {result.stderr.strip()}; check `espeak-ng --voices`")
    samples = _resample(samples, _ESPEAK_RATE, SAMPLE_RATE)
    spans = measure_spans(samples, threshold_db=-55.0)
    if not spans:
        raise AudioError(f"espeak-ng produced no audible speech for {text!r}")
    pad = int(0.01 * SAMPLE_RATE)
    first = max(int(spans[0].start * SAMPLE_RATE) - pad, 0)
    last = min(round(spans[-1].end * SAMPLE_RATE) + pad, samples.size)
    trimmed = samples[first:last]
    peak = float(np.max(np.abs(trimmed)))
    return (trimmed * (0.5 / peak)).astype(np.float32)


def measure_spans(
    samples: np.ndarray,
    *,
    sample_rate: int = SAMPLE_RATE,
    frame_s: float = 0.01,
    threshold_db: float = -40.0,
    min_gap_s: float = 0.2,
) -> tuple[Span, ...]:
    """Return the spans (seconds) where ``samples`` hold speech, from frame energy.

    A frame is speech when its RMS is within ``threshold_db`` of the loudest frame. Gaps
    shorter than ``min_gap_s`` (stop closures, between words) are bridged::

        signal  ..###.#####.......#####...
        spans     |--------|      |---|      (gap of one frame bridged)

    Args:
      samples: float mono signal, shape (n,).
      sample_rate: Rate of ``samples`` in Hz.
      frame_s: Frame length in seconds.
      threshold_db: Speech threshold relative to the loudest frame (dB, negative).
      min_gap_s: Silences shorter than this are inside a span.

    Returns:
      Time-ordered, non-overlapping spans in seconds; empty for silence.

    Examples:
      >>> import numpy as np
      >>> x = np.zeros(16000, dtype=np.float32); x[4000:8000] = 0.5
      >>> measure_spans(x)
      (Span(start=0.25, end=0.5),)
    """
    frame = max(round(frame_s * sample_rate), 1)
    n = samples.size // frame
    if n == 0:
        return ()
    frames = samples[: n * frame].astype(np.float64).reshape(n, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    peak = float(rms.max())
    if peak <= 0.0:
        return ()
    active = 20 * np.log10(np.maximum(rms, 1e-12) / peak) > threshold_db
    idx = np.flatnonzero(active)
    runs: list[list[int]] = []  # [first frame, last frame + 1]
    max_gap = round(min_gap_s / frame_s)
    for i in idx:
        if runs and i - runs[-1][1] <= max_gap:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    step = frame / sample_rate
    return tuple(Span(round(a * step, 3), round(b * step, 3)) for a, b in runs)


def partner_words(text: str, spans: Sequence[Span], start_s: float) -> tuple[Word, ...]:
    """Spread the words of a played line over the spans where its audio holds speech.

    Each word gets time in proportion to its length in letters; ``spans`` are seconds from
    the start of the line's audio, ``start_s`` is when it began playing.

    Examples:
      >>> [(w.text, w.start, w.end) for w in partner_words("hi there", [Span(0.0, 1.0)], 10.0)]
      [(' hi', 10.0, 10.286), (' there', 10.286, 11.0)]
    """
    tokens = text.split()
    if not tokens or not spans:
        return ()
    total = sum(s.duration for s in spans)
    weights = np.array([max(len(t.strip(".,!?;:")), 1) for t in tokens], dtype=float)
    bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum() * total])

    def at(t: float) -> float:  # speaking time -> time in the line's audio
        for span in spans:
            if t <= span.duration + 1e-9:
                return span.start + t
            t -= span.duration
        return spans[-1].end

    return tuple(
        Word(round(float(start_s + at(bounds[i])), 3),
             round(float(start_s + at(bounds[i + 1])), 3), " " + token, PARTNER)
        for i, token in enumerate(tokens)
    )


def _read_wav(path: Path) -> np.ndarray:
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except RuntimeError as e:
        raise AudioError(f"espeak-ng wrote an unreadable WAV file: {e}") from e
    if rate != _ESPEAK_RATE:
        logger.debug("espeak-ng wrote %d Hz, expected %d", rate, _ESPEAK_RATE)
    out: np.ndarray = data.mean(axis=1)
    if rate != _ESPEAK_RATE:
        out = _resample(out, rate, _ESPEAK_RATE)
    return out


def _resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate_in, rate_out)
    out: np.ndarray = resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)
    return out
