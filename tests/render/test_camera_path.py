"""Camera paths: named motions and keyframe files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tritalk.errors import ConfigError
from tritalk.render.camera import rotation
from tritalk.types import Camera, CameraPath


def test_orbit_sweeps_yaw_around_the_base():
    path = CameraPath.parse("orbit", Camera(pitch=5))
    yaws = [path.at(t).yaw for t in np.linspace(0, path.period, 50)]
    assert max(yaws) == pytest.approx(30, abs=1) and min(yaws) == pytest.approx(-30, abs=1)
    assert all(path.at(t).pitch == 5 for t in (0.0, 1.0, 2.5))


def test_keyframes_interpolate(tmp_path):
    f = tmp_path / "cam.json"
    f.write_text(json.dumps([{"t": 0, "yaw": -20}, {"t": 2, "yaw": 20, "zoom": 1.5}]))
    path = CameraPath.parse(str(f))
    assert path.at(1.0).yaw == pytest.approx(0.0) and path.at(1.0).zoom == pytest.approx(1.25)
    assert path.at(5.0).yaw == pytest.approx(20.0)  # holds the last keyframe


@pytest.mark.parametrize("bad", ["spin", "missing.json"])
def test_bad_paths_are_config_errors(bad, tmp_path):
    with pytest.raises(ConfigError):
        CameraPath.parse(bad if bad == "spin" else str(tmp_path / bad))


def test_bad_keyframe_file(tmp_path):
    f = tmp_path / "cam.json"
    f.write_text('{"yaw": 3}')
    with pytest.raises(ConfigError):
        CameraPath.parse(str(f))


def test_rotation_conventions():
    nose = np.array([0.0, 0.0, 1.0])
    assert (rotation(np.radians(30), 0, 0) @ nose)[0] > 0.4  # yaw > 0: nose to +x (image right)
    assert (rotation(0, np.radians(20), 0) @ nose)[1] > 0.3  # pitch > 0: nose up
    up = np.array([0.0, 1.0, 0.0])
    assert (rotation(0, 0, np.radians(20)) @ up)[0] < -0.3  # roll > 0: top of the head to image left
    r = rotation(0.3, -0.2, 0.1)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-6)
