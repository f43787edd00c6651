"""Dev-speech check of a speech -> mouth generator: open in speech, closed in pauses, on English,
German, Italian, 8 kHz telephone prompts, and the same files with a music bed or noise; developer tool.

Usage: .venv/bin/python tools/check_motion_speech.py [--model gm|v1|DIR] [--speech DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy import signal

from tritalk.audio.features import audio_features
from tritalk.io.media import load_audio
from tritalk.motion.generator import load_speech_generator
from tritalk.training import augment
from tritalk.types import IDX, AudioClip

ROOT = Path(__file__).resolve().parents[1]


def stats(gen, clip: AudioClip) -> dict:
    # 1 s of digital silence appended: the mouth must settle.
    x = np.concatenate([clip.samples, np.zeros(clip.sample_rate, np.float32)])
    feats = audio_features(AudioClip(x, clip.sample_rate), 25.0)
    jaw = gen.generate(feats).expr[:, IDX["jawOpen"]]
    vad = feats.column("vad")
    sp = vad > 0.5
    pause = (vad < 0.2) & ~(np.convolve(sp, np.ones(11), "same") > 0)
    tail = np.arange(len(jaw)) / 25.0 > clip.duration + 0.3
    peaks, _ = signal.find_peaks(jaw, prominence=0.05)
    return dict(open_speech=float(np.mean(jaw[sp] > 0.1)) if sp.any() else float("nan"),
                open_pause=float(np.mean(jaw[pause] > 0.1)) if pause.any() else float("nan"),
                jaw_p95=float(np.percentile(jaw, 95)), tail_max=float(jaw[tail].max()),
                peaks_per_s=float(len(peaks) / max(sp.sum() / 25.0, 1e-6)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", default=None)
    ap.add_argument("--speech", default=str(ROOT.parent / "shared" / "data" / "dev" / "speech"))
    args = ap.parse_args()
    models = args.model or ["gm", "v1"]
    gens = {m: load_speech_generator(m) for m in models}
    print(f"{'file':38s} {'cond':6s} " + " ".join(f"{m:>36s}" for m in models))
    print(f"{'':45s} " + " ".join("open|sp open|pa  p95 tail pk/s".rjust(36) for _ in models))
    for p in sorted(Path(args.speech).glob("*.wav")):
        clip = load_audio(p)
        x = clip.samples.astype(np.float64)
        rng = np.random.default_rng(0)
        for cond, c in (("clean", clip), ("music", augment.music(x, clip.sample_rate, rng, snr_db=10.0)),
                        ("noise", augment.noise(x, clip.sample_rate, rng, snr_db=10.0))):
            cells = []
            for m in models:
                s = stats(gens[m], c)
                cells.append(f"{s['open_speech']:7.0%} {s['open_pause']:7.0%} {s['jaw_p95']:4.2f} "
                             f"{s['tail_max']:4.2f} {s['peaks_per_s']:4.1f}".rjust(36))
            print(f"{p.name[:38]:38s} {cond:6s} " + " ".join(cells))


if __name__ == "__main__":
    main()
