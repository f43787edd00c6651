"""The job queue: jobs from any number of browsers, rendered one at a time by one worker thread.

One loaded TalkingHead serves every job (models load once, at start-up). It is thread-safe
(docs/architecture.md "Threads"), so Live sessions may use it beside the worker; generation jobs take
turns because two renders at once on two cores would only make both users wait longer. Each job
reports where it is (queued behind N, analysing the photo, motion, rendering k/n frames, exporting
the 3D head) for the page to poll, and ends with its video and .glb, or with one ``error:`` line.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tritalk.errors import TritalkError
from tritalk.types import AudioClip, CameraPath, EmotionSpec, EmotionTimeline
from tritalk.web.uploads import user_message

if TYPE_CHECKING:
    from tritalk.pipeline import TalkingHead

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobRequest:
    """What the page asked for, already checked (the photo decodes, the audio is read and within limits)."""

    photo: Path  # the upload in the job's folder (by path: a face problem's message then names the user's file)
    audio: AudioClip
    emotion: EmotionSpec | EmotionTimeline
    camera: CameraPath
    seed: int = 0
    export_glb: bool = True
    hair: str | None = None  # how the hair hangs on turned views (HeadConfig.hair; the CLI's --hair); None: config's


@dataclass
class Job:
    id: str
    folder: Path
    request: JobRequest
    state: str = "queued"  # queued | analysing (photo + motion) | rendering | exporting | done | failed
    done: int = 0  # frames rendered
    total: int = 0  # frames in the clip
    error: str | None = None  # one line, 'error: <what>; <fix>'
    created: float = field(default_factory=time.time)
    seconds: float | None = None  # wall time from start of work to done

    @property
    def video(self) -> Path:
        return self.folder / "talk.mp4"

    @property
    def glb(self) -> Path:
        return self.folder / "head.glb"

    @property
    def wav(self) -> Path:
        return self.folder / "head.wav"


class JobQueue:
    """FIFO of jobs, one worker thread. ``submit`` returns at once; ``status`` is what the page polls."""

    def __init__(self, head: "TalkingHead", folder: Path, keep: int = 20):
        self.head, self.folder, self.keep = head, folder, keep
        self._jobs: dict[str, Job] = {}
        self._waiting: list[str] = []  # ids in queue order, for "queued behind N"
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="tritalk-jobs", daemon=True)
        self._worker.start()

    def new_folder(self) -> tuple[str, Path]:
        job_id = uuid.uuid4().hex[:12]
        path = self.folder / job_id
        path.mkdir(parents=True)
        return job_id, path

    def submit(self, job_id: str, folder: Path, request: JobRequest) -> Job:
        job = Job(job_id, folder, request)
        with self._lock:
            self._jobs[job.id] = job
            self._waiting.append(job.id)
            self._forget_old()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def status(self, job: Job) -> dict:
        with self._lock:
            ahead = self._waiting.index(job.id) if job.id in self._waiting else 0
        out = {"id": job.id, "state": job.state, "done": job.done, "total": job.total, "ahead": ahead,
               "error": job.error, "seconds": job.seconds}
        if job.state == "done":
            out["video"] = f"/api/jobs/{job.id}/video"
            if job.glb.exists():
                out["glb"], out["wav"] = f"/api/jobs/{job.id}/glb", f"/api/jobs/{job.id}/wav"
        return out

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=30)

    def _forget_old(self) -> None:
        """Keep the newest ``keep`` finished jobs' files; older ones are deleted (the server is not storage)."""
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
        old = sorted(finished, key=lambda j: j.created)[:max(0, len(finished) - self.keep)]
        for job in old:
            shutil.rmtree(job.folder, ignore_errors=True)
            del self._jobs[job.id]

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            with self._lock:
                self._waiting.remove(job.id)
            t0 = time.perf_counter()
            try:
                self._render(job)
                job.state = "done"
            except TritalkError as e:
                job.error, job.state = user_message(e, job.folder), "failed"
            except Exception as e:  # a bug: one line on the page, the traceback in the server's log
                logger.exception("job %s failed", job.id)
                job.error = f"error: internal error ({type(e).__name__}: {e}); please report it"
                job.state = "failed"
            job.seconds = round(time.perf_counter() - t0, 2)

    def _render(self, job: Job) -> None:
        r = job.request
        job.state = "analysing"
        job.total = max(1, round(r.audio.duration * self.head.config.fps))

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        result = self.head.generate(r.photo, r.audio, emotion=r.emotion, camera=r.camera, seed=r.seed, hair=r.hair)
        job.state, job.done, job.total = "rendering", 0, result.n_frames
        result.save(job.video, progress=progress)
        if r.export_glb:
            job.state = "exporting"
            result.export_glb(job.glb)
