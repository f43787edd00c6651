"""The Engine seam: Subject + Motion + CameraPath -> frames. Every engine is registered here by name.

    engine = engine_class("mesh")(subject, config.engine_config("mesh"))
    chunk = engine.render(motion, path, start=0, stop=25)  # (25, S, S, 3) uint8

The pipeline, the CLI, the web app, live mode, batch and eval only talk to this protocol; they
never know which engine runs. ``Motion.expr`` is absolute (types.py): an engine renders it
against its subject's own expression, so a frame whose ``expr`` equals ``Subject.ref_expr`` at
the photo's camera shows the photo's face as it is. Engines are imported lazily, so naming one
costs nothing until it is built.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from tritalk.errors import ConfigError
from tritalk.face.subject import Subject
from tritalk.types import CameraPath, Motion


@runtime_checkable
class Engine(Protocol):
    """Built once per Subject (all per-photo work happens here); then renders any Motion from any camera."""

    name: ClassVar[str]
    subject: Subject

    def __init__(self, subject: Subject, config: Any) -> None: ...

    def render(self, motion: Motion, path: CameraPath, start: int, stop: int) -> np.ndarray:
        """(stop - start, S, S, 3) uint8: frames ``start .. stop - 1`` of ``motion`` seen along ``path``
        (frame t at time t / motion.fps); S = ``subject.size``. Same inputs, same pixels."""
        ...


@dataclass(frozen=True)
class EngineEntry:
    name: str
    target: str  # "module:Class", imported on first use
    config_field: str  # the TritalkConfig field that holds this engine's config
    summary: str  # one line for --help and error messages


ENGINES: dict[str, EngineEntry] = {}


def register_engine(entry: EngineEntry) -> None:
    """Add (or replace) an engine under ``entry.name``. Its config lives in the ``TritalkConfig`` field
    ``entry.config_field`` (a new engine adds that field to config.py: the tree stays one typed object)."""
    import dataclasses

    from tritalk.config import TritalkConfig

    fields = {f.name for f in dataclasses.fields(TritalkConfig)}
    if entry.config_field not in fields:
        raise ConfigError(f"engine '{entry.name}' names config field '{entry.config_field}', which TritalkConfig "
                          f"does not have; add it to tritalk/config.py")
    ENGINES[entry.name] = entry


register_engine(EngineEntry("mesh", "tritalk.render.mesh_engine:MeshEngine", "mesh",
                            "explicit 3D mesh from the photo; CPU, real time (default)"))
register_engine(EngineEntry("triplane", "tritalk.neural.triplane_engine:TriplaneEngine", "triplane",
                            "the paper's tri-plane generator (neural head over the mesh engine's hair, body, "
                            "background); shipped tiny model: low detail"))


def engine_names() -> tuple[str, ...]:
    return tuple(ENGINES)


def engine_entry(name: str) -> EngineEntry:
    if name not in ENGINES:
        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}")
    return ENGINES[name]


def engine_class(name: str) -> type[Engine]:
    module, _, attr = engine_entry(name).target.partition(":")
    return getattr(importlib.import_module(module), attr)
