"""`tritalk batch --ray ADDRESS` against a real local Ray cluster started here (`ray start --head`): rows are
rendered by actors that receive the inputs as bytes; a bad row fails with the local batch's one-line reason,
naming the user's file (not an actor's temp copy); the others are written where the CSV says."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import free_port, speech_excerpt
from PIL import Image

from tritalk.io.video import probe_video

pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[cluster]')")
RAY = Path(sys.executable).with_name("ray")



@pytest.fixture(scope="module")
def cluster():
    if not RAY.exists():
        pytest.skip(f"no ray command beside {sys.executable}")
    port = free_port()
    start = subprocess.run([str(RAY), "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                            "--disable-usage-stats", "--node-ip-address=127.0.0.1"], capture_output=True, text=True,
                           timeout=120)
    assert start.returncode == 0, start.stderr[-2000:]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(RAY), "stop", "--force"], capture_output=True, timeout=120)


def test_jobs_run_on_a_ray_cluster_and_a_bad_row_is_reported(tmp_path, cluster, example_image_path,
                                                             example_audio_path):
    speech = speech_excerpt(example_audio_path, 1.0, tmp_path)
    wall = tmp_path / "wall.png"  # a photo without a face: fails inside an actor
    y, x = np.mgrid[0:200, 0:200]
    Image.fromarray(np.stack([x % 256, y % 256, (x * y) % 256], -1).astype(np.uint8)).save(wall)
    photo = tmp_path / "photos" / "me.jpg"
    photo.parent.mkdir()
    shutil.copy(example_image_path, photo)
    (tmp_path / "out").mkdir()
    jobs = tmp_path / "jobs.csv"
    jobs.write_text("image,audio,output,emotion,yaw\n"
                    f"photos/me.jpg,{speech},out/a.mp4,happy,10\n"
                    f"photos/me.jpg,{speech},out/b.mp4,sad,\n"
                    f"wall.png,{speech},out/c.mp4,,\n"
                    f"photos/missing.jpg,{speech},out/d.mp4,,\n")
    proc = subprocess.run([sys.executable, "-m", "tritalk.cli.main", "batch", str(jobs), "--ray", cluster,
                           "--workers", "2", "--size", "128", "--fps", "10"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 8, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "batch: 2 done, 0 skipped (output exists), 2 failed" in proc.stdout
    for name in "ab":
        info = probe_video(tmp_path / "out" / f"{name}.mp4")
        assert info["n_frames"] == 10 and info["width"] == 128 and info["has_audio"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.mp4", "b.mp4"]  # no temp files left
    with open(tmp_path / "jobs.failures.csv", newline="") as f:
        failures = {r["row"]: r["error"] for r in csv.DictReader(f)}
    assert set(failures) == {"4", "5"}
    assert "no face" in failures["4"] and str(wall) in failures["4"]  # the user's path, not the actor's copy
    assert "cannot read image" in failures["5"] and "missing.jpg" in failures["5"]


def test_an_address_with_no_cluster_is_one_line(tmp_path, example_image_path):
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(f"image,audio,output\n{example_image_path},x.wav,out.mp4\n")
    proc = subprocess.run([sys.executable, "-m", "tritalk.cli.main", "batch", str(jobs), "--ray",
                           f"127.0.0.1:{free_port()}"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 5, proc.stderr
    assert proc.stderr.startswith("error: cannot reach the Ray cluster at 127.0.0.1:")
    assert len(proc.stderr.strip().splitlines()) == 1
