"""How far the tri-plane engine's mouth moves with jawOpen, against the mesh engine's render it learns from.

For each photo and each jaw opening J: the mean |RGB change| in [0, 1] of the head layer (the network's window,
front camera) between the photo's own expression and jawOpen + J, over the mouth region at that opening
(head_window.mouth_mask), and the same for the mesh engine's render of the same window. Without inversion (the
encoder's code) and, with ``--invert``, after the engine's default inversion.

Usage (from the repository root):
    .venv/bin/python scripts/measure_mouth_amplitude.py --photos a.jpg,b.png [--checkpoint DIR] [--invert] \\
        [--inversion-diff-weight 2] [--openings 0.2,0.35,0.7] [-o out/mouth_amplitude.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import torch

from tritalk.face.analyse import FaceAnalyser
from tritalk.face.subject import prepare_subject
from tritalk.io.image import load_image
from tritalk.neural.engine_config import TriplaneConfig
from tritalk.neural.head_window import cut_window, mouth_mask
from tritalk.neural.triplane_engine import TriplaneEngine
from tritalk.types import IDX, Camera, CameraPath, Motion


def amplitudes(engine: TriplaneEngine, openings: list[float]) -> dict[str, dict[str, float]]:
    """{opening: {"network": change, "mesh": change}} at the front camera."""
    res = engine.model.config.out_res
    zero = np.zeros(6, np.float32)
    ref = engine.subject.ref_expr.astype(np.float32)

    def layer(expr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = dataclasses.replace(Motion.still(1, 25.0, ref), expr=expr[None])
        rgb, _, _ = engine.head_layers(m, CameraPath(Camera()), 0, 1)
        mesh = cut_window(engine.mesh.render_frame(expr, zero, Camera()), engine.box, res).astype(np.float32) / 255
        return rgb[0], mesh

    shut, mesh_shut = layer(ref)
    out = {}
    for j in openings:
        expr = ref.copy()
        expr[IDX["jawOpen"]] = min(1.0, expr[IDX["jawOpen"]] + j)
        region = cut_window(mouth_mask(engine.mesh, expr, zero, Camera()), engine.box, res)
        opened, mesh_open = layer(expr)
        change = lambda a, b: float((np.abs(a - b).mean(-1) * region).sum() / region.sum())  # noqa: E731
        out[f"{j:g}"] = {"network": round(change(opened, shut), 4), "mesh": round(change(mesh_open, mesh_shut), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", required=True)
    ap.add_argument("--checkpoint", type=Path)
    ap.add_argument("--invert", action="store_true", help="Also after the engine's default inversion.")
    ap.add_argument("--inversion-diff-weight", type=float, default=TriplaneConfig.inversion_diff_weight,
                    help="The inversion's motion-difference term (0 = the inversion before it).")
    ap.add_argument("--openings", default="0.2,0.35,0.7")
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    openings = [float(x) for x in args.openings.split(",")]
    ckpt = str(args.checkpoint) if args.checkpoint else None
    configs = {"no inversion": TriplaneConfig(inversion_steps=0, checkpoint=ckpt)}
    if args.invert:
        configs["inversion"] = TriplaneConfig(checkpoint=ckpt, inversion_diff_weight=args.inversion_diff_weight)
    result = {}
    with FaceAnalyser(max_faces=1) as analyser:
        for p in args.photos.split(","):
            subject = prepare_subject(load_image(p), 256, analyser, name=Path(p).name)
            for name, cfg in configs.items():
                result[f"{Path(p).stem} ({name})"] = amplitudes(TriplaneEngine(subject, cfg), openings)
                print(Path(p).stem, name, json.dumps(result[f"{Path(p).stem} ({name})"]), flush=True)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
