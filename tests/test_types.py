"""The shared types: a Motion means what it says (absolute ARKit values + the photo's own expression),
survives .npz exactly and exports absolute values; Camera / CameraPath carry distance and field of view."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tritalk.errors import ConfigError, InputError
from tritalk.types import BLENDSHAPES, IDX, N_EXPR, Camera, CameraPath, Motion


def smiling_motion(t: int = 30) -> Motion:
    rng = np.random.default_rng(0)
    base = np.zeros(N_EXPR, np.float32)
    base[[IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]] = 0.7
    expr = np.clip(base + rng.uniform(0, 0.2, (t, N_EXPR)), 0, 1).astype(np.float32)
    return Motion(expr, rng.normal(0, 0.05, (t, 6)).astype(np.float32), rng.normal(0, 0.1, (t, 2)).astype(np.float32),
                  25.0, base=base, lip_closure=rng.uniform(0, 1, t).astype(np.float32))


def test_npz_round_trip_keeps_every_field_exactly(tmp_path):
    m = smiling_motion()
    m.save_npz(tmp_path / "m.npz")
    back = Motion.load_npz(tmp_path / "m.npz")
    for name in ("expr", "head", "gaze", "base", "lip_closure"):
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
        assert getattr(back, name).dtype == np.float32
    assert back.fps == m.fps


def test_npz_without_suffix_is_written_where_asked(tmp_path):
    smiling_motion().save_npz(tmp_path / "anim")
    assert (tmp_path / "anim").is_file() and not (tmp_path / "anim.npz").exists()


def test_old_offset_format_and_junk_are_refused_with_one_line(tmp_path):
    np.savez(tmp_path / "old.npz", expr=np.zeros((3, 52)), head=np.zeros((3, 6)), gaze=np.zeros((3, 2)), fps=25.0)
    with pytest.raises(InputError, match="offsets"):
        Motion.load_npz(tmp_path / "old.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .npz"):
        Motion.load_npz(tmp_path / "junk.npz")
    with pytest.raises(InputError, match="does not exist"):
        Motion.load_npz(tmp_path / "missing.npz")
    m = smiling_motion()
    np.savez(tmp_path / "nofps.npz", format=np.array("tritalk.motion/2"), expr=m.expr, head=m.head, gaze=m.gaze,
             base=m.base)
    with pytest.raises(InputError, match="fps"):
        Motion.load_npz(tmp_path / "nofps.npz")
    np.savez(tmp_path / "future.npz", format=np.array("tritalk.motion/9"))
    with pytest.raises(InputError, match="format 'tritalk.motion/9'"):
        Motion.load_npz(tmp_path / "future.npz")


def test_arkit_csv_holds_absolute_values(tmp_path):
    m = smiling_motion()
    m.save_arkit_csv(tmp_path / "m.csv")
    rows = list(csv.DictReader(open(tmp_path / "m.csv")))
    assert len(rows) == len(m)
    smile = np.array([float(r["MouthSmileLeft"]) for r in rows])
    np.testing.assert_allclose(smile, m.expr[:, IDX["mouthSmileLeft"]], atol=1e-5)
    assert smile.min() >= 0.7 - 1e-5  # the photo's smile is in the values, not subtracted out
    header = next(csv.reader(open(tmp_path / "m.csv")))
    assert header[2:2 + N_EXPR] == [n[0].upper() + n[1:] for n in BLENDSHAPES]
    assert header[-9:-6] == ["HeadYaw", "HeadPitch", "HeadRoll"] and header[-6] == "LeftEyeYaw"


def test_motion_refuses_values_outside_arkit_range():
    t = 4
    bad = np.full((t, N_EXPR), 1.5, np.float32)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        Motion(bad, np.zeros((t, 6), np.float32), np.zeros((t, 2), np.float32), 25.0)
    with pytest.raises(InputError, match="base"):
        Motion(np.zeros((t, N_EXPR), np.float32), np.zeros((t, 6), np.float32), np.zeros((t, 2), np.float32), 25.0,
               base=np.zeros(3, np.float32))


def test_still_holds_the_photo_and_rebase_moves_the_performance():
    base = np.zeros(N_EXPR, np.float32)
    base[IDX["mouthSmileLeft"]] = 0.6
    still = Motion.still(5, 25.0, base)
    np.testing.assert_array_equal(still.expr, np.tile(base, (5, 1)))
    m = smiling_motion()
    other = np.zeros(N_EXPR, np.float32)
    moved = m.rebase(other)
    np.testing.assert_array_equal(moved.base, other)
    change = m.expr - m.base
    np.testing.assert_allclose(moved.expr, np.clip(change, 0, 1), atol=1e-6)


def test_camera_has_distance_and_field_of_view_and_a_path_keeps_them():
    cam = Camera(yaw=10, distance=80.0, fov=30.0)
    path = CameraPath.of(cam)
    assert path.is_static and path.at(3.0) == cam
    orbit = CameraPath(cam, "orbit")
    later = orbit.at(1.5)
    assert later.distance == 80.0 and later.fov == 30.0 and later.yaw != cam.yaw
    assert CameraPath.of(orbit) is orbit
    with pytest.raises(ConfigError, match="distance"):
        Camera(distance=2.0)
    with pytest.raises(ConfigError, match="field of view"):
        Camera(fov=170.0)
    with pytest.raises(ConfigError, match="Camera or a CameraPath"):
        CameraPath.of("orbit")


def test_keyframe_files_are_checked_when_read(tmp_path):
    import json

    (tmp_path / "far.json").write_text(json.dumps([{"t": 0, "yaw": 0}, {"t": 2, "yaw": 60}]))
    with pytest.raises(ConfigError, match="t=2 s"):
        CameraPath.parse(str(tmp_path / "far.json"), Camera(yaw=40))  # 40 + 60 > 90: refused before rendering
    assert CameraPath.parse(str(tmp_path / "far.json")).at(1.0).yaw == pytest.approx(30)
    (tmp_path / "key.json").write_text(json.dumps([{"t": 0, "yaw": 10, "fov": 30}]))
    with pytest.raises(ConfigError, match="unknown keyframe key 'fov'"):
        CameraPath.parse(str(tmp_path / "key.json"))
