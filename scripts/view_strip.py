"""Frame strip of the mesh engine's free view: yaw -60 .. +60 and pitch -20, +20 for each photo, one row each.

Usage (from the repository root):
    .venv/bin/python scripts/view_strip.py PHOTO [PHOTO ...] -o docs/views_strip.jpg [--size 256] [--flat]

``--flat`` renders the 2.5D sheet only (``MeshEngineConfig.full_head=False``), for comparison.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from tritalk.face.analyse import FaceAnalyser
from tritalk.face.subject import prepare_subject
from tritalk.io.image import load_image
from tritalk.render.mesh_config import MeshEngineConfig
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import Camera

VIEWS = [(y, 0) for y in (-60, -45, -30, -15, 0, 15, 30, 45, 60)] + [(0, -20), (0, 20)]


def strip(engine: MeshEngine) -> np.ndarray:
    expr, head = engine.subject.ref_expr, np.zeros(6, np.float32)
    tiles = []
    for yaw, pitch in VIEWS:
        f = engine.render_frame(expr, head, Camera(yaw=yaw, pitch=pitch)).copy()
        cv2.putText(f, f"{yaw:+d}/{pitch:+d}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
        tiles.append(f)
    return np.concatenate(tiles, 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--flat", action="store_true", help="the 2.5D sheet only (no full head)")
    args = ap.parse_args(argv)
    config = replace(MeshEngineConfig(), full_head=not args.flat)
    rows = []
    with FaceAnalyser() as fa:
        for photo in args.photos:
            rows.append(strip(MeshEngine(prepare_subject(load_image(photo), args.size, fa), config)))
    cv2.imwrite(str(args.output), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
