"""What every reader in io/ checks before decoding: the input is a readable, non-empty regular file.

Contract:
  * ``check_input_file(path, error, what, fix)`` raises ``error`` (an ``InputError`` subclass) with
    one line (file, problem, fix) for a missing path, a folder, a pipe or device, an unreadable or
    an empty file; otherwise returns None and leaves the file untouched.
  * ``AV_ERRORS`` is what PyAV raises on unreadable media, for the readers that open files with it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import av

from tritalk.errors import InputError

logger = logging.getLogger(__name__)

__all__ = ["check_input_file", "AV_ERRORS"]

# PyAV maps FFmpeg errors to FFmpegError subclasses; malformed headers / metadata also surface
# as ValueError (UnicodeDecodeError included) or OSError.
AV_ERRORS = (av.FFmpegError, ValueError, OSError, EOFError, IndexError)


def check_input_file(p: Path, error: type[InputError], what: str, fix: str) -> None:
    """Raise ``error`` unless ``p`` is a regular file that can be opened and is not empty."""
    if not p.exists():
        raise error(f"cannot read {what} '{p}': no such file; check the path")
    if p.is_dir():
        raise error(f"cannot read {what} '{p}': it is a folder; give the path of a file")
    if not p.is_file():  # a pipe would block forever, a device never end
        raise error(f"cannot read {what} '{p}': not a regular file (a pipe or a device); save it to a "
                    f"file first")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except OSError as e:
        raise error(f"cannot read {what} '{p}': {e.strerror}; check the file's permissions") from e
    if size == 0:
        raise error(f"cannot read {what} '{p}': the file is empty (0 bytes); {fix}")
