"""Shared types: the ARKit coefficient space, Motion, Camera, EmotionSpec.

Conventions (written once, here):
  * Expression = the 52 ARKit blendshape coefficients in [0, 1], float32, columns in
    ``BLENDSHAPES`` order (Apple's ARKit / Live Link Face order).
  * ``Motion.head`` angles are radians; ``Camera`` angles are degrees.
  * Head yaw > 0 turns the nose towards image right (the subject's own left),
    pitch > 0 lifts the chin, roll > 0 turns the head counter-clockwise on screen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tritalk.errors import ConfigError, InputError

BLENDSHAPES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
IDX: dict[str, int] = {name: i for i, name in enumerate(BLENDSHAPES)}
N_EXPR = len(BLENDSHAPES)  # 52

EMOTIONS: tuple[str, ...] = (
    "neutral", "angry", "contempt", "disgusted", "fearful", "happy", "sad", "surprised",
)


@dataclass(frozen=True)
class Motion:
    """A clip of facial animation at a frame rate."""

    expr: np.ndarray  # (T, 52) float32 in [0, 1], columns in BLENDSHAPES order
    head: np.ndarray  # (T, 6) yaw, pitch, roll [rad]; tx, ty, tz [face-model units, cm]
    gaze: np.ndarray  # (T, 2) horizontal, vertical eye rotation [rad], > 0 = image right / up
    fps: float

    def __post_init__(self):  # fail at the boundary, not three stages later
        t = self.expr.shape[0]
        if self.expr.ndim != 2 or self.expr.shape[1] != N_EXPR:
            raise InputError(f"Motion.expr must be (T, {N_EXPR}), got {self.expr.shape}")
        if self.head.shape != (t, 6):
            raise InputError(f"Motion.head must be ({t}, 6), got {self.head.shape}")
        if self.gaze.shape != (t, 2):
            raise InputError(f"Motion.gaze must be ({t}, 2), got {self.gaze.shape}")
        if not self.fps > 0:
            raise InputError(f"Motion.fps must be > 0, got {self.fps}")

    def __len__(self) -> int:
        return self.expr.shape[0]

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    @classmethod
    def still(cls, n_frames: int, fps: float) -> "Motion":
        """A motionless clip (neutral expression, frontal head)."""
        return cls(np.zeros((n_frames, N_EXPR), np.float32), np.zeros((n_frames, 6), np.float32),
                   np.zeros((n_frames, 2), np.float32), fps)

    def save_npz(self, path: Path) -> None:
        np.savez(path, expr=self.expr, head=self.head, gaze=self.gaze, fps=self.fps,
                 blendshapes=np.array(BLENDSHAPES))

    @classmethod
    def load_npz(cls, path: Path) -> "Motion":
        d = np.load(path)
        return cls(d["expr"].astype(np.float32), d["head"].astype(np.float32),
                   d["gaze"].astype(np.float32), float(d["fps"]))

    def save_arkit_csv(self, path: Path) -> None:
        """Live Link Face style CSV: Timecode, BlendShapeCount, 52 shapes, head yaw/pitch/roll."""
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Timecode", "BlendShapeCount", *[n[0].upper() + n[1:] for n in BLENDSHAPES],
                        "HeadYaw", "HeadPitch", "HeadRoll"])
            for i in range(len(self)):
                secs = i / self.fps
                tc = f"{int(secs // 3600):02d}:{int(secs // 60) % 60:02d}:{int(secs) % 60:02d}:{i % max(1, round(self.fps)):02d}"
                w.writerow([tc, N_EXPR, *[f"{v:.5f}" for v in self.expr[i]],
                            *[f"{v:.5f}" for v in self.head[i, :3]]])


@dataclass(frozen=True)
class Camera:
    """Viewer camera relative to the portrait's original camera. Degrees.

    yaw > 0 moves the camera towards the subject's left (the face turns towards image right
    on screen); pitch > 0 moves the camera up; roll > 0 rotates the image counter-clockwise.
    """

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    zoom: float = 1.0

    def __post_init__(self):
        if not -90.0 <= self.yaw <= 90.0:
            raise ConfigError(f"yaw {self.yaw} is out of range; use a value in [-90, 90] degrees")
        if not -60.0 <= self.pitch <= 60.0:
            raise ConfigError(f"pitch {self.pitch} is out of range; use a value in [-60, 60] degrees")
        if not -180.0 <= self.roll <= 180.0:
            raise ConfigError(f"roll {self.roll} is out of range; use a value in [-180, 180] degrees")
        if not 0.25 <= self.zoom <= 4.0:
            raise ConfigError(f"zoom {self.zoom} is out of range; use a value in [0.25, 4]")


@dataclass(frozen=True)
class EmotionSpec:
    """One of the 8 MEAD emotions with an intensity in [0, 1]."""

    name: str = "neutral"
    intensity: float = 0.5

    def __post_init__(self):
        if self.name not in EMOTIONS:
            raise ConfigError(f"unknown emotion '{self.name}'; choose one of: {', '.join(EMOTIONS)}")
        if not 0.0 <= self.intensity <= 1.0:
            raise ConfigError(f"intensity {self.intensity} is out of range; use a value in [0, 1]")


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 PCM in [-1, 1]."""

    samples: np.ndarray  # (N,) float32
    sample_rate: int

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate
