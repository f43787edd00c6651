"""`tritalk bench`: time one whole generation (audio -> mp4) and report fps, real-time factor, memory.

Burns in once (numba JIT, model loading), then times ``repeat`` runs and reports the median.
Stages are timed separately: subject (photo analysis + fit), motion (audio -> Motion), render
+ encode (frames -> mp4). ``rtf`` = total wall time / audio duration (<= 1 is real time).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path

from tritalk.config import TritalkConfig
from tritalk.io.audio import load_audio
from tritalk.pipeline import TalkingHead


def example_paths() -> tuple[Path, Path]:
    base = resources.files("tritalk") / "assets" / "examples"
    return Path(str(base / "portrait.jpg")), Path(str(base / "speech.wav"))


def _one_run(head: TalkingHead, image: Path, audio: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    clip = load_audio(audio)
    result = head.generate(image, clip)
    t1 = time.perf_counter()
    result.save(out, overwrite=True)
    t2 = time.perf_counter()
    return {"prepare_s": t1 - t0, "render_encode_s": t2 - t1, "total_s": t2 - t0,
            "frames": result.n_frames, "audio_s": clip.duration}


def run_bench(image: Path | None = None, audio: Path | None = None, size: int = 512, fps: float = 25.0,
              repeat: int = 1) -> dict:
    ex_image, ex_audio = example_paths()
    image, audio = image or ex_image, audio or ex_audio
    config = TritalkConfig(size=size, fps=fps)
    runs = []
    with TalkingHead.load(config=config) as head, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.mp4"
        warm = _one_run(head, image, audio, out)
        runs = [_one_run(head, image, audio, out) for _ in range(max(repeat, 1))]
    med = {k: statistics.median(r[k] for r in runs) for k in ("prepare_s", "render_encode_s", "total_s")}
    frames, audio_s = runs[0]["frames"], runs[0]["audio_s"]
    return {
        "size": size, "fps_target": fps, "frames": frames, "audio_seconds": round(audio_s, 3),
        "render_fps": round(frames / med["render_encode_s"], 2),
        "end_to_end_fps": round(frames / med["total_s"], 2),
        "real_time_factor": round(med["total_s"] / audio_s, 3),
        "prepare_seconds": round(med["prepare_s"], 3),
        "render_encode_seconds": round(med["render_encode_s"], 3),
        "total_seconds": round(med["total_s"], 3),
        "warmup_total_seconds": round(warm["total_s"], 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "runs": len(runs), "cpu_count": os.cpu_count(), "machine": platform.machine(),
    }
