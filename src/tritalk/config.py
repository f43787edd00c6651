"""One configuration tree for everything a generation run does, built once at the entry point.

    config = TritalkConfig()                                    # the defaults: what `tritalk generate` does
    config = dataclasses.replace(config, size=256, engine="mesh")
    config = replace(config, motion=replace(config.motion, blink_rate=0.0))
    config.save("talk.config.json"); TritalkConfig.load("talk.config.json") == config  # True

Every stage's own frozen dataclass hangs off this tree (audio features, speech motion and its
post-processing, blinks, head, gaze, emotion, the photo fit, each engine), so a saved JSON
reproduces a result. Configs hold values only; nothing here loads a model or imports a renderer.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from tritalk.audio.features import FeatureConfig
from tritalk.errors import ConfigError
from tritalk.face.fit import FitConfig
from tritalk.motion.blink import BlinkConfig
from tritalk.motion.emotion import EmotionConfig
from tritalk.motion.gaze import GazeConfig
from tritalk.motion.head import HeadConfig
from tritalk.motion.lip_closure import SpeechMotionPost
from tritalk.neural.engine_config import TriplaneConfig
from tritalk.render.mesh_config import MeshEngineConfig

CONFIG_FORMAT = "tritalk.config/1"


@dataclass(frozen=True)
class MotionConfig:
    """Audio -> Motion: the speech model and everything added to it."""

    model: str = "gm"
    """Speech -> mouth generator: gm (G_m, motion/generator.py), v1 (the linear baseline), or a checkpoint folder."""
    post: SpeechMotionPost = field(default_factory=SpeechMotionPost)
    """Display-side post-processing of G_m's output (smoothing, silence gate, lip closures)."""
    blink_rate: float = 17.0
    """Blinks per minute at neutral; adults talking blink ~10-25 per minute. Emotions scale it."""
    blink: BlinkConfig = field(default_factory=BlinkConfig)
    head_motion: float = 1.0
    """0 = a still head, 1 = natural idle sway, nods on stressed syllables and turns between phrases."""
    head: HeadConfig = field(default_factory=HeadConfig)
    gaze: GazeConfig = field(default_factory=GazeConfig)
    emotion: EmotionConfig = field(default_factory=EmotionConfig)
    emotion_stats: str | None = None
    """Per-emotion expression statistics (.npz learned from emotional video) instead of the FACS prototypes."""

    def __post_init__(self):
        if not 0.0 <= self.blink_rate <= 60.0:
            raise ConfigError(f"blink rate {self.blink_rate} is out of range; use 0 to 60 blinks per minute")
        if not 0.0 <= self.head_motion <= 1.0:
            raise ConfigError(f"head motion {self.head_motion} is out of range; use a value in [0, 1]")
        if self.model not in ("gm", "v1") and not (Path(self.model) / "config.json").is_file():
            raise ConfigError(f"unknown motion model '{self.model}'; choose gm, v1, or a checkpoint folder "
                              "(config.json + model.safetensors)")


@dataclass(frozen=True)
class TritalkConfig:
    size: int = 512
    """Output frames are size x size pixels."""
    fps: float = 25.0
    """Output frame rate (MEAD / HDTF / GRID are 25 fps)."""
    chunk: int = 25
    """Frames per chunk handed from the engine to the encoder (memory stays flat with the audio's length)."""
    engine: str = "mesh"
    """Which registered engine renders (engine.py)."""
    audio: FeatureConfig = field(default_factory=FeatureConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    fit: FitConfig = field(default_factory=FitConfig)
    mesh: MeshEngineConfig = field(default_factory=MeshEngineConfig)
    """The mesh engine's config (each engine's config is the field named in its registry entry)."""
    triplane: TriplaneConfig = field(default_factory=TriplaneConfig)
    """The tri-plane engine's config (neural/triplane_engine.py)."""

    def __post_init__(self):
        if not (isinstance(self.size, int) and 128 <= self.size <= 2048 and self.size % 2 == 0):
            raise ConfigError(f"size {self.size} is invalid; use an even number of pixels from 128 to 2048")
        if not 5.0 <= self.fps <= 60.0:
            raise ConfigError(f"fps {self.fps} is out of range; use 5 to 60 frames per second")
        if not (isinstance(self.chunk, int) and 1 <= self.chunk <= 1000):
            raise ConfigError(f"chunk {self.chunk} is invalid; use 1 to 1000 frames")
        from tritalk.engine import engine_entry

        engine_entry(self.engine)  # an unknown name fails here, listing the valid ones

    def engine_config(self, name: str | None = None):
        """The config of engine ``name`` (default: the chosen one)."""
        from tritalk.engine import engine_entry

        return getattr(self, engine_entry(name or self.engine).config_field)

    # --- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": CONFIG_FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "TritalkConfig":
        data = dict(data)
        fmt = data.pop("format", CONFIG_FORMAT)
        if fmt != CONFIG_FORMAT:
            raise ConfigError(f"config format '{fmt}' is not {CONFIG_FORMAT}; save the config with this version")
        return _build(cls, data, "config")

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "TritalkConfig":
        try:
            data = json.loads(Path(path).read_text())
        except OSError as e:
            raise ConfigError(f"cannot read config '{path}': {e.strerror}; give a readable .json file") from None
        except ValueError as e:
            raise ConfigError(f"config '{path}' is not JSON ({e}); give a file written by TritalkConfig.save") from None
        if isinstance(data, dict) and "config" in data and "format" not in data:  # a run record (run.json)
            data = data["config"]
        if not isinstance(data, dict):
            raise ConfigError(f"config '{path}' is not a JSON object; give a file written by TritalkConfig.save")
        return cls.from_dict(data)


def _build(tp, value, where: str):
    """``value`` (parsed JSON) as type ``tp``: dataclasses field by field (unknown keys refused, missing keys
    take defaults), tuples from lists, Optional and unions tried in order."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be an object, got {value!r}")
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        unknown = sorted(set(value) - names)
        if unknown:
            raise ConfigError(f"unknown config key '{where}.{unknown[0]}'; valid keys: {', '.join(sorted(names))}")
        return tp(**{k: _build(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _build(arg, value, where)
            except (ConfigError, TypeError, ValueError):
                continue
        raise ConfigError(f"{where} = {value!r} has the wrong type; expected {tp}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v, where) for v in value)
        if len(args) != len(value):
            raise ConfigError(f"{where} must have {len(args)} entries, got {len(value)}")
        return tuple(_build(a, v, where) for a, v in zip(args, value))
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            raise ConfigError(f"{where} must be a {tp.__name__}, got {value!r}")
        return value
    return value
