"""Configuration of the mesh engine (``render/mesh_engine.py``) and its portrait scene (``portrait_mesh.py``).

Plain values only (no renderer imports), so ``tritalk.config`` can hold them without loading numba.
Each tuned number carries what it does and why it has that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tritalk.errors import ConfigError
from tritalk.face.model import EXPRESSION_GAIN


@dataclass(frozen=True)
class PortraitConfig:
    """The 2.5D scene around the face: a person sheet (hair, ears, neck, shoulders) and a background plate."""

    grid: int = 40  # sheet grid cells per side
    head_width_scale: float = 1.12  # head ellipsoid x radius / half face-outline width (ears, hair)
    head_depth_scale: float = 0.9  # z radius / x radius of the visible (front) half: flatter than a skull,
    # so the sheet next to the face does not open wide gaps when the view turns
    neck_fade: float = 0.45  # head weight fades to 0 over this many face heights below the chin
    background_depth: float = 3.0  # background plane distance behind the head centre, in head radii
    person_threshold: float = 0.5  # segmentation confidence that counts as person
    margin: float = 0.25  # sheet extends this fraction of the frame beyond each border


@dataclass(frozen=True)
class MeshEngineConfig:
    pivot_cm: tuple[float, float, float] = (0.0, -4.0, -9.0)  # neck pivot of head motion, from the face centroid
    portrait: PortraitConfig = field(default_factory=PortraitConfig)
    expression_gain: tuple[tuple[str, float], ...] = tuple(EXPRESSION_GAIN.items())
    """Per-shape amplitude (a name without Left/Right covers both sides); 1 = the face model's own."""

    # --- expression light ------------------------------------------------------------------
    expression_shading: float = 1.0
    """Strength of the shading change an expression makes (0 = off): a soft key light above the viewer
    camera on the deformed surface over the same light on the photo's surface (a ratio image, per
    vertex, Lambert + ambient)."""
    key_light: tuple[float, float, float] = (0.0, -0.5, -1.0)
    """Direction towards the key light in the image frame (x right, y down, z away): above the viewer,
    like a ceiling light or a window seen from a desk; brows and cheeks change what it lights."""
    shading_ambient: float = 0.45
    """Share of ambient (direction-free) light: portraits are taken in soft light, and with less a
    lowered brow blackened the lids on the tuning portraits."""
    shading_ratio_range: tuple[float, float] = (0.6, 1.4)
    """Bounds of the light ratio, so a fold never turns black or white where the mesh is thin."""
    expression_specular: float = 80.0
    """Grey levels (of 255) a full skin highlight adds: the change of a Blinn-Phong highlight of the same
    light between the deformed surface and the photo's, added (a highlight does not scale with the skin's
    colour, so it also shows a dark skin's folds); 0 = off."""
    specular_exponent: float = 16.0
    """Blinn-Phong exponent: a broad highlight (oily skin under soft light), not a point of glare."""

    # --- eyes --------------------------------------------------------------------------------
    rigid_eyes: bool = True
    """The lids slide over a rigid eyeball (raised lids uncover the white above the iris) instead of
    stretching it (``render/eyes.py``)."""
    eyeball_radius_cm: float = 1.2
    """Adult eyeball radius (~12 mm): the iris moves by this times sin(gaze)."""
    lid_shut_start: float = 0.45
    """eyeBlink value from which the closed-lid texture fades in (below it the warped lids still show the eye) ..."""
    lid_shut_span: float = 0.4
    """... and over how much more it fades in fully (at 0.85 the lids meet)."""

    # --- disocclusions and edges ------------------------------------------------------------
    disocclusion_stretch: tuple[float, float] = (1.25, 1.75)
    """Edge stretch of a sheet triangle (turned view / photo) at which the person's filled-in colours start
    to show and at which they have replaced the photo: a gap opening as the view turns shows the person's
    own smoothed colours instead of the see-through background of the photo."""
    edge_depth_jump: float = 0.15
    """A depth jump (fraction of the frame size) between neighbouring pixels that counts as an occlusion
    edge and is anti-aliased (the cheek over the background in a turned view)."""

    def __post_init__(self):
        if not (np.isfinite(self.expression_shading) and self.expression_shading >= 0):
            raise ConfigError(f"expression_shading must be a finite number >= 0, got {self.expression_shading}")
        if not (np.isfinite(self.expression_specular) and self.expression_specular >= 0):
            raise ConfigError(f"expression_specular must be a finite number >= 0, got {self.expression_specular}")
        if not 0.0 <= self.shading_ambient < 1.0:
            raise ConfigError(f"shading_ambient must be in [0, 1), got {self.shading_ambient}")
        lo, hi = self.disocclusion_stretch
        if not 1.0 <= lo < hi:
            raise ConfigError(f"disocclusion_stretch must be (start, end) with 1 <= start < end, got {lo, hi}")
        if not (0.0 <= self.lid_shut_start < 1.0 and self.lid_shut_span > 0):
            raise ConfigError(f"lid_shut_start must be in [0, 1) and lid_shut_span > 0, got "
                              f"{self.lid_shut_start}, {self.lid_shut_span}")
        if not np.linalg.norm(self.key_light) > 0:
            raise ConfigError("key_light must be a non-zero direction")
