"""Speech generators by name: ``gm`` (G_m, the checkpoint shipped in ``assets/motion/gm``), ``v1`` (the
linear baseline of ``motion/speech.py``), or a G_m checkpoint directory (config.json + model.safetensors).
"""

from __future__ import annotations

from pathlib import Path

from tritalk.errors import ConfigError
from tritalk.motion.learned_speech import LearnedSpeechMotion
from tritalk.motion.lip_closure import SpeechMotionPost
from tritalk.motion.speech import SpeechMotion

MOTION_MODELS = ("gm", "v1")


def load_speech_generator(name: str = "gm", audio_encoder_path: str | None = None,
                          post: SpeechMotionPost = SpeechMotionPost()):
    """A speech -> mouth generator by name (``gm``, ``v1``) or checkpoint directory; ``post`` is G_m's
    display-side post-processing (the v1 baseline has its own rules)."""
    if name == "v1":
        return SpeechMotion()
    if name == "gm":
        return LearnedSpeechMotion.load(None, audio_encoder_path, post=post)
    path = Path(name)
    if path.is_dir():
        return LearnedSpeechMotion.load(path, audio_encoder_path, post=post)
    raise ConfigError(f"unknown motion model '{name}'; choose one of: {', '.join(MOTION_MODELS)}, "
                      "or give a checkpoint directory (config.json + model.safetensors)")
