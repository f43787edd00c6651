"""Work beside the caller on short-lived daemon threads: the mesh engine's frames of one chunk side by side
(``for_each``) and the encoder writing one chunk while the next renders (``start``).

    job = start(writer.write, chunk)      # runs now, on its own thread
    ...                                   # the caller renders the next chunk meanwhile
    job.result()                          # waits; re-raises what the work raised

    for_each(render_one, 25, threads=2)   # render_one(0..24), the caller's thread doing its share

The threads are daemons, started per piece of work and gone when it is done: a Ctrl-C at any moment (the
caller waiting, a thread being started) never leaves a thread that the interpreter must wait for at exit (a
shared ThreadPoolExecutor's workers are not daemons and could keep an interrupted CLI from exiting). Starting
a thread costs ~0.1 ms, against ~10-40 ms a frame.
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class Job:
    """One piece of work on its own daemon thread (``start``)."""

    def __init__(self):
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as e:  # handed to the waiter, whatever it is
            self._error = e
        finally:
            self._done.set()

    def wait(self) -> None:
        """Until the work has finished (never raises what it raised)."""
        self._done.wait()

    def result(self) -> Any:
        """The work's return value, after waiting for it; what it raised is raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


def start(fn: Callable, *args, name: str = "tritalk-worker") -> Job:
    """Run ``fn(*args)`` on a new daemon thread now."""
    job = Job()
    threading.Thread(target=job._run, args=(fn, args), name=name, daemon=True).start()
    return job


def for_each(fn: Callable[[int], None], n: int, threads: int) -> None:
    """``fn(i)`` for every i in range(n), on ``threads`` threads (the caller's one of them; items dealt out in
    turn). The first error raised by any item is raised here, after the caller's own share."""
    k = max(1, min(threads, n))
    if k == 1:
        for i in range(n):
            fn(i)
        return

    stop = threading.Event()

    def share(first: int) -> None:
        for i in range(first, n, k):
            if stop.is_set():
                return
            fn(i)

    jobs = [start(share, s, name="tritalk-render") for s in range(1, k)]
    try:
        share(0)
    except BaseException:  # an error or a Ctrl-C here: the other threads finish their current item before it
        stop.set()  # propagates (a daemon thread still inside OpenCV's C++ when the interpreter exits aborts
        for job in jobs:  # the process: "FATAL: exception not rethrown", seen in CI after Ctrl-C)
            job.wait()
        raise
    for job in jobs:
        job.result()
