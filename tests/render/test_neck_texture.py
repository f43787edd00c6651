"""The neck's texture (neck_texture.py) on a synthetic neck: a cylinder seen from the front by a 'photo' of a dark
neck over a white shirt, the edge between two rings of vertices."""

from __future__ import annotations

import numpy as np

from tritalk.render.mesh_config import HeadConfig
from tritalk.render.neck_texture import COLS, build_neck_texture, neck_at, neck_coords

RADIUS, RINGS, SEGMENTS = 6.0, 11, 24  # cm; rings 1 cm apart
EDGE_Y = -5.5  # the shirt's edge in the photo, between two rings [cm]


def cylinder():
    ang = np.linspace(-np.pi, np.pi, SEGMENTS, endpoint=False) + np.pi / SEGMENTS  # (no vertex on the seam)
    ys = -np.arange(RINGS, dtype=np.float32)  # 0 .. -10 cm
    pts = np.array([[RADIUS * np.sin(a), y, RADIUS * np.cos(a)] for y in ys for a in ang], np.float32)
    tris = []
    for r in range(RINGS - 1):
        for k in range(SEGMENTS):
            a, b = r * SEGMENTS + k, r * SEGMENTS + (k + 1) % SEGMENTS
            tris += [[a, b, a + SEGMENTS], [b, b + SEGMENTS, a + SEGMENTS]]
    return pts, np.array(tris, np.int32)


def photo_of(pts):
    """A 200 px 'photo' (10 px per cm, the neck's top at row 20): dark neck above EDGE_Y, white shirt below."""
    img = np.full((200, 200, 3), 40.0, np.float32)
    img[int(20 - EDGE_Y * 10):] = 230.0
    src = np.stack([100 + 10 * pts[:, 0], 20 - 10 * pts[:, 1]], 1).astype(np.float32)
    return img, src


def test_the_photos_edge_is_sharp_between_rings_and_the_back_takes_the_clothes_by_height():
    pts, tris = cylinder()
    img, src = photo_of(pts)
    front = (pts[:, 2] > 0.5 * RADIUS).astype(np.float32)  # seen by the photo
    clothes = front * (pts[:, 1] < EDGE_Y)
    never = 1.0 - (pts[:, 2] > 0).astype(np.float32)  # the back, never seen
    completed = np.full((len(pts), 3), 60.0, np.float32)  # the skin continued over the never-seen back
    line = pts[:, 1] - EDGE_Y  # the clothes' line round the back at the photo's edge
    cfg = HeadConfig()
    tex = build_neck_texture(pts, tris, completed, never, line, front, clothes, np.ones(len(pts), np.float32), src,
                             img, np.ones(len(pts), np.float32), cfg)
    assert tex is not None
    rows = tex.image.shape[0]
    grey = tex.image.mean(2)
    front_col, back_col = COLS // 2, 0
    top = cfg.neck_texel_cm  # (the texture's first row: a texel over the highest vertex)
    above = int((top - (EDGE_Y + 0.6)) / cfg.neck_texel_cm)  # rows 6 mm over / under the edge
    below = int((top - (EDGE_Y - 0.6)) / cfg.neck_texel_cm)
    assert 0 < above < below < rows
    # at the front, the photo's own edge: dark 6 mm above it, white 6 mm below (the vertices are 1 cm apart)
    assert grey[above, front_col] < 80 and grey[below, front_col] > 190, (grey[above, front_col],
                                                                          grey[below, front_col])
    # at the back (never seen): the skin's completion above the line, the shirt's colour at that height below it
    assert grey[above, back_col] < 100 and grey[below, back_col] > 190, (grey[above, back_col], grey[below, back_col])
    # within a few texels of the line, all of the change (the rings' colours interpolated would spread it over 1 cm)
    col = grey[:, back_col]
    edge = int(round((top - EDGE_Y) / cfg.neck_texel_cm))
    assert col[edge + 2] - col[edge - 2] > 0.8 * (col[below] - col[above])


def test_the_texture_wraps_round_the_back():
    """Column 0 lies behind the neck; the triangles across the seam fill the texels beside it (and not the front's),
    and a pixel of a triangle across it samples the texels beside it."""
    pts, tris = cylinder()
    ang = np.arctan2(pts[:, 0], pts[:, 2])
    completed = (120.0 + 80.0 * np.cos(ang))[:, None] * np.ones((1, 3), np.float32)  # 40 behind .. 200 in front
    zeros, ones = np.zeros(len(pts), np.float32), np.ones(len(pts), np.float32)
    tex = build_neck_texture(pts, tris, completed.astype(np.float32), zeros, zeros, zeros, zeros, ones,
                             np.zeros((len(pts), 2), np.float32), np.zeros((8, 8, 3), np.float32), ones, HeadConfig())
    grey = tex.image[2:-3].mean(2)  # (rows inside the cylinder)
    cols = np.arange(COLS)
    expect = 120.0 + 80.0 * np.cos((cols + 0.5) / COLS * 2 * np.pi - np.pi)
    # the rings' colours interpolated over 15 deg segments, blurred round the neck: within 12 levels everywhere
    assert np.abs(grey - expect[None, :]).max() < 12, np.abs(grey - expect[None, :]).max(0).round(0)
    assert np.abs(grey[:, [0, 1, -2, -1]] - 40.0).max() < 12  # both sides of the seam: the back's colour
    c = neck_coords(np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], np.float32),
                    np.zeros(2, np.float32), top=0.0, texel=0.15)
    assert abs(c[0, 0] % COLS) < 1e-3 or abs(c[0, 0] - COLS) < 1e-3
    assert abs(c[1, 0] - COLS / 2) < 1e-3 and abs(c[2, 0] - 3 * COLS / 4) < 1e-3
    tex = np.zeros((4, COLS, 3), np.float32)
    tex[:, : COLS // 8] = 100.0  # near the seam, on both sides of it
    tex[:, -COLS // 8:] = 100.0
    out = np.zeros(3, np.float32)
    neck_at(tex, COLS - 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.25, out)
    assert np.allclose(out, 100.0)


def test_the_neck_texture_can_be_switched_off(subject256):
    """``HeadConfig.neck_texture=False`` draws the neck from the decimated head's vertex colours (as before the texture;
    for comparisons): no texture, no weight, and a turned neck still renders."""
    from dataclasses import replace

    from tritalk.render.mesh_config import MeshEngineConfig
    from tritalk.render.mesh_engine import N_FACE, MeshEngine
    from tritalk.types import Camera

    cfg = MeshEngineConfig()
    eng = MeshEngine(subject256, replace(cfg, head=replace(cfg.head, neck_texture=False)))
    assert eng.head_tex.neck is None
    assert not eng.head_fill_attrs[N_FACE + eng.n_sheet:, 10].any()
    frame = eng.render_frame(subject256.ref_expr, np.zeros(6, np.float32), Camera(yaw=-60))
    assert frame.shape == (256, 256, 3) and frame.std() > 10
