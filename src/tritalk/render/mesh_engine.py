"""Mesh engine (v1): the photo, re-rendered through the fitted face mesh at each frame's expression and pose.

How a frame is made:
 1. Expression offsets (ARKit coefficients relative to the photo's own expression) move the
    subject's personal mesh (the photo's exact landmarks in the model frame); head pose and
    the viewer camera rotate it about a neck pivot; the fitted camera projects it.
 2. A 2.5D portrait mesh = the 468-vertex face (MediaPipe topology, mouth interior removed)
    in front of a background sheet (Delaunay over the face outline, two rings around it and
    the image border). Ring points follow the face outline with falling weights, the border
    is fixed, so the warp fades smoothly into the untouched photo: no seam.
 3. The rasterizer interpolates each vertex's photo coordinates per pixel (z-buffer,
    barycentrics) and the photo is resampled there (``cv2.remap``); occlusion edges are
    anti-aliased; the inner mouth (cavity, teeth) is painted inside the inner-lip contour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from tritalk.face.model import FACE_OVAL, INNER_LIP_LOWER, INNER_LIP_UPPER, LEFT_EYE, RIGHT_EYE, inner_lip_polygon
from tritalk.face.subject import Subject
from tritalk.render.camera import rotation
from tritalk.render.mouth import MouthPalette, draw_mouth
from tritalk.render.rasterizer import antialias, depth_edges, interpolate, rasterize
from tritalk.types import IDX, Camera, Motion

N_FACE = 468
JAW_SHAPES = ("jawOpen", "jawLeft", "jawRight", "jawForward")


@dataclass(frozen=True)
class MeshEngineConfig:
    ring_scales: tuple[float, ...] = (1.3, 1.75)  # ring radii / face-outline radius
    ring_weights: tuple[float, ...] = (0.55, 0.15)  # how much of the outline's motion each ring follows
    border_step: int = 8  # border points per image side
    pivot_cm: tuple[float, float, float] = (0.0, -4.0, -9.0)  # neck pivot, relative to the face centroid


class MeshEngine:
    """Renders frames of one Subject. Build once per subject; ``render`` is cheap (~10 ms at 512^2)."""

    name = "mesh"

    def __init__(self, subject: Subject, config: MeshEngineConfig = MeshEngineConfig()):
        self.subject, self.config = subject, config
        size = subject.size
        lm = subject.observation.landmarks
        self.src_xy = lm[:, :2].astype(np.float32)  # (478, 2) where each landmark sits in the photo
        tris = subject.model.triangles
        lips = set(INNER_LIP_UPPER) | set(INNER_LIP_LOWER)
        keep = ~np.all(np.isin(tris, list(lips)), axis=1)  # drop the triangles spanning the mouth opening
        self.face_tris = tris[keep]

        # background sheet: outline + rings + border, triangulated in the photo
        oval = np.array(FACE_OVAL)
        centre = self.src_xy[oval].mean(0)
        rings, self.ring_anchor, self.ring_weight = [], [], []
        for scale, weight in zip(config.ring_scales, config.ring_weights):
            rings.append(centre + (self.src_xy[oval] - centre) * scale)
            self.ring_anchor.append(oval)
            self.ring_weight.append(np.full(len(oval), weight, np.float32))
        t = np.linspace(0, size - 1, config.border_step + 1, dtype=np.float32)
        border = np.concatenate([np.stack([t, np.zeros_like(t)], 1), np.stack([t, np.full_like(t, size - 1)], 1),
                                 np.stack([np.zeros_like(t[1:-1]), t[1:-1]], 1),
                                 np.stack([np.full_like(t[1:-1], size - 1), t[1:-1]], 1)])
        self.ring_anchor = np.concatenate(self.ring_anchor)
        self.ring_weight = np.concatenate(self.ring_weight)
        ring_xy = np.concatenate(rings)
        # ring points that fall outside the image are clamped onto it (they stay valid sheet points)
        ring_xy = np.clip(ring_xy, 0, size - 1)
        self.sheet_src = np.concatenate([self.src_xy[oval], ring_xy, border]).astype(np.float32)
        self.n_oval, self.n_ring = len(oval), len(ring_xy)
        self.sheet_tris = Delaunay(self.sheet_src).simplices.astype(np.int32)
        self.oval = oval

        # all vertices rendered together: face (468) then sheet
        self.faces_all = np.concatenate([self.face_tris, self.sheet_tris + N_FACE]).astype(np.int32)
        self.src_all = np.concatenate([self.src_xy[:N_FACE], self.sheet_src]).astype(np.float32)
        personal = subject.personal
        self.pivot = personal[:N_FACE].mean(0) + np.array(config.pivot_cm, np.float32)
        self.jaw_idx = [IDX[n] for n in JAW_SHAPES]
        self.lip_poly = list(inner_lip_polygon())
        self.palette = MouthPalette.from_photo(subject.image, self.src_xy[list(INNER_LIP_UPPER + INNER_LIP_LOWER)],
                                               self.src_xy[self.lip_poly])
        self.eyes = ((list(LEFT_EYE), IDX["eyeBlinkLeft"]), (list(RIGHT_EYE), IDX["eyeBlinkRight"]))
        self.closed_eyes = self._closed_eye_texture()

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
    def _pose(self, head: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
        rot = rotation(head[0] + np.radians(camera.yaw), head[1] + np.radians(camera.pitch),
                       head[2] + np.radians(camera.roll))
        return rot, head[3:6].astype(np.float32)

    def project(self, expr_delta: np.ndarray, head: np.ndarray, camera: Camera) -> np.ndarray:
        """(478, 3) image-space vertices (x, y px; z px, smaller = nearer) for one frame."""
        x = self.subject.personal + np.tensordot(expr_delta, self.subject.model.expr_basis, axes=1)
        rot, trans = self._pose(head, camera)
        x = (x - self.pivot) @ rot.T + self.pivot + trans
        img = self.subject.fit.to_image(x)
        if camera.zoom != 1.0:
            c = self.subject.size / 2
            img[:, :2] = (img[:, :2] - c) * camera.zoom + c
        return img

    def frame_expr_delta(self, expr: np.ndarray) -> np.ndarray:
        """Motion coefficients are offsets from the photo's own expression, clipped to the valid range."""
        ref = self.subject.ref_expr
        return np.clip(ref + expr, 0.0, 1.0) - ref

    # --- rendering ----------------------------------------------------------------------------
    def render(self, expr: np.ndarray, head: np.ndarray, camera: Camera = Camera()) -> np.ndarray:
        """One RGB frame (S, S, 3) uint8 for expression (52,), head (6,) and a viewer camera."""
        size = self.subject.size
        delta = self.frame_expr_delta(expr)
        v = self.project(delta, head, camera)
        face_xy = v[:N_FACE, :2]
        move = v[self.oval, :2] - self.src_xy[self.oval]
        ring_xy = self.sheet_src[self.n_oval:self.n_oval + self.n_ring] + \
            move[np.tile(np.arange(len(self.oval)), len(self.config.ring_scales))] * self.ring_weight[:, None]
        sheet_xy = np.concatenate([v[self.oval, :2], ring_xy, self.sheet_src[self.n_oval + self.n_ring:]])
        xy = np.concatenate([face_xy, sheet_xy]).astype(np.float32)
        far = float(v[:N_FACE, 2].max()) + 10.0 * size  # the sheet lies behind every face vertex
        z = np.concatenate([v[:N_FACE, 2], np.full(len(sheet_xy), far, np.float32)])
        tri_id, bary, depth = rasterize(xy, z, self.faces_all, size, size)
        src = interpolate(tri_id, bary, self.faces_all, self.src_all, fill=-1.0)
        out = cv2.remap(self.subject.image, src[..., 0], src[..., 1], cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REFLECT_101)
        out = antialias(out, depth_edges(depth, jump=0.05 * size))
        self._close_eyes(out, src, v, delta)
        self._draw_mouth(out, v, delta, head, camera)
        return out

    def _close_eyes(self, out: np.ndarray, src: np.ndarray, v: np.ndarray, delta: np.ndarray) -> None:
        """Blend in the closed-eye texture (same warp) as a blink or squint shuts each eye."""
        size = out.shape[0]
        for contour, blink_idx in self.eyes:
            shut = float(self.subject.ref_expr[blink_idx] + delta[blink_idx])
            w = np.clip((shut - 0.45) / 0.4, 0.0, 1.0)
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
            patch = cv2.remap(self.closed_eyes, src[y0:y1, x0:x1, 0], src[y0:y1, x0:x1, 1], cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT_101)
            region = out[y0:y1, x0:x1].astype(np.float32)
            out[y0:y1, x0:x1] = (region * (1 - mask[..., None]) + patch * mask[..., None]).astype(np.uint8)

    def _draw_mouth(self, out: np.ndarray, v: np.ndarray, delta: np.ndarray, head: np.ndarray,
                    camera: Camera) -> None:
        lip = v[self.lip_poly, :2]
        gap = v[list(INNER_LIP_LOWER), 1] - v[list(INNER_LIP_UPPER), 1]
        rest_gap = self.src_xy[list(INNER_LIP_LOWER), 1] - self.src_xy[list(INNER_LIP_UPPER), 1]
        if gap.max() <= 0.5 and rest_gap.max() <= 0.5:
            return
        rest = self.project(np.zeros_like(delta), head, camera)  # skull-fixed upper teeth
        jaw_only = np.zeros_like(delta)
        jaw_only[self.jaw_idx] = delta[self.jaw_idx]
        jaw = self.project(jaw_only, head, camera) if np.any(jaw_only) else rest
        draw_mouth(out, lip, rest[list(INNER_LIP_UPPER), :2], jaw[list(INNER_LIP_LOWER), :2], self.palette)

    def render_motion(self, motion: Motion, camera: Camera = Camera(), start: int = 0, stop: int | None = None):
        """Yield frames start..stop of a Motion."""
        for t in range(start, len(motion) if stop is None else stop):
            yield self.render(motion.expr[t], motion.head[t], camera)
