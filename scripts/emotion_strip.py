"""Build docs/emotion_strip.jpg: one frame per emotion from scripts/eval_emotion.py's videos, two portraits.

Source: the renders scripts/eval_emotion.py leaves in its --out folder (``<portrait>__<emotion>__1.mp4``);
the docs strip shows Face Research Lab London Set portraits 030 and 092 (CC BY 4.0, DeBruine & Jones 2017).

Usage (from the repository root):
    .venv/bin/python scripts/emotion_strip.py out/eval_emotion_held6 030_female_east_asian,092_male_white --frame 40
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import cv2
import numpy as np

from tritalk.io.video import read_video_frames

EMOTIONS = ("neutral", "happy", "sad", "angry", "surprised", "fearful", "disgusted")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("videos", help="folder of <portrait>__<emotion>__1.mp4 (scripts/eval_emotion.py --out)")
    ap.add_argument("portraits", help="comma-separated portrait ids")
    ap.add_argument("--frame", type=int, default=40)
    ap.add_argument("-o", "--output", default="docs/emotion_strip.jpg")
    args = ap.parse_args(argv)
    rows = []
    for p in args.portraits.split(","):
        tiles = []
        for e in EMOTIONS:
            frames = read_video_frames(Path(args.videos) / f"{p}__{e}__1.mp4")  # decoded in order: exact
            rgb = next(itertools.islice(frames, args.frame, None), None)
            if rgb is None:
                raise SystemExit(f"no frame {args.frame} in {p}__{e}__1.mp4")
            f = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # cv2 draws and writes BGR
            h, w = f.shape[:2]
            tile = cv2.resize(f[int(0.06 * h):int(0.92 * h), int(0.12 * w):int(0.88 * w)], (198, 220),
                              interpolation=cv2.INTER_AREA)
            cv2.putText(tile, e, (6, 212), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
            tiles.append(tile)
        rows.append(np.hstack(tiles))
    if not cv2.imwrite(args.output, np.vstack(rows), [cv2.IMWRITE_JPEG_QUALITY, 88]):
        raise SystemExit(f"could not write {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
