"""The disocclusion fill's weights (render/disocclusion.py): how much a pixel shows completed colour."""

from __future__ import annotations

import numpy as np

from tritalk.render.disocclusion import fill_weight


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
