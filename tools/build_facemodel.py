"""Transfer the ICT-FaceKit head model onto MediaPipe's 478-landmark topology.

    python tools/build_facemodel.py ICT_NPZ [OUT_NPZ]

ICT_NPZ is ``ict_facekit.npz`` as built by ``build_ict.py`` from github ICT-VGL/ICT-FaceKit
(MIT; neutral + 53 expression deltas + 100 identity modes, centimetres, +y up, +z to the
viewer). We render the ICT head (jaw slightly open, eyes painted) with tritalk's own
rasterizer, run MediaPipe's Face Landmarker on the render, and cast each of the 478
detected landmarks back onto the ICT surface (face skin for 0-467, the eyeballs for the
iris points 468-477). The hit triangle + barycentric weights are a topology-level
correspondence, so neutral, expression and identity deltas are all interpolated with them.
MediaPipe's own triangle list (the canonical 468-vertex mesh inside the ``.task`` bundle)
gives the surface. The script then checks the transfer: ICT renders with other expressions
are run through MediaPipe again and compared with the transferred model's projections.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

from tritalk.face.analyse import detect_landmarks_raw
from tritalk.render.rasterizer import interpolate, rasterize
from tritalk.types import BLENDSHAPES

TASK = Path(__file__).resolve().parents[1] / "src/tritalk/assets/models/face_landmarker.task"
SIZE = 768
JAW_FOR_TRANSFER = 0.15  # parts the lips so inner-lip landmarks land on the right lip
SKIP = ("M_LacrimalFluid", "M_EyeBlend", "M_EyeOcclusion", "M_EyeLashes")  # transparent layers


def ict_to_arkit(name: str) -> str:
    return name.replace("_L", "Left").replace("_R", "Right")


def canonical_mesh() -> tuple[np.ndarray, np.ndarray]:
    """(468, 5) x, y, z, u, v and (898, 3) triangles from the geometry pipeline metadata."""
    data = zipfile.ZipFile(TASK).read("geometry_pipeline_metadata_landmarks.binarypb")

    def varint(b, i):
        r = s = 0
        while True:
            c = b[i]; i += 1; r |= (c & 0x7F) << s; s += 7
            if c < 0x80:
                return r, i

    def fields(b):
        i, out = 0, []
        while i < len(b):
            k, i = varint(b, i)
            f, t = k >> 3, k & 7
            if t == 0:
                v, i = varint(b, i)
            elif t == 2:
                n, i = varint(b, i); v = b[i:i + n]; i += n
            elif t == 5:
                v = struct.unpack("<f", b[i:i + 4])[0]; i += 4
            else:
                v = b[i:i + 8]; i += 8
            out.append((f, v))
        return out

    mesh = fields([v for f, v in fields(data) if f == 1][0])
    verts = np.array([v for f, v in mesh if f == 3], np.float32).reshape(-1, 5)
    tris = np.array([v for f, v in mesh if f == 4], np.int32).reshape(-1, 3)
    return verts, tris


class IctRenderer:
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
        v = self.d["neutral"].astype(np.float64).copy()
        for k, w in expr.items():
            v += w * self.d["expr_deltas"][self.names.index(k)].astype(np.float64)
        return v

    def project(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cam_z, f = 70.0, SIZE * 2.2
        zc = cam_z - (v[:, 2] - 3.0)
        xy = np.stack([SIZE / 2 + f * v[:, 0] / zc, SIZE / 2 - f * (v[:, 1] - 1.0) / zc], 1)
        return xy, zc

    def render(self, expr: dict[str, float]):
        v = self.verts(expr)
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
        colours = {"M_Face": (215, 170, 145), "M_BackHead": (215, 170, 145), "M_GumsTongue": (150, 60, 60),
                   "M_Teeth": (235, 235, 225), "M_ScleraLeft": (240, 240, 240), "M_ScleraRight": (240, 240, 240),
                   "M_IrisLeft": (70, 50, 35), "M_IrisRight": (70, 50, 35)}
        fcol = np.array([colours[self.mats[m]] for m in self.fmat], np.float32)
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


def main(ict_npz: str, out: str = "src/tritalk/assets/facemodel/face_model.npz") -> None:
    r = IctRenderer(ict_npz)
    img, v, xy, zc = r.render({"jawOpen": JAW_FOR_TRANSFER})
    lms = detect_landmarks_raw(img)
    assert lms is not None, "MediaPipe found no face on the ICT render"
    pts = lms[:, :2] * SIZE
    face_ids, weights = np.zeros(478, np.int64), np.zeros((478, 3))
    for i, p in enumerate(pts):
        mats = ("M_ScleraLeft", "M_ScleraRight") if i >= 468 else ("M_Face",)
        face_ids[i], weights[i] = r.hit(xy, zc, p, mats)
    corner = r.d["faces"][face_ids]  # (478, 3) ICT vertex ids

    def transfer(field: np.ndarray) -> np.ndarray:  # (..., V_ict, 3) -> (..., 478, 3)
        return np.einsum("...kij,ki->...kj", field[..., corner, :].astype(np.float32), weights.astype(np.float32))

    neutral = transfer(r.d["neutral"])
    ict_expr = transfer(r.d["expr_deltas"])
    expr = np.zeros((len(BLENDSHAPES), 478, 3), np.float32)
    for k, name in enumerate(r.names):
        arkit = ict_to_arkit(name)
        if arkit not in BLENDSHAPES:  # ICT splits browInnerUp and cheekPuff into halves; ARKit has one
            expr[BLENDSHAPES.index(arkit.replace("Left", "").replace("Right", ""))] += ict_expr[k]
        else:
            expr[BLENDSHAPES.index(arkit)] = ict_expr[k]
    ident = transfer(r.d["id_deltas"])
    canon, tris = canonical_mesh()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, neutral=neutral, expr_deltas=expr.astype(np.float16), id_deltas=ident.astype(np.float16),
                        triangles=tris, uv=canon[:, 3:5], canonical=canon[:, :3],
                        blendshapes=np.array(BLENDSHAPES), ict_faces=face_ids.astype(np.int32),
                        ict_weights=weights.astype(np.float32))
    print(f"wrote {out}: neutral {neutral.shape}, expr {expr.shape}, id {ident.shape}, tris {tris.shape}")

    # --- check: does the transferred model predict where MediaPipe sees the landmarks? ---
    iod_idx = (33, 263)
    for test in ({}, {"jawOpen": 0.6}, {"mouthSmile_L": 0.8, "mouthSmile_R": 0.8}, {"mouthFunnel": 0.7},
                 {"eyeBlink_L": 1.0, "eyeBlink_R": 1.0}, {"browInnerUp_L": 1, "browInnerUp_R": 1}):
        img_t, _, _, _ = r.render(test)
        det = detect_landmarks_raw(img_t)
        vt = neutral.copy()
        for k, w in test.items():
            vt += w * ict_expr[r.names.index(k)]
        pxy, _ = r.project(vt)
        if det is None:
            print(test, "MediaPipe found no face")
            continue
        d2 = det[:, :2] * SIZE
        iod = np.linalg.norm(d2[iod_idx[0]] - d2[iod_idx[1]])
        err = np.linalg.norm(pxy - d2, axis=1) / iod
        lips = [13, 14, 78, 308, 82, 87, 312, 317]
        print(f"{test}: mean err {err.mean():.3f} IOD, lips {err[lips].mean():.3f}, max {err.max():.3f} (lm {err.argmax()})")


if __name__ == "__main__":
    main(*sys.argv[1:])
