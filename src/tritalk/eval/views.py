"""Requested vs perceived view angles: render a portrait at camera yaw/pitch, read the pose back.

    rows = measure_views(load_image("me.jpg"), analyser, size=512)    # {(yaw, pitch): (yaw, pitch) measured}

The portrait is rendered by the mesh engine at its own expression and a still head, frontal and at each
requested ``Camera(yaw, pitch)``; MediaPipe's facial transformation matrix (face/track.py
``head_pose_from_matrix``) gives each render's pose, relative to the frontal render. The README's
free-view numbers come from here (scripts/measure_views.py prints them over several portraits).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from tritalk.face.analyse import FaceAnalyser
from tritalk.face.subject import prepare_subject
from tritalk.face.track import head_pose_from_matrix
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import Camera

logger = logging.getLogger(__name__)

VIEWS = ((-45, 0), (-30, 0), (-15, 0), (15, 0), (30, 0), (45, 0), (0, -15), (0, 15), (-60, 0), (60, 0))
"""(yaw, pitch) [deg] requested by default."""


def perceived_yaw_pitch(analyser: FaceAnalyser, rgb: np.ndarray) -> np.ndarray | None:
    """(2,) yaw, pitch [deg] of the largest face in ``rgb`` as MediaPipe's pose matrix says, or None."""
    faces = analyser.detect_all(rgb)
    return np.degrees(head_pose_from_matrix(faces[0].transform)[:2]) if faces else None


def measure_views(photo: np.ndarray, analyser: FaceAnalyser, size: int = 512,
                  views: Sequence[tuple[int, int]] = VIEWS) -> dict[tuple[int, int], np.ndarray]:
    """For each requested (yaw, pitch) [deg], the (2,) measured yaw, pitch [deg] relative to the frontal
    render (NaN where MediaPipe found no face on the render)."""
    engine = MeshEngine(prepare_subject(photo, size, analyser))
    expr, head = engine.subject.ref_expr, np.zeros(6, np.float32)
    base = perceived_yaw_pitch(analyser, engine.render_frame(expr, head))
    if base is None:
        logger.warning("no face found on the frontal render; every view is NaN")
        base = np.full(2, np.nan)
    out = {}
    for yaw, pitch in views:
        got = perceived_yaw_pitch(analyser, engine.render_frame(expr, head, Camera(yaw=yaw, pitch=pitch)))
        out[(yaw, pitch)] = got - base if got is not None else np.full(2, np.nan)
    return out
