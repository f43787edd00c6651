"""Measure requested vs perceived view angles: render portraits at camera yaw/pitch, read the pose back
with MediaPipe's landmarker (its facial transformation matrix), relative to the frontal render.

    python tools/measure_views.py ../shared/data/dev/portraits/london_0*_neutral.jpg [--size 512]

Prints one line per portrait and the range per requested angle. A developer tool: it reads photos
given on the command line only.
"""

from __future__ import annotations

import argparse

import numpy as np

from tritalk.face.analyse import FaceAnalyser
from tritalk.face.subject import prepare_subject
from tritalk.io.media import load_image
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import Camera

VIEWS = [(-45, 0), (-30, 0), (-15, 0), (15, 0), (30, 0), (45, 0), (0, -15), (0, 15), (-60, 0), (60, 0)]


def yaw_pitch(matrix: np.ndarray) -> np.ndarray:
    r = matrix[:3, :3]  # the face's forward axis in camera coordinates (y up)
    return np.degrees([np.arctan2(r[0, 2], r[2, 2]), np.arcsin(r[1, 2])])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("photos", nargs="+")
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args()
    table = {v: [] for v in VIEWS}
    zero_expr, zero_head = np.zeros(52, np.float32), np.zeros(6, np.float32)
    with FaceAnalyser() as fa:
        for photo in args.photos:
            engine = MeshEngine(prepare_subject(load_image(photo), args.size, fa))
            base = yaw_pitch(fa.detect_all(engine.render(zero_expr, zero_head))[0].transform)
            row = []
            for yaw, pitch in VIEWS:
                found = fa.detect_all(engine.render(zero_expr, zero_head, Camera(yaw=yaw, pitch=pitch)))
                got = yaw_pitch(found[0].transform) - base if found else np.array([np.nan, np.nan])
                table[(yaw, pitch)].append(got[0] if yaw else got[1])
                row.append(f"{yaw:+d}/{pitch:+d}: {got[0]:+.1f}/{got[1]:+.1f}")
            print(photo.split("/")[-1], " ".join(row))
    for (yaw, pitch), vals in table.items():
        what = "yaw" if yaw else "pitch"
        print(f"requested {what} {yaw or pitch:+d}: measured {np.nanmin(vals):+.1f} .. {np.nanmax(vals):+.1f}")


if __name__ == "__main__":
    main()
