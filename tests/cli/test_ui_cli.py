"""`tritalk ui` fails in one line, before loading any model, when it cannot run: the ui extra missing
(the pip command to fix it) or the port taken. (The app itself: tests/web.)"""

from __future__ import annotations

import socket
import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_missing_ui_extra_says_what_to_install():
    # sys.modules[name] = None makes `import name` fail, as on an install without the extra
    r = _run("import sys; sys.modules['fastapi'] = None\n"
             "from tritalk.cli.main import main; main(['ui', '--port', '1'])")
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 5 and len(lines) == 1, r.stderr
    assert lines[0].startswith("error: the web app needs the 'ui' extra") and "pip install 'tritalk[ui]'" in lines[0]


def test_taken_port_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _run(f"from tritalk.cli.main import main; main(['ui', '--port', '{port}'])")
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 5 and len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: cannot listen on 127.0.0.1:{port}") and "--port" in lines[0]
