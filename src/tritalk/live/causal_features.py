"""Causal frame features: the columns of ``audio/features.py`` and G_m's acoustic vectors
(``audio/encoders.acoustic_vectors``), computed frame by frame as the audio arrives.

Contract: ``CausalFeatures(fps).push(y8k) -> list of (row (D,), vector (56,))``, one per video frame
whose audio (plus ``lookahead_s``) has arrived, in order; ``y8k`` is the audio at 8 kHz (``resample.py``).
The rows have ``FEATURE_NAMES`` columns, the vectors ``ACOUSTIC_NAMES`` ones, as offline. What the
offline features normalise per clip (they are not causal) is normalised here by running estimates
over the audio heard so far (at most ``history_s``):

  * reference level: the 95th percentile of the analysis-frame levels heard so far (offline: of the
    whole clip), so it adapts over the first seconds of speech and then follows slow gain changes; at
    the start, at least a prior (-30 dBFS, falling 10 dB per second heard) so that a silent or noisy
    lead-in does not read as loud (GRID clips open with ~1 s of room noise). A recording quieter than
    -30 dBFS therefore moves the mouth less for its first second or two;
  * noise floor and noise spectrum: the quietest 10 % of the live frames heard so far;
  * voice activity: the offline soft thresholds, with the hangover window shifted to end
    ``vad_lookahead`` analysis frames ahead (default 0: the hangover only holds the voice after it stops;
    offline it is centred, +-50 ms) and the smoothing centred, so a frame waits ``lookahead_s`` =
    (vad_lookahead + smoothing half-width) x 10 ms + half a window (32.5 ms by default);
  * the spectral shape of G_m's vectors: relative to the running voice-weighted mean of the mel bands
    and spectral centroids (offline: the clip's voiced mean).

Every value depends only on the audio samples, never on how they were split into chunks: analysis frames
are computed when a video frame is finalised, in frame order, with the statistics of exactly the audio
up to that frame's lookahead.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from tritalk.audio.encoders import AcousticEncoder
from tritalk.audio.features import FEATURE_NAMES, FeatureConfig, _band_centroid, _mel_filterbank


class CausalFeatures:
    def __init__(self, fps: float, config: FeatureConfig = FeatureConfig(), vad_lookahead: int = 0,
                 history_s: float = 60.0, prior_ref_dbfs: float = -30.0, prior_decay_db_s: float = 10.0):
        cfg = self.config = config
        self.fps = float(fps)
        self.sr = cfg.sample_rate
        self.k = max(1, round(1.0 / (fps * cfg.hop_s)))  # analysis frames per video frame
        self.hop_eff = 1.0 / (self.k * fps)
        self.win = int(round(cfg.win_s * self.sr))
        self.n_fft = max(cfg.n_fft, 1 << (self.win - 1).bit_length())
        self.window = np.hanning(self.win + 2)[1:-1]
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / self.sr)
        self.fbank = _mel_filterbank(cfg, self.n_fft)  # (n_mels, F)
        self.spec_scale = 1.0 / (0.5 * self.n_fft * float(np.sum(self.window ** 2)))
        self.sos = signal.butter(4, cfg.highpass_hz, btype="highpass", fs=self.sr, output="sos")
        self.zi = np.zeros((self.sos.shape[0], 2))
        self.hang = max(1, int(round(cfg.vad_hangover_s / self.hop_eff)))
        self.smooth = max(1, int(round(cfg.vad_smooth_s / self.hop_eff)))
        self.smooth_half = self.smooth // 2
        self.vad_lookahead = int(vad_lookahead)
        self.ahead = self.vad_lookahead + self.smooth_half  # analysis frames past a video frame's last one
        self.history = max(100, int(round(history_s / self.hop_eff)))
        self.prior_ref_dbfs, self.prior_decay = prior_ref_dbfs, prior_decay_db_s
        self.lookahead_s = self.ahead * self.hop_eff + 0.5 * self.win / self.sr
        # state
        self._y = np.zeros(0, np.float64)  # filtered 8 kHz samples from _y0 on
        self._y0 = 0
        self._n = 0  # 8 kHz samples received
        self._a = 0  # analysis frames computed
        cap = 2 * self.history  # ring-like buffers: the last `history` frames are shifted down when full
        self._ms = np.zeros(cap)  # (cap,) mean square per analysis frame
        self._zc = np.zeros(cap)  # (cap,) zero crossings per sample
        self._power = np.zeros((cap, self.freqs.shape[0]), np.float32)  # (cap, F) power spectra
        self._len = 0  # frames stored
        self._p0 = 0  # analysis frame index of row 0
        self._vad_s: dict[int, float] = {}  # analysis frame -> voice probability (before hangover / smoothing)
        self._prev_mel_db: np.ndarray | None = None
        self._t = 0  # next video frame
        self._vsum = 0.0  # running voice-weighted sums for G_m's spectral shape
        self._vmel = np.zeros(24)
        self._vspec = np.zeros(3)

    # -- analysis frames ------------------------------------------------------------------------
    def _start(self, a: int) -> int:
        """First 8 kHz sample of analysis frame ``a`` (its window is centred on the frame's centre)."""
        return int(round((a + 0.5) / (self.k * self.fps) * self.sr)) - self.win // 2

    def _frames_ready(self) -> int:
        """Video frames whose analysis frames (and lookahead) the samples so far cover, in total."""
        t = self._t
        while self._start(self.k * (t + 1) - 1 + self.ahead) + self.win <= self._n:
            t += 1
        return t

    def _analyse_to(self, a_end: int) -> None:
        while self._a < a_end:
            a = self._a
            s = self._start(a) - self._y0
            fr = np.zeros(self.win)
            lo, hi = max(s, 0), s + self.win
            fr[lo - s:] = self._y[lo:hi]
            if self._len == self._ms.shape[0]:  # full: keep the last `history` frames
                h = self.history
                self._ms[:h], self._zc[:h], self._power[:h] = self._ms[-h:], self._zc[-h:], self._power[-h:]
                self._p0 += self._len - h
                self._len = h
            i = self._len
            self._ms[i] = np.mean(fr * fr)
            sgn = np.signbit(fr)
            self._zc[i] = np.mean(sgn[1:] != sgn[:-1])
            self._power[i] = np.abs(np.fft.rfft(fr * self.window, n=self.n_fft)) ** 2 * self.spec_scale
            self._len += 1
            self._a += 1
        keep_from = self._start(self._a) - self.win - self._y0
        if keep_from > 4 * self.sr:
            self._y = self._y[keep_from:]
            self._y0 += keep_from

    # -- running statistics ---------------------------------------------------------------------
    def _stats(self):
        cfg, tiny = self.config, 1e-12
        lo = max(0, self._len - self.history)
        ms = self._ms[lo:self._len]
        level_db = 10.0 * np.log10(ms + tiny)
        # cold start: until speech has been heard, the loudest 5 % are noise; a prior reference that
        # fades (10 dB/s from -30 dBFS) keeps a silent or noisy lead-in from reading as loud speech
        prior = self.prior_ref_dbfs - self.prior_decay * self._a * self.hop_eff
        ref_db = max(float(np.quantile(level_db, cfg.ref_quantile)), prior, cfg.min_ref_dbfs)
        live = level_db > ref_db - cfg.silence_below_ref_db
        if live.sum() < 10:
            live = np.ones_like(live)
        quiet = live & (level_db <= np.quantile(level_db[live], cfg.noise_quantile))
        noise_ms = float(np.mean(ms[quiet]))
        noise_spec = self._power[lo:self._len][quiet].mean(axis=0, dtype=np.float64)
        return 10.0 ** (ref_db / 10.0), noise_ms, noise_spec

    def _denoised(self, a: int, ref_pow: float, noise_ms: float, noise_spec: np.ndarray):
        cfg, tiny = self.config, 1e-12
        floor_lin = 10.0 ** (cfg.floor_db / 10.0)
        i = a - self._p0
        ms, power = float(self._ms[i]), self._power[i].astype(np.float64)
        ms_dn = max(ms - cfg.oversubtract * noise_ms, ms * floor_lin)
        power_dn = np.maximum(power - cfg.oversubtract * noise_spec, power * floor_lin)
        return ms, ms_dn, power_dn

    def _voice(self, a: int, ref_pow, noise_ms, noise_spec) -> float:
        if a < 0:
            a = 0
        if a not in self._vad_s:
            cfg, tiny = self.config, 1e-12
            ms, ms_dn, _ = self._denoised(a, ref_pow, noise_ms, noise_spec)
            lvl_dn = 10.0 * math.log10(ms_dn / ref_pow + tiny)
            snr_db = 10.0 * math.log10((ms + tiny) / (noise_ms + tiny))
            logit = min(lvl_dn - cfg.vad_threshold_db, snr_db - cfg.vad_min_snr_db) / cfg.vad_slope_db
            self._vad_s[a] = 1.0 / (1.0 + math.exp(-min(max(logit, -50.0), 50.0)))
        return self._vad_s[a]

    # -- video frames -----------------------------------------------------------------------------
    def push(self, y8k: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if len(y8k) == 0:
            return []
        y, self.zi = signal.sosfilt(self.sos, np.asarray(y8k, np.float64), zi=self.zi)
        self._y = np.concatenate([self._y, y])
        self._n += y.shape[0]
        out = []
        for _ in range(self._t, self._frames_ready()):
            out.append(self._frame())
        return out

    def _frame(self) -> tuple[np.ndarray, np.ndarray]:
        cfg, tiny, k, t = self.config, 1e-12, self.k, self._t
        last = k * (t + 1) - 1 + self.ahead
        self._analyse_to(last + 1)
        ref_pow, noise_ms, noise_spec = self._stats()
        ms, ms_dn, mel, cen, f1, f2, zc, flux, vad = [], [], [], [], [], [], [], [], []
        eps_c = ref_pow * 1e-4
        for a in range(k * t, k * (t + 1)):
            m, m_dn, p_dn = self._denoised(a, ref_pow, noise_ms, noise_spec)
            ms.append(m)
            ms_dn.append(m_dn)
            mel_a = p_dn @ self.fbank.T  # (n_mels,)
            mel.append(mel_a)
            mel_db = np.clip(10.0 * np.log10(mel_a / ref_pow + tiny), cfg.floor_db, 0.0)
            prev = self._prev_mel_db if self._prev_mel_db is not None else mel_db
            flux.append(float(np.mean(np.clip(mel_db - prev, 0.0, None))) if a > 0 else 0.0)
            self._prev_mel_db = mel_db
            pw = p_dn[None]
            cen.append(float(_band_centroid(pw, self.freqs, cfg.fmin_hz, cfg.fmax_hz, eps_c)[0]))
            f1.append(float(_band_centroid(pw, self.freqs, 250.0, 1000.0, eps_c)[0]))
            f2.append(float(_band_centroid(pw, self.freqs, 900.0, 2800.0, eps_c)[0]))
            zc.append(float(self._zc[a - self._p0]))
            # hangover: max over the `hang` frames ending vad_lookahead ahead; then a centred box
            first = a - self.smooth_half + self.vad_lookahead - self.hang + 1
            v = np.array([self._voice(c, ref_pow, noise_ms, noise_spec)
                          for c in range(first, first + self.hang + self.smooth - 1)])
            vad.append(float(np.mean([v[j:j + self.hang].max() for j in range(self.smooth)])))
        for old in [a for a in self._vad_s if a < k * t - self.hang - self.smooth]:
            del self._vad_s[old]
        centroid = (np.mean(cen) * (cfg.fmax_hz - cfg.fmin_hz) + cfg.fmin_hz) / 4000.0
        loud = np.clip(10.0 * np.log10(np.mean(ms) / ref_pow + tiny), cfg.floor_db, 0.0)
        loud_dn = np.clip(10.0 * np.log10(np.mean(ms_dn) / ref_pow + tiny), cfg.floor_db, 0.0)
        mel_v = np.clip(10.0 * np.log10(np.mean(mel, axis=0) / ref_pow + tiny), cfg.floor_db, 0.0)
        row = np.concatenate([[loud, loud_dn, np.mean(vad)], mel_v,
                              [centroid, np.mean(flux), np.mean(zc), np.mean(f1), np.mean(f2)]]).astype(np.float32)
        self._t += 1
        return row, self._vector(row)

    def _vector(self, row: np.ndarray) -> np.ndarray:
        """G_m's acoustic vector (``acoustic_vectors``) with the running voiced mean (see the docstring)."""
        col = {n: i for i, n in enumerate(FEATURE_NAMES)}
        vad = float(row[col["vad"]])
        level = (float(row[col["loudness_dn"]]) + 60.0) / 60.0
        mel = (row[col["mel_00"]: col["mel_00"] + 24].astype(np.float64) + 60.0) / 60.0
        spec = row[[col["centroid"], col["f1_proxy"], col["f2_proxy"]]].astype(np.float64)
        self._vsum += vad
        self._vmel += vad * mel
        self._vspec += vad * spec
        w = self._vsum + 1e-6
        shape = (mel - self._vmel / w) * vad
        spec_rel = (spec - self._vspec / w) * vad
        out = np.concatenate([[level, level ** 2, vad], mel, shape, spec_rel,
                              [row[col["zcr"]], row[col["flux"]] / 10.0]]).astype(np.float32)
        assert out.shape == (AcousticEncoder.dim,)
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
