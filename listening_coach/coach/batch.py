"""Analyse folders of recordings: resumable, failure-isolating, parallel, with progress.

- :func:`~listening_coach.coach.plan.plan_batch` (re-exported here): walk files and folders
  into :class:`BatchTask`\\ s (one per recording).
- :func:`process_task`: analyse one recording and write ``NAME.json``, ``NAME.html`` and
  ``NAME.stamp.json`` atomically; skip it when audio and config are unchanged.
- :func:`run_batch`: run every task (in-process, worker processes, or on a Dask cluster), report
  progress through the hook, then write ``recordings.csv``, ``exchanges.csv``, ``cohort.csv``
  and ``index.html`` for every recording in the output folder (earlier commands' too).

Hook steps: ``("batch.start", BatchPlan)``, ``("batch.item", BatchProgress)`` after each
recording, ``("batch.done", BatchResult)``. Stamps make a batch resumable: stop it with Ctrl-C,
run the same command again, and finished recordings are skipped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from listening_coach.coach.batch_index import write_batch_outputs
from listening_coach.coach.outputs import (
    BatchTask,
    ItemResult,
    earlier_results,
    finished_before_the_stop,
    process_task,
)
from listening_coach.coach.plan import MEDIA_EXTENSIONS, BatchPlan, plan_batch
from listening_coach.config import DEFAULT_CONFIG, Config
from listening_coach.errors import ConfigError, MissingExtra, OutputError
from listening_coach.hooks import Hook
from listening_coach.report.atomic import remove_stale_temp_files

logger = logging.getLogger(__name__)

DEFAULT_JOBS = 1  # measured on 2 cores: see docs/coach.md ("jobs vs threads")

__all__ = [
    "BatchPlan", "BatchProgress", "BatchResult", "BatchTask", "ItemResult", "plan_batch",
    "process_task", "run_batch", "MEDIA_EXTENSIONS",
]


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where the batch stands after one more recording finished."""

    done: int
    total: int
    elapsed_s: float
    eta_s: float | None
    result: ItemResult


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Every recording's outcome, and the batch-level files written."""

    items: tuple[ItemResult, ...]
    out_dir: Path
    notes: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.status == "failed")

    @property
    def analysed(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.status == "done")

    @property
    def skipped(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if i.status == "skipped")


def _pool_initializer() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us


def _threads_for(jobs: int) -> int:
    """Transcription threads per worker: the cores shared out among the workers."""
    return max(1, (os.cpu_count() or 1) // max(jobs, 1))


def _run_local(tasks: Sequence[BatchTask], jobs: int) -> Iterator[ItemResult]:
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield process_task(task)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pending = list(tasks)
    attempts: dict[str, int] = {}
    while pending:
        executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_pool_initializer,
        )
        running: dict[Future[ItemResult], BatchTask] = {}
        try:
            for task in pending:
                running[executor.submit(process_task, task)] = task
            pending = []
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = running.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        attempts[task.name] = attempts.get(task.name, 0) + 1
                        if attempts[task.name] >= 2:
                            yield task.failure("the worker process crashed on this recording "
                                               "twice (out of memory or a decoder crash)")
                        else:
                            pending.append(task)
        except BaseException:
            for proc in list(getattr(executor, "_processes", {}).values()):
                proc.terminate()
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)


def _run_dask(tasks: Sequence[BatchTask], address: str) -> Iterator[ItemResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise MissingExtra(
            "--dask needs dask.distributed: pip install 'listening-coach[dask]'"
        ) from e
    try:
        client = Client(address, timeout="5s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise ConfigError(
            f"Cannot reach the Dask scheduler at {address} ({e}); start one with "
            "`dask scheduler` and pass its address, e.g. tcp://127.0.0.1:8786"
        ) from None
    futures = client.map(process_task, list(tasks), pure=False)
    try:
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            yield fut.result()
    finally:
        client.cancel(futures)  # type: ignore[no-untyped-call]
        client.close()  # type: ignore[no-untyped-call]


class _StopFlag:
    """Remember Ctrl-C (then raise KeyboardInterrupt as usual) while a batch runs.

    Native code (a decoder, the transcriber) may turn a pending KeyboardInterrupt into an
    ordinary error, which would make the recording in progress look like a failed one; the flag
    tells the two apart, so that recording is neither listed as failed nor kept.
    """

    def __init__(self) -> None:
        import signal
        import threading

        self.requested = False
        self._previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        raise KeyboardInterrupt

    def restore(self) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    config: Config = DEFAULT_CONFIG,
    *,
    jobs: int = 0,
    force: bool = False,
    manifest: str | Path | None = None,
    pattern: str | None = None,
    segmentation: str | Path | None = None,
    dask: str | None = None,
    analyze: Callable[..., Any] | None = None,
    hook: Hook | None = None,
) -> BatchResult:
    """Analyse every recording under ``inputs`` into ``out_dir``; see the module docstring.

    Args:
      inputs: Files and folders (walked recursively); empty when ``manifest`` lists them.
      out_dir: Where JSON/HTML/CSV outputs go (created).
      config: Analysis settings; a manifest's channel map overrides ``speakers.channels``.
      jobs: Worker processes; 0 chooses (:data:`DEFAULT_JOBS`).
      force: Re-analyse even unchanged recordings, and overwrite outputs of other inputs.
      manifest: CSV with path, trainee, date, scenario, channels.
      pattern: File-name pattern such as ``"{trainee}_{date}_{scenario}"``.
      segmentation: An RTTM/TextGrid file (one recording) or a folder of ``STEM.rttm`` files.
      dask: A dask.distributed scheduler address; runs the recordings on that cluster.
      analyze: ``analyze(path, config) -> Session``; default :func:`pipeline.analyze`. Must be
        picklable (a module-level function) for ``jobs > 1`` or Dask.
      hook: Called with ``(step, artifact)``; see the module docstring.

    Returns:
      The outcome of every recording, failures included (their reason in ``error``).

    Raises:
      ConfigError: bad manifest, pattern or output folder (nothing is analysed then).
      KeyboardInterrupt: after writing the summaries of the recordings finished so far.
    """
    started, started_wall = time.monotonic(), time.time()
    plan = plan_batch(inputs, out_dir, config, manifest=manifest, pattern=pattern, force=force,
                      segmentation=segmentation, analyze=analyze)
    _make_out_dir(plan.out_dir)
    jobs = jobs or DEFAULT_JOBS
    tasks = tuple(replace(t, cpu_threads=_threads_for(jobs)) for t in plan.tasks)
    if hook:
        hook("batch.start", plan)
    results: list[ItemResult] = list(plan.missing)
    source = _run_dask(tasks, dask) if dask else _run_local(tasks, jobs)
    interrupted = _collect(source, results, len(tasks) + len(plan.missing), started, hook)
    if interrupted:
        results.extend(finished_before_the_stop(tasks, results, started_wall))
    order = {t.path: i for i, t in enumerate(tasks)}
    results.sort(key=lambda r: order.get(r.path, -1))
    files = _write_summaries(plan.out_dir, results)
    result = BatchResult(items=tuple(results), out_dir=plan.out_dir, notes=plan.notes, files=files,
                         interrupted=interrupted, seconds=time.monotonic() - started)
    if hook:
        hook("batch.done", result)
    if interrupted:
        raise KeyboardInterrupt
    return result


def _write_summaries(out_dir: Path, results: list[ItemResult]) -> tuple[Path, ...]:
    """The CSVs and index of the whole folder: this run's recordings and earlier runs' too."""
    listed = sorted([*results, *earlier_results(out_dir, results)],
                    key=lambda r: (r.name.casefold(), r.name))
    return write_batch_outputs(tuple(listed), out_dir)


def _make_out_dir(out_dir: Path) -> None:
    """Create the output folder and clear temporary files an earlier, killed run left."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"Cannot create the output folder {out_dir} ({e.strerror}); "
                          "pick another --out") from None
    remove_stale_temp_files(out_dir)


def _collect(
    source: Iterator[ItemResult], results: list[ItemResult], total: int, started: float,
    hook: Hook | None,
) -> bool:
    """Append each finished recording to ``results`` and report progress; True after Ctrl-C."""
    interrupted = False
    stop = _StopFlag()
    try:
        for item in source:
            if stop.requested:  # a decoder may turn Ctrl-C into an ordinary error: not a failure
                raise KeyboardInterrupt
            results.append(item)
            elapsed = time.monotonic() - started
            remaining = total - len(results)
            eta = elapsed / len(results) * remaining if remaining else 0.0
            if hook:
                hook("batch.item", BatchProgress(len(results), total, elapsed, eta, item))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stop.restore()
        if hasattr(source, "close"):
            source.close()  # stops worker processes / cancels Dask futures still running
    return interrupted
