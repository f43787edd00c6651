"""Fit the v1 speech -> mouth model (``tritalk.motion.speech``) on real talking-face video: builds
``src/tritalk/assets/motion/speech_v1.npz``.

Source: the seven GRID clips of the dev set (GRID audiovisual sentence corpus, Cooke et al. 2006,
CC BY 4.0), each measured by ``tritalk.eval.baselines.measure_clip`` (MediaPipe Face Landmarker in VIDEO
mode, face/track.py; the audio at the file's own rate). Only the fitted numbers are shipped.
Deterministic given the videos (~15 s to measure them).

  1. targets + fit: ``tritalk.eval.baselines.fit_v1`` (rest-subtracted mouth channels, ridge map on
     clean + telephone + noisy audio, affine recalibration; see that module);
  2. evaluate leave-one-clip-out with the full SpeechMotion post-processing (gate, smoothing,
     closures): Pearson r and mean bias of jawOpen / mouthClose / mouthFunnel / mouthPucker, over the
     whole clip and over the speech frames, also on degraded copies of the held-out clip;
  3. fit on all clips, save ``--out``, and with ``--speech`` check the model on speech files without
     video (fraction of frames open during speech vs pauses).

Usage (from the repository root):
    .venv/bin/python scripts/fit_speech_v1.py ../shared/data/dev/videos [--speech ../shared/data/dev/speech]
        [--alpha 30] [--out src/tritalk/assets/motion/speech_v1.npz]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

import numpy as np
from scipy import signal

from tritalk.arkit import shape_columns as target_columns
from tritalk.audio.features import audio_features
from tritalk.eval.baselines import fit_v1, measure_clip, speech_mask, v1_degrade, v1_targets
from tritalk.eval.motion_metrics import pearson
from tritalk.io.audio import load_audio
from tritalk.motion.speech import MOUTH_TARGETS, SpeechMotion, SpeechMotionConfig
from tritalk.types import IDX

EVAL_SHAPES = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker")


def leave_one_out(clips: list[dict], alpha: float, config: SpeechMotionConfig) -> list[dict]:
    rows = []
    for i, held in enumerate(clips):
        w = fit_v1([c for j, c in enumerate(clips) if j != i], alpha)
        model = SpeechMotion(config, w)
        y = v1_targets(held["expr"])
        row = dict(clip=held["id"])
        for kind in ("clean", "telephone", "noise"):
            feats = audio_features(v1_degrade(held["audio"], held["sr"], kind, seed=7), held["fps"], n_frames=len(y))
            expr = model.generate(feats).expr
            sp = speech_mask(feats.column("vad"), held["fps"])
            for s in EVAL_SHAPES:
                k = MOUTH_TARGETS.index(s)
                pred = expr[:, target_columns(s)].mean(axis=1)
                row[f"{kind}/{s}/r"] = pearson(pred, y[:, k])
                row[f"{kind}/{s}/r_speech"] = pearson(pred[sp], y[sp, k])
                row[f"{kind}/{s}/bias"] = float(np.mean(pred - y[:, k]))
                row[f"{kind}/{s}/bias_speech"] = float(np.mean(pred[sp] - y[sp, k]))
            row[f"{kind}/jaw_p95_speech_pred"] = float(np.percentile(expr[sp, IDX["jawOpen"]], 95))
            row[f"{kind}/jaw_p95_speech_meas"] = float(np.percentile(y[sp, 0], 95))
            if kind == "clean":  # the bias of the fitted map itself, without the display gain
                jaw1 = SpeechMotion(dataclasses.replace(config, jaw_gain=1.0), w).generate(feats).expr[:, IDX["jawOpen"]]
                row["clean/jawOpen/bias_gain1"] = float(np.mean(jaw1 - y[:, 0]))
                row["clean/jawOpen/bias_speech_gain1"] = float(np.mean(jaw1[sp] - y[sp, 0]))
        rows.append(row)
    return rows


def print_loo(rows: list[dict]) -> dict:
    summary = {}
    print("\nleave-one-clip-out (targets = measured minus the clip's 10th percentile)")
    print(f"{'clip':36s} {'jaw r':>6s} {'jaw r_sp':>8s} {'jaw bias':>8s} {'close r':>7s} {'funnel r':>8s} "
          f"{'pucker r':>8s} {'jaw r tel':>9s} {'jaw r noise':>11s} {'p95 pred/meas':>13s} {'bias gain=1':>11s}")
    for key in rows[0]:
        if key != "clip":
            summary[key] = float(np.nanmedian(np.array([r[key] for r in rows], dtype=np.float64)))
    for r in rows + [dict(summary, clip="MEDIAN")]:
        print(f"{r['clip']:36s} {r['clean/jawOpen/r']:6.2f} {r['clean/jawOpen/r_speech']:8.2f} "
              f"{r['clean/jawOpen/bias']:+8.3f} {r['clean/mouthClose/r']:7.2f} {r['clean/mouthFunnel/r']:8.2f} "
              f"{r['clean/mouthPucker/r']:8.2f} {r['telephone/jawOpen/r']:9.2f} {r['noise/jawOpen/r']:11.2f} "
              f"{r['clean/jaw_p95_speech_pred']:6.2f}/{r['clean/jaw_p95_speech_meas']:.2f} "
              f"{r['clean/jawOpen/bias_gain1']:+11.3f}")
    print("r: whole clip; r_sp: frames in/near speech; bias: mean(pred - measured) over the clip, with "
          "the default jaw_gain and with gain 1; tel/noise: held-out audio as 8 kHz telephone / 15 dB SNR")
    return summary


def check_speech(model: SpeechMotion, speech_dir: Path) -> list[dict]:
    """Per speech file (no video): is the mouth open in speech and closed in pauses?"""
    out = []
    print(f"\nspeech check ({speech_dir}); 'open' = jawOpen > 0.1; speech = vad > 0.5, pause = vad < 0.2")
    print(f"{'file':40s} {'sec':>5s} {'speech%':>7s} {'open|speech':>11s} {'open|pause':>10s} "
          f"{'jaw p95':>7s} {'jaw max|pause':>13s} {'peaks/s':>7s} {'r(jaw,loud)':>11s}")
    fps = 25.0
    for p in sorted(speech_dir.glob("*.wav")):
        clip = load_audio(p)
        feats = audio_features(clip, fps)
        jaw = model.generate(feats).expr[:, IDX["jawOpen"]]
        vad = feats.column("vad")
        sp, pause = vad > 0.5, vad < 0.2
        peaks, _ = signal.find_peaks(jaw, prominence=0.05)
        rec = dict(file=p.name, seconds=clip.duration, speech_frac=float(sp.mean()),
                   open_in_speech=float(np.mean(jaw[sp] > 0.1)) if sp.any() else float("nan"),
                   open_in_pause=float(np.mean(jaw[pause] > 0.1)) if pause.any() else float("nan"),
                   jaw_p95=float(np.percentile(jaw, 95)),
                   jaw_max_pause=float(jaw[pause].max()) if pause.any() else float("nan"),
                   peaks_per_s_speech=float(len(peaks) / max(sp.sum() / fps, 1e-6)),
                   r_loud=pearson(jaw, feats.column("loudness")))
        out.append(rec)
        print(f"{p.name:40s} {rec['seconds']:5.1f} {rec['speech_frac']:7.0%} {rec['open_in_speech']:11.0%} "
              f"{rec['open_in_pause']:10.0%} {rec['jaw_p95']:7.2f} {rec['jaw_max_pause']:13.3f} "
              f"{rec['peaks_per_s_speech']:7.1f} {rec['r_loud']:11.2f}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("videos", type=Path, help="folder of the talking-face .mp4 videos to fit on")
    ap.add_argument("--speech", type=Path, default=None, help="folder of .wav speech files to check the model on")
    ap.add_argument("--out", type=Path, default=Path("src/tritalk/assets/motion/speech_v1.npz"))
    ap.add_argument("--alpha", type=float, default=30.0, help="ridge strength on standardised columns")
    args = ap.parse_args(argv)

    videos = sorted(args.videos.glob("*.mp4"))
    if len(videos) < 2:
        print(f"error: {args.videos} holds {len(videos)} .mp4 video(s); leave-one-out needs two or more",
              file=sys.stderr)
        return 2
    clips = []
    for v in videos:
        clips.append(measure_clip(v))
        c = clips[-1]
        print(f"measured {v.name}: {len(c['expr'])} frames at {c['fps']} fps, audio {len(c['audio']) / c['sr']:.2f} s "
              f"@ {c['sr']} Hz, no face in {np.isnan(c['expr'][:, IDX['jawOpen']]).mean():.0%}")
    config = SpeechMotionConfig()
    loo = leave_one_out(clips, args.alpha, config)
    summary = print_loo(loo)
    weights = fit_v1(clips, args.alpha)
    info = dict(weights.info, loo_median=summary, loo_jaw_r={r["clip"]: round(r["clean/jawOpen/r"], 3) for r in loo},
                source="GRID corpus (CC BY 4.0) dev clips; MediaPipe Face Landmarker v1 blendshapes")
    weights = dataclasses.replace(weights, info=info)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights.save(args.out)
    print(f"\nsaved {args.out} ({os.path.getsize(args.out)} bytes), weights {weights.weights.shape}")
    if args.speech is not None:
        check_speech(SpeechMotion(config, weights), args.speech)
    print(json.dumps({k: round(v, 3) for k, v in summary.items() if k.startswith("clean/")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
