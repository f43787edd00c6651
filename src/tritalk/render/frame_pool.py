"""A chunk's frames rendered in forked worker processes (``MeshEngine.render``, ``MeshEngineConfig.render_processes``).

    pool = FramePool(engine, workers=2)                 # forks now: each worker holds a copy of the engine
    frames = pool.render(expr, head, gaze, cameras)      # (B, S, S, 3) uint8, as engine.render_frame gives
    pool.close()                                         # or when the pool is garbage-collected / at exit

Why processes: a frame is ~70 % GIL-free kernels (rasterizer, remaps, blurs) and ~30 % Python and small NumPy
calls that hold the GIL, so two render threads on two cores gave 1.46x one (README, Measured). Forked workers
share nothing but the output buffer: each renders its frames whole.

How: the engine is handed to the workers by the fork itself (a module global set just before the pool starts,
read-only afterwards; nothing is pickled but each task's few rows of coefficients and cameras). Frames come
back through one anonymous shared memory map created before the fork (no file, no name, gone with the
processes). Workers ignore SIGINT: a Ctrl-C interrupts the caller, whose exit (or ``close``) terminates them.
A worker only runs NumPy, OpenCV and numba code: not MediaPipe's or torch's threads, which a fork does not
copy. A frame's pixels are those ``render_frame`` gives in the caller (tested).
"""

from __future__ import annotations

import mmap
import multiprocessing
import signal
import threading
import weakref

import numpy as np

_ENGINE = None  # the engine a worker renders: set only while the pool forks, inherited by the workers
_BUFFER: mmap.mmap | None = None
_SIZE = 0


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller handles Ctrl-C and terminates the pool


def _render_rows(task: tuple) -> None:
    """Worker: frames ``first ..`` of the buffer from rows of coefficients and their cameras."""
    first, expr, head, gaze, cameras = task
    out = np.ndarray((first + len(expr), _SIZE, _SIZE, 3), np.uint8, buffer=_BUFFER)
    for k in range(len(expr)):
        out[first + k] = _ENGINE.render_frame(expr[k], head[k], cameras[k], gaze[k])


def _shutdown(pool, buffer: mmap.mmap) -> None:
    pool.terminate()
    pool.join()
    try:
        buffer.close()
    except BufferError:  # an array over it still lives (an error's traceback): the map goes with it
        pass


class FramePool:
    """``workers`` forked processes rendering one engine's frames, ``capacity`` frames at a time."""

    def __init__(self, engine, workers: int, capacity: int = 32, step: int = 2):
        global _ENGINE, _BUFFER, _SIZE
        self.size, self.capacity, self.step = engine.subject.size, capacity, step
        self.buffer = mmap.mmap(-1, capacity * self.size * self.size * 3)  # MAP_SHARED | MAP_ANONYMOUS
        self._lock = threading.Lock()  # one render at a time: they share the buffer
        _ENGINE, _BUFFER, _SIZE = engine, self.buffer, self.size
        caught: list[int] = []
        main = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not None
        # a Ctrl-C that lands while the pool forks would raise inside an at-fork callback (logging's lock
        # release), where Python prints it and carries on: the CLI then rendered the whole clip and exited 0.
        # It is held back until the workers exist and raised here.
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum)) if main else None
        try:
            self._pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init)
        finally:
            _ENGINE, _BUFFER, _SIZE = None, None, 0
            if main:
                signal.signal(signal.SIGINT, previous)
        self._finalizer = weakref.finalize(self, _shutdown, self._pool, self.buffer)
        if caught:
            raise KeyboardInterrupt

    def render(self, expr: np.ndarray, head: np.ndarray, gaze: np.ndarray, cameras: list) -> np.ndarray:
        """(B, S, S, 3) uint8 frames of rows ``expr`` (B, 52), ``head`` (B, 6), ``gaze`` (B, 2), ``cameras``."""
        n = len(expr)
        out = np.empty((n, self.size, self.size, 3), np.uint8)
        view = np.ndarray((self.capacity, self.size, self.size, 3), np.uint8, buffer=self.buffer)
        with self._lock:
            for base in range(0, n, self.capacity):  # rounds of at most ``capacity`` frames
                stop = min(base + self.capacity, n)
                tasks = [(i - base, expr[i:min(i + self.step, stop)], head[i:min(i + self.step, stop)],
                          gaze[i:min(i + self.step, stop)], cameras[i:min(i + self.step, stop)])
                         for i in range(base, stop, self.step)]
                self._pool.map(_render_rows, tasks, chunksize=1)
                out[base:stop] = view[: stop - base]
        return out

    def close(self) -> None:
        self._finalizer()
