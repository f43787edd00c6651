"""ICT-FaceKit's head (the source of the face model) rendered with known expressions and poses: ground truth.

    r = IctRenderer("ict_facekit.npz")           # built by ``build_ict.py`` from github ICT-VGL/ICT-FaceKit (MIT)
    img, verts, xy, zc = r.render({"jawOpen": 0.6})                   # (768, 768, 3) uint8 + the geometry
    img = r.render(verts=turned)[0]                                   # any vertex positions (a turned head)

The npz holds neutral + 53 expression deltas + 100 identity modes (centimetres, +y up, +z to the
viewer). Renders use tritalk's own rasterizer with flat material colours and painted irises, which
MediaPipe's Face Landmarker reads as a face. scripts/build_facemodel.py casts MediaPipe's landmarks on
these renders back onto the ICT surface (``hit``) and checks the transfer; eval/pose_range.py turns the
head by known angles. The ICT data is never shipped or read at run time.
"""

from __future__ import annotations

import logging

import numpy as np

from tritalk.render.rasterizer import interpolate, rasterize

logger = logging.getLogger(__name__)

SIZE = 768  # render width and height [px]
SKIP = ("M_LacrimalFluid", "M_EyeBlend", "M_EyeOcclusion", "M_EyeLashes")  # transparent layers


MATERIAL_COLOURS = {  # RGB per ICT material: flat skin, gums, teeth, sclera and iris
    "M_Face": (215, 170, 145), "M_BackHead": (215, 170, 145), "M_GumsTongue": (150, 60, 60),
    "M_Teeth": (235, 235, 225), "M_ScleraLeft": (240, 240, 240), "M_ScleraRight": (240, 240, 240),
    "M_IrisLeft": (70, 50, 35), "M_IrisRight": (70, 50, 35)}


class IctRenderer:
    """The ICT head of ``npz`` (ICT-FaceKit arrays: neutral, expr_deltas, expr_names, faces, face_material,
    material_names, id_deltas) seen by a fixed pinhole camera 70 cm in front of it, SIZE x SIZE px."""

    def __init__(self, npz: str):
        self.d = np.load(npz)
        self.names = [str(n) for n in self.d["expr_names"]]
        self.mats = [str(m) for m in self.d["material_names"]]
        fm = self.d["face_material"]
        keep = ~np.isin(fm, [self.mats.index(s) for s in SKIP])
        self.faces, self.fmat = self.d["faces"][keep], fm[keep]
        self.vcol = np.ones((len(self.d["neutral"]), 3), np.float32)
        for side in ("M_ScleraLeft", "M_ScleraRight"):  # paint iris + pupil onto the eyeball
            vs = np.unique(self.d["faces"][fm == self.mats.index(side)])
            p = self.d["neutral"][vs]
            dirs = p - p.mean(0)
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            ang = np.degrees(np.arccos(np.clip(dirs[:, 2], -1, 1)))
            self.vcol[vs[ang < 28]] = np.array([70, 50, 35]) / 240
            self.vcol[vs[ang < 12]] = 10 / 240

    def verts(self, expr: dict[str, float]) -> np.ndarray:
        """(V, 3) vertices [cm] for ICT expression weights by ICT name (e.g. ``{"mouthSmile_L": 0.8}``)."""
        v = self.d["neutral"].astype(np.float64).copy()
        for k, w in expr.items():
            v += w * self.d["expr_deltas"][self.names.index(k)].astype(np.float64)
        return v

    def project(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(V, 3) [cm] -> (V, 2) pixel x, y and (V,) depth from the camera [cm]."""
        cam_z, f = 70.0, SIZE * 2.2
        zc = cam_z - (v[:, 2] - 3.0)
        xy = np.stack([SIZE / 2 + f * v[:, 0] / zc, SIZE / 2 - f * (v[:, 1] - 1.0) / zc], 1)
        return xy, zc

    def render(self, expr: dict[str, float] | None = None, verts: np.ndarray | None = None):
        """(SIZE, SIZE, 3) uint8 image, (V, 3) vertices, (V, 2) pixels, (V,) depths of the head with ICT
        expression weights ``expr``, or at the vertex positions ``verts`` (e.g. a turned head)."""
        v = self.verts(expr or {}) if verts is None else np.asarray(verts, np.float64)
        xy, zc = self.project(v)
        tid, bary, _ = rasterize(xy, zc, self.faces, SIZE, SIZE)
        tri = v[self.faces]
        fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        n = np.zeros_like(v)
        for k in range(3):
            np.add.at(n, self.faces[:, k], fn)
        n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-9
        light = np.array([0.3, 0.4, 1.0]) / np.linalg.norm([0.3, 0.4, 1.0])
        shade = np.clip(n @ light, 0, 1) * 0.75 + 0.25
        fcol = np.array([MATERIAL_COLOURS[self.mats[m]] for m in self.fmat], np.float32)
        img = np.full((SIZE, SIZE, 3), 120, np.float32)
        m = tid >= 0
        sh = interpolate(tid, bary, self.faces, shade[:, None])[..., 0]
        vc = interpolate(tid, bary, self.faces, self.vcol)
        img[m] = fcol[tid[m]] * sh[m, None] * vc[m]
        return img.clip(0, 255).astype(np.uint8), v, xy, zc

    def hit(self, xy: np.ndarray, zc: np.ndarray, point: np.ndarray, materials: tuple[str, ...]):
        """Triangle (ICT face index) and barycentrics of the surface point seen at ``point``."""
        sel = np.isin(self.d["face_material"], [self.mats.index(m) for m in materials])
        faces = self.d["faces"][sel]
        ids = np.nonzero(sel)[0]
        x0, y0 = np.floor(point).astype(int) - 24
        sub_xy = xy - [x0, y0]
        tid, _, _ = rasterize(sub_xy, zc, faces, 49, 49)
        ys, xs = np.nonzero(tid >= 0)
        if len(ys) == 0:
            raise RuntimeError(f"no {materials} surface near {point}")
        k = np.argmin((xs - (point[0] - x0)) ** 2 + (ys - (point[1] - y0)) ** 2)
        f = tid[ys[k], xs[k]]
        # exact barycentrics of the (sub-pixel) point in that triangle, clamped onto it
        a, b, c = sub_xy[faces[f]]
        p = point - [x0, y0]
        m = np.array([[b[0] - a[0], c[0] - a[0]], [b[1] - a[1], c[1] - a[1]]])
        w1, w2 = np.linalg.solve(m, p - a)
        w = np.clip(np.array([1 - w1 - w2, w1, w2]), 0, None)
        return ids[f], w / w.sum()
