"""The full-portrait 2.5D scene of the mesh engine: person sheet with a depth proxy + background plate.

From one photo (a Subject):
  * person layer: a Delaunay sheet over a regular grid inside the person mask (MediaPipe selfie
    segmentation: hair, ears, neck, shoulders, clothes) joined to the face outline. Its depth proxy
    is a head ellipsoid fitted to the face (front surface inside the head silhouette) and a plane
    through the head centre for the torso (with the full head: an elliptic cylinder below the chin,
    and a back behind it from the shoulders' line down, drawn in the clothes' colour); each vertex
    also carries a head weight (1 = moves with the head, 0 = torso; the neck blends) so the head
    turns over still shoulders. ``sheet_src`` are its photo coordinates, ``sheet_xy`` its positions
    (the same but on the back).
  * background plate: the photo with the person removed and the hole filled with the surrounding
    background's texture (background_fill.patch_fill; push-pull with ``background_fill="smooth"``),
    seen behind the person when the view turns.
Depths are image-frame pixels, smaller = nearer (``FaceFit.to_image``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from tritalk.face.model import FACE_OVAL
from tritalk.face.subject import Subject
from tritalk.render.background_fill import fill_holes, patch_fill
from tritalk.render.mesh_config import FACE_HOLE, PortraitConfig


@dataclass(frozen=True)
class PortraitScene:
    sheet_src: np.ndarray  # (N, 2) float32 photo coordinates; the first len(FACE_OVAL) are the face outline
    sheet_xy: np.ndarray  # (N, 2) float32 image-frame position at rest (the photo coordinates, but on the back)
    sheet_z: np.ndarray  # (N,) float32 depth [px], smaller = nearer
    head_weight: np.ndarray  # (N,) float32 in [0, 1]
    sheet_tris: np.ndarray  # (F, 3) int32
    alpha: np.ndarray  # (S, S) float32 person coverage (soft)
    filled: np.ndarray  # (S, S, 3) uint8 photo with gaps inside the person region filled from the person
    background: np.ndarray  # (S, S, 3) uint8 photo with the person inpainted
    head_centre: np.ndarray  # (3,) float32 image-frame centre of the head ellipsoid
    head_radius: float  # x radius of the head ellipsoid [px]
    background_z: float  # depth of the background plane [px]
    sheet_back: np.ndarray  # (N,) bool: the torso's back (never seen: always its clothes' filled colour)
    sheet_back_depth: np.ndarray  # (N,) float32 [px]: how far each vertex of the back lies behind the front's (0 else)


class _BodyBeyond:
    """The person past the photo's left and right borders, where the sheet's grid runs on (``margin``) so a turned
    view never shows the body's cut edge. Inside the frame: the person mask. Past a side border: the rows the
    person fills at that border, under the shoulder's outline continued outwards at its own slope there, and at
    least ``min_slope`` down (a shoulder falls into the arm). Copied flat (the border column repeated), the
    shoulder's top ran on level past the frame, and a turn of 45 deg showed it as a pointed wedge over the
    shoulder (London 038)."""

    def __init__(self, cover: np.ndarray, min_slope: float):
        self.cover = cover
        size = cover.shape[0]
        inset = max(2, int(0.04 * size))
        self.top, self.slope = [], []
        for edge, inner in ((0, inset), (size - 1, size - 1 - inset)):
            rows = np.flatnonzero(cover[:, edge])
            rows_in = np.flatnonzero(cover[:, inner])
            if not len(rows):  # the person does not reach this border: nothing past it
                self.top.append(np.inf)
                self.slope.append(np.inf)
                continue
            top = float(rows[0])
            top_in = float(rows_in[0]) if len(rows_in) else top
            self.top.append(top)
            self.slope.append(max((top - top_in) / inset, min_slope))

    def _line(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N,) bool: past a side border; (N,) the outline's row there (inf where the person does not reach it)."""
        size = self.cover.shape[0]
        x = xy[:, 0]
        left, right = x < 0, x > size - 1
        line = np.full(len(xy), -np.inf)
        line[left] = self.top[0] + self.slope[0] * (0 - x[left])
        line[right] = self.top[1] + self.slope[1] * (x[right] - (size - 1))
        return left | right, line

    def covers(self, xy: np.ndarray) -> np.ndarray:
        """(N,) bool: points (N, 2) [photo px] on the person."""
        size = self.cover.shape[0]
        gi = np.clip(np.round(xy).astype(int), 0, size - 1)
        inside = self.cover[gi[:, 1], gi[:, 0]]
        past, line = self._line(xy)
        return inside & (~past | (xy[:, 1] >= line))

    def snap(self, grid: np.ndarray, keep: np.ndarray, step: float) -> np.ndarray:
        """``grid`` (N, 2) with, past a side border, each column's top kept point moved up onto the outline, by at
        most one grid ``step`` (the sheet's edge follows it, not the grid's steps)."""
        past, line = self._line(grid)
        out = grid.copy()
        for x in np.unique(grid[past & keep, 0]):
            col = np.flatnonzero(past & keep & (grid[:, 0] == x))
            top = col[np.argmin(grid[col, 1])]
            if np.isfinite(line[top]):
                out[top, 1] = min(out[top, 1], max(line[top], out[top, 1] - step))
        return out


