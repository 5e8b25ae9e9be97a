"""Reference files of diarization benchmarks: RTTM and UEM, and the audio they name.

- :func:`read_rttm_files` / :func:`write_rttm`: ``SPEAKER file 1 start dur <NA> <NA> who <NA> <NA>``
  lines <-> ``{file_id: tuple[SpeakerSegment, ...]}``; :func:`read_uem`: scored regions.
- :func:`file_key`: a file id folded to ASCII ("trñ00" -> "trn00") to match audio file names;
  :func:`find_audio`: the recording in a folder that a file id names.

:mod:`listening_coach.evaluation.diarization` scores diarizations against these (and
re-exports them). One recording's segmentation for a coach is
:func:`listening_coach.report.interchange.read_rttm`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from listening_coach.diarization.types import SpeakerSegment
from listening_coach.errors import AudioError
from listening_coach.span import Span

__all__ = ["AUDIO_SUFFIXES", "file_key", "find_audio", "read_rttm_files", "read_uem", "write_rttm"]


def file_key(name: str) -> str:
    """Fold a file id to lower-case ASCII so RTTM ids match file names.

    Examples:
      >>> file_key("trñ00")
      'trn00'
    """
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def _read_lines(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise AudioError(f"Cannot read {path}: {e.strerror}; pass an existing file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return [line for line in text.splitlines() if line.strip() and not line.startswith(";;")]


def read_rttm_files(path: str | Path) -> dict[str, tuple[SpeakerSegment, ...]]:
    """Read SPEAKER lines of an RTTM file -> {file id: segments sorted by start}.

    Raises:
      AudioError: the file is unreadable or a SPEAKER line is malformed (line number given).
    """
    out: dict[str, list[SpeakerSegment]] = {}
    for number, line in enumerate(_read_lines(path), 1):
        parts = line.split()
        if parts[0] != "SPEAKER":
            continue
        try:
            start, duration = float(parts[3]), float(parts[4])
            who = parts[7]
        except (IndexError, ValueError):
            raise AudioError(
                f"{path}:{number} is not an RTTM SPEAKER line (want 'SPEAKER file 1 start "
                f"duration <NA> <NA> speaker <NA> <NA>'), got {line!r}"
            ) from None
        if duration < 0:
            raise AudioError(f"{path}:{number} has a negative duration: {line!r}")
        out.setdefault(parts[1], []).append(SpeakerSegment(start, start + duration, who))
    return {k: tuple(sorted(v, key=lambda s: (s.start, s.end))) for k, v in out.items()}


def write_rttm(segments: Iterable[SpeakerSegment], file_id: str, path: str | Path | None = None) -> str:
    """Return (and write, when ``path`` is given) RTTM text for one file's segments."""
    text = "".join(
        f"SPEAKER {file_id} 1 {s.start:.3f} {s.end - s.start:.3f} <NA> <NA> {s.speaker} <NA> <NA>\n"
        for s in segments
    )
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def read_uem(path: str | Path) -> dict[str, tuple[Span, ...]]:
    """Read a UEM file (``file channel start end``) -> {file id: scored regions}."""
    out: dict[str, list[Span]] = {}
    for number, line in enumerate(_read_lines(path), 1):
        parts = line.split()
        try:
            out.setdefault(parts[0], []).append(Span(float(parts[2]), float(parts[3])))
        except (IndexError, ValueError):
            raise AudioError(
                f"{path}:{number} is not a UEM line (want 'file channel start end'), got {line!r}"
            ) from None
    return {k: tuple(v) for k, v in out.items()}


AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus", ".webm", ".mp4")


def find_audio(file_id: str, audio_dir: str | Path) -> Path | None:
    """The audio file in ``audio_dir`` whose name folds to the same key as ``file_id``."""
    key = file_key(file_id)
    for path in sorted(Path(audio_dir).iterdir()):
        if path.suffix.lower() in AUDIO_SUFFIXES and file_key(path.stem) == key:
            return path
    return None
