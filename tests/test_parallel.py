"""parallel.py: work beside the caller on daemon threads (the mesh engine's frames, the encoder)."""

from __future__ import annotations

import threading
import time

import pytest

from tritalk.parallel import for_each, start


def test_for_each_does_every_item_once_on_several_threads():
    seen, names, lock = [], set(), threading.Lock()

    def work(i):
        with lock:
            seen.append(i)
            names.add(threading.get_ident())
        time.sleep(0.01)  # the threads overlap (a finished thread's id may be reused)

    for_each(work, 25, threads=3)
    assert sorted(seen) == list(range(25))
    assert len(names) == 3  # the caller and two daemon threads


def test_errors_reach_the_caller_and_the_threads_are_daemons():
    def work(i):
        assert threading.current_thread().daemon or threading.current_thread() is threading.main_thread()
        if i == 7:
            raise ValueError("frame 7")

    with pytest.raises(ValueError, match="frame 7"):
        for_each(work, 10, threads=2)
    assert start(lambda a, b: a + b, 2, 3).result() == 5
    job = start(lambda: 1 / 0)
    job.wait()  # waiting never raises ...
    with pytest.raises(ZeroDivisionError):
        job.result()  # ... the result does


def test_an_interrupted_caller_waits_for_the_other_threads_current_item():
    """A Ctrl-C (or error) in the caller's share returns only once no other thread is inside an item: a daemon
    thread still in C++ code (OpenCV) when the interpreter exits aborted the CLI ("exception not rethrown")."""
    import time

    inside = []
    done = []

    def work(i):
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.05)  # the other thread is in its item now
            raise KeyboardInterrupt
        inside.append(i)
        time.sleep(0.3)
        done.append(i)

    with pytest.raises(KeyboardInterrupt):
        for_each(work, 10, threads=2)
    assert inside and inside == done  # its current item finished ...
    assert len(done) == 1  # ... and it took no other


def test_a_caller_done_first_still_waits_for_every_item():
    """The caller's share ending first must not stop the other threads (their frames were left unrendered)."""
    import time

    done = []

    def work(i):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.02)
        done.append(i)

    for_each(work, 12, threads=3)
    assert sorted(done) == list(range(12))

