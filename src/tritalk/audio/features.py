"""Frame-synchronous audio features: AudioClip -> (T, D) per video frame.

Contract:
  * ``audio_features(clip, fps, n_frames=None)`` returns ``AudioFeatures`` with
    ``values (T, D) float32``, finite everywhere (an all-zero clip included), and one name
    per column in ``names``. ``T = n_frames`` if given, else ``ceil(duration * fps)``.
  * Row ``t`` describes the audio of video frame ``t``, the interval ``[t/fps, (t+1)/fps)``:
    ``k`` short-time analysis frames (25 ms Hann windows, hop ~10 ms) are centred inside
    that interval and pooled. Audio past the end of the clip reads as silence.
  * Any input sample rate works: the clip is first resampled to 8 kHz, so wide-band
    studio audio and 8 kHz telephone audio give the same kind of numbers (all spectral
    features stop at 3.8 kHz).
  * Levels are relative to the clip itself (its 95th-percentile frame level), so the
    recording gain does not matter; a noise floor estimated from the quietest 10 % of the
    analysis frames (digital silence excluded) is subtracted (spectral subtraction) before
    the "denoised" features.

Columns (``FEATURE_NAMES``):
  loudness      RMS level [dB] relative to the clip's 95th percentile, in [-60, 0]
  loudness_dn   the same after noise-floor subtraction, in [-60, 0]
  vad           voice-activity probability in [0, 1], smooth (hangover ~100 ms)
  mel_00..23    denoised log-mel band energies [dB] re the clip reference, in [-60, 0];
                24 bands, 80-3800 Hz
  centroid      spectral centroid of the denoised spectrum, Hz / 4000, in [0, 1]
  flux          onset strength: mean positive log-mel change between 10 ms frames [dB]
  zcr           zero-crossing rate, crossings per sample at 8 kHz, in [0, 1]
  f1_proxy      centroid of 250-1000 Hz (first-formant region), mapped to [0, 1]
  f2_proxy      centroid of 900-2800 Hz (second-formant region), mapped to [0, 1]
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from tritalk.errors import AudioError, ConfigError
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)

N_MELS = 24
FEATURE_NAMES: tuple[str, ...] = (
    "loudness", "loudness_dn", "vad",
    *(f"mel_{i:02d}" for i in range(N_MELS)),
    "centroid", "flux", "zcr", "f1_proxy", "f2_proxy",
)


@dataclass(frozen=True)
class FeatureConfig:
    sample_rate: int = 8000
    """Analysis rate. 8 kHz so that telephone audio and studio audio give the same features."""
    win_s: float = 0.025
    """25 ms windows: a few pitch periods, short enough for plosive bursts."""
    hop_s: float = 0.010
    """Target analysis hop; the real hop divides the video frame evenly (10 ms at 25 fps, 11.1 ms at 30)."""
    n_fft: int = 256
    highpass_hz: float = 70.0
    """Removes DC and mains hum (50/60 Hz), which would otherwise pass as voice energy."""
    fmin_hz: float = 80.0
    fmax_hz: float = 3800.0
    """Below the 4 kHz Nyquist of telephone audio, where the resampler's anti-alias filter rolls off."""
    floor_db: float = -60.0
    """Levels are clipped here: 60 dB below the clip's loud frames is silence for a mouth."""
    ref_quantile: float = 0.95
    noise_quantile: float = 0.10
    """The quietest 10 % of frames estimate the noise floor (pauses between phrases)."""
    min_ref_dbfs: float = -80.0
    """An all-zero or near-silent clip must not be normalised up to 'loud': the reference is at
    least this (quieter than any usable recording, above 16-bit dither at ~-96 dBFS)."""
    silence_below_ref_db: float = 70.0
    """Frames this far below the reference are digital silence (zero padding, gated pauses),
    not a noise floor; relative, so the rule does not depend on the recording gain."""
    oversubtract: float = 2.0
    """Spectral subtraction factor: the quietest-10 % mean underestimates the mean noise power."""
    vad_threshold_db: float = -35.0
    """Voice needs a denoised level (re the reference) above this..."""
    vad_min_snr_db: float = 9.0
    """...and this far above the noise floor: murmur or breath a few dB over the noise is not speech."""
    vad_slope_db: float = 3.0
    vad_hangover_s: float = 0.10
    """Bridges stop closures and weak fricatives inside words (max filter over +-this/2)."""
    vad_smooth_s: float = 0.05


@dataclass(frozen=True)
class AudioFeatures:
    """Per-video-frame audio features."""

    values: np.ndarray  # (T, D) float32, columns named by ``names``
    names: tuple[str, ...]
    fps: float
    clip: AudioClip | None = field(default=None, repr=False, compare=False)
    """The audio these features describe (``audio_features`` keeps it), for consumers that need the
    waveform itself (G_m's /p b m/ phone closures); None when the features were built otherwise."""

    def __post_init__(self):
        if self.values.ndim != 2 or self.values.shape[1] != len(self.names):
            raise ConfigError(f"AudioFeatures.values must be (T, {len(self.names)}), got {self.values.shape}")

    def __len__(self) -> int:
        return self.values.shape[0]

    def column(self, name: str) -> np.ndarray:
        """One feature as a (T,) array; ``ConfigError`` if it is not there."""
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise ConfigError(f"audio feature '{name}' is missing; available: {', '.join(self.names)}") from None


