"""`tritalk batch jobs.csv --ray ADDRESS`: the same jobs as `batch.py`, on a Ray cluster (extra tritalk[cluster]).

    report = run_batch_ray(read_jobs("jobs.csv"), TritalkConfig(), address="auto", workers=8)

Each Ray actor is one worker holding a loaded ``TalkingHead`` (the models load once per actor, as with
local worker processes) and asks the cluster for one CPU. The nodes need not share a file system: this
process (the driver) reads each row's photo and speech and sends their bytes; the actor renders into its
own temp folder and sends the .mp4 back; the driver writes it atomically where the CSV says. So only the
driver's machine needs the CSV's files, and every node needs the same tritalk installed.

The rules are those of the local batch: rows whose output exists are skipped, a bad row is reported with
the CLI's one-line reason (naming the user's own path, not the actor's temp copy) and the others go on,
an actor that dies fails its row and is replaced.

ADDRESS is what ``ray.init`` takes: ``auto`` (a cluster started on this machine with ``ray start --head``),
``HOST:PORT`` (the head's GCS port, 6379 by default), ``ray://HOST:10001`` (Ray Client), or ``local`` (a
private Ray instance started here with ``--workers`` CPUs, stopped at the end: for trying it out).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tritalk.batch import BatchReport, Job, Outcome, _one_line, plan_jobs
from tritalk.config import TritalkConfig
from tritalk.errors import AudioError, ConfigError, ImageError, TritalkError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Payload:
    """What an actor needs for one row: the inputs' names and bytes, and the row's options."""

    row: int
    image_path: str  # the user's path, for messages
    image: bytes
    audio_path: str
    audio: bytes
    suffix: str  # the output's suffix (.mp4 / .MP4)
    options: dict[str, str]


class RenderWorker:
    """A Ray actor: one loaded TalkingHead; renders payloads in a temp folder and returns the video's bytes."""

    def __init__(self, config: TritalkConfig):
        from tritalk import batch

        batch._start_worker(config)

    def render(self, p: Payload) -> tuple[str, str, bytes | None, float]:
        """(status, one-line message, the .mp4's bytes, seconds)."""
        from tritalk import batch

        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="tritalk-ray-") as tmp:
            folder = Path(tmp)
            image, audio = folder / "image" / Path(p.image_path).name, folder / "audio" / Path(p.audio_path).name
            image.parent.mkdir()
            audio.parent.mkdir()
            image.write_bytes(p.image)
            audio.write_bytes(p.audio)
            output = folder / f"out{p.suffix}"
            outcome = batch._run_in_worker(Job(p.row, image, audio, output, dict(p.options)), overwrite=True)
            if outcome.status != "done":
                # messages name the temp copies: give them back their users' names
                message = outcome.message.replace(str(image), p.image_path).replace(str(audio), p.audio_path)
                return "failed", message, None, time.perf_counter() - start
            return "done", "", output.read_bytes(), time.perf_counter() - start

    def close(self) -> None:
        from tritalk import batch

        batch._close_worker()


def run_batch_ray(jobs: list[Job], config: TritalkConfig = TritalkConfig(), address: str = "auto",
                  workers: int | None = None, overwrite: bool = False,
                  progress: Callable[[Outcome, int, int], None] | None = None) -> BatchReport:
    """Render every job whose output does not exist yet on ``workers`` Ray actors (None: one per CPU the
    cluster has free, at most one per row). ``progress`` as in ``batch.run_batch``."""
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers {workers} is out of range; use 1 or more")
    ray = _connect(address, workers)
    start = time.perf_counter()
    report = BatchReport()
    try:
        todo = plan_jobs(jobs, overwrite, report, progress)

        def finished(outcome: Outcome) -> None:
            report.outcomes.append(outcome)
            if progress:
                progress(outcome, len(report.outcomes), len(jobs))

        if workers is None:
            workers = max(1, int(ray.available_resources().get("CPU", 1)))
        workers = min(workers, len(todo))
        remote = ray.remote(num_cpus=1, max_restarts=0)(RenderWorker)
        idle = [remote.remote(config) for _ in range(workers)]
        queue, pending = deque(todo), {}
        try:
            while queue or pending:
                while queue and idle:
                    job = queue.popleft()
                    try:
                        payload = _payload(job, overwrite)
                    except TritalkError as e:
                        finished(Outcome(job, "failed", _one_line(str(e))))
                        continue
                    actor = idle.pop()
                    pending[actor.render.remote(payload)] = (job, actor)
                if not pending:
                    continue
                (ref,), _ = ray.wait(list(pending), num_returns=1)
                job, actor = pending.pop(ref)
                try:
                    status, message, data, seconds = ray.get(ref)
                except Exception as e:  # the actor died (killed, out of memory, its node lost): a new one takes over
                    finished(Outcome(job, "failed", _one_line(f"worker failed ({type(e).__name__}: {e})")))
                    ray.kill(actor)
                    idle.append(remote.remote(config))
                    continue
                idle.append(actor)
                if status == "done":
                    try:
                        _write_atomically(job.output, data)
                    except OSError as e:
                        status, message = "failed", f"cannot write '{job.output}' ({e.strerror}); check the folder"
                finished(Outcome(job, status, message, seconds))
        finally:
            for actor in idle + [a for _, a in pending.values()]:
                ray.kill(actor)
    finally:
        ray.shutdown()
    report.seconds = time.perf_counter() - start
    return report


def _connect(address: str, workers: int | None):
    """ray, connected to ``address`` ('local' starts a private instance); one-line errors otherwise."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray, which is not installed; pip install 'tritalk[cluster]'") from None
    if address != "local" and address != "auto" and not address.startswith("ray://"):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"--ray '{address}' is not a cluster address; use HOST:PORT (the head's GCS port, "
                              "6379 by default), ray://HOST:10001, auto or local")
        try:  # a wrong address fails here within seconds, not after Ray's minute of retries
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as e:
            raise ConfigError(f"cannot reach the Ray cluster at {address} ({e.strerror or e}); start one with "
                              "'ray start --head' or check the address") from None
    kwargs = dict(log_to_driver=False, logging_level=logging.WARNING, configure_logging=False)
    try:
        if address == "local":
            ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise ConfigError(f"cannot connect to the Ray cluster at {address} ({_one_line(str(e), 200)}); start one "
                          "with 'ray start --head' or check the address") from None
    return ray


def _payload(job: Job, overwrite: bool) -> Payload:
    """Check the row here (values, output, inputs readable), with the local batch's messages."""
    from tritalk.batch import _number
    from tritalk.io.audio import _AUDIO_FIX
    from tritalk.io.files import check_input_file
    from tritalk.io.image import _IMAGE_FIX
    from tritalk.io.video import check_output_path

    if not str(job.image) or not str(job.audio) or not str(job.output):
        raise ConfigError("image, audio and output must all be given")
    check_output_path(job.output, overwrite)
    for name, kind in (("intensity", float), ("yaw", float), ("pitch", float), ("seed", int)):
        _number(job, name, kind, None)
    check_input_file(job.image, ImageError, "image", _IMAGE_FIX)
    check_input_file(job.audio, AudioError, "audio", _AUDIO_FIX)
    return Payload(job.row, str(job.image), job.image.read_bytes(), str(job.audio), job.audio.read_bytes(),
                   job.output.suffix, dict(job.options))


def _write_atomically(path: Path, data: bytes) -> None:
    """A temp file beside ``path`` renamed over it: a reader never sees half a video."""
    tmp = path.with_name(f".tritalk-{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
