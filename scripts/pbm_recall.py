"""How well pocketsphinx allphone decoding (``audio.phone_recogniser.recognise_phones``) finds /p b m/.

Reference: forced alignment of the known transcript (``align_phones``; GRID clips from ``tritalk prepare``'s
``aligned`` spans, and two non-GRID recordings nobody trained on: tests/data/fleurs_en_000.wav and the
bundled JFK example). Scoring (``tritalk.eval.phone_recall``): a reference /p b m/ span is *found* when a
recognised P/B/M span overlaps it (each end widened by ``--tol`` s, fixed a priori at 0.03 s); a recognised
P/B/M span is *correct* when it overlaps a reference one the same way. Also with the audio degraded
(8 kHz telephone, 10 dB noise, 10 dB music bed: ``eval.motion_metrics.degraded_audio``). Prints the
recall / precision table of docs/motion.md.

Usage (from the repository root):
    .venv/bin/python scripts/pbm_recall.py [--data out/prepared_grid] [--json out/pbm_recall.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path

from tritalk.audio.phone_recogniser import align_phones, recognise_phones
from tritalk.eval.motion_metrics import degraded_audio
from tritalk.eval.phone_recall import bilabials, score
from tritalk.io.audio import load_audio
from tritalk.training.dataset import load_real
from tritalk.types import AudioClip

ROOT = Path(__file__).resolve().parents[1]
OTHER = {  # non-GRID recordings nobody trained on, with their transcripts
    "fleurs_en_000": (ROOT / "tests" / "data" / "fleurs_en_000.wav",
                      "however due to the slow communication channels styles in the west could lag behind by "
                      "twenty five to thirty year"),
    "jfk_speech": (Path(str(resources.files("tritalk") / "assets" / "examples" / "speech.wav")),
                   "and so my fellow americans ask not what your country can do for you ask what you can do "
                   "for your country"),
}
KINDS = ("clean", "telephone", "noise", "music")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="out/prepared_grid", help="prepared GRID clips (tritalk prepare)")
    ap.add_argument("--tol", type=float, default=0.03)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    clips = [(c["id"], c["audio"], c["spans"]) for c in load_real(args.data)]
    for name, (path, text) in OTHER.items():
        x = load_audio(path).samples  # 16 kHz
        clips.append((name, x, align_phones(AudioClip(x, 16000), text)))
    rows, totals = [], {}
    for cid, x, ref_spans in clips:
        ref = bilabials(ref_spans)
        for i, kind in enumerate(KINDS):
            y = degraded_audio(x, kind, seed=100 + i)
            t0 = time.perf_counter()
            hyp = bilabials(recognise_phones(y))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
