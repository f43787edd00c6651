"""Mesh engine: a full-portrait 2.5D scene from one photo, rendered at any expression, head pose and camera.

How a frame is made:
 1. The frame's absolute ARKit expression (``Motion.expr``) minus the photo's own expression
    (``Subject.ref_expr``) moves the subject's personal mesh (the photo's exact landmarks in the
    model frame); the head pose turns it about a neck pivot; the fitted camera projects it.
 2. The full head (head_mesh.py, ``MeshEngineConfig.full_head``, on by default): ICT-FaceKit's skull, ears and
    neck fitted behind the face mesh, turning and deforming with it; what the photo saw of it is sampled
    from the photo, the rest is completed (head_texture.py: mirrored side, then the seen colours
    continued over the mesh, hair colour on the scalp) and shown as a turn uncovers it.
 2b. The portrait scene (portrait_mesh.py) adds a person sheet (hair, ears, neck, shoulders) with a
    depth proxy and per-vertex head weights, and an inpainted background plate. The viewer camera
    rotates the whole scene about the head centre (orthographic, like the fit's camera); the
    background plane moves with parallax.
 3. The rasterizer interpolates each vertex's photo coordinates per pixel (z-buffer, barycentrics);
    the photo is resampled there (``cv2.remap``) and composited over the background with the
    person's soft alpha; occlusion edges are anti-aliased; eyelids, gaze and the inner mouth
    (cavity, teeth) are synthesised. Inside the lid openings the eyeball is resampled rigidly
    (eyes.py): raised lids uncover the white instead of stretching the iris.
 4. Expression shading: the face is multiplied by the ratio of a soft key light (above the viewer
    camera) on this frame's surface over the same light on the surface with the photo's own
    expression, so a lowered brow shades the lids and raised cheeks catch light; the change of the
    skin's highlight is added (it does not scale with the skin's colour, so dark skin shows it).
Camera conventions are in camera.py: ``Camera(yaw=30)`` turns the head 30 degrees against the viewer.
Each step is one method of ``render_frame``; the tuned numbers live in ``MeshEngineConfig`` (mesh_config.py).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace

import cv2
import numba
import numpy as np
from scipy.spatial import cKDTree

from tritalk.face.model import (FACE_OVAL, INNER_LIP_LOWER, INNER_LIP_UPPER, LEFT_EYE, LEFT_IRIS,
                                RIGHT_EYE, RIGHT_IRIS, FaceModel, expression_gain_vector, inner_lip_polygon)
from tritalk.face.subject import Subject
from tritalk.parallel import for_each
from tritalk.render.appearance import emotion_appearance
from tritalk.render.background_fill import drop_edge_lines, fill_holes, outpaint
from tritalk.render.camera import rotation
from tritalk.render.disocclusion import blend_fill, fill_weight
from tritalk.render.hair_strands import strand_texture, texel_coords
from tritalk.render.hanging_hair import hair_over_ears, is_long_hair, strand_mask
from tritalk.render.eyes import PhotoEye, paint_sclera, resample_eye
from tritalk.render.frame_pool import FramePool, fork_available
from tritalk.render.head_mesh import HeadMesh
from tritalk.render.head_texture import CHEEKS, complete_head_texture, skin_only
from tritalk.render.mesh_config import MeshEngineConfig
from tritalk.render.mouth import MouthPalette, draw_mouth
from tritalk.render.portrait_mesh import build_scene
from tritalk.render.rasterizer import antialias_depth_edges, edge_lengths, interpolate, rasterize
from tritalk.render.unmix_wall import unmix_wall
from tritalk.types import IDX, Camera, CameraPath, Motion

N_FACE = 468
JAW_SHAPES = ("jawOpen", "jawLeft", "jawRight", "jawForward")
FLIP = np.diag([1.0, -1.0, -1.0]).astype(np.float32)  # image frame (x, y down, z away) <-> model orientation
SHEET_BEHIND = 4.0  # frame sizes the sheet's depth is pushed back: hair, neck and body never cover the face


@dataclass(frozen=True)
class _Raster:
    """One frame's geometry after rasterisation (all in output pixels)."""

    v: np.ndarray  # (478, 3) face vertices with this frame's expression
    v0: np.ndarray  # (478, 3) the same with the photo's own expression (same head pose and camera)
    faces: np.ndarray  # (F, 3) triangles drawn (face + the sheet's front-facing ones)
    kept: np.ndarray  # (len(faces_all),) bool: which of faces_all they are
    tri_id: np.ndarray  # (S, S) int32 triangle per pixel, -1 = none
    bary: np.ndarray  # (S, S, 3) barycentric weights
    depth: np.ndarray  # (S, S) depth
    src: np.ndarray  # (S, S, 2) photo coordinates per pixel, -1 = none
    xy: np.ndarray  # (478 + sheet, 2) every vertex drawn (face, then sheet)


def _rings_from(triangles: np.ndarray, seeds: np.ndarray, n_vertices: int, rings: int) -> np.ndarray:
    """(n_vertices,) 0 on the seed vertices, rising linearly to 1 at ``rings`` edges away (mesh graph)."""
    dist = np.full(n_vertices, rings, np.float32)
    dist[seeds] = 0
    frontier = set(int(i) for i in seeds)
    for r in range(1, rings):
        hit = np.isin(triangles, list(frontier)).any(1)
        nxt = set(np.unique(triangles[hit]).tolist()) - {i for i in range(n_vertices) if dist[i] < r}
        for i in nxt:
            dist[i] = r
        frontier = nxt
    return dist / rings


# facing inner-lip points (upper, lower), the shared corners left out
LIP_PAIRS = (np.array(INNER_LIP_UPPER[1:-1]), np.array(INNER_LIP_LOWER[1:-1]))


def _pull_inside(src: np.ndarray, alpha: np.ndarray, centre: np.ndarray, near: np.ndarray, level: float,
                 reach: float, margin: float) -> np.ndarray:
    """(N, 2): how far to move each photo position ``src`` (N, 2) towards ``centre`` so that it lies inside the
    person's matte (``alpha`` >= ``level``, then ``margin`` px further); zero where it already does, where ``near``
    is False, or where no such point lies within ``reach`` px."""
    out = np.zeros_like(src)
    h, w = alpha.shape
    for i in np.flatnonzero(near):
        d = centre - src[i]
        n = float(np.hypot(*d))
        if n < 1e-3:
            continue
        d /= n
        for step in np.arange(0.0, min(reach, n), 0.5):
            x, y = src[i] + step * d
            if alpha[int(np.clip(round(y), 0, h - 1)), int(np.clip(round(x), 0, w - 1))] >= level:
                if step > 0:
                    out[i] = (step + margin) * d
                break
    return out


@numba.njit(cache=True, nogil=True)
def _settle_alpha(alpha, tri_id, n_face, is_head, solid):
    """In place: 0 where no triangle is drawn, 1 on the face's triangles (ids < ``n_face``), at least
    ``solid`` on the head's (``is_head`` per drawn triangle)."""
    h, w = tri_id.shape
    for i in range(h):
        for j in range(w):
            t = tri_id[i, j]
            if t < 0:
                alpha[i, j] = 0.0
            elif t < n_face:
                alpha[i, j] = 1.0
            elif solid > 0 and is_head[t] and alpha[i, j] < solid:
                alpha[i, j] = solid


@numba.njit(cache=True, nogil=True)
def _relight(image, light):
    """In place: ``image`` (h, w, 3) uint8 times ``light[..., 0]`` plus ``light[..., 1]`` grey levels (h, w, 2)."""
    h, w, c = image.shape
    for i in range(h):
        for j in range(w):
            ratio, add = light[i, j, 0], light[i, j, 1]
            for k in range(c):
                x = np.float32(image[i, j, k]) * ratio + add + np.float32(0.5)  # rounded to the nearest level
                image[i, j, k] = np.uint8(min(max(x, np.float32(0.0)), np.float32(255.0)))


@numba.njit(cache=True, nogil=True)
def _vertex_normals(v, tris, xy_scale, sign, out):
    """``out`` (V, 3): unit normals of the mesh ``v`` (V, 3) with x, y scaled by ``xy_scale``: the area-weighted
    sum of the normals of each vertex's triangles ``tris`` (T, 3), times ``sign`` (the mesh's winding)."""
    out[:] = 0.0
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        e1x, e1y, e1z = (v[b, 0] - v[a, 0]) * xy_scale, (v[b, 1] - v[a, 1]) * xy_scale, v[b, 2] - v[a, 2]
        e2x, e2y, e2z = (v[c, 0] - v[a, 0]) * xy_scale, (v[c, 1] - v[a, 1]) * xy_scale, v[c, 2] - v[a, 2]
        nx, ny, nz = e1y * e2z - e1z * e2y, e1z * e2x - e1x * e2z, e1x * e2y - e1y * e2x
        for k in (a, b, c):
            out[k, 0] += nx
            out[k, 1] += ny
            out[k, 2] += nz
    for k in range(out.shape[0]):
        x, y, z = out[k, 0] * sign, out[k, 1] * sign, out[k, 2] * sign
        n = max(np.sqrt(x * x + y * y + z * z), 1e-9)
        out[k, 0], out[k, 1], out[k, 2] = x / n, y / n, z / n


@numba.njit(cache=True, nogil=True)
def _bounds(xy, faces, selected):
    """((x, y) min, (x, y) max) over the corners of the ``selected`` (F,) triangles ``faces`` of ``xy``."""
    lo = np.full(2, np.inf, np.float32)
    hi = np.full(2, -np.inf, np.float32)
    for f in range(faces.shape[0]):
        if selected[f]:
            for k in range(3):
                for c in range(2):
                    x = xy[faces[f, k], c]
                    lo[c] = min(lo[c], x)
                    hi[c] = max(hi[c], x)
    return lo, hi


