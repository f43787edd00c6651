"""Full-head geometry of the mesh engine: ICT-FaceKit's head (skull, ears, neck) fitted to the photo.

The face mesh (the photo's own 468 landmarks) is the front of the head; this module supplies the rest.

    head = HeadMesh.build(subject, rest_face_img, config)   # once per photo
    v = head.model_vertices(expr_delta)                      # (V, 3) model frame [cm], this frame's expression

Fitting: the ICT head takes the face fit's identity and the photo's expression; where the photo's
landmarks (``Subject.personal``) differ from the model's, the differences are carried onto the head by a
smooth (Gaussian-weighted) field, so the head meets the face mesh at its outline and the ears and skull
keep the photo's proportions. Texture (per vertex, ``head_texture.py``): the photo where it saw the
surface, completed from the mirrored side and then from the visible colours where it did not.
Vendored asset: ``assets/facemodel/head_model.npz`` (scripts/build_headmodel.py; ICT-FaceKit, MIT).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import cv2
import numba
import numpy as np
from scipy.spatial import cKDTree

from tritalk.face.model import FACE_OVAL
from tritalk.face.subject import Subject
from tritalk.render.mesh_config import HeadConfig
from tritalk.render.rasterizer import rasterize
from tritalk.types import BLENDSHAPES

N_FACE = 468
K_NEAREST = 16  # landmarks that carry their fit residual / expression motion to each head vertex


@dataclass(frozen=True)
class HeadModel:
    """ICT-FaceKit's face skin + back of the head (no eyes or teeth), model frame cm (+y up, +z to the viewer)."""

    neutral: np.ndarray  # (V, 3) float32
    expr_basis: np.ndarray  # (52, V, 3) float32, BLENDSHAPES order
    id_basis: np.ndarray  # (K, V, 3) float32, one standard deviation each (K = FaceModel's modes)
    triangles: np.ndarray  # (F, 3) int32, consistently wound
    triangles_lod: np.ndarray  # (F', 3) int32 the ones drawn: decimated away from the face, same vertices
    landmark_vertices: np.ndarray  # (468, 3) int32 head vertices around each MediaPipe landmark ...
    landmark_weights: np.ndarray  # (468, 3) float32 ... and its barycentric weights
    mirror: np.ndarray  # (V,) int32 the vertex at (-x, y, z)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "HeadModel":
        path = resources.files("tritalk") / "assets" / "facemodel" / "head_model.npz"
        with resources.as_file(path) as p:
            d = np.load(p)
            assert tuple(d["blendshapes"]) == BLENDSHAPES, "head_model.npz was built for another coefficient order"
            return cls(d["neutral"].astype(np.float32), d["expr_deltas"].astype(np.float32),
                       d["id_deltas"].astype(np.float32), d["triangles"].astype(np.int32),
                       d["triangles_lod"].astype(np.int32), d["landmark_vertices"].astype(np.int32),
                       d["landmark_weights"].astype(np.float32),
                       d["mirror"].astype(np.int32))

    def landmarks(self, v: np.ndarray) -> np.ndarray:
        """(468, 3) MediaPipe's face landmarks on head vertices ``v`` (V, 3)."""
        return np.einsum("kij,ki->kj", v[self.landmark_vertices], self.landmark_weights)


