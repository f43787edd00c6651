"""scripts/emotion_stats.py on a tiny MEAD-layout dataset rendered by the mesh engine: data -> learned prototypes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from tritalk.io.video import VideoWriter
from tritalk.motion.emotion import EmotionModel
from tritalk.motion.emotion_stats import EmotionStats
from tritalk.render.mesh_engine import MeshEngine
from tritalk.types import EMOTIONS, IDX

ROOT = Path(__file__).resolve().parents[2]


def test_stats_from_mead_layout(tmp_path, subject256):
    engine = MeshEngine(subject256)
    smile = np.zeros(52, np.float32)
    smile[[IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]] = 0.8
    for emotion, folder, level, offset in (("neutral", "neutral", 1, np.zeros(52, np.float32)),
                                           ("happy", "happy", 3, smile), ("happy", "happy", 1, 0.3 * smile)):
        expr = np.clip(subject256.ref_expr + offset, 0.0, 1.0)  # the photo's own expression + the emotion
        out = tmp_path / "M003" / "video" / "front" / folder / f"level_{level}" / "001.mp4"
        out.parent.mkdir(parents=True)
        frames = np.stack([engine.render_frame(expr, np.zeros(6, np.float32)) for _ in range(6)])
        with VideoWriter(out, 256, 256, 25.0) as w:
            w.write(frames)
    npz = tmp_path / "stats.npz"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "emotion_stats.py"), str(tmp_path), "-o", str(npz),
                           "--every", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    stats = EmotionStats.load(npz)
    happy = EMOTIONS.index("happy")
    assert stats.count[happy] == 3  # level 3 only, every 2nd of 6 frames
    assert stats.mean[happy, IDX["mouthSmileLeft"]] > 0.2  # the landmarker saw the smile
    model = EmotionModel.from_stats(npz)
    assert model.prototypes[happy, IDX["mouthSmileLeft"]] > 0.2