def build_scene(subject: Subject, face_img: np.ndarray, config: PortraitConfig = PortraitConfig(),
                flat_torso: bool = False) -> PortraitScene:
    """``face_img`` (478, 3): the face landmarks in the image frame at rest (x, y, z px). ``flat_torso``:
    below the chin the sheet is the torso plane only (the full head draws the neck): the ellipsoid's
    steep rim there turned the collar into triangles that flip and stretch (shards) as the view turns."""
    size = subject.size
    person = subject.person
    oval = np.array(FACE_OVAL)
    oval_xy = face_img[oval, :2]
    x0, y0 = oval_xy.min(0)
    x1, y1 = oval_xy.max(0)
    face_w, face_h = x1 - x0, y1 - y0
    rx = 0.5 * face_w * config.head_width_scale
    ry = 0.62 * face_h
    rz = rx * config.head_depth_scale
    front = float(np.median(face_img[:468, 2]))
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2 - 0.12 * face_h, front + 0.7 * rz], np.float32)
    chin_y = float(face_img[152, 1])

    # person region: soft alpha from the segmentation, extended by the face itself
    face_mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(face_mask, [np.round(oval_xy).astype(np.int32)], 1)
    alpha = np.maximum(person, face_mask.astype(np.float32))
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(size / 512.0, 0.5))
    solid = alpha > config.person_threshold
    grow = max(3, int(size * 0.03)) | 1
    cover = cv2.dilate(solid.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)

    # sheet vertices: the face outline + grid points inside the (grown) person region
    # the grid runs past the frame so that turned views never pull the body's cut edge into view
    margin = config.margin * size
    t = np.linspace(-margin, size - 1 + margin, config.grid + 1, dtype=np.float32)
    gx, gy = np.meshgrid(t, t)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    body = _BodyBeyond(cover, config.beyond_slope)
    keep = body.covers(grid)
    grid = body.snap(grid, keep, float(t[1] - t[0]))
    inside_face = cv2.pointPolygonTest  # grid points well inside the face are hidden by the face mesh
    oval_c = oval_xy.mean(0)
    shrunk = (oval_c + (oval_xy - oval_c) * FACE_HOLE).astype(np.float32)
    keep &= np.array([inside_face(shrunk, (float(x), float(y)), False) < 0 for x, y in grid])
    pts = np.concatenate([oval_xy, grid[keep]]).astype(np.float32)
    tris = Delaunay(pts).simplices
    tris = tris[body.covers(pts[tris].mean(1))].astype(np.int32)

    # depth proxy: head ellipsoid front surface, torso plane through the head centre
    dx = (pts[:, 0] - centre[0]) / rx
    dy = (pts[:, 1] - centre[1]) / ry
    r2 = dx ** 2 + dy ** 2
    z = np.where(r2 < 1.0, centre[2] - rz * np.sqrt(np.clip(1.0 - r2, 0, 1)), centre[2])
    # near the face the sheet takes the face outline's own depth (no depth step at the outline, so
    # nothing tears open there when the view turns), fading to the proxy over a third of the face width
    n_o = len(oval)
    step = face_img[oval, 2] - z[:n_o]
    d2 = ((pts[n_o:, None, :] - oval_xy[None, :, :]) ** 2).sum(-1)  # (N - n_o, n_o)
    sigma = 0.33 * face_w
    wts = np.exp(-(d2 - d2.min(1, keepdims=True)) / (2 * (0.1 * face_w) ** 2))
    near = (wts * step[None]).sum(1) / wts.sum(1)
    z[n_o:] += near * np.exp(-d2.min(1) / (2 * sigma ** 2))
    z[:n_o] = face_img[oval, 2]
    if flat_torso:
        torso = pts[:, 1] > chin_y
        torso[:n_o] = False
        # a torso that turns like a body: an elliptic cylinder about the head's vertical axis (the shoulders
        # curve back), not a card that a turn squeezes flat and whose edge triangles stretch into shards
        half = config.torso_half_width * face_w
        u = np.clip((pts[:, 0] - centre[0]) / half, -1.0, 1.0)
        cylinder = centre[2] + config.torso_depth * half * (1.0 - np.sqrt(1.0 - u[torso] ** 2))
        # entered over ``torso_blend`` face heights below the chin: beside the body the cylinder lies far behind
        # the sheet above it, and a step between two rows stretched into slivers (a collar's point) at +-30-45
        ramp = np.clip((pts[torso, 1] - chin_y) / (config.torso_blend * face_h), 0.0, 1.0)
        z[torso] = (1.0 - ramp) * z[torso] + ramp * cylinder
    below = np.clip((pts[:, 1] - chin_y) / (config.neck_fade * face_h), 0, 1)
    outside_head = np.clip(np.sqrt(r2) - 1.0, 0, 1) * (pts[:, 1] > centre[1])
    head_w = np.clip(1.0 - np.maximum(below, outside_head * 2.0), 0, 1).astype(np.float32)
    head_w[: len(oval)] = 1.0

    src, back, back_depth = pts, np.zeros(len(pts), bool), np.zeros(len(pts), np.float32)
    if flat_torso and config.torso_back:
        # the torso's back: the body's outline from the shoulders down (``_shoulder_line``), a shallow elliptic arc
        # behind the cylinder's axis, in the clothes' colour at the body's side on each row. Without it a turned body
        # was its front half only, and the back of the neck ended in mid-air over the wall
        half = config.torso_half_width * face_w
        axis = centre[2] + config.torso_depth * half
        whole = np.zeros(len(pts), bool)
        whole[n_o:] = pts[n_o:, 1] >= np.maximum(chin_y + config.torso_back_from * face_h,
                                                 _shoulder_line(cover, chin_y, pts[n_o:, 0]))
        bt = tris[whole[tris].all(1)]
        if len(bt):
            # one vertex per front vertex and side: a triangle takes all its colours from its own side of the body
            # (across the middle, its corners' sources lay at the two sides and it showed the whole row squeezed in:
            # a stripe of the shirt's front down the back)
            right = pts[bt].mean(1)[:, 0] >= centre[0]
            keys, inv = np.unique((bt * 2 + right[:, None]).ravel(), return_inverse=True)
            used, used_right = keys // 2, (keys % 2).astype(bool)
            u = np.clip((pts[used, 0] - centre[0]) / half, -1.0, 1.0)
            # (a hair behind the front where both lie on the axis: past the cylinder's sides)
            z_back = axis + half * (config.torso_back_depth * np.sqrt(1.0 - u ** 2) + 0.01)
            src = np.concatenate([pts, _side_colour_at(cover, pts[used], used_right, config.torso_back_inset * size)])
            back_depth = np.concatenate([back_depth, np.maximum(z_back - z[used], 0.0)]).astype(np.float32)
            z = np.concatenate([z, z_back])
            head_w = np.concatenate([head_w, np.zeros(len(used), np.float32)])
            tris = np.concatenate([tris, len(pts) + inv.reshape(-1, 3)]).astype(np.int32)
            back = np.concatenate([back, np.ones(len(used), bool)])
            pts = np.concatenate([pts, pts[used]])
    halo = (alpha > 0.15).astype(np.uint8)  # semi-transparent hair fringe goes into the hole too
    hole = cv2.dilate(halo, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)
    if config.background_fill == "patch":
        background = patch_fill(subject.image, hole, config)
    else:
        background = fill_holes(subject.image, hole)
    # what disoccluded (stretched) parts of the person show: the person's own colours pushed into the
    # see-through gaps (between hair and neck, around the ears), never the background behind them
    # (blurred: a stretched strip of fine texture would read as smeared stripes; a smooth tone does not)
    filled = fill_holes(subject.image, alpha < 0.6)
    filled = cv2.GaussianBlur(filled, (0, 0), size / 80.0)
    filled = (filled.astype(np.float32) * 0.88).astype(np.uint8)  # the side of the head is turned from the light
    return PortraitScene(src.astype(np.float32), pts.astype(np.float32), z.astype(np.float32), head_w, tris,
                         alpha.astype(np.float32), filled, background, centre, float(rx),
                         float(centre[2] + config.background_depth * rx), back, back_depth)


