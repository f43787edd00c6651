"""Batch rendering: a CSV of jobs -> one video per row, on several worker processes.

    jobs = read_jobs("jobs.csv")  # columns: image, audio, output [, emotion, intensity, yaw, pitch, seed, hair]
    report = run_batch(jobs, TritalkConfig(), workers=2)
    report.write_failures("jobs.failures.csv")

Each worker process loads the models once (``TalkingHead``) and renders its rows one after the
other; a row that fails (unreadable photo, no face, bad value) is reported with its one-line reason
and the batch goes on. A row whose output exists is skipped, so rerunning a batch finishes what is
left. Relative paths in the CSV are read from the CSV's own folder. Outputs are written atomically,
so an interrupted batch leaves no half-written video to be skipped later.

Workers are spawned (not forked: MediaPipe and torch keep threads that a fork would copy half-way);
each gives torch one thread, like the CLI, so N workers use about N cores.
"""

from __future__ import annotations

import csv
import logging
import multiprocessing
import multiprocessing.util
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tritalk.config import TritalkConfig
from tritalk.errors import ConfigError, InputError, TritalkError, caused_by_ctrl_c
from tritalk.render.mesh_config import HeadConfig

logger = logging.getLogger(__name__)

REQUIRED = ("image", "audio", "output")
OPTIONAL = ("emotion", "intensity", "yaw", "pitch", "seed", "hair")


@dataclass(frozen=True)
class Job:
    """One CSV row: paths resolved against the CSV's folder, optional values as written (parsed by run_job)."""

    row: int  # the CSV line (the header is line 1)
    image: Path
    audio: Path
    output: Path
    options: dict[str, str] = field(default_factory=dict)  # emotion, intensity, yaw, pitch, seed (non-empty only)


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str  # "done", "skipped" (the output exists) or "failed"
    message: str = ""  # the one-line reason of a failure
    seconds: float = 0.0


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.status == "failed"), key=lambda o: o.job.row)

    def summary(self) -> str:
        return (f"{self.count('done')} done, {self.count('skipped')} skipped (output exists), "
                f"{self.count('failed')} failed, in {self.seconds:.1f} s")

    def write_failures(self, path: str | Path) -> Path:
        """CSV: row, image, audio, output, error (one line each); rewritten on every run."""
        path = Path(path)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["row", "image", "audio", "output", "error"])
            for o in self.failures:
                w.writerow([o.job.row, o.job.image, o.job.audio, o.job.output, o.message])
        return path


