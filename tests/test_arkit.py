"""arkit.py: a name or a Left/Right stem -> columns, and one error for an unknown name wherever it is read."""

from __future__ import annotations

import numpy as np
import pytest

from tritalk.arkit import expansion_matrix, shape_columns, shape_vector
from tritalk.errors import ConfigError
from tritalk.face.model import expression_gain_vector
from tritalk.motion.generator import MotionGeneratorConfig
from tritalk.types import IDX


def test_a_stem_covers_both_sides_and_a_full_name_itself():
    assert shape_columns("mouthSmile") == [IDX["mouthSmileLeft"], IDX["mouthSmileRight"]]
    assert shape_columns("jawOpen") == [IDX["jawOpen"]]
    assert shape_columns("mouthLeft") == [IDX["mouthLeft"]]  # an ARKit name that ends in Left is itself
    v = shape_vector({"browDown": 0.5, "jawOpen": 0.2}, fill=1.0)
    assert v[IDX["browDownLeft"]] == v[IDX["browDownRight"]] == 0.5 and v[IDX["jawOpen"]] == pytest.approx(0.2)
    assert np.count_nonzero(v != 1.0) == 3
    m = expansion_matrix(("jawOpen", "mouthPress"))
    assert m.shape == (2, 52) and m.sum(1).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("read", [
    lambda: shape_columns("mouthSmiel"),
    lambda: expression_gain_vector({"mouthSmiel": 1.2}),
    lambda: MotionGeneratorConfig(targets=("jawOpen", "mouthSmiel")),
])
def test_an_unknown_name_is_one_config_error(read):
    with pytest.raises(ConfigError) as e:
        read()
    assert str(e.value) == ("unknown blendshape 'mouthSmiel'; use ARKit names such as jawOpen, mouthSmileLeft "
                            "(a name without Left/Right covers both sides)")
