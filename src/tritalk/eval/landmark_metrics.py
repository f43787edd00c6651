"""Landmark distances between real and generated frames: M-LMD (mouth) and F-LMD (face), and mouth opening.

Both videos are measured by the same MediaPipe Face Landmarker (face/track.py ``measure_frames``) in the
same crop. Per frame, the generated landmarks are first **aligned to the real ones by a 2D similarity
transform** (rotation, scale, translation; least squares, Umeyama 1991) fitted on the upper-face points
that speech does not move (eye corners, nose bridge, forehead: ANCHORS), as the literature aligns faces
before LMD (Chen et al. 2019, ATVGnet): a head that sways or rolls by a degree is then not counted as a
mouth error, while the jaw dropping still moves the mouth points. The distance is the mean Euclidean
distance over the group's points, **divided by the real frame's inter-ocular distance** (outer eye corners,
MediaPipe 33 and 263); the clip's value is the mean over frames where both faces were found. The
literature measures 68-point landmarks in pixels of a 256 crop; ours is unit-free so clips of any size
compare, and 0.1 means "a tenth of the eye distance on average".

  MOUTH   the 40 lip landmarks (outer + inner contours, face/model.py)
  FACE    the 468 face-mesh points (irises left out: gaze is not part of the face shape)
"""

from __future__ import annotations

import numpy as np

from tritalk.face.model import (EYE_CORNERS, INNER_LIP_LOWER, INNER_LIP_MIDDLE, INNER_LIP_UPPER,
                                OUTER_LIP_LOWER, OUTER_LIP_UPPER)

MOUTH = tuple(sorted(set(INNER_LIP_UPPER + INNER_LIP_LOWER + OUTER_LIP_UPPER + OUTER_LIP_LOWER)))
FACE = tuple(range(468))
ANCHORS = (33, 133, 263, 362,  # eye corners (outer, inner; both eyes): blinks move the lids, not the corners
           168, 6, 197, 195,  # nose bridge
           10, 151, 9, 8)  # forehead midline


def inter_ocular(landmarks: np.ndarray) -> np.ndarray:
    """(T, 478, >=2) -> (T,) distance between the outer eye corners [px] (NaN: no face)."""
    a, b = landmarks[:, EYE_CORNERS[0], :2], landmarks[:, EYE_CORNERS[1], :2]
    return np.linalg.norm(a - b, axis=-1)


def similarity_align(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K, 2) -> (2, 2) matrix A (rotation x scale) and (2,) t minimising sum |A src + t - dst|^2 (Umeyama)."""
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    s0, d0 = src - ms, dst - md
    u, sig, vt = np.linalg.svd(d0.T @ s0)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = float((sig * np.diag(d)).sum() / max((s0 ** 2).sum(), 1e-12))
    a = scale * rot
    return a, md - a @ ms


def landmark_distance(real: np.ndarray, fake: np.ndarray, group: tuple[int, ...]) -> np.ndarray:
    """(T, 478, >=2) real and generated landmarks [px] -> (T,) mean distance over ``group`` after aligning the
    generated face on the real one (ANCHORS), / the real inter-ocular distance (NaN where a face is missing)."""
    n = min(len(real), len(fake))
    out = np.full(n, np.nan)
    iod = inter_ocular(real[:n])
    for t in range(n):
        r, f = real[t, :, :2].astype(np.float64), fake[t, :, :2].astype(np.float64)
        if not (np.isfinite(r).all() and np.isfinite(f).all()):
            continue
        a, shift = similarity_align(f[list(ANCHORS)], r[list(ANCHORS)])
        f = f[list(group)] @ a.T + shift
        out[t] = np.linalg.norm(r[list(group)] - f, axis=-1).mean() / iod[t]
    return out


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


def mouth_motion(real: np.ndarray, fake: np.ndarray) -> dict:
    """Diagnostics of M-LMD: does the generated mouth open when the real one does (``mouth_open_r``, Pearson r
    of the two openings) and by how much (``mouth_open_range``: the generated opening's 10-90th percentile
    range / the real one's; 1 = same amplitude, > 1 opens too wide, 0 = still)."""
    n = min(len(real), len(fake))
    a, b = mouth_opening(real[:n]), mouth_opening(fake[:n])
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return {"mouth_open_r": float("nan"), "mouth_open_range": float("nan")}
    a, b = a[ok], b[ok]
    r = float(np.corrcoef(a, b)[0, 1]) if a.std() > 1e-9 and b.std() > 1e-9 else float("nan")
    span = lambda x: float(np.percentile(x, 90) - np.percentile(x, 10))  # noqa: E731
    return {"mouth_open_r": r, "mouth_open_range": span(b) / max(span(a), 1e-9)}


def _nanmean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")
