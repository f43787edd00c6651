"""Side-by-side render cost of the mesh engine with and without the full head (README, Measured).

On a shared machine timings drift, so both engines render the same talking frames of the bundled example
in alternating rounds and each keeps its fastest round (ms per frame of ``MeshEngine.render``; no encoding).

Usage (from the repository root):
    .venv/bin/python scripts/time_full_head.py [--size 512] [--yaw 0 45] [--rounds 8] [--frames 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

import torch

from tritalk.bench import example_paths
from tritalk.config import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.pipeline import TalkingHead
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import Camera, CameraPath


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--yaw", type=float, nargs="+", default=[0.0, 45.0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--frames", type=int, default=15)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    image, audio = example_paths()
    config = TritalkConfig(size=args.size)
    with TalkingHead.load(config=config) as th:
        subject = th.subject(image)
        motion = th.motion(load_audio(audio), base=subject.ref_expr)
    engines = {name: MeshEngine(subject, replace(config.mesh, full_head=name == "full")) for name in ("face", "full")}
    start = min(10, max(len(motion) - args.frames, 0))
    for yaw in args.yaw:
        path = CameraPath.of(Camera(yaw=yaw))
        for e in engines.values():
            e.render(motion, path, 0, 2)  # numba compiled, caches warm
        best = {name: float("inf") for name in engines}
        for _ in range(args.rounds):
            for name, e in engines.items():
                t = time.perf_counter()
                e.render(motion, path, start, start + args.frames)
                best[name] = min(best[name], (time.perf_counter() - t) / args.frames * 1000)
        print(f"yaw {yaw:+.0f}: face only {best['face']:.1f} ms, full head {best['full']:.1f} ms, "
              f"ratio {best['full'] / best['face']:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
