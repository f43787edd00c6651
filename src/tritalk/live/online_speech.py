"""G_m online: the shipped (non-causal) speech model on a sliding window with a small lookahead.

Contract: ``OnlineSpeech(speech, fps, lookahead).push(row, vector) -> list of (expr (52,), closure)``:
feed the causal features of video frame ``u`` (``causal_features.py``); out comes the speech mouth of frame
``u - lookahead`` (once ``lookahead`` frames are in), as ``LearnedSpeechMotion.generate`` makes it offline:
above the photo's rest, mouth and jaw channels only.

How it differs from offline (``motion/learned_speech.py``), each for latency:
  * G_m runs on the last ``receptive_field`` frames up to the newest: its banded attention sees
    ``lookahead`` frames of the future instead of up to 3 x 12 + 2; the output for frame ``t`` is taken once;
  * the Gaussian smoothing uses the provisional outputs of the frames ahead (from the same window);
  * the silence gate opens at most ``lookahead`` frames before the voice (offline: 0.3 s);
  * lip closures: the energy-dip rule only (short deep dips inside speech, motion/speech.py), on the
    same window; the pocketsphinx /p b m/ recogniser is offline-only. G_m's own closure head, where the
    checkpoint has one, is used as offline.
Runs at the model's rate only (25 fps for the shipped G_m): other output rates raise ``ConfigError``.
"""

from __future__ import annotations

import math
import threading
import warnings
import weakref
from dataclasses import replace

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from tritalk.audio.features import FEATURE_NAMES, AudioFeatures
from tritalk.errors import ConfigError
from tritalk.motion.learned_speech import LearnedSpeechMotion
from tritalk.motion.lip_closure import close_lips
from tritalk.motion.speech import SpeechMotion


