"""No-reference measures of one video's face track (face/track.py FaceTrack): usable on novel views.

  detection_rate   share of frames where MediaPipe found a face
  blink_rate       blinks per minute: rises of mean(eyeBlinkLeft, eyeBlinkRight) through BLINK_ON
  pose_jitter      mean |second difference| of yaw, pitch, roll [deg / frame^2]: shake, not slow turns
"""

from __future__ import annotations

import numpy as np

from tritalk.types import IDX

BLINK_ON = 0.5  # MediaPipe's eyeBlink scores: open eyes 0.0-0.3 on GRID, closed > 0.6
BLINK_OFF = 0.35  # hysteresis: a blink ends below this (one noisy frame does not make two blinks)


def detection_rate(found: np.ndarray) -> float:
    return float(np.mean(found)) if len(found) else float("nan")


def blink_rate(expr: np.ndarray, fps: float) -> float:
    """(T, 52) blendshapes (NaN rows: no face) -> blinks per minute."""
    if not len(expr):
        return float("nan")
    s = np.nan_to_num((expr[:, IDX["eyeBlinkLeft"]] + expr[:, IDX["eyeBlinkRight"]]) / 2, nan=0.0)
    blinks, closed = 0, False
    for v in s:
        if not closed and v > BLINK_ON:
            blinks, closed = blinks + 1, True
        elif closed and v < BLINK_OFF:
            closed = False
    return blinks / (len(s) / fps / 60.0)


def pose_jitter(head: np.ndarray) -> float:
    """(T, 6) yaw, pitch, roll [rad], ... -> mean |second difference| of the angles [deg]; NaN if < 3 rows."""
    ang = np.degrees(head[:, :3].astype(np.float64))
    ang = ang[np.isfinite(ang).all(axis=1)]
    if len(ang) < 3:
        return float("nan")
    return float(np.abs(np.diff(ang, n=2, axis=0)).mean())
