"""Strands for the completed hair: a fixed texture of fine streaks that run from the crown down, laid on
the head by the angle round its vertical axis (columns) and the elevation (rows), and evaluated per pixel
by the disocclusion fill (``disocclusion.blend_fill``) where the head shows its completed hair.

The photo shows the hair's strands only where it saw the hair; the back and top of a turned head were one
smooth colour (a helmet). The streaks modulate that colour's brightness by the contrast of the photo's own
hair (``head_texture``: its fine texture over its brightness), so sleek hair gets faint streaks and curls
stronger ones. They are fixed to the head (they turn with it) and the same for every photo.

    tex = strand_texture(straightness)       # (ROWS, COLS) float32, zero mean, unit deviation
    uv = texel_coords(points)                # (N, 2) per vertex, points [cm] relative to the head's centre
    d = strand_at(tex, u0, u1, u2, v, w0, w1, w2)   # numba: per pixel of a triangle

Straight hair (the photo's hair has one orientation, ``straightness`` 1) gets long streaks; curls and short
crops (0) small round clumps; in between a mix.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numba
import numpy as np

COLS = 1024  # round the head: a texel is ~0.6 mm on a 60 cm head, a row ~1.2 mm down it
ROWS = 256  # crown (row 0) to chin level (elevation +90 .. -90 deg)
SEED = 20261207


def _unit(tex: np.ndarray) -> np.ndarray:
    return ((tex - tex.mean()) / tex.std()).astype(np.float32)


@lru_cache(maxsize=1)
def _bases() -> tuple[np.ndarray, np.ndarray]:
    """Two (ROWS, COLS) textures from white noise, wrapped round the head: streaks (blurred far more down
    the head than round it: strands ~3 mm wide, plus a coarser layer of locks) and clumps (blurred alike both
    ways on the head). Finer streaks (0.5 mm) shimmered as the view moved: the frame samples a texel every
    1-2 px there (their flicker, a second difference over an orbit at 20 deg/s, was 1.8x the photo-textured
    face's; 0.9x now)."""
    rng = np.random.default_rng(SEED)
    pad = 64

    def blur(sx, sy):
        a = rng.normal(size=(ROWS, COLS)).astype(np.float32)
        wide = np.concatenate([a[:, -pad:], a, a[:, :pad]], 1)  # wraps: padded with its own other end
        return cv2.GaussianBlur(wide, (0, 0), sigmaX=sx, sigmaY=sy, borderType=cv2.BORDER_REFLECT)[:, pad:-pad]

    streaks = _unit(_unit(blur(2.5, 12.0)) + 0.5 * _unit(blur(2.5, 25.0)))
    clumps = _unit(_unit(blur(4.5, 2.2)) + 0.5 * _unit(blur(8.0, 4.0)))
    return streaks, clumps


@lru_cache(maxsize=8)
def strand_texture(straightness: float = 1.0) -> np.ndarray:
    """(ROWS, COLS) float32, zero mean, unit deviation: ``straightness`` (0..1) of streaks, the rest clumps."""
    streaks, clumps = _bases()
    a = float(np.clip(straightness, 0.0, 1.0))
    return _unit(a * streaks + (1.0 - a) * clumps)


def texel_coords(points: np.ndarray) -> np.ndarray:
    """(N, 2) float32 texel coordinates (column round the head, row down it) of points (N, 3) [cm] relative
    to the head's centre (model frame: +y up, +z forward): the angle round the vertical axis and the
    elevation. Interpolated over a triangle by the fill (the columns unwrapped across the back's seam)."""
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    u = (np.arctan2(x, z) / (2.0 * np.pi) + 0.5) * COLS
    v = (0.5 - np.arctan2(y, np.hypot(x, z)) / np.pi) * ROWS
    return np.stack([u, np.clip(v, 0.0, ROWS - 1.001)], 1).astype(np.float32)


@numba.njit(cache=True, nogil=True, inline="always")
def strand_at(tex, u0, u1, u2, v, w0, w1, w2):
    """The texture (bilinear, wrapped round the head) at the point of a triangle with barycentric weights
    w0..w2 whose corners sit at columns u0..u2 (unwrapped here across the back's seam) and row ``v``."""
    rows, cols = tex.shape
    half = 0.5 * cols
    hi = max(u0, max(u1, u2))
    if hi - min(u0, min(u1, u2)) > half:  # the triangle straddles the seam: bring the low corners round
        u0 = u0 + cols if u0 < half else u0
        u1 = u1 + cols if u1 < half else u1
        u2 = u2 + cols if u2 < half else u2
    u = w0 * u0 + w1 * u1 + w2 * u2
    v = min(max(v, 0.0), rows - 1.001)
    uf = np.floor(u)
    vf = np.floor(v)
    fu, fv = u - uf, v - vf
    i0 = int(uf) % cols
    i1 = (i0 + 1) % cols
    j0 = int(vf)
    j1 = j0 + 1
    return ((1 - fv) * ((1 - fu) * tex[j0, i0] + fu * tex[j0, i1])
            + fv * ((1 - fu) * tex[j1, i0] + fu * tex[j1, i1]))
