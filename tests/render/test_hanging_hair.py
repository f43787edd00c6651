"""Long hair over the face's sides (render/hanging_hair.py): found only where the hair hangs beside the neck."""

from pathlib import Path

import numpy as np

from tritalk.face.model import FACE_OVAL
from tritalk.face.subject import prepare_subject
from tritalk.io.image import load_image
from tritalk.render.hanging_hair import BROWS, long_hair_fraction, strand_mask
from tritalk.render.mesh_config import HeadConfig

DATA = Path(__file__).parents[1] / "data"


def test_long_hair_is_found_only_where_it_hangs_beside_the_neck(analyser, subject256):
    """The long-haired GRID speaker (tests/data) has hair beside her neck (0.36 at 512 px); the bundled example
    (curly hair and a beard) and London 025 (hair tied back) have none: their beards and edges are never painted
    out."""
    config = HeadConfig()
    long = prepare_subject(load_image(DATA / "grid_brbk7n_frame10.jpg"), 256, analyser)
    short = prepare_subject(load_image(DATA / "london_025_female_black_neutral_450.jpg"), 256, analyser)
    assert long_hair_fraction(long, config) > config.hang_fraction
    for subject in (short, subject256):
        assert long_hair_fraction(subject, config) < config.hang_fraction
        assert not strand_mask(subject, config).any()
    mask = strand_mask(long, config)
    # the strands lie over the face's sides, below the brows: a band along them, not the face
    lm = long.observation.landmarks
    ys, xs = np.nonzero(mask > 0.5)
    outline = lm[list(FACE_OVAL), 0]
    half = 0.5 * float(np.ptp(outline))
    assert 50 < len(ys) < 0.3 * np.pi * half * half
    assert np.all(ys > lm[list(BROWS), 1].max())
    assert np.abs(xs - outline.mean()).min() > 0.4 * half


def test_hair_over_both_ears_is_found_only_where_it_covers_them(analyser, subject256):
    """Collins (tests/data: a bob over both ears, down to the jaw) has hair over her ears; the bundled example (curly
    hair, the ears' tops under it), London 025 (hair tied back), the denim GRID speaker (a crop) have not, nor is the
    long-haired GRID speaker's hair (her ears show through it; long hair has its own path: hang_fraction)."""
    from tritalk.render.head_mesh import HeadMesh
    from tritalk.render.hanging_hair import hair_over_ears
    from tritalk.render.mesh_config import MeshEngineConfig
    from tritalk.render.mesh_engine import rendered_expr_basis

    config = MeshEngineConfig()

    def covered(subject) -> bool:
        head = HeadMesh.build(subject, config.head, rendered_expr_basis(subject.model, config))
        return hair_over_ears(subject, head, config.head)

    assert covered(prepare_subject(load_image(DATA / "astronaut_collins_512.jpg"), 256, analyser))
    assert not covered(subject256)
    for name in ("london_025_female_black_neutral_450.jpg", "grid_bbaf2n_frame10.jpg", "grid_brbk7n_frame10.jpg"):
        assert not covered(prepare_subject(load_image(DATA / name), 256, analyser)), name
