"""Video -> per-frame face measurements: MediaPipe's Face Landmarker in VIDEO mode over a video's frames.

The one definition of "measure a talking-face video", used by ``tritalk prepare`` (training/data.py),
the v1 speech fit (eval/baselines.py) and the emotion statistics (scripts/emotion_stats.py):

    track = measure_video("clip.mp4", every=1)
    track.expr        # (T, 52) blendshapes, NaN rows where no face was found
    track.head        # (T, 6) yaw, pitch, roll [rad], tx, ty, tz [cm]
    track.landmarks   # (T, 478, 3) in pixels, as face/analyse.py's FaceObservation
    measure_frames(frames, fps)   # the same for frames in memory (renders, crops: eval/protocol.py)

VIDEO mode tracks the face from frame to frame (steadier than one IMAGE-mode detection per frame),
so frames must come in order with rising timestamps; one face (the first found) is measured.
The model bundle is the packaged ``assets/models/face_landmarker.task`` (Apache-2.0).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from tritalk.face.analyse import N_LANDMARKS, task_path
from tritalk.io.video import read_video_frames
from tritalk.types import IDX, N_EXPR

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceTrack:
    """Measurements of every ``every``-th frame of a video (row k is video frame k * every)."""

    expr: np.ndarray  # (T, 52) float32 in BLENDSHAPES order; tongueOut 0 (not measured); NaN rows: no face
    head: np.ndarray  # (T, 6) float32 yaw, pitch, roll [rad] (head_pose_from_matrix), tx, ty, tz [cm]; NaN: no face
    landmarks: np.ndarray  # (T, 478, 3) float32 x, y [px], z [px, smaller = nearer]; NaN: no face
    fps: float  # the video's frame rate (frames per second of the video, not of the rows when every > 1)
    every: int = 1

    @property
    def found(self) -> np.ndarray:
        """(T,) bool: a face was found on that row's frame."""
        return ~np.isnan(self.expr[:, IDX["jawOpen"]])

    def __len__(self) -> int:
        return len(self.expr)


def head_pose_from_matrix(m: np.ndarray) -> np.ndarray:
    """MediaPipe facial transformation matrix (4, 4), camera frame x right / y up / z to the viewer
    -> (6,) yaw, pitch, roll [rad] (yaw > 0 nose to image right, pitch > 0 chin up, roll > 0
    counter-clockwise on screen) and translation [cm]."""
    r = m[:3, :3] / np.linalg.norm(m[:3, 0])
    nose = r @ np.array([0.0, 0.0, 1.0])
    yaw = math.atan2(nose[0], nose[2])
    pitch = math.atan2(nose[1], math.hypot(nose[0], nose[2]))
    side = r @ np.array([1.0, 0.0, 0.0])
    roll = math.atan2(side[1], side[0])
    return np.array([yaw, pitch, roll, *m[:3, 3]], np.float32)


def video_fps(path: str | Path) -> float:
    """The video track's average frame rate (25 when the container does not say)."""
    import av

    with av.open(str(path)) as c:
        rate = c.streams.video[0].average_rate if c.streams.video else None
    return float(rate) if rate else 25.0


def measure_video(path: str | Path, every: int = 1) -> FaceTrack:
    """Blendshapes, head pose and landmarks of every ``every``-th frame of the video at ``path``."""
    frames = read_video_frames(path, every=every)  # checks the file and the every before the model loads
    track = measure_frames(frames, video_fps(path), every=every)
    if not len(track):
        logger.warning("'%s' holds no video frames", path)
    logger.debug("measured '%s': %d frames, face in %d", path, len(track), int(track.found.sum()))
    return track


def measure_frames(frames: Iterable[np.ndarray], fps: float, every: int = 1) -> FaceTrack:
    """The same measurements for frames in memory: RGB uint8 (H, W, 3) images in video order (rows k is
    video frame k * every at ``fps``), e.g. rendered frames or crops of a video's frames."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=task_path()), running_mode=vision.RunningMode.VIDEO,
        output_face_blendshapes=True, output_facial_transformation_matrixes=True, num_faces=1)
    exprs, heads, points = [], [], []
    with vision.FaceLandmarker.create_from_options(options) as landmarker:
        last_ms = -1
        for k, rgb in enumerate(frames):
            h, w = rgb.shape[:2]
            ms = max(last_ms + 1, int(round(k * every * 1000.0 / fps)))  # VIDEO mode needs rising timestamps
            last_ms = ms
            res = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB,
                                                       data=np.ascontiguousarray(rgb)), ms)
            e = np.full(N_EXPR, np.nan, np.float32)
            pose = np.full(6, np.nan, np.float32)
            pts = np.full((N_LANDMARKS, 3), np.nan, np.float32)
            if res.face_landmarks:
                pts = np.array([[p.x * w, p.y * h, p.z * w] for p in res.face_landmarks[0]], np.float32)
                e[:] = 0.0
                for b in res.face_blendshapes[0] if res.face_blendshapes else ():
                    if b.category_name in IDX:
                        e[IDX[b.category_name]] = b.score
                e[IDX["tongueOut"]] = 0.0  # not measured by MediaPipe
                if res.facial_transformation_matrixes:
                    pose = head_pose_from_matrix(np.asarray(res.facial_transformation_matrixes[0]))
            exprs.append(e)
            heads.append(pose)
            points.append(pts)
    if not exprs:
        return FaceTrack(np.zeros((0, N_EXPR), np.float32), np.zeros((0, 6), np.float32),
                         np.zeros((0, N_LANDMARKS, 3), np.float32), fps, every)
    return FaceTrack(np.stack(exprs), np.stack(heads), np.stack(points), fps, every)
