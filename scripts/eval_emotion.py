"""Emotion accuracy of tritalk's output, measured by the team's independent auditor (docs/emotion.md "Measured").

For each portrait x emotion x intensity this renders a clip with the real CLI
(``tritalk generate ... --emotion E --intensity I``), runs the auditor on the OUTPUT video
(fer mini-Xception + PyEmotion expression classifiers, MediaPipe blinks / head pose / mouth)
and prints:
  * confusion matrices (``tritalk.eval.emotion_accuracy``; rows: requested emotion, columns: the
    classifier's 7 FER2013 classes, clip argmax counted per portrait) per intensity, for both
    classifiers; contempt (no FER2013 class) is reported on its own row and left out of the accuracy;
  * mean accuracy over the 6 emotions that FER2013 has besides neutral (angry, disgusted,
    fearful, happy, sad, surprised), and with neutral (7 classes);
  * monotonicity: the classifier's mean probability of the requested class per intensity;
  * lip sync against the neutral render of the same portrait: mouth_loudness_corr and
    mouth_speech_silence_ratio; blinks per minute and head jitter.

The auditor runs in its own venv (``bash ../shared/tools/audit/setup.sh``; ``--audit-python``).
Videos and audit JSON are kept in ``--out`` and reused on a second run (``--fresh`` redoes them).

Usage (from the repository root; ``--shared`` names the auditor, the speech and the portraits folder at
once, ``--audit`` / ``--audio`` / ``--portraits-dir`` one by one):
    .venv/bin/python scripts/eval_emotion.py --shared ../shared --out out/eval_emotion
        [--portraits 003,005,006,021,025,042 | --images a.jpg,b.png] [--intensities 0.5,1.0] [--jobs 2]
        [--seconds 4] [--json report.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from tritalk.eval.emotion_accuracy import CLASSES, TO_CLASS, confusion, mean_accuracy
from tritalk.io.audio import load_audio
from tritalk.types import EMOTIONS

DEFAULT_PORTRAITS = ("003_female_white", "005_male_east_asian", "006_female_west_asian", "021_male_white",
                     "025_female_black", "042_male_black")
SHARED_SPEECH = "librispeech_1995_1837_0001_en.wav"  # the speech of docs/emotion.md's numbers (first 4 s)
AUDIT_PY = Path(os.environ.get("AUDIT_VENV", Path.home() / ".cache" / "tritalk-audit-venv")) / "bin" / "python"


def cut_audio(src: Path, seconds: float, dst: Path) -> Path:
    """The first ``seconds`` of ``src`` as a 16-bit WAV (the whole file when seconds <= 0)."""
    if seconds <= 0:
        return src
    if dst.exists():
        return dst
    clip = load_audio(src)
    n = min(len(clip.samples), int(seconds * clip.sample_rate))
    pcm = (np.clip(clip.samples[:n], -1, 1) * 32767).astype("<i2")
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(clip.sample_rate)
        w.writeframes(pcm.tobytes())
    return dst


def run_one(args, portrait: str, emotion: str, intensity: float, audio: Path) -> dict:
    out = Path(args.out)
    stem = f"{portrait}__{emotion}__{intensity:g}"
    video, report = out / f"{stem}.mp4", out / f"{stem}.json"
    photo = args.photos[portrait]
    if args.fresh or not report.exists():
        tritalk = Path(sys.executable).parent / "tritalk"
        cmd = [str(tritalk), "generate", "--image", str(photo), "--audio", str(audio), "-o", str(video),
               "--emotion", emotion, "--intensity", str(intensity), "--size", str(args.size), "--overwrite"]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        res = subprocess.run([args.audit_python, str(args.audit), str(video),
                              "--ref", str(photo), "--no-series", "--no-identity"],
                             check=True, capture_output=True, text=True, env=env)
        report.write_text(res.stdout)
    return json.loads(report.read_text())


def confusion_table(results: dict, intensity: float, portraits, key: str) -> tuple[str, float, float]:
    """Text table (rows requested, columns predicted class counts) and the two mean accuracies."""
    probs = {}
    for (p, emotion, lv), r in results.items():
        if lv == intensity and p in portraits and r.get(key):
            probs.setdefault(emotion, []).append(r[key])
    rows = confusion(probs)
    lines = [f"{'requested':>10s} " + " ".join(f"{c[:8]:>8s}" for c in CLASSES) + "  acc   P(requested)"]
    for row in rows:
        label = row.emotion if row.emotion in TO_CLASS else f"({row.emotion})"
        lines.append(f"{label:>10s} " + " ".join(f"{c:8d}" for c in row.counts) +
                     f"  {row.accuracy:4.2f}  {row.p_requested:5.2f}")
    return "\n".join(lines), *mean_accuracy(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="out/eval_emotion")
    ap.add_argument("--shared", type=Path, default=None,
                    help="the team's shared folder: sets --audit, --audio and --portraits-dir (docs/emotion.md)")
    ap.add_argument("--audit", type=Path, default=None, help="the team auditor's audit.py")
    ap.add_argument("--audit-python", default=str(AUDIT_PY), help="python of the auditor's venv ($AUDIT_VENV)")
    ap.add_argument("--audio", type=Path, default=None, help="speech that drives every clip")
    ap.add_argument("--portraits-dir", type=Path, default=None, help="folder of london_<id>_neutral.jpg portraits")
    ap.add_argument("--portraits", default=",".join(DEFAULT_PORTRAITS),
                    help="comma-separated london_<id>_neutral.jpg ids (prefixes such as 003 work)")
    ap.add_argument("--images", default="",
                    help="comma-separated photo paths to use instead of --portraits (any portrait photo)")
    ap.add_argument("--emotions", default=",".join(EMOTIONS))
    ap.add_argument("--intensities", default="0.5,1.0")
    ap.add_argument("--seconds", type=float, default=0.0, help="cut the audio to its first N seconds (0 = whole)")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--fresh", action="store_true", help="re-render and re-audit even where results exist")
    ap.add_argument("--json", default=None, help="also write the summary here")
    args = ap.parse_args(argv)
    if args.shared is not None:
        args.audit = args.audit or args.shared / "tools" / "audit" / "audit.py"
        args.audio = args.audio or args.shared / "data" / "dev" / "speech" / SHARED_SPEECH
        args.portraits_dir = args.portraits_dir or args.shared / "data" / "dev" / "portraits"
    if args.audit is None or args.audio is None:
        ap.error("give --shared, or --audit and --audio")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.images:
        paths = [Path(x) for x in args.images.split(",")]
        args.photos = {p.stem: p for p in paths}
        if len(args.photos) != len(paths):
            ap.error("--images: two photos share a file name (results are stored by name)")
    else:
        if args.portraits_dir is None:
            ap.error("give --portraits-dir (with --portraits) or --images")
        known = sorted(p.name[len("london_"):-len("_neutral.jpg")]
                       for p in args.portraits_dir.glob("london_*_neutral.jpg"))
        args.photos = {}
        for q in args.portraits.split(","):
            match = [k for k in known if k.startswith(q)]
            if not match:
                ap.error(f"--portraits: no london_{q}*_neutral.jpg in {args.portraits_dir}")
            args.photos[match[0]] = args.portraits_dir / f"london_{match[0]}_neutral.jpg"
    portraits = list(args.photos)
    emotions = args.emotions.split(",")
    if "neutral" not in emotions:
        emotions = ["neutral"] + emotions
    levels = [float(x) for x in args.intensities.split(",")]
    audio = cut_audio(args.audio, args.seconds, out / f"speech_{args.seconds:g}s.wav")
    jobs = [(p, e, lv) for p in portraits for e in emotions for lv in ([1.0] if e == "neutral" else levels)]
    results = {}
    with ThreadPoolExecutor(args.jobs) as pool:
        for job, r in zip(jobs, pool.map(lambda j: run_one(args, *j, audio), jobs)):
            results[job] = r
    for (p, e, lv) in list(results):  # neutral is intensity-free: share it across levels
        if e == "neutral":
            for other in levels:
                results[(p, e, other)] = results[(p, e, lv)]

    summary = {"portraits": portraits, "audio": str(audio), "levels": levels, "accuracy": {}, "monotonic": {}}
    for key, name in (("emotion", "fer mini-Xception"), ("emotion2", "PyEmotion NetworkV2")):
        for lv in levels:
            table, acc6, acc7 = confusion_table(results, lv, portraits, key)
            print(f"\n== {name}, intensity {lv:g} (rows: requested; columns: clip argmax counts over "
                  f"{len(portraits)} portraits)\n{table}")
            print(f"mean accuracy: 6 emotions {acc6:.3f}; with neutral (7 classes) {acc7:.3f}")
            summary["accuracy"][f"{key}@{lv:g}"] = {"acc6": acc6, "acc7": acc7}
    print("\n== monotonicity: mean P(requested class) at intensity 0 (neutral render), " +
          ", ".join(f"{lv:g}" for lv in levels))
    for key in ("emotion", "emotion2"):
        for e in emotions:
            target = TO_CLASS.get(e)
            if e == "neutral" or not target:
                continue
            ps = [np.mean([results[(p, "neutral", levels[0])][key][target] for p in portraits])]
            ps += [np.mean([results[(p, e, lv)][key][target] for p in portraits]) for lv in levels]
            mono = all(b > a for a, b in zip(ps, ps[1:]))
            summary["monotonic"][f"{key}:{e}"] = {"p": [float(x) for x in ps], "rising": mono}
            print(f"{key:8s} {e:10s} " + " -> ".join(f"{x:.3f}" for x in ps) + ("" if mono else "   NOT rising"))

    print("\n== lip sync vs the neutral render (ratio of means over portraits), blinks, head jitter")
    print(f"{'emotion':>10s} {'I':>4s} {'corr':>6s} {'corr/n':>7s} {'ratio':>6s} {'ratio/n':>8s} {'blinks/min':>10s} {'jitter':>7s}")
    lip = {}
    for e in emotions:
        for lv in ([1.0] if e == "neutral" else levels):
            rs = [results[(p, e, lv)] for p in portraits]
            ns = [results[(p, "neutral", lv)] for p in portraits]

            def mean(rows, k):
                v = [r.get(k) for r in rows if r.get(k) is not None]
                return float(np.mean(v)) if v else float("nan")

            corr, ratio = mean(rs, "mouth_loudness_corr"), mean(rs, "mouth_speech_silence_ratio")
            c0, r0 = mean(ns, "mouth_loudness_corr"), mean(ns, "mouth_speech_silence_ratio")
            blinks, jitter = mean(rs, "blinks_per_min"), mean(rs, "head_jitter")
            lip[f"{e}@{lv:g}"] = {"corr": corr, "corr_rel": corr / c0, "ratio": ratio, "ratio_rel": ratio / r0,
                                  "blinks_per_min": blinks, "head_jitter": jitter}
            print(f"{e:>10s} {lv:4.1f} {corr:6.3f} {corr / c0:7.2f} {ratio:6.2f} {ratio / r0:8.2f} {blinks:10.1f} {jitter:7.3f}")
    summary["lip_blink_head"] = lip
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
