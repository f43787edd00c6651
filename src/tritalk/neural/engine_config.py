"""The tri-plane engine's config (a field of TritalkConfig, ``triplane``): values only, no torch import."""

from __future__ import annotations

from dataclasses import dataclass

from tritalk.errors import ConfigError


@dataclass(frozen=True)
class TriplaneConfig:
    checkpoint: str | None = None
    """Generator folder (config.json + model.safetensors, ``tritalk train triplane``); None = the shipped tiny one."""
    inversion_steps: int = 200
    """Optimisation steps on the identity code and the generator against the photo (Sec. III-B: "several
    inversion steps to enhance identity faithfulness"); 0 = the encoder's code as it is. Measured on London 092
    (held out), 512², auditor, the first shipped model: 40 steps -> dlib identity 0.75, mouth-loudness r -0.11;
    200 steps (~35 s on this CPU) -> 0.56, 0.37 (docs/triplane.md: the second model, 200 steps: 0.46, 0.11)."""
    inversion_seconds: float = 60.0
    """Time budget of the inversion: it stops early (with a warning) when the steps take longer, so a slow
    machine still starts rendering; below the budget the result is deterministic."""
    inversion_lr: float = 0.01
    tune_generator: bool = True
    """Fine-tune G, the decoder and R with the code (pivotal tuning): a tiny generator cannot reach an unseen
    face through its code alone."""
    inversion_views: int = 6
    """Mesh-engine renders of the same photo at other views and expressions, beside the photo itself, that the
    inversion also fits: the photo alone says nothing about the side of the head, and fitting one view
    bends the tri-plane into a flat picture."""
    inversion_openings: tuple[float, ...] = (0.2, 0.4)
    """Front-view mesh-engine renders of the photo with the jaw opened by these amounts (speech keeps jawOpen
    at ~0.1-0.4), fitted by the inversion too, each with its own motion code: tuned on closed-mouth targets
    alone, the generator learns to draw this face with its mouth shut whatever z_m says."""
    inversion_mouth_weight: float = 1.0
    """The inversion's mouth term (inversion.py), as λ_mouth in training (training/stages.py); 0 = off."""
    inversion_diff_weight: float = 2.0
    """The inversion's motion-difference term between the photo and the front views at ``inversion_openings``
    (inversion.py), as λ_diff in training (training/stages.py); 0 = off."""
    emotion_strength: float = 0.5
    """Scale of the non-neutral emotion weights given to M_e. The Motion already carries the emotion's
    expression (motion/emotion.py), and stage 3 teaches M_e that expression's look again; at 0.5 the two
    together do not double it (not measured yet)."""
    threads: int = 0
    """torch threads inside the engine's calls (0 = leave torch's setting alone; the CLI sets 1)."""

    def __post_init__(self):
        if not 0 <= self.inversion_steps <= 5000:
            raise ConfigError(f"inversion steps {self.inversion_steps} is out of range; use 0 to 5000")
        if not 0.0 <= self.inversion_seconds <= 3600.0:
            raise ConfigError(f"inversion budget {self.inversion_seconds} s is out of range; use 0 to 3600")
        if not 0.0 <= self.emotion_strength <= 2.0:
            raise ConfigError(f"emotion strength {self.emotion_strength} is out of range; use 0 to 2")
        if not all(0.0 < j <= 1.0 for j in self.inversion_openings) or len(self.inversion_openings) > 16:
            raise ConfigError(f"inversion openings {self.inversion_openings} are out of range; use up to 16 values "
                              "in (0, 1]")
        if not 0.0 <= self.inversion_mouth_weight <= 10.0:
            raise ConfigError(f"inversion mouth weight {self.inversion_mouth_weight} is out of range; use 0 to 10")
        if not 0.0 <= self.inversion_diff_weight <= 10.0:
            raise ConfigError(f"inversion diff weight {self.inversion_diff_weight} is out of range; use 0 to 10")
        if not 0 <= self.inversion_views <= 64:
            raise ConfigError(f"inversion views {self.inversion_views} is out of range; use 0 to 64")
