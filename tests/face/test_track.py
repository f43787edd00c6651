"""face/track.py: a video's per-frame blendshapes, head pose and landmarks (MediaPipe VIDEO mode)."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.errors import InputError
from tritalk.face.track import measure_video
from tritalk.io.video import VideoWriter
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import IDX


@pytest.fixture(scope="module")
def talking_video(tmp_path_factory, subject256):
    """Seven 256 px frames: the portrait, its jaw open on frames 2-3, then one frame with no face."""
    engine = MeshEngine(subject256)
    frames = []
    for jaw in (0.0, 0.0, 0.6, 0.6, 0.0, 0.0):
        expr = subject256.ref_expr.copy()
        expr[IDX["jawOpen"]] = min(1.0, expr[IDX["jawOpen"]] + jaw)
        frames.append(engine.render_frame(expr, np.zeros(6, np.float32)))
    frames.append(np.full_like(frames[0], 128))
    path = tmp_path_factory.mktemp("track") / "clip.mp4"
    with VideoWriter(path, 256, 256, 25.0) as w:
        w.write(np.stack(frames))
    return path


def test_every_frame_is_measured_and_the_jaw_follows(talking_video):
    track = measure_video(talking_video)
    assert len(track) == 7 and track.fps == pytest.approx(25.0) and track.every == 1
    assert track.expr.shape == (7, 52) and track.head.shape == (7, 6) and track.landmarks.shape == (7, 478, 3)
    assert track.found.tolist() == [True] * 6 + [False]
    assert np.isnan(track.expr[6]).all() and np.isnan(track.landmarks[6]).all() and np.isnan(track.head[6]).all()
    jaw = track.expr[:, IDX["jawOpen"]]
    assert jaw[2:4].min() > jaw[[0, 1, 4, 5]].max() + 0.1  # the landmarker sees the open jaw
    pts = track.landmarks[:6, :, :2]
    assert pts.min() > 0 and pts.max() < 256  # pixels of the 256 px frame
    assert np.abs(np.degrees(track.head[:6, :3])).max() < 20  # a still, roughly frontal head


def test_every_nth_frame(talking_video):
    track = measure_video(talking_video, every=2)  # frames 0, 2, 4, 6
    assert len(track) == 4 and track.every == 2
    assert track.found.tolist() == [True, True, True, False]


def test_not_a_video_is_an_input_error(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    with pytest.raises(InputError):
        measure_video(bad)