def read_jobs(path: str | Path) -> list[Job]:
    """The rows of a jobs CSV. A missing or unreadable file, or a header without image, audio and output,
    is an error for the whole batch (ConfigError); problems in a row are that row's failure, later."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"jobs file '{path}' not found; give a CSV with columns {', '.join(REQUIRED)}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ConfigError(f"jobs file '{path}' has no column {', '.join(missing)}; its first line must name "
                                  f"the columns: {', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}")
            unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
            if unknown:
                raise ConfigError(f"jobs file '{path}' has unknown column {', '.join(unknown)}; use "
                                  f"{', '.join(REQUIRED + OPTIONAL)}")
            reader.fieldnames = header
            rows = [(reader.line_num, r) for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"cannot read jobs file '{path}' ({e}); give a UTF-8 CSV") from e
    folder = path.parent
    jobs = []
    for line, r in rows:
        values = {k: (v or "").strip() for k, v in r.items() if k}
        if not any(values.values()):
            continue  # blank line
        jobs.append(Job(line, *(_resolve(folder, values.get(c, "")) for c in REQUIRED),
                        options={k: values[k] for k in OPTIONAL if values.get(k)}))
    if not jobs:
        raise ConfigError(f"jobs file '{path}' has no rows; add one line per video")
    return jobs


def _resolve(folder: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() or not value else folder / p


def _number(job: Job, name: str, kind: type, default):
    text = job.options.get(name)
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(f"{name} '{text}' is not a{'n integer' if kind is int else ' number'}") from None


def run_job(head, job: Job, overwrite: bool = False) -> None:
    """Render one row with a loaded TalkingHead; raises TritalkError with a one-line reason."""
    from tritalk.io.video import check_output_path
    from tritalk.motion.emotion_timeline import parse_emotion
    from tritalk.types import Camera

    if not str(job.image) or not str(job.audio) or not str(job.output):
        raise ConfigError("image, audio and output must all be given")
    check_output_path(job.output, overwrite)
    intensity = _number(job, "intensity", float, 0.5)
    if not 0.0 <= intensity <= 1.0:
        raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
    emotion = parse_emotion(job.options.get("emotion", "neutral"), intensity)
    camera = Camera(yaw=_number(job, "yaw", float, 0.0), pitch=_number(job, "pitch", float, 0.0))
    hair = job.options.get("hair")
    if hair is not None:
        HeadConfig(hair=hair)  # (a bad name: this row's one-line error, before any work)
    result = head.generate(job.image, job.audio, emotion=emotion, camera=camera, seed=_number(job, "seed", int, 0),
                           hair=hair)
    result.save(job.output, overwrite=overwrite)


# --- worker processes --------------------------------------------------------------------------
_head = None  # the worker's TalkingHead, loaded once by _start_worker


def _start_worker(config: TritalkConfig) -> None:
    global _head
    import torch

    from tritalk.cli.quiet import quiet_native_stderr
    from tritalk.pipeline import TalkingHead

    torch.set_num_threads(1)  # one core per worker: N workers use about N cores
    os.environ.setdefault("GLOG_minloglevel", "2")
    logging.getLogger().setLevel(logging.ERROR)  # notes would interleave across workers
    with quiet_native_stderr():
        _head = TalkingHead.load(config=config)
    if multiprocessing.parent_process() is not None:  # a spawned worker: close the MediaPipe graphs as it exits
        multiprocessing.util.Finalize(None, _close_worker, exitpriority=10)


def _run_in_worker(job: Job, overwrite: bool) -> Outcome:
    start = time.perf_counter()
    try:
        run_job(_head, job, overwrite)
    except TritalkError as e:
        return Outcome(job, "failed", _one_line(str(e)), time.perf_counter() - start)
    except MemoryError:
        return Outcome(job, "failed", "not enough memory; use a smaller --size or fewer --workers")
    except Exception as e:  # a bug in one row must not stop the others
        if caused_by_ctrl_c(e):  # ... but Ctrl-C inside compiled code (a SystemError) stops them all
            raise KeyboardInterrupt from e
        return Outcome(job, "failed", _one_line(f"internal error ({type(e).__name__}: {e})"),
                       time.perf_counter() - start)
    return Outcome(job, "done", "", time.perf_counter() - start)


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def plan_jobs(jobs: list[Job], overwrite: bool, report: BatchReport,
              progress: Callable[[Outcome, int, int], None] | None = None) -> list[Job]:
    """The rows to render. Rows whose output exists are recorded as skipped, and a row writing the output of
    an earlier row as failed, in ``report`` (``progress`` is told of each); the others are returned."""
    todo, seen = [], {}
    for job in jobs:
        key = os.path.abspath(job.output) if str(job.output) else None
        if key is not None and key in seen:
            outcome = Outcome(job, "failed", f"output '{job.output}' is also the output of row {seen[key]}; "
                                             "give each row its own output")
        elif key is not None and not overwrite and job.output.exists():
            outcome = Outcome(job, "skipped")
        else:
            todo.append(job)
            outcome = None
        if key is not None:
            seen.setdefault(key, job.row)
        if outcome is not None:
            report.outcomes.append(outcome)
            if progress:
                progress(outcome, len(report.outcomes), len(jobs))
    return todo


def run_batch(jobs: list[Job], config: TritalkConfig = TritalkConfig(), workers: int = 1, overwrite: bool = False,
              progress: Callable[[Outcome, int, int], None] | None = None) -> BatchReport:
    """Render every job whose output does not exist yet on ``workers`` processes (1 = in this process).
    ``progress(outcome, finished, total)`` is called as each row finishes (skipped rows first)."""
    if workers < 1:
        raise ConfigError(f"--workers {workers} is out of range; use 1 or more")
    start = time.perf_counter()
    report = BatchReport()
    todo = plan_jobs(jobs, overwrite, report, progress)

    def finished(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if progress:
            progress(outcome, len(report.outcomes), len(jobs))

    workers = min(workers, len(todo))
    if workers == 1:
        _start_worker(config)
        try:
            for job in todo:
                finished(_run_in_worker(job, overwrite))
        finally:
            _close_worker()
    elif workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(config,)) as pool:
            pending: dict[Future, Job] = {pool.submit(_run_in_worker, job, overwrite): job for job in todo}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = pending.pop(future)
                        try:
                            finished(future.result())
                        except Exception as e:  # the worker died (killed, out of memory) or failed to start
                            finished(Outcome(job, "failed", _one_line(f"worker failed ({type(e).__name__}: {e})")))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    report.seconds = time.perf_counter() - start
    return report


def _close_worker() -> None:
    global _head
    if _head is not None:
        _head.close()
        _head = None
