"""The CLI's error contract: one `error:` line, the documented exit code per class, never a traceback.

Option errors run ``tritalk.cli.main.main`` in-process (fast); bugs run in a subprocess too, so
nothing the interpreter prints at exit can sneak a traceback in.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tritalk import errors
from tritalk.cli import main as cli

from cli_helpers import error_lines
from cli_helpers import short_wav, speech16k  # noqa: F401  (fixtures)

README = Path(__file__).resolve().parents[2] / "README.md"


def call_main(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def io(tmp_path, example_image_path, short_wav):
    out = tmp_path / "out.mp4"
    return ["generate", "-i", example_image_path, "-a", short_wav, "-o", out, "--size", "128"], out


FLAG_CASES = {  # extra flags -> (exit code, words the message must contain)
    "yaw nan": (["--yaw", "nan"], 5, ["yaw", "-90, 90"]),
    "pitch inf": (["--pitch", "inf"], 5, ["pitch", "-60, 60"]),
    "roll -inf": (["--roll", "-inf"], 5, ["roll"]),
    "zoom nan": (["--zoom", "nan"], 5, ["zoom"]),
    "intensity nan": (["--intensity", "nan"], 5, ["intensity", "0, 1"]),
    "intensity 1.5": (["--intensity", "1.5"], 5, ["intensity"]),
    "fps nan": (["--fps", "nan"], 5, ["fps", "5 to 60"]),
    "fps 0": (["--fps", "0"], 5, ["fps"]),
    "fps 240": (["--fps", "240"], 5, ["fps"]),
    "size odd": (["--size", "129"], 5, ["size", "even"]),
    "size tiny": (["--size", "16"], 5, ["128 to 2048"]),
    "size words": (["--size", "big"], 5, ["--size", "--help"]),
    "blink nan": (["--blink-rate", "nan"], 5, ["blink"]),
    "head motion 2": (["--head-motion", "2"], 5, ["head motion"]),
    "empty emotion": (["--emotion", ""], 5, ["emotion", "surprised"]),
    "unknown flag": (["--frobnicate"], 5, ["no such option", "--help"]),
    "negative seed": (["--seed", "-1"], 5, ["seed", ">= 0"]),
    "negative face": (["--face", "-1"], 5, ["--face", "largest"]),
    "face out of range": (["--face", "3"], 5, ["--face", "1 face"]),
}


@pytest.mark.parametrize("case", list(FLAG_CASES))
def test_bad_option_is_one_line_exit_5(case, io, capsys):
    args, out = io
    extra, code, words = FLAG_CASES[case]
    rc, _, err = call_main(capsys, *args, *extra)
    line = one_error_line(err)
    assert rc == code, err
    for w in words:
        assert w.lower() in line.lower(), line
    assert not out.exists() and not list(out.parent.glob(".tritalk-*"))


def test_missing_required_flag(capsys, example_image_path):
    rc, _, err = call_main(capsys, "generate", "-i", example_image_path, "-o", "x.mp4")
    assert rc == 5 and "--audio" in one_error_line(err)


OUTPUT_CASES = {  # where -o points -> words the message must contain
    "no .mp4 suffix": (lambda d: d / "talk", [".mp4"]),
    "missing folder": (lambda d: d / "no" / "such" / "talk.mp4", ["does not exist"]),
    "a file as folder": (lambda d: _file(d / "notes.txt") / "talk.mp4", ["not a folder"]),
    "an existing folder": (lambda d: _folder(d / "talk.mp4"), ["folder"]),
    "read-only /proc": (lambda d: Path("/proc/talk.mp4"), ["refuses new files"]),
    "exists, no --overwrite": (lambda d: _file(d / "old.mp4"), ["already exists", "--overwrite"]),
}


def _file(p: Path) -> Path:
    p.write_text("keep me")
    return p


def _folder(p: Path) -> Path:
    p.mkdir()
    return p


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_unwritable_output_is_one_line_exit_6(case, tmp_path, capsys, example_image_path, short_wav):
    where, words = OUTPUT_CASES[case]
    out = where(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    rc, _, err = call_main(capsys, "generate", "-i", example_image_path, "-a", short_wav, "-o", out)
    line = one_error_line(err)
    assert rc == 6, err
    for w in words:
        assert w in line, line
    assert sorted(tmp_path.rglob("*")) == before  # nothing created, nothing replaced
    if out.is_file():
        assert out.read_text() == "keep me"


def test_bad_motion_out_is_refused_before_any_work(io, capsys, tmp_path):
    args, out = io
    rc, _, err = call_main(capsys, *args, "--motion-out", tmp_path / "anim.txt")
    assert rc == 6 and ".npz or .csv" in one_error_line(err)
    rc, _, err = call_main(capsys, *args, "--motion-out", tmp_path / "nope" / "anim.csv")
    assert rc == 6 and "does not exist" in one_error_line(err)
    assert not out.exists()


def _boom(*a, **k):
    raise ValueError("boom\nsecond line")


def test_a_bug_is_one_line_in_a_real_process(io):
    args, out = io
    code = ("import sys, tritalk.pipeline as p\n"
            "def boom(*a, **k): raise ValueError('boom\\nsecond line')\n"
            "p.TalkingHead.load = boom\n"
            "from tritalk.cli.main import main\n"
            "main(sys.argv[1:])\n")
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert error_lines(proc.stderr) == ["error: internal error (ValueError: boom second line); please report it "
                                        "with the --verbose output"], proc.stderr
    assert not out.exists()


def _ctrl_c_inside_compiled_code(*a, **k):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as ki:
        raise SystemError("CPUDispatcher(<function _bounds>) returned a result with an exception set") from ki


def test_ctrl_c_inside_compiled_code_is_an_interruption_not_a_bug(io, capsys, monkeypatch):
    """Ctrl-C landing while a numba function returns reaches Python as a SystemError whose cause is the
    KeyboardInterrupt; it was reported as an internal error, exit 1 (seen once in the Ctrl-C test of a fresh-clone CI
    run, 2026-12-07). It is an interruption: exit 130, the interrupted line."""
    import signal

    import tritalk.pipeline

    monkeypatch.setattr(tritalk.pipeline.TalkingHead, "load", _ctrl_c_inside_compiled_code)
    args, out = io
    before = signal.getsignal(signal.SIGINT)
    try:
        rc, _, err = call_main(capsys, *args)
    finally:
        signal.signal(signal.SIGINT, before)  # (the CLI ignores a second Ctrl-C while it reports the first)
    assert rc == 130
    assert one_error_line(err) == "error: interrupted; no output was written"
    assert not out.exists()


def test_verbose_shows_the_traceback_of_a_bug(io, capsys, monkeypatch):
    import tritalk.pipeline

    monkeypatch.setattr(tritalk.pipeline.TalkingHead, "load", _boom)
    args, _ = io
    rc, _, err = call_main(capsys, *args, "--verbose")
    assert rc == 1
    assert "Traceback" in err and "_boom" in err
    assert err.strip().splitlines()[-1].startswith("error: internal error (ValueError: boom")


def test_exit_codes_are_documented_in_readme_and_help(capsys):
    classes = {e.exit_code for e in (errors.TritalkError, errors.InputError, errors.ImageError, errors.NoFaceError,
                                     errors.AudioError, errors.ConfigError, errors.OutputError, errors.WeightsError)}
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", README.read_text(), re.M))
    for code in classes | {cli.EXIT_INTERRUPTED, cli.EXIT_BATCH_FAILED}:
        assert str(code) in table, f"exit code {code} missing from the README table"
        assert re.search(rf"\b{code} ", cli.EXIT_CODES), f"exit code {code} missing from --help"
    rc, out, _ = call_main(capsys, "generate", "--help")
    assert rc == 0 and "Exit codes" in out and "130 interrupted" in " ".join(out.split())
