"""Lip-closure variants of G_m's post-processing on the held-out GRID clips (coefficient level, clean audio)
and on the bilabials of two non-GRID recordings; developer tool for docs/motion.md "phone closures".

Variants: energy-dip rule only (the previous default), phone recogniser + energy-dip rule by max (the
default since the phone-closure round), phone recogniser only, no closure. Every parameter of the phone
closure (core 0.5, >= +-20 ms, 40 ms ramps, combination by max) was fixed before these numbers were seen.

Usage: .venv/bin/python tools/eval_pbm_variants.py --fold out/gm_foldA --fold out/gm_foldB --fold out/gm_foldC
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from tritalk.audio.encoders import align_phones
from tritalk.audio.features import audio_features
from tritalk.io.media import load_audio
from tritalk.motion.generator import LearnedSpeechMotion, SpeechMotionPost, load_speech_generator
from tritalk.training import augment
from tritalk.training.dataset import load_real
from tritalk.training.evaluate import VOWELS, evaluate_clip, lip_gap

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pbm_recall import OTHER  # noqa: E402  (the non-GRID recordings and their transcripts, one table)

VARIANTS = {
    "energy-dip rule only (previous default)": dict(phone_closure=False),
    "phones + energy-dip rule, max (default)": dict(),
    "phones only": dict(closure=0.0),
    "no closure": dict(closure=0.0, phone_closure=False, head_closure=None),
}


def _to16k(clip) -> np.ndarray:
    from tritalk.audio.encoders import resample_to

    return resample_to(clip, 16000).astype(np.float32)


KEYS = ("jaw_r", "close_r", "lag_frames", "pbm_gap_ratio", "pbm_shut", "pbm_n", "cons_gap_ratio", "silence_jaw")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fold", action="append", default=[])
    ap.add_argument("--data", default=str(ROOT / "out" / "prepared_grid"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--degraded", action="store_true", help="also count shut bilabials on degraded audio")
    args = ap.parse_args()
    real = {c["id"]: c for c in load_real(args.data)}
    out = {"grid": {}, "other": {}}
    for vname, kw in VARIANTS.items():
        post = dataclasses.replace(SpeechMotionPost(), **kw)
        rows = []
        for fold in args.fold:
            info = json.loads(Path(fold, "train_info.json").read_text())
            gm = LearnedSpeechMotion.load(fold)
            gm.post = post
            rows += [evaluate_clip(gm, real[c], kinds=()) for c in info["held_out"] if c in real]
        if rows and args.degraded and vname in list(VARIANTS)[:2]:
            # bilabials shut with the held-out audio degraded as in tools/eval_motion.py (same seeds)
            for i, kind in enumerate(("telephone", "noise", "music")):
                shut = n = 0
                for fold in args.fold:
                    info = json.loads(Path(fold, "train_info.json").read_text())
                    gm = LearnedSpeechMotion.load(fold)
                    gm.post = post
                    for c in info["held_out"]:
                        if c not in real:
                            continue
                        x = real[c]["audio"].astype(np.float64)
                        rng = np.random.default_rng(100 + i)
                        deg = (getattr(augment, kind)(x, 16000, rng, snr_db=10.0) if kind != "telephone"
                               else augment.degrade(x, 16000, kind, rng))
                        r = evaluate_clip(gm, dict(real[c], audio=np.asarray(deg.samples, np.float32)
                                                   if deg.sample_rate == 16000 else _to16k(deg)), kinds=())
                        shut, n = shut + r["pbm_shut"], n + r["pbm_n"]
                print(f"{'':42s} {kind}: p/b/m shut {shut}/{n}", flush=True)
                out.setdefault("degraded", {}).setdefault(vname, {})[kind] = [shut, n]
        if rows:
            med = {k: float(np.nanmedian([r[k] for r in rows])) for k in KEYS}
            med["pbm_shut"], med["pbm_n"] = sum(r["pbm_shut"] for r in rows), sum(r["pbm_n"] for r in rows)
            out["grid"][vname] = dict(median=med, rows=[{k: r[k] for k in ("clip",) + KEYS} for r in rows])
            print(f"{vname:42s} " + "  ".join(f"{k} {v:.2f}" for k, v in med.items()), flush=True)
        g = load_speech_generator("gm")  # the shipped checkpoint (fold A) on the non-GRID recordings
        g.post = post
        ratios = {}
        for name, (path, text) in OTHER.items():
            clip = load_audio(path)
            ref = align_phones(clip, text)
            gap = lip_gap(g.generate(audio_features(clip, 25.0)).expr)
            mid = lambda s: gap[min(len(gap) - 1, int((s.start + s.end) / 2 * 25.0))]  # noqa: E731
            vowel = np.mean([mid(s) for s in ref if s.viseme in VOWELS])
            ratios[name] = [round(float(mid(s) / vowel), 2) for s in ref if s.viseme == "PBM"]
        out["other"][vname] = ratios
        print(f"{'':42s} non-GRID bilabial gap / vowel gap: {ratios}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
