"""Streaming resampler: PCM pushed in chunks of any size at any rate -> float64 samples at a target rate.

Contract: ``StreamResampler(rate_in, rate_out).push(x) -> (M,)`` returns the output samples that the
input so far determines. The output depends only on the input samples, never on how they were split
into chunks (the work is done on fixed 10 ms blocks of input, aligned to the stream's first sample),
which is what makes a live session's frames independent of the chunk size. Output sample ``j`` is the
input band-limited (windowed-sinc low-pass at 0.9 x the lower Nyquist) and read at ``j / rate_out``; it
waits for ``taps`` input samples past that instant (~2 ms). ``rate_in == rate_out`` passes through.
"""

from __future__ import annotations

import math

import numpy as np

from tritalk.errors import AudioError

BLOCK_S = 0.01
"""Input is processed in 10 ms blocks: every common rate (8, 11.025, 16, 22.05, 44.1, 48 kHz) holds a
whole number of samples in 10 ms, and so does the 8 kHz output, so one kernel matrix serves every block."""


class StreamResampler:
    def __init__(self, rate_in: int, rate_out: int, zero_crossings: int = 16):
        if rate_in <= 0 or int(rate_in) != rate_in:
            raise AudioError(f"sample rate {rate_in} is invalid; give the PCM's rate in Hz (e.g. 16000)")
        self.rate_in, self.rate_out = int(rate_in), int(rate_out)
        self.passthrough = self.rate_in == self.rate_out
        g = math.gcd(self.rate_in, self.rate_out)
        self.up, self.down = self.rate_out // g, self.rate_in // g  # out j reads input at j * down / up
        # block: the smallest whole number of input samples >= 10 ms that maps to a whole number of outputs
        self.block_in = self.down * max(1, math.ceil(BLOCK_S * self.rate_in / self.down))
        self.block_out = self.block_in * self.up // self.down
        cutoff = 0.9 * min(1.0, self.rate_out / self.rate_in)  # of the input Nyquist
        self.half = int(math.ceil(zero_crossings / cutoff))  # taps each side, in input samples
        pos = np.arange(self.block_out) * self.down / self.up  # (Bo,) read instants within a block
        base = np.floor(pos).astype(np.int64)
        offs = np.arange(-self.half + 1, self.half + 1)  # (2h,)
        d = pos[:, None] - (base[:, None] + offs[None])  # (Bo, 2h) distance to each tap [input samples]
        win = 0.5 + 0.5 * np.cos(np.pi * np.clip(d / (self.half + 1), -1, 1))
        self.kernel = cutoff * np.sinc(cutoff * d) * win  # (Bo, 2h)
        self.index = base[:, None] + offs[None] + self.half  # into [history (half) | block | future (half)]
        self._buf = np.zeros(self.half, np.float64)  # the stream starts after silence
        self._done = 0  # input samples of whole blocks already turned into output

    def push(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64).reshape(-1)
        if self.passthrough:
            return x.copy()
        self._buf = np.concatenate([self._buf, x])
        out = []
        # a block needs `half` samples of history before it and `half` after it
        while self._buf.shape[0] >= self.half + self.block_in + self.half:
            seg = self._buf[: 2 * self.half + self.block_in]
            out.append(np.einsum("ij,ij->i", self.kernel, seg[self.index]))
            self._buf = self._buf[self.block_in:]
            self._done += self.block_in
        return np.concatenate(out) if out else np.zeros(0, np.float64)

    def flush(self) -> np.ndarray:
        """The output of the input pushed so far, padded with silence to a whole block (end of stream)."""
        if self.passthrough:
            return np.zeros(0, np.float64)
        pending = self._buf.shape[0] - self.half
        if pending <= 0:
            return np.zeros(0, np.float64)
        pad = (-pending) % self.block_in + self.half
        return self.push(np.zeros(pad))
