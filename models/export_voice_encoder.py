"""Rebuild ``listening_coach/models/voice_encoder.onnx`` from the resemblyzer package's weights.

The voice encoder is resemblyzer's (Resemble AI, Apache-2.0): a 3-layer LSTM (40 mel bands ->
256 hidden) plus a linear layer and ReLU, L2-normalised, trained for speaker verification
(GE2E). resemblyzer ships the weights (``pretrained.pt``) in its PyPI wheel; this script
exports them ONCE to ONNX so listening-coach runs them with onnxruntime, without torch.

Run it in a separate build environment, never in the project's .venv::

    python3.11 -m venv /tmp/buildvenv
    /tmp/buildvenv/bin/pip install torch==2.13.0 onnx numpy librosa
    /tmp/buildvenv/bin/pip install --no-deps resemblyzer==0.1.4
    /tmp/buildvenv/bin/python models/export_voice_encoder.py

It also writes ``tests/golden/voice_encoder_reference.npz``: resemblyzer's own mel spectrograms
of four seeded synthetic waveforms (the test rebuilds the waveforms with the same function) and
the torch embeddings of full (160-frame) and short (60-frame) inputs, so
``tests/test_diarization_models.py`` checks that the ONNX model and the numpy mel front end
reproduce resemblyzer without torch. It prints the max abs difference (measured: 5.8e-07).
"""

from __future__ import annotations

import sys
from pathlib import Path

import types

import numpy as np
import torch

# resemblyzer imports webrtcvad (a C extension) for trim_long_silences, which the export never
# calls; a stub keeps the build environment free of a compiler.
sys.modules.setdefault("webrtcvad", types.ModuleType("webrtcvad"))
from resemblyzer import VoiceEncoder, audio  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ONNX_PATH = ROOT / "listening_coach" / "models" / "voice_encoder.onnx"
GOLDEN_PATH = ROOT / "tests" / "golden" / "voice_encoder_reference.npz"


class _Encoder(torch.nn.Module):
    """resemblyzer's forward pass, unchanged, as a plain module for export."""

    def __init__(self, encoder: VoiceEncoder) -> None:
        super().__init__()
        self.lstm = encoder.lstm
        self.linear = encoder.linear

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        raw = torch.relu(self.linear(hidden[-1]))
        return raw / torch.norm(raw, dim=1, keepdim=True)


def _synthetic_wave(seed: int, seconds: float = 2.0) -> np.ndarray:
    """A voiced, vowel-like waveform with a wandering pitch (deterministic)."""
    rng = np.random.default_rng(seed)
    sr = 16000
    t = np.arange(int(seconds * sr)) / sr
    f0 = 110 + 40 * rng.random() + 15 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    wave = sum(np.sin(k * phase) / k for k in range(1, 20))
    wave *= 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t) ** 2
    wave += 0.01 * rng.standard_normal(len(t))
    return (0.1 * wave / np.abs(wave).max()).astype(np.float32)


def main() -> int:
    encoder = VoiceEncoder(device="cpu", verbose=False).eval()
    model = _Encoder(encoder).eval()
    dummy = torch.zeros(2, 160, 40)
    ONNX_PATH.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (dummy,),
        str(ONNX_PATH),
        input_names=["mels"],
        output_names=["embeddings"],
        dynamic_axes={"mels": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    waves = [_synthetic_wave(seed) for seed in range(4)]
    mels_ref = np.stack([audio.wav_to_mel_spectrogram(w)[:160] for w in waves])  # (4, 160, 40)
    with torch.no_grad():
        emb_ref = model(torch.from_numpy(mels_ref)).numpy()
        emb_short = model(torch.from_numpy(mels_ref[:, :60])).numpy()
    GOLDEN_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        GOLDEN_PATH,
        mels=mels_ref,
        embeddings=emb_ref,
        embeddings_short=emb_short,
    )
    import onnxruntime as ort

    session = ort.InferenceSession(str(ONNX_PATH), providers=["CPUExecutionProvider"])
    emb_onnx = session.run(None, {"mels": mels_ref})[0]
    short_onnx = session.run(None, {"mels": np.ascontiguousarray(mels_ref[:, :60])})[0]
    diff = max(np.abs(emb_onnx - emb_ref).max(), np.abs(short_onnx - emb_short).max())
    print(f"wrote {ONNX_PATH} ({ONNX_PATH.stat().st_size} bytes) and {GOLDEN_PATH}")
    print(f"max abs diff torch vs onnxruntime: {diff:.3g}")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
