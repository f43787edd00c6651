"""CPU triangle rasterizer (numba): z-buffer, barycentric interpolation, edge anti-aliasing.

Contract: vertices arrive in screen space, ``xy`` (V, 2) float32 in pixels with the centre
of pixel (row i, column j) at (x=j, y=i), and ``z`` (V,) float32 where **smaller is nearer**.
``rasterize`` returns, per pixel, the id of the nearest covering triangle (-1 for none), its
barycentric weights and depth. Attributes (colours, source-image coordinates, ...) are then
interpolated per pixel by ``interpolate``. Triangles are drawn whatever their winding (no
back-face culling): the portrait meshes are 2.5D and never self-overlap except by depth.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _rasterize(xy, z, faces, height, width, tri_id, bary, depth):
    for f in range(faces.shape[0]):
        a, b, c = faces[f, 0], faces[f, 1], faces[f, 2]
        x0, y0 = xy[a, 0], xy[a, 1]
        x1, y1 = xy[b, 0], xy[b, 1]
        x2, y2 = xy[c, 0], xy[c, 1]
        area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        if abs(area) < 1e-9:
            continue
        inv = 1.0 / area
        xmin = max(int(np.floor(min(x0, min(x1, x2)))), 0)
        xmax = min(int(np.ceil(max(x0, max(x1, x2)))), width - 1)
        ymin = max(int(np.floor(min(y0, min(y1, y2)))), 0)
        ymax = min(int(np.ceil(max(y0, max(y1, y2)))), height - 1)
        z0, z1, z2 = z[a], z[b], z[c]
        for i in range(ymin, ymax + 1):
            py = float(i)
            # each weight is linear along the row: w = p + q * px. Only the span where all three can be
            # >= 0 is visited (widened by a pixel: the exact per-pixel test below decides)
            p0, q0 = (x1 * (y2 - py) - x2 * (y1 - py)) * inv, (y1 - y2) * inv
            p1, q1 = (x2 * (y0 - py) - x0 * (y2 - py)) * inv, (y2 - y0) * inv
            lo, hi = float(xmin), float(xmax)
            for pk, qk in ((p0, q0), (p1, q1), (1.0 - p0 - p1, -q0 - q1)):
                if qk > 1e-12:
                    lo = max(lo, (-1e-6 - pk) / qk - 1.0)
                elif qk < -1e-12:
                    hi = min(hi, (-1e-6 - pk) / qk + 1.0)
                elif pk < -1e-3:
                    hi = lo - 1.0
            if hi < lo:
                continue
            for j in range(max(int(np.floor(lo)), xmin), min(int(np.ceil(hi)), xmax) + 1):
                px = float(j)
                w0 = ((x1 - px) * (y2 - py) - (x2 - px) * (y1 - py)) * inv
                w1 = ((x2 - px) * (y0 - py) - (x0 - px) * (y2 - py)) * inv
                w2 = 1.0 - w0 - w1
                # a small negative tolerance closes cracks between neighbours
                if w0 < -1e-6 or w1 < -1e-6 or w2 < -1e-6:
                    continue
                d = w0 * z0 + w1 * z1 + w2 * z2
                if d < depth[i, j]:
                    depth[i, j] = d
                    tri_id[i, j] = f
                    bary[i, j, 0] = w0
                    bary[i, j, 1] = w1
                    bary[i, j, 2] = w2


def rasterize(xy: np.ndarray, z: np.ndarray, faces: np.ndarray, height: int, width: int):
    """-> tri_id (H, W) int32 (-1 = empty), bary (H, W, 3) float32, depth (H, W) float32 (inf = empty)."""
    tri_id = np.full((height, width), -1, np.int32)
    bary = np.zeros((height, width, 3), np.float32)
    depth = np.full((height, width), np.inf, np.float32)
    _rasterize(np.ascontiguousarray(xy, np.float32), np.ascontiguousarray(z, np.float32),
               np.ascontiguousarray(faces, np.int32), height, width, tri_id, bary, depth)
    return tri_id, bary, depth


@numba.njit(cache=True, nogil=True)
def _interpolate(tri_id, bary, faces, attrs, fill, out):
    h, w = tri_id.shape
    c = attrs.shape[1]
    for i in range(h):
        for j in range(w):
            f = tri_id[i, j]
            if f < 0:
                for k in range(c):
                    out[i, j, k] = fill[k]
                continue
            a, b, d = faces[f, 0], faces[f, 1], faces[f, 2]
            w0, w1, w2 = bary[i, j, 0], bary[i, j, 1], bary[i, j, 2]
            for k in range(c):
                out[i, j, k] = w0 * attrs[a, k] + w1 * attrs[b, k] + w2 * attrs[d, k]


def interpolate(tri_id: np.ndarray, bary: np.ndarray, faces: np.ndarray, attrs: np.ndarray,
                fill: float | np.ndarray = 0.0) -> np.ndarray:
    """Per-pixel attributes (H, W, C) float32 from per-vertex ``attrs`` (V, C); ``fill`` where empty."""
    attrs = np.ascontiguousarray(attrs, np.float32)
    fill_arr = np.broadcast_to(np.asarray(fill, np.float32), (attrs.shape[1],)).copy()
    out = np.empty(tri_id.shape + (attrs.shape[1],), np.float32)
    _interpolate(tri_id, bary, np.ascontiguousarray(faces, np.int32), attrs, fill_arr, out)
    return out


@numba.njit(cache=True, nogil=True)
def _depth_edges(depth, jump, out):
    h, w = depth.shape
    for i in range(h):
        for j in range(w):
            d = depth[i, j] if np.isfinite(depth[i, j]) else 1e6
            e = False
            if j + 1 < w:
                n = depth[i, j + 1] if np.isfinite(depth[i, j + 1]) else 1e6
                e = abs(n - d) > jump
            if not e and j > 0:
                n = depth[i, j - 1] if np.isfinite(depth[i, j - 1]) else 1e6
                e = abs(d - n) > jump
            if not e and i + 1 < h:
                n = depth[i + 1, j] if np.isfinite(depth[i + 1, j]) else 1e6
                e = abs(n - d) > jump
            if not e and i > 0:
                n = depth[i - 1, j] if np.isfinite(depth[i - 1, j]) else 1e6
                e = abs(d - n) > jump
            out[i, j] = e


def depth_edges(depth: np.ndarray, jump: float) -> np.ndarray:
    """(H, W) bool: pixels next to a depth discontinuity larger than ``jump`` (occlusion edges; an empty pixel
    counts as depth 1e6)."""
    out = np.empty(depth.shape, np.bool_)
    _depth_edges(np.ascontiguousarray(depth, np.float32), np.float32(jump), out)
    return out


def antialias(image: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Soften occlusion edges: edge pixels take a 3x3 box average (a post-process AA, like MLAA-lite).
    Writes into ``image`` and returns it."""
    if not edges.any():
        return image
    import cv2

    box = cv2.blur(image, (3, 3), borderType=cv2.BORDER_REPLICATE)
    np.copyto(image, box, where=edges[..., None])
    return image


def edge_lengths(xy: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(F, 3) lengths [px] of the edges (v1-v0, v2-v1, v0-v2) of triangles ``faces``."""
    t = xy[faces]
    return np.linalg.norm(t[:, [1, 2, 0]] - t, axis=-1)
