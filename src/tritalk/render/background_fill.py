"""Hole filling for the background plate: push-pull (smooth) and patch-based exemplar inpainting.

The plate is the photo with the person removed; a turned view shows it behind the person. Two fills:

  * ``fill_holes``: push-pull, mask-weighted pyramid averaging. Smooth; right for the person's own
    colours (``PortraitScene.filled``), a blurred blob on a textured wall.
  * ``patch_fill``: multi-scale exemplar inpainting, "Space-Time Completion of Video" (Wexler, Shechtman,
    Irani, PAMI 2007) with the nearest-neighbour fields of PatchMatch (Barnes, Shechtman, Finkelstein,
    Goldman, SIGGRAPH 2009). Coarse to fine over an image pyramid. At the coarsest level the hole
    starts as a vote of random matches, weighted by how well each agrees with push-pull's smooth fill
    (a mosaic of the wall, not a flat tone that would only ever match the wall's flattest patch). At each
    level a few EM steps: (E) for every patch overlapping the hole, find its nearest source patch (one
    wholly outside the hole, inside the frame, near the hole) by PatchMatch, with soft penalties on the
    row offset (a wall or curtain continues at its own height) and on copying one part of the wall more
    often than the hole's size needs (a feature shown twice); (M) each hole pixel becomes the
    similarity-weighted vote of the source pixels that the patches covering it copy. The field is
    upsampled to seed the next level, and the finest level only votes with it. Texture is copied, not
    averaged. Where the wall around the hole is plain (a studio backdrop), copies of its darker and
    brighter parts would show as blotches: there the fill keeps the smooth shading of the hole's border (its
    membrane interpolation, solved a few levels coarser) and the copies' grain. Last, near the hole's border
    the fill's broad tone is re-solved (Poisson image editing, Perez et al. 2003, with the fill's own
    gradients) so that it meets the wall without a step.

    plate = patch_fill(image, hole, config)   # (H, W, 3) uint8; pixels outside ``hole`` are untouched

For a turned camera the plate runs on past the photo's borders (``outpaint``), without the lines along them that a
video frame has (``drop_edge_lines``).

Deterministic: PatchMatch draws from numba's generator, seeded per call. Single-threaded kernels.
"""

from __future__ import annotations

import cv2
import numba
import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.linalg import spsolve

from tritalk.render.mesh_config import PortraitConfig


def _push_pull(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W, C) float32 ``img`` with ``hole`` (H, W bool) filled by mask-weighted pyramid averaging."""
    w = (~hole).astype(np.float32)
    levels = [(img * w[..., None], w)]
    while min(levels[-1][1].shape) > 4 and levels[-1][1].min() <= 0.0:
        c, m = levels[-1]
        levels.append((cv2.pyrDown(c).reshape(*cv2.pyrDown(m).shape, -1), cv2.pyrDown(m)))
    c, m = levels[-1]
    filled = c / np.maximum(m, 1e-6)[..., None]
    empty = m < 1e-3  # still uncovered at the coarsest level: the mean of what is known
    if empty.any():
        known = ~empty
        mean = (c[known].sum(0) / max(m[known].sum(), 1e-6)) if known.any() else img.reshape(-1, img.shape[2]).mean(0)
        filled[empty] = mean
    for c, m in reversed(levels[:-1]):
        up = cv2.resize(filled, (m.shape[1], m.shape[0]), interpolation=cv2.INTER_LINEAR).reshape(c.shape)
        own = c / np.maximum(m, 1e-6)[..., None]
        k = np.clip(m, 0, 1)[..., None]
        filled = own * k + up * (1 - k)
    return np.where(hole[..., None], filled, img)


def fill_holes(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Push-pull inpainting: fill ``hole`` (H, W bool) of ``image`` (H, W, 3) uint8 by mask-weighted pyramid
    averaging."""
    return np.clip(_push_pull(image.astype(np.float32), hole), 0, 255).astype(np.uint8)


