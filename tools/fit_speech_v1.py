"""Fit the v1 speech -> mouth model (``tritalk.motion.speech``) on real talking-face video.

Developer tool; never run at run time or in tests. Reproducible: deterministic given the
videos (noise augmentation uses a fixed seed).

  1. measure: MediaPipe Face Landmarker (VIDEO mode, the packaged face_landmarker.task) on every
     frame of each video -> (T, 52) blendshapes; the clip's audio is decoded with PyAV.
     Cached in out/speech_v1_measured.npz (delete it to re-measure).
  2. targets: per clip and channel, the measured value minus the clip's 10th percentile (the
     speaker's rest), clipped at 0; Left/Right pairs are averaged.
  3. fit: ridge regression from ``design_matrix`` (descriptors at -80..+80 ms) on the frames in
     and around speech, on each clip's audio plus two degraded copies (8 kHz telephone band,
     additive noise at 15 dB SNR) so the map does not depend on the channel (the features are
     already gain-invariant); then
     an affine recalibration per target so the prediction's median and 90th percentile on
     those frames match the measured ones (ridge shrinks the spread).
  4. evaluate leave-one-clip-out with the full SpeechMotion post-processing (gate, smoothing,
     closures): Pearson r and mean bias of jawOpen / mouthClose / mouthFunnel / mouthPucker,
     over the whole clip and over the speech frames, also on degraded copies of the held-out clip.
  5. fit on all clips, save src/tritalk/assets/motion/speech_v1.npz, and check the model on the
     dev speech files (fraction of frames open during speech vs pauses).

Usage: .venv/bin/python tools/fit_speech_v1.py [--videos DIR] [--speech DIR] [--alpha A]
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import math
import os
import sys
import wave
from pathlib import Path

import numpy as np
from scipy import signal

from tritalk.audio.features import audio_features
from tritalk.motion.speech import (
    BASE_NAMES, MOUTH_TARGETS, SpeechMotion, SpeechMotionConfig, SpeechWeights, design_matrix,
    target_columns,
)
from tritalk.types import IDX, AudioClip

ROOT = Path(__file__).resolve().parents[1]
LAGS_S = (-0.08, -0.04, 0.0, 0.04, 0.08)  # +-2 frames at 25 fps; wider windows did not help LOO
EVAL_SHAPES = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker")
SPEECH_DILATE_S = 0.12  # fit on frames within this of voice activity (the mouth prepares / releases)


def measure(video: Path) -> tuple[np.ndarray, np.ndarray, int, float]:
    """(expr (T, 52) MediaPipe blendshapes, audio (N,) mono float32, sample rate, fps)."""
    import av
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    task = ROOT / "src" / "tritalk" / "assets" / "models" / "face_landmarker.task"
    options = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(task)),
                                           running_mode=vision.RunningMode.VIDEO,
                                           output_face_blendshapes=True, num_faces=1)
    rows = []
    with vision.FaceLandmarker.create_from_options(options) as lm, av.open(str(video)) as c:
        fps = float(c.streams.video[0].average_rate)
        for frame in c.decode(video=0):
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))  # MediaPipe needs packed rows
            res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                      int(round(frame.time * 1000)))
            e = np.full(len(IDX), np.nan, np.float32)
            if res.face_blendshapes:
                for b in res.face_blendshapes[0]:
                    if b.category_name in IDX:
                        e[IDX[b.category_name]] = b.score
            rows.append(e)
    with av.open(str(video)) as c:
        sr = c.streams.audio[0].sample_rate
        chunks = []
        for fa in c.decode(audio=0):
            a = fa.to_ndarray()
            a = a if fa.format.is_planar else a.reshape(-1, len(fa.layout.channels)).T
            if a.dtype.kind == "i":
                a = a.astype(np.float32) / np.iinfo(a.dtype).max
            chunks.append(a.astype(np.float32))
    audio = np.concatenate(chunks, axis=1).mean(axis=0)
    expr = np.stack(rows)
    expr[:, IDX["tongueOut"]] = 0.0  # MediaPipe does not measure it
    return expr, audio, sr, fps


def load_measurements(videos: list[Path], cache: Path) -> list[dict]:
    if cache.is_file():
        d = np.load(cache, allow_pickle=False)
        names = [str(n) for n in d["names"]]
        if names == [v.stem for v in videos]:
            print(f"using cached measurements {cache}")
            return [dict(name=n, expr=d[f"{n}__expr"], audio=d[f"{n}__audio"], sr=int(d[f"{n}__sr"]),
                         fps=float(d[f"{n}__fps"])) for n in names]
    clips, arrays = [], {}
    for v in videos:
        expr, audio, sr, fps = measure(v)
        missing = np.isnan(expr[:, IDX["jawOpen"]]).mean()
        print(f"measured {v.name}: {len(expr)} frames at {fps} fps, audio {len(audio) / sr:.2f} s @ {sr} Hz, "
              f"no face in {missing:.0%}")
        clips.append(dict(name=v.stem, expr=expr, audio=audio, sr=sr, fps=fps))
        arrays.update({f"{v.stem}__expr": expr, f"{v.stem}__audio": audio, f"{v.stem}__sr": sr, f"{v.stem}__fps": fps})
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, names=np.array([v.stem for v in videos]), **arrays)
    return clips


def targets_of(expr: np.ndarray) -> np.ndarray:
    """(T, K) rest-subtracted targets in MOUTH_TARGETS order."""
    cols = []
    for t in MOUTH_TARGETS:
        y = expr[:, target_columns(t)].mean(axis=1)
        y = np.nan_to_num(y, nan=float(np.nanmedian(y)))
        cols.append(np.clip(y - np.percentile(y, 10), 0.0, None))
    return np.stack(cols, axis=1)


def degrade(audio: np.ndarray, sr: int, kind: str, seed: int = 0) -> AudioClip:
    """A degraded copy: 'telephone' (300-3400 Hz, 8 kHz), 'noise' (15 dB SNR), 'quiet' (-30 dB gain)."""
    x = audio.astype(np.float64)
    if kind == "clean":
        return AudioClip(x.astype(np.float32), sr)
    if kind == "telephone":
        g = math.gcd(sr, 8000)
        y = signal.resample_poly(x, 8000 // g, sr // g)
        sos = signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
        y = signal.sosfilt(sos, y)
        y = np.round(y * 32767) / 32767  # 16-bit quantisation
        return AudioClip(y.astype(np.float32), 8000)
    if kind == "noise":
        rng = np.random.default_rng(seed)
        n = rng.normal(size=x.shape)
        n = signal.lfilter([1.0], [1.0, -0.9], n)  # pinkish: more energy low, like room/fan noise
        frame = max(1, sr // 100)
        ms = np.convolve(x * x, np.ones(frame) / frame, "same")
        speech_pow = np.quantile(ms, 0.9)
        n *= np.sqrt(speech_pow / np.mean(n * n) / 10 ** (15 / 10))
        return AudioClip((x + n).astype(np.float32), sr)
    if kind == "quiet":
        return AudioClip((x * 10 ** (-30 / 20)).astype(np.float32), sr)
    raise ValueError(kind)


def speech_mask(vad: np.ndarray, fps: float) -> np.ndarray:
    half = int(round(SPEECH_DILATE_S * fps))
    return np.convolve(vad > 0.5, np.ones(2 * half + 1), "same") > 0


def fit(train: list[dict], alpha: float, kinds=("clean", "telephone", "noise")) -> SpeechWeights:
    xs, ys = [], []
    for c in train:
        y = targets_of(c["expr"])
        for i, kind in enumerate(kinds):
            feats = audio_features(degrade(c["audio"], c["sr"], kind, seed=i), c["fps"], n_frames=len(y))
            m = speech_mask(feats.column("vad"), c["fps"])
            xs.append(design_matrix(feats, LAGS_S)[m])
            ys.append(y[m])
    x, y = np.concatenate(xs), np.concatenate(ys)  # (N, P), (N, K)
    # Standardise columns so one alpha fits all; the bias is not penalised.
    mu, sd = x[:, :-1].mean(axis=0), x[:, :-1].std(axis=0) + 1e-6
    xz = np.concatenate([(x[:, :-1] - mu) / sd, np.ones((len(x), 1))], axis=1)
    reg = alpha * np.eye(xz.shape[1])
    reg[-1, -1] = 0.0
    wz = np.linalg.solve(xz.T @ xz + reg, xz.T @ y)  # (P, K)
    w = np.concatenate([wz[:-1] / sd[:, None], wz[-1:] - (mu / sd) @ wz[:-1]], axis=0)
    # Affine recalibration: map the prediction's median and 90th percentile on the fitted
    # frames onto the measured ones. Ridge shrinks the spread; matching quantiles rather than
    # the standard deviation keeps spiky channels (mouthPucker: median 0.01, p95 0.44 on GRID)
    # from being pushed up all the time.
    p = x @ w
    qy, qp = np.percentile(y, [50, 90], axis=0), np.percentile(p, [50, 90], axis=0)  # (2, K)
    scale = np.clip((qy[1] - qy[0]) / np.maximum(qp[1] - qp[0], 1e-9), 0.0, 5.0)
    shift = qy[0] - scale * qp[0]
    w = w * scale[None]
    w[-1] += shift
    return SpeechWeights(w, MOUTH_TARGETS, LAGS_S, BASE_NAMES,
                         dict(alpha=alpha, n_frames=int(len(x)), clips=[c["name"] for c in train],
                              augment=list(kinds), lags_s=list(LAGS_S), rest="per-clip 10th percentile"))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def leave_one_out(clips: list[dict], alpha: float, config: SpeechMotionConfig) -> dict:
    rows = []
    for i, held in enumerate(clips):
        w = fit([c for j, c in enumerate(clips) if j != i], alpha)
        model = SpeechMotion(config, w)
        y = targets_of(held["expr"])
        row = dict(clip=held["name"])
        for kind in ("clean", "telephone", "noise"):
            feats = audio_features(degrade(held["audio"], held["sr"], kind, seed=7), held["fps"], n_frames=len(y))
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
    return dict(rows=rows)


def print_loo(loo: dict) -> dict:
    rows = loo["rows"]
    summary = {}
    print("\nleave-one-clip-out (targets = measured minus the clip's 10th percentile)")
    print(f"{'clip':36s} {'jaw r':>6s} {'jaw r_sp':>8s} {'jaw bias':>8s} {'close r':>7s} {'funnel r':>8s} "
          f"{'pucker r':>8s} {'jaw r tel':>9s} {'jaw r noise':>11s} {'p95 pred/meas':>13s} {'bias gain=1':>11s}")
    for r in rows:
        print(f"{r['clip']:36s} {r['clean/jawOpen/r']:6.2f} {r['clean/jawOpen/r_speech']:8.2f} "
              f"{r['clean/jawOpen/bias']:+8.3f} {r['clean/mouthClose/r']:7.2f} {r['clean/mouthFunnel/r']:8.2f} "
              f"{r['clean/mouthPucker/r']:8.2f} {r['telephone/jawOpen/r']:9.2f} {r['noise/jawOpen/r']:11.2f} "
              f"{r['clean/jaw_p95_speech_pred']:6.2f}/{r['clean/jaw_p95_speech_meas']:.2f} "
              f"{r['clean/jawOpen/bias_gain1']:+11.3f}")
    for key in rows[0]:
        if key == "clip":
            continue
        v = np.array([r[key] for r in rows], dtype=np.float64)
        summary[key] = float(np.nanmedian(v))
    print(f"{'MEDIAN':36s} {summary['clean/jawOpen/r']:6.2f} {summary['clean/jawOpen/r_speech']:8.2f} "
          f"{summary['clean/jawOpen/bias']:+8.3f} {summary['clean/mouthClose/r']:7.2f} "
          f"{summary['clean/mouthFunnel/r']:8.2f} {summary['clean/mouthPucker/r']:8.2f} "
          f"{summary['telephone/jawOpen/r']:9.2f} {summary['noise/jawOpen/r']:11.2f} "
          f"{summary['clean/jaw_p95_speech_pred']:6.2f}/{summary['clean/jaw_p95_speech_meas']:.2f} "
          f"{summary['clean/jawOpen/bias_gain1']:+11.3f}")
    print("r: whole clip; r_sp: frames in/near speech; bias: mean(pred - measured) over the clip, with "
          "the default jaw_gain and with gain 1; tel/noise: held-out audio as 8 kHz telephone / 15 dB SNR")
    return summary


def read_wav(path: Path) -> AudioClip:
    with wave.open(str(path)) as w:
        sr, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    if width != 2:
        raise ValueError(f"{path}: only 16-bit PCM in this tool")
    x = np.frombuffer(raw, np.int16).astype(np.float32) / 32768.0
    return AudioClip(x.reshape(-1, ch).mean(axis=1), sr)


def check_speech(model: SpeechMotion, speech_dir: Path) -> list[dict]:
    """Per dev speech file: is the mouth open in speech and closed in pauses?"""
    out = []
    print(f"\ndev speech check ({speech_dir}); 'open' = jawOpen > 0.1; speech = vad > 0.5, pause = vad < 0.2")
    print(f"{'file':40s} {'sec':>5s} {'speech%':>7s} {'open|speech':>11s} {'open|pause':>10s} "
          f"{'jaw p95':>7s} {'jaw max|pause':>13s} {'peaks/s':>7s} {'r(jaw,loud)':>11s}")
    for p in sorted(speech_dir.glob("*.wav")):
        clip = read_wav(p)
        for fps in (25.0,):
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=Path("../shared/data/dev/videos"))
    ap.add_argument("--speech", type=Path, default=Path("../shared/data/dev/speech"))
    ap.add_argument("--cache", type=Path, default=ROOT / "out" / "speech_v1_measured.npz")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "tritalk" / "assets" / "motion" / "speech_v1.npz")
    ap.add_argument("--alpha", type=float, default=30.0,
                    help="ridge strength on standardised columns")
    args = ap.parse_args()

    videos = sorted(Path(p) for p in glob.glob(str(args.videos / "*.mp4")))
    if not videos:
        sys.exit(f"no .mp4 videos in {args.videos}")
    clips = load_measurements(videos, args.cache)
    config = SpeechMotionConfig()

    loo = leave_one_out(clips, args.alpha, config)
    summary = print_loo(loo)

    weights = fit(clips, args.alpha)
    info = dict(weights.info, loo_median=summary,
                loo_jaw_r={r["clip"]: round(r["clean/jawOpen/r"], 3) for r in loo["rows"]},
                source="GRID corpus (CC BY 4.0) via shared/data/dev/videos; MediaPipe Face Landmarker v1 blendshapes")
    weights = dataclasses.replace(weights, info=info)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights.save(args.out)
    print(f"\nsaved {args.out} ({os.path.getsize(args.out)} bytes), weights {weights.weights.shape}")

    if args.speech.is_dir():
        check_speech(SpeechMotion(config, weights), args.speech)
    print(json.dumps({k: round(v, 3) for k, v in summary.items() if k.startswith("clean/")}, indent=1))


if __name__ == "__main__":
    main()
