"""Held-out PSNR / SSIM / mouth PSNR of tri-plane checkpoints, compared at one resolution (training/triplane.py
``masked_psnr_ssim``: the premultiplied head layer against the premultiplied target).

The held-out set (scripts/make_triplane_data.py ``--only-holdout``) stores 128² windows; at ``--res R`` the
targets are resized to R (area) and each model's render is resized to R too when its out_res differs (area
down, bilinear up). ``--samples curve`` takes the 24 samples of the training curves, ``all`` every sample.

Usage (from the repository root):
    .venv/bin/python scripts/measure_triplane_heldout.py --heldout out/triplane_heldout.npz \\
        --checkpoints src/tritalk/assets/triplane/tiny,out/triplane_tiny128 --res 64,128 [--samples all]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import numpy as np
import torch

from tritalk.neural.generator import TriplaneGenerator
from tritalk.training.triplane import PairDataset, masked_psnr_ssim


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heldout", required=True)
    ap.add_argument("--checkpoints", required=True, help="Comma-separated generator folders.")
    ap.add_argument("--res", default="64,128", help="Comma-separated resolutions to compare at.")
    ap.add_argument("--samples", choices=("curve", "all"), default="all")
    ap.add_argument("-o", "--output")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    result = {}
    for ckpt in args.checkpoints.split(","):
        model = TriplaneGenerator.from_pretrained(ckpt, flag="--checkpoints")
        for res in (int(r) for r in args.res.split(",")):
            ds = PairDataset(args.heldout, dataclasses.replace(model.config, out_res=res))
            idx = np.arange(len(ds)) if args.samples == "all" else np.arange(len(ds))[:: max(1, len(ds) // 24)]
            rec = {k: round(v, 4) for k, v in masked_psnr_ssim(model, ds, idx).items()}
            result[f"{ckpt} @ {res}"] = rec | {"samples": len(idx), "out_res": model.config.out_res}
            print(f"{ckpt} (out {model.config.out_res}) at {res}²: {json.dumps(rec)}", flush=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
