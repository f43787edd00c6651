"""Synthesise espeak-ng training speech with phoneme timings (training data for G_m); developer tool.

Needs espeak-ng: ``pip install 'tritalk[synth]'`` (espeakng-loader, GPL-3.0 library; never used at
run time) or Debian ``apt-get install espeak-ng``. Deterministic for a given --seed.

Usage: .venv/bin/python tools/make_synthetic.py OUT [--n 1500] [--seed 0]
"""

from __future__ import annotations

import argparse

from tritalk.training.synth import make_synthetic


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    records = make_synthetic(args.out, args.n, args.seed)
    langs = sorted({r["language"] for r in records})
    print(f"{len(records)} utterances, {sum(r['audio_seconds'] for r in records) / 60:.1f} min, "
          f"{len({r['speaker'] for r in records})} voices, languages: {', '.join(langs)}")


if __name__ == "__main__":
    main()
