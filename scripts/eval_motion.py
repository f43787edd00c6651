"""Held-out evaluation of G_m vs the v1 baseline vs a still mouth, per real clip, fold by fold.

For each fold (a checkpoint trained by ``tritalk train motion --holdout ...``, whose train_info.json
names the clips it trained on and held out) and each of its held-out clips:
  * coefficient level (``tritalk.eval.motion_metrics.evaluate_clip``): jawOpen / mouthClose correlation
    with MediaPipe's measurement of the real video, best lag, bilabial lip-gap ratio, pause jaw,
    degraded audio;
  * v1 is refitted on the fold's training clips only (``tritalk.eval.baselines.fit_v1`` on the real
    videos, ``measure_clip``), so it never sees the held-out clip either; the shipped v1 (fitted on all
    7 clips) is reported separately;
  * with --render: the clip's first frame + its own audio are rendered by the pipeline (512 px, the
    same path as `tritalk generate`) with each generator, and the team auditor (its own venv) compares
    the render with the real video (truth.m_lmd, truth.jaw_open_corr, av offsets).

Usage (from the repository root; the folds of docs/motion.md; ``--shared`` names the real videos and the
auditor at once, ``--videos`` / ``--audit`` one by one):
    .venv/bin/python scripts/eval_motion.py --shared ../shared [--data out/prepared_grid] --fold out/gm_foldA \
        --fold out/gm_foldB --fold out/gm_foldC [--json out/eval.json] [--render [--workdir out/eval]]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tritalk.eval.baselines import StillMouth, fit_v1, measure_clip
from tritalk.eval.motion_metrics import evaluate_clip
from tritalk.motion.learned_speech import LearnedSpeechMotion
from tritalk.motion.speech import SpeechMotion, SpeechMotionConfig
from tritalk.training.dataset import load_real

AUDIT_PY = Path(os.environ.get("AUDIT_VENV", Path.home() / ".cache" / "tritalk-audit-venv")) / "bin" / "python"


def first_frame(video: Path, out: Path) -> Path:
    from PIL import Image

    from tritalk.io.video import read_video_frames

    Image.fromarray(next(read_video_frames(video))).save(out)
    return out


def render(generator, image: Path, video: Path, out: Path) -> Path:
    from tritalk.pipeline import TalkingHead

    with TalkingHead.load() as head:
        head.speech = generator  # the script swaps the generator; `tritalk generate --motion-model` does the same
        head.generate(image, video).save(out, overwrite=True)
    return out


def audit(audit_py: Path, out: Path, truth: Path) -> dict:
    r = subprocess.run([str(AUDIT_PY), str(audit_py), str(out), "--truth", str(truth), "--no-series",
                        "--no-identity", "--no-emotion"], capture_output=True, text=True, timeout=300)
    d = json.loads(r.stdout)
    t = d.get("truth", {})
    return dict(m_lmd=t.get("m_lmd"), audit_jaw_r=t.get("jaw_open_corr"), av_offset=t.get("av_offset_frames"),
                truth_av_offset=t.get("truth_av_offset_frames"), mouth_loudness_corr=d.get("mouth_loudness_corr"),
                speech_silence_ratio=d.get("mouth_speech_silence_ratio"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fold", action="append", required=True, help="checkpoint dir with train_info.json")
    ap.add_argument("--data", default="out/prepared_grid", help="prepared clips (tritalk prepare)")
    ap.add_argument("--alpha", type=float, default=30.0, help="ridge strength of the v1 refit")
    ap.add_argument("--render", action="store_true", help="also render each clip and audit the render")
    ap.add_argument("--shared", type=Path, default=None,
                    help="the team's shared folder: sets --videos and --audit (docs/motion.md)")
    ap.add_argument("--videos", type=Path, default=None, help="folder of the real videos (<clip id>.mp4)")
    ap.add_argument("--audit", type=Path, default=None, help="--render: the team auditor's audit.py")
    ap.add_argument("--workdir", default="out/eval")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.shared is not None:
        args.videos = args.videos or args.shared / "data" / "dev" / "videos"
        args.audit = args.audit or args.shared / "tools" / "audit" / "audit.py"
    if args.videos is None:
        ap.error("give --shared or --videos (the v1 refit reads the real videos)")
    if args.render and args.audit is None:
        ap.error("--render needs --shared or --audit")
    real = {c["id"]: c for c in load_real(args.data)}
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows, v1_clips = [], {}
    for fold in args.fold:
        info = json.loads(Path(fold, "train_info.json").read_text())
        held = [h for h in info["held_out"] if h in real]
        for cid in info["trained_on"]:
            if cid not in v1_clips:
                v1_clips[cid] = measure_clip(args.videos / f"{cid}.mp4")
        v1_fold = SpeechMotion(SpeechMotionConfig(), fit_v1([v1_clips[i] for i in info["trained_on"]], args.alpha))
        models = {"gm": LearnedSpeechMotion.load(fold), "v1 (refit without held-out)": v1_fold,
                  "v1 shipped (saw the clip)": SpeechMotion(), "still": StillMouth()}
        for cid in held:
            for name, gen in models.items():
                row = dict(fold=Path(fold).name, model=name, **evaluate_clip(gen, real[cid]))
                if args.render and name != "v1 shipped (saw the clip)":
                    video = args.videos / f"{cid}.mp4"
                    img = first_frame(video, work / f"{cid}_first.png")
                    out = render(gen, img, video, work / f"{cid}__{name.split()[0]}.mp4")
                    row.update(audit(args.audit, out, video))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
