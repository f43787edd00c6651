"""Measure the tri-plane engine on photos it was not trained on: videos at yaw 0 and +-30 for the auditor, a
frame strip (PNG) of views and emotions, and the engine's render speed (frames per second, this CPU).

Usage (from the repository root):
    .venv/bin/python scripts/measure_triplane.py --photos a.jpg,b.png --audio speech.wav -o out/triplane_measure \\
        [--checkpoint DIR] [--seconds 4] [--size 512]

Writes OUT/<photo>_yaw<Y>.mp4 (one inversion per photo; the views share it), OUT/strip_<photo>.png
(rows: yaw -30 / 0 / +30; columns: rest, speech frame, happy, surprised) and OUT/measure.json (inversion
time and loss, build and render seconds, frames per second of Engine.render at the output size, without and
with the mesh layer underneath). The auditor runs separately on the mp4s (docs/triplane.md gives the command).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from tritalk import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.neural.triplane_engine import TriplaneEngine
from tritalk.pipeline import TalkingHead
from tritalk.types import EMOTIONS, AudioClip, Camera, CameraPath


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", required=True)
    ap.add_argument("--audio", type=Path, required=True)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--checkpoint", type=Path)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    args.output.mkdir(parents=True, exist_ok=True)
    cfg = TritalkConfig(size=args.size, engine="triplane")
    if args.checkpoint:
        cfg = dataclasses.replace(cfg, triplane=dataclasses.replace(cfg.triplane, checkpoint=str(args.checkpoint)))
    clip = load_audio(args.audio)
    clip = AudioClip(clip.samples[: int(args.seconds * clip.sample_rate)], clip.sample_rate)
    report = {}
    with TalkingHead.load(config=cfg) as head:
        for photo in args.photos.split(","):
            name = Path(photo).stem
            t0 = time.perf_counter()
            result = head.generate(photo, clip)
            build = time.perf_counter() - t0
            eng: TriplaneEngine = result.engine
            rec = {"build_seconds": round(build, 1), "inversion_steps": eng.inversion.steps if eng.inversion else 0,
                   "inversion_seconds": round(eng.inversion.seconds, 1) if eng.inversion else 0.0,
                   "inversion_loss": [round(eng.inversion.loss_first, 4), round(eng.inversion.loss_last, 4)]
                   if eng.inversion else None}
            for yaw in (0, 30, -30):
                r = dataclasses.replace(result, path=CameraPath(Camera(yaw=float(yaw))))
                t0 = time.perf_counter()
                r.save(args.output / f"{name}_yaw{yaw}.mp4", overwrite=True)
                rec[f"save_seconds_yaw{yaw}"] = round(time.perf_counter() - t0, 1)
            m = result.motion
            n = min(len(m), 50)
            eng.render(m, result.path, 0, 2)  # warm-up
            t0 = time.perf_counter()
            eng.render(m, result.path, 0, n)
            rec["fps_render"] = round(n / (time.perf_counter() - t0), 2)
            t0 = time.perf_counter()
            eng.head_layers(m, result.path, 0, n)
            rec["fps_head_layer_only"] = round(n / (time.perf_counter() - t0), 2)
            speech = int(np.argmax(m.expr[:, 17]))  # the widest jaw opening
            rows = []
            for yaw in (-30, 0, 30):
                path = CameraPath(Camera(yaw=float(yaw)))
                cols = [eng.render(m, path, 0, 1)[0], eng.render(m, path, speech, speech + 1)[0]]
                for emo in ("happy", "surprised"):
                    w = np.zeros((len(m), len(EMOTIONS)), np.float32)
                    w[:, EMOTIONS.index(emo)] = 1.0
                    from tritalk.motion.emotion_prototypes import prototype

                    expr = np.clip(m.expr + prototype(emo), 0, 1)
                    cols.append(eng.render(dataclasses.replace(m, expr=expr, emotion=w), path, 0, 1)[0])
                rows.append(np.concatenate(cols, 1))
            strip = np.concatenate(rows, 0)
            cv2.imwrite(str(args.output / f"strip_{name}.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
            report[name] = rec
            print(name, json.dumps(rec), file=sys.stderr, flush=True)
    (args.output / "measure.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