def _plainness(image: np.ndarray, hole: np.ndarray, config: PortraitConfig) -> np.ndarray:
    """(H, W) float32 in [0, 1]: 1 where the background around the hole is plain (a studio backdrop), 0 where it
    is textured. Texture is the mean |image - its 2 px Gaussian blur| [grey levels] of the known pixels,
    averaged over a few percent of the frame and pushed into the hole."""
    img = image.astype(np.float32)
    energy = np.abs(img - cv2.GaussianBlur(img, (0, 0), 2.0)).mean(2, keepdims=True)
    # not wall: the person's edge and its halo (a video frame's ringing round the silhouette reaches ~3 % of the
    # frame: a GRID speaker's plain blue screen counted as textured round the head, and copies of its lighter
    # corner left a pale ghost of the head in the plate), and the frame's own border (a video's edge line)
    k = 2 * max(4, int(round(0.03 * max(hole.shape)))) + 1
    near = cv2.dilate(hole.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
    b = int(round(0.02 * max(hole.shape))) + 4  # (+ the 2 px blur's reach)
    near[:b] = near[-b:] = True
    near[:, :b] = near[:, -b:] = True
    if near.all():
        near = cv2.dilate(hole.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    energy = _push_pull(energy, near)[..., 0]
    energy = cv2.GaussianBlur(energy, (0, 0), 0.03 * max(hole.shape))
    lo, hi = config.fill_plain_energy
    return np.clip((hi - energy) / (hi - lo), 0.0, 1.0).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def _downsample(img, hole):
    """Halve (H, W, 3) float32 ``img``: a coarse pixel is the mean of its known fine pixels, and is hole
    if any of its fine pixels is (so a known coarse pixel never mixes in the person)."""
    h, w = hole.shape
    ch, cw = (h + 1) // 2, (w + 1) // 2
    out = np.zeros((ch, cw, 3), np.float32)
    out_hole = np.zeros((ch, cw), np.bool_)
    for i in range(ch):
        for j in range(cw):
            n = 0
            for di in range(2):
                for dj in range(2):
                    y, x = 2 * i + di, 2 * j + dj
                    if y >= h or x >= w:
                        continue
                    if hole[y, x]:
                        out_hole[i, j] = True
                    else:
                        n += 1
                        for k in range(3):
                            out[i, j, k] += img[y, x, k]
            if n > 0:
                for k in range(3):
                    out[i, j, k] /= n
    return out, out_hole


@numba.njit(cache=True, nogil=True, inline="always")
def _patch_cost(img, ty, tx, sy, sx, r, row_weight, row_gap, limit):
    """Mean squared colour difference (colours in [0, 1]) between the patch at target (ty, tx) and the one at
    source (sy, sx), over the target's in-frame pixels, plus ``row_weight`` * (row offset / H)^2, the offset
    counted beyond ``row_gap[ty]`` (the least any source allows: rows below the lowest source are not
    pushed onto the flattest patch near it). Stops early once past ``limit`` (the cost to beat)."""
    h, w = img.shape[0], img.shape[1]
    dy = max(abs(sy - ty) - row_gap[ty], 0) / h
    base = row_weight * dy * dy
    y0, y1 = max(-r, -ty), min(r, h - 1 - ty)
    x0, x1 = max(-r, -tx), min(r, w - 1 - tx)
    n = (y1 - y0 + 1) * (x1 - x0 + 1)
    stop = (limit - base) * n
    acc = 0.0
    for dyy in range(y0, y1 + 1):
        for dxx in range(x0, x1 + 1):
            for k in range(3):
                d = img[ty + dyy, tx + dxx, k] - img[sy + dyy, sx + dxx, k]
                acc += d * d
        if acc > stop:
            return np.inf
    return base + acc / n


@numba.njit(cache=True, nogil=True, inline="always")
def _repeat_penalty(count, cap, weight):
    """Cost added to a source whose cell of the frame (patch-sized) is copied by ``count`` target patches:
    beyond ``cap`` (what a hole larger than the sources needs anyway) a copy shows the same feature twice."""
    return weight * max(count / cap - 1.0, 0.0)


@numba.njit(cache=True, nogil=True)
def _patchmatch(img, targets, nnf, cost, nearest, n_iter, r, row_weight, row_gap, repeat_weight, cap, seed):
    """Improve the nearest-neighbour field ``nnf`` (H, W, 2) [source row, col] of the ``targets`` (T, 2)
    in place: ``n_iter`` passes of propagation (from the left/upper neighbours' offsets, then right/lower
    on odd passes) and random search around the current best at halving radii. ``nearest`` (H, W, 2) maps any
    pixel to the nearest valid source centre, so a candidate falling in the hole snaps to the wall. A match
    is judged by its cost (kept in ``cost``) plus ``_repeat_penalty`` of its source's cell."""
    np.random.seed(seed)
    h, w = img.shape[0], img.shape[1]
    p = 2 * r + 1
    n_t = targets.shape[0]
    occ = np.zeros(((h + p - 1) // p, (w + p - 1) // p), np.float32)
    for t in range(n_t):
        ty, tx = targets[t, 0], targets[t, 1]
        cost[ty, tx] = _patch_cost(img, ty, tx, nnf[ty, tx, 0], nnf[ty, tx, 1], r, row_weight, row_gap, np.inf)
        occ[nnf[ty, tx, 0] // p, nnf[ty, tx, 1] // p] += 1.0
    for it in range(n_iter):
        step = 1 if it % 2 == 0 else -1
        for q in range(n_t):
            t = q if step == 1 else n_t - 1 - q
            ty, tx = targets[t, 0], targets[t, 1]
            y0, x0 = nnf[ty, tx, 0], nnf[ty, tx, 1]
            best_y, best_x, best = y0, x0, cost[ty, tx]
            total = best + _repeat_penalty(occ[y0 // p, x0 // p], cap, repeat_weight)
            # candidates: 2 propagated (a neighbour's match shifted by one is coherent), then random search
            # around the current best at halving radii
            rad = max(h, w)
            n_cand = 2
            while rad >= 1:
                n_cand += 1
                rad //= 2
            rad = max(h, w)
            for k in range(n_cand):
                if k < 2:
                    ny, nx = (ty - step, tx) if k == 0 else (ty, tx - step)
                    if ny < 0 or ny >= h or nx < 0 or nx >= w or cost[ny, nx] < 0:
                        continue
                    py = min(max(nnf[ny, nx, 0] + ty - ny, 0), h - 1)
                    px = min(max(nnf[ny, nx, 1] + tx - nx, 0), w - 1)
                else:
                    py = min(max(best_y + np.random.randint(-rad, rad + 1), 0), h - 1)
                    px = min(max(best_x + np.random.randint(-rad, rad + 1), 0), w - 1)
                    rad //= 2
                cy, cx = nearest[py, px, 0], nearest[py, px, 1]
                if cy == best_y and cx == best_x:
                    continue
                cell = occ[cy // p, cx // p]
                if cy // p != y0 // p or cx // p != x0 // p:
                    cell += 1.0  # this target would join the cell
                pen = _repeat_penalty(cell, cap, repeat_weight)
                c = _patch_cost(img, ty, tx, cy, cx, r, row_weight, row_gap, total - pen)
                if c + pen < total:
                    best_y, best_x, best, total = cy, cx, c, c + pen
            nnf[ty, tx, 0], nnf[ty, tx, 1], cost[ty, tx] = best_y, best_x, best
            occ[y0 // p, x0 // p] -= 1.0
            occ[best_y // p, best_x // p] += 1.0


@numba.njit(cache=True, nogil=True)
def _vote(img, hole, targets, nnf, cost, r, sigma2):
    """M step: each hole pixel of ``img`` becomes the mean of the source pixels that the target patches
    covering it copy, weighted by exp(-cost / (2 sigma2)) (Wexler et al. eq. 4: good matches dominate)."""
    h, w = hole.shape
    acc = np.zeros((h, w, 3), np.float32)
    wsum = np.zeros((h, w), np.float32)
    for t in range(targets.shape[0]):
        ty, tx = targets[t, 0], targets[t, 1]
        sy, sx = nnf[ty, tx, 0], nnf[ty, tx, 1]
        wt = np.exp(-cost[ty, tx] / (2.0 * sigma2)) + 1e-6
        for dy in range(max(-r, -ty), min(r, h - 1 - ty) + 1):
            for dx in range(max(-r, -tx), min(r, w - 1 - tx) + 1):
                y, x = ty + dy, tx + dx
                if not hole[y, x]:
                    continue
                wsum[y, x] += wt
                for k in range(3):
                    acc[y, x, k] += wt * img[sy + dy, sx + dx, k]
    for y in range(h):
        for x in range(w):
            if hole[y, x] and wsum[y, x] > 0:
                for k in range(3):
                    img[y, x, k] = acc[y, x, k] / wsum[y, x]


def _sources(hole: np.ndarray, r: int, band: float) -> np.ndarray:
    """(H, W) bool: centres of patches wholly inside the frame and outside the hole, within ``band`` (fraction
    of the frame's larger side) of the hole; the whole frame's when the band holds too few."""
    h, w = hole.shape
    near_hole = cv2.dilate(hole.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(bool)
    valid = ~near_hole
    valid[:r], valid[h - r:], valid[:, :r], valid[:, w - r:] = False, False, False, False
    dist = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    banded = valid & (dist <= band * max(h, w))
    return banded if banded.sum() >= max(64, valid.sum() // 8) else valid


def _level_fill(img: np.ndarray, hole: np.ndarray, nnf: np.ndarray | None, n_em: int, config: PortraitConfig,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Run the EM steps of one pyramid level on ``img`` (H, W, 3) float32 in [0, 1] (hole pixels hold the
    current estimate; changed in place). ``nnf`` (H, W, 2) seeds the field (None: random). Returns the image
    and the field."""
    h, w = hole.shape
    r = config.fill_patch // 2
    src = _sources(hole, r, config.fill_band)
    if not src.any():  # a frame that is nearly all hole: nothing to copy from, keep the smooth start
        return img, np.zeros((h, w, 2), np.int32)
    _, (iy, ix) = ndimage.distance_transform_edt(~src, return_indices=True)
    nearest = np.ascontiguousarray(np.stack([iy, ix], -1).astype(np.int32))
    touch = cv2.dilate(hole.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(bool)
    targets = np.ascontiguousarray(np.argwhere(touch).astype(np.int32))
    # a source cell of p^2 centres copied coherently serves p^2 targets; the hole may need each more than once
    cap = float((2 * r + 1) ** 2 * max(len(targets) / src.sum(), 1.0))
    src_rows = np.flatnonzero(src.any(1))
    row_gap = np.abs(np.arange(h)[:, None] - src_rows[None, :]).min(1).astype(np.int32)
    rng = np.random.default_rng(seed)
    seeded = nnf is not None
    if not seeded:
        cand = np.argwhere(src).astype(np.int32)
        nnf = np.zeros((h, w, 2), np.int32)
        nnf[targets[:, 0], targets[:, 1]] = cand[rng.integers(0, len(cand), len(targets))]
    else:  # whatever the upsampled field holds, a target's match must be a valid source here
        ty, tx = targets[:, 0], targets[:, 1]
        nnf[ty, tx] = nearest[np.clip(nnf[ty, tx, 0], 0, h - 1), np.clip(nnf[ty, tx, 1], 0, w - 1)]
    cost = np.full((h, w), -1.0, np.float32)  # -1: not a target (propagation skips it)
    # the field is voted before any matching: a seeded one copies the coarse level's matches at this
    # level's detail, a sharper start than the upsampled (blurred) coarse colours; a random one, the mosaic
    for n_iter in [0] + [config.fill_pm_iters] * n_em:
        _patchmatch(img, targets, nnf, cost, nearest, n_iter, r, config.fill_row_weight, row_gap,
                    config.fill_repeat_weight, cap, int(rng.integers(0, 2 ** 31 - 1)))
        c = cost[targets[:, 0], targets[:, 1]]
        c = c[np.isfinite(c)]
        sigma2 = max(float(np.percentile(c, config.fill_vote_percentile)) if len(c) else 1.0, 1e-6)
        _vote(img, hole, targets, nnf, cost, r, sigma2)
    return img, nnf


def _poisson(known: np.ndarray, guide: np.ndarray | None, hole: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Solve for the ``free`` pixels (H, W bool, inside ``hole``) of (H, W, C) float images: the discrete Poisson
    equation whose gradients are ``guide``'s between hole pixels (None: zero, a membrane) and zero across the
    hole's border, where the values are ``known``'s; hole pixels that are not free keep ``guide``'s values. The
    result meets ``known`` at the border without a step (Perez, Gangnet, Blake, "Poisson image editing", 2003).
    Returns the (H, W, C) image (``guide`` or zeros outside the free pixels). With ``guide`` None, hole pixels
    that are not free count as zeros. Every connected part of ``free`` must touch a known or a fixed pixel
    (else the system is singular)."""
    h, w = hole.shape
    c = known.shape[2]
    base = np.zeros_like(known) if guide is None else guide
    idx = np.full((h, w), -1, np.int64)
    ys, xs = np.nonzero(free)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    rows, cols = [], []
    diag = np.zeros(n)
    rhs = np.zeros((n, c))
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        qy, qx = ys + dy, xs + dx
        ok = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        p, qy, qx = np.flatnonzero(ok), qy[ok], qx[ok]
        diag[p] += 1.0
        inside, unknown = hole[qy, qx], free[qy, qx]
        if guide is not None:
            rhs[p[inside]] += guide[ys[p[inside]], xs[p[inside]]] - guide[qy[inside], qx[inside]]
        rows.append(p[unknown])
        cols.append(idx[qy[unknown], qx[unknown]])
        fixed = inside & ~unknown
        rhs[p[fixed]] += base[qy[fixed], qx[fixed]]
        rhs[p[~inside]] += known[qy[~inside], qx[~inside]]
    r, q = np.concatenate(rows), np.concatenate(cols)
    a = sparse.csc_matrix((np.concatenate([-np.ones(len(r)), diag]), (np.concatenate([r, np.arange(n)]),
                                                                      np.concatenate([q, np.arange(n)]))), shape=(n, n))
    out = base.copy()
    if n:
        out[ys, xs] = spsolve(a, rhs).reshape(n, c)
    return out


def _membrane(img: np.ndarray, hole: np.ndarray, levels: int) -> np.ndarray:
    """(H, W, 3) float32: ``hole`` filled by the membrane (harmonic) interpolation of the border, solved
    ``levels`` halvings coarser and upsampled (it is smooth; the full frame's system took 1.7 s)."""
    if hole.all():
        return _push_pull(img, hole)
    small, small_hole = img, hole
    for _ in range(levels):
        coarser, coarser_hole = _downsample(small, small_hole)
        if coarser_hole.all():  # a thin strip of wall is lost at a coarser level: nothing to interpolate from
            break
        small, small_hole = coarser, coarser_hole
    m = np.where(small_hole[..., None], _poisson(small.astype(np.float64), None, small_hole, small_hole), small)
    up = cv2.resize(m.astype(np.float32), (hole.shape[1], hole.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.where(hole[..., None], up, img)


def _seam(image: np.ndarray, fill: np.ndarray, hole: np.ndarray, band: float, sigma: float) -> np.ndarray:
    """``fill`` (H, W, 3) float with the hole's pixels within ``band`` px of its border corrected so that it meets
    ``image`` without a step in tone: the Poisson correction of the two sides' broad parts (each side's own
    Gaussian ``sigma`` px mean), added to the fill. Its fine part is left alone: stripes copied out of step with
    the wall's, blended, made a ghost of both."""
    known = (~hole).astype(np.float32)
    inside = hole.astype(np.float32)

    def broad(img: np.ndarray, m: np.ndarray) -> np.ndarray:
        w = cv2.GaussianBlur(m, (0, 0), sigma)
        return cv2.GaussianBlur(img.astype(np.float32) * m[..., None], (0, 0), sigma) / np.maximum(w, 1e-4)[..., None]

    wall, own = broad(image, known), broad(fill, inside)
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    solved = _poisson(wall.astype(np.float64), own.astype(np.float64), hole, hole & (depth <= band))
    return fill + (solved - own) * inside[..., None]


def patch_fill(image: np.ndarray, hole: np.ndarray, config: PortraitConfig = PortraitConfig()) -> np.ndarray:
    """Fill ``hole`` (H, W bool) of ``image`` (H, W, 3) uint8 with texture copied from around it (module
    docstring). Returns (H, W, 3) uint8; pixels outside ``hole`` are the input's."""
    hole = np.asarray(hole, bool)
    if not hole.any():
        return image.copy()
    if hole.all():
        return fill_holes(image, hole)
    img = image.astype(np.float32) / 255.0
    pyramid = [(img, hole)]
    while min(pyramid[-1][1].shape) // 2 >= config.fill_coarsest:
        pyramid.append(_downsample(*pyramid[-1]))
    seed = config.fill_seed
    nnf = None
    out = None
    steps = config.fill_em_steps
    first = next((i for i, (_, hl) in enumerate(pyramid) if max(hl.shape) <= config.fill_match_size), len(pyramid))
    for level in range(len(pyramid) - 1, -1, -1):
        lvl_img, lvl_hole = pyramid[level]
        lvl_img = lvl_img.copy()
        h, w = lvl_hole.shape
        n_em = 0 if level < first else steps[min(level - first, len(steps) - 1)]  # larger levels only vote
        if nnf is None:  # coarsest: the smooth fill, which the random matches' first vote is weighted by
            lvl_img = _push_pull(lvl_img, lvl_hole)
            n_em = steps[-1]  # (a small photo's only level too: a random mosaic needs matching)
        else:  # finer: the coarse fill upsampled, and the coarse field doubled (+ the pixel's offset in its 2x2)
            up = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
            lvl_img[lvl_hole] = up[lvl_hole]
            yy, xx = np.mgrid[0:h, 0:w]
            cy, cx = np.minimum(yy // 2, nnf.shape[0] - 1), np.minimum(xx // 2, nnf.shape[1] - 1)
            nnf = np.stack([nnf[cy, cx, 0] * 2 + yy % 2, nnf[cy, cx, 1] * 2 + xx % 2], -1).astype(np.int32)
        out, nnf = _level_fill(lvl_img, lvl_hole, nnf, n_em, config, seed + level)
    out = out * 255.0
    plain = _plainness(image, hole, config)
    if plain[hole].max() > 0:
        # on a plain backdrop the copies' tone steps (a vignette's darker corner copied to its bright middle)
        # show as blotches: there the fill is the border's smooth membrane shading plus the copies' fine grain only
        smooth = _membrane(image.astype(np.float32), hole, config.fill_membrane_levels)
        grain = out - cv2.GaussianBlur(out, (0, 0), 1.5)
        # no stronger than the photo's own grain: a tone step between two copies leaves a ridge in ``grain``
        known = image.astype(np.float32)
        noise = np.abs(known - cv2.GaussianBlur(known, (0, 0), 1.5))[~hole]
        limit = 3.0 * 1.4826 * float(np.median(noise))
        grain = np.clip(grain, -limit, limit)
        out = out + plain[..., None] * (smooth + grain - out)
    # copies of a lighter or darker part of the wall (or the smooth shading's broad average) met the wall around
    # the hole with a step: a head-shaped outline that a turned view showed beside the head. Re-solved near the
    # border with the fill's own gradients, the step is spread over ``fill_seam`` of the frame
    side = max(hole.shape)
    out = _seam(image, out, hole, config.fill_seam * side, max(2.0, config.fill_seam_sigma * side))
    result = image.copy()
    result[hole] = np.clip(np.round(out[hole]), 0, 255).astype(np.uint8)
    return result


def drop_edge_lines(plate: np.ndarray, depth: int) -> np.ndarray:
    """``plate`` with its outer ``depth`` rows and columns on each side replaced by the row or column inside them. A
    video frame's first row is dark (GRID: ~60 grey levels over a ~160 screen) and the next one rings; they are part
    of the photo at its own view, but a turned camera sees the wall run on past them, and they crossed the wall as a
    line above the head. (A wall's own shading changes by a level or two over so few pixels.)"""
    out = plate.copy()
    h, w = plate.shape[:2]
    depth = int(min(depth, h // 4, w // 4))
    if depth >= 1:
        out[:depth] = out[depth]
        out[h - depth:] = out[h - 1 - depth]
        out[:, :depth] = out[:, depth:depth + 1]
        out[:, w - depth:] = out[:, w - 1 - depth:w - depth]
    return out


def outpaint(plate: np.ndarray, pad: tuple[int, int, int, int], config: PortraitConfig = PortraitConfig(),
             work_px: int = 65536, outpaint_tone: float = 0.04) -> np.ndarray:
    """``plate`` (H, W, 3) uint8 continued past its borders by ``pad`` = (top, bottom, left, right) px: the wall a
    turned camera sees beyond the photo's edge. The continuation is ``patch_fill``'s (texture copied from the plate,
    a plain backdrop's shading continued), made at a scale where it has about ``work_px`` pixels to fill and
    enlarged (the far wall a little soft, as a lens's depth of field would have it). Its broad tone (a Gaussian of
    ``outpaint_tone`` of the frame) is the plate's at the border, run straight on. Returns (H + top + bottom,
    W + left + right, 3) uint8 with ``plate`` itself at [top:top+H, left:left+W]."""
    top, bottom, left, right = (max(0, int(p)) for p in pad)
    h, w = plate.shape[:2]
    big_h, big_w = h + top + bottom, w + left + right
    if big_h == h and big_w == w:
        return plate.copy()
    f = max(1, int(np.ceil(np.sqrt((big_h * big_w - h * w) / max(work_px, 1)))))  # the enlargement, an integer
    # the canvas at 1/f, the frame's place in it rounded outwards (its pixels are put back at full size)
    t, b, le, ri = (-(-p // f) for p in (top, bottom, left, right))
    sh, sw = -(-h // f), -(-w // f)
    small = np.zeros((t + sh + b, le + sw + ri, 3), np.uint8)
    exact = cv2.copyMakeBorder(plate, 0, sh * f - h, 0, sw * f - w, cv2.BORDER_REPLICATE)  # (an exact 1/f)
    small[t:t + sh, le:le + sw] = cv2.resize(exact, (sw, sh), interpolation=cv2.INTER_AREA)
    hole = np.ones(small.shape[:2], bool)
    hole[t:t + sh, le:le + sw] = False
    filled = patch_fill(small, hole, config).astype(np.float32)
    # the broad tone runs on straight out from the border (the wall's light, a band across it); the copies give
    # only the texture on it: copied as they are, a lit corner's brighter patches brightened the far side of a
    # wall lit from the other (each copy's tone is that of where it came from)
    sigma = max(1.0, outpaint_tone * max(sh, sw))
    tone = cv2.copyMakeBorder(cv2.GaussianBlur(small[t:t + sh, le:le + sw].astype(np.float32), (0, 0), sigma),
                              t, b, le, ri, cv2.BORDER_REPLICATE)
    filled = np.where(hole[..., None], tone + filled - cv2.GaussianBlur(filled, (0, 0), sigma), filled)
    filled = np.clip(np.round(filled), 0, 255).astype(np.uint8)
    up = cv2.resize(filled, (small.shape[1] * f, small.shape[0] * f), interpolation=cv2.INTER_CUBIC)
    oy, ox = t * f - top, le * f - left  # where the wanted canvas starts in the enlarged one
    out = up[oy:oy + big_h, ox:ox + big_w].copy()
    out[top:top + h, left:left + w] = plate
    return out
