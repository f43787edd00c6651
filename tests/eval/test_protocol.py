"""The self-driven protocol end to end on one short real GRID clip (tests/data/grid_sbia1a_cut.mp4, 1.6 s):
``tritalk eval`` writes results.json / results.md / plots, the mesh engine's mouth beats a still one, and a
rerun resumes finished clips."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    from typer.testing import CliRunner

    from tritalk.cli.main import app

    videos = tmp_path_factory.mktemp("videos")
    shutil.copy(DATA / "grid_sbia1a_cut.mp4", videos / "grid_sbia1a_cut.mp4")
    out = tmp_path_factory.mktemp("out")
    res = CliRunner().invoke(app, ["eval", str(videos), "--baselines", "still,loudness", "--size", "128",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    return videos, out


def test_results_have_every_metric_for_every_system(evaluated):
    _, out = evaluated
    results = json.loads((out / "results.json").read_text())
    clip = results["clips"][0]
    assert clip["frames"] == 40
    for system in ("mesh", "still", "loudness"):
        m = clip["systems"][system]["0"]
        for k in ("PSNR", "SSIM", "M-LMD", "F-LMD", "face_rate", "av_offset", "mouth_loudness_r", "blink_rate",
                  "pose_jitter", "flicker"):
            assert k in m, (system, k)
        assert m["face_rate"] > 0.9
        assert m["LSE-C"].startswith("n/a (no weights at")  # no SyncNet here: said, not faked
        assert results["summary"][system]["0"]["n_clips"] == 1
    # the still reference is the first frame: nearly identical to the real first frames, mouth shut throughout
    assert clip["systems"]["still"]["0"]["flicker"] == 0.0
    # the mesh engine's mouth follows the speech: closer to the real mouth than the held-still photo
    assert clip["systems"]["mesh"]["0"]["M-LMD"] < clip["systems"]["still"]["0"]["M-LMD"]
    md = (out / "results.md").read_text()
    assert "PSNR/SSIM" in md and "M-LMD" in md and "| mesh |" in md and "| still |" in md
    assert (out / "mouth_grid_sbia1a_cut.png").stat().st_size > 1000
    assert (out / "distributions.png").stat().st_size > 1000


def test_rerun_resumes_finished_clips(evaluated):
    from tritalk.eval.protocol import evaluate_clip
    from tritalk.eval.datasets import eval_clips

    videos, out = evaluated
    done = json.loads((out / "clips" / "grid_sbia1a_cut.json").read_text())

    class Exploding:
        name = "mesh"
        config = __import__("tritalk.config").config.TritalkConfig(size=128)

        def frames(self, *a, **k):
            raise AssertionError("a finished system was recomputed")

    row = evaluate_clip(eval_clips(videos)[0], [Exploding()], (0.0,), done=done)
    assert row["systems"]["mesh"]["0"]["PSNR"] == done["systems"]["mesh"]["0"]["PSNR"]


def test_real_frames_are_mapped_into_the_subjects_crop():
    """The crop of the real first frame is the reference photo's crop: the still system's first frame."""
    from tritalk.config import TritalkConfig
    from tritalk.eval.image_metrics import psnr
    from tritalk.eval.protocol import real_clip
    from tritalk.eval.systems import make_systems

    clip = real_clip(DATA / "grid_sbia1a_cut.mp4", 128, 25.0)
    (still,) = make_systems((), ("still",), TritalkConfig(size=128))
    try:
        frames = still.frames(clip["reference"], clip["audio"])
    finally:
        still.close()
    assert frames.shape == (40, 128, 128, 3) and clip["crops"].shape == (40, 128, 128, 3)
    assert psnr(clip["crops"][0], frames[0]) > 40  # same box, same resampling


def test_cli_errors_are_one_line(tmp_path):
    from typer.testing import CliRunner

    from tritalk.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["eval", str(tmp_path), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0
    from tritalk.errors import ConfigError, InputError
    assert isinstance(res.exception, InputError) and "no talking-face videos" in str(res.exception)
    res = runner.invoke(app, ["eval", str(tmp_path), "--baselines", "wobble"])
    assert isinstance(res.exception, ConfigError) and "unknown baseline 'wobble'" in str(res.exception)


def test_novel_views_get_only_no_reference_measures():
    """A system that returns the real frames themselves: perfect at the front view (PSNR 100, M-LMD 0); at
    yaw +-30 there are no real frames to compare with, so only the no-reference measures are there."""
    from tritalk.config import TritalkConfig
    from tritalk.eval.datasets import eval_clips
    from tritalk.eval.protocol import evaluate_clip, real_clip

    crops = real_clip(DATA / "grid_sbia1a_cut.mp4", 128, 25.0)["crops"]

    class Oracle:
        name = "oracle"
        config = TritalkConfig(size=128)

        def frames(self, reference, audio, camera):
            return crops

    item = [i for i in eval_clips(DATA) if i.id.endswith("sbia1a_cut")][0]
    row = evaluate_clip(item, [Oracle()], (0.0, -30.0, 30.0))
    front, side = row["systems"]["oracle"]["0"], row["systems"]["oracle"]["-30"]
    assert front["PSNR"] == 100.0 and front["SSIM"] == pytest.approx(1.0) and front["M-LMD"] == pytest.approx(0.0, abs=1e-9)
    assert "PSNR" not in side and "M-LMD" not in side and "FID" not in side
    assert side["face_rate"] == row["real"]["face_rate"] and "LSE-C" in side
    assert set(row["mouth_opening"]) == {"real", "oracle@0", "oracle@-30", "oracle@30"}