def _resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    if sr == target:
        return x
    g = math.gcd(int(sr), int(target))
    return signal.resample_poly(x, target // g, int(sr) // g)


def resample_to(clip: AudioClip, rate: int) -> np.ndarray:
    """Mono float64 samples of ``clip`` at ``rate``."""
    return _resample(np.asarray(clip.samples, np.float64), clip.sample_rate, rate)


def _mel_filterbank(cfg: FeatureConfig, n_fft: int) -> np.ndarray:
    """(n_mels, n_fft//2 + 1) triangular filters, HTK mel scale, unit peak."""
    def hz2mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel2hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = mel2hz(np.linspace(hz2mel(cfg.fmin_hz), hz2mel(cfg.fmax_hz), N_MELS + 2))  # (n_mels + 2,)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / cfg.sample_rate)  # (F,)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    return np.clip(np.minimum(up, down), 0.0, None)


def _band_centroid(power: np.ndarray, freqs: np.ndarray, lo: float, hi: float, eps: float) -> np.ndarray:
    """Centroid of ``power (N, F)`` inside [lo, hi] Hz mapped to [0, 1]; ``eps`` pulls empty frames to 0.5."""
    sel = (freqs >= lo) & (freqs <= hi)
    f = freqs[sel]
    p = power[:, sel]
    c = (p @ f + eps * 0.5 * (lo + hi)) / (p.sum(axis=1) + eps)
    return (c - lo) / (hi - lo)


def audio_features(clip: AudioClip, fps: float, n_frames: int | None = None,
                   config: FeatureConfig = FeatureConfig()) -> AudioFeatures:
    """Features for each video frame of ``clip`` at ``fps`` (see the module docstring)."""
    cfg = config
    if not fps > 0:
        raise ConfigError(f"fps must be > 0, got {fps}")
    x = np.asarray(clip.samples)
    if x.ndim != 1:
        raise AudioError(f"audio must be mono (N,), got shape {x.shape}; mix the channels down first")
    if x.size == 0 or clip.sample_rate <= 0:
        raise AudioError("the audio holds no samples; give a clip with speech in it")
    if not np.all(np.isfinite(x)):
        raise AudioError("the audio holds NaN or infinite samples; re-encode it as plain PCM")
    if n_frames is None:
        n_frames = math.ceil(round(clip.duration * fps, 6))
    if n_frames < 0:
        raise ConfigError(f"n_frames must be >= 0, got {n_frames}")
    if n_frames == 0:
        return AudioFeatures(np.zeros((0, len(FEATURE_NAMES)), np.float32), FEATURE_NAMES, float(fps), clip)

    sr = cfg.sample_rate
    x = x.astype(np.float64)
    y = _resample(x - x.mean(), clip.sample_rate, sr)  # (N8,) a DC offset would ring through the high-pass
    sos = signal.butter(4, cfg.highpass_hz, btype="highpass", fs=sr, output="sos")
    y = signal.sosfilt(sos, y)

    # Analysis frames: k per video frame, centred symmetrically inside it.
    k = max(1, round(1.0 / (fps * cfg.hop_s)))
    centres = (np.arange(n_frames * k) + 0.5) / (k * fps)  # (A,) seconds
    win = int(round(cfg.win_s * sr))
    n_fft = max(cfg.n_fft, 1 << (win - 1).bit_length())
    pad = win
    starts = np.round(centres * sr).astype(np.int64) + pad - win // 2  # (A,) into the padded signal
    y = np.pad(y, (pad, max(0, int(starts[-1]) + win - (y.shape[0] + pad))))  # audio past the end is silence
    window = np.hanning(win + 2)[1:-1]  # (win,) no zero end points
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)  # (F,)
    fbank = _mel_filterbank(cfg, n_fft)  # (n_mels, F)

    n_a = starts.shape[0]
    # One-sided power scaled so that its sum over bins is the window's mean square (Parseval).
    spec_scale = 1.0 / (0.5 * n_fft * float(np.sum(window ** 2)))
    power = np.empty((n_a, freqs.shape[0]), np.float32)  # (A, F)
    ms = np.empty(n_a)  # (A,) mean square per window
    zc = np.empty(n_a)  # (A,) zero crossings per sample
    chunk = 8192  # frames per chunk: memory stays flat for long clips
    for a in range(0, n_a, chunk):
        idx = starts[a:a + chunk, None] + np.arange(win)[None]  # (c, win)
        fr = y[idx]
        ms[a:a + chunk] = np.mean(fr * fr, axis=1)
        sgn = np.signbit(fr)
        zc[a:a + chunk] = np.mean(sgn[:, 1:] != sgn[:, :-1], axis=1)
        power[a:a + chunk] = np.abs(np.fft.rfft(fr * window, n=n_fft, axis=1)) ** 2 * spec_scale

    tiny = 1e-12
    level_db = 10.0 * np.log10(ms + tiny)  # (A,) dBFS
    ref_db = max(float(np.quantile(level_db, cfg.ref_quantile)), cfg.min_ref_dbfs)
    ref_pow = 10.0 ** (ref_db / 10.0)

    # Noise floor: the quietest 10 % of the frames that are not digital silence (zero padding
    # or gated pauses would otherwise hide a real noise floor). Not capped: pure noise must read
    # as silence, and in speech without pauses the quietest 10 % are the dips between
    # syllables, where a closing mouth is right anyway.
    live = level_db > ref_db - cfg.silence_below_ref_db  # (A,) bool
    if live.sum() < 10:  # (almost) nothing but digital silence
        live = np.ones_like(live)
    quiet = live & (level_db <= np.quantile(level_db[live], cfg.noise_quantile))  # (A,) bool
    noise_ms = float(np.mean(ms[quiet]))
    noise_spec = power[quiet].mean(axis=0)  # (F,)
    floor_lin = 10.0 ** (cfg.floor_db / 10.0)
    ms_dn = np.maximum(ms - cfg.oversubtract * noise_ms, ms * floor_lin)  # (A,)
    power_dn = np.maximum(power - cfg.oversubtract * noise_spec[None], power * floor_lin)  # (A, F)

    mel = power_dn @ fbank.T  # (A, n_mels) mean-square units, comparable to ref_pow
    mel_db = np.clip(10.0 * np.log10(mel / ref_pow + tiny), cfg.floor_db, 0.0)  # (A, n_mels) dB re ref

    # Voice activity: loud enough relative to the clip's speech AND clearly above the noise
    # floor (soft thresholds on both), then hangover and smoothing.
    lvl_dn = 10.0 * np.log10(ms_dn / ref_pow + tiny)  # (A,) dB re ref
    snr_db = 10.0 * np.log10((ms + tiny) / (noise_ms + tiny))  # (A,)
    logit = np.minimum(lvl_dn - cfg.vad_threshold_db, snr_db - cfg.vad_min_snr_db) / cfg.vad_slope_db
    vad_a = 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))
    hop_eff = 1.0 / (k * fps)
    hang = max(1, int(round(cfg.vad_hangover_s / hop_eff)))
    vad_a = _max_filter(vad_a, hang)
    vad_a = _box_smooth(vad_a, max(1, int(round(cfg.vad_smooth_s / hop_eff))))

    # Onset strength: positive change of the denoised log-mel spectrum.
    flux_a = np.zeros(n_a)
    flux_a[1:] = np.mean(np.clip(np.diff(mel_db, axis=0), 0.0, None), axis=1)

    eps_c = ref_pow * 1e-4  # -40 dB re the reference: silent frames get neutral centroids
    centroid = _band_centroid(power_dn, freqs, cfg.fmin_hz, cfg.fmax_hz, eps_c) * (cfg.fmax_hz - cfg.fmin_hz)
    centroid = (centroid + cfg.fmin_hz) / 4000.0
    f1 = _band_centroid(power_dn, freqs, 250.0, 1000.0, eps_c)
    f2 = _band_centroid(power_dn, freqs, 900.0, 2800.0, eps_c)

    # Pool the k analysis frames of each video frame: energies in the power domain.
    def pool(v):  # (A, ...) -> (T, ...)
        return v.reshape(n_frames, k, *v.shape[1:]).mean(axis=1)

    # Levels re the reference with a relative epsilon: digital zeros read as the floor, not as
    # "120 dB below 1.0", whatever the reference.
    loud = np.clip(10.0 * np.log10(pool(ms) / ref_pow + tiny), cfg.floor_db, 0.0)
    loud_dn = np.clip(10.0 * np.log10(pool(ms_dn) / ref_pow + tiny), cfg.floor_db, 0.0)
    mel_v = np.clip(10.0 * np.log10(pool(mel) / ref_pow + tiny), cfg.floor_db, 0.0)
    cols = [loud[:, None], loud_dn[:, None], pool(vad_a)[:, None], mel_v,
            pool(centroid)[:, None], pool(flux_a)[:, None], pool(zc)[:, None],
            pool(f1)[:, None], pool(f2)[:, None]]
    values = np.concatenate(cols, axis=1).astype(np.float32)  # (T, D)
    logger.debug("audio_features: %d frames at %.3g fps, ref %.1f dBFS, noise %.1f dBFS",
                 n_frames, fps, ref_db, 10 * math.log10(noise_ms + tiny))
    return AudioFeatures(values, FEATURE_NAMES, float(fps), clip)


def _max_filter(v: np.ndarray, width: int) -> np.ndarray:
    if width <= 1:
        return v
    return maximum_filter1d(v, size=width, mode="nearest")


def _box_smooth(v: np.ndarray, width: int) -> np.ndarray:
    if width <= 1:
        return v
    return uniform_filter1d(v, size=width, mode="nearest")
