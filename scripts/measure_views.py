"""Measure requested vs perceived view angles of the mesh engine (the README's free-view numbers).

Renders each portrait at camera yaw/pitch and reads the pose back with MediaPipe's landmarker
(``tritalk.eval.views``). Prints one line per portrait and the range per requested angle. Reads only
the photos given on the command line (the README used five Face Research Lab London portraits, CC BY 4.0).

Usage (from the repository root):
    .venv/bin/python scripts/measure_views.py ../shared/data/dev/portraits/london_0*_neutral.jpg [--size 512] \
        [--views 0/-20,0/20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tritalk.eval.views import VIEWS, measure_views
from tritalk.face.analyse import FaceAnalyser
from tritalk.io.image import load_image


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--views", default=None, help="yaw/pitch pairs [deg], e.g. '0/-20,0/20' (default: the README's)")
    args = ap.parse_args(argv)
    views = VIEWS if args.views is None else tuple(tuple(int(x) for x in v.split("/")) for v in args.views.split(","))
    table = {v: [] for v in views}
    with FaceAnalyser() as fa:
        for photo in args.photos:
            got = measure_views(load_image(photo), fa, args.size, views)
            for (yaw, pitch), (y, p) in got.items():
                table[(yaw, pitch)].append(y if yaw else p)
            print(photo.name, " ".join(f"{yaw:+d}/{pitch:+d}: {y:+.1f}/{p:+.1f}" for (yaw, pitch), (y, p) in got.items()))
    for (yaw, pitch), vals in table.items():
        what = "yaw" if yaw else "pitch"
        print(f"requested {what} {yaw or pitch:+d}: measured {np.nanmin(vals):+.1f} .. {np.nanmax(vals):+.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
