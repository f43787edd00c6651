"""Cut ICT-FaceKit's full head (face skin, skull, ears, neck) into ``src/tritalk/assets/facemodel/head_model.npz``.

Source: ICT-FaceKit (github ICT-VGL/ICT-FaceKit, MIT licence, shipped as
``assets/facemodel/LICENSE-ICT-FaceKit.txt``) as ``ict_facekit.npz`` (see scripts/build_facemodel.py).
Kept: the ``M_Face`` and ``M_BackHead`` triangles (no eyeballs, teeth, lashes); their vertices'
neutral, the 52 ARKit expression deltas (ICT's ``_L/_R`` halves of browInnerUp and cheekPuff summed)
and the first identity modes, as float16 with deltas under 0.05 mm set to 0 (they compress away).
Also stored: where each of MediaPipe's 468 face landmarks sits on this head (the correspondence of
face_model.npz, re-indexed onto the kept vertices), each vertex's mirror partner (ICT is symmetric), and
``triangles_lod``: the triangles the renderer draws, decimated (tritalk/render/decimate.py, collapses
onto the model's own vertices) away from the face to ``LOD_KEEP`` of their count. ICT's skull and neck are
finer than a 512^2 frame needs (median 5 px^2 per triangle); the renderer's cost is per triangle there.

Usage (from the repository root):
    .venv/bin/python scripts/build_headmodel.py ICT_NPZ [-o src/tritalk/assets/facemodel/head_model.npz]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy.spatial import cKDTree

from tritalk.render.decimate import decimate
from tritalk.types import BLENDSHAPES

N_IDENTITY = 60  # FaceModel.load's default: the fit solves for this many identity modes
MATERIALS = ("M_Face", "M_BackHead")
TINY_CM = 0.005
LOD_LOCK_CM = 1.0  # vertices this close to a face landmark keep full detail (the seam with the face mesh)
LOD_KEEP = 0.25  # share of the other triangles kept


def ict_to_arkit(name: str) -> str:
    return name.replace("_L", "Left").replace("_R", "Right")


def build(ict_npz: str, face_npz: str, out: str) -> None:
    d = np.load(ict_npz)
    mats = [str(m) for m in d["material_names"]]
    keep_f = np.isin(d["face_material"], [mats.index(m) for m in MATERIALS])
    faces = d["faces"][keep_f]
    verts = np.unique(faces)
    remap = np.full(len(d["neutral"]), -1, np.int64)
    remap[verts] = np.arange(len(verts))
    tris = remap[faces].astype(np.int32)
    neutral = d["neutral"][verts].astype(np.float32)
    expr = np.zeros((len(BLENDSHAPES), len(verts), 3), np.float32)
    for k, name in enumerate(str(n) for n in d["expr_names"]):
        arkit = ict_to_arkit(name)
        target = arkit if arkit in BLENDSHAPES else arkit.replace("Left", "").replace("Right", "")
        expr[BLENDSHAPES.index(target)] += d["expr_deltas"][k][verts]
    ident = d["id_deltas"][:N_IDENTITY][:, verts].astype(np.float32)
    for a in (expr, ident):
        a[np.abs(a) < TINY_CM] = 0.0
    fm = np.load(face_npz)
    corner = remap[d["faces"][fm["ict_faces"][:468]]]  # (468, 3) kept-vertex ids
    assert (corner >= 0).all(), "a face landmark lies off the kept head surface"
    _, mirror = cKDTree(neutral).query(neutral * np.array([-1.0, 1.0, 1.0], np.float32))
    w = fm["ict_weights"][:468].astype(np.float64)
    landmarks = np.einsum("kij,ki->kj", neutral[corner].astype(np.float64), w)
    near, _ = cKDTree(landmarks).query(neutral)
    locked = near < LOD_LOCK_CM
    n_locked = int(locked[tris].all(1).sum())
    lod = decimate(neutral, tris, locked, n_locked + int(LOD_KEEP * (len(tris) - n_locked)))
    np.savez_compressed(out, neutral=neutral, expr_deltas=expr.astype(np.float16), id_deltas=ident.astype(np.float16),
                        triangles=tris, triangles_lod=lod, landmark_vertices=corner.astype(np.int32),
                        landmark_weights=fm["ict_weights"][:468].astype(np.float32), mirror=mirror.astype(np.int32),
                        blendshapes=np.array(BLENDSHAPES))
    print(f"wrote {out}: {len(verts)} vertices, {len(tris)} triangles ({len(lod)} drawn)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ict_npz", help="ict_facekit.npz built by ICT-FaceKit's build_ict.py")
    ap.add_argument("--face-model", default="src/tritalk/assets/facemodel/face_model.npz")
    ap.add_argument("-o", "--output", default="src/tritalk/assets/facemodel/head_model.npz")
    args = ap.parse_args(argv)
    build(args.ict_npz, args.face_model, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
