"""How well pocketsphinx allphone decoding (``audio.encoders.recognise_phones``) finds /p b m/; developer tool.

Reference: forced alignment of the known transcript (``align_phones``; GRID clips from ``tritalk prepare``'s
``aligned`` spans). A reference /p b m/ span is *found* when a recognised P/B/M span overlaps it (each end
widened by ``--tol`` s, fixed a priori at 0.03 s); a recognised P/B/M span is *correct* when it overlaps a
reference one the same way. Also with the audio degraded (8 kHz telephone, 10 dB noise, 10 dB music bed),
as tools/eval_motion.py does.

Usage: .venv/bin/python tools/pbm_recall.py [--data out/prepared_grid] [--json out/pbm_recall.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tritalk.audio.encoders import align_phones, recognise_phones
from tritalk.io.media import load_audio
from tritalk.types import AudioClip

ROOT = Path(__file__).resolve().parents[1]
OTHER = {  # non-GRID recordings nobody trained on, with their transcripts
    "fleurs_en_000": (ROOT / "tests" / "data" / "fleurs_en_000.wav",
                      "however due to the slow communication channels styles in the west could lag behind by "
                      "twenty five to thirty year"),
    "jfk_speech": (ROOT / "src" / "tritalk" / "assets" / "examples" / "speech.wav",
                   "and so my fellow americans ask not what your country can do for you ask what you can do "
                   "for your country"),
}


def pbm(spans):
    return [(s.start, s.end, s.phone) for s in spans if s.viseme == "PBM"]


def overlaps(a, b, tol):
    return a[0] - tol < b[1] and b[0] - tol < a[1]


def score(ref, hyp, tol):
    found = [any(overlaps(r, h, tol) for h in hyp) for r in ref]
    correct = [any(overlaps(h, r, tol) for r in ref) for h in hyp]
    return found, correct


def degraded(x: np.ndarray, kind: str, i: int) -> AudioClip:
    from tritalk.training import augment
    from tritalk.training.augment import degrade

    if kind == "clean":
        return AudioClip(x, 16000)
    if kind in ("noise", "music"):
        return getattr(augment, kind)(x.astype(np.float64), 16000, np.random.default_rng(100 + i), snr_db=10.0)
    return degrade(x, 16000, kind, np.random.default_rng(100 + i))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "out" / "prepared_grid"))
    ap.add_argument("--tol", type=float, default=0.03)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    from tritalk.training.dataset import load_real

    clips = [(c["id"], c["audio"], c["spans"]) for c in load_real(args.data)]
    for name, (path, text) in OTHER.items():
        a = load_audio(path)
        x = np.asarray(a.samples, np.float32)
        if a.sample_rate != 16000:
            from tritalk.audio.encoders import resample_to

            x = resample_to(a, 16000).astype(np.float32)
        clips.append((name, x, align_phones(AudioClip(x, 16000), text)))
    rows, totals = [], {}
    for cid, x, ref_spans in clips:
        ref = pbm(ref_spans)
        for i, kind in enumerate(("clean", "telephone", "noise", "music")):
            y = degraded(x, kind, i)
            t0 = time.perf_counter()
            hyp = pbm(recognise_phones(y))
            dt = time.perf_counter() - t0
            found, correct = score(ref, hyp, args.tol)
            group = "grid" if cid.startswith("grid") else "other"
            t = totals.setdefault((group, kind), [0, 0, 0, 0, 0.0, 0.0])
            t[0] += sum(found); t[1] += len(ref); t[2] += sum(correct); t[3] += len(hyp)
            t[4] += dt; t[5] += y.duration
            rows.append(dict(clip=cid, kind=kind, ref=[(round(a, 2), round(b, 2), p) for a, b, p in ref],
                             hyp=[(round(a, 2), round(b, 2), p) for a, b, p in hyp], found=found, correct=correct,
                             seconds=dt))
            if kind == "clean":
                print(f"{cid:38s} ref {[(p, round(a, 2)) for a, b, p in ref]}  found {found}\n{'':38s} hyp "
                      f"{[(p, round(a, 2), round(b - a, 2)) for a, b, p in hyp]}  correct {correct}", flush=True)
    print("\ngroup  audio      recall        precision     s per 10 s audio")
    summary = {}
    for (group, kind), (f, n, c, m, dt, dur) in totals.items():
        summary[f"{group}/{kind}"] = dict(found=f, ref=n, correct=c, hyp=m, s_per_10s=10 * dt / dur)
        print(f"{group:6s} {kind:10s} {f}/{n} ({f / max(n, 1):.2f})   {c}/{m} ({c / max(m, 1):.2f})   {10 * dt / dur:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows=rows, summary=summary), indent=1))


if __name__ == "__main__":
    main()
