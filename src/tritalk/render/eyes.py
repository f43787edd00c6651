"""Eyeballs for the mesh engine: the lids slide over a rigid eye instead of stretching it.

The photo shows each eye through its lid opening. A mesh warp stretches what is inside that opening
with the lids, so raised upper lids (surprise, fear: AU5) magnified the iris instead of uncovering
the white above it, and a squint squashed it. Here the inside of the opening is resampled with the
eyeball's own map (the eyeball turns with the head, not with the lids): where the photo's own
expression, in the current head pose and view, shows the eye, the mesh warp of that expression
(so at rest nothing changes, in any view); beyond it, an affine map fitted to the eye contour. A band
along the lid margins keeps the warp, so the lashes move with the lids. What the photo's lids covered
is filled in: the iris from its other half mirrored about its centre (an iris is close to radially
symmetric), the white of the eye in the photo's own sclera colour, darker under the upper lid.

Contract: ``PhotoEye.from_photo(image, landmarks, contour, iris, fan)`` once per eye;
``resample_eye(src, poly, poly_pose, eye, shift, fan_pose, tri_id, fan_ids)`` per frame rewrites
``src`` (S, S, 2) inside the eye and returns what to paint after the remap (``paint_sclera``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for cv2 polygon drawing
SUPERSAMPLE = 2
LID_BAND = 0.05  # width of the warped lid-margin band, as a share of the eye's width
LID_SHADOW = 0.3  # how much darker the white is right under the upper lid
UPPER_LID = [8, 9, 10, 11, 12, 13, 14, 15, 0]  # contour positions of the upper lid, corner to corner (both eyes)


def _depth_inside(shape: tuple[int, int], poly: np.ndarray, x0: float = 0.0, y0: float = 0.0) -> np.ndarray:
    """(h, w) float32: how far each pixel lies inside the polygon (px; 0 outside), sub-pixel accurate
    (distance transform of a supersampled mask, averaged back down)."""
    k = SUPERSAMPLE
    m = np.zeros((shape[0] * k, shape[1] * k), np.uint8)
    pts = ((poly - [x0, y0]) * k + (k - 1) / 2) * (1 << SHIFT)
    cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1, cv2.LINE_8, shift=SHIFT)
    d = cv2.distanceTransform(m, cv2.DIST_L2, 5) / k
    return d.reshape(shape[0], k, shape[1], k).mean((1, 3)).astype(np.float32)


def _band(width: float) -> float:
    """Width of the lid-margin band (px) that keeps the warp, so the lashes move with the lids."""
    return max(LID_BAND * width, 1.5)


@dataclass(frozen=True)
class PhotoEye:
    contour: tuple[int, ...]  # landmark indices of the lid opening
    photo_poly: np.ndarray  # (16, 2) the opening in the photo, px
    visible: np.ndarray  # (S, S) float32: 1 where the photo shows the eyeball (lid-margin band excluded)
    iris_centre: np.ndarray  # (2,) photo px
    iris_radius: float  # photo px
    sclera: np.ndarray  # (3,) float32 RGB of the white of the eye in the photo's light
    band: float  # px: the lid-margin band that keeps the warp (lashes)
    fan_photo: np.ndarray  # (K, 3, 2) the opening's triangles in the photo

    @classmethod
    def from_photo(cls, image: np.ndarray, landmarks: np.ndarray, contour: tuple[int, ...],
                   iris: tuple[int, ...], fan: np.ndarray | None = None) -> "PhotoEye":
        """``landmarks`` (478, 2+) in image px; ``iris``: centre index first, then 4 points on the rim;
        ``fan`` (K, 3): the mesh triangles that fill the opening (landmark indices)."""
        poly = landmarks[list(contour), :2].astype(np.float32)
        width = float(np.linalg.norm(poly[0] - poly[8]))  # corner to corner
        # the photo's lashes sit in the band along the contour: what lies deeper counts as visible,
        # ramping up over the pixel before the frame's own band starts (at rest, every pixel that
        # the frame resamples rigidly is visible in the photo)
        band = _band(width)
        visible = np.zeros(image.shape[:2], np.float32)
        x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 3, image.shape[1::-1])
        if x1 > x0 and y1 > y0:
            depth = _depth_inside((y1 - y0, x1 - x0), poly, x0, y0)
            visible[y0:y1, x0:x1] = np.clip(depth - (band - 1.0), 0.0, 1.0)
        centre = landmarks[iris[0], :2].astype(np.float32)
        radius = float(np.mean(np.linalg.norm(landmarks[list(iris[1:]), :2] - centre, axis=1)))
        radius = float(np.clip(radius, 0.15 * width, 0.35 * width))  # a detector glitch must not paint the eye
        yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
        # the white beside the iris, level with it (not the pink inner corner, not the lid's shadow)
        dx, dy = np.abs(xx - centre[0]), np.abs(yy - centre[1])
        white = (visible > 0.9) & (dx > 1.15 * radius) & (dx < 2.2 * radius) & (dy < 0.6 * radius)
        px = image[white].astype(np.float32)
        if len(px) >= 6:
            lum = px.mean(1)
            sclera = np.median(px[lum >= np.quantile(lum, 0.5)], 0)
        else:  # an eye too narrow to show its white: a light grey in the photo's own brightness
            sclera = np.full(3, float(np.clip(image.mean() * 1.3, 120, 215)), np.float32)
        fan_photo = (landmarks[np.asarray(fan), :2].astype(np.float32) if fan is not None and len(fan)
                     else np.zeros((0, 3, 2), np.float32))
        return cls(tuple(contour), poly, visible, centre, radius, sclera.astype(np.float32), band, fan_photo)


def resample_eye(src: np.ndarray, poly: np.ndarray, poly_pose: np.ndarray, eye: PhotoEye,
                 shift: tuple[float, float] = (0.0, 0.0), fan_pose: np.ndarray | None = None,
                 tri_id: np.ndarray | None = None,
                 fan_ids: np.ndarray | None = None) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray] | None:
    """Rewrite ``src`` (S, S, 2: photo coordinates per output pixel) inside the eye opening ``poly``
    (16, 2; output px) with the eyeball's own map: where ``poly_pose`` (the same contour in the photo's
    expression, output px) showed the eye, the warp of that pose (``fan_pose`` (K, 3, 2): the opening's
    triangles in output px, ``eye.fan_photo`` in the photo), so at rest nothing changes in any pose or
    view; beyond it, an affine map fitted to the contour. The iris moves by ``shift`` (output px, gaze).
    ``tri_id`` (S, S): the rasterizer's triangle per pixel and ``fan_ids`` the opening's triangles in it:
    only where those are in front (not hidden behind the nose in a turned view) is the eye resampled.
    Returns (box, weight (h, w), shade (h, w)): where to paint the photo's sclera colour after the
    remap (the white the photo's lids covered) and how much light it gets, or None when the eye is
    shut or off screen."""
    size = src.shape[0]
    width = float(np.linalg.norm(poly[0] - poly[8]))  # corner to corner (any roll)
    x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 3, size)
    if x1 <= x0 or y1 <= y0 or width < 2.0:
        return None
    box = (slice(y0, y1), slice(x0, x1))
    h, w_ = y1 - y0, x1 - x0
    m = np.c_[poly_pose, np.ones(len(poly_pose))].astype(np.float64)
    target = eye.photo_poly.astype(np.float64)
    try:  # (3, 2) least squares, output px -> photo px (normal equations: ~5x faster than lstsq's SVD)
        a = np.linalg.solve(m.T @ m, m.T @ target)
    except np.linalg.LinAlgError:  # the contour seen edge-on: a line
        a, *_ = np.linalg.lstsq(m, target, rcond=None)
    a = a.astype(np.float32)
    depth = _depth_inside((h, w_), poly, x0, y0)
    gaze = shift[0] * a[0] + shift[1] * a[1]  # the gaze shift in photo px
    if shift[0] or shift[1]:  # the gaze also moves what the lid-margin band shows (small eyes: all of it)
        moved = cv2.GaussianBlur(np.clip(depth - 0.5, 0.0, 1.0), (0, 0), max(width * 0.06, 0.7))
        src[box] -= gaze * moved[..., None]
    # the photo's band in output px (zoom; not the foreshortened width of a turned view): at rest the
    # rigid pixels are the ones the photo shows past its band, so nothing changes in any pose or view
    per_px = max(float(np.linalg.norm(a[1])), 1e-3)  # photo px per output px, vertically
    w = np.clip(depth - eye.band / per_px, 0.0, 1.0)
    if tri_id is not None and fan_ids is not None:
        w *= np.isin(tri_id[box], fan_ids)
    if w.max() <= 0:
        return None
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    pts = np.stack([xx - shift[0], yy - shift[1], np.ones_like(xx)], -1)
    rigid = pts @ a
    if fan_pose is not None and len(fan_pose):  # inside the pose's opening: the pose's own piecewise map
        # (perspective kept). Each triangle is drawn with its number (a later one over an earlier one)
        label = np.zeros((h, w_), np.uint8)
        drawn = np.round((fan_pose + np.array(shift) - [x0, y0]) * (1 << SHIFT)).astype(np.int32)
        for k, tri_out in enumerate(drawn, 1):
            cv2.fillConvexPoly(label, tri_out, k, cv2.LINE_8, SHIFT)
        corners = np.concatenate([fan_pose, np.ones((len(fan_pose), 3, 1))], 2)  # (K, 3, 3)
        flat = np.abs(np.linalg.det(corners)) < 1e-6  # a triangle seen edge-on has no map: the fitted one
        label[np.isin(label, np.flatnonzero(flat) + 1)] = 0
        inside = label > 0
        if inside.any():  # each triangle's affine map, output px -> photo px: (K, 3, 2)
            corners[flat] = np.eye(3)
            maps = np.linalg.solve(corners, eye.fan_photo.astype(np.float64)).astype(np.float32)
            rigid[inside] = np.einsum("nk,nkc->nc", pts[inside], maps[label[inside] - 1])
    # the iris the photo's lids covered: its other half, mirrored about the centre
    c, r = eye.iris_centre, eye.iris_radius
    vis = _sample(eye.visible, rigid)
    in_iris = np.clip((r - np.hypot(rigid[..., 0] - c[0], rigid[..., 1] - c[1])) / 1.5 + 0.5, 0.0, 1.0)
    mirrored = rigid.copy()
    mirrored[..., 1] = 2 * c[1] - rigid[..., 1]
    squeezed = rigid.copy()  # both halves hidden: the iris pulled towards its centre (pupil and inner iris)
    squeezed[..., 1] = c[1] + 0.4 * (rigid[..., 1] - c[1])
    m = _sample(eye.visible, mirrored)
    iris = mirrored * m[..., None] + squeezed * (1.0 - m[..., None])
    fix = (1.0 - vis) * in_iris
    rigid = rigid + (iris - rigid) * fix[..., None]
    src[box] = src[box] * (1.0 - w[..., None]) + rigid * w[..., None]
    covered = (1.0 - vis) * (1.0 - in_iris) * w
    # the upper lid shades the white under it (the lid and lashes overhang the eyeball)
    upper = poly[UPPER_LID]
    order = np.argsort(upper[:, 0])
    lid_y = np.interp(xx[0], upper[order, 0], upper[order, 1])
    shade = 1.0 - LID_SHADOW * np.exp(-np.clip(yy - lid_y[None, :], 0.0, None) / max(0.12 * width, 0.5))
    return box, covered.astype(np.float32), shade.astype(np.float32)


def _sample(mask: np.ndarray, xy: np.ndarray) -> np.ndarray:
    return cv2.remap(mask, np.ascontiguousarray(xy, np.float32), None, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


def paint_sclera(image: np.ndarray, box: tuple[slice, slice], weight: np.ndarray, shade: np.ndarray,
                 eye: PhotoEye) -> None:
    """Blend the photo's sclera colour (times ``shade``) into ``image`` (in place) where ``weight`` > 0."""
    region = image[box].astype(np.float32)
    white = eye.sclera[None, None, :] * shade[..., None]
    image[box] = np.clip(region + (white - region) * weight[..., None] + 0.5, 0, 255).astype(np.uint8)
