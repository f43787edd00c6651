"""The completed neck as a texture wrapped round it: angle round the neck x height, drawn per pixel.

    neck = build_neck_texture(points, tris, completed, collar, line, seen, clothes, relief, src, photo, weight, config)
    neck_at(neck.image, u0, u1, u2, v0, v1, v2, w0, w1, w2, out)   # in the fill kernel (disocclusion.py)

The renderer draws a decimated head whose neck triangles are a few centimetres high, and it interpolated
their vertices' completed colours: every edge on a turned neck (skin to a shirt, a white collar over a dark
suit) was a grey fade as high as a triangle. Here the full surface's colours, the photo where it saw the neck,
and the clothes' line round its back are laid out on a texture of ``HeadConfig.neck_texel_cm`` texels (a
column per angle round the neck's axis, a row per height), smoothed round the neck only (the photo's grazing
pixels at the neck's sides become bands, not shards), and each pixel of a drawn neck triangle samples it at
its interpolated column and row: an edge is as sharp as a texel.

(``neck_at`` is inlined into disocclusion.py's cached kernel: numba does not see an edit here, clear its cache.)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numba
import numpy as np

from tritalk.render.mesh_config import HeadConfig
from tritalk.render.rasterizer import interpolate, rasterize

COLS = 256  # round the neck (~0.15 cm per column on a 6 cm radius)


@dataclass(frozen=True)
class NeckTexture:
    image: np.ndarray  # (R, COLS, 3) float32 RGB, rows down the neck from ``top`` [cm], ``texel`` cm each
    coords: np.ndarray  # (V, 2) float32 column, row of each head vertex (rows past the texture: the sampler clamps)
    weight: np.ndarray  # (V,) float32 how much of a vertex's colour the texture gives (0: its own ``fill``)


def neck_coords(points: np.ndarray, axis: np.ndarray, top: float, texel: float) -> np.ndarray:
    """(N, 2) float32 column (angle round the vertical ``axis`` (x, z), 0 behind: the seam at the back) and row
    (``texel`` cm per row down from height ``top``) of points (N, 3) [cm, +y up, +z forward]. Rows are not clamped: a
    drawn triangle reaching past the texture keeps its rows linear (``neck_at`` clamps each pixel's)."""
    u = (np.arctan2(points[:, 0] - axis[0], points[:, 2] - axis[1]) / (2.0 * np.pi) + 0.5) * COLS
    v = (top - points[:, 1]) / texel
    return np.stack([u, v], 1).astype(np.float32)


def _wrap(a: np.ndarray, pad: int) -> np.ndarray:
    """``a`` (R, C, ...) with ``pad`` columns from its other end added on each side (round the neck)."""
    return np.concatenate([a[:, -pad:], a, a[:, :pad]], 1)


def _wrap_blur(image: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """``image`` (R, C, K) blurred along its columns (wrapped round) over ``mask`` (R, C) only (normalised)."""
    pad = min(int(np.ceil(4 * sigma)) + 1, image.shape[1])
    num = _wrap(image, pad) * _wrap(mask, pad)[..., None]
    den = _wrap(mask, pad).astype(np.float32)
    k = cv2.getGaussianKernel(2 * pad + 1, sigma).astype(np.float32)
    one = np.ones((1, 1), np.float32)
    num = cv2.sepFilter2D(num.astype(np.float32), -1, k, one, borderType=cv2.BORDER_REPLICATE)
    den = cv2.sepFilter2D(den, -1, k, one, borderType=cv2.BORDER_REPLICATE)
    out = num / np.maximum(den, 1e-6)[..., None]
    return out[:, pad:-pad]


def _spread(image: np.ndarray, filled: np.ndarray, steps: int = 24) -> np.ndarray:
    """``image`` with its empty texels (not ``filled``) taking their filled neighbours' mean, a texel per step: a
    drawn (decimated) triangle reaching from the neck onto the jaw samples past the neck's texels, with a fading
    weight."""
    image = _wrap(np.where(filled[..., None], image, 0.0).astype(np.float32), steps)
    mask = _wrap(filled.astype(np.float32), steps)
    for _ in range(steps):
        num = cv2.blur(image * mask[..., None], (3, 3), borderType=cv2.BORDER_REPLICATE)
        den = cv2.blur(mask, (3, 3), borderType=cv2.BORDER_REPLICATE)
        grow = (mask == 0) & (den > 0)
        image[grow] = num[grow] / den[grow, None]
        mask[grow] = 1.0
    return np.ascontiguousarray(image[:, steps:-steps])


def _profile(height: np.ndarray, colour: np.ndarray, texel: float) -> tuple[np.ndarray, float]:
    """(B, 3) mean ``colour`` (N, 3) per ``texel`` of ``height`` (N,) (bin i: heights from lo + i texel), bins without
    a sample interpolated between their neighbours, and lo."""
    lo = float(height.min())
    idx = np.floor((height - lo) / texel).astype(int)
    n = int(idx.max()) + 1
    total = np.zeros((n, 3), np.float64)
    count = np.zeros(n, np.float64)
    np.add.at(total, idx, colour)
    np.add.at(count, idx, 1.0)
    have = np.flatnonzero(count > 0)
    prof = total[have] / count[have, None]
    out = np.stack([np.interp(np.arange(n), have, prof[:, k]) for k in range(3)], 1)
    return out.astype(np.float32), lo


def build_neck_texture(points: np.ndarray, tris: np.ndarray, completed: np.ndarray, collar: np.ndarray,
                       line: np.ndarray, seen: np.ndarray, clothes: np.ndarray, relief: np.ndarray, src: np.ndarray,
                       photo: np.ndarray, weight: np.ndarray, config: HeadConfig) -> NeckTexture | None:
    """The neck's texture from the full surface, ``points`` (V, 3) [cm] and ``tris`` (T, 3), per vertex: its
    ``completed`` colours (V, 3); ``collar`` (V,) 1 on the never-seen neck, which under the clothes' line (``line``
    (V,): height over it [cm]) takes the clothes the photo shows at the same height over the line (a collar's band,
    a suit below it: round the back as they are at the sides and front) shaded by ``relief`` (V,); ``seen`` (V,) 1
    where the photo saw it, ``clothes`` (V,) 1 where what it saw is clothes, at photo coordinates ``src`` (V, 2) in
    ``photo`` (S, S, 3) (smoothed); ``weight`` (V,) where the texture is drawn (0: the vertex's own colour). None
    where no vertex takes it."""
    on = weight > 0
    if on.sum() < 3:
        return None
    axis = np.array([points[on, 0].mean(), points[on, 2].mean()], np.float32)
    radius = float(np.median(np.hypot(points[on, 0] - axis[0], points[on, 2] - axis[1])))
    texel = config.neck_texel_cm
    top = float(points[on, 1].max()) + texel
    rows = int(np.ceil((top - float(points[on, 1].min())) / texel)) + 2
    uv = neck_coords(points, axis, top, texel)
    # (the triangles wholly on the neck: under the jaw the mandible's underside lies outside the neck at the same angle
    # and height, and drawn there its shadowed colours darkened the neck under the jaw; its vertices have no weight)
    sel = tris[on[tris].all(1)]
    t = uv[sel]
    # across the seam at the back: the low corners brought round (rasterized on a double-width canvas, folded back)
    wide = t[..., 0].max(1) - t[..., 0].min(1) > COLS / 2
    t[wide, :, 0] = np.where(t[wide, :, 0] < COLS / 2, t[wide, :, 0] + COLS, t[wide, :, 0])
    flat = t.reshape(-1, 2)
    faces = np.arange(len(flat), dtype=np.int32).reshape(-1, 3)
    r = np.hypot(points[sel, 0] - axis[0], points[sel, 2] - axis[1]).reshape(-1)
    # the outermost surface where two lie at one angle and height (under the chin)
    tri_id, bary, depth = rasterize(flat, -r.astype(np.float32), faces, rows, 2 * COLS)
    per_vertex = np.concatenate([completed[:, :3], collar[:, None], line[:, None], seen[:, None], clothes[:, None],
                                 relief[:, None], src[:, :2]], 1).astype(np.float32)
    a = interpolate(tri_id, bary, faces, per_vertex[sel].reshape(-1, per_vertex.shape[1]))
    filled = tri_id >= 0
    a = np.where((depth[:, COLS:] < depth[:, :COLS])[..., None], a[:, COLS:], a[:, :COLS])  # (the outer of the two)
    filled = filled[:, :COLS] | filled[:, COLS:]
    xy = np.ascontiguousarray(a[..., 8:10])
    shown = cv2.remap(photo.astype(np.float32), xy[..., 0], xy[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)
    seen_w = np.clip(a[..., 5], 0.0, 1.0)[..., None]
    colour = seen_w * shown + (1.0 - seen_w) * a[..., 0:3]
    # round the neck only: the photo's grazing pixels at the neck's sides (squeezed, mixed with its shadowed edge)
    # become bands; up and down the neck an edge stays a texel sharp
    sigma = config.neck_band_cm[1] / (2.0 * np.pi * radius / COLS)
    colour = _wrap_blur(colour, filled.astype(np.float32), sigma)
    height = a[..., 4]
    source = filled & (a[..., 5] > 0.5) & (a[..., 6] > 0.5)  # clothes the photo shows
    if source.any():  # (after the blur: the line stays sharp)
        prof, lo = _profile(height[source], shown[source], texel)
        at = np.clip(np.floor((height - lo) / texel).astype(int), 0, len(prof) - 1)
        dressed = prof[at] * a[..., 7:8]
        below = (np.clip(0.5 - height / texel, 0.0, 1.0) * np.clip(a[..., 3], 0.0, 1.0) * (1.0 - seen_w[..., 0]))
        colour = colour + below[..., None] * (dressed - colour)
    image = _spread(colour, filled)
    return NeckTexture(np.ascontiguousarray(image, np.float32), uv, weight.astype(np.float32))


@numba.njit(cache=True, nogil=True, inline="always")
def neck_at(tex, u0, u1, u2, v0, v1, v2, w0, w1, w2, out):
    """``out`` (3,): the texture (bilinear, wrapped round the neck) at the point of a triangle with barycentric
    weights w0..w2 whose corners sit at columns u0..u2 (unwrapped here across the seam) and rows v0..v2."""
    rows, cols = tex.shape[0], tex.shape[1]
    half = 0.5 * cols
    if max(u0, max(u1, u2)) - min(u0, min(u1, u2)) > half:
        u0 = u0 + cols if u0 < half else u0
        u1 = u1 + cols if u1 < half else u1
        u2 = u2 + cols if u2 < half else u2
    u = w0 * u0 + w1 * u1 + w2 * u2
    v = min(max(w0 * v0 + w1 * v1 + w2 * v2, 0.0), rows - 1.001)
    uf, vf = np.floor(u), np.floor(v)
    fu, fv = u - uf, v - vf
    i0 = int(uf) % cols
    i1 = (i0 + 1) % cols
    j0 = int(vf)
    j1 = j0 + 1
    for k in range(3):
        out[k] = ((1 - fv) * ((1 - fu) * tex[j0, i0, k] + fu * tex[j0, i1, k])
                  + fv * ((1 - fu) * tex[j1, i0, k] + fu * tex[j1, i1, k]))
