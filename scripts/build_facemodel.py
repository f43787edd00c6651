"""Transfer the ICT-FaceKit head model onto MediaPipe's 478-landmark topology: builds
``src/tritalk/assets/facemodel/face_model.npz``.

Source: ICT-FaceKit (github ICT-VGL/ICT-FaceKit, MIT licence, shipped as
``assets/facemodel/LICENSE-ICT-FaceKit.txt``) as ``ict_facekit.npz``, built by ICT-FaceKit's
``build_ict.py`` (neutral + 53 expression deltas + 100 identity modes, centimetres, +y up, +z to the
viewer); MediaPipe's canonical face mesh from the packaged ``face_landmarker.task`` (Apache-2.0).

We render the ICT head (jaw slightly open, eyes painted; ``tritalk.eval.ict_head``), run MediaPipe's
Face Landmarker on the render, and cast each of the 478 detected landmarks back onto the ICT surface
(face skin for 0-467, the eyeballs for the iris points 468-477). The hit triangle + barycentric weights
are a topology-level correspondence, so neutral, expression and identity deltas are all interpolated
with them. MediaPipe's own triangle list (the canonical 468-vertex mesh inside the ``.task`` bundle)
gives the surface. The script then checks the transfer: ICT renders with other expressions are run
through MediaPipe again and compared with the transferred model's projections.

Usage (from the repository root):
    .venv/bin/python scripts/build_facemodel.py ICT_NPZ [-o src/tritalk/assets/facemodel/face_model.npz]
"""

from __future__ import annotations

import argparse
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

from tritalk.eval.ict_head import SIZE, IctRenderer
from tritalk.face.analyse import detect_landmarks_raw, task_path
from tritalk.types import BLENDSHAPES

JAW_FOR_TRANSFER = 0.15  # parts the lips so inner-lip landmarks land on the right lip


def ict_to_arkit(name: str) -> str:
    return name.replace("_L", "Left").replace("_R", "Right")


def canonical_mesh() -> tuple[np.ndarray, np.ndarray]:
    """(468, 5) x, y, z, u, v and (898, 3) triangles from the geometry pipeline metadata."""
    data = zipfile.ZipFile(task_path()).read("geometry_pipeline_metadata_landmarks.binarypb")

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


def build(ict_npz: str, out: str) -> None:
    r = IctRenderer(ict_npz)
    img, v, xy, zc = r.render({"jawOpen": JAW_FOR_TRANSFER})
    lms = detect_landmarks_raw(img)
    if lms is None:
        raise SystemExit("MediaPipe found no face on the ICT render; check ICT_NPZ")
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ict_npz", help="ict_facekit.npz built by ICT-FaceKit's build_ict.py")
    ap.add_argument("-o", "--output", default="src/tritalk/assets/facemodel/face_model.npz")
    args = ap.parse_args(argv)
    build(args.ict_npz, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
