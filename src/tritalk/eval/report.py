"""Aggregate per-clip results and write them: results.json, results.md (the paper's tables), plots.

    summary = aggregate(rows)                     # {system: {view: {metric: mean over clips}}}
    write_markdown(out / "results.md", rows, summary, meta)
    write_plots(out, rows, summary)               # mouth_<clip>.png, distributions.png

results.md: Table I's layout (PSNR/SSIM, LPIPS, FID, M-LMD, Sync_conf) at the front view with our F-LMD
added; Table II's layout for each novel view (the learned metrics and our no-reference measures; the real
frames exist only at the front view); Table IV (emotion accuracy); CSIM at the front view; our no-reference
measures next to the real clips' own values; time per clip and system.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from tritalk.eval.protocol import FULL_REFERENCE, NO_REFERENCE


def aggregate(rows: Sequence[dict]) -> dict:
    """Mean over clips of every numeric metric, per system and view; strings ('n/a ...') kept once."""
    acc: dict = {}
    for row in rows:
        for system, views in row.get("systems", {}).items():
            for view, metrics in views.items():
                for k, v in metrics.items():
                    acc.setdefault(system, {}).setdefault(view, {}).setdefault(k, []).append(v)
        for k, v in row.get("real", {}).items():
            acc.setdefault("real", {}).setdefault("0", {}).setdefault(k, []).append(v)
    out: dict = {}
    for system, views in acc.items():
        for view, metrics in views.items():
            d = out.setdefault(system, {}).setdefault(view, {})
            for k, vs in metrics.items():
                nums = [float(v) for v in vs if isinstance(v, (int, float)) and v is not None and math.isfinite(v)]
                d[k] = float(np.mean(nums)) if nums else next((v for v in vs if isinstance(v, str)), float("nan"))
            d["n_clips"] = len(next(iter(metrics.values())))
    return out


def fmt(v, digits: int = 3) -> str:
    if isinstance(v, str):
        return "n/a" if v.startswith("n/a") else v
    if v is None or not math.isfinite(v):
        return "—" if v is None or math.isnan(v) else ("inf" if v > 0 else "-inf")
    return f"{v:.{digits}f}"


def _table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return out


def write_markdown(path: Path, rows: Sequence[dict], summary: dict, meta: dict) -> None:
    systems = [s for s in summary if s != "real"]
    views = sorted({v for s in systems for v in summary[s]}, key=lambda v: (abs(float(v)), float(v)))
    lines = [f"# tritalk eval: {meta.get('data', '')}", "",
             f"{len(rows)} clips; {meta.get('size')} px crops at {meta.get('fps')} fps; mean over clips. "
             "Self-driven: each clip's first frame is the reference photo, its own audio drives every system. "
             "M-LMD / F-LMD: mouth / face landmark distance (MediaPipe; the generated face aligned on the real "
             "one by a similarity transform on the upper face) over the real frame's inter-ocular distance. n/a: the network's weights are not on this machine "
             "(results.json says where they were looked for).", ""]
    notes = {m: v for s in systems for v in summary[s].values() for m, v in v.items()
             if isinstance(v, str) and v.startswith("n/a")}
    lines += ["## Table I layout (front view)", ""]
    hdr = ["system", "PSNR/SSIM ↑", "LPIPS ↓", "FID ↓", "M-LMD ↓", "Sync_conf (LSE-C) ↑", "F-LMD ↓"]
    body = []
    for s in systems:
        m = summary[s].get("0")
        if m:
            body.append([s, f"{fmt(m.get('PSNR'), 2)}/{fmt(m.get('SSIM'), 3)}", fmt(m.get("LPIPS")),
                         fmt(m.get("FID"), 2), fmt(m.get("M-LMD")), fmt(m.get("LSE-C"), 2), fmt(m.get("F-LMD"))])
    lines += _table(hdr, body) + [""]
    for v in views:
        if v == "0":
            continue
        lines += [f"## Table II layout (yaw {v}°; no real frames at this view: no-reference measures)", ""]
        hdr = ["system", "Sync_conf (LSE-C) ↑", "CSIM ↑", "face rate ↑", "mouth-loudness r ↑", "AV offset [frames]",
               "pose jitter [deg]", "flicker"]
        body = [[s, fmt(m.get("LSE-C"), 2), fmt(m.get("CSIM")), fmt(m.get("face_rate"), 2),
                 fmt(m.get("mouth_loudness_r")), fmt(m.get("av_offset"), 1), fmt(m.get("pose_jitter")),
                 fmt(m.get("flicker"), 2)] for s in systems for m in [summary[s].get(v)] if m]
        lines += _table(hdr, body) + [""]
    lines += ["## Mouth diagnostics (front view): does the mouth open when the real one does, and how wide", "",
              "mouth-open r: Pearson r of the generated and real inner-lip opening per frame; range ratio: the "
              "generated opening's 10-90th percentile range over the real one's (1 = same amplitude, > 1 too wide, "
              "0 = still).", ""]
    body = [[s, fmt(m.get("mouth_open_r")), fmt(m.get("mouth_open_range"), 2)]
            for s in systems for m in [summary[s].get("0")] if m]
    lines += _table(["system", "mouth-open r ↑", "range ratio (1 = real)"], body) + [""]
    lines += ["## Table IV layout (emotion accuracy)", ""]
    lines += _table(["system", "Avg. Acc."], [[s, fmt(summary[s].get("0", {}).get("emotion_acc"))] for s in systems])
    lines += ["", "## Identity (front view): CSIM, the reference photo against each generated frame (ArcFace)", ""]
    lines += _table(["system", "CSIM ↑"], [[s, fmt(summary[s].get("0", {}).get("CSIM"))] for s in systems])
    lines += ["", "## No-reference measures (front view) and the real clips' own values", ""]
    names = {"face_rate": "face rate", "av_offset": "AV offset [frames]", "mouth_loudness_r": "mouth-loudness r",
             "blink_rate": "blinks/min", "pose_jitter": "pose jitter [deg]", "flicker": "flicker"}
    hdr = ["system", *[names[k] for k in NO_REFERENCE], "s per clip"]
    order = systems + (["real"] if "real" in summary else [])
    body = [[s, *[fmt(m.get(k), 2) for k in NO_REFERENCE], fmt(m.get("seconds"), 1) if s != "real" else "—"]
            for s in order for m in [summary[s].get("0")] if m]
    lines += _table(hdr, body) + [""]
    lines += ["## Per clip (front view): PSNR / SSIM / M-LMD", ""]
    body = [[r["clip"]] + [" / ".join(fmt(r["systems"].get(s, {}).get("0", {}).get(k), 2 if k == "PSNR" else 3)
                                      for k in ("PSNR", "SSIM", "M-LMD")) for s in systems] for r in rows]
    lines += _table(["clip", *systems], body) + [""]
    if notes:
        lines += ["Learned metrics not computed:", ""] + [f"- {k}: {v}" for k, v in sorted(notes.items())] + [""]
    path.write_text("\n".join(lines))


def write_plots(out: Path, rows: Sequence[dict], summary: dict) -> list[Path]:
    """Per clip: mouth opening per frame, real vs each system at the front view; all clips: the
    distribution over clips of PSNR, SSIM, M-LMD, F-LMD per system. PNG files; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    written = []
    for r in rows:
        series = r.get("mouth_opening", {})
        fig, ax = plt.subplots(figsize=(8, 3))
        for name, ys in series.items():
            if name == "real" or name.endswith("@0"):
                y = np.array([np.nan if v is None else v for v in ys], float)
                ax.plot(y, label=name.replace("@0", ""), lw=2.2 if name == "real" else 1.2,
                        color="black" if name == "real" else None)
        ax.set_xlabel(f"frame ({r.get('fps', 25):g} fps)")
        ax.set_ylabel("inner-lip gap / eye distance")
        ax.set_title(f"{r['clip']}: mouth opening, real vs generated (front view)")
        ax.legend(fontsize=7, ncol=3)
        fig.tight_layout()
        p = out / f"mouth_{r['clip']}.png"
        fig.savefig(p, dpi=90)
        plt.close(fig)
        written.append(p)
    systems = [s for s in summary if s != "real"]
    fig, axes = plt.subplots(1, len(FULL_REFERENCE), figsize=(4 * len(FULL_REFERENCE), 3.2))
    for ax, metric in zip(np.atleast_1d(axes), FULL_REFERENCE):
        data = [[v for r in rows for v in [r["systems"].get(s, {}).get("0", {}).get(metric)]
                 if isinstance(v, (int, float)) and math.isfinite(v)] for s in systems]
        ax.boxplot([d if d else [np.nan] for d in data], tick_labels=systems)
        ax.set_title(metric)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    fig.tight_layout()
    p = out / "distributions.png"
    fig.savefig(p, dpi=90)
    plt.close(fig)
    written.append(p)
    return written
