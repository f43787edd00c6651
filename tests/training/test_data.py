"""training/data.py, synth.py, augment.py: layouts, a real GRID clip measured, calibration and coarticulation."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tritalk.audio.phones import PhoneSpan
from tritalk.face.track import head_pose_from_matrix
from tritalk.motion.speech import MOUTH_TARGETS
from tritalk.training import augment
from tritalk.training.data import find_videos, grid_sentence, prepare
from tritalk.training.synth import VISEME_IDX, VisemeTable, calibrate, coarticulate

SHARED_GRID = Path(__file__).resolve().parents[3] / "shared" / "data" / "dev" / "videos" / \
    "grid_man_greyhair_swwp2s.mp4"


def test_grid_codes():
    assert grid_sentence("bbaf2n") == "bin blue at f two now"
    assert grid_sentence("swwp2s") == "set white with p two soon"
    assert grid_sentence("hello1") is None


def test_layouts_are_recognised(tmp_path):
    files = ["s12/bbaf2n.mpg", "grid_man_x_sbia1a.mp4", "grid_man_x_sbia1a_original.mpg",
             "M003/video/front/angry/level_1/001.mp4", "M003/video/left_30/angry/level_1/001.mp4",
             "HDTF/WRA_KristiNoem_000.mp4", "misc/person/talk.mp4", "notes.txt"]
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_bytes(b"")
    items = {i.id: i for i in find_videos(tmp_path)}
    assert set(items) == {"grid_s12_bbaf2n", "grid_man_x_sbia1a", "mead_M003_angry_level_1_001",
                          "hdtf_WRA_KristiNoem_000", "misc_person_talk"}
    assert items["grid_s12_bbaf2n"].transcript == "bin blue at f two now"
    assert items["grid_man_x_sbia1a"].speaker == "man_x"
    assert items["mead_M003_angry_level_1_001"].emotion == "angry"
    assert items["hdtf_WRA_KristiNoem_000"].speaker == "WRA_KristiNoem"


def test_head_pose_signs():
    def rot_y(a):  # nose (0, 0, 1) towards +x = image right
        return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])

    m = np.eye(4)
    m[:3, :3] = rot_y(0.2)
    m[:3, 3] = [1, 2, -50]
    pose = head_pose_from_matrix(m)
    assert pose[0] == pytest.approx(0.2, abs=1e-5) and abs(pose[1]) < 1e-6 and abs(pose[2]) < 1e-6
    assert tuple(pose[3:]) == (1, 2, -50)


@pytest.mark.skipif(not SHARED_GRID.is_file(), reason="shared dev videos not present")
def test_prepare_measures_a_real_grid_clip(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    shutil.copy(SHARED_GRID, videos)
    records = prepare(videos, tmp_path / "out")
    assert len(records) == 1 and records[0]["face_rate"] == 1.0 and records[0]["frames"] == 75
    d = np.load(tmp_path / "out" / "clips" / f"{records[0]['id']}.npz")
    assert d["expr"].shape == (75, 52) and d["head"].shape == (75, 6)
    jaw = d["expr"][:, 17]
    assert jaw.max() - jaw.min() > 0.1  # the mouth moves while he speaks
    assert np.abs(d["head"][:, :3]).max() < 0.5  # a near-frontal speaker (radians)
    assert abs(d["audio"].size / 16000 - 3.0) < 0.1
    assert len(d["phones"]) > 5 and len(d["aligned"]) > 10  # recognised and force-aligned phones
    assert "P" in set(d["aligned"])  # "set white with p two soon"


def _spans(seq, dur=0.12, t0=0.3):
    from tritalk.audio.phones import VISEMES

    return [PhoneSpan(v, v, t0 + i * dur, t0 + (i + 1) * dur) for i, v in enumerate(seq) if v in VISEMES]


def test_coarticulation_closes_on_bilabials_and_rests_outside_speech():
    shapes = np.zeros((14, 2), np.float32)
    shapes[VISEME_IDX["AA"]] = (0.4, 0.0)
    shapes[VISEME_IDX["PBM"]] = (0.05, 0.3)
    spans = _spans(["AA", "PBM", "AA", "TDNL", "AA"])
    y = coarticulate(spans, shapes, 25.0, 40, lead_s=0.0, width_s=0.04)
    t = (np.arange(40) + 0.5) / 25
    pbm = (t > 0.42 + 0.02) & (t < 0.54 - 0.02)
    assert y[pbm, 0].max() < 0.2 and y[pbm, 1].min() > 0.15  # jaw up, lips together
    tdnl = (t > 0.66 + 0.02) & (t < 0.78 - 0.02)
    assert y[tdnl, 0].mean() > 0.25  # a weak consonant keeps the vowel's jaw (coarticulation)
    assert np.abs(y[t < 0.15]).max() < 0.02 and np.abs(y[t > 1.1]).max() < 0.02


def test_calibration_recovers_per_viseme_shapes(tmp_path):
    fps, n = 25.0, 100
    seq = ["AA", "PBM", "IY", "AA", "PBM", "OW", "AA", "PBM", "IY"] * 2
    spans = _spans(seq, dur=0.16, t0=0.2)
    truth = np.zeros((14, len(MOUTH_TARGETS)), np.float32)
    truth[VISEME_IDX["AA"], 0], truth[VISEME_IDX["IY"], 0], truth[VISEME_IDX["OW"], 0] = 0.4, 0.2, 0.3
    truth[VISEME_IDX["PBM"], 1] = 0.3
    track = coarticulate(spans, truth, fps, n, 0.04, 0.03)
    expr = np.full((n, 52), 0.0, np.float32)
    from tritalk.arkit import shape_columns as target_columns

    for k, t in enumerate(MOUTH_TARGETS):
        expr[:, target_columns(t)] = track[:, [k]]
    table = calibrate([dict(id="c", expr=expr, fps=fps, spans=spans)], MOUTH_TARGETS)
    s = table.array()
    assert s[VISEME_IDX["AA"], 0] > s[VISEME_IDX["IY"], 0] > s[VISEME_IDX["PBM"], 0]
    assert s[VISEME_IDX["PBM"], 1] > 0.15
    table.save(tmp_path / "t.json")
    assert VisemeTable.load(tmp_path / "t.json") == table


def test_degradations(speech16k):
    rng = np.random.default_rng(0)
    tel = augment.degrade(speech16k, 16000, "telephone", rng)
    assert tel.sample_rate == 8000 and abs(tel.duration - 3.0) < 0.01
    for kind in ("noise", "music", "reverb", "quiet", "clean"):
        c = augment.degrade(speech16k, 16000, kind, rng)
        assert c.samples.shape == speech16k.shape and np.isfinite(c.samples).all()
    noisy = augment.noise(speech16k.astype(np.float64), 16000, rng, snr_db=0.0)
    added = noisy.samples - speech16k
    assert 0.05 < np.mean(added ** 2) / np.mean(speech16k ** 2) < 20
