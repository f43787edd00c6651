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
from tritalk.types import Camera


def example_paths() -> tuple[Path, Path]:
    base = resources.files("tritalk") / "assets" / "examples"
    return Path(str(base / "portrait.jpg")), Path(str(base / "speech.wav"))


def _one_run(head: TalkingHead, image: Path, audio: Path, out: Path, camera: Camera = Camera()) -> dict:
    t0 = time.perf_counter()
    clip = load_audio(audio)
    result = head.generate(image, clip, camera=camera)
    t1 = time.perf_counter()
    result.save(out, overwrite=True)
    t2 = time.perf_counter()
    return {"prepare_s": t1 - t0, "render_encode_s": t2 - t1, "total_s": t2 - t0,
            "frames": result.n_frames, "audio_s": clip.duration}


def run_bench(image: Path | None = None, audio: Path | None = None, size: int = 512, fps: float = 25.0,
              repeat: int = 1, full_head: bool | None = None, render_processes: int | None = None,
              yaw: float = 0.0, pitch: float = 0.0) -> dict:
    """``full_head``: the mesh engine with / without the full head; ``render_processes``: its worker processes
    (``MeshEngineConfig.render_processes``); None = the config's default. ``yaw`` / ``pitch``: the viewer's camera
    (degrees; a turned view draws the head's completed side, the uncovered fill and the wall past the photo)."""
    from dataclasses import replace

    ex_image, ex_audio = example_paths()
    image, audio = image or ex_image, audio or ex_audio
    config = TritalkConfig(size=size, fps=fps)
    if full_head is not None:
        config = replace(config, mesh=replace(config.mesh, full_head=full_head))
    if render_processes is not None:
        config = replace(config, mesh=replace(config.mesh, render_processes=render_processes))
    runs = []
    with TalkingHead.load(config=config) as head, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.mp4"
        camera = Camera(yaw=yaw, pitch=pitch)
        warm = _one_run(head, image, audio, out, camera)
        runs = [_one_run(head, image, audio, out, camera) for _ in range(max(repeat, 1))]
    med = {k: statistics.median(r[k] for r in runs) for k in ("prepare_s", "render_encode_s", "total_s")}
    frames, audio_s = runs[0]["frames"], runs[0]["audio_s"]
    return {
        "size": size, "fps_target": fps, "full_head": config.mesh.full_head, "yaw": yaw, "pitch": pitch,
        "render_processes": config.mesh.render_processes, "frames": frames,
        "audio_seconds": round(audio_s, 3),
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


def _looped(clip, seconds: float | None):
    """The clip repeated (or cut) to ``seconds``; the clip itself when None."""
    import numpy as np

    from tritalk.types import AudioClip

    if seconds is None:
        return clip
    n = int(round(seconds * clip.sample_rate))
    reps = -(-n // clip.samples.shape[0])
    return AudioClip(np.tile(clip.samples, reps)[:n], clip.sample_rate)


def run_live_bench(image: Path | None = None, audio: Path | None = None, size: int = 256,
                   seconds: float | None = None, chunk_ms: float = 20.0, budget_ms: float = 200.0) -> dict:
    """Feed the audio to a live session in real time (``chunk_ms`` chunks paced with time.sleep) and time
    each frame: latency = the frame's return time - the moment the chunk that completes its audio interval
    was due (so a session that falls behind real time shows it in the latency); a frame later than
    ``budget_ms`` counts as dropped (a player showing frames at a fixed ``budget_ms`` delay would skip it).
    drift = audio clock - lookahead - frame clock after the last push (0 = no drift, |x| < 1000/fps = within
    a frame). corr_jaw_offline = correlation of the live jawOpen with the offline Motion of the same audio."""
    import math

    import numpy as np
    import torch

    from tritalk.types import IDX

    torch.set_num_threads(1)
    ex_image, ex_audio = example_paths()
    image, audio = image or ex_image, audio or ex_audio
    config = TritalkConfig(size=size)
    clip = _looped(load_audio(audio), seconds)
    fps, rate = config.fps, clip.sample_rate
    step = max(1, int(round(chunk_ms / 1000.0 * rate)))
    with TalkingHead.load(config=config) as head:
        session = head.live(image, size=size)
        warm = head.live(image, size=size)  # burn in: JIT, first-call allocations, the seeded tracks
        warm.push(clip.samples[: 3 * rate], rate)  # > G_m's steady window: its trace is made (and shared) here
        warm.finish()
        done: dict[int, float] = {}
        t0 = time.perf_counter()
        for i, start in enumerate(range(0, clip.samples.shape[0], step)):
            due = t0 + (start + step) / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            for f in session.push(clip.samples[start:start + step], rate):
                done[f.index] = time.perf_counter()
        wall_lag = time.perf_counter() - t0 - clip.duration
        drift_s = (session.audio_seconds - session.lookahead_s) - session.frames_out / fps
        for f in session.finish():
            done[f.index] = time.perf_counter()
        offline = head.motion(clip, base=session.subject.ref_expr, lip_gap=session.subject.lip_gap)
    expected = math.ceil(round(clip.duration * fps, 6))
    lat = []
    for t, when in done.items():
        end = min((t + 1) / fps, clip.duration) * rate  # the frame's last sample
        due = t0 + math.ceil(end / step) * step / rate  # ... arrives with this chunk
        lat.append((when - due) * 1000.0)
    lat_a = np.array(lat[: max(len(lat) - session.config.lookahead - 2, 1)])  # the finish() frames waited for no audio
    live_jaw = session.motion().expr[:, IDX["jawOpen"]]
    off_jaw = offline.expr[:, IDX["jawOpen"]]
    n = min(len(live_jaw), len(off_jaw))
    return {
        "size": size, "fps": fps, "audio_seconds": round(clip.duration, 2), "chunk_ms": chunk_ms,
        "frames": len(done), "frames_expected": expected,
        "latency_ms_p50": round(float(np.percentile(lat_a, 50)), 1),
        "latency_ms_p95": round(float(np.percentile(lat_a, 95)), 1),
        "latency_ms_max": round(float(lat_a.max()), 1),
        "lookahead_ms": round(session.lookahead_s * 1000.0, 1),
        "dropped_frames": int(expected - len(done) + int(np.sum(lat_a > budget_ms))),
        "budget_ms": budget_ms,
        "drift_ms": round(drift_s * 1000.0, 1),
        "wall_lag_ms": round(wall_lag * 1000.0, 1),
        "corr_jaw_offline": round(float(np.corrcoef(live_jaw[:n], off_jaw[:n])[0, 1]), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(), "machine": platform.machine(),
    }
