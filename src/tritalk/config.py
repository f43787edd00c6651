"""One configuration tree for a generation run, built once at the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tritalk.errors import ConfigError
from tritalk.render.mesh_engine import MeshEngineConfig


@dataclass(frozen=True)
class GenerateConfig:
    size: int = 512  # output frames are size x size pixels
    fps: float = 25.0  # output frame rate (MEAD / HDTF / GRID are 25 fps)
    blink_rate: float = 17.0  # blinks per minute; adults talking blink ~10-25 per minute
    head_motion: float = 1.0  # 0 = still head, 1 = natural idle sway and nods
    chunk: int = 25  # frames per chunk handed to the encoder (memory stays flat)
    motion_model: str = "gm"  # speech -> mouth generator: gm (G_m, motion/generator.py), v1 (baseline), or a checkpoint dir
    engine: MeshEngineConfig = field(default_factory=MeshEngineConfig)

    def __post_init__(self):
        if not (isinstance(self.size, int) and 128 <= self.size <= 2048 and self.size % 2 == 0):
            raise ConfigError(f"size {self.size} is invalid; use an even number of pixels from 128 to 2048")
        if not 5.0 <= self.fps <= 60.0:
            raise ConfigError(f"fps {self.fps} is out of range; use 5 to 60 frames per second")
        if not 0.0 <= self.blink_rate <= 60.0:
            raise ConfigError(f"blink rate {self.blink_rate} is out of range; use 0 to 60 blinks per minute")
        if not 0.0 <= self.head_motion <= 1.0:
            raise ConfigError(f"head motion {self.head_motion} is out of range; use a value in [0, 1]")
        if self.motion_model not in ("gm", "v1") and not (Path(self.motion_model) / "config.json").is_file():
            raise ConfigError(f"unknown motion model '{self.motion_model}'; choose gm, v1, or a checkpoint folder "
                              "(config.json + model.safetensors)")
