"""Held-out evaluation of G_m vs the v1 baseline vs a still mouth, per real clip; developer tool.

For each fold (a checkpoint trained by tools/train_fold.py / `tritalk train motion` with some clips
held out) and each of its held-out clips:
  * coefficient level (training/evaluate.py): jawOpen / mouthClose correlation with MediaPipe's
    measurement of the real video, best lag, bilabial lip-gap ratio, pause jaw, degraded audio;
  * v1 is refitted on the fold's training clips only (tools/fit_speech_v1.fit), so it never sees the
    held-out clip either; the shipped v1 (fitted on all 7 clips) is reported separately;
  * with --render: the clip's first frame + its own audio are rendered by the pipeline (512 px, the
    same path as `tritalk generate`) with each generator, and the team auditor compares the render
    with the real video (truth.m_lmd, truth.jaw_open_corr, av offsets).

Usage: .venv/bin/python tools/eval_motion.py --fold CKPT_DIR [--fold ...] [--render] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from tritalk.motion.generator import LearnedSpeechMotion
from tritalk.motion.speech import SpeechMotion, SpeechMotionConfig
from tritalk.training.dataset import load_real
from tritalk.training.evaluate import evaluate_clip
from tritalk.types import N_EXPR, Motion

ROOT = Path(__file__).resolve().parents[1]
AUDIT_PY = Path.home() / ".cache" / "tritalk-audit-venv" / "bin" / "python"
AUDIT = ROOT.parent / "shared" / "tools" / "audit" / "audit.py"
VIDEOS = ROOT.parent / "shared" / "data" / "dev" / "videos"


def _fit_v1():
    spec = importlib.util.spec_from_file_location("fit_speech_v1", ROOT / "tools" / "fit_speech_v1.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class StillMouth:
    """Control: the mouth never moves (blinks and head motion still come from the pipeline)."""

    name = "still"

    def generate(self, features, seed: int = 0) -> Motion:
        n = len(features)
        return Motion(np.zeros((n, N_EXPR), np.float32), np.zeros((n, 6), np.float32),
                      np.zeros((n, 2), np.float32), features.fps)


def first_frame(video: Path, out: Path) -> Path:
    import av
    from PIL import Image

    with av.open(str(video)) as c:
        frame = next(c.decode(video=0))
        Image.fromarray(frame.to_ndarray(format="rgb24")).save(out)
    return out


def render(generator, image: Path, video: Path, out: Path) -> Path:
    from tritalk.pipeline import TalkingHead

    with TalkingHead.load() as head:
        head.speech = generator  # the tool swaps the generator; `tritalk generate --motion-model` does the same
        head.generate(image, video).save(out, overwrite=True)
    return out


def audit(out: Path, truth: Path) -> dict:
    r = subprocess.run([str(AUDIT_PY), str(AUDIT), str(out), "--truth", str(truth), "--no-series",
                        "--no-identity", "--no-emotion"], capture_output=True, text=True, timeout=300)
    d = json.loads(r.stdout)
    t = d.get("truth", {})
    return dict(m_lmd=t.get("m_lmd"), audit_jaw_r=t.get("jaw_open_corr"), av_offset=t.get("av_offset_frames"),
                truth_av_offset=t.get("truth_av_offset_frames"), mouth_loudness_corr=d.get("mouth_loudness_corr"),
                speech_silence_ratio=d.get("mouth_speech_silence_ratio"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fold", action="append", required=True, help="checkpoint dir with train_info.json")
    ap.add_argument("--data", default=str(ROOT / "out" / "prepared_grid"))
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--workdir", default=str(ROOT / "out" / "eval"))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    fit_mod = _fit_v1()
    real = {c["id"]: c for c in load_real(args.data)}
    v1_cache = fit_mod.load_measurements(sorted(VIDEOS.glob("*.mp4")), ROOT / "out" / "speech_v1_measured.npz")
    v1_clips = {c["name"]: c for c in v1_cache}  # names are the video stems = prepared clip ids
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for fold in args.fold:
        info = json.loads(Path(fold, "train_info.json").read_text())
        held = [h for h in info["held_out"] if h in real]
        train_ids = info["trained_on"]
        gm = LearnedSpeechMotion.load(fold)
        v1_fold = SpeechMotion(SpeechMotionConfig(), fit_mod.fit([v1_clips[i] for i in train_ids], 30.0))
        models = {"gm": gm, "v1 (refit without held-out)": v1_fold, "v1 shipped (saw the clip)": SpeechMotion(),
                  "still": StillMouth()}
        for cid in held:
            for name, gen in models.items():
                row = dict(fold=Path(fold).name, model=name, **evaluate_clip(gen, real[cid]))
                if args.render and name != "v1 shipped (saw the clip)":
                    video = VIDEOS / f"{cid}.mp4"
                    img = first_frame(video, work / f"{cid}_first.png")
                    out = render(gen, img, video, work / f"{cid}__{name.split()[0]}.mp4")
                    row.update(audit(out, video))
                rows.append(row)
                print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    summary = {}
    for name in dict.fromkeys(r["model"] for r in rows):
        sel = [r for r in rows if r["model"] == name]
        summary[name] = {k: float(np.nanmedian([r[k] if r.get(k) is not None else math.nan for r in sel]))
                         for k in sel[0] if k not in ("fold", "model", "clip")}
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows=rows, median=summary), indent=1))


if __name__ == "__main__":
    sys.exit(main())
