"""``tritalk eval DATA_DIR``: every clip of a folder through the protocol, with resume, then the report.

    summary = evaluate_dataset("videos/", "out/", engines=("mesh",), baselines=("still", "loudness"))

OUT/clips/<clip>.json holds one finished clip (written atomically): a rerun with the same options keeps
the systems and views already there and computes only what is missing. Then OUT/results.json
(meta, per clip, aggregated), OUT/results.md and the plots (report.py).
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import time
from pathlib import Path
from typing import Callable, Sequence

from tritalk.config import TritalkConfig
from tritalk.errors import OutputError
from tritalk.eval.datasets import eval_clips
from tritalk.eval.networks import NetworkWeights
from tritalk.eval.protocol import evaluate_clip
from tritalk.eval.report import aggregate, write_markdown, write_plots
from tritalk.eval.systems import make_systems

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (clips done, clips total, what is running)


def views_from(spec: Sequence[float]) -> tuple[float, ...]:
    """(0, 30, 60) -> (0, -30, 30, -60, 60): a view v > 0 means both sides (the paper's left / right)."""
    out: list[float] = []
    for v in spec:
        for w in ((0.0,) if v == 0 else (-abs(v), abs(v))):
            if w not in out:
                out.append(float(w))
    return tuple(out)


def evaluate_dataset(data_dir: str | Path, out: str | Path, engines: Sequence[str] = ("mesh",),
                     baselines: Sequence[str] = ("still", "loudness", "v1"), views: Sequence[float] = (0.0,),
                     size: int = 256, weights: str | Path | None = None, clips: Sequence[str] = (),
                     split: str = "test", progress: Progress | None = None) -> dict:
    out = Path(out)
    config = TritalkConfig(size=size)
    systems = make_systems(engines, baselines, config)
    items = eval_clips(data_dir, split, clips)
    try:
        (out / "clips").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot write to '{out}' ({e.strerror}); give a writable -o folder") from None
    nets = NetworkWeights(weights)
    rows = []
    t0 = time.perf_counter()
    try:
        for i, item in enumerate(items):
            path = out / "clips" / f"{item.id}.json"
            done = json.loads(path.read_text()) if path.is_file() else None
            if progress:
                progress(i, len(items), item.id)
            row = evaluate_clip(item, systems, views, nets, done,
                                on_system=(lambda what: progress(i, len(items), f"{item.id} {what}")) if progress else None)
            _write_atomic(path, json.dumps(finite(row), indent=1, default=_json_default, allow_nan=False))
            rows.append(row)
            if progress:
                progress(i + 1, len(items), "")
    finally:
        for s in systems:
            s.close()
    summary = aggregate(rows)
    meta = dict(data=Path(data_dir).name, size=size, fps=config.fps, engines=list(engines), baselines=list(baselines),
                views=list(views), weights=str(weights) if weights else None, n_clips=len(rows),
                machine=f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
                seconds=round(time.perf_counter() - t0, 1), tritalk=__import__("tritalk").__version__)
    _write_atomic(out / "results.json", json.dumps(finite(dict(meta=meta, summary=summary, clips=rows)), indent=1,
                                                   default=_json_default, allow_nan=False))
    write_markdown(out / "results.md", rows, summary, meta)
    write_plots(out, rows, summary)
    return dict(meta=meta, summary=summary, clips=rows)


def finite(v):
    """NaN / inf -> None, recursively: results.json is strict JSON (None reads as 'no value')."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite(x) for x in v]
    return v


def _json_default(v):
    import numpy as np

    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(type(v).__name__)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
