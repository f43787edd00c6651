"""`tritalk generate` as a user runs it: --engine, --motion-out / --motion-in (same frames), the run record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import speech_excerpt

from tritalk.io.video import read_video_frames


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tritalk.cli.main", *map(str, args)], capture_output=True, text=True,
                          timeout=180)


@pytest.fixture(scope="module")
def speech_2s(tmp_path_factory, example_audio_path) -> Path:
    return speech_excerpt(example_audio_path, 2.0, tmp_path_factory.mktemp("audio"))


def test_unknown_engine_exits_5_naming_the_valid_ones(tmp_path, example_image_path, speech_2s):
    out = tmp_path / "x.mp4"
    proc = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", out, "--engine", "nope")
    assert proc.returncode == 5, proc.stderr
    assert proc.stderr.strip().splitlines() == ["error: unknown engine 'nope'; choose one of: mesh, triplane"]
    assert not out.exists()


def test_help_prints_the_text_extra_with_its_brackets():
    proc = run_cli("generate", "--help")
    assert proc.returncode == 0
    assert "tritalk[text]" in " ".join(proc.stdout.split())


def test_motion_out_then_motion_in_gives_the_same_frames(tmp_path, example_image_path, speech_2s):
    common = ["-i", example_image_path, "-a", speech_2s, "--size", "128", "--engine", "mesh"]
    first = run_cli("generate", *common, "-o", tmp_path / "a.mp4", "--emotion", "happy", "--seed", "4",
                    "--motion-out", tmp_path / "m.npz")
    assert first.returncode == 0, first.stderr
    # another emotion and seed on the command line: the saved motion decides, not them
    again = run_cli("generate", *common, "-o", tmp_path / "b.mp4", "--emotion", "sad", "--seed", "9",
                    "--motion-in", tmp_path / "m.npz")
    assert again.returncode == 0, again.stderr
    a, b = list(read_video_frames(tmp_path / "a.mp4")), list(read_video_frames(tmp_path / "b.mp4"))
    assert len(a) == len(b) == 50
    for fa, fb in zip(a, b):
        np.testing.assert_array_equal(fa, fb)
    record = json.loads((tmp_path / "a.tritalk.json").read_text())
    assert record["config"]["size"] == 128 and record["inputs"]["seed"] == 4
    assert len(record["inputs"]["image"]["sha256"]) == 64


def test_motion_in_of_another_length_is_refused(tmp_path, example_image_path, example_audio_path, speech_2s):
    from tritalk.types import Motion

    Motion.still(10, 25.0).save_npz(tmp_path / "short.npz")
    out = tmp_path / "x.mp4"
    proc = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", out, "--motion-in",
                   tmp_path / "short.npz")
    assert proc.returncode == 5, proc.stderr
    assert "the motion lasts 0.40 s but the audio 2.00 s" in proc.stderr
    assert not out.exists()


def test_config_file_is_the_start_and_flags_given_override_it(tmp_path, example_image_path, speech_2s):
    first = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", tmp_path / "a.mp4", "--size", "128",
                    "--blink-rate", "5", "--hair", "long")
    assert first.returncode == 0, first.stderr
    again = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", tmp_path / "b.mp4",
                    "--config", tmp_path / "a.tritalk.json", "--size", "144")
    assert again.returncode == 0, again.stderr
    config = json.loads((tmp_path / "b.tritalk.json").read_text())["config"]
    assert config["size"] == 144  # given on the command line: overrides the file
    assert config["motion"]["blink_rate"] == 5.0  # not given: the file's value
    assert config["mesh"]["head"]["hair"] == "long"  # (a flag three levels down the tree)
    assert next(read_video_frames(tmp_path / "b.mp4")).shape == (144, 144, 3)
    exists = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", tmp_path / "c.mp4",
                     "--config", tmp_path / "a.tritalk.json")
    assert exists.returncode == 0, exists.stderr
    (tmp_path / "d.tritalk.json").write_text("{}")  # a record in the way: refused before any work
    blocked = run_cli("generate", "-i", example_image_path, "-a", speech_2s, "-o", tmp_path / "d.mp4")
    assert blocked.returncode == 6 and "--no-record" in blocked.stderr and not (tmp_path / "d.mp4").exists()
