"""The disocclusion fill's weights (render/disocclusion.py): how much a pixel shows completed colour."""

from __future__ import annotations

import numpy as np

from tritalk.render.disocclusion import blend_fill, fill_weight


def _one_triangle(unseen: float, outside: float, solid: float) -> float:
    tri = np.zeros((1, 1), np.int32)
    bary = np.full((1, 1, 3), 1.0 / 3.0, np.float32)
    faces = np.array([[0, 1, 2]], np.int32)
    attrs = np.zeros((3, 5), np.float32)
    attrs[:, 3], attrs[:, 4] = unseen, outside
    return float(fill_weight(tri, bary, faces, np.zeros(1, np.float32), attrs, solid)[0, 0])


def test_a_half_seen_doubted_vertex_shows_only_completed_colour_once_turned():
    # half never seen, the seen half doubted (grazing, background): turned, none of the photo shows
    assert _one_triangle(0.5, 0.5, 1.0) == 1.0


def test_the_photos_view_shows_the_photo_where_it_was_seen():
    assert _one_triangle(0.0, 1.0, 0.0) == 0.0  # doubted pixels are still the photo's own at its view
    assert _one_triangle(0.25, 0.75, 0.0) == 0.25  # the never-seen share is completed even there
    assert 0.0 < _one_triangle(0.0, 1.0, 0.5) < 1.0  # and it turns into completed colour with the view


def _wall_pixel(matte: float, solid: float, wall: bool | None) -> np.ndarray:
    """One pixel of a head triangle whose completed colour is (200, 100, 50), over a photo pixel of (10, 10, 10)
    with the given remapped matte, with no other reason to show fill (``open_px`` 0)."""
    person = np.full((1, 1, 3), 10, np.uint8)
    alpha = np.full((1, 1), matte, np.float32)
    tri = np.zeros((1, 1), np.int32)
    bary = np.full((1, 1, 3), 1.0 / 3.0, np.float32)
    faces = np.array([[0, 1, 2]], np.int32)
    attrs = np.zeros((3, 5), np.float32)
    attrs[:, :3] = (200, 100, 50)
    blend_fill(person, alpha, np.zeros((1, 1), np.float32), np.zeros((1, 1, 2), np.float32), tri, bary, faces,
               attrs, np.ones(1, bool), np.zeros((2, 2, 3), np.uint8), 0, 0,
               wall=None if wall is None else np.array([wall]), solid=solid)
    return person[0, 0]


def test_a_turned_head_pixel_on_the_wall_shows_its_completed_colour():
    assert list(_wall_pixel(0.0, 1.0, True)) == [200, 100, 50]  # the wall beside the person: completed
    assert list(_wall_pixel(0.5, 1.0, True)) == [200, 100, 50]  # the matte's soft edge: completed too
    assert list(_wall_pixel(1.0, 1.0, True)) == [10, 10, 10]  # the person: the photo
    assert list(_wall_pixel(0.0, 0.0, True)) == [10, 10, 10]  # the photo's own view: the photo
    assert list(_wall_pixel(0.0, 1.0, False)) == [10, 10, 10]  # a triangle that cannot sample the wall
    assert list(_wall_pixel(0.0, 1.0, None)) == [10, 10, 10]  # switched off


def _edge_pixel(share: float, sharp: float) -> int:
    """One pixel of a head triangle whose blended completed colour is 100 and whose hair's colour lies 100 above the
    rest's (``attrs`` columns 11-13), with the hair's share ``share`` at every corner; no neck texture."""
    person = np.zeros((1, 1, 3), np.uint8)
    alpha = np.zeros((1, 1), np.float32)
    tri = np.zeros((1, 1), np.int32)
    bary = np.full((1, 1, 3), 1.0 / 3.0, np.float32)
    faces = np.array([[0, 1, 2]], np.int32)
    attrs = np.zeros((3, 15), np.float32)
    attrs[:, :3], attrs[:, 11:14], attrs[:, 14] = 100.0, 100.0, share
    blend_fill(person, alpha, np.ones((1, 1), np.float32), np.zeros((1, 1, 2), np.float32), tri, bary, faces,
               attrs, np.ones(1, bool), np.zeros((2, 2, 3), np.uint8), 0, 0, sharp=sharp)
    return int(person[0, 0, 0])


def test_the_hairs_edge_moves_a_blended_pixel_towards_its_side():
    """(head_texture._hair_edge) a pixel whose share of hair is 0.3 moves from the blend towards the rest by
    clip((0.3 - 0.5) * 2 + 0.5) - 0.3 = -0.2 of (hair - rest) at sharpness 2, not at all at sharpness 1 or off (0);
    at 0.7 towards the hair, at 0.5 it stays; without a neck texture too."""
    assert _edge_pixel(0.3, 2.0) == 80
    assert _edge_pixel(0.7, 2.0) == 120
    assert _edge_pixel(0.5, 2.0) == 100
    assert _edge_pixel(0.3, 1.0) == 100
    assert _edge_pixel(0.3, 0.0) == 100
