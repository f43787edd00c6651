"""Long hair over the face's sides (render/hanging_hair.py): found only where the hair hangs beside the neck."""

from pathlib import Path

import numpy as np
import pytest

from tritalk.face.model import FACE_OVAL
from tritalk.face.subject import prepare_subject
from tritalk.io.image import load_image
from tritalk.render.hanging_hair import BROWS, is_long_hair, long_hair_fraction, side_hair_share, strand_mask
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


def test_long_hair_is_also_found_beside_the_lower_face(analyser, subject256):
    """A GRID speaker with curls to her shoulders (tests/data, lwbsza; never used for tuning before this test):
    beside her neck under the chin the frame shows her black top, not hair (``long_hair_fraction`` 0.00), but beside
    her lower face on both sides, from the jaw's angles to the chin, the hair of her temples hangs on (0.65-0.68 at
    128-512 px). Short hair, a bob to the jaw (Collins), hair tied back with a strand beside the neck on one side
    (London 025: 0.19 at 128 px when one side counted) and a crop (the denim GRID speaker) have none there, at 128 and
    256 px. ``HeadConfig.hair`` overrides the reading."""
    config = HeadConfig()
    for size in (128, 256):
        curls = prepare_subject(load_image(DATA / "grid_lwbsza_frame10.jpg"), size, analyser)
        assert long_hair_fraction(curls, config) < config.hang_fraction
        assert side_hair_share(curls, config) > 4 * config.hang_side_share
        assert is_long_hair(curls, config) and strand_mask(curls, config).any()
        shorts = [prepare_subject(load_image(DATA / name), size, analyser)
                  for name in ("london_025_female_black_neutral_450.jpg", "astronaut_collins_512.jpg",
                               "grid_bbaf2n_frame10.jpg")]
        for subject in shorts + ([subject256] if size == 256 else []):
            assert side_hair_share(subject, config) < 0.5 * config.hang_side_share, size
            assert not is_long_hair(subject, config), size
    # the user's word over the photo's
    assert not is_long_hair(curls, HeadConfig(hair="short"))
    assert not strand_mask(curls, HeadConfig(hair="over_ears")).any()
    assert is_long_hair(shorts[0], HeadConfig(hair="long"))


def test_an_unknown_hair_style_is_refused():
    from tritalk.errors import ConfigError

    with pytest.raises(ConfigError, match="hair 'curly' is unknown; choose one of auto, short, over_ears, long"):
        HeadConfig(hair="curly")


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


def test_the_users_word_on_hair_over_the_ears(analyser):
    """``hair="short"`` leaves Collins' ears bare (her bob read over them otherwise), ``hair="over_ears"`` hangs hair
    over London 025's visible ears: the completed head over the model's ears is hair, or not."""
    from dataclasses import replace

    from tritalk.render.head_mesh import ear_region
    from tritalk.render.mesh_config import MeshEngineConfig
    from tritalk.render.mesh_engine import MeshEngine

    def ears_hair(name: str, hair: str) -> float:
        subject = prepare_subject(load_image(DATA / name), 256, analyser)
        config = MeshEngineConfig()
        e = MeshEngine(subject, replace(config, head=replace(config.head, hair=hair)))
        ears = ear_region(subject, e.head.rest, config.head)
        return float((e.head_tex.hair[ears] > 0.5).mean())

    collins, london = "astronaut_collins_512.jpg", "london_025_female_black_neutral_450.jpg"
    assert ears_hair(collins, "auto") > 0.5 > 0.2 > ears_hair(collins, "short")
    assert ears_hair(london, "over_ears") > 0.5 > 0.2 > ears_hair(london, "auto")
