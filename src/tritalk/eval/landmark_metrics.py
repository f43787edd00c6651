"""Landmark distances between real and generated frames: M-LMD (mouth) and F-LMD (face), and mouth opening.

Both videos are measured by the same MediaPipe Face Landmarker (face/track.py ``measure_frames``) in the
same crop. Per frame, each landmark set has its own centroid subtracted (so a head that drifts by a few
pixels is not counted as a mouth error), the distance is the mean Euclidean distance over the group's
points, **divided by the real frame's inter-ocular distance** (outer eye corners, MediaPipe 33 and 263);
the clip's value is the mean over frames where both faces were found. The literature (Chen et al. 2019,
ATVGnet; EAMM; EAT) measures 68-point landmarks in pixels of a 256 crop; ours is unit-free so clips of any
size compare, and 0.1 means "a tenth of the eye distance on average".

  MOUTH   the 40 lip landmarks (outer + inner contours, face/model.py)
  FACE    the 468 face-mesh points (irises left out: gaze is not part of the face shape)
"""

from __future__ import annotations

import numpy as np

from tritalk.face.model import (EYE_CORNERS, INNER_LIP_LOWER, INNER_LIP_MIDDLE, INNER_LIP_UPPER,
                                OUTER_LIP_LOWER, OUTER_LIP_UPPER)

MOUTH = tuple(sorted(set(INNER_LIP_UPPER + INNER_LIP_LOWER + OUTER_LIP_UPPER + OUTER_LIP_LOWER)))
FACE = tuple(range(468))


def inter_ocular(landmarks: np.ndarray) -> np.ndarray:
    """(T, 478, >=2) -> (T,) distance between the outer eye corners [px] (NaN: no face)."""
    a, b = landmarks[:, EYE_CORNERS[0], :2], landmarks[:, EYE_CORNERS[1], :2]
    return np.linalg.norm(a - b, axis=-1)


def landmark_distance(real: np.ndarray, fake: np.ndarray, group: tuple[int, ...]) -> np.ndarray:
    """(T, 478, >=2) real and generated landmarks [px] -> (T,) centred mean distance over ``group`` / the
    real inter-ocular distance (NaN where either face is missing)."""
    n = min(len(real), len(fake))
    r, f = real[:n][:, group, :2].astype(np.float64), fake[:n][:, group, :2].astype(np.float64)
    r = r - r.mean(axis=1, keepdims=True)
    f = f - f.mean(axis=1, keepdims=True)
    return np.linalg.norm(r - f, axis=-1).mean(axis=1) / inter_ocular(real[:n])


def m_lmd(real: np.ndarray, fake: np.ndarray) -> float:
    """Mouth landmark distance of a clip (mean over frames with both faces; NaN if none)."""
    return _nanmean(landmark_distance(real, fake, MOUTH))


def f_lmd(real: np.ndarray, fake: np.ndarray) -> float:
    """Face landmark distance of a clip (mean over frames with both faces; NaN if none)."""
    return _nanmean(landmark_distance(real, fake, FACE))


def mouth_opening(landmarks: np.ndarray) -> np.ndarray:
    """(T, 478, >=2) -> (T,) inner-lip gap at the middle (MediaPipe 13-14) / inter-ocular distance."""
    gap = np.linalg.norm(landmarks[:, INNER_LIP_MIDDLE[0], :2] - landmarks[:, INNER_LIP_MIDDLE[1], :2], axis=-1)
    return gap / inter_ocular(landmarks)


def _nanmean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")
