"""Build the tri-plane generator's training data (training/triplane_data.py) from a folder of portraits and
talking-face clips, holding some out for measurement.

Usage (from the repository root):
    .venv/bin/python scripts/make_triplane_data.py --portraits DIR --videos DIR -o out/triplane_data.npz \\
        --holdout london_092,eileen_collins,lbbc2a,sbwe5n
    python scripts/make_triplane_data.py ... --only-holdout --views 24 -o out/triplane_heldout.npz

Portraits: every .jpg / .png whose name has none of the held-out keys (and no group photos: names
starting with ``group_``). Clips: every .mp4 whose name has none of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import torch

from tritalk.training.triplane_data import TriplaneDataConfig, build_triplane_data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portraits", type=Path, required=True)
    ap.add_argument("--videos", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--holdout", default="london_092,eileen_collins,lbbc2a,sbwe5n")
    ap.add_argument("--only-holdout", action="store_true",
                    help="Take only the held-out portraits and clips (the measurement set of the training curves).")
    ap.add_argument("--views", type=int, default=TriplaneDataConfig.views_per_portrait)
    ap.add_argument("--frames-per-clip", type=int, default=TriplaneDataConfig.frames_per_clip)
    ap.add_argument("--twin-share", type=float, default=TriplaneDataConfig.twin_share,
                    help="Share of the varied renders that repeat the view before them with the mouth redrawn "
                         "(0 = the data of the first two shipped models).")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING)
    keys = [k for k in args.holdout.split(",") if k]
    held = lambda p: any(k in p.name for k in keys) != args.only_holdout  # noqa: E731
    portraits = sorted(p for p in args.portraits.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")
                       and not held(p) and not p.name.startswith("group_"))
    clips = sorted(p for p in args.videos.glob("*.mp4") if not held(p)) if args.videos else []
    cfg = TriplaneDataConfig(views_per_portrait=args.views, frames_per_clip=args.frames_per_clip,
                             twin_share=args.twin_share)
    info = build_triplane_data(portraits, clips, args.output, cfg,
                               progress=lambda i, n, name: print(f"[{i}/{n}] {name}", file=sys.stderr, flush=True))
    info.update(portraits=[p.name for p in portraits], clips=[p.name for p in clips], held_out=keys)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
