"""Texture completion of the full head (head_mesh.py), per vertex: what the photo did not see.

    tex = complete_head_texture(subject, head, rest_img, config)

* seen: a vertex that is the nearest surface at its own pixel in the photo and faces the camera
  there; the renderer samples the photo at its projection (exact at the photo's view).
* never seen (far side of the skull, behind the ears, the back of the neck): ``fill`` colours. First the
  mirrored vertex's photo colour, scaled by the colour ratio between the two sides (the light differs); the
  side of the face (in front of the ears, the ears, below the hair line) the face edge's own skin beside it;
  then the colours of the seen surface continued over the mesh (a Laplace solve: the skin's tone down
  the neck and round the jaw, the hair's over the skull), shaded by a soft light fixed to the head so
  ears and the jaw keep their relief. Grazing surfaces that the photo saw squeezed are blended towards
  the fill by the renderer as they are stretched open (``MeshEngine._fill_disocclusions``).
* for the decimated surface the renderer draws: each drawn vertex the mean of the full surface it stands
  for, the neck below the jaw smoothed round it (a collar's edge runs round the neck); clothes the photo saw
  front-on on the neck keep its pixels when turned, ears the photo saw as wall become skin; the completed
  hair's strands (``hair_strands.py``) get their weight, depth and kind (streaks or clumps) here.
* the neck below the jaw (its sides and back) is drawn per pixel from a texture wrapped round it
  (``neck_texture.py``): the full surface's colours, the photo's where it saw the neck, the clothes' line round
  the back a texel sharp and the clothes under it as the photo shows them at that height.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.sparse.linalg import spsolve
from scipy.spatial import cKDTree

from tritalk.face.model import FACE_OVAL
from tritalk.face.subject import Subject
from tritalk.render.head_mesh import HeadMesh, HeadModel, below_jaw_line, ear_region, visible_at_rest
from tritalk.render.mesh_config import HeadConfig
from tritalk.render.neck_texture import NeckTexture, build_neck_texture


N_FACE_LANDMARKS = 468  # the face mesh's own (without the irises)
CHEEKS = (50, 101, 205, 280, 330, 425)  # MediaPipe landmarks on both cheeks: the skin's own colour


@dataclass(frozen=True)
class HeadTexture:
    src: np.ndarray  # (V, 2) float32 photo coordinates of each vertex at rest
    unseen: np.ndarray  # (V,) float32 1 = the photo never saw it (always drawn with ``fill``)
    outside: np.ndarray  # (V,) float32 1 = seen, but only at a grazing angle or as background (the model's
    # skull pokes out of the person's silhouette): the photo at the photo's view, ``fill`` once the view turns
    fill: np.ndarray  # (V, 3) float32 RGB completed colour
    neck: NeckTexture | None  # the neck below the jaw per pixel (neck_texture.py; None: no neck to draw)
    clothes_line: np.ndarray  # (V,) float32 [cm] height over the clothes' line round the never-seen neck (~1e4: none)
    hair: np.ndarray  # (V,) float32 1 = the completion is hair (its strands are drawn: hair_strands.py)
    hair_contrast: float  # the photo's hair: fine grey-level change over brightness (the strands' depth)
    hair_straightness: float  # 0 = curls or a crop (clumps) .. 1 = straight (streaks): its orientations agree
    hairy: bool = True  # the scalp is completed as hair (False: a bald head, its skin continued)
    # (V, 4) float32 the hair's edge drawn sharp per pixel: [hair's colour - the rest's (3), hair's share (1)];
    # None: off (``HeadConfig.hair_edge_sharpness`` 0, no hair, or nothing but hair)
    hair_edge: np.ndarray | None = None


def _sample(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    m = np.ascontiguousarray(xy.reshape(-1, 1, 2), np.float32)
    out = cv2.remap(image, m[..., 0], m[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(len(xy), -1).astype(np.float32)


def not_skin(colour: np.ndarray, skin: np.ndarray, config: HeadConfig) -> np.ndarray:
    """(V,) bool: colours (V, 3) that are not the skin's (3,): another chromaticity (L1 of r, g, b / sum)
    or a brightness ratio outside ``config.neck_skin_brightness``."""
    chroma = np.abs(colour / np.maximum(colour.sum(1, keepdims=True), 1.0) - skin / max(skin.sum(), 1.0)).sum(1)
    ratio = colour.mean(1) / max(skin.mean(), 1.0)
    lo, hi = config.neck_skin_brightness
    return (chroma > config.neck_skin_chroma) | (ratio < lo) | (ratio > hi)


def _laplace_fill(tris: np.ndarray, values: np.ndarray, known: np.ndarray, eps: float) -> np.ndarray:
    """(V, C): ``values`` on ``known`` vertices, harmonic (mesh-graph Laplace) in between; ``eps`` pulls
    parts with no known vertex towards the known mean."""
    n = len(values)
    i = np.concatenate([tris[:, 0], tris[:, 1], tris[:, 2], tris[:, 1], tris[:, 2], tris[:, 0]])
    j = np.concatenate([tris[:, 1], tris[:, 2], tris[:, 0], tris[:, 0], tris[:, 1], tris[:, 2]])
    adj = sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    adj.data[:] = 1.0
    deg = np.asarray(adj.sum(1)).ravel()
    u = np.flatnonzero(~known)
    k = np.flatnonzero(known)
    out = values.astype(np.float64).copy()
    if len(u) == 0 or len(k) == 0:
        return out.astype(np.float32)
    mean = values[k].mean(0)
    a = (sparse.diags(deg[u] + eps) - adj[u][:, u]).tocsc()
    rhs = adj[u][:, k] @ values[k] + eps * mean[None, :]
    out[u] = spsolve(a, rhs).reshape(len(u), -1)
    return out.astype(np.float32)


def _lod_average(values: np.ndarray, rest: np.ndarray, full_tris: np.ndarray, drawn_tris: np.ndarray) -> np.ndarray:
    """(V, C): ``values`` of the full surface, each drawn vertex (of ``drawn_tris``, the decimated surface)
    replaced by the mean over the full surface's vertices nearest to it along the mesh (its own patch).
    The renderer interpolates the drawn vertices' colours over their triangles, a few centimetres wide on
    the neck and skull: one vertex's colour alone (a highlight of a helmet ring, a gap between strands)
    became a light or dark spike the size of a triangle; the patch mean is what the decimated surface can
    show of the colours under it. Where nothing was decimated (the face's surroundings) a patch is its
    vertex."""
    n = len(values)
    e = np.concatenate([full_tris[:, [0, 1]], full_tris[:, [1, 2]], full_tris[:, [2, 0]]])
    length = np.linalg.norm(rest[e[:, 0]] - rest[e[:, 1]], axis=1) + 1e-6
    graph = sparse.csr_matrix((length, (e[:, 0], e[:, 1])), shape=(n, n))
    drawn = np.unique(drawn_tris)
    _, _, owner = dijkstra(graph, directed=False, indices=drawn, min_only=True, return_predecessors=True)
    ok = owner >= 0
    total = np.zeros((n, values.shape[1]), np.float64)
    count = np.zeros(n, np.float64)
    np.add.at(total, owner[ok], values[ok])
    np.add.at(count, owner[ok], 1.0)
    out = values.astype(np.float32).copy()
    out[drawn] = (total[drawn] / np.maximum(count[drawn], 1.0)[:, None]).astype(np.float32)
    return out


def _neck_bands(fill: np.ndarray, subject: Subject, head: HeadMesh, facing: np.ndarray, config: HeadConfig) -> np.ndarray:
    """(V, 3): ``fill`` with the drawn neck below the jaw line (chin to the jaw's angles, faded in over
    ``neck_band_fade_cm``) smoothed round the neck much more than up and down (``neck_band_cm``: height,
    round). The decimated neck's vertices do not lie in rows: a collar's edge fell between vertices of one
    height, some completed as skin from the jaw above, some the photo's dark collar, and the turned neck
    showed light teeth a triangle high in the collar. Banded, the collar's edge runs round the neck. What the
    photo saw front-on (``front_on_facing``: cosine to its view) keeps its own colours: a tie stays a tie."""
    drawn = np.unique(head.triangles)
    below = below_jaw_line(subject.personal, head.rest[drawn])
    lo, hi = config.front_on_facing
    m = np.clip(below / config.neck_band_fade_cm, 0.0, 1.0) * np.clip((hi - facing[drawn]) / (hi - lo), 0.0, 1.0)
    sel = np.flatnonzero(m > 0)
    if len(sel) < 3:
        return fill
    q = head.rest[drawn[sel]]
    sy, sr = config.neck_band_cm
    dy = (q[:, None, 1] - q[None, :, 1]) / sy
    dr = np.hypot(q[:, None, 0] - q[None, :, 0], q[:, None, 2] - q[None, :, 2]) / sr
    w = np.exp(-0.5 * (dy * dy + dr * dr)) * m[sel][None, :]
    smooth = (w @ fill[drawn[sel]]) / w.sum(1, keepdims=True)
    out = fill.copy()
    out[drawn[sel]] = (1 - m[sel, None]) * fill[drawn[sel]] + m[sel, None] * smooth
    return out


def _collar_fill(subject: Subject, head: HeadMesh, tris: np.ndarray, values: np.ndarray, known: np.ndarray,
                 covered: np.ndarray, never: np.ndarray, facing: np.ndarray,
                 config: HeadConfig, hair: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """(mask, line, skin): ``mask`` (V,) bool the neck under the jaw line that the photo never shows (``never``),
    its ``values`` set in place: skin above the clothes' line, the clothes below it; ``line`` the line's height [cm]
    (-1e4: none; the neck's texture draws it sharp: neck_texture.py) and ``skin`` (V, 3) the skin's colours there
    (continued from the seen skin only, not from ``hair`` (V,) bool: the completed and the photo's hair on the
    skull). The line's height is the one that best parts the skin above from the clothes
    below on the sides of the neck the photo saw (``collar_side_facing``), the mean of the two sides round the back, at
    least ``collar_below_chin_cm`` under the chin. Continued harmonically from skin and clothes together, the back of
    a turned neck was a long fade from the jaw's skin into the shirt, a pale ghost of a neck (London 005's and 025's
    white tops; Obama's collar and suit)."""
    below = below_jaw_line(subject.personal, head.rest)
    neck = below > 0
    unseen = neck & ~known & never
    none = (np.zeros(len(known), bool), -1e4, values.copy())  # (no line)
    if not unseen.any():
        return none
    clothes = known & covered & neck
    skin = known & ~covered & neck
    lines = []
    for side in (head.rest[:, 0] < 0, head.rest[:, 0] >= 0):
        at = side & (facing < config.collar_side_facing)
        ys, yc = head.rest[at & skin, 1], head.rest[at & clothes, 1]
        if len(ys) + len(yc) < 10:
            continue
        cand = np.unique(np.concatenate([ys, yc]))
        # misclassified: skin under the line, clothes over it
        wrong = (ys[None, :] < cand[:, None]).sum(1) + (yc[None, :] >= cand[:, None]).sum(1)
        lines.append(float(cand[np.argmin(wrong)]))
    if not lines or not clothes.any():
        return none
    # (never above ``collar_below_chin_cm`` under the chin: a high collar at the neck's sides, a dress shirt's, still
    # leaves the skin of the neck's back bare above it; taken from the sides, Obama's neck was a grey-blue band)
    # (level round the back: a shirt's neckline is as high behind the neck as at its sides, or a little lower; only the
    # front dips. The model's trapezius, reaching down from the neck's back to the shoulders, is under it: clothes)
    line = min(float(np.mean(lines)), float(subject.personal[152, 1]) - config.collar_below_chin_cm)
    # (the skin over the line continues the seen skin, not the hair: under a bob ending at the jaw, or short hair at
    # the nape, continued from the hair too, the turned neck was a hair-tinted khaki between the hair and the collar)
    upper = _laplace_fill(tris, values, known & ~clothes & ~hair, eps=1e-3)
    lower = _laplace_fill(tris, values, clothes, eps=1e-3)
    # (the decimated surface's vertices: level, soft over ``collar_soft_cm``; the neck's texture draws the line)
    w = np.clip((head.rest[unseen, 1] - line) / config.collar_soft_cm + 0.5, 0.0, 1.0)[:, None]
    values[unseen] = w * upper[unseen] + (1 - w) * lower[unseen]
    return unseen, line, upper


def _hair_edge(tris: np.ndarray, values: np.ndarray, sources: np.ndarray, hair: np.ndarray, drawn,
               subject: Subject, head: HeadMesh, facing: np.ndarray, config: HeadConfig) -> np.ndarray | None:
    """(V, 4) float32 [hair's colour - the rest's (3), hair's share (1)] for the fill to draw the hair's edge sharp
    (``disocclusion.blend_fill``), or None. The completed colours (``values`` on ``sources`` (V,) bool, harmonic in
    between) blend the hair (``hair`` (V,) bool) into the skin beside it over the vertices between them, a few
    centimetres on the skull's sparse vertices: the temples and the nape of a turned head were a blur of hair into skin
    in the shape of the triangles. Here the hair's colours and the rest's are each continued over the whole surface
    (harmonic) and the hair's share (1 on the hair, 0 on the other sources, harmonic in between) is kept; per pixel the
    fill moves from the blend to the one whose share is over a half, within ``1 / hair_edge_sharpness`` of the share
    (``drawn``: the decimated surface's averaging, the neck's banding and the relief, as for the fill; the share is
    averaged and banded alike)."""
    on_hair = sources & hair
    if config.hair_edge_sharpness <= 0 or not on_hair.any() or not (sources & ~on_hair).any():
        return None
    share = _laplace_fill(tris, on_hair.astype(np.float32)[:, None], sources, eps=1e-3)
    # (averaged and banded round the neck as the colours are)
    share = _neck_bands(_lod_average(share, head.rest, tris, head.triangles), subject, head, facing, config)
    hair_c = drawn(_laplace_fill(tris, values, on_hair, eps=1e-3))
    rest_c = drawn(_laplace_fill(tris, values, sources & ~on_hair, eps=1e-3))
    return np.concatenate([hair_c - rest_c, np.clip(share, 0.0, 1.0)], 1).astype(np.float32)


def _orientation_coherence(image: np.ndarray, xy: np.ndarray) -> float:
    """Coherence (0..1) of the image's gradient orientations at the points ``xy`` (N, 2), from the structure
    tensor over 3 px per 512 px of frame, weighted by gradient energy: straight hair's strands run one way
    (~0.85 on sleek hair), curls and short crops every way (~0.4-0.55)."""
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    sigma = 3.0 * image.shape[0] / 512.0
    j = [cv2.GaussianBlur(a, (0, 0), sigma) for a in (gx * gx, gy * gy, gx * gy)]
    t = _sample(np.dstack(j), xy.astype(np.float32))
    trace = t[:, 0] + t[:, 1]
    spread = np.sqrt((t[:, 0] - t[:, 1]) ** 2 + 4 * t[:, 2] ** 2)
    return float(spread.sum() / max(float(trace.sum()), 1e-6))


def _fine_texture(image: np.ndarray, xy: np.ndarray) -> float:
    """Mean grey-level change of ``image`` off its blur of 1.5 px per 256 px of frame, at the points ``xy``
    (N, 2): hair's strands against a bald scalp's smooth shine (``HeadConfig.hair_strands``)."""
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    fine = np.abs(g - cv2.GaussianBlur(g, (0, 0), 1.5 * image.shape[0] / 256.0))
    return float(_sample(fine[..., None], xy.astype(np.float32)).mean())


def _behind_jaw(subject: Subject, head: HeadMesh, rest_img: np.ndarray, band: float) -> np.ndarray:
    """(V,) bool: head vertices below the eyes whose photo position lies inside the photo's face outline or
    within ``band`` px outside it. There the photo shows the person's own cheek and jaw (their edge, lit),
    which hide the neck and the side of the head behind them; the model's jaw is not the person's, so the
    visibility test at rest calls those vertices seen, and a turn showed the jaw's pale edge as patches
    down the side of the neck. They keep the photo at the photo's view (then ``outside``: completed once
    the view turns) and are no source for the completion."""
    oval = subject.observation.landmarks[list(FACE_OVAL), :2].astype(np.float32)
    eyes = float(subject.personal[[33, 263], 1].mean())
    low = np.flatnonzero(head.rest[:, 1] < eyes)
    out = np.zeros(len(head.rest), bool)
    out[low] = [cv2.pointPolygonTest(oval, (float(x), float(y)), True) > -band for x, y in rest_img[low, :2]]
    return out


def _hair_level(up: np.ndarray, seen_hair: np.ndarray, colour: np.ndarray, median: float,
                config: HeadConfig) -> np.ndarray:
    """(V,): the hair's brightness over its median (``median``) for each vertex, from the photo's seen hair
    (``seen_hair``) whose normals point as far up as the vertex's (``up``: the normals' y; a Gaussian of
    ``hair_light_sigma``). A portrait's light comes from above: a crown can be a sheen twice as bright as
    the hair beside the temples (London 042: 135 vs 51 grey levels; on six dev portraits the hair facing
    sideways is 0.35-0.95 of the crown's), and the never-seen back and sides of the head face sideways. Levels with
    fewer than ``hair_light_count`` seen samples that near are interpolated between those with as many (beyond
    them, the nearest); without as many on the crown (normals' y >= 0.7: the median is the crown's) all 1 (on
    London 107 only the dark hair in the shadow at the head's outline differs from her skin: the whole scalp
    turned dark brown)."""
    u = up[seen_hair]
    b = colour[seen_hair].mean(1)
    if len(u) == 0:
        return np.ones(len(up), np.float32)
    levels = np.linspace(-1.0, 1.0, 41)
    w = np.exp(-0.5 * ((levels[:, None] - u[None, :]) / config.hair_light_sigma) ** 2)
    count = w.sum(1)
    mean = (w @ b) / np.maximum(count, 1e-6)
    ok = count >= config.hair_light_count
    if not ok[levels >= 0.7].any():  # no crown to measure it against (the median is the crown's): as it is
        return np.ones(len(up), np.float32)
    curve = np.clip(mean[ok] / max(median, 1.0), *config.hair_light_range)
    return np.interp(up, levels[ok], curve).astype(np.float32)  # (the nearest such level's beyond them)


def _wall_share(colour: np.ndarray, skin: np.ndarray, wall: np.ndarray) -> np.ndarray:
    """(V,): how far each colour (V, 3) lies from the skin's (3,) towards the wall's behind it (V, 3), projected
    on the line between them (0 = skin, 1 = the wall; a pixel at the ear's rim mixes the two)."""
    d = wall - skin
    return ((colour - skin) * d).sum(1) / np.maximum((d * d).sum(1), 100.0)


def _hollowness(points: np.ndarray, normals: np.ndarray, where: np.ndarray, radius: float) -> np.ndarray:
    """(N,) for the points (V, 3) selected by ``where`` (V,): 0 (flat or convex) .. 1 how far the surface within
    ``radius`` rises above each along its normal (``normals`` (V, 3)), its mean offset over ``radius`` / 2: the
    bottom of a bowl or a groove is shaded by the surface round it."""
    tree = cKDTree(points)
    at = np.flatnonzero(where)
    out = np.zeros(len(at), np.float32)
    for k, near in enumerate(tree.query_ball_point(points[at], radius)):
        rise = (points[near] - points[at[k]]) @ normals[at[k]]
        out[k] = np.clip(rise.mean() / (0.5 * radius), 0.0, 1.0)
    return out


def _hair_line(subject: Subject, head: HeadMesh, config: HeadConfig) -> np.ndarray:
    """(V,) the height (model frame, cm) above which a never-seen vertex is scalp: ``hair_from_cm`` over the brows
    (the ears' tops) in front of the ears' back edge, falling behind them over ``nape_fall_cm`` to ``nape_cm`` over
    the jaw's angle (the nape)."""
    p = subject.personal
    high = float(p[[105, 334], 1].mean()) + config.hair_from_cm
    low = min(float(p[[58, 288], 1].mean()) + config.nape_cm, high)
    start = float(p[[234, 454], 2].mean()) - config.nape_behind_cm
    fall = np.clip((start - head.rest[:, 2]) / max(config.nape_fall_cm, 1e-3), 0.0, 1.0)
    return (high - (high - low) * fall).astype(np.float32)


def _face_side(subject: Subject, head: HeadMesh, config: HeadConfig) -> np.ndarray:
    """(V,) bool: the head's skin beside the face: ``side_skin_gap_cm`` below the hair line (``hair_from_cm``
    over the brows; between the two the completion blends hair into skin),
    above ``side_skin_below_cm`` under the jaw's angle, and in front of ``side_skin_back_cm`` behind the face
    outline's widest points (the ears included)."""
    p = subject.personal
    brow = float(p[[105, 334], 1].mean())
    jaw = float(p[[58, 288], 1].mean())
    back = float(p[[234, 454], 2].mean())
    y, z = head.rest[:, 1], head.rest[:, 2]
    top = brow + config.hair_from_cm - config.side_skin_gap_cm
    return (y < top) & (y > jaw - config.side_skin_below_cm) & (z > back - config.side_skin_back_cm)


def _ears(subject: Subject, head: HeadMesh, config: HeadConfig) -> np.ndarray:
    """(V,) bool: the ears' region (``head_mesh.ear_region``)."""
    return ear_region(subject, head.rest, config)


def skin_only(colour: np.ndarray, xy: np.ndarray, skin: np.ndarray, config: HeadConfig) -> np.ndarray:
    """(N, 3): ``colour`` (N, 3) sampled at points ``xy`` (N, 2), where it is not the skin's (``skin`` (3,): the
    cheeks'; ``not_skin``) the inverse-distance mean of the three nearest that are (strands of hair hanging
    over the face's edge); the cheeks' when fewer than three are skin."""
    ok = ~not_skin(colour, skin, config)
    if ok.all():
        return colour
    out = colour.copy()
    if ok.sum() < 3:  # (hair all round the outline: the cheeks' colour)
        out[~ok] = skin
        return out
    dist, idx = cKDTree(xy[ok]).query(xy[~ok], k=3)
    w = 1.0 / np.maximum(dist, 1e-3)
    out[~ok] = (colour[ok][idx] * w[..., None]).sum(1) / w.sum(1, keepdims=True)
    return out


def _edge_skin(subject: Subject, points: np.ndarray, blurred: np.ndarray, skin: np.ndarray | None,
               config: HeadConfig) -> np.ndarray:
    """(N, 3): for head points (N, 3) [model frame], the photo's colour a little inside the face outline
    (``face_fill_inset``) at the outline landmarks nearest to them (inverse-distance weights of three). With
    ``skin`` (the cheeks', given when the hair is long: hanging_hair.py) skin only (``skin_only``: long hair over
    the face's edge made the whole side of a turned head its dark brown; without, a beard at the jaw stays one)."""
    oval = np.array(FACE_OVAL)
    xy = subject.observation.landmarks[:, :2]
    c = xy[:N_FACE_LANDMARKS].mean(0)
    at = (c + (xy[oval] - c) * config.face_fill_inset).astype(np.float32)
    colour = _sample(blurred, at)
    if skin is not None:
        colour = skin_only(colour, at, skin, config)
    if len(points) == 0:
        return np.zeros((0, 3), np.float32)
    dist, idx = cKDTree(subject.personal[oval]).query(points, k=3)
    w = 1.0 / np.maximum(dist, 1e-3)
    return ((colour[idx] * w[..., None]).sum(1) / w.sum(1, keepdims=True)).astype(np.float32)


def complete_head_texture(subject: Subject, head: HeadMesh, rest_img: np.ndarray, background: np.ndarray,
                          config: HeadConfig, long_hair: bool = False, over_ears: bool = False,
                          photo: np.ndarray | None = None) -> HeadTexture:
    """``rest_img`` (V, 3): the head's vertices in the image frame at the photo's view; ``background``
    (S, S, 3): the photo with the person inpainted (a vertex whose photo colour is the background's there
    saw the wall, not the head: the model's ear or skull reaching past the photo's). ``long_hair``: the photo's
    hair hangs beside the face (hanging_hair.py): the side of the face is completed from skin only. ``over_ears``:
    the photo's hair covers the ears (hanging_hair.hair_over_ears): they and the head behind them are completed as
    hair down to the jaw's angle. ``photo`` (S, S, 3): the photo the vertices' colours are taken from (default
    ``subject.image``; the mesh engine's has the wall's share taken out of the person's edge pixels: unmix_wall.py)."""
    size, scale = subject.size, subject.fit.scale
    tris = HeadModel.load().triangles  # the whole surface (with the face the mesh engine covers)
    vis = visible_at_rest(rest_img, tris, size, tol=config.visible_tol_cm * scale)
    ears = _ears(subject, head, config)
    # (the ears lie beside the face's outline in the photo too, but what the photo shows there is the ear itself:
    # its own colours are its completion's source; completed from the face's edge, a dark-skinned man's turned ear
    # was a pale grey-pink shape on the dark side of his head, London 061)
    jaw = _behind_jaw(subject, head, rest_img, config.jaw_band_cm * scale) & ~ears
    vis_rest, vis = vis, vis * ~jaw  # the photo at its own view (vis_rest); a source for completion (vis)
    facing = head.normals @ subject.fit.rotation.T[:, 2]  # towards the photo's camera
    lo, hi = config.seen_facing
    seen = np.clip((facing - lo) / (hi - lo), 0.0, 1.0) * vis
    src = rest_img[:, :2].astype(np.float32)
    photo = subject.image if photo is None else photo
    blurred = cv2.GaussianBlur(photo, (0, 0), max(size / 256.0, 0.5))
    colour = _sample(blurred, src)
    alpha = _sample(subject.person.astype(np.float32), src)[:, 0]
    plate = _sample(cv2.GaussianBlur(background, (0, 0), max(size / 256.0, 0.5)), src)
    wall = np.linalg.norm(colour - plate, axis=1)
    alpha = np.minimum(alpha, np.clip(wall / config.wall_distance, 0.0, 1.0))
    known = (seen > 0.5) & (alpha > 0.5)
    # the neck (below the mouth) where the photo shows something else (a collar, a scarf, long hair): where
    # the photo saw it at an angle, shown in that thing's own smoothed colour once the view turns
    # (``outside``), not its pixels stretched into shards; still a source (completed as skin, a collar
    # became a skin-coloured bib)
    cheeks = _sample(blurred, subject.observation.landmarks[list(CHEEKS), :2].astype(np.float32))
    skin = np.median(cheeks, 0)
    mouth_y = float(subject.personal[[61, 291], 1].mean())  # the neck's sides reach up to the jaw's angle
    covered = (head.rest[:, 1] < mouth_y) & not_skin(colour, skin, config) & (seen > 0)
    # mirrored side first, with the colour ratio of the two sides where both were seen
    values = np.where(known[:, None], colour, 0.0)
    both = known & known[head.mirror]
    take = ~known & known[head.mirror]
    for side in (head.rest[:, 0] < 0, head.rest[:, 0] >= 0):
        pairs = both & side
        gain = (colour[pairs].mean(0) / np.maximum(colour[head.mirror[pairs]].mean(0), 1.0)
                if pairs.sum() > 20 else np.ones(3, np.float32))
        sel = take & side
        values[sel] = colour[head.mirror[sel]] * np.clip(gain, 0.7, 1.4)
    shown = known.copy()  # (the photo shows these at the vertex itself; mirrored ones take their mirror's colour)
    known = known | take
    # the unseen back and top of the skull take the hair's colour (the seen skull top's; a bald head's is
    # its skin), so the scalp is not a blend of hair and the neck's skin
    brow = float(subject.personal[[105, 334], 1].mean())
    top = shown & (head.rest[:, 1] > brow + config.hair_top_cm)
    hair = np.median(colour[top], 0) if top.sum() > 20 else skin
    chroma = np.abs(hair / max(hair.sum(), 1.0) - skin / max(skin.sum(), 1.0)).sum()
    # a bald scalp's shine is paler than the skin and of another hue, as grey hair is, but smooth: hair has strands
    shine = (hair.mean() > skin.mean() and top.sum() > 20
             and _fine_texture(subject.image, src[top]) < config.hair_strands)
    hairy = (chroma > config.hair_chroma or hair.mean() < config.hair_darker * skin.mean()) and not shine
    hair_known = np.zeros(len(colour), bool)  # the completed hair and the photo's hair on the skull
    if hairy:
        # (else bald: skin continues)
        # (behind the ears the hair line falls to the nape; the ears stay skin)
        line = _hair_line(subject, head, config)
        scalp = ~known & (head.rest[:, 1] > line) & ((head.rest[:, 1] > brow + config.hair_from_cm)
                                                     | ~ears)
        # the hair's own pattern where the photo shows hair straight through the vertex (the back of the
        # skull takes the front's strands and highlights, not one flat colour: a helmet); its median else
        # (hair-coloured only: where the segmentation's hair edge lets a red curtain or a flag through, its
        # colour turned into a red blotch on the side of the head, which a face detector took for a face)
        hair_like = np.abs(colour / np.maximum(colour.sum(1, keepdims=True), 1.0)
                           - hair / max(hair.sum(), 1.0)).sum(1) < config.hair_pattern_chroma
        through = scalp & (alpha > 0.5) & not_skin(colour, skin, config) & hair_like
        # its brightness where the photo's light falls on the hair as on the vertex (``_hair_level``): the
        # photo's top light made a close crop's crown a grey sheen, and the back of the head turned grey-white
        # (samples: what the photo shows as hair at the vertex, at grazing angles too: the temples' hair faces
        # sideways, and the photo sees it at the head's outline)
        grazing = (vis > 0) & (facing > config.hair_light_facing) & (alpha > 0.5)
        level = _hair_level(head.normals[:, 1], (shown | grazing) & (head.rest[:, 1] > brow + config.hair_from_cm)
                            & not_skin(colour, skin, config) & hair_like, colour, float(hair.mean()), config)
        # the pattern: the photo's hair over its own broad brightness there (the crown's sheen is the light, which
        # ``level`` gives), kept within 0.65-1.3 (dark gaps between strands became dark blobs when turned) and
        # continued over the scalp between (harmonic, towards 1 away from it): set apart, the pattern's vertices
        # and the flat colour's between them made a close crop's turned crown a mottle of dark and grey blotches
        person = (subject.person > 0.5).astype(np.float32)
        broad_sigma = size / 32.0
        masked = cv2.GaussianBlur(photo.astype(np.float32) * person[..., None], (0, 0), broad_sigma)
        share = _sample(cv2.GaussianBlur(person, (0, 0), broad_sigma)[..., None], src)
        broad = _sample(masked, src) / np.maximum(share, 1e-3)
        ratio = np.maximum(colour.mean(1), 1.0) / np.maximum(broad.mean(1), 1.0)
        gain = np.where(through, np.clip(ratio, 0.65, 1.3), 1.0).astype(np.float32)
        if through.any():
            gain = _laplace_fill(tris, gain[:, None], through, eps=1e-3)[:, 0]
        bright = max(float(hair.mean()), 1.0) * level * gain
        values[scalp] = hair * (level * gain)[scalp, None]
        values[through] = colour[through] * (bright[through] / np.maximum(colour[through].mean(1), 1.0))[:, None]
        known = known | scalp
        # (and the photo's own hair seen above the mouth: a beard below it stays a source for the neck under it)
        hair_known = scalp | through | (shown & hair_like & not_skin(colour, skin, config)
                                         & (head.rest[:, 1] > mouth_y))
    # long hair hangs behind the ears and down the back of the neck (head_mesh._hang_straight: the head there is the
    # hair falling straight down): there (behind the ears' front, below the hair line, the ears themselves left
    # skin: tucked behind them) the head takes the hair's colour, not the skin's, except where the photo shows hair
    # itself (turned, the head was a short crop with a bare neck; painted hair, the ears' relief showed through as
    # hair-coloured ears)
    # (hair over the ears, ``over_ears``: over them too, down to the jaw's angle, but not where the photo shows skin)
    hang = np.zeros(len(colour), bool)
    outline_z = float(subject.personal[[234, 454], 2].mean())  # (the depth of the face outline's widest points)
    bottom = float(subject.personal[[58, 288], 1].mean()) + config.cover_bottom_cm  # (hair over the ears' end)
    if hairy and (long_hair or over_ears):
        below_line = head.rest[:, 1] <= brow + config.hair_from_cm
        if long_hair:
            hang = below_line & (head.rest[:, 2] < outline_z + config.hang_ear_front_cm) & ~ears
        else:
            hang = (below_line & (head.rest[:, 1] >= bottom) & (head.rest[:, 2] < outline_z + config.cover_paint_front_cm)
                    & ~(shown & ~not_skin(colour, skin, config)))
        own_like = np.abs(values / np.maximum(values.sum(1, keepdims=True), 1.0)
                          - hair / max(hair.sum(), 1.0)).sum(1) < config.hair_pattern_chroma
        own = hang & known & not_skin(values, skin, config) & own_like  # (the mirrored side's where mirrored)
        values[hang & ~own] = hair * level[hang & ~own, None]
        known = known | hang
        hair_known |= hang
    # the never-seen side of the face (in front of the ears, the ears, below the hair line and above the jaw's
    # angle) is skin: the colour of the face's own edge nearest to it. Continued from the hair above and the
    # neck below alone it was a dark brown, and the face's stretched outline showed as a light crescent on it
    side = _face_side(subject, head, config) & ~known
    # the ears where the photo shows neither skin nor hair there (the wall mixed into the ear's rim, its shadow):
    # skin like the side of the face, and completed once the view turns (they were grey, metallic ears)
    odd = ears & known & not_skin(colour, skin, config)
    # ... and where its pixel, as the renderer shows it, mixes in the wall behind the ear's rim (seen or half-seen:
    # blue specks of a GRID speaker's screen on the turned ear): no source, and completed once the view turns
    mixed = ears & (vis_rest > 0) & (_wall_share(_sample(subject.image, src), skin, plate) > config.ear_wall_share)
    if hairy:  # hair over the ears stays hair (dark hair before a dark wall lies on the skin-to-wall line too)
        ratio = colour.mean(1) / max(float(hair.mean()), 1.0)
        over = ((np.abs(colour / np.maximum(colour.sum(1, keepdims=True), 1.0) - hair / max(hair.sum(), 1.0)).sum(1)
                 < config.hair_pattern_chroma) & (ratio > 0.5) & (ratio < 1.25))
        odd &= ~over
        mixed &= ~over
    odd &= ~hang  # (hair over the ears: there they are the hair's, whatever the photo shows at them)
    mixed &= ~hang
    known &= ~(odd | mixed)
    hair_known &= ~(odd | mixed)  # (completed as the side's skin below: no hair's source)
    side |= odd
    covered |= odd
    values[side] = _edge_skin(subject, head.rest[side], blurred, skin if long_hair else None, config)
    # hidden in the photo, on the neck's sides and back (the model's chest, cut off below the neck, hides the neck's
    # front base, which faces the camera: completed as the shirt, it was a pale spot in a V-neck at rest)
    never = (vis_rest == 0) & (facing < config.collar_side_facing)
    # (clothes: seen as clothes, or mirrored from clothes; a mirrored vertex is not ``covered`` by its own pixel)
    clothes = covered | (take & covered[head.mirror])
    collar, line_cm, collar_skin = _collar_fill(subject, head, tris, values, known, clothes, never & ~side & ~hang,
                                                facing, config, hair_known)
    side |= collar
    # light fixed to the head: the completed colour carries the relief of what it fills (relative to the light
    # on the seen surface, which the skin of the face's side is not)
    light = np.array(config.fill_light, np.float32)
    light /= np.linalg.norm(light)
    shade = config.fill_ambient + (1 - config.fill_ambient) * np.clip(head.normals @ light, 0, 1)
    seen_shade = _laplace_fill(tris, shade[:, None], known, eps=1e-3)[:, 0]  # the seen surface's, continued
    relief = np.clip(shade / np.maximum(seen_shade, 1e-3), *config.fill_shade_range)
    # ... and the ears' hollows (the bowl, the fold inside the rim) darker: lit by a light from the front alone, a
    # turned ear was a flat pale shape
    relief[ears] *= 1.0 - config.ear_hollow_shade * _hollowness(head.rest, head.normals, ears, config.ear_hollow_cm)

    def complete(v: np.ndarray) -> np.ndarray:  # the full surface's, before the relief
        out = _laplace_fill(tris, v, known | side, eps=1e-3)
        out[known] = v[known]
        return out

    def lit(v: np.ndarray) -> np.ndarray:
        return np.where(known[:, None], v, v * relief[:, None])

    raw = complete(values)

    def drawn(v: np.ndarray) -> np.ndarray:
        return lit(_neck_bands(_lod_average(v, head.rest, tris, head.triangles), subject, head, facing, config))

    # for the decimated surface: averaged (before the relief: the ears keep their folds' shading), the neck banded
    fill = drawn(raw)
    hair_edge = (_hair_edge(tris, values, known | side, hair_known, drawn, subject, head, facing, config)
                 if hairy else None)
    # the neck's texture (neck_texture.py): per pixel, the clothes' line round the back of the neck a texel sharp,
    # under it the clothes as the photo shows them at that height (only on the never-seen neck: the front of the
    # neck's base, hidden by the model's chest, keeps its completed colours, else a pale spot in a V-neck)
    lo_f, hi_f = config.front_on_facing
    neck_w = (np.clip(below_jaw_line(subject.personal, head.rest) / config.neck_band_fade_cm, 0.0, 1.0)
              * np.clip((hi_f - facing) / (hi_f - lo_f), 0.0, 1.0))
    neck_w[(vis_rest == 0) & (facing >= config.collar_side_facing)] = 0.0  # (that front base: its own colours)
    # ... and the neck only, not the jaw's underside beside it (facing down: it lies outside the neck at the same angle
    # and height, one texture cannot hold both) nor long hair hanging behind it (its strands are the hair's)
    neck_w *= np.clip((head.normals[:, 1] + 0.6) / 0.3, 0.0, 1.0)
    neck_w[hang] = 0.0
    photo_seen = shown & ~(odd | mixed)
    # (the texture's colours above the line: the collar's pure skin, not the vertices' blend into the clothes)
    neck = None if not config.neck_texture else build_neck_texture(
        head.rest, tris, lit(np.where(collar[:, None], collar_skin, raw)), collar.astype(np.float32),
        head.rest[:, 1] - line_cm, photo_seen.astype(np.float32), (photo_seen & covered).astype(np.float32),
        np.where(known, 1.0, relief).astype(np.float32), src, blurred, neck_w, config)
    unseen = 1.0 - np.clip(facing / 0.1, 0.0, 1.0) * vis_rest
    # hair fallen over the ears (all of it, its never-seen back too): at the photo's view the photo's pixels (its
    # sides, seen edge-on, showed their completed colours over the photo's hair beside the face; limited to the
    # vertices the photo sees, the rest view lay farther from the photo), once the view turns its completed colour
    # unless the photo saw it front-on (``outside``: below)
    edge_on = np.zeros(len(colour), bool)
    if hairy and over_ears and not long_hair:
        edge_on = ((head.rest[:, 1] <= brow + config.hair_from_cm) & (head.rest[:, 1] >= bottom - config.cover_fade_cm)
                   & (head.rest[:, 2] < outline_z + config.cover_front_cm))
        unseen[edge_on] = 0.0
    # seen, but not to be trusted once the view turns: background in the photo, or seen at a grazing angle
    # (squeezed into a few pixels and darkened at the silhouette; stretched open it is a smear)
    outside = (1.0 - unseen) * np.maximum(np.clip((0.6 - alpha) / 0.4, 0.0, 1.0), 1.0 - seen)
    # ... and the clothes on the neck, except where the photo saw them front-on (a shirt's collar, a tie's knot):
    # there its pixels are not stretched when turned and turn with the neck (completed, Obama's collar and tie
    # were a pale blue blur from 15 deg)
    outside = np.maximum(outside, (1.0 - unseen) * covered * np.clip((hi_f - facing) / (hi_f - lo_f), 0.0, 1.0))
    # ... and the ears' odd vertices however they face: the ear is the model's, and its bowl faces the photo's camera
    # (its photo pixels, a shadow in the hair beside the face, were a dark star on the turned ear: Collins)
    outside = np.maximum(outside, (1.0 - unseen) * (odd | mixed))
    # ... and the ears under fallen hair (the hair over them: their bowls face the photo's camera and took the shadows
    # in the hair beside the face, dark stars on the turned hair)
    outside[edge_on & ears] = 1.0
    # the completed hair: above the hair line, where the completion has the hair's colour (not on a bald head)
    hair_w = np.zeros(len(fill), np.float32)
    contrast = straightness = 0.0
    if hairy:
        like = np.abs(fill / np.maximum(fill.sum(1, keepdims=True), 1.0)
                      - hair / max(hair.sum(), 1.0)).sum(1) < config.hair_pattern_chroma
        ramp = np.clip((head.rest[:, 1] - line) / config.strands_fade_cm, 0.0, 1.0)
        hair_w = (np.maximum(ramp, hang) * like).astype(np.float32)
        contrast = _fine_texture(subject.image, src[top]) / max(float(hair.mean()), 1.0) if top.sum() > 20 else 0.0
        contrast = float(np.clip(contrast * config.strands_gain, 0.0, config.strands_max))
        if top.sum() > 20:
            lo, hi = config.strands_coherence
            straightness = float(np.clip((_orientation_coherence(subject.image, src[top]) - lo) / (hi - lo), 0, 1))
    return HeadTexture(src, unseen.astype(np.float32), outside.astype(np.float32),
                       np.clip(fill, 0, 255).astype(np.float32), neck,
                       np.minimum(head.rest[:, 1] - line_cm, 1e4).astype(np.float32), hair_w, contrast, straightness,
                       bool(hairy), hair_edge)
