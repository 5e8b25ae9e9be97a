"""Plan a batch: which recordings to analyse, and each one's output name, facts and settings.

- :func:`plan_batch`: walk files and folders into :class:`BatchPlan` (one
  :class:`~listening_coach.coach.outputs.BatchTask` per recording), with what it noticed on the
  way (an output folder inside an input folder, a file the pattern does not match, recordings
  missing from the manifest) and the inputs that do not exist.
- :data:`MEDIA_EXTENSIONS`: the audio and video files a folder walk picks up.

:func:`listening_coach.coach.batch.run_batch` runs the plan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from listening_coach.coach.manifest import (
    check_trainee_names,
    compile_pattern,
    info_from_pattern,
    read_manifest,
)
from listening_coach.coach.outputs import BatchTask, ItemResult
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.errors import ConfigError
from listening_coach.feedback import counted
from listening_coach.paths import input_problem
from listening_coach.report.interchange import find_segmentation
from listening_coach.types import RecordingInfo

MEDIA_EXTENSIONS = frozenset(
    ".wav .flac .mp3 .m4a .aac .ogg .oga .opus .wma .aif .aiff .amr .webm .mp4 .m4v .mov "
    ".mkv .avi .3gp .mpg .mpeg .ts".split()
)

__all__ = ["BatchPlan", "MEDIA_EXTENSIONS", "plan_batch"]


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """The recordings a batch will handle and what it noticed while looking for them."""

    tasks: tuple[BatchTask, ...]
    out_dir: Path
    notes: tuple[str, ...] = ()
    missing: tuple[ItemResult, ...] = ()  # inputs that do not exist, failed up front


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _walk(folder: Path, exclude: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and here / d != exclude)
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in MEDIA_EXTENSIONS:
                yield here / name


def _output_names(found: Sequence[tuple[Path, Path]]) -> list[str]:
    """One unique, filesystem-safe output name per recording (relative path, ``/`` -> ``__``).

    Bytes of a file name that are not UTF-8 are spelled in hex (``_xff``), so every output
    name can be written into JSON, CSV and HTML links.
    """
    names: list[str] = []
    for path, root in found:
        rel = path.relative_to(root) if root != path else Path(path.name)
        name = "__".join(rel.with_suffix("").parts) or path.stem
        raw = name.encode("utf-8", errors="surrogateescape")
        names.append(raw.decode("utf-8", errors="backslashreplace").replace("\\x", "_x"))
    counts: dict[str, int] = {}
    for n in names:
        counts[n.casefold()] = counts.get(n.casefold(), 0) + 1
    return [
        f"{n}_{p.suffix.lstrip('.').lower()}" if counts[n.casefold()] > 1 else n
        for n, (p, _) in zip(names, found)
    ]


def _input_paths(given_inputs: list[str | Path], infos: dict[Path, RecordingInfo]) -> list[Path]:
    """The paths to look at: the inputs given, else the manifest's recordings."""
    if any(str(p).strip() == "" for p in given_inputs):
        raise ConfigError("An input is an empty path (\"\"); name a recording or a folder "
                          "(use . for the current folder)")
    paths = [Path(p).expanduser() for p in given_inputs] or list(infos)
    if not paths:
        raise ConfigError("Nothing to analyse: give recordings or folders, or a --manifest")
    return paths


def _find_recordings(
    paths: Sequence[Path], out: Path, notes: list[str]
) -> tuple[list[tuple[Path, Path]], list[ItemResult]]:
    """Each recording found once as ``(file, the input it was found under)``, and the inputs
    that do not exist (failed up front); what the walk noticed is added to ``notes``."""
    missing: list[ItemResult] = []
    found: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    for given in paths:
        problem = input_problem(given)
        if problem is not None:
            missing.append(ItemResult(path=given, name=given.name or str(given), status="failed",
                                      error=f"{given}: {problem}"))
            continue
        p = given.resolve()
        if p.is_dir():
            if p == out:
                raise ConfigError(
                    f"The output folder {out} is also an input folder; pick another --out "
                    "(reports would be mixed with recordings)"
                )
            if _is_inside(out, p):
                notes.append(f"output folder {out} is inside input folder {p}: not analysed")
            files = list(_walk(p, out))
            if not files:
                notes.append(f"folder {given} holds no audio or video files")
            found += [(f, p) for f in files if f not in seen]
            seen.update(files)
        elif p not in seen:
            found.append((p, p))
            seen.add(p)
    if not found and not missing:
        raise ConfigError(f"Nothing to analyse: {'; '.join(notes)}; give audio or video files")
    return found, missing


def _recording_info(
    path: Path, infos: dict[Path, RecordingInfo], regex: re.Pattern[str] | None, pattern: str | None,
    notes: list[str],
) -> RecordingInfo:
    """What the manifest, else the file-name pattern, says about one recording."""
    info = infos.get(path)
    if info is None and regex is not None:
        info = info_from_pattern(path, regex)
        if info is None:
            notes.append(f"{path.name} does not match the pattern {pattern!r}: trainee unknown")
    return info or RecordingInfo()


def _segmentation_for(
    path: Path, segmentation: str | Path | None, *, single: bool, notes: list[str]
) -> Path | None:
    """The coach's RTTM/TextGrid for one recording, if one was given and found."""
    if segmentation is None:
        return None
    seg = find_segmentation(path, segmentation, single=single)
    if seg is None:
        notes.append(f"no {path.stem}.rttm or {path.stem}.TextGrid in {segmentation}: "
                     f"{path.name} uses its channels")
    return seg


def plan_batch(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    config: Config = DEFAULT_CONFIG,
    *,
    manifest: str | Path | None = None,
    pattern: str | None = None,
    force: bool = False,
    segmentation: str | Path | None = None,
    analyze: Callable[..., Any] | None = None,
) -> BatchPlan:
    """Find the recordings to analyse and where each one's outputs go.

    Folders are walked recursively for audio and video files (hidden files skipped); an output
    folder inside an input folder is left out of the walk and noted. With a manifest and no
    inputs, the manifest's recordings are the inputs.

    Raises:
      ConfigError: the output folder is an input folder, the manifest or pattern is bad, or
        trainee names differ only by case.
    """
    out = Path(out_dir).expanduser().resolve()
    infos = read_manifest(manifest) if manifest else {}
    regex = compile_pattern(pattern) if pattern else None
    paths = _input_paths(list(inputs), infos)
    notes: list[str] = []
    found, missing = _find_recordings(paths, out, notes)
    tasks: list[BatchTask] = []
    for (path, _), name in zip(found, _output_names(found)):
        info = _recording_info(path, infos, regex, pattern, notes)
        task_config = config
        if info.channels:
            task_config = replace(config, speakers=replace(config.speakers, channels=info.channels))
        seg = _segmentation_for(path, segmentation, single=len(found) == 1, notes=notes)
        tasks.append(BatchTask(path=path, name=name, out_dir=out, config=task_config, info=info,
                               force=force, segmentation=seg, analyze=analyze))
    if manifest and paths and infos:
        unlisted = [t.path.name for t in tasks if t.path not in infos]
        if unlisted:
            notes.append(f"{counted(len(unlisted), 'recording')} not in the manifest: "
                         f"{', '.join(unlisted[:5])}")
    check_trainee_names(t.info.trainee for t in tasks)
    return BatchPlan(tasks=tuple(tasks), out_dir=out, notes=tuple(notes), missing=tuple(missing))
