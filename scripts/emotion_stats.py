"""Per-emotion expression statistics from emotional talking-face video (MEAD layout) -> .npz, the
learned emotion prototypes that ``tritalk generate --emotion-stats`` reads.

Source: MEAD (Wang et al. 2020, "MEAD: A Large-scale Audio-visual Dataset for Emotional Talking-face
Generation"; its own licence, to be checked by whoever downloads it) or any dataset in its layout:
``MEAD_ROOT/<speaker>/video/<view>/<emotion>/level_<n>/<clip>.mp4`` (emotion folder names as MEAD
spells them: angry, contempt, disgusted, fear, happy, neutral, sad, surprised; the neutral clips have
only level_1). Every ``--every``-th frame is measured with tritalk's own face landmarker
(``tritalk.face.track.measure_video``: MediaPipe's 52 ARKit blendshapes, the coefficient space of
tritalk's Motion), and ``tritalk.motion.emotion.fit_emotion_stats`` subtracts each speaker's neutral mean
before averaging over speakers. The result is what ``EmotionModel.from_stats`` (``--emotion-stats``)
reads. Nothing of MEAD ships with tritalk.

Usage (from the repository root):
    .venv/bin/python scripts/emotion_stats.py MEAD_ROOT -o emotion_stats.npz [--every 5] [--level 3] [--view front]
    tritalk generate ... --emotion happy --emotion-stats emotion_stats.npz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tritalk.face.track import measure_video
from tritalk.motion.emotion_stats import fit_emotion_stats
from tritalk.types import BLENDSHAPES, EMOTIONS

MEAD_NAMES = {"fear": "fearful", "surprise": "surprised", "disgust": "disgusted"}  # folder name -> MEAD emotion


def collect(root: Path, every: int = 5, level: int = 3, view: str = "front") -> list[tuple[str, str, np.ndarray]]:
    """(speaker, emotion, blendshapes (T, 52) of the frames with a face) for every clip found under ``root``."""
    clips = []
    for video in sorted(root.glob(f"*/video/{view}/*/level_*/*.mp4")):
        speaker, emotion, lvl = video.parts[-6], video.parts[-3], video.parts[-2]
        emotion = MEAD_NAMES.get(emotion, emotion)
        if emotion not in EMOTIONS or (emotion != "neutral" and lvl != f"level_{level}"):
            continue
        track = measure_video(video, every=every)
        rows = track.expr[track.found]
        if len(rows):
            clips.append((speaker, emotion, rows))
            print(f"{speaker} {emotion} {video.name}: {len(rows)} frames", file=sys.stderr)
    return clips


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--every", type=int, default=5)
    ap.add_argument("--level", type=int, default=3, help="MEAD intensity level taken as intensity 1 (1-3)")
    ap.add_argument("--view", default="front")
    args = ap.parse_args(argv)

    clips = collect(args.root, args.every, args.level, args.view)
    if not clips:
        print(f"error: no MEAD-layout clips under {args.root}", file=sys.stderr)
        return 2
    stats = fit_emotion_stats(clips)
    stats.save(args.output)
    for k, e in enumerate(EMOTIONS):
        top = np.argsort(-np.abs(stats.mean[k]))[:4]
        print(f"{e:10s} {int(stats.count[k]):6d} frames  " + ", ".join(f"{BLENDSHAPES[i]} {stats.mean[k, i]:+.2f}" for i in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
