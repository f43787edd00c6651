"""Train G_m on the dev GRID clips minus a held-out set (+ synthetic espeak-ng data); developer tool.

Usage: .venv/bin/python tools/train_fold.py OUT --holdout ID[,ID...] [--steps N] [--lip-steps N] [--synth-limit N]
       [--closure-head] [--close-bilabials]   (the /p b m/ experiments of docs/motion.md)
"""

from __future__ import annotations

import argparse
import json
import logging

from tritalk.motion.generator import MotionGeneratorConfig
from tritalk.training.loop import TrainConfig
from tritalk.training.motion import MotionTrainConfig, train_motion


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--holdout", default="")
    ap.add_argument("--data", default="out/prepared_grid")
    ap.add_argument("--synthetic", default="out/synth")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lip-steps", type=int, default=1000)
    ap.add_argument("--synth-limit", type=int, default=None)
    ap.add_argument("--synth-weight", type=float, default=1.0)
    ap.add_argument("--real-share", type=float, default=0.25)
    ap.add_argument("--lat", type=float, default=1.0)
    ap.add_argument("--ctc", type=float, default=0.1)
    ap.add_argument("--mse", type=float, default=10.0)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--closure", type=float, default=1.0, help="weight of the /p b m/ closure head's BCE")
    ap.add_argument("--closure-head", action="store_true", help="also train G_m's /p b m/ closure head")
    ap.add_argument("--close-bilabials", action="store_true", help="synthetic targets shut the lips on /p b m/")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (oversubscription is slow)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from tritalk.motion.lipreader import MotionLossWeights

    cfg = MotionTrainConfig(
        data=(args.data,), synthetic=args.synthetic or None, out=args.out,
        holdout=tuple(h for h in args.holdout.split(",") if h),
        generator=MotionGeneratorConfig(d_model=args.d_model, n_layers=args.layers,
                                        closure_head=args.closure_head),
        weights=MotionLossWeights(args.lat, args.ctc, args.mse, args.closure),
        close_bilabials=args.close_bilabials,
        lipreader_train=TrainConfig(steps=args.lip_steps, log_every=250),
        motion_train=TrainConfig(steps=args.steps, log_every=250),
        synth_limit=args.synth_limit, synth_weight=args.synth_weight, real_share=args.real_share)
    info = train_motion(cfg)
    print(json.dumps({k: info[k] for k in ("trained_on", "held_out", "n_real", "n_synthetic", "synthetic_seconds",
                                           "train_seconds", "n_examples")}, indent=1))


if __name__ == "__main__":
    main()
