"""Measure which head turns tritalk can animate: renders of the ICT head turned by known angles.

    python tools/measure_pose_range.py ICT_NPZ

ICT_NPZ is ``ict_facekit.npz`` (see tools/build_facemodel.py). For each true yaw (and pitch) the
head is rendered with tritalk's rasterizer, MediaPipe finds the landmarks, ``fit_face`` measures
the pose, and the landmarks are compared with the transferred face model's own landmarks turned
by the true angle (error in inter-ocular distances). This is where ``MAX_YAW_DEG`` in
face/analyse.py comes from: the fitted yaw tracks the truth within ~5 deg up to 60 deg, the
landmark error passes 6 % of the eye distance beyond it, and MediaPipe finds no face past ~67 deg.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_facemodel import IctRenderer  # noqa: E402

from tritalk.face.analyse import FaceAnalyser  # noqa: E402
from tritalk.face.fit import fit_face  # noqa: E402
from tritalk.face.model import FaceModel  # noqa: E402
from tritalk.render.camera import rotation  # noqa: E402

PIVOT = np.array([0.0, 0.0, -5.0])  # turn about the middle of the head (cm)


def main(ict_npz: str) -> None:
    r = IctRenderer(ict_npz)
    model = FaceModel.load()
    neutral = r.d["neutral"].astype(np.float64)
    iod = np.linalg.norm(np.subtract(*r.project(model.neutral.astype(np.float64))[0][[33, 263]]))
    print("axis  true  detected  fit_yaw  fit_pitch  landmark_err_mean/IOD  p90")
    with FaceAnalyser() as fa:
        for axis, angles in (("yaw", range(-80, 81, 5)), ("pitch", range(-60, 61, 5))):
            for deg in angles:
                a = np.radians(deg)
                rot = (rotation(a, 0, 0) if axis == "yaw" else rotation(0, a, 0)).astype(np.float64)
                v = (neutral - PIVOT) @ rot.T + PIVOT
                r.verts = lambda expr, v=v: v  # render this pose
                img = r.render({})[0]
                faces = fa.detect_all(img)
                if not faces:
                    print(f"{axis:5s} {deg:5d}  no")
                    continue
                truth = r.project((model.neutral.astype(np.float64) - PIVOT) @ rot.T + PIVOT)[0]
                err = np.linalg.norm(faces[0].landmarks[:468, :2] - truth[:468], axis=1) / iod
                yaw, pitch, _ = fit_face(faces[0], model).yaw_pitch_roll
                print(f"{axis:5s} {deg:5d}  yes  {yaw:8.1f}  {pitch:9.1f}  {err.mean():10.3f}  {np.percentile(err, 90):10.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