class OnlineSpeech:
    def __init__(self, speech: LearnedSpeechMotion, fps: float, lookahead: int = 2, context: int | None = None):
        if not isinstance(speech, LearnedSpeechMotion):
            raise ConfigError("live mode needs the learned speech model (motion model 'gm')")
        cfg = speech.model.config
        if not math.isclose(cfg.rate, fps):
            raise ConfigError(f"live mode runs at the speech model's rate ({cfg.rate:g} fps), not {fps:g}; "
                              f"use --fps {cfg.rate:g}")
        if speech.encoder.needs_audio:
            raise ConfigError(f"live mode needs the 'acoustic' audio encoder, not '{cfg.encoder.kind}'")
        if lookahead < 0:
            raise ConfigError(f"lookahead must be >= 0 frames, got {lookahead}")
        self.speech, self.fps, self.lookahead = speech, float(fps), int(lookahead)
        self.context = cfg.receptive_field if context is None else int(context)  # past frames G_m sees
        self.post = replace(speech.post, gate_lead_s=min(speech.post.gate_lead_s, lookahead / fps))
        self.sigma = speech.post.smooth_s * fps
        self.radius = int(4 * self.sigma + 0.5) if self.sigma > 0.3 else 0
        self.keep = self.context + 2 * self.lookahead + 16
        self.targets = cfg.targets
        self.jaw = self.targets.index("jawOpen") if "jawOpen" in self.targets else None
        self._rows: list[np.ndarray] = []  # causal feature rows of the frames kept
        self._vecs: list[np.ndarray] = []
        self._final: list[np.ndarray] = []  # G_m coefficients of frames already output (raw, before post)
        self._u = 0  # frames received
        self._t = 0  # frames output
        self._dips = SpeechMotion()  # v1's energy-dip closure rule
        self._traced = None  # G_m traced for the steady-state window (the same numbers, ~half the time)
        self._traced_len = self.context + self.lookahead + 1

    def _predict(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """G_m on one window (W, D): traced once the window has its steady length (Python overhead is most
        of the cost of a 43-frame window), eager (``MotionGenerator.predict``) before."""
        model = self.speech.model
        if len(x) != self._traced_len:
            return model.predict(x, chunk=max(len(x), 1))
        xt = torch.from_numpy(np.ascontiguousarray(x, np.float32))[None]
        if self._traced is None:
            self._traced = _traced(model, xt)
        with torch.inference_mode():
            out = self._traced(xt)
        res = {"coeffs": out["coeffs"][0].numpy()}
        if "closure_logit" in out:
            res["closure"] = torch.sigmoid(out["closure_logit"][0]).numpy()
        return res

    def push(self, row: np.ndarray, vector: np.ndarray) -> list[tuple[np.ndarray, float]]:
        self._rows.append(row)
        self._vecs.append(vector)
        self._u += 1
        del self._rows[:-self.keep], self._vecs[:-self.keep]
        if self._u - self._t <= self.lookahead:
            return []
        return [self._frame()]

    def finish(self) -> list[tuple[np.ndarray, float]]:
        """The last ``lookahead`` frames, with no more audio to come."""
        out = []
        while self._t < self._u:
            out.append(self._frame())
        return out

    def _gate(self, vad: np.ndarray) -> np.ndarray:
        """``lip_closure.silence_gate`` with the window [t - hold, t + lead] spelled out (any lead, also
        shorter than the hold, which the offline max filter's origin cannot express)."""
        post, fps = self.post, self.fps
        lead, hold = int(round(post.gate_lead_s * fps)), int(round(post.gate_hold_s * fps))
        n = len(vad)
        v = np.array([vad[max(0, j - hold): min(n, j + lead + 1)].max() for j in range(n)], np.float64)
        lo, hi = post.gate_on
        g = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
        return gaussian_filter1d(g, max(0.5, 0.03 * fps), mode="nearest")

    def _frame(self) -> tuple[np.ndarray, float]:
        t, post = self._t, self.post
        n_have = len(self._vecs)
        first = self._u - n_have  # frame index of self._vecs[0]
        lo = max(first, t - self.context)
        x = np.stack(self._vecs[lo - first:])  # (W, 56): frames lo .. u-1
        pred = self._predict(x)
        raw = pred["coeffs"]  # (W, K)
        i = t - lo
        self._final.append(raw[i])
        del self._final[:-max(self.radius, 1)]
        # smoothing over [final outputs of the past | this frame | provisional ones ahead]
        past = self._final[:-1][-self.radius:] if self.radius else []
        seq = np.concatenate([np.stack(past), raw[i:]]) if past else raw[i:]
        j = len(past)
        coeffs = gaussian_filter1d(seq, self.sigma, axis=0, mode="nearest")[j] if self.radius else raw[i].copy()
        # gate and energy-dip closure on the features window
        near = max(lo, t - 12)  # the gate and the closure rule reach at most ~8 frames back
        feats = AudioFeatures(np.stack(self._rows[near - first:]), FEATURE_NAMES, self.fps)
        gate = self._gate(feats.column("vad"))[t - near]
        coeffs = coeffs * gate
        if self.jaw is not None:
            coeffs[self.jaw] *= post.jaw_gain
        parts = []
        if "closure" in pred and post.head_closure is not None:
            a, b = post.head_closure
            parts.append(float(np.clip((pred["closure"][i] - a) / (b - a), 0.0, 1.0)))
        if post.closure > 0:
            parts.append(float(self._dips._closure(feats)[t - near]) * post.closure)
        closure = max(parts) if parts else 0.0
        if parts:
            coeffs = close_lips(coeffs[None], np.array([closure]), self.targets, post.closure_jaw_drop)[0]
        expr = np.clip(coeffs @ self.speech._expand, 0.0, 1.0).astype(np.float32)  # (52,)
        self._t += 1
        return expr, float(np.clip(closure, 0.0, 1.0))


_TRACES: "weakref.WeakKeyDictionary[torch.nn.Module, dict[int, torch.jit.ScriptModule]]" = weakref.WeakKeyDictionary()
_TRACES_LOCK = threading.Lock()


def _traced(model: torch.nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """G_m traced for windows of ``example``'s length, once per loaded model: every live session of one
    TalkingHead shares it (tracing costs 0.2-1 s, a stall a few seconds into each new session otherwise)."""
    with _TRACES_LOCK:
        per_length = _TRACES.setdefault(model, {})
        n = example.shape[1]
        if n not in per_length:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TracerWarnings about the band mask: it is fixed for this length
                per_length[n] = torch.jit.trace(model.eval(), example, strict=False, check_trace=False)
        return per_length[n]