def _shoulder_line(cover: np.ndarray, chin_y: float, x: np.ndarray) -> np.ndarray:
    """(N,) the shoulders' top row at columns ``x`` (N,) [photo px, clipped to the frame]: the person's top row where
    it lies below the chin, across the head and neck (and long hair beside them) the line between the nearest such
    columns on either side. The torso's back starts there: from the chin's row down, its top edge was a straight
    bar behind the neck, and seen from above the turned body grew a box behind the shoulders."""
    size = cover.shape[0]
    has = cover.any(0)
    top = np.where(has, np.argmax(cover, 0), size).astype(np.float64)
    ok = has & (top > chin_y)
    cols = np.arange(size)
    if not ok.any():
        return np.full(len(x), np.inf)
    line = np.interp(cols, cols[ok], top[ok])
    return line[np.clip(np.round(x).astype(int), 0, size - 1)]


def _side_colour_at(cover: np.ndarray, xy: np.ndarray, right: np.ndarray, inset: float) -> np.ndarray:
    """(N, 2) photo coordinates for points (N, 2): on the point's row (clipped to the frame), the person's outermost
    column on its side (``right`` (N,) bool; the frame's border where the person reaches it), ``inset`` px inwards."""
    size = cover.shape[0]
    rows = np.clip(np.round(xy[:, 1]).astype(int), 0, size - 1)
    out = np.empty((len(xy), 2), np.float32)
    out[:, 1] = rows
    has = cover.any(1)
    first = np.argmax(cover, 1).astype(np.float32)
    last = (size - 1 - np.argmax(cover[:, ::-1], 1)).astype(np.float32)
    out[:, 0] = np.where(right, last[rows] - inset, first[rows] + inset)
    out[~has[rows], 0] = size / 2.0
    return out
