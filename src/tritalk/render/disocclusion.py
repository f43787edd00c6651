"""Per-pixel kernels (numba) of the mesh engine's disocclusion fill (``MeshEngine._fill_disocclusions``).

Where a turn stretches the person sheet open, or shows the full head's never-seen surface (or a head pixel
whose photo sample lies on the wall beside the person), the frame shows filled-in colours instead of the
photo's. Both kernels work on one box of the frame (the pixels
near the triangles that can show fill) and in one pass, so a frame pays for the pixels that change, not
for whole-frame temporaries (about 50k pixels of a 512^2 frame at the rest view, all of it the head's
outline and neck).

    open_px = fill_weight(tri, bary, faces, opened, attrs, solid)       # (h, w) before blurring
    blend_fill(person, alpha, open_px, src, tri, bary, faces, attrs, on_head, filled, y0, x0,
               strands, amp, neck, wall, solid, sharp)
"""

from __future__ import annotations

import numba
import numpy as np

from tritalk.render.hair_strands import strand_at
from tritalk.render.neck_texture import neck_at


@numba.njit(cache=True, nogil=True)
def _fill_weight(tri, bary, faces, opened, attrs, solid, vopen, out):
    h, w = tri.shape
    for i in range(h):
        for j in range(w):
            t = tri[i, j]
            if t < 0:
                out[i, j] = 0.0
                continue
            o = opened[t]
            a, b, c = faces[t, 0], faces[t, 1], faces[t, 2]
            w0, w1, w2 = bary[i, j, 0], bary[i, j, 1], bary[i, j, 2]
            n = vopen.shape[0]
            if a < n and b < n and c < n:  # a triangle of the vertices that carry a weight
                o = max(o, w0 * vopen[a] + w1 * vopen[b] + w2 * vopen[c])
            if attrs.shape[0] > 0:
                unseen = w0 * attrs[a, 3] + w1 * attrs[b, 3] + w2 * attrs[c, 3]
                outside = solid * (w0 * attrs[a, 4] + w1 * attrs[b, 4] + w2 * attrs[c, 4])
                o = max(o, min(unseen + outside, 1.0))  # outside is a share of the seen part (1 - unseen)
            out[i, j] = o


def fill_weight(tri: np.ndarray, bary: np.ndarray, faces: np.ndarray, opened: np.ndarray, attrs: np.ndarray | None,
                solid: float, vopen: np.ndarray | None = None) -> np.ndarray:
    """(h, w) float32: how much each pixel of a box shows fill. ``tri`` (h, w) triangle ids (-1 = none),
    ``bary`` (h, w, 3), ``faces`` (F, 3), ``opened`` (F,) per-triangle stretch weight; ``attrs`` (V, 5) the
    head's [r, g, b, unseen, outside] per vertex (None without a head); ``solid`` scales ``outside``;
    ``vopen`` (n,) a stretch weight of the first n vertices, interpolated over the triangles made of them only
    (a fill that fades in)."""
    out = np.empty(tri.shape, np.float32)
    a = np.zeros((0, 5), np.float32) if attrs is None else np.ascontiguousarray(attrs, np.float32)
    vo = np.zeros(0, np.float32) if vopen is None else np.ascontiguousarray(vopen, np.float32)
    _fill_weight(np.asarray(tri, np.int32), np.asarray(bary, np.float32),
                 np.ascontiguousarray(faces, np.int32), np.ascontiguousarray(opened, np.float32), a,
                 np.float32(solid), vo, out)
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _reflect(i, n):
    """Index ``i`` mirrored into [0, n) at the edges (the fill's bilinear taps past the frame)."""
    if i < 0:
        i = -i
    if i >= n:
        i = 2 * n - 2 - i
    return min(max(i, 0), n - 1)