def _soft_border(image: np.ndarray, sigma: float) -> np.ndarray:
    """A copy of ``image`` whose outermost rows and columns are blurred along the border (``sigma`` px). A view
    that shows the body past the photo's edge (seen from above: below its bottom edge) continues the edge
    row: continued raw, its every detail became a streak; blurred along the edge, the clothes run on smoothly."""
    out = image.copy()
    if sigma <= 0:
        return out
    for edge in ((slice(0, 1), slice(None)), (slice(-1, None), slice(None)),
                 (slice(None), slice(0, 1)), (slice(None), slice(-1, None))):
        line = np.ascontiguousarray(out[edge]).reshape(1, -1, out.shape[2])  # the edge as one row
        out[edge] = cv2.GaussianBlur(line, (0, 0), sigmaX=sigma, sigmaY=0.1).reshape(out[edge].shape)
    return out


def _continue_below(rgba: np.ndarray, skin: np.ndarray, rows: int, fade: int, sigma: float) -> np.ndarray:
    """(rows, W, 4) uint8: what lies below the photo's bottom edge (``rgba`` (H, W, 4): photo and person
    matte), for a view from above. Continued as the edge row alone, the skin of a V-neck (or a neck the crop
    cuts) ran down as a skin-coloured rectangle to the frame's bottom; now each column of the person fades
    over ``fade`` rows into the clothes beside it at the edge (the person's non-skin colours in the last rows,
    carried across the columns that show skin), blurred along the edge (``sigma``)."""
    h, w = rgba.shape[:2]
    band = rgba[-max(2, h // 16):].astype(np.float32)
    colour, alpha = band[..., :3], band[..., 3] / 255.0
    chroma = np.abs(colour / np.maximum(colour.sum(2, keepdims=True), 1.0) - skin / max(float(skin.sum()), 1.0)).sum(2)
    ratio = colour.mean(2) / max(float(skin.mean()), 1.0)
    # (another hue, or far darker or lighter than the cheeks: a lit chest is up to ~1.3 x as bright)
    clothes = (alpha > 0.5) & ((chroma > 0.08) | (ratio < 0.3) | (ratio > 1.6))
    n = clothes.sum(0)
    last = rgba[-1].astype(np.float32)
    target = last.copy()
    # columns that are clothes there (nearly all the band: at a collar's edge the skin's highlights next to a white
    # shirt counted, and a V-neck's skin ran on below the photo as a brown stripe, London 042)
    has = np.flatnonzero(n >= 0.8 * len(band))
    person = last[:, 3] > 127
    if len(has) and person.any():
        mean = (colour * clothes[..., None]).sum(0)[has] / n[has, None]
        # each the median of the clothes columns within 8 % of the width: next to the skin, a collar's shadowed
        # edge alone made the run-on a grey stripe down a white shirt
        reach = max(1, int(0.08 * w))
        mean = np.array([np.median(mean[(has >= c - reach) & (has <= c + reach)], 0) for c in has], np.float32)
        cols = np.arange(w)
        for k in range(3):
            target[person, k] = np.interp(cols[person], has, mean[:, k])
    target = cv2.GaussianBlur(target[None], (0, 0), sigmaX=max(sigma, 0.5), sigmaY=0.1)[0]
    t = np.clip((np.arange(rows, dtype=np.float32)[:, None, None] + 1) / max(fade, 1), 0.0, 1.0)
    out = (1 - t) * last[None] + t * target[None]
    out[..., 3] = last[None, :, 3]  # the matte runs on as it is
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _smooth_envelope(points: np.ndarray, values: np.ndarray, radius: float) -> np.ndarray:
    """(N,) ``values`` at scattered ``points`` (N, 2): the largest within ``radius`` of each point, then averaged
    over a Gaussian of sigma ``radius`` (out to three sigma). Smooth; inside a region of large values as large as
    they are, falling off over about ``radius`` at its edge (where it may be smaller than a value there)."""
    if len(points) == 0 or radius <= 0:
        return values
    tree = cKDTree(points)
    envelope = np.array([values[n].max() for n in tree.query_ball_point(points, r=radius)], np.float32)
    out = np.empty(len(points), np.float32)
    for i, n in enumerate(tree.query_ball_point(points, r=3.0 * radius)):
        w = np.exp(-0.5 * ((points[n] - points[i]) ** 2).sum(1) / radius ** 2)
        out[i] = (w * envelope[n]).sum() / w.sum()
    return out


def _inside(outline: np.ndarray, points: np.ndarray, shrink: float) -> np.ndarray:
    """(N,) bool: points (N, 2) inside the closed ``outline`` (M, 2) shrunk about its mean to ``shrink``."""
    c = outline.mean(0)
    poly = (c + (outline - c) * shrink).astype(np.float32)
    return np.array([cv2.pointPolygonTest(poly, (float(x), float(y)), False) > 0 for x, y in points], bool)


@numba.njit(cache=True, nogil=True)
def _facing(xy, faces, sign, always, keep):
    """``keep`` (F,): triangles whose signed area in ``xy`` has the sign ``sign`` (F,) of their rest winding,
    or that are kept ``always``."""
    for f in range(faces.shape[0]):
        a, b, c = faces[f, 0], faces[f, 1], faces[f, 2]
        ax, ay = xy[b, 0] - xy[a, 0], xy[b, 1] - xy[a, 1]
        bx, by = xy[c, 0] - xy[a, 0], xy[c, 1] - xy[a, 1]
        keep[f] = (ax * by - ay * bx) * sign[f] > 0 or always[f]


@numba.njit(cache=True, nogil=True)
def _max_stretch(xy, faces, kept, ref_edges, out):
    """``out`` (K,): for each kept triangle (``kept`` (F,) bool, K of them) the largest ratio of an edge's
    length in ``xy`` to the same edge's ``ref_edges`` (F, 3; edges v1-v0, v2-v1, v0-v2)."""
    k = 0
    for f in range(faces.shape[0]):
        if not kept[f]:
            continue
        m = np.float32(0.0)
        for e in range(3):
            p, q = faces[f, e], faces[f, (e + 1) % 3]
            dx, dy = xy[q, 0] - xy[p, 0], xy[q, 1] - xy[p, 1]
            m = max(m, np.sqrt(dx * dx + dy * dy) / ref_edges[f, e])
        out[k] = m
        k += 1


def lips_in_contact(x: np.ndarray, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """(478, 3) model-frame vertices (+y up) with no lower inner-lip point above the upper one it faces by more
    than ``floor`` (per pair, <= 0: how far the photo's own lips already overlap there, so the photo is kept
    exactly): where they cross, both move to their middle height. Lips touch, they do not pass through each
    other; closing an open-mouthed photo (motion/photo_expression.py ``closed_rest``) or a /p b m/ shuts the
    middle of the mouth, and the blendshapes, whose lip profile is flatter than an open photo's, would otherwise
    push the lips through each other towards the corners (a folded, self-crossing mouth)."""
    up, lo = LIP_PAIRS
    gap = x[up, 1] - x[lo, 1]
    floor = np.broadcast_to(np.minimum(np.asarray(floor, np.float32), 0.0), gap.shape)
    cross = gap < floor
    if not cross.any():
        return x
    x = x.copy()
    mid = 0.5 * (x[up[cross], 1] + x[lo[cross], 1])
    x[up[cross], 1] = mid + 0.5 * floor[cross]
    x[lo[cross], 1] = mid - 0.5 * floor[cross]
    return x


def rendered_expr_basis(model: FaceModel, config: MeshEngineConfig = MeshEngineConfig()) -> np.ndarray:
    """(52, 478, 3) cm: the blendshapes as this engine renders them (and exports/gltf.py exports them),
    ``config.expression_gain`` applied inside the face. The gain amplifies the features inside the face,
    not its outline: the person sheet (forehead, hair) is glued to the outline and would tear if it were
    dragged 1-2x further."""
    gain = expression_gain_vector(config.expression_gain)
    inner = _rings_from(model.triangles, np.array(FACE_OVAL), n_vertices=model.neutral.shape[0], rings=2)
    return model.expr_basis * (1 + (gain[:, None, None] - 1) * inner[None, :, None])



class MeshEngine:
    """The mesh engine (an ``Engine``, engine.py): frames of one Subject. Build once per subject (~0.6 s of
    CPU with the full head at 512^2); a 512^2 frame then takes ~11 ms face-only on an idle core (README,
    Measured) and 1.2-1.3x that with the full head: only its drawn, decimated vertices move each frame,
    and the fill of what a turn uncovers touches only the pixels that show it (render/disocclusion.py).
    Read-only after construction: one engine may render from several threads at once."""

    name = "mesh"

    def __init__(self, subject: Subject, config: MeshEngineConfig = MeshEngineConfig()):
        self.subject, self.config = subject, config
        self._pool: FramePool | None = None  # worker processes, made at the first long enough render
        self._pool_lock = threading.Lock()
        lm = subject.observation.landmarks
        self.src_xy = lm[:, :2].astype(np.float32)  # (478, 2) where each landmark sits in the photo
        tris = subject.model.triangles
        lips = set(INNER_LIP_UPPER) | set(INNER_LIP_LOWER)
        self.face_tris = tris[~np.all(np.isin(tris, list(lips)), axis=1)]  # the mouth opening is drawn apart
        # ... and its own triangles, with their winding seen from the front with the jaw open (a closed mouth's
        # are slivers): seen from the side the far half of the opening turns its back, and is not painted
        self.mouth_tris = tris[np.all(np.isin(tris, list(lips)), axis=1)]
        jaw_open = np.zeros(len(IDX), np.float32)
        jaw_open[IDX["jawOpen"]] = 0.6
        m = subject.model.shape(expr=jaw_open)[self.mouth_tris][..., :2] * np.array([1.0, -1.0])  # image: y down
        a, b = m[:, 1] - m[:, 0], m[:, 2] - m[:, 0]
        self.mouth_sign = np.sign(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        self.oval = np.array(FACE_OVAL)
        inner = _rings_from(tris, self.oval, n_vertices=len(self.src_xy), rings=2)  # 0 at the outline .. 1 inside
        self.pivot = subject.personal[:N_FACE].mean(0) + np.array(config.pivot_cm, np.float32)
        rest = subject.fit.to_image(subject.personal)
        self.scene = build_scene(subject, rest, config.portrait, flat_torso=config.full_head)
        self.has_back = bool(self.scene.sheet_back.any())
        # the plate at the photo's view: the photo's own wall where it shows one (the fill only behind the person)
        wall = (self.scene.alpha < config.plate_wall_alpha)[..., None]
        self.rest_plate = np.where(wall, subject.image, self.scene.background)
        self.rest_plate.flags.writeable = False
        # what each frame resamples: the photo (its border softened) and the person's matte (to 1/255) ...
        size = subject.size
        at = np.clip(np.round(subject.observation.landmarks[list(CHEEKS), 1::-1]).astype(int), 0, size - 1)
        cheeks = np.median(subject.image[tuple(at.T)].astype(np.float32), 0)
        matte = np.round(np.clip(self.scene.alpha, 0, 1) * 255).astype(np.uint8)

        def rgba(photo: np.ndarray) -> np.ndarray:  # ... and below its bottom edge (seen from above) the clothes
            # run on, not a V-neck's skin
            out = np.dstack([_soft_border(photo, config.border_blur * size), matte])
            return np.concatenate([out, _continue_below(out, cheeks, int(config.below_rows * size),
                                                        int(config.below_fade * size), config.border_blur * size)])

        self.photo_rgba = rgba(subject.image)
        # ... once the camera turns, with the wall's share taken out of the person's edge pixels (``_photo``; None:
        # nothing to take out, or no full head)
        self.unmixed_rgba, unmixed = None, subject.image
        if config.unmix_band > 0 and config.full_head:
            unmixed = unmix_wall(subject.image, self.scene.alpha, self.scene.background, config.unmix_band,
                                 config.unmix_contrast)
            self.unmixed_rgba = None if unmixed is subject.image else rgba(unmixed)
        self.n_sheet = len(self.scene.sheet_src)
        self.n_oval_sheet = len(FACE_OVAL)
        faces = [self.face_tris, self.scene.sheet_tris + N_FACE]
        src = [self.src_xy[:N_FACE], self.scene.sheet_src]
        self.head = None
        if config.full_head:  # vertices after the sheet's: [face | sheet | head]
            long_hair = is_long_hair(subject, config.head)
            basis = rendered_expr_basis(subject.model, config)
            self.head = bare = HeadMesh.build(subject, config.head, basis, long_hair)
            # hair to the jaw over the ears (a bob): it falls over them (built again with it hanging)
            over_ears = (config.head.hair == "over_ears"
                         or (config.head.hair == "auto" and not long_hair and config.head.hair_over_ears
                             and hair_over_ears(subject, self.head, config.head)))
            if over_ears:
                self.head = HeadMesh.build(subject, config.head, basis, over_ears=True)
            head_img = subject.fit.to_image(self.head.rest)
            self.head_tex = complete_head_texture(subject, self.head, head_img, self.scene.background, config.head,
                                                  long_hair=long_hair, over_ears=over_ears, photo=unmixed)
            if over_ears and not self.head_tex.hairy:  # (not hair over the ears: earmuffs or a scarf on a bald head;
                # hung, the head was a skin-coloured bulge over the ears)
                over_ears, self.head = False, bare
                head_img = subject.fit.to_image(self.head.rest)
                self.head_tex = complete_head_texture(subject, self.head, head_img, self.scene.background, config.head,
                                                      long_hair=long_hair, photo=unmixed)
            under = self._covered_by_head(head_img, rest, faces[1])
            # under the head's neck the sheet stays, behind it, showing the person's filled-in colours: the
            # neck turns with the head over the still torso and uncovers it (cut away, the wall showed there)
            neck = self.scene.head_weight[faces[1] - N_FACE].min(1) < 0.99
            # ... and under the hair fallen over the ears (cut away, the wall showed in a line between the turned hair
            # and the photo's beside it)
            if over_ears:
                neck |= under & ~self._covered_by_head(subject.fit.to_image(bare.rest), rest, faces[1], bare)
            # the sheet's triangles across the hole the face fills (Delaunay spans it with a few large ones, their
            # corners at depths centimetres apart): hidden at rest, turned they poked out past the face's profile as
            # spikes (at the chin, London 092 at +45..60); the head fills behind the face
            across = _inside(rest[self.oval, :2], self.scene.sheet_xy[faces[1] - N_FACE].mean(1),
                             config.head.face_hole)
            keep = (~under | neck) & ~across
            # (the torso's back too: never seen, it always shows its clothes' filled colour)
            back = self.scene.sheet_back[faces[1] - N_FACE].all(1)
            faces[1] = faces[1][keep]
            self.sheet_hidden = ((under & neck) | back)[keep]
            sheet_back = back[keep]
            self.drawn = self.head.drawn()  # only the vertices drawn are transformed each frame
            faces.append(self.drawn.triangles + N_FACE + self.n_sheet)
            src.append(self.head_tex.src[self.drawn.used])
        self.faces_all = np.concatenate(faces).astype(np.int32)
        self.src_all = np.concatenate(src).astype(np.float32)
        # the face's outline where it lies on the wall beside the person's edge: pulled inside the matte as the view
        # turns (``_rasterize``; HeadConfig.edge_matte)
        self.edge_pull = None
        self.tri_wall = None  # (with the full head: below)
        if self.head is not None:
            size = subject.size
            pull = _pull_inside(self.src_xy[:N_FACE], subject.person, self.src_xy[:N_FACE].mean(0),
                                inner[:N_FACE] < 1.0, config.head.edge_matte, config.head.edge_reach * size,
                                config.head.edge_margin * size)
            if np.any(pull):
                self.edge_pull = pull.astype(np.float32)
        # the sheet in 3D at rest (image frame), and where its head part pivots
        sheet_z = self.scene.sheet_z
        if self.head is not None:
            sheet_z = self._sheet_behind_face(rest, self._sheet_behind_neck(head_img, rest))
        self.sheet_rest = np.concatenate([self.scene.sheet_xy, sheet_z[:, None]], 1).astype(np.float32)
        self.src_edges = edge_lengths(self.src_all, self.faces_all) + 0.5
        t = self.src_all[self.faces_all]
        a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        self.src_sign = np.sign(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        self.is_face = np.arange(len(self.faces_all)) < len(self.face_tris)
        self.is_head = np.arange(len(self.faces_all)) >= len(faces[0]) + len(faces[1])
        self.is_back = np.zeros(len(self.faces_all), bool)  # the torso's back (the sheet's, with the full head)
        self.always_filled = np.zeros(len(self.faces_all), bool)  # sheet triangles under the head's neck; the back
        self.face_strands = np.zeros(N_FACE, np.float32)  # face vertices under long hair's strands
        if self.head is not None:
            self.always_filled[len(faces[0]):len(faces[0]) + len(faces[1])] = self.sheet_hidden
            self.is_back[len(faces[0]):len(faces[0]) + len(faces[1])] = sheet_back
        # the torso's back is never culled (its filled colour has no photo winding to keep: the depth test decides)
        self.never_culled = self.is_face | self.is_back
        if self.head is not None:  # a closed surface: front-facing by its own winding, not the photo's
            self.src_sign[self.is_head] = self.head.winding
            attrs = np.zeros((len(self.src_all), 15), np.float32)
            # the face's own smoothed colours: what its outline ring shows once a turn stretches it open
            blurred = cv2.GaussianBlur(subject.image, (0, 0), max(subject.size / 128.0, 0.5))
            c = self.src_xy[:N_FACE].mean(0)  # sampled a little inside the outline: skin, not the wall beside it
            at = (c + (self.src_xy[:N_FACE] - c) * config.head.face_fill_inset).astype(np.float32)
            attrs[:N_FACE, :3] = cv2.remap(blurred, at[:, None, 0].copy(), at[:, None, 1].copy(), cv2.INTER_LINEAR)[:, 0]
            if long_hair:  # skin only (every vertex's; only the outline rings' are drawn): strands of long hair over
                # the face's edge turned into a dark streak down the cheek
                px = np.clip(np.round(self.src_xy[list(CHEEKS), ::-1]).astype(int), 0, subject.size - 1)
                skin = np.median(subject.image[tuple(px.T)].astype(np.float32), 0)
                attrs[:N_FACE, :3] = skin_only(attrs[:N_FACE, :3], at, skin, config.head)
            used = self.drawn.used
            # ... and at the outline itself, ``ring_to_head`` of the way to the head's completed colour beside
            # it: a gradient from the face's skin to the side of the head instead of a flat crescent
            _, near = cKDTree(self.head.rest[used]).query(subject.personal[self.oval])
            w = config.head.ring_to_head
            attrs[self.oval, :3] = (1 - w) * attrs[self.oval, :3] + w * self.head_tex.fill[used][near]
            attrs[N_FACE + self.n_sheet:, :3] = self.head_tex.fill[used]
            if self.head_tex.hair_edge is not None:  # the hair's edge, sharp per pixel (head_texture._hair_edge)
                attrs[N_FACE + self.n_sheet:, 11:15] = self.head_tex.hair_edge[used]
            attrs[N_FACE + self.n_sheet:, 3] = self.head_tex.unseen[used]
            attrs[N_FACE + self.n_sheet:, 4] = self.head_tex.outside[used]
            # the completed hair's strands: its weight and where each vertex lies on the strands' texture (the
            # strands fall from the crown straight above the skull's centre)
            attrs[N_FACE + self.n_sheet:, 5] = self.head_tex.hair[used]
            top = self.head.rest[:, 1] > float(subject.personal[[105, 334], 1].mean())
            centre = self.head.rest[top].mean(0) if top.any() else self.head.rest.mean(0)
            attrs[N_FACE + self.n_sheet:, 6:8] = texel_coords(self.head.rest[used] - centre)
            # the neck below the jaw: where each vertex lies on the neck's texture and how much of its colour that gives
            neck = self.head_tex.neck
            self.neck_image = np.zeros((2, 2, 3), np.float32) if neck is None else neck.image
            if neck is not None:
                attrs[N_FACE + self.n_sheet:, 8:10] = neck.coords[used]
                attrs[N_FACE + self.n_sheet:, 10] = neck.weight[used]
            self.head_fill_attrs = attrs
            # the head's triangles whose photo footprint (corners, edges' middles, centre) lies within 1 % of the
            # frame of the wall beside the person (the matte under 0.75, its soft edge included): only their pixels
            # can sample it (``_fill_disocclusions``, ``matte_fill``)
            if config.head.matte_fill:
                reach = max(2, int(round(0.01 * size)))
                off = cv2.dilate((self.scene.alpha < 0.75).astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8))
                t = self.src_all[self.faces_all]  # (F, 3, 2)
                probes = np.concatenate([t, 0.5 * (t + t[:, [1, 2, 0]]), t.mean(1, keepdims=True)], 1)
                px = np.clip(np.round(probes).astype(int), 0, size - 1)
                self.tri_wall = self.is_head & (off[px[..., 1], px[..., 0]] > 0).any(1)
            corners = attrs[self.faces_all]  # (F, 3, 15): which triangles can ever show the head's fill
            self.tri_unseen = corners[..., 3].max(1) > 0
            self.tri_outside = corners[..., 4].max(1) > 0
            ring = np.zeros(len(self.faces_all), bool)
            ring[: len(self.face_tris)] = inner[self.face_tris].min(1) <= 0.0  # touching the outline
            self.face_ring = ring  # face triangles at the outline, filled like the head when stretched ...
            # ... with their outline and next vertices, fading out over the triangles inside them (one ring
            # more): the photo turns into the fill without an edge
            self.ring_weight = np.clip(2.0 * (1.0 - inner[:N_FACE]), 0.0, 1.0).astype(np.float32)
            brow = float(subject.personal[[105, 334], 1].mean())
            # (1 below the brows, fading over the centimetre up to them)
            self.ring_below_brows = np.clip(brow - subject.personal[:N_FACE, 1], 0.0, 1.0).astype(np.float32)
            ring2 = np.zeros(len(self.faces_all), bool)
            ring2[: len(self.face_tris)] = inner[self.face_tris].min(1) <= 0.5
            self.vertex_filled = self.is_head | ring2
            # strands of long hair over the face's sides: the face's vertices under them fade, as the view turns, to
            # the skin around them continued over them (hanging_hair.py); their triangles take the head's path (the
            # fill's per-vertex colours), as the outline ring beside them does
            strands = strand_mask(subject, config.head)
            if strands.max() > 0:
                face = np.zeros(strands.shape, np.uint8)
                cv2.fillPoly(face, [np.round(self.src_xy[self.oval]).astype(np.int32)], 1)
                clean = fill_holes(subject.image, (strands > 0.02) | (face == 0))
                clean = cv2.GaussianBlur(clean, (0, 0), max(subject.size / 128.0, 0.5))
                at = self.src_xy[:N_FACE, None]
                self.face_strands = np.clip(2.0 * cv2.remap(strands, at[..., 0].copy(), at[..., 1].copy(),
                                                            cv2.INTER_LINEAR)[:, 0], 0.0, 1.0).astype(np.float32)
                under = self.face_strands > 0
                inside = under.copy()
                inside[self.oval] = False  # (the outline keeps the head side's colour: ``ring_to_head``)
                attrs[:N_FACE][inside, :3] = cv2.remap(clean, at[..., 0].copy(), at[..., 1].copy(),
                                                       cv2.INTER_LINEAR)[:, 0][inside]
                self.vertex_filled[: len(self.face_tris)] |= under[self.face_tris].any(1)
        self._plates: dict[Camera, np.ndarray] = {}  # background plates seen by recent cameras (_background)
        self._wide = None  # the plates continued past the photo's borders (_wide_plates), made when first seen
        self._wide_lock = threading.Lock()
        self.pivot_img = subject.fit.to_image(self.pivot[None])[0]
        self.oval = np.array(FACE_OVAL)
        self.n_oval = len(self.oval)
        self.jaw_idx = [IDX[n] for n in JAW_SHAPES]
        self.expr_basis = rendered_expr_basis(subject.model, config)
        up, lo = LIP_PAIRS  # where the photo's own lips overlap (<= 0), they may keep doing so
        self.lip_floor = np.minimum(subject.personal[up, 1] - subject.personal[lo, 1], 0.0).astype(np.float32)
        self.lip_poly = list(inner_lip_polygon())
        self.palette = MouthPalette.from_photo(subject.image, self.src_xy[list(INNER_LIP_UPPER + INNER_LIP_LOWER)],
                                               self.src_xy[self.lip_poly],
                                               (self.src_xy[list(LEFT_EYE)], self.src_xy[list(RIGHT_EYE)]))
        self.eyes = ((list(LEFT_EYE), IDX["eyeBlinkLeft"]), (list(RIGHT_EYE), IDX["eyeBlinkRight"]))
        # the triangles that fill each lid opening (rows of face_tris = the rasterizer's first ids)
        self.eye_fans = tuple(np.flatnonzero(np.all(np.isin(self.face_tris, list(c)), axis=1))
                              for c in (LEFT_EYE, RIGHT_EYE))
        self.photo_eyes = tuple(PhotoEye.from_photo(subject.image, lm, contour, iris, self.face_tris[fan])
                                for (contour, iris), fan in zip(((LEFT_EYE, LEFT_IRIS), (RIGHT_EYE, RIGHT_IRIS)),
                                                                self.eye_fans))
        self.normal_sign = 1.0
        self.normal_sign = -float(np.sign(self._vertex_normals(rest)[:, 2].sum()) or 1.0)  # face the viewer
        lip_ring = _rings_from(tris, np.array(sorted(lips)), n_vertices=len(self.src_xy), rings=2)
        self.shading_weight = (inner * lip_ring)[:N_FACE]
        # the eye openings are holes in the mesh too: the highlight (sharper than the diffuse light)
        # would brighten the lash line as the lids move and make the eyes read as half shut
        eye_ring = _rings_from(tris, np.array(sorted(set(LEFT_EYE) | set(RIGHT_EYE))), n_vertices=len(self.src_xy),
                               rings=2)
        # ... and the lips: a highlight on the lower lip pulsed with every syllable (the lip's normals
        # swing with the jaw), so it fades over four rings there
        lip_ring4 = _rings_from(tris, np.array(sorted(lips)), n_vertices=len(self.src_xy), rings=4)
        self.highlight_weight = inner[:N_FACE] * eye_ring[:N_FACE] * lip_ring4[:N_FACE]
        self.closed_eyes = self._closed_eye_texture()

    def _covered_by_head(self, head_img: np.ndarray, face_img: np.ndarray, sheet_tris: np.ndarray,
                         head: HeadMesh | None = None) -> np.ndarray:
        """(len(sheet_tris),) bool: sheet triangles (indices offset by N_FACE) lying where the full head (``head``,
        by default the engine's) or the face covers the photo. The head carries those pixels itself; the sheet keeps
        what lies beyond it (hair with volume, the torso), else a flat copy of the neck and ears turns beside the
        real ones."""
        size = self.subject.size
        head = self.head if head is None else head
        xy = np.concatenate([face_img[:N_FACE, :2], head_img[:, :2]]).astype(np.float32)
        z = np.concatenate([face_img[:N_FACE, 2], head_img[:, 2]]).astype(np.float32)
        tris = np.concatenate([self.face_tris, head.triangles + N_FACE])
        t = xy[tris]
        a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        front = np.ones(len(tris), bool)  # what the renderer draws at the photo's view (no back faces)
        front[len(self.face_tris):] = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])[len(self.face_tris):] * head.winding > 0
        tri_id, _, _ = rasterize(xy, z, tris[front], size, size)
        k = max(3, int(round(size * self.config.head.sheet_keep_band)) | 1)
        covered = cv2.erode((tri_id >= 0).astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
        # above the brows a wider band: seen from below, the head's hair slides down off the photo's
        k_top = max(k, int(round(size * self.config.head.sheet_keep_top)) | 1)
        covered_top = cv2.erode((tri_id >= 0).astype(np.uint8), np.ones((k_top, k_top), np.uint8)).astype(bool)
        brow_y = float(face_img[[105, 334], 1].mean())
        pts = self.scene.sheet_xy
        pi = np.round(pts).astype(int)
        ok = (pi >= 0).all(1) & (pi < size).all(1)
        inside = np.zeros(len(pts), bool)
        top = ok & (pts[:, 1] < brow_y)
        inside[ok & ~top] = covered[pi[ok & ~top, 1], pi[ok & ~top, 0]]
        inside[top] = covered_top[pi[top, 1], pi[top, 0]]
        inside[: self.n_oval_sheet] = True  # the face outline itself
        # a triangle with every corner under the head may still reach past it where the head's outline is
        # concave (the notch above an ear): it stays if any pixel of it is uncovered, else a hole shows
        # the background plate there at the photo's own view
        local = sheet_tris - N_FACE
        tid, _, _ = rasterize(pts, np.zeros(len(pts), np.float32), local, size, size)
        shows = np.zeros(len(local), bool)
        shows[np.unique(tid[(tid >= 0) & ~covered])] = True
        return inside[local].all(1) & ~shows  # nothing of it would show

    def _sheet_behind_neck(self, head_img: np.ndarray, face_img: np.ndarray) -> np.ndarray:
        """(N,) the sheet's depths, below the chin and the jaw pushed behind the head's neck (``neck_behind_cm`` behind
        its surface at the photo's view) where the neck covers it, the push fading out beside the neck over
        ``neck_behind_reach`` face widths, then smoothed below the chin (``neck_behind_smooth``). The sheet's neck and
        collar lay 2-4 cm in front of the model's neck (the chin's depth, ramped back to the torso; more at the neck's
        sides, which curve back): turned 30 deg they slid out in front of it, a second neck beside the first. (The
        smoothing leaves a few vertices at the neck's very edge, where its side turns steeply back, up to ~3 cm in
        front of it; the sheet shown beside a turned neck still fell: the example at -30 / -15 / 15 deg, 47 / 84 / 77
        px of 256^2 unsmoothed, 0 / 14 / 4 px now.)"""
        size, cfg = self.subject.size, self.config.head
        z = self.scene.sheet_z.astype(np.float32).copy()
        xy = head_img[:, :2].astype(np.float32)
        t = xy[self.head.triangles]
        a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        front = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]) * self.head.winding > 0
        tri_id, _, depth = rasterize(xy, head_img[:, 2].astype(np.float32), self.head.triangles[front], size, size)
        chin = float(face_img[152, 1])
        pts = self.scene.sheet_xy
        pi = np.clip(np.round(pts).astype(int), 0, size - 1)
        inside = (pts >= 0).all(1) & (pts < size).all(1)
        # under the jaw's outline (below the mouth's corners), not only under the chin's row: the sheet under the
        # jaw's sides lay at the jaw's depth, and turned 45 deg it slid out past the jaw as a flap
        oval = face_img[list(FACE_OVAL), :2]
        mouth = float(face_img[[61, 291], 1].mean())
        low = oval[oval[:, 1] > mouth]
        order = np.argsort(low[:, 0])
        jaw = np.interp(pts[:, 0], low[order, 0], low[order, 1], left=np.inf, right=np.inf)
        below = (pts[:, 1] > chin) | ((pts[:, 1] > jaw) & (pts[:, 1] > mouth))
        below[: self.n_oval_sheet] = False
        below &= ~self.scene.sheet_back  # (the torso's back lies far behind the neck)
        covered = inside & below & (tri_id[pi[:, 1], pi[:, 0]] >= 0)
        target = depth[pi[:, 1], pi[:, 0]] + cfg.neck_behind_cm * self.subject.fit.scale
        push = np.where(covered, np.maximum(target - z, 0.0), 0.0)
        if not covered.any():
            return z
        # beside the neck: the median push of the nearest covered vertices (at most the median over the neck: the
        # neck's outline lies deepest, and its push alone dug a trench into the shoulder beside it), fading with the
        # distance from them
        width = float(np.ptp(face_img[list(FACE_OVAL), 0]))
        beside = below & ~covered
        k = min(8, int(covered.sum()))
        dist, idx = cKDTree(pts[covered]).query(pts[beside], k=k)
        dist, idx = dist.reshape(len(dist), -1), idx.reshape(len(idx), -1)
        near = np.minimum(np.median(push[covered][idx], 1), np.median(push[covered]))
        fade = np.exp(-0.5 * (dist.min(1) / (cfg.neck_behind_reach * width)) ** 2)
        push[beside] = near * fade
        if cfg.neck_behind_smooth > 0:  # (entered over the same reach below the chin: the jaw's outline keeps its own)
            ramp = np.clip((pts[below, 1] - chin) / (cfg.neck_behind_smooth * width), 0.0, 1.0)
            smooth = _smooth_envelope(pts[below], push[below], cfg.neck_behind_smooth * width)
            push[below] = (1.0 - ramp) * push[below] + ramp * smooth
        return (z + push).astype(np.float32)

    def _sheet_behind_face(self, face_img: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(N,) the sheet's depths ``z`` with its vertices on the face's pixels at the photo's view (inside its
        outline, to the pixel; not the outline's own) no nearer than the face's surface there, plus
        ``neck_behind_cm``. The grid's points just inside the outline took the head ellipsoid's depth, up to 2 cm in
        front of the chin: turned 45-60 deg, and more as the jaw opened and uncovered them, the triangles from them
        to the outline poked out past the chin as spikes."""
        size = self.subject.size
        tri_id, _, depth = rasterize(face_img[:N_FACE, :2].astype(np.float32), face_img[:N_FACE, 2].astype(np.float32),
                                     self.face_tris, size, size)
        pts = self.scene.sheet_xy
        pi = np.clip(np.round(pts).astype(int), 0, size - 1)
        inside = (pts >= 0).all(1) & (pts < size).all(1) & (tri_id[pi[:, 1], pi[:, 0]] >= 0)
        inside[: self.n_oval_sheet] = False
        target = depth[pi[:, 1], pi[:, 0]] + self.config.head.neck_behind_cm * self.subject.fit.scale
        out = z.astype(np.float32).copy()
        out[inside] = np.maximum(out[inside], target[inside])
        return out

    def _closed_eye_texture(self) -> np.ndarray:
        """The photo with each eye opening and upper lid (up to the crease) inpainted by lid skin, plus
        a lash line where the lids meet: what a shut eye shows. Same warp as the photo at render time."""
        img = self.subject.image
        mask = np.zeros(img.shape[:2], np.uint8)
        lines = []
        for contour, _ in self.eyes:
            poly = self.src_xy[contour].copy()
            lower, upper = poly[:9], poly[[0] + list(range(15, 8, -1)) + [8]]  # corner..corner, both 9 points
            width = float(np.ptp(poly[:, 0]))
            # the upper lid fold (crease) lies about a fifth of the eye width above the lid margin
            lifted = upper.copy()
            lifted[1:-1, 1] -= 0.22 * width * np.sin(np.linspace(0, np.pi, 9))[1:-1]
            region = np.concatenate([lower, lifted[::-1]])
            cv2.fillPoly(mask, [np.round(region).astype(np.int32)], 255)
            lines.append(0.3 * upper + 0.7 * lower)
        k = max(3, int(round(0.008 * img.shape[0])) | 1)
        mask = cv2.dilate(mask, np.ones((k, k), np.uint8))
        closed = cv2.inpaint(img, mask, 5, cv2.INPAINT_TELEA)
        skin = closed[mask > 0].reshape(-1, 3).astype(np.float32).mean(0)
        thick = max(1, int(round(img.shape[0] / 200)))
        for line in lines:
            cv2.polylines(closed, [np.round(line * 16).astype(np.int32)], False, (skin * 0.3).tolist(), thick,
                          cv2.LINE_AA, shift=4)
        return closed

    # --- geometry -----------------------------------------------------------------------------
    def _camera_transform(self, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
        """(3, 3) linear part and (3,) offset of the viewer transform in the image frame."""
        rot = FLIP @ rotation(np.radians(camera.yaw), np.radians(camera.pitch), np.radians(camera.roll)) @ FLIP
        c = self.scene.head_centre
        zoom = self.zoom(camera)
        lin = rot * np.array([zoom, zoom, 1.0], np.float32)[:, None]
        half = self.subject.size / 2
        zc = np.array([half, half, 0.0], np.float32)
        # p' = zoom about the image centre of (R (p - c) + c)
        off = (c - rot @ c - zc) * np.array([zoom, zoom, 1.0]) + zc
        return lin.astype(np.float32), off.astype(np.float32)

    def zoom(self, camera: Camera) -> float:
        """The picture's scale for a camera: its zoom, times (with a field of view) the ratio of the
        photo crop's width at the head to the width a camera with that field of view sees there."""
        if camera.fov is None:
            return camera.zoom
        crop_cm = self.subject.size / self.subject.fit.scale
        return camera.zoom * crop_cm / (2.0 * self._distance_cm(camera) * np.tan(np.radians(camera.fov) / 2.0))

    def _distance_cm(self, camera: Camera) -> float:
        """The viewer's distance [cm]: the camera's, or by default the photo's camera's (``Camera.distance_cm``)."""
        return camera.distance_cm(self.subject.camera_distance)

    def _apply_camera(self, p: np.ndarray, camera: Camera) -> np.ndarray:
        """Image-frame points (N, 3) seen from the viewer camera: rotated about the head centre, then
        re-projected with the perspective of a camera ``_distance_cm`` away (a point that comes
        nearer grows, one that goes away shrinks; at the photo's own view nothing moves)."""
        lin, off = self._camera_transform(camera)
        q = p @ lin.T + off
        dist = self._distance_cm(camera) * self.subject.fit.scale
        if dist > 0 and (camera.yaw or camera.pitch):
            c = self.scene.head_centre @ lin.T + off
            f = (dist + p[:, 2] - self.scene.head_centre[2]) / np.maximum(dist + q[:, 2] - c[2], 0.2 * dist)
            q[:, :2] = c[:2] + (q[:, :2] - c[:2]) * f[:, None]
        return q

    def project(self, expr_delta: np.ndarray, head: np.ndarray, camera: Camera = Camera()) -> np.ndarray:
        """(478, 3) image-space face vertices (x, y px; z px, smaller = nearer) for one frame, given the
        change of expression from the photo's own (``expr_delta``, see ``expr_delta``)."""
        x = self.subject.personal + np.tensordot(expr_delta, self.expr_basis, axes=1)
        x = lips_in_contact(x, self.lip_floor)
        rot = rotation(head[0], head[1], head[2])
        x = (x - self.pivot) @ rot.T + self.pivot + head[3:6].astype(np.float32)
        return self._apply_camera(self.subject.fit.to_image(x), camera)

    def _head(self, delta: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
        """(U, 3) image-space vertices of the drawn full head (``DrawnHead``)."""
        return self._head_points(self.drawn.model_vertices(delta), self.drawn.head_weight, head, camera)

    def _head_points(self, x: np.ndarray, weight: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
        """(N, 3) image-space points of the head's model-frame points ``x`` (N, 3): the neck blends from
        the head's pose to the torso's (``weight`` 1 = head, 0 = torso)."""
        rot = rotation(head[0], head[1], head[2])
        moved = (x - self.pivot) @ rot.T + self.pivot + head[3:6].astype(np.float32)
        w = weight[:, None]
        return self._apply_camera(self.subject.fit.to_image(x * (1 - w) + moved * w), camera)

    def _sheet(self, face_v: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
        """(N, 3) image-space sheet vertices: head part turns with the head, torso stays; then the camera."""
        rot = FLIP @ rotation(head[0], head[1], head[2]) @ FLIP
        shift = head[3:6] * np.array([1.0, -1.0, -1.0]) * self.subject.fit.scale
        moved = (self.sheet_rest - self.pivot_img) @ rot.T + self.pivot_img + shift
        w = self.scene.head_weight[:, None]
        sheet = self.sheet_rest * (1 - w) + moved * w
        if camera.pitch < 0 and self.has_back:
            # seen from above, the torso's back sinks by how far it lies behind the front times tan(pitch): it stays
            # behind the shoulders (over them it showed their top drawn flat in the clothes' colour, a pale box behind
            # each shoulder at 20 deg); turned sideways it still fills the body behind the neck
            sheet[:, 1] += self.scene.sheet_back_depth * np.float32(np.tan(np.radians(-camera.pitch)))
        sheet = self._apply_camera(sheet, camera)
        sheet[: self.n_oval] = face_v[self.oval]  # the sheet meets the face exactly at its outline
        return sheet

    def expr_delta(self, expr: np.ndarray) -> np.ndarray:
        """(52,) change from the photo's own expression that an absolute expression (52,) asks for."""
        return expr - self.subject.ref_expr

    # --- rendering ----------------------------------------------------------------------------
    def render(self, motion: Motion, path: CameraPath, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(B, S, S, 3) uint8: frames ``start .. stop - 1`` of a Motion seen along a CameraPath (Engine)."""
        stop = len(motion) if stop is None else stop
        n, size = max(stop - start, 0), self.subject.size
        if self._wide is None and not all(self._at_rest(path.at(t / motion.fps)) for t in range(start, stop)):
            self._wide_plates()  # (made once here, before the workers fork, not once in each)
        pool = self._frame_pool(n)
        if pool is not None:  # forked workers, each rendering whole frames (frame_pool.py)
            return pool.render(motion.expr[start:stop], motion.head[start:stop], motion.gaze[start:stop],
                               [path.at(t / motion.fps) for t in range(start, stop)])
        out = np.empty((n, size, size, 3), np.uint8)

        def one(i: int) -> None:
            t = start + i
            out[i] = self.render_frame(motion.expr[t], motion.head[t], path.at(t / motion.fps), motion.gaze[t])

        threads = self.config.render_threads or min(os.cpu_count() or 1, 4)
        for_each(one, n, threads)  # render_frame only reads the engine: a chunk's frames side by side
        return out

    def _frame_pool(self, n: int) -> FramePool | None:
        """The engine's worker processes (made at the first chunk worth them), or None: one core, no fork,
        ``render_processes`` = 1, or a chunk too short to share."""
        workers = self.config.render_processes or min(os.cpu_count() or 1, 4)
        if workers < 2 or n < 2 * workers or not fork_available():
            return None
        with self._pool_lock:
            if self._pool is None:
                # the wide plates made before the fork, not in each worker (a lock held by another thread at the fork
                # stays held in the workers: taken here, it is free when they fork)
                self._wide_plates()
                self._pool = FramePool(self, workers)
            return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any (they also stop when the engine is garbage-collected)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def render_frame(self, expr: np.ndarray, head: np.ndarray, camera: Camera = Camera(),
                     gaze: np.ndarray | None = None) -> np.ndarray:
        """One RGB frame (S, S, 3) uint8 for an absolute expression (52,) (``Motion.expr``; the photo's own
        is ``subject.ref_expr``), head pose (6,), a viewer camera and gaze (2,) [rad]."""
        delta = self.expr_delta(expr)
        r = self._rasterize(delta, head, camera)
        shade = self._expression_light(r, delta, camera)
        lids = self._lids_shut(delta)
        src_lids, whites = self._eyes(r, gaze, copy_src=max(lids) > 0)
        # (the (S, S, 2) map as it is: split into x and y views, OpenCV would copy each; same pixels, ~1.5 ms less)
        # the photo and its person matte in one remap (RGBA: ~0.9 ms less than two); the person continues past
        # the frame
        rgba = self._photo(r.src, camera)
        person = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
        alpha = rgba[..., 3].astype(np.float32) * np.float32(1 / 255)
        for eye, box, weight, light in whites:  # the white of the eye the photo's lids covered
            paint_sclera(person, box, weight, light, eye)
        person, alpha = self._fill_disocclusions(r, person, alpha, delta, head, camera)
        # nothing drawn: transparent; the face: opaque; a turned head: opaque too (its outline's see-through
        # photo pixels, the wall, only fit at rest)
        _settle_alpha(alpha, r.tri_id, len(self.face_tris), self.is_head[r.kept], np.float32(self._solid(head, camera)))
        if shade is not None:
            box, sh = shade
            _relight(person[box], sh)
        out = cv2.blendLinear(person, self._background(camera), alpha, 1.0 - alpha)
        antialias_depth_edges(out, r.depth, jump=self.config.edge_depth_jump * self.subject.size)
        emotion_appearance(out, r.v[:, :2], self.subject.ref_expr + delta, ref=self.subject.ref_expr)
        self._close_eyes(out, src_lids, r.v, lids, shade)
        self._draw_mouth(out, r.v, r.v0, delta, head, camera)
        return out

    def _photo(self, src: np.ndarray, camera: Camera) -> np.ndarray:
        """(S, S, 4) uint8: the photo and its person matte at each pixel's photo coordinates (``src``); once the
        camera turns, the person's edge pixels without the wall's share (``unmixed_rgba``), blended in over
        ``HeadConfig.outside_fill_deg`` of turn. The camera's turn only, not the head's: the head's own motion in a
        talking clip (a few degrees) leaves the shoulders' outline before the same wall, and blended in with it, that
        outline flickered with every nod."""
        t = 0.0
        if self.unmixed_rgba is not None:
            turn = max(abs(camera.yaw), abs(camera.pitch))
            t = min(turn / max(self.config.head.outside_fill_deg, 1e-6), 1.0)
        source = self.photo_rgba if t <= 0 else self.unmixed_rgba
        out = cv2.remap(source, src, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if 0 < t < 1:
            rest = cv2.remap(self.photo_rgba, src, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            out = cv2.addWeighted(out, float(t), rest, float(1 - t), 0.0)
        return out

    def _rasterize(self, delta: np.ndarray, head: np.ndarray, camera: Camera) -> _Raster:
        """Deform, pose and view the face and the sheet; z-buffer them; photo coordinates per pixel."""
        size = self.subject.size
        v = self.project(delta, head, camera)
        sheet = self._sheet(v, head, camera)
        xy = [v[:N_FACE, :2], sheet[:, :2]]
        # the sheet (hair, neck, body) never occludes the face: it is pushed behind it, keeping its own order
        z = [v[:N_FACE, 2], sheet[:, 2] + SHEET_BEHIND * size]
        if self.head is not None:  # the full head: behind the face, in front of the sheet
            hv = self._head(delta, head, camera)
            xy.append(hv[:, :2])
            z.append(hv[:, 2] + self.config.head.behind_cm * self.subject.fit.scale)
        xy = np.concatenate(xy).astype(np.float32)
        z = np.concatenate(z).astype(np.float32)
        faces, kept = self._front_facing(xy)
        tri_id, bary, depth = rasterize(xy, z, faces, size, size)
        src_all = self.src_all
        if self.edge_pull is not None:
            lo_d, hi_d = self.config.head.ring_fill_deg
            turned = float(np.clip((self._turn_deg(head, camera) - lo_d) / (hi_d - lo_d), 0.0, 1.0))
            if turned > 0:
                src_all = src_all.copy()
                src_all[:N_FACE] += np.float32(turned) * self.edge_pull
        src = interpolate(tri_id, bary, faces, src_all, fill=-1.0)
        v0 = self.project(np.zeros_like(delta), head, camera) if np.any(delta) else v  # the photo's expression
        return _Raster(v, v0, faces, kept, tri_id, bary, depth, src, xy)

    def _expression_light(self, r: _Raster, delta: np.ndarray, camera: Camera) -> tuple | None:
        """((rows, cols), (h, w, 2) [ratio, added grey levels]) over the face's box, or None where the
        expression changes no light (see ``_shading``)."""
        cfg, size = self.config, self.subject.size
        if not ((cfg.expression_shading > 0 or cfg.expression_specular > 0) and np.any(delta)):
            return None
        attrs = np.zeros((len(self.src_all), 2), np.float32)
        attrs[:, 0] = 1.0
        attrs[:N_FACE] = self._shading(r.v, r.v0, self.zoom(camera))
        attrs[N_FACE:N_FACE + self.n_oval] = attrs[self.oval]  # the sheet's copy of the outline
        # only inside the face's bounding box (everything else keeps ratio 1)
        x0, y0 = np.clip(np.floor(r.v[:N_FACE, :2].min(0)).astype(int) - 1, 0, size)
        x1, y1 = np.clip(np.ceil(r.v[:N_FACE, :2].max(0)).astype(int) + 2, 0, size)
        if not (x1 > x0 and y1 > y0):
            return None
        return (slice(y0, y1), slice(x0, x1)), interpolate(
            np.ascontiguousarray(r.tri_id[y0:y1, x0:x1]), np.ascontiguousarray(r.bary[y0:y1, x0:x1]),
            r.faces, attrs, fill=np.array([1.0, 0.0]))

    def _lids_shut(self, delta: np.ndarray) -> list[float]:
        """Per eye (``self.eyes``), how far the closed-eye texture shows (0 = open: nothing to blend)."""
        cfg = self.config
        shut = [float(self.subject.ref_expr[b] + delta[b]) for _, b in self.eyes]
        return [float(np.clip((x - cfg.lid_shut_start) / cfg.lid_shut_span, 0.0, 1.0)) for x in shut]

    def _eyes(self, r: _Raster, gaze: np.ndarray | None, copy_src: bool = True) -> tuple[np.ndarray | None, list]:
        """Rigid eyeballs: resample the inside of each lid opening (``r.src`` in place) with the eyeball's
        own map. Returns the lids' own photo coordinates (the closed-lid texture follows the lids, not the
        eyeball; None unless ``copy_src``: no lid is shut) and what ``paint_sclera`` needs for each eye."""
        if not self.config.rigid_eyes:
            if gaze is not None and np.any(gaze):
                self._shift_gaze(r.src, r.v, gaze)
            return r.src, []
        src_lids, whites = (r.src.copy() if copy_src else None), []
        shift = self._gaze_shift(gaze)
        for eye, fan in zip(self.photo_eyes, self.eye_fans):
            painted = resample_eye(r.src, r.v[list(eye.contour), :2], r.v0[list(eye.contour), :2], eye, shift,
                                   fan_pose=r.v0[self.face_tris[fan], :2], tri_id=r.tri_id, fan_ids=fan)
            if painted is not None:
                whites.append((eye, *painted))
        return src_lids, whites

    def _fill_disocclusions(self, r: _Raster, person: np.ndarray, alpha: np.ndarray, delta: np.ndarray,
                            head: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
        """Where the sheet is stretched (a gap opening as the view turns), show the person's own filled-in
        colours, opaque, instead of the see-through background of the photo. Measured on the expression-free
        geometry: an expression that pulls the face outline (brows lowered) stretches the sheet next to it
        without uncovering anything. With the full head: its never-seen surface, its grazing or background-seen
        surface once turned, and (turned) its pixels whose photo sample lies off the person's matte
        (``tri_wall``, ``HeadConfig.matte_fill``) show its completed colours."""
        size = self.subject.size
        xy_pose = r.xy
        if np.any(delta):
            parts = [r.v0[:N_FACE, :2], self._sheet(r.v0, head, camera)[:, :2]]
            if self.head is not None:  # only the vertices an expression moves differ from this frame's
                hv = r.xy[N_FACE + self.n_sheet:].copy()
                d = self.drawn
                hv[d.moving] = self._head_points(d.rest[d.moving], d.head_weight[d.moving], head, camera)[:, :2]
                parts.append(hv)
            xy_pose = np.concatenate(parts).astype(np.float32)
        stretch = np.empty(len(r.faces), np.float32)  # the largest edge ratio: anisotropic stretch counts
        _max_stretch(np.ascontiguousarray(xy_pose, np.float32), self.faces_all, r.kept, self.src_edges, stretch)
        lo, hi = self.config.disocclusion_stretch
        opened = np.clip((stretch - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)
        lo_f, hi_f = self.config.head.face_ring_stretch
        face_opened = np.clip((stretch - lo_f) / (hi_f - lo_f), 0.0, 1.0).astype(np.float32)
        opened[: len(self.face_tris)] = 0.0
        vopen = None  # (N_FACE,) how open each face vertex is (its outline ring), None: closed everywhere
        nft = len(self.face_tris)  # the face's triangles come first in r.faces (all kept)
        if self.head is not None:
            opened[self.always_filled[r.kept]] = 1.0
            # the face's outline ring: each vertex as open as its most stretched outline triangle (or, below the
            # brows, as the turn: there its edge pixels mix in the wall beside the jaw, which showed as pale
            # blotches from 15 deg; at the hair line they are the hair's own edge)
            ring = self.face_ring[:nft]
            ring_open = face_opened[:nft][ring]
            lo_d, hi_d = self.config.head.ring_fill_deg
            turned = np.float32(np.clip((self._turn_deg(head, camera) - lo_d) / (hi_d - lo_d), 0.0, 1.0))
            if turned > 0 or ring_open.max(initial=0.0) > 0:
                vopen = np.zeros(N_FACE, np.float32)
                np.maximum.at(vopen, r.faces[:nft][ring].ravel(), np.repeat(ring_open, 3))
                np.maximum(vopen, turned * self.ring_below_brows, out=vopen)
                vopen *= self.ring_weight
                np.maximum(vopen, turned * self.face_strands, out=vopen)
        need = opened > 0  # triangles that show any fill: only their neighbourhood is touched
        if vopen is not None:
            need[:nft] |= vopen[r.faces[:nft]].max(1) > 0
        solid = self._solid(head, camera)
        if self.head is not None:  # the head's never-seen surface always shows its completed texture
            need |= self.tri_unseen[r.kept] | (self.tri_outside[r.kept] & (solid > 0))
            if solid > 0 and self.tri_wall is not None:  # (and its pixels that sample the wall: below)
                need |= self.tri_wall[r.kept]
        if not need.any():
            return person, alpha
        sigma = max(size / 256.0, 0.5)
        pad = int(np.ceil(4 * sigma)) + 2  # the blur's reach (OpenCV's float kernel radius is 4 sigma)
        lo, hi = _bounds(r.xy, r.faces, need)  # of the triangles that can show fill
        x0, y0 = np.clip(np.floor(lo).astype(int) - pad, 0, size)
        x1, y1 = np.clip(np.ceil(hi).astype(int) + pad + 1, 0, size)
        if x1 <= x0 or y1 <= y0:
            return person, alpha
        tri, bary = r.tri_id[y0:y1, x0:x1], r.bary[y0:y1, x0:x1]  # views (the kernels take strided boxes)
        attrs = self.head_fill_attrs if self.head is not None else None
        open_px = fill_weight(tri, bary, r.faces, opened, attrs, solid, vopen)
        # a turned head's pixel whose photo sample lies off the person (the matte: the wall beside a neck wider than
        # the photo's, between the neck and a shoulder) shows the completed colour, not the wall's (``blend_fill``):
        # the renderer interpolates photo coordinates across a triangle, so even between trusted vertices a grazing
        # triangle sampled the wall (pale patches down a turned neck's far side, London 005 and 061 at 45 deg)
        wall = self.tri_wall[r.kept] if self.head is not None and self.tri_wall is not None and solid > 0 else None
        if open_px.max() <= 0 and wall is None:
            return person, alpha
        # the box reaches past the blur's support of anything non-zero (or ends at the frame's border):
        # blurring it alone gives what blurring the whole frame would
        open_px = cv2.GaussianBlur(open_px, (0, 0), sigma)
        on_head = self.vertex_filled[r.kept] if self.head is not None else None
        strands, amp, sharp = None, 0.0, 0.0
        if self.head is not None:  # the completed hair's strands fade in as the turn uncovers it (at the photo's
            # view the fill is a thin outline beside the photo's own strands: not worth the per-pixel texture) ...
            lo_s, hi_s = self.config.head.strands_turn_deg
            turned = float(np.clip((self._turn_deg(head, camera) - lo_s) / (hi_s - lo_s), 0.0, 1.0))
            if turned > 0:
                strands, amp = strand_texture(self.head_tex.hair_straightness), turned * self.head_tex.hair_contrast
                # ... and so does the hair's sharp edge (1: the vertices' blend, the photo's view as it was)
                if self.head_tex.hair_edge is not None:
                    sharp = 1.0 + turned * (self.config.head.hair_edge_sharpness - 1.0)
        blend_fill(person, alpha, open_px, r.src, tri, bary, r.faces, attrs, on_head, self.scene.filled, y0, x0,
                   strands, amp, self.neck_image if self.head is not None else None, wall, solid, sharp)
        return person, alpha

    def _solid(self, head: np.ndarray, camera: Camera) -> np.float32:
        """0 at the photo's view .. 1 from ``HeadConfig.outside_fill_deg`` of turn (head pose + camera): how
        much the full head shows completed colours instead of what the photo saw only at a grazing angle or
        as background, and how opaque it is. 0 without the full head."""
        if self.head is None:
            return np.float32(0.0)
        return np.float32(min(self._turn_deg(head, camera) / self.config.head.outside_fill_deg, 1.0))

    @staticmethod
    def _turn_deg(head: np.ndarray, camera: Camera) -> float:
        """How far (degrees, the larger of yaw and pitch) head pose and camera together turn from the photo's view."""
        return float(np.degrees(max(abs(np.radians(camera.yaw) + head[0]), abs(np.radians(camera.pitch) + head[1]))))

    def _vertex_normals(self, v: np.ndarray, zoom: float = 1.0) -> np.ndarray:
        """(N_FACE, 3) unit normals of the face mesh in the image frame (towards the viewer: -z). The
        zoom (which scales x, y but not z) is taken out, so zooming does not flatten the surface."""
        out = np.empty((N_FACE, 3))
        _vertex_normals(np.ascontiguousarray(v[:N_FACE], np.float64), self.face_tris, 1.0 / zoom, self.normal_sign, out)
        return out

    def _shading(self, v: np.ndarray, v_rest: np.ndarray, zoom: float = 1.0) -> np.ndarray:
        """(N_FACE, 2): [0] light on this frame's surface over light on the photo's surface, for a soft
        key light above the viewer camera (Lambert + ambient): a raised cheek catches more light, a
        lowered brow shades the eye, a wrinkled nose darkens its sides; [1] the grey levels the skin
        highlight of that light gains or loses (Blinn-Phong, added). 1 and 0 where nothing moves; faded
        out at the face outline (the sheet continues it unshaded) and at the inner lips (their vertices
        have triangles on one side only, so their normals swing with every syllable)."""
        cfg = self.config
        light = np.array(cfg.key_light, np.float64)
        light /= np.linalg.norm(light)
        half = light + np.array([0.0, 0.0, -1.0])  # towards the viewer
        half /= np.linalg.norm(half)
        ambient = cfg.shading_ambient
        normals = [self._vertex_normals(x, zoom) for x in (v, v_rest)]
        lit = [ambient + (1 - ambient) * np.clip(n @ light, 0, 1) for n in normals]
        ratio = 1.0 + self.config.expression_shading * self.shading_weight * (lit[0] / lit[1] - 1.0)
        out = np.empty((N_FACE, 2), np.float32)
        out[:, 0] = np.clip(ratio, *cfg.shading_ratio_range)
        out[:, 1] = 0.0
        if self.config.expression_specular > 0:
            spec = [np.clip(n @ half, 0, 1) ** cfg.specular_exponent for n in normals]
            out[:, 1] = self.config.expression_specular * self.highlight_weight * (spec[0] - spec[1])
        return out

    def _front_facing(self, xy: np.ndarray) -> np.ndarray:
        """All face triangles and the torso's back (``never_culled``) + the sheet and head triangles that still face
        the camera (a sheet triangle whose winding flipped has turned its back: it is culled, and what lies behind it
        shows)."""
        keep = np.empty(len(self.faces_all), np.bool_)
        _facing(np.ascontiguousarray(xy, np.float32), self.faces_all, self.src_sign, self.never_culled, keep)
        return self.faces_all[keep], keep

    def _at_rest(self, camera: Camera) -> bool:
        """The photo's own view: not turned, not zoomed (its distance makes no difference there)."""
        return camera.yaw == 0 and camera.pitch == 0 and camera.roll == 0 and self.zoom(camera) == 1

    def _background(self, camera: Camera) -> np.ndarray:
        """The background plate seen by a camera (read-only: the last few are kept, a still camera's frames
        share one)."""
        if self._at_rest(camera):
            return self.rest_plate
        cached = self._plates.get(camera)
        if cached is not None:
            return cached
        turn = max(abs(camera.yaw), abs(camera.pitch)) / max(self.config.plate_photo_deg, 1e-6)
        rest, fill, offset = self._wide_plates()
        plate = self._warp_background(camera, fill, offset)
        if turn < 1.0:  # (the photo's wall turns into the fill; blended as seen, not the wide plates)
            plate = cv2.addWeighted(self._warp_background(camera, rest, offset), 1.0 - turn, plate, turn, 0.0)
        plate.flags.writeable = False
        if len(self._plates) >= 8:
            self._plates.clear()
        self._plates[camera] = plate
        return plate

    def _plate_matrix(self, camera: Camera) -> np.ndarray:
        """(2, 3) affine map from the plate (the photo's frame) to the viewer camera's (a plane ``background_z``
        deep)."""
        lin, off = self._camera_transform(camera)
        z = self.scene.background_z
        return np.array([[lin[0, 0], lin[0, 1], lin[0, 2] * z + off[0]],
                         [lin[1, 0], lin[1, 1], lin[1, 2] * z + off[1]]], np.float32)

    def _warp_background(self, camera: Camera, source: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
        """``source`` (the plate, its frame at ``offset`` = (x, y) in it) as the viewer camera sees it (turned at most
        ``plate_max_deg``)."""
        most = self.config.plate_max_deg
        m = self._plate_matrix(replace(camera, yaw=float(np.clip(camera.yaw, -most, most)),
                                       pitch=float(np.clip(camera.pitch, -most, most))))
        m[:, 2] -= m[:, :2] @ np.array(offset, np.float32)
        return cv2.warpAffine(source, m, (self.subject.size,) * 2, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101)

    def _wide_plates(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        """The background plates (at the photo's view, filled) continued past the photo's borders as far as a
        camera turned by ``MeshEngineConfig.wide_plate_deg`` (yaw, pitch) sees, and where the photo's frame
        lies in them (x, y): made at the first turned view (~0.1-0.3 s), then kept. Mirrored at the border
        instead, as before, a turned view showed the wall twice: Obama's curtains as a mirror-image pattern,
        a GRID speaker's lit corner as a pale arch on each side."""
        if self._wide is not None:
            return self._wide
        with self._wide_lock:  # (not the pool's: the workers fork holding that one)
            if self._wide is None:
                size = self.subject.size
                yaw, pitch = self.config.wide_plate_deg
                corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float32)
                lo, hi = np.zeros(2, np.float32), np.full(2, size, np.float32)
                for y in (-yaw, 0.0, yaw):
                    for p in (-pitch, 0.0, pitch):
                        at = corners @ cv2.invertAffineTransform(self._plate_matrix(Camera(yaw=y, pitch=p))).T
                        lo, hi = np.minimum(lo, at.min(0)), np.maximum(hi, at.max(0))
                cap = self.config.wide_plate_max * size
                left, top = (int(v) for v in np.clip(np.ceil(-lo) + 2, 0, cap))
                right, bottom = (int(v) for v in np.clip(np.ceil(hi - size) + 2, 0, cap))
                # (without the lines along the photo's edges: a turned view sees the wall run on past them)
                plain = drop_edge_lines(self.scene.background, max(2, size // 100))
                fill = outpaint(plain, (top, bottom, left, right), self.config.portrait, self.config.wide_plate_px)
                rest = fill.copy()
                rest[top:top + size, left:left + size] = self.rest_plate
                for a in (rest, fill):
                    a.flags.writeable = False
                self._wide = (rest, fill, (left, top))
        return self._wide

    def _gaze_shift(self, gaze: np.ndarray | None) -> tuple[float, float]:
        """(dx, dy) output px the iris moves for a gaze (2,) [rad] (> 0 = image right / up)."""
        if gaze is None:
            return 0.0, 0.0
        shift = self.config.eyeball_radius_cm * self.subject.fit.scale * np.sin(np.clip(gaze, -0.5, 0.5))
        return float(shift[0]), float(-shift[1])

    def _shift_gaze(self, src: np.ndarray, v: np.ndarray, gaze: np.ndarray) -> None:
        """Move the iris inside each eye opening by resampling the eye interior (src coords) with an offset
        (the lids' warp stretches the eyeball: ``MeshEngineConfig.rigid_eyes`` off)."""
        size = src.shape[0]
        dx, dy = self._gaze_shift(gaze)
        for contour, _ in self.eyes:
            poly = v[contour, :2]
            x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 2, 0)
            x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 3, size)
            if x1 <= x0 or y1 <= y0:
                continue
            mask = np.zeros((y1 - y0, x1 - x0), np.float32)
            cv2.fillPoly(mask, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
            width = float(np.ptp(poly[:, 0]))
            mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
            mask = cv2.GaussianBlur(mask, (0, 0), max(width * 0.06, 0.7))
            src[y0:y1, x0:x1, 0] -= dx * mask
            src[y0:y1, x0:x1, 1] -= dy * mask

    def _close_eyes(self, out: np.ndarray, src: np.ndarray | None, v: np.ndarray, lids: list[float],
                    shade: tuple | None = None) -> None:
        """Blend in the closed-eye texture (same warp, same expression shading) as a blink or squint
        shuts each eye (``lids``: ``_lids_shut``)."""
        size = out.shape[0]
        for (contour, _), w in zip(self.eyes, lids):
            if w <= 0:
                continue
            poly = v[contour, :2]
            pad = 0.6 * float(np.ptp(poly[:, 0]))
            x0, y0 = np.maximum(np.floor(poly.min(0) - pad).astype(int), 0)
            x1, y1 = np.minimum(np.ceil(poly.max(0) + pad).astype(int), size)
            if x1 <= x0 or y1 <= y0:
                continue
            mask = np.zeros((y1 - y0, x1 - x0), np.float32)
            centre = poly.mean(0)
            grown = centre + (poly - centre) * np.array([1.3, 3.2]) + np.array([0.0, -0.1 * pad])
            cv2.fillPoly(mask, [np.round((grown - [x0, y0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
            mask = cv2.GaussianBlur(mask, (0, 0), max(pad * 0.15, 1.0)) * w
            patch = cv2.remap(self.closed_eyes, np.ascontiguousarray(src[y0:y1, x0:x1]), None, cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101).astype(np.float32)
            if shade is not None:
                (sy, sx), sh = shade
                full = np.zeros((size, size, 2), np.float32)
                full[..., 0] = 1.0
                full[sy, sx] = sh
                patch = np.clip(patch * full[y0:y1, x0:x1, :1] + full[y0:y1, x0:x1, 1:], 0, 255)
            region = out[y0:y1, x0:x1].astype(np.float32)
            out[y0:y1, x0:x1] = (region * (1 - mask[..., None]) + patch * mask[..., None]).astype(np.uint8)

    def _draw_mouth(self, out: np.ndarray, v: np.ndarray, rest: np.ndarray, delta: np.ndarray, head: np.ndarray,
                    camera: Camera) -> None:
        """``v``: this frame's projected face, ``rest``: the photo's expression in the same pose and view."""
        lip = v[self.lip_poly, :2]
        gap = v[list(INNER_LIP_LOWER), 1] - v[list(INNER_LIP_UPPER), 1]
        if gap.max() <= 0.5:  # lips together (an open-mouthed photo's too, once closed): no mouth to paint; the
            return  # anti-aliased fill of a flat polygon would draw a line of teeth and cavity between the lips
        # the upper teeth are skull-fixed: where ``rest`` has them
        jaw_only = np.zeros_like(delta)
        jaw_only[self.jaw_idx] = delta[self.jaw_idx]
        jaw = self.project(jaw_only, head, camera) if np.any(jaw_only) else rest
        t = v[self.mouth_tris, :2]
        a, b = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        front = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]) * self.mouth_sign > 0
        draw_mouth(out, lip, rest[list(INNER_LIP_UPPER), :2], jaw[list(INNER_LIP_LOWER), :2], self.palette,
                   visible=None if front.all() else t[front])
