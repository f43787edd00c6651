"""How far dlib's identity distance moves on a real head that turns: a yardstick for the free view's identity numbers.

Each video's frames (every second one) are measured with the auditor's own models (MediaPipe's pose, dlib's HOG
detector or the landmark box, dlib's embedding); the most frontal frame (smallest |yaw| + |pitch|) is the reference,
and the distances of the other frames to it are grouped by the measured |yaw|. A rendered turn scored against the
photo is then comparable with what the same person's own turned frames score against their frontal one.

Usage (the auditor's Python: this script imports the auditor, not tritalk), e.g. on LivePortrait's driving clips:

    git -C MIRROR show HEAD:assets/examples/driving/d3.mp4 > /tmp/d3.mp4   # (KwaiVGI/LivePortrait)
    ~/.cache/tritalk-audit-venv/bin/python scripts/real_turn_identity.py --audit ../shared/tools/audit/audit.py /tmp/d3.mp4

Prints one line per video and yaw band: frames, median and max distance.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

BANDS = ((0, 10), (10, 20), (20, 35), (35, 50), (50, 70))


def load_auditor(path: Path):
    spec = importlib.util.spec_from_file_location("audit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(audit, models, video: Path, step: int) -> list[tuple[float, float, np.ndarray]]:
    """(yaw, pitch, embedding) of every ``step``-th frame with a face."""
    container, stream, _ = audit.probe_and_frames(str(video))
    rows = []
    try:
        for i, (rgb, _) in enumerate(audit.iter_frames(container, stream)):
            if i % step:
                continue
            faces = models.faces(rgb)
            if not faces or faces[0]["M"] is None:
                continue
            yaw, pitch, _ = audit.head_pose(faces[0]["M"])
            emb, _ = models.embed(rgb, faces[0])
            if emb is not None:
                rows.append((yaw, pitch, emb))
    finally:
        container.close()
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument("--audit", type=Path, required=True, help="the auditor's audit.py")
    ap.add_argument("--step", type=int, default=2, help="measure every N-th frame")
    args = ap.parse_args(argv)
    audit = load_auditor(args.audit)
    models = audit.Models(want_identity=True, want_emotion=False)
    try:
        for video in args.videos:
            rows = measure(audit, models, video, args.step)
            if not rows:
                print(f"{video.name}: no face")
                continue
            ref = min(rows, key=lambda r: abs(r[0]) + abs(r[1]))
            yaw = np.array([abs(r[0]) for r in rows])
            dist = np.array([float(np.linalg.norm(r[2] - ref[2])) for r in rows])
            print(f"{video.name}: {len(rows)} frames, reference yaw {ref[0]:+.1f} pitch {ref[1]:+.1f}, "
                  f"|yaw| up to {yaw.max():.1f}")
            for lo, hi in BANDS:
                band = (yaw >= lo) & (yaw < hi)
                if band.any():
                    print(f"  |yaw| {lo}-{hi}: {band.sum()} frames, distance median {np.median(dist[band]):.3f}, "
                          f"max {dist[band].max():.3f}")
    finally:
        models.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
