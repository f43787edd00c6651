"""Helpers shared by the tests of tritalk.io: synthetic tones, WAV / compressed audio, test videos."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

from tritalk.io.video import VideoWriter
from tritalk.types import AudioClip


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec)) * rate / len(x)


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> None:
    """pcm: (N, C) int16."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())


def encode_audio(path: Path, codec: str, rate: int, x: np.ndarray) -> None:
    """Encode mono float samples with PyAV; the container comes from the file extension."""
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.layout = "mono"
        f = av.AudioFrame.from_ndarray(x[None, :].astype(np.float32), format="flt", layout="mono")
        f.sample_rate, f.pts = rate, 0
        c.mux(s.encode(f))  # the encoder cuts codec-sized frames itself
        c.mux(s.encode(None))


def gradient(h: int, w: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.linspace(0, 255, w)[None, :]
    img[..., 1] = np.linspace(0, 255, h)[:, None]
    img[..., 2] = 160
    return img


def write_video(path: Path, frames: np.ndarray, fps: float, audio: AudioClip | None) -> None:
    h, w = frames.shape[1:3]
    with VideoWriter(path, w, h, fps, audio) as vw:
        vw.write(frames)
    assert vw.n_frames == len(frames)

