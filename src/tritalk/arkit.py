"""ARKit blendshape names as tables and configs write them -> coefficient columns.

A full ARKit name (``jawOpen``, ``mouthSmileLeft``) is its own column; a name without Left/Right
whose two sides are ARKit names (``mouthSmile``) stands for both. Every table keyed by shape names
(emotion prototypes, expression gains, the speech models' targets) is read through here, so an
unknown name is always the same ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from tritalk.errors import ConfigError
from tritalk.types import IDX, N_EXPR


def shape_columns(name: str) -> list[int]:
    """Coefficient columns (BLENDSHAPES order) a name writes: itself, or its Left/Right pair."""
    if name in IDX:
        return [IDX[name]]
    pair = (name + "Left", name + "Right")
    if not all(p in IDX for p in pair):
        raise ConfigError(f"unknown blendshape '{name}'; use ARKit names such as jawOpen, mouthSmileLeft "
                          "(a name without Left/Right covers both sides)")
    return [IDX[p] for p in pair]


def shape_vector(values: Mapping[str, float] | Iterable[tuple[str, float]], fill: float = 0.0) -> np.ndarray:
    """(52,) float32: ``fill`` everywhere, then each named shape (or Left/Right pair) set to its value."""
    items = values.items() if isinstance(values, Mapping) else values
    v = np.full(N_EXPR, fill, np.float32)
    for name, value in items:
        v[shape_columns(name)] = value
    return v


def expansion_matrix(names: tuple[str, ...]) -> np.ndarray:
    """(K, 52) 0/1: row k marks the column(s) name k writes (a Left/Right stem writes both)."""
    m = np.zeros((len(names), N_EXPR), np.float32)
    for k, name in enumerate(names):
        m[k, shape_columns(name)] = 1.0
    return m
