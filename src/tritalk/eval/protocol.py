"""The paper's self-driven protocol (Sec. IV-C) on one talking-face clip.

    row = evaluate_clip(item, systems, views=(0, -30, 30), weights=NetworkWeights(None))

Each clip's first frame is the reference photo and the clip's own audio drives every system
(eval/systems.py). The real frames are mapped into the crop the pipeline renders (face/subject.py
``crop_box`` of the first frame, ``crop_square`` at the output size; the box stays fixed, as the
reference photo's does). At the front view (yaw 0) each generated frame t >= 1 is compared with real frame t
(frame 0 is the reference photo, given to every system): PSNR, SSIM (image_metrics.py), M-LMD, F-LMD (landmark_metrics.py). At every view, and for the real clip
itself, the no-reference measures: face-detection rate, blink rate, head-pose jitter, flicker
(face_stats.py, image_metrics.py), audio-video offset and mouth-loudness correlation (sync_metrics.py);
the networks' metrics (LSE-C/D, FID, LPIPS, CSIM, emotion accuracy) come from eval/networks.py, or read
"n/a (no weights at PATH)". Both videos are measured by the same MediaPipe landmarker (face/track.py).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from tritalk.eval.face_stats import blink_rate, detection_rate, pose_jitter
from tritalk.eval.image_metrics import flicker, psnr, ssim
from tritalk.eval.landmark_metrics import f_lmd, m_lmd, mouth_motion, mouth_opening
from tritalk.eval.networks import NetworkWeights
from tritalk.eval.sync_metrics import av_offset, loudness_envelope, mouth_loudness_r
from tritalk.face.analyse import FaceAnalyser
from tritalk.face.subject import crop_box, crop_square
from tritalk.face.track import FaceTrack, measure_frames, video_fps
from tritalk.io.audio import load_audio
from tritalk.io.video import read_video_frames
from tritalk.types import Camera

logger = logging.getLogger(__name__)

FULL_REFERENCE = ("PSNR", "SSIM", "M-LMD", "F-LMD")
MOUTH_DIAGNOSTICS = ("mouth_open_r", "mouth_open_range")  # why M-LMD is what it is (landmark_metrics.mouth_motion)
NO_REFERENCE = ("face_rate", "av_offset", "mouth_loudness_r", "blink_rate", "pose_jitter", "flicker")


def real_clip(path, size: int, fps: float) -> dict:
    """The real clip as the protocol reads it: reference (H, W, 3) first frame, audio, crops (T, S, S, 3) of
    its frames in the first frame's crop box resampled to ``fps`` (nearest frame), and the box."""
    frames = list(read_video_frames(path))
    if not frames:
        from tritalk.errors import InputError

        raise InputError(f"'{path}' holds no video frames; give talking-face videos")
    src_fps = video_fps(path)
    audio = load_audio(path)
    with FaceAnalyser(max_faces=1) as analyser:
        obs = analyser.analyse(frames[0], name=f"the first frame of '{path}'")
    cx, cy, side = crop_box(obs, *frames[0].shape[:2])
    n = max(1, min(int(round(len(frames) * fps / src_fps)), int(np.ceil(audio.duration * fps - 1e-6))))
    idx = np.minimum(np.round(np.arange(n) * src_fps / fps).astype(int), len(frames) - 1)
    crops = np.stack([crop_square(frames[i], cx, cy, side, size) for i in idx])
    return dict(reference=frames[0], audio=audio, crops=crops, box=(cx, cy, side))


def no_reference(frames: np.ndarray, track: FaceTrack, loud: np.ndarray, fps: float) -> dict:
    mouth = mouth_opening(track.landmarks)
    return {"face_rate": detection_rate(track.found), "av_offset": av_offset(mouth, loud, fps),
            "mouth_loudness_r": mouth_loudness_r(mouth, loud), "blink_rate": blink_rate(track.expr, fps),
            "pose_jitter": pose_jitter(track.head), "flicker": flicker(frames)}


def full_reference(real: np.ndarray, fake: np.ndarray, real_track: FaceTrack, fake_track: FaceTrack) -> dict:
    """Frames 1..T-1: frame 0 is the reference photo itself (every system is given it), so it is left out."""
    n = min(len(real), len(fake))
    ts = range(1, n) if n > 1 else range(n)
    return {"PSNR": float(np.mean([min(psnr(real[t], fake[t]), 100.0) for t in ts])),  # an identical frame counts 100 dB
            "SSIM": float(np.mean([ssim(real[t], fake[t]) for t in ts])),
            "M-LMD": m_lmd(real_track.landmarks[1:n], fake_track.landmarks[1:n]),
            "F-LMD": f_lmd(real_track.landmarks[1:n], fake_track.landmarks[1:n]),
            **mouth_motion(real_track.landmarks[1:n], fake_track.landmarks[1:n])}


def evaluate_clip(item, systems: Sequence, views: Sequence[float] = (0.0,), weights: NetworkWeights | None = None,
                  done: dict | None = None, on_system: Callable[[str], None] | None = None) -> dict:
    """Every metric of every system at every view yaw [deg] on one clip (``item``: training/data.py VideoItem).
    ``done``: a previous result of this clip; systems and views already in it are kept, not recomputed."""
    cfg = systems[0].config
    fps, size = cfg.fps, cfg.size
    weights = weights or NetworkWeights(None)
    if done and (done.get("size", size) != size or done.get("fps", fps) != fps):
        done = None  # measured in another crop size or frame rate: start again
    row = dict(done or {})
    row.update(clip=item.id, layout=item.layout, speaker=item.speaker, file=Path(item.path).name, size=size, fps=fps)
    results = row.setdefault("systems", {})
    series = row.setdefault("mouth_opening", {})
    todo = [(s, v) for s in systems for v in views if _key(v) not in results.get(s.name, {})]
    if not todo and "real" in row:
        return row
    clip = real_clip(item.path, size, fps)
    real = clip["crops"]
    real_track = measure_frames(real, fps)
    loud = loudness_envelope(clip["audio"].samples, clip["audio"].sample_rate, fps, len(real))
    row["frames"] = len(real)
    row["real"] = no_reference(real, real_track, loud, fps)
    series["real"] = _list(mouth_opening(real_track.landmarks))
    for system, yaw in todo:
        if on_system:
            on_system(f"{system.name}@{_key(yaw)}")
        t0 = time.perf_counter()
        fake = system.frames(clip["reference"], clip["audio"], Camera(yaw=float(yaw)))[: len(real)]
        fake_track = measure_frames(fake, fps)
        m = no_reference(fake, fake_track, loud[: len(fake)], fps)
        if yaw == 0:
            m.update(full_reference(real, fake, real_track, fake_track))
        # every system is driven with the default (neutral) emotion: that is what emotion accuracy checks
        m.update(weights.metrics(real, fake, clip["audio"], reference_view=yaw == 0, fps=fps, emotion="neutral"))
        m["seconds"] = time.perf_counter() - t0
        results.setdefault(system.name, {})[_key(yaw)] = m
        series[f"{system.name}@{_key(yaw)}"] = _list(mouth_opening(fake_track.landmarks))
        logger.info("%s %s@%s: %.1f s", item.id, system.name, _key(yaw), m["seconds"])
    return row


def _key(yaw: float) -> str:
    return f"{float(yaw):g}"


def _list(x: np.ndarray) -> list:
    return [None if not np.isfinite(v) else round(float(v), 5) for v in x]
