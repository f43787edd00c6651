"""Which head turns tritalk can animate: the ICT head rendered turned by known angles, measured back.

    rows = measure_pose_range(IctRenderer("ict_facekit.npz"), FaceModel.load(), FaceAnalyser())

For each true yaw (and pitch) the head is rendered with tritalk's rasterizer (eval/ict_head.py),
MediaPipe finds the landmarks, ``fit_face`` measures the pose, and the landmarks are compared with the
transferred face model's own landmarks turned by the true angle (error in inter-ocular distances).
This is where ``MAX_YAW_DEG`` in face/analyse.py comes from: the fitted yaw tracks the truth within
~5 deg up to 60 deg, the landmark error passes 6 % of the eye distance beyond it, and MediaPipe finds
no face past ~67 deg. scripts/measure_pose_range.py prints the table.
"""

from __future__ import annotations

import logging
from typing import Iterable

import numpy as np

from tritalk.eval.ict_head import IctRenderer
from tritalk.face.analyse import FaceAnalyser
from tritalk.face.fit import fit_face
from tritalk.face.model import FaceModel
from tritalk.render.camera import rotation

logger = logging.getLogger(__name__)

PIVOT = np.array([0.0, 0.0, -5.0])  # turn about the middle of the head (cm)
EYE_CORNERS = (33, 263)  # outer eye corners: the inter-ocular distance


def measure_pose_range(renderer: IctRenderer, model: FaceModel, analyser: FaceAnalyser,
                       yaws: Iterable[int] = range(-80, 81, 5),
                       pitches: Iterable[int] = range(-60, 61, 5)) -> list[dict]:
    """One row per true angle [deg]: axis, deg, detected, fit_yaw / fit_pitch [deg], landmark error
    mean / p90 [inter-ocular distances] (NaN where MediaPipe found no face)."""
    neutral = renderer.d["neutral"].astype(np.float64)
    face = model.neutral.astype(np.float64)
    iod = np.linalg.norm(np.subtract(*renderer.project(face)[0][list(EYE_CORNERS)]))
    rows = []
    for axis, angles in (("yaw", yaws), ("pitch", pitches)):
        for deg in angles:
            a = np.radians(deg)
            rot = (rotation(a, 0, 0) if axis == "yaw" else rotation(0, a, 0)).astype(np.float64)
            img = renderer.render(verts=(neutral - PIVOT) @ rot.T + PIVOT)[0]
            faces = analyser.detect_all(img)
            row = dict(axis=axis, deg=int(deg), detected=bool(faces), fit_yaw=np.nan, fit_pitch=np.nan,
                       err_mean=np.nan, err_p90=np.nan)
            if faces:
                truth = renderer.project((face - PIVOT) @ rot.T + PIVOT)[0]
                err = np.linalg.norm(faces[0].landmarks[:468, :2] - truth[:468], axis=1) / iod
                yaw, pitch, _ = fit_face(faces[0], model).yaw_pitch_roll
                row.update(fit_yaw=float(yaw), fit_pitch=float(pitch), err_mean=float(err.mean()),
                           err_p90=float(np.percentile(err, 90)))
            rows.append(row)
    return rows
