"""scripts/: each maintainer script imports from the installed tritalk only, answers --help, and is listed
in scripts/README.md with its command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))

# run_path does not put scripts/ on sys.path (``python scripts/x.py`` does): a script that imports a
# sibling fails here, as it must.
_HELP_ALL = textwrap.dedent("""
    import contextlib, io, runpy, sys
    for path in sys.argv[1:]:
        sys.argv = [path, "--help"]
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            if e.code not in (0, None):
                raise
        else:
            raise AssertionError(path + " did not exit on --help")
        if "usage:" not in out.getvalue():
            raise AssertionError(path + " printed no usage on --help")
""")


def test_every_script_answers_help(tmp_path):
    assert len(SCRIPTS) >= 5
    proc = subprocess.run([sys.executable, "-c", _HELP_ALL, *map(str, SCRIPTS)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_scripts_do_not_touch_sys_path_and_are_listed():
    readme = (ROOT / "scripts" / "README.md").read_text()
    for script in SCRIPTS:
        text = script.read_text()
        assert "sys.path" not in text, script.name
        assert text.startswith('"""') and "Usage" in text, f"{script.name}: docstring with its usage"
        assert f"scripts/{script.name}" in readme, f"{script.name} is not listed in scripts/README.md"
