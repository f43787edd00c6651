"""Training curves of the tri-plane generator: held-out PSNR / SSIM at every checkpoint and the training loss,
from a checkpoint's train_info.json (a fine-tuning run: its ``init`` point at step 0, and the mouth region's
PSNR where the held-out data has mouth regions).

Usage (from the repository root):
    .venv/bin/python scripts/plot_triplane_curves.py CHECKPOINT/train_info.json -o docs/triplane_curves.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("info", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    info = json.loads(args.info.read_text())
    stages = ["pretrain", "portrait", "emotion"]
    offsets, total = {}, 0
    for s in stages:  # one step axis across the stages
        offsets[s] = total
        total += info["config"][s]["steps"]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    init = [c for c in info["curves"] if c["stage"] == "init"]
    for c in init:  # where a fine-tuning run started (--init), on the same held-out samples
        ax[0].plot([0], [c["psnr"]], "k*", ms=9, label=f"init ({info.get('init')})")
        if "mouth_psnr" in c:
            ax[0].plot([0], [c["mouth_psnr"]], "k*", ms=9, mfc="none")
        ax[1].plot([0], [c["ssim"]], "k*", ms=9, label="init")
    for s in stages:
        pts = [c for c in info["curves"] if c["stage"] == s]
        x = [offsets[s] + c["step"] for c in pts]
        line, = ax[0].plot(x, [c["psnr"] for c in pts], "o-", ms=3, label=s)
        if pts and "mouth_psnr" in pts[0]:
            ax[0].plot(x, [c["mouth_psnr"] for c in pts], "o--", ms=2, color=line.get_color(), alpha=0.7,
                       label=f"{s}, mouth region")
        ax[1].plot(x, [c["ssim"] for c in pts], "o-", ms=3, label=s)
        hist = info["history"].get(s, [])
        ax[2].plot([offsets[s] + h["step"] for h in hist], [h["loss"] for h in hist], "-", label=s)
    ax[0].set_title("held-out PSNR [dB] (head layer; dashed: mouth region)", fontsize=10)
    ax[1].set_title("held-out SSIM")
    ax[2].set_title("training loss (eq. 2 + L_mouth [+ L_diff]; eq. 3 for emotion)", fontsize=10)
    for a in ax:
        a.set_xlabel("step")
        a.legend(fontsize=8)
        a.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.output, dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main())
