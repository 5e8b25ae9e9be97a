"""One way to open the diarization's ONNX models (segmentation-3.0 and the voice encoder).

:func:`onnx_session` returns a CPU onnxruntime session, or raises one ``ModelError`` line that
says which model is missing, altered or unloadable and how to rebuild it.
:func:`one_blas_thread` limits numpy's BLAS to one thread: the diarizers multiply small matrices
(mel filter banks, centroids), where two threads on two shared cores only contend (a 1.6 s mel
spectrogram took 30 ms with two threads while other jobs ran, 0.5 ms with one).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from listening_coach.errors import MissingExtra, ModelError


def onnx_session(model: Path, *, what: str, rebuild: str, threads: int = 0, sha256: str | None = None) -> Any:
    """Open ``model`` on the CPU; ``sha256``, when given, must match the file.

    Raises:
      MissingExtra: onnxruntime is not installed.
      ModelError: the file is missing, its hash differs or onnxruntime cannot load it; the
        message names ``what`` and ends with ``rebuild``.
    """
    try:
        import onnxruntime as ort
    except ImportError as e:  # pragma: no cover - onnxruntime comes with faster-whisper
        raise MissingExtra("Diarization needs onnxruntime: pip install onnxruntime") from e
    if not model.is_file():
        raise ModelError(f"{what} {model} is missing; {rebuild}")
    if sha256 is not None and hashlib.sha256(model.read_bytes()).hexdigest() != sha256:
        raise ModelError(f"{what} {model} is corrupt (sha256 differs); {rebuild}")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    # idle threads sleep instead of spinning: on shared cores spinning steals from the busy one
    # (300 s of AMI diarized in 15-22 s instead of 19-28 s while other jobs ran)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(model), providers=["CPUExecutionProvider"], sess_options=opts)
    except Exception as e:  # onnxruntime raises its own untyped errors on a corrupt file
        raise ModelError(f"{what} {model} cannot be loaded; {rebuild}") from e


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which numpy's BLAS uses one thread (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        return nullcontext()
    limits: AbstractContextManager[object] = threadpool_limits(1)
    return limits
