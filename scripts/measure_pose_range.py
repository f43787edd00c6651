"""Measure which head turns tritalk can animate (the evidence for MAX_YAW_DEG in face/analyse.py).

Renders the ICT-FaceKit head (``ict_facekit.npz``, built by ICT-FaceKit's ``build_ict.py`` from github
ICT-VGL/ICT-FaceKit, MIT) turned by known yaw and pitch angles and measures the pose and landmarks back
(``tritalk.eval.pose_range``). Prints one line per angle.

Usage (from the repository root):
    .venv/bin/python scripts/measure_pose_range.py ICT_NPZ
"""

from __future__ import annotations

import argparse
import sys

from tritalk.eval.ict_head import IctRenderer
from tritalk.eval.pose_range import measure_pose_range
from tritalk.face.analyse import FaceAnalyser
from tritalk.face.model import FaceModel


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ict_npz", help="ict_facekit.npz built by ICT-FaceKit's build_ict.py")
    args = ap.parse_args(argv)
    print("axis  true  detected  fit_yaw  fit_pitch  landmark_err_mean/IOD  p90")
    with FaceAnalyser() as fa:
        for r in measure_pose_range(IctRenderer(args.ict_npz), FaceModel.load(), fa):
            if not r["detected"]:
                print(f"{r['axis']:5s} {r['deg']:5d}  no")
                continue
            print(f"{r['axis']:5s} {r['deg']:5d}  yes  {r['fit_yaw']:8.1f}  {r['fit_pitch']:9.1f}  "
                  f"{r['err_mean']:10.3f}  {r['err_p90']:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
