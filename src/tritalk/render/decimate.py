"""Quadric-error half-edge collapse (Garland & Heckbert 1997, restricted to collapsing onto an existing vertex).

Offline only: scripts/build_headmodel.py uses it to give the renderer a coarse version of ICT-FaceKit's head: every vertex kept
is one of the model's own, so the identity and expression bases, the landmark correspondence and the
mirror map stay valid; only the triangle list changes.

    tris_lod = decimate(vertices, triangles, locked, target_faces)

``locked`` vertices are never removed (the skin next to the face, where the face mesh meets the head);
the open border of the mesh (neck cut, eye and mouth holes) is never removed either. A collapse that
would flip a triangle, make it a sliver or break the surface's manifoldness is refused.
"""

from __future__ import annotations

import heapq

import numpy as np


def _quadrics(v: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(V, 4, 4) sum of the area-weighted plane quadrics of each vertex's triangles."""
    t = v[tris]
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    area = np.linalg.norm(n, axis=1)
    n = n / np.maximum(area, 1e-12)[:, None]
    p = np.concatenate([n, -(n * t[:, 0]).sum(1, keepdims=True)], 1)
    q = area[:, None, None] * p[:, :, None] * p[:, None, :]
    out = np.zeros((len(v), 4, 4))
    for k in range(3):
        np.add.at(out, tris[:, k], q)
    return out


def _normal(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.cross(b - a, c - a)


def decimate(v: np.ndarray, tris: np.ndarray, locked: np.ndarray, target_faces: int,
             min_cos: float = 0.5) -> np.ndarray:
    """(F', 3) int32 triangles over the same vertices, about ``target_faces`` of them (fewer collapses
    where every remaining one is refused). ``min_cos``: a collapse may turn no triangle's normal by more
    than acos(min_cos)."""
    v = np.asarray(v, np.float64)
    tris = np.asarray(tris, np.int64)
    nv = len(v)
    faces = [list(map(int, t)) for t in tris]
    alive = np.ones(len(faces), bool)
    vfaces: list[set[int]] = [set() for _ in range(nv)]
    nbr: list[set[int]] = [set() for _ in range(nv)]
    edge_count: dict[tuple[int, int], int] = {}
    for f, (a, b, c) in enumerate(faces):
        for x in (a, b, c):
            vfaces[x].add(f)
        for x, y in ((a, b), (b, c), (c, a)):
            nbr[x].add(y)
            nbr[y].add(x)
            key = (min(x, y), max(x, y))
            edge_count[key] = edge_count.get(key, 0) + 1
    lock = np.asarray(locked, bool).copy()
    for (x, y), n in edge_count.items():
        if n != 2:  # border (or non-manifold) edge: its ends stay
            lock[x] = lock[y] = True
    q = _quadrics(v, tris)
    vh = np.concatenate([v, np.ones((nv, 1))], 1)
    version = np.zeros(nv, np.int64)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(u: int, w: int) -> None:
        if not lock[u]:
            cost = float(vh[w] @ (q[u] + q[w]) @ vh[w])
            heapq.heappush(heap, (cost, u, w, int(version[u]), int(version[w])))

    for x in range(nv):
        for y in nbr[x]:
            push(x, y)
    n_faces = len(faces)
    while n_faces > target_faces and heap:
        _, u, w, vu, vw = heapq.heappop(heap)
        if version[u] != vu or version[w] != vw or w not in nbr[u]:
            continue
        shared = vfaces[u] & vfaces[w]
        if len(shared) != 2 or len(nbr[u] & nbr[w]) != 2:  # link condition: the surface stays a manifold
            continue
        ok = True
        for f in vfaces[u] - shared:
            a, b, c = (v[x] for x in faces[f])
            before = _normal(a, b, c)
            after = _normal(*(v[w] if x == u else v[x] for x in faces[f]))
            la, lb = np.linalg.norm(after), np.linalg.norm(before)
            if la < 1e-9 or after @ before < min_cos * la * lb:
                ok = False
                break
        if not ok:
            continue
        for f in shared:
            alive[f] = False
            for x in faces[f]:
                vfaces[x].discard(f)
            n_faces -= 1
        for f in list(vfaces[u]):
            faces[f] = [w if x == u else x for x in faces[f]]
            vfaces[w].add(f)
        vfaces[u].clear()
        for x in nbr[u]:
            nbr[x].discard(u)
            if x != w:
                nbr[x].add(w)
                nbr[w].add(x)
        nbr[u].clear()
        q[w] += q[u]
        version[u] += 1
        version[w] += 1
        for x in nbr[w]:
            push(x, w)
            push(w, x)
    return np.array([faces[f] for f in np.flatnonzero(alive)], np.int32)
