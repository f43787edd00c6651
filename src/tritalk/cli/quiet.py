"""Process-wide output control that belongs to the command line, never to the library."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence native libraries' start-up chatter (MediaPipe's absl/TFLite INFO and W lines) on file
    descriptor 2 while models load. Python's own messages written meanwhile are lost too, so wrap only
    the loading, never work that may report an error."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # stderr replaced (pytest capture, notebooks)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
