"""render/frame_pool.py: forked render workers (the frames themselves: test_mesh_engine.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tritalk.render.frame_pool import fork_available

pytestmark = pytest.mark.skipif(not fork_available(), reason="no fork on this platform")


def test_a_ctrl_c_while_the_workers_fork_interrupts_the_caller():
    """A SIGINT that lands during the fork (here: sent from an at-fork callback) must reach the caller as a
    KeyboardInterrupt, not be printed and dropped inside a callback (the CLI then rendered on and exited 0)."""
    script = textwrap.dedent("""
        import os, signal
        from tritalk.render.frame_pool import FramePool

        class Engine:
            class subject:
                size = 8

        os.register_at_fork(before=lambda: os.kill(os.getpid(), signal.SIGINT))
        try:
            pool = FramePool(Engine(), workers=2)
        except KeyboardInterrupt:
            print("interrupted")
        else:
            pool.close()
            print("not interrupted")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "interrupted", proc.stderr
