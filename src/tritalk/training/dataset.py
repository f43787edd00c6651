"""Training examples for G_m: encoder features of (degraded) audio + coefficient truth + phone tokens.

Real clips (``tritalk prepare``): truth = measured blendshapes above the clip's rest (10th
percentile), frames without a face masked out; tokens = the phone recogniser's spans (the audio
front end's pseudo-truth). Synthetic clips (``make_synthetic``): truth = the coarticulated
viseme track (``synth.coarticulate``) of the synthesiser's own phonemes, with the viseme table
calibrated on the *training* real clips only; tokens = those phonemes.
Every clip is used under several audio degradations (``augment.py``); features are cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from tritalk.audio.encoders import AudioEncoder
from tritalk.audio.phones import VISEME_IDX, PhoneSpan, ipa_viseme
from tritalk.motion.learned_speech import resample_frames
from tritalk.training.augment import KINDS, degrade
from tritalk.training.data import load_index, load_spans
from tritalk.training.synth import VisemeTable, bilabial_track, coarticulate, rest_targets

logger = logging.getLogger(__name__)


@dataclass
class Example:
    name: str
    source: str                 # real | synthetic
    variant: str                # degradation of the audio
    features: np.ndarray        # (T, D) float32 at the model rate
    target: np.ndarray          # (T, K) float32 coefficient truth
    valid: np.ndarray           # (T,) bool: frame has truth
    spans: np.ndarray           # (S, 3) int64: start frame, end frame, token id (1..)
    weight: float = 1.0         # L_MSE weight
    closed: np.ndarray | None = None  # (T,) float32: 1 where the lips are shut for /p b m/ (phone timings)


def load_real(data_dir: str | Path, exclude: Sequence[str] = ()) -> list[dict]:
    """Prepared real clips (``tritalk prepare``), minus ids or speakers in ``exclude``."""
    out = []
    for rec in load_index(data_dir):
        if rec["id"] in exclude or rec.get("speaker") in exclude:
            continue
        with np.load(Path(data_dir) / "clips" / f"{rec['id']}.npz") as d:
            phones = load_spans(d, "phones")
            aligned = load_spans(d, "aligned")
            out.append(dict(id=rec["id"], speaker=rec.get("speaker", rec["id"]), source="real",
                            expr=d["expr"].astype(np.float32), head=d["head"].astype(np.float32),
                            audio=d["audio"].astype(np.float32), fps=float(d["fps"]), phones=phones,
                            spans=aligned or phones))
    return out


def load_synthetic(data_dir: str | Path, limit: int | None = None) -> list[dict]:
    out = []
    for rec in load_index(data_dir)[:limit]:
        with np.load(Path(data_dir) / "clips" / f"{rec['id']}.npz") as d:
            spans = load_spans(d, "ipa", ipa_viseme)
            out.append(dict(id=rec["id"], speaker=rec.get("speaker", ""), source="synthetic",
                            audio=d["audio"].astype(np.float32), fps=float(d["fps"]), spans=spans, phones=spans))
    return out


def span_array(spans: Sequence[PhoneSpan], rate: float) -> np.ndarray:
    rows = [(int(round(s.start * rate)), int(round(s.end * rate)), VISEME_IDX[s.viseme] + 1)
            for s in spans if s.viseme != "sil"]
    return np.array(rows, np.int64).reshape(-1, 3)


def _features(encoder: AudioEncoder, clip: dict, variant: str, seed: int, rate: float, n: int,
              cache: Path | None) -> np.ndarray:
    key = None
    if cache is not None:
        h = hashlib.sha1(json.dumps([clip["id"], variant, seed, rate, n, encoder.config.kind,
                                     encoder.config.path, encoder.config.layer, len(clip["audio"])]).encode())
        key = cache / f"{h.hexdigest()[:20]}.npy"
        if key.is_file():
            return np.load(key)
    rng = np.random.default_rng(seed)
    kind = str(rng.choice(KINDS[1:])) if variant == "random" else variant  # one random degradation
    audio = degrade(clip["audio"], 16000, kind, rng)
    f = encoder.encode(audio, rate, n)
    if key is not None:
        key.parent.mkdir(parents=True, exist_ok=True)
        np.save(key, f)
    return f


def build_examples(clips: Sequence[dict], encoder: AudioEncoder, targets: Sequence[str], rate: float,
                   variants: Sequence[str], table: VisemeTable | None = None, seed: int = 0,
                   cache: Path | None = None, weight: float = 1.0, close_bilabials: bool = False) -> list[Example]:
    """One Example per clip and degradation variant. ``close_bilabials``: synthetic targets shut the lips on
    /p b m/ (``motion.generator.close_lips``)."""
    out = []
    for i, c in enumerate(clips):
        n = int(np.ceil(round(len(c["audio"]) / 16000 * rate, 6)))
        if c["source"] == "real":
            y, valid = rest_targets(c["expr"], targets)
            y = resample_frames(y, c["fps"], rate, n)
            valid = resample_frames(valid[:, None].astype(np.float32), c["fps"], rate, n)[:, 0] > 0.5
            tokens_from = c["phones"]
            closed = bilabial_track(c["spans"], rate, n, table.lead_s if table is not None else 0.0)
        else:
            if table is None:
                raise ValueError("synthetic clips need a calibrated VisemeTable")
            rng = np.random.default_rng(seed * 100003 + i)
            gain = rng.uniform(0.7, 1.3) * rng.uniform(0.8, 1.2, size=len(c["spans"]))  # stress, effort
            y = coarticulate(c["spans"], table.array(), rate, n, table.lead_s, table.width_s, gain=gain)
            # /p b m/: the lips meet (the measured real clips show a zero inner-lip gap there), whatever
            # the blending of neighbouring shapes and the table's averaging left.
            closed = bilabial_track(c["spans"], rate, n, table.lead_s)
            if close_bilabials:
                from tritalk.motion.lip_closure import close_lips

                y = close_lips(y, closed, tuple(targets), jaw_drop=0.0)  # the table already has the jaw
            valid = np.ones(n, bool)
            tokens_from = c["spans"]
        for j, v in enumerate(variants):
            f = _features(encoder, c, v, seed * 7919 + i * 31 + j, rate, n, cache)
            out.append(Example(c["id"], c["source"], v, f.astype(np.float32), y.astype(np.float32), valid,
                               span_array(tokens_from, rate), weight, closed))
    return out


class CropDataset(torch.utils.data.Dataset):
    """Examples cut to at most ``max_frames`` (a random window each time one is drawn)."""

    def __init__(self, examples: Sequence[Example], max_frames: int = 100, seed: int = 0):
        self.examples = list(examples)
        self.max_frames = max_frames
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        e = self.examples[i]
        n = len(e.features)
        a = int(self.rng.integers(0, n - self.max_frames + 1)) if n > self.max_frames else 0
        b = min(n, a + self.max_frames)
        sp = e.spans
        mid = (sp[:, 0] + sp[:, 1]) / 2 if len(sp) else np.zeros(0)
        toks = sp[(mid >= a) & (mid < b), 2] if len(sp) else np.zeros(0, np.int64)
        if len(toks):  # merge repeats (CTC would need a blank between them)
            toks = toks[np.concatenate([[True], toks[1:] != toks[:-1]])]
        closed = e.closed[a:b] if e.closed is not None else np.zeros(b - a, np.float32)
        return dict(features=e.features[a:b], target=e.target[a:b], valid=e.valid[a:b], tokens=toks,
                    weight=np.float32(e.weight), closed=closed)


def collate(items: list[dict]) -> dict[str, torch.Tensor]:
    b = len(items)
    t = max(len(it["features"]) for it in items)
    d, k = items[0]["features"].shape[1], items[0]["target"].shape[1]
    feats = np.zeros((b, t, d), np.float32)
    target = np.zeros((b, t, k), np.float32)
    valid = np.zeros((b, t), bool)
    closed = np.zeros((b, t), np.float32)
    frames = np.zeros((b, t), bool)
    max_l = max(1, max(len(it["tokens"]) for it in items))
    tokens = np.zeros((b, max_l), np.int64)
    tok_len = np.zeros(b, np.int64)
    for i, it in enumerate(items):
        n = len(it["features"])
        feats[i, :n], target[i, :n], valid[i, :n], frames[i, :n] = it["features"], it["target"], it["valid"], True
        if "closed" in it:
            closed[i, :n] = it["closed"]
        # CTC needs T >= L (+ repeats); crops never come close at 25 Hz, but stay safe.
        toks = it["tokens"][: max(0, n // 2)]
        tokens[i, :len(toks)] = toks
        tok_len[i] = len(toks)
    return {k_: torch.from_numpy(v) for k_, v in dict(
        features=feats, target=target, valid=valid, frames=frames, tokens=tokens, token_lengths=tok_len, closed=closed,
        weight=np.array([it["weight"] for it in items], np.float32)).items()}


def feature_stats(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([e.features for e in examples])
    return x.mean(axis=0), x.std(axis=0) + 1e-3
