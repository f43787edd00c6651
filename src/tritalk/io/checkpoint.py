"""Trained modules save and load as ``config.json + model.safetensors`` (STYLE.md §4).

    class MotionGenerator(nn.Module, Pretrained):
        Config = MotionGeneratorConfig
        def __init__(self, config: MotionGeneratorConfig): ...   # random weights, loads nothing

    model.save_pretrained(d)                       # d/config.json + d/model.safetensors
    model = MotionGenerator.from_pretrained(d)     # strict: a missing key is a bug, not a warning

Configs are frozen dataclasses; nested dataclass fields and tuples round-trip through JSON
(``Config.from_dict`` rebuilds them from the field types). Optimizer state and the step go in
a separate resume file (``save_resume`` / ``load_resume``), as nanoGPT keeps them beside the model.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any, TypeVar

from tritalk.errors import WeightsError

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
RESUME_NAME = "resume.pt"

T = TypeVar("T")


def config_to_dict(config: Any) -> dict:
    """A dataclass config as JSON-ready dict (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def config_from_dict(cls: type[T], data: dict) -> T:
    """Rebuild a (nested) frozen dataclass config from ``config_to_dict``'s output.

    Unknown keys are an error (a config written by another version); missing keys take the default.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls} is not a dataclass")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise WeightsError(f"config for {cls.__name__} has unknown fields {sorted(unknown)}; "
                           "the checkpoint was written by another tritalk version")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        kwargs[f.name] = _coerce(hints[f.name], data[f.name])
    return cls(**kwargs)


def _coerce(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return config_from_dict(tp, value)
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in value)
        return tuple(_coerce(a, v) for a, v in zip(args, value)) if args else tuple(value)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for a in typing.get_args(tp):
            if a is type(None) and value is None:
                return None
        for a in typing.get_args(tp):
            if a is not type(None):
                return _coerce(a, value)
    return value


class Pretrained:
    """Mixin for ``torch.nn.Module`` subclasses with a ``Config`` dataclass and ``self.config``."""

    Config: type

    def save_pretrained(self, directory: str | Path) -> Path:
        from safetensors.torch import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        (d / CONFIG_NAME).write_text(json.dumps(config_to_dict(self.config), indent=2) + "\n")
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}  # type: ignore[attr-defined]
        save_file(state, str(d / WEIGHTS_NAME), metadata={"format": "pt", "class": type(self).__name__})
        return d

    @classmethod
    def from_pretrained(cls, directory: str | Path, flag: str = "--motion-model"):
        """Load a module saved by ``save_pretrained``; ``WeightsError`` names the path and ``flag``."""
        from safetensors.torch import load_file

        d = Path(directory)
        cfg_path, w_path = d / CONFIG_NAME, d / WEIGHTS_NAME
        if not cfg_path.is_file() or not w_path.is_file():
            raise WeightsError(f"no {CONFIG_NAME} + {WEIGHTS_NAME} checkpoint in '{d}'; "
                               f"pass a directory written by save_pretrained with {flag}")
        try:
            config = config_from_dict(cls.Config, json.loads(cfg_path.read_text()))
            state = load_file(str(w_path))
        except (ValueError, OSError, TypeError) as e:
            raise WeightsError(f"checkpoint in '{d}' is malformed ({e}); retrain or reinstall it") from None
        model = cls(config)  # type: ignore[call-arg]
        try:
            model.load_state_dict(state, strict=True)  # type: ignore[attr-defined]
        except RuntimeError as e:
            first = str(e).splitlines()[0]
            raise WeightsError(f"checkpoint in '{d}' does not match {cls.__name__} ({first}); retrain it") from None
        model.eval()  # type: ignore[attr-defined]
        return model


def save_resume(directory: str | Path, optimizer: Any, step: int, extra: dict | None = None) -> Path:
    """Optimizer state + step beside the model (not part of the shipped checkpoint)."""
    import torch

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    torch.save({"optimizer": optimizer.state_dict(), "step": int(step), "extra": extra or {}}, d / RESUME_NAME)
    return d / RESUME_NAME


def load_resume(directory: str | Path, optimizer: Any) -> int:
    """Restore the optimizer from ``save_resume``; returns the step (0 if there is no resume file)."""
    import torch

    p = Path(directory) / RESUME_NAME
    if not p.is_file():
        return 0
    state = torch.load(p, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    return int(state["step"])


def load_torch_file(path: str | Path, missing: str, kind: str = "a torch state dict", hint: str = "") -> Any:
    """``torch.load`` of a weights file (tensors only) with one-line WeightsErrors: ``missing`` when there is
    no file at ``path``, "'PATH' is not KIND (ErrorName)HINT" when it does not load (truncated, foreign)."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise WeightsError(missing)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise WeightsError(f"'{path}' is not {kind} ({type(e).__name__}){hint}") from None
