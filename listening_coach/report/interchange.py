"""Interchange with other tools: subtitles and RTTM out, RTTM or Praat TextGrid in.

- :func:`to_webvtt` / :func:`to_srt`: one cue per turn, with the speaker (``<v trainee>``).
- :func:`to_rttm`: one ``SPEAKER`` line per turn (NIST RTTM, as pyannote writes it).
- :func:`read_rttm` / :func:`read_textgrid` / :func:`read_segmentation`: a coach's existing
  speaker segmentation as :class:`~listening_coach.diarization.types.SpeakerSegment`\\ s.
- :func:`analyze_with_segmentation`: :func:`listening_coach.pipeline.analyze` with the speakers
  of a segmentation file instead of channels (roles by
  :func:`listening_coach.attribute.roles_for`).

File ids and speaker names may carry accents or other Unicode; they are compared after NFC
normalisation, then accent- and case-folded.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

from listening_coach.config import Config
from listening_coach.diarization.types import SpeakerSegment
from listening_coach.errors import ConfigError
from listening_coach.pipeline import analyze
from listening_coach.types import Session

logger = logging.getLogger(__name__)
SEGMENTATION_SUFFIXES = (".rttm", ".textgrid")


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "->")


def to_webvtt(session: Session) -> str:
    """Return WebVTT with one cue per turn and the speaker as a voice span.

    Examples:
      >>> from listening_coach.pipeline import analyze_words
      >>> from listening_coach.testing import script
      >>> print(to_webvtt(analyze_words(script("partner 0.0 hello there"))).splitlines()[2:4])
      ['00:00:00.000 --> 00:00:00.800', '<v partner>hello there</v>']
    """
    lines = ["WEBVTT", ""]
    for turn in sorted(session.turns, key=lambda t: t.start):
        lines += [f"{_stamp(turn.start, '.')} --> {_stamp(turn.end, '.')}",
                  f"<v {_cue_text(turn.speaker)}>{_cue_text(turn.text)}</v>", ""]
    return "\n".join(lines)


def to_srt(session: Session) -> str:
    """Return SubRip subtitles, one numbered cue per turn, ``speaker: text``."""
    lines: list[str] = []
    for n, turn in enumerate(sorted(session.turns, key=lambda t: t.start), start=1):
        lines += [str(n), f"{_stamp(turn.start, ',')} --> {_stamp(turn.end, ',')}",
                  f"{turn.speaker}: {turn.text}", ""]
    return "\n".join(lines)


def to_rttm(session: Session, file_id: str | None = None) -> str:
    """Return RTTM ``SPEAKER`` lines, one per turn (whitespace in ids becomes ``_``)."""
    fid = _no_space(file_id or session.id) or "session"
    return "".join(
        f"SPEAKER {fid} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {_no_space(t.speaker)} <NA> <NA>\n"
        for t in sorted(session.turns, key=lambda t: t.start)
    )


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "_", text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"Segmentation file {path} does not exist") from None
    except OSError as e:
        raise ConfigError(f"Cannot read segmentation file {path}: {e.strerror}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_rttm(path: str | Path, file_id: str | None = None) -> tuple[SpeakerSegment, ...]:
    """Read ``SPEAKER`` lines of an RTTM file.

    Args:
      path: The RTTM file.
      file_id: Which recording to keep when the file holds several (matched NFC, then
        accent/case-folded); None when it holds one.

    Raises:
      ConfigError: malformed lines, no segments, or several file ids and none chosen.
    """
    path = Path(path)
    by_file: dict[str, list[SpeakerSegment]] = {}
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith((";", "#")) or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise ConfigError(f"{path.name} line {n}: an RTTM SPEAKER line needs 8+ fields "
                              "(SPEAKER file channel start duration <NA> <NA> speaker ...)")
        try:
            start, duration = float(fields[3]), float(fields[4])
        except ValueError:
            raise ConfigError(f"{path.name} line {n}: start {fields[3]!r} and duration "
                              f"{fields[4]!r} must be seconds") from None
        if duration < 0:
            raise ConfigError(f"{path.name} line {n}: negative duration {duration}")
        fid = unicodedata.normalize("NFC", fields[1])
        speaker = unicodedata.normalize("NFC", fields[7])
        by_file.setdefault(fid, []).append(SpeakerSegment(start, start + duration, speaker))
    if not by_file:
        raise ConfigError(f"{path} holds no RTTM SPEAKER lines")
    if file_id is None:
        if len(by_file) > 1:
            raise ConfigError(f"{path.name} holds {len(by_file)} recordings "
                              f"({', '.join(sorted(by_file)[:5])}...); say which one")
        chosen = next(iter(by_file.values()))
    else:
        wanted = unicodedata.normalize("NFC", file_id)
        matches = [k for k in by_file if k == wanted] or [
            k for k in by_file if _fold(k) == _fold(wanted)]
        if not matches:
            raise ConfigError(f"{path.name} has no segments for {file_id!r}; file ids in it: "
                              f"{', '.join(sorted(by_file))}")
        chosen = by_file[matches[0]]
    return tuple(sorted(chosen, key=lambda s: (s.start, s.end)))


_TG_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(<exists>|<absent>)')


def read_textgrid(path: str | Path) -> tuple[SpeakerSegment, ...]:
    """Read a Praat TextGrid (long or short text format, UTF-8 or UTF-16).

    With several interval tiers, each tier is a speaker (its name) and its non-empty
    intervals are that speaker's speech. With one tier, each non-empty interval's text is the
    speaker's name.

    Raises:
      ConfigError: not a TextGrid, or no labelled interval.
    """
    path = Path(path)
    text = re.sub(r"\[\d*\]", "", _read_text(path))
    tokens: list[Any] = []
    for m in _TG_TOKEN.finditer(text):
        if m.group(1) is not None:
            tokens.append(m.group(1).replace('""', '"'))
        elif m.group(2) is not None:
            tokens.append(float(m.group(2)))
    if tokens[:2] != ["ooTextFile", "TextGrid"]:
        raise ConfigError(f"{path} is not a Praat TextGrid text file (it must start with "
                          "File type = \"ooTextFile\", Object class = \"TextGrid\")")
    try:
        pos = 5  # "ooTextFile" "TextGrid" xmin xmax size
        tiers: list[tuple[str, list[tuple[float, float, str]]]] = []
        for _ in range(int(tokens[4])):
            kind, name, _xmin, _xmax, count = tokens[pos:pos + 5]
            pos += 5
            step = 3 if kind == "IntervalTier" else 2
            items = tokens[pos:pos + step * int(count)]
            pos += step * int(count)
            if kind == "IntervalTier":
                tiers.append((str(name), [(float(items[i]), float(items[i + 1]), str(items[i + 2]))
                                          for i in range(0, len(items), 3)]))
    except (IndexError, ValueError, TypeError):
        raise ConfigError(f"{path} is a truncated or malformed TextGrid") from None
    segments: list[SpeakerSegment] = []
    for name, intervals in tiers:
        for start, end, label in intervals:
            label = label.strip()
            if not label:
                continue
            speaker = label if len(tiers) == 1 else name
            segments.append(SpeakerSegment(start, end, unicodedata.normalize("NFC", speaker)))
    if not segments:
        raise ConfigError(f"{path} has no labelled intervals: nothing says who spoke when")
    return tuple(sorted(segments, key=lambda s: (s.start, s.end)))


def read_segmentation(path: str | Path, file_id: str | None = None) -> tuple[SpeakerSegment, ...]:
    """Read an RTTM or TextGrid file, chosen by its suffix.

    Raises:
      ConfigError: an unknown suffix, or a malformed file.
    """
    path = Path(path)
    if path.suffix.lower() == ".rttm":
        return read_rttm(path, file_id)
    if path.suffix.lower() == ".textgrid":
        return read_textgrid(path)
    raise ConfigError(f"{path.name}: segmentation must be .rttm or .TextGrid")


def find_segmentation(recording: Path, given: str | Path, *, single: bool) -> Path | None:
    """Return the segmentation file for ``recording``: ``given`` itself when it is a file, or
    ``given/STEM.rttm`` / ``given/STEM.TextGrid`` when it is a folder (None if absent).

    Raises:
      ConfigError: ``given`` does not exist.
    """
    given = Path(given)
    if given.is_file():
        return given.resolve()
    if not given.is_dir():
        raise ConfigError(f"--segmentation {given}: no such file or folder")
    for candidate in sorted(given.iterdir()):
        if candidate.stem == recording.stem and candidate.suffix.lower() in SEGMENTATION_SUFFIXES:
            return candidate.resolve()
    return None


def analyze_with_segmentation(path: str | Path, segmentation: str | Path,
                              config: Config) -> Session:
    """Analyse a recording with speakers from an RTTM/TextGrid instead of channels
    (:func:`listening_coach.pipeline.analyze` with ``segments``).

    Raises:
      AudioError: the recording is unreadable or silent.
      ConfigError: the segmentation is malformed or names no trainee/partner.
    """
    segments = read_segmentation(segmentation, file_id=Path(path).stem)
    if len({s.speaker for s in segments}) < 2:
        raise ConfigError(f"{Path(segmentation).name}: only one speaker; a role-play needs two")
    session = analyze(path, config, segments=segments)
    note = f"speakers from {Path(segmentation).name}"
    transcript = session.transcript
    if transcript is None:
        return session
    return replace(session, transcript=replace(transcript, notes=(note, *transcript.notes)))