@numba.njit(cache=True, nogil=True)
def _blend_fill(person, alpha, open_px, src, tri, bary, faces, attrs, on_head, filled, y0, x0, strands, amp, neck,
                wall, solid, sharp):
    h, w = open_px.shape
    fh, fw = filled.shape[0], filled.shape[1]
    col = np.empty(3, np.float32)
    tex = np.empty(3, np.float32)
    hair = attrs.shape[1] > 7 and amp > 0.0
    wrapped = attrs.shape[1] > 10
    edged = attrs.shape[1] > 14 and sharp > 0.0
    for i in range(h):
        for j in range(w):
            o = open_px[i, j]
            y, x = y0 + i, x0 + j
            t = tri[i, j]
            if solid > 0.0 and t >= 0 and wall[t]:  # off the matte: as much fill as the pixel samples the wall (its
                # soft edge mixes the wall in: full from half the matte down)
                o = max(o, solid * min(2.0 * (1.0 - alpha[y, x]), 1.0))
            if o <= 0.0:
                continue
            if t >= 0 and on_head[t]:  # the head's completed colour, interpolated over its triangle
                a, b, c = faces[t, 0], faces[t, 1], faces[t, 2]
                w0, w1, w2 = bary[i, j, 0], bary[i, j, 1], bary[i, j, 2]
                gain = 1.0
                if hair:  # the completed hair's strands (hair_strands.py), where the fill is hair
                    hw = w0 * attrs[a, 5] + w1 * attrs[b, 5] + w2 * attrs[c, 5]
                    if hw > 0.0:
                        v = w0 * attrs[a, 7] + w1 * attrs[b, 7] + w2 * attrs[c, 7]
                        gain = 1.0 + amp * hw * strand_at(strands, attrs[a, 6], attrs[b, 6], attrs[c, 6], v,
                                                          w0, w1, w2)
                nw = 0.0  # the neck's share: its texture (neck_texture.py) at this pixel
                if wrapped:
                    nw = w0 * attrs[a, 10] + w1 * attrs[b, 10] + w2 * attrs[c, 10]
                    if nw > 0.0:
                        neck_at(neck, attrs[a, 8], attrs[b, 8], attrs[c, 8], attrs[a, 9], attrs[b, 9], attrs[c, 9],
                                w0, w1, w2, tex)
                shift = 0.0  # the hair's edge: from the vertices' blend to hair or the rest, by its share here
                if edged:
                    share = w0 * attrs[a, 14] + w1 * attrs[b, 14] + w2 * attrs[c, 14]
                    shift = min(max((share - 0.5) * sharp + 0.5, 0.0), 1.0) - share
                for k in range(3):
                    v = w0 * attrs[a, k] + w1 * attrs[b, k] + w2 * attrs[c, k]
                    if shift != 0.0:
                        v += shift * (w0 * attrs[a, 11 + k] + w1 * attrs[b, 11 + k] + w2 * attrs[c, 11 + k])
                    if nw > 0.0:
                        v = (1.0 - nw) * v + nw * tex[k]
                    v = v * gain + 0.5
                    col[k] = np.floor(min(max(v, 0.0), 255.0))
            else:  # the person's filled-in photo at this pixel's photo coordinates (bilinear, reflected)
                sx, sy = src[y, x, 0], src[y, x, 1]
                fx, fy = np.floor(sx), np.floor(sy)
                ax, ay = sx - fx, sy - fy
                xi, yi = int(fx), int(fy)
                for k in range(3):
                    col[k] = 0.0
                for dy in range(2):
                    yy = _reflect(yi + dy, fh)
                    wy = ay if dy == 1 else 1.0 - ay
                    for dx in range(2):
                        xx = _reflect(xi + dx, fw)
                        wx = ax if dx == 1 else 1.0 - ax
                        for k in range(3):
                            col[k] += wy * wx * filled[yy, xx, k]
            for k in range(3):
                v = person[y, x, k] * (1.0 - o) + col[k] * o + 0.5
                person[y, x, k] = np.uint8(min(max(v, 0.0), 255.0))
            alpha[y, x] = alpha[y, x] * (1.0 - o) + o


def blend_fill(person: np.ndarray, alpha: np.ndarray, open_px: np.ndarray, src: np.ndarray, tri: np.ndarray,
               bary: np.ndarray, faces: np.ndarray, attrs: np.ndarray | None, on_head: np.ndarray | None,
               filled: np.ndarray, y0: int, x0: int, strands: np.ndarray | None = None, amp: float = 0.0,
               neck: np.ndarray | None = None, wall: np.ndarray | None = None, solid: float = 0.0,
               sharp: float = 0.0) -> None:
    """Blend fill colours into ``person`` (S, S, 3) uint8 and ``alpha`` (S, S) float32, in place, by
    ``open_px`` (h, w) (the box at rows y0.., columns x0..). On triangles ``on_head`` (F,) bool the
    colour is the head's per-vertex ``attrs[:, :3]``; elsewhere ``filled`` (S, S, 3) sampled at the
    pixel's photo coordinates ``src`` (S, S, 2). With ``attrs`` (V, 8) [.., hair weight, column, row] and a
    ``strands`` texture (hair_strands.py), the head's colour is scaled by 1 + ``amp`` * weight * strand. With
    ``attrs`` (V, 11) [.., neck column, neck row, neck weight] and the ``neck`` texture (R, C, 3) (neck_texture.py),
    the colour is that much the texture's at the pixel's interpolated column and row. With ``attrs`` (V, 15)
    [.., hair's colour - the rest's (3), hair's share] (head_texture._hair_edge) and ``sharp`` > 0, the colour moves
    from the vertices' blend to hair or the rest where the share is within 1 / ``sharp`` of a half. On triangles
    ``wall`` (F,) bool a pixel shows at least ``solid`` * min(2 (1 - alpha), 1) fill: where it samples the photo off the
    person's matte (``alpha`` as remapped, before this blend)."""
    if attrs is None:
        attrs = np.zeros((0, 5), np.float32)
        on_head = np.zeros(len(faces), np.bool_)
    if strands is None:
        strands, amp = np.zeros((2, 2), np.float32), 0.0
    if neck is None:
        neck = np.zeros((2, 2, 3), np.float32)
        if attrs.shape[1] > 10:  # (no neck's share)
            attrs = attrs.copy()
            attrs[:, 10] = 0.0
    if wall is None:
        wall, solid = np.zeros(len(faces), np.bool_), 0.0
    _blend_fill(person, alpha, np.ascontiguousarray(open_px, np.float32), src, np.asarray(tri, np.int32),
                np.asarray(bary, np.float32), np.ascontiguousarray(faces, np.int32),
                np.ascontiguousarray(attrs, np.float32), np.ascontiguousarray(on_head), filled, int(y0), int(x0),
                np.ascontiguousarray(strands, np.float32), np.float32(amp), np.ascontiguousarray(neck, np.float32),
                np.ascontiguousarray(wall, np.bool_), np.float32(solid), np.float32(sharp))
