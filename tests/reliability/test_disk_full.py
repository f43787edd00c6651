"""A full disk mid-write is an OutputError (exit 6, one line), and the temp file is removed."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from tritalk.errors import OutputError
from tritalk.io.video import VideoWriter


class _FailingContainer:
    """The real output container, except that muxing fails with an OS error."""

    def __init__(self, real, code: int):
        self.real, self.code = real, code

    def mux(self, packets):
        raise OSError(self.code, "No space left on device" if self.code == errno.ENOSPC else "I/O failure")

    def close(self):
        self.real.close()


def _write_until_failure(out, code):
    with VideoWriter(out, 32, 32, 25, None) as w:
        w.write(np.zeros((5, 32, 32, 3), np.uint8))
        w._container = _FailingContainer(w._container, code)  # the next packet hits the disk
        w.write(np.zeros((40, 32, 32, 3), np.uint8))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_disk_full_while_encoding_is_an_output_error_and_leaves_nothing(tmp_path, code):
    with pytest.raises(OutputError, match=r"cannot write '.*out\.mp4': .*; free some disk space") as e:
        _write_until_failure(tmp_path / "out.mp4", code)
    assert "\n" not in str(e.value) and e.value.exit_code == 6
    assert list(tmp_path.iterdir()) == []


def test_other_os_errors_stay_bugs(tmp_path):
    with pytest.raises(OSError) as e:
        _write_until_failure(tmp_path / "out.mp4", errno.EBADF)
    assert not isinstance(e.value, OutputError)
    assert list(tmp_path.iterdir()) == []