def vertex_normals(v: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(V, 3) unit area-weighted vertex normals (the mesh's own winding)."""
    t = v[tris].astype(np.float64)
    fn = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    n = np.zeros(v.shape, np.float64)
    for k in range(3):
        np.add.at(n, tris[:, k], fn)
    return (n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class HeadMesh:
    rest: np.ndarray  # (V, 3) model frame [cm] with the photo's expression, aligned to the face mesh
    expr_basis: np.ndarray  # (52, M, 3) [cm per unit] of the vertices ``moving``
    moving: np.ndarray  # (M,) int the vertices an expression moves (next to the face)
    triangles: np.ndarray  # (F, 3) int32
    normals: np.ndarray  # (V, 3) outward unit normals at rest, model frame
    head_weight: np.ndarray  # (V,) 1 = turns with the head, 0 = stays with the torso (lower neck)
    winding: float  # +1 / -1: the sign of a front-facing triangle's image-space signed area
    mirror: np.ndarray  # (V,) int32

    @classmethod
    def build(cls, subject: Subject, config: HeadConfig, face_basis: np.ndarray,
              long_hair: bool = False, over_ears: bool = False) -> "HeadMesh":
        """``face_basis`` (52, >=468, 3): the face mesh's expression basis as the engine draws it (gains
        included); the head's skin around the face follows it (a smooth field), the rest keeps still.
        ``long_hair`` (hanging_hair.py): the hair falls straight down behind the ears (``_hang_straight``);
        ``over_ears`` (hanging_hair.hair_over_ears): over the ears down to the jaw's angle."""
        m = HeadModel.load()
        k = min(m.id_basis.shape[0], subject.fit.identity.shape[0])
        rest = (m.neutral + np.tensordot(subject.fit.identity[:k], m.id_basis[:k], axes=1)
                + np.tensordot(subject.ref_expr, m.expr_basis, axes=1))
        # carry the photo's landmarks' differences from the model onto the head (a smooth field)
        resid = subject.personal[:N_FACE] - m.landmarks(rest)
        on = m.landmarks(rest)
        dist, idx = cKDTree(on).query(rest, k=K_NEAREST)  # (V, k) the nearest landmarks of each vertex
        d2 = dist ** 2
        w = np.exp(-(d2 - d2[:, :1]) / (2 * config.align_sigma_cm ** 2))
        near = np.exp(-d2[:, 0] / (2 * config.align_reach_cm ** 2))[:, None]
        field = (w[..., None] * resid[idx]).sum(1) / w.sum(1, keepdims=True)
        rest = rest + near * field + (1 - near) * np.median(resid, 0)
        # expressions: the head's skin next to the face moves as the face landmarks beside it, so the two
        # meet at the outline under any expression; the scalp, ears and back stay put (no texture swims)
        follow = np.exp(-d2[:, :1] / (2 * config.expr_reach_cm ** 2))
        we = np.exp(-(d2 - d2[:, :1]) / (2 * config.expr_reach_cm ** 2))
        wn = (we / we.sum(1, keepdims=True) * follow).astype(np.float32)
        fb = face_basis[:, :N_FACE].astype(np.float32)  # (52, 468, 3)
        expr_basis = np.zeros((fb.shape[0], len(rest), 3), np.float32)
        reach = np.flatnonzero(follow[:, 0] > 1e-5)  # beyond, every shape moves a vertex < 1e-4 cm: skipped
        sub = np.zeros((fb.shape[0], len(reach), 3), np.float32)
        for k in range(K_NEAREST):
            sub += wn[None, reach, k, None] * fb[:, idx[reach, k]]
        expr_basis[:, reach] = sub
        rest = _fit_silhouette(subject, rest, near[:, 0], config)
        rest = _grow_hair(subject, rest, near[:, 0], config)
        rest = _fit_neck(subject, rest, config)  # (after the hair: the skull's outline there is the model's neck's)
        bare = rest  # (the neck's own width, under long hair too: below)
        if long_hair or over_ears:
            rest = _hang_straight(subject, rest, config, over_ears=over_ears and not long_hair)
        normals = vertex_normals(rest, m.triangles)
        centre = rest.mean(0)
        if np.mean(((rest - centre) * normals).sum(1)) < 0:  # point the normals outwards
            normals = -normals
        tris = m.triangles_lod  # drawn: the decimated surface (the full one's normals and texture)
        # image-space winding of a front-facing triangle (the image frame flips y and z)
        img = subject.fit.to_image(rest)
        t = img[tris]
        a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        signed = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
        facing = (normals[tris].mean(1) @ (subject.fit.rotation.T @ np.array([0, 0, 1.0], np.float32))) > 0.2
        winding = float(np.sign(np.median(signed[facing]))) or 1.0
        # the face mesh (the photo's own landmarks) is the head's front: the model's triangles under it are
        # dropped, else its denser, rounder surface pokes through the face's where the view grazes it
        oval = subject.fit.to_image(subject.personal[list(FACE_OVAL)])[:, :2]
        c = oval.mean(0)
        inner = (c + (oval - c) * config.face_cut).astype(np.float32)
        size = subject.size
        cut = np.zeros((size, size), np.uint8)
        cv2.fillPoly(cut, [np.round(inner).astype(np.int32)], 1)
        px = np.round(img[:, :2]).astype(int)
        ok = (px >= 0).all(1) & (px < size).all(1)
        inside = np.zeros(len(img), bool)
        inside[ok] = cut[px[ok, 1], px[ok, 0]] > 0
        front = (normals @ subject.fit.rotation[2]) > 0
        # the ear canals lie inside the outline in the photo too, but deep behind it and to the sides; cut, they
        # were holes through which the wall showed in the ears of a turned head (the mouth's cavity, deep and
        # central, stays cut: the face's open mouth is drawn apart)
        ov = subject.personal[list(FACE_OVAL)]
        ears = ((rest[:, 2] < float(ov[:, 2].min()) - config.face_cut_depth_cm)
                & (np.abs(rest[:, 0]) > 0.5 * float(np.abs(ov[:, 0]).max())))
        under = (inside & front & ~ears)[tris].all(1)
        chin_y = float(subject.personal[FACE_OVAL[18], 1])
        face_h = float(np.ptp(subject.personal[list(FACE_OVAL), 1]))
        cut_y = chin_y - config.neck_keep * face_h
        below = rest[:, 1] < cut_y
        tris = tris[~under & ~below[tris].all(1)]
        # the neck ends on the plane y = cut_y, not along its triangles' zigzag (a row of skin-coloured teeth
        # over the collar once the view turns): the corners below it move up onto it
        ends = np.zeros(len(rest), bool)
        ends[tris.ravel()] = True
        ends &= below
        rest = rest.copy()
        rest[ends, 1] = cut_y
        # beside the neck the model's shoulders flare out. Their front (facing the photo's camera) is cut: turned, its
        # lower edge showed below the neck's front as a sliver of the collar's pixels (a white shard on a dark neck),
        # and pulled in, it lay over the photo's collar at its own view. Their back is pulled in to the neck's width:
        # cut too, the neck's back ended in a jagged fin in mid-air
        level = chin_y - config.neck_flare_below * face_h
        # (pulled in: the neck's own width, measured before long hair is hung behind it)
        width_of = bare if config.neck_flare_pull else rest
        ring = np.abs(width_of[:, 1] - level) < config.neck_flare_band_cm
        if ring.any():
            xc = float(np.median(subject.personal[:N_FACE, 0]))
            radius = float(np.abs(width_of[ring, 0] - xc).max())  # the neck's half width under the jaw
            low = rest[:, 1] < cut_y + config.neck_flare_rise_cm
            flare = low & (np.abs(rest[:, 0] - xc) > config.neck_flare * radius)
            if config.neck_flare_pull:
                tris = tris[~(flare & front)[tris].any(1)]
                lim = config.neck_flare * radius
                behind = low & ~front
                rest[behind, 0] = xc + np.clip(rest[behind, 0] - xc, -lim, lim)
                # (a triangle the pull folded to face the photo's camera would show at its view in completed colours:
                # its vertices keep their back-facing normals, never seen; over the collar, a pale blot)
                t = subject.fit.to_image(rest)[tris]
                a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
                folded = (flare & behind)[tris].any(1) & ((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]) * winding > 0)
                tris = tris[~folded]
            else:
                tris = tris[~flare[tris].any(1)]
        head_w = np.clip(1.0 - (chin_y - rest[:, 1]) / (config.neck_fade * face_h), 0.0, 1.0).astype(np.float32)
        moving = np.flatnonzero(np.abs(expr_basis).max(axis=(0, 2)) > 1e-4)  # the rest never moves: skipped
        return cls(rest.astype(np.float32), expr_basis[:, moving].astype(np.float32), moving, tris, normals, head_w,
                   winding, m.mirror)

    def drawn(self) -> "DrawnHead":
        """The part of the head the renderer draws: only the vertices its triangles use (the model's
        triangles under the face and below the collar were cut, a third of its vertices with them),
        with the expression basis flattened for one matrix-vector product per frame."""
        used = np.unique(self.triangles)
        index = np.full(len(self.rest), -1, np.int64)
        index[used] = np.arange(len(used))
        moving = index[self.moving]
        keep = moving >= 0
        basis = self.expr_basis[:, keep].reshape(self.expr_basis.shape[0], -1)
        return DrawnHead(used, index[self.triangles].astype(np.int32), self.rest[used].copy(),
                         self.head_weight[used].copy(), moving[keep], np.ascontiguousarray(basis, np.float32))

    def model_vertices(self, expr_delta: np.ndarray) -> np.ndarray:
        """(V, 3) model frame [cm] with a change of expression from the photo's (52,)."""
        if not np.any(expr_delta):
            return self.rest
        v = self.rest.copy()
        v[self.moving] += np.tensordot(expr_delta.astype(np.float32), self.expr_basis, axes=1)
        return v


@dataclass(frozen=True)
class DrawnHead:
    """What the mesh engine transforms every frame (``HeadMesh.drawn``): compact, renumbered vertices."""

    used: np.ndarray  # (U,) int: which of HeadMesh's vertices these are
    triangles: np.ndarray  # (F, 3) int32 into the U vertices
    rest: np.ndarray  # (U, 3) float32 model frame [cm]
    head_weight: np.ndarray  # (U,) float32
    moving: np.ndarray  # (M,) int rows of ``rest`` an expression moves
    basis: np.ndarray  # (52, M * 3) float32

    def model_vertices(self, expr_delta: np.ndarray) -> np.ndarray:
        """(U, 3) model frame [cm] with a change of expression from the photo's (52,)."""
        if not np.any(expr_delta):
            return self.rest
        v = self.rest.copy()
        _add_expression(v, self.moving, np.ascontiguousarray(expr_delta, np.float32), self.basis)
        return v


@numba.njit(cache=True, nogil=True)
def _add_expression(v, moving, delta, basis):
    """v[moving] += delta @ basis, one thread, skipping shapes that do not change (a BLAS call spun up
    threads that cost more than the product on a shared 2-core machine)."""
    m = moving.shape[0]
    acc = np.zeros(m * 3, np.float32)
    for k in range(delta.shape[0]):
        d = delta[k]
        if d == 0.0:
            continue
        for j in range(m * 3):
            acc[j] += d * basis[k, j]
    for i in range(m):
        for c in range(3):
            v[moving[i], c] += acc[3 * i + c]


def _fit_silhouette(subject: Subject, rest: np.ndarray, near: np.ndarray, config: HeadConfig) -> np.ndarray:
    """Shrink the skull (width, and height above the brows) where the photo's person silhouette is narrower
    than the model's: a bald or close-cropped head must not grow a bump of completed texture when turned.
    Never grows it (hair beyond the skull is hair, drawn by the portrait sheet). The face stays put."""
    size = subject.size
    centre = subject.personal[:N_FACE].mean(0)
    brow = float(subject.personal[[105, 334], 1].mean())
    away = (1.0 - near).astype(np.float32)
    person = cv2.GaussianBlur(subject.person.astype(np.float32), (0, 0), 1.0)
    n = vertex_normals(rest, HeadModel.load().triangles)
    n *= np.sign(np.mean(((rest - rest.mean(0)) * n).sum(1))) or 1.0
    facing = n @ subject.fit.rotation[2]
    # the band of the skull that outlines it at the photo's view (above the ear lobes, off the face)
    rim = (np.abs(facing) < config.rim_facing) & (rest[:, 1] > brow - 4.0) & (away > 0.9)
    top = rest[:, 1] > brow + 5.0

    def inside(sx: float, sy: float, part: np.ndarray) -> float:
        v = _shrunk(rest[part], centre, brow, away[part], sx, sy)
        xy = np.round(subject.fit.to_image(v)[:, :2]).astype(int)
        ok = (xy >= 0).all(1) & (xy < size).all(1)
        got = np.ones(len(xy), bool)
        got[ok] = person[xy[ok, 1], xy[ok, 0]] > 0.5
        return float(got.mean()) if len(got) else 1.0

    steps = np.arange(1.0, config.min_shrink - 1e-6, -0.025)
    # the width from the sides of the skull, then the height from its top (with that width)
    sx = next((f for f in steps if inside(f, 1.0, rim & ~top) >= config.silhouette_inside), steps[-1])
    sy = next((f for f in steps if inside(sx, f, rim & top) >= config.silhouette_inside), steps[-1])
    best = (sx, sy)
    return _shrunk(rest, centre, brow, away, *best)


def _fit_neck(subject: Subject, rest: np.ndarray, config: HeadConfig) -> np.ndarray:
    """Narrow the neck to the photo's where the photo shows it slimmer than the model's: the person matte's width on
    the rows ``neck_fit_rows_cm`` under the chin over the model neck's width there at the photo's view (the median
    ratio, at least ``min_neck``; never wider), applied round the neck's axis (across and in depth) under the jaw line,
    faded in over ``neck_fit_fade_cm``. ICT's neck is a heavy-set man's: the photo's neck edge lay inside it, and a
    turned neck showed that edge as a second outline down its side, with the completed skin beyond it."""
    size = subject.size
    p = subject.personal
    chin = float(p[152, 1])
    xc = float(np.median(p[:N_FACE, 0]))
    img = subject.fit.to_image(rest)
    person = subject.person > 0.5
    centre_px = subject.fit.to_image(p[152:153])[0]
    ratios = []
    for d in np.arange(*config.neck_fit_rows_cm, 0.5):
        band = np.flatnonzero((np.abs(rest[:, 1] - (chin - d)) < 0.3) & (np.abs(rest[:, 0] - xc) < 8.0))
        if len(band) < 5:
            continue
        row = int(round(float(img[band, 1].mean())))
        col = int(round(float(centre_px[0])))
        if not (0 <= row < size and 0 <= col < size and person[row, col]):
            continue
        line = person[row]
        left = col - int(np.argmin(line[col::-1])) + 1 if not line[col::-1].all() else 0  # the first person pixel
        right = col + int(np.argmin(line[col:])) if not line[col:].all() else size  # past the last
        ratios.append((right - left) / max(float(np.ptp(img[band, 0])), 1.0))
    if not ratios:
        return rest
    # (a little wider than the matte: at the photo's view the neck's outline stays on the wall beside it; on the neck's
    # own edge, the depth edge's antialiasing shifted that edge by a pixel, a line in the rest view)
    scale = float(np.clip(np.median(ratios) + config.neck_fit_margin, config.min_neck, 1.0))
    if scale >= 0.99:
        return rest
    from_jaw = below_jaw_line(p, rest)
    w = np.clip(from_jaw / config.neck_fit_fade_cm, 0.0, 1.0)
    k = 1.0 + (scale - 1.0) * w
    # (round the middle of the neck's depth: its throat and nape on the face's middle line, 1-2 cm under the jaw line)
    ring = (from_jaw > 1.0) & (from_jaw < 2.0) & (np.abs(rest[:, 0] - xc) < 1.0)
    zc = 0.5 * float(rest[ring, 2].min() + rest[ring, 2].max()) if ring.any() else float(p[152, 2]) - 5.0
    out = rest.copy()
    out[:, 0] = xc + (rest[:, 0] - xc) * k
    out[:, 2] = zc + (rest[:, 2] - zc) * k
    return out


def below_jaw_line(p: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N,): cm by which points (N, 3) lie under the jaw line (from the chin to the jaw's angles, of the personal
    landmarks ``p``; behind the angles at their height)."""
    chin, angle = p[152], p[[58, 288]].mean(0)
    t = np.clip((points[:, 2] - angle[2]) / max(float(chin[2] - angle[2]), 1e-3), 0.0, 1.0)
    return angle[1] + t * (chin[1] - angle[1]) - points[:, 1]


def _shrunk(rest, centre, brow, away, sx, sy):
    v = rest.copy()
    v[:, 0] = centre[0] + (rest[:, 0] - centre[0]) * (1 + (sx - 1) * away)
    above = np.clip((rest[:, 1] - brow) / 3.0, 0.0, 1.0) * away
    v[:, 1] = np.where(rest[:, 1] > brow, brow + (rest[:, 1] - brow) * (1 + (sy - 1) * above), rest[:, 1])
    return v


def visible_at_rest(img: np.ndarray, tris: np.ndarray, size: int, tol: float) -> np.ndarray:
    """(V,) bool: which image-frame vertices (V, 3) are the nearest surface at their own pixel."""
    _, _, depth = rasterize(img[:, :2], img[:, 2], tris, size, size)
    xy = np.round(img[:, :2]).astype(int)
    inside = (xy >= 0).all(1) & (xy < size).all(1)
    out = np.zeros(len(img), bool)
    xi, yi = np.clip(xy[:, 0], 0, size - 1), np.clip(xy[:, 1], 0, size - 1)
    out[inside] = img[inside, 2] <= depth[yi[inside], xi[inside]] + tol
    return out


def _hang_straight(subject: Subject, rest: np.ndarray, config: HeadConfig, over_ears: bool = False) -> np.ndarray:
    """Long hair falls straight down from the widest part of the head: below the hair line and from
    ``hang_fall_front_cm`` behind the face outline's widest points back (the ears' middle), each vertex moves out
    horizontally, away from the skull's vertical axis, to the head's widest reach at its angle round that axis
    between the jaw's angle and the hair line, plus ``hang_cm``, faded in over ``hang_fade_cm`` behind that front
    edge (the hair behind the ears; they stay skin, tucked in front of it). Painted on the neck, long hair followed
    the neck's curve in under the skull: a turned head was a short crop over a neck in a hair-coloured stocking.
    ``over_ears`` (hair to the jaw over the ears, hanging_hair.hair_over_ears): from ``cover_front_cm`` in front of
    those points (the ears under it) down to ``cover_bottom_cm`` over the jaw's angle, faded out over
    ``cover_fade_cm`` below (the neck comes out under it). Painted on the head, a bob was a short crop over bare
    ears and a bare back of the head down to the collar."""
    p = subject.personal
    brow = float(p[[105, 334], 1].mean())
    top = brow + config.hair_from_cm
    jaw = float(p[[58, 288], 1].mean())
    ear_front = float(p[[234, 454], 2].mean()) + (config.cover_front_cm if over_ears else config.hang_fall_front_cm)
    y = rest[:, 1]
    skull = (y > jaw) & (y < top)
    cx, cz = float(np.median(p[:, 0])), float(rest[skull, 2].mean())
    dx, dz = rest[:, 0] - cx, rest[:, 2] - cz
    r = np.hypot(dx, dz)
    bins = 72
    b = ((np.arctan2(dx, dz) + np.pi) / (2 * np.pi) * bins).astype(int) % bins
    widest = np.zeros(bins, np.float32)
    np.maximum.at(widest, b[skull], r[skull])
    widest = np.maximum(np.maximum(widest, np.roll(widest, 1)), np.roll(widest, -1))  # (a bin between two ridges)
    hang = (y <= top) & (rest[:, 2] < ear_front)
    fade = np.clip((ear_front - rest[:, 2]) / config.hang_fade_cm, 0.0, 1.0)  # (the ears under it: covered)
    if over_ears:
        bottom = jaw + config.cover_bottom_cm
        fade = fade * np.clip((y - bottom + config.cover_fade_cm) / max(config.cover_fade_cm, 1e-3), 0.0, 1.0)
    want = widest[b] + config.hang_cm
    # (the outer surface only: the mouth's socket, deep inside the head behind the lips, was pushed out to the back
    # of the head, and an open mouth showed the change)
    hang &= r > 0.6 * widest[b]
    grow = np.where(hang & (want > r), (want - r) * fade, 0.0)
    scale = (r + grow) / np.maximum(r, 1e-6)
    out = rest.copy()
    out[:, 0] = cx + dx * scale
    out[:, 2] = cz + dz * scale
    return out.astype(rest.dtype)


def ear_region(subject: Subject, rest: np.ndarray, config: HeadConfig) -> np.ndarray:
    """(V,) bool: the ears' region of the head's vertices ``rest`` (V, 3): between 1 cm under the jaw's angle and
    ``ear_top_cm`` over the eyes, more than ``ear_out_cm`` beyond the face outline's half-width, and from 1 cm in
    front of its widest points to ``ear_back_cm`` behind them."""
    p = subject.personal
    eyes = float(p[[33, 263], 1].mean())
    jaw = float(p[[58, 288], 1].mean())
    half = float(np.abs(p[[234, 454], 0]).mean())
    back = float(p[[234, 454], 2].mean())
    y, z = rest[:, 1], rest[:, 2]
    return ((y < eyes + config.ear_top_cm) & (y > jaw - 1.0) & (np.abs(rest[:, 0]) > half + config.ear_out_cm)
            & (z < back + 1.0) & (z > back - config.ear_back_cm))


def _grow_hair(subject: Subject, rest: np.ndarray, near: np.ndarray, config: HeadConfig) -> np.ndarray:
    """Grow the scalp out to the photo's hair: the person silhouette's reach beyond the skull's outline at the
    photo's view, measured outwards from the head's centre at each angle round it, becomes a hair thickness
    for that angle, and every scalp vertex (above the brows, off the face) moves out along its normal by the
    thickness at its own angle (the back of the head by the silhouette beside it). Curly or piled-up hair then
    turns with the head as a volume instead of staying flat on the portrait sheet behind a bald shell."""
    if config.hair_max_cm <= 0:
        return rest
    size, scale = subject.size, subject.fit.scale
    brow = float(subject.personal[[105, 334], 1].mean())
    away = 1.0 - near
    person = cv2.GaussianBlur(subject.person.astype(np.float32), (0, 0), 1.0) > 0.5
    n = vertex_normals(rest, HeadModel.load().triangles)
    n *= np.sign(np.mean(((rest - rest.mean(0)) * n).sum(1))) or 1.0
    facing = n @ subject.fit.rotation[2]
    centre = np.array([subject.personal[:N_FACE, 0].mean(), brow, rest[:, 2].mean()], np.float32)
    c = subject.fit.to_image(centre[None])[0, :2]
    img = subject.fit.to_image(rest)[:, :2]
    rim = (np.abs(facing) < config.rim_facing) & (rest[:, 1] > brow) & (away > 0.9)
    if rim.sum() < 20:
        return rest
    d = img[rim] - c
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)
    reach = np.zeros(rim.sum(), np.float32)  # px of person straight out from each rim vertex
    going = np.ones(rim.sum(), bool)
    for k in range(int(config.hair_max_cm * scale)):
        xy = np.round(img[rim] + k * d).astype(int)
        ok = (xy >= 0).all(1) & (xy < size).all(1)
        hit = np.zeros(len(xy), bool)
        hit[ok] = person[xy[ok, 1], xy[ok, 0]]
        going &= hit
        reach += going
    # per 10 deg of angle round the centre: the median reach of the rim there, empty angles interpolated
    bins = 36
    ang = np.arctan2(img[rim, 1] - c[1], img[rim, 0] - c[0])
    b = ((ang + np.pi) / (2 * np.pi) * bins).astype(int) % bins
    med = np.full(bins, np.nan, np.float32)
    for i in range(bins):
        if (b == i).sum() >= 2:
            med[i] = np.median(reach[b == i])
    have = np.flatnonzero(~np.isnan(med))
    if len(have) == 0:
        return rest
    centres = (np.arange(bins) + 0.5) / bins * 2 * np.pi - np.pi
    thick = np.interp(centres, centres[have], med[have], period=2 * np.pi) / scale  # cm
    thick = np.convolve(np.concatenate([thick[-1:], thick, thick[:1]]), np.ones(3) / 3, "valid")  # smoothed
    v_ang = np.arctan2(img[:, 1] - c[1], img[:, 0] - c[0])
    t = np.interp(v_ang, centres, thick, period=2 * np.pi)
    w = away * np.clip((rest[:, 1] - brow) / config.hair_fade_cm, 0.0, 1.0)
    return (rest + n * (t * w)[:, None]).astype(rest.dtype)
