"""espeak-ng speech with its own phoneme timings, through the C API (ctypes).

Training-data tool only: espeak-ng is GPL-3.0 and never used by the generate path or the tests.
The library comes from pip ``espeakng-loader`` (``pip install 'tritalk[synth]'``) or from Debian
``espeak-ng`` (``libespeak-ng.so.1`` + ``/usr/lib/x86_64-linux-gnu/espeak-ng-data``).

    synth = Espeak()
    pcm, sr, spans = synth.say("bin blue at f two now", voice="en-us+f3", rate=170, pitch=50)

``spans`` are ``PhoneSpan``s (IPA phoneme, viseme class, start/end seconds) from the phoneme
events, which carry the audio position of each phoneme in the synthesised PCM.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import numpy as np

from tritalk.audio.phones import PhoneSpan, ipa_viseme
from tritalk.errors import ConfigError

_EVENT_PHONEME = 7
_EVENT_END = 5
_EVENT_MSG_TERMINATED = 6
_EVENT_LIST_TERMINATED = 0


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


def _locate() -> tuple[str, str]:
    try:
        import espeakng_loader

        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except ImportError:
        pass
    lib = Path("/usr/lib/x86_64-linux-gnu/libespeak-ng.so.1")
    data = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data")
    if lib.is_file() and data.is_dir():
        return str(lib), str(data)
    raise ConfigError("synthetic speech needs espeak-ng: pip install 'tritalk[synth]' (espeakng-loader) "
                      "or apt-get install espeak-ng")


class Espeak:
    """One espeak-ng instance (the library is process-global: one at a time, guarded by a lock)."""

    _lock = threading.Lock()

    def __init__(self):
        lib_path, data_path = _locate()
        self.lib = ctypes.CDLL(lib_path)
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        # AUDIO_OUTPUT_SYNCHRONOUS, phoneme events in IPA
        self.sample_rate = self.lib.espeak_Initialize(2, 0, data_path.encode(), 0x0001 | 0x0002)
        if self.sample_rate <= 0:
            raise ConfigError(f"espeak-ng failed to initialise with data at {data_path}")
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[str, int]] = []
        self._cb = _CALLBACK(self._callback)  # keep a reference: the library calls it
        self.lib.espeak_SetSynthCallback(self._cb)

    def _callback(self, wav, n, events) -> int:
        if n > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while True:
            ev = events[i]
            if ev.type == _EVENT_LIST_TERMINATED:
                break
            if ev.type == _EVENT_PHONEME:
                self._events.append((ev.id.string.decode("utf-8", "replace"), ev.audio_position))
            i += 1
        return 0

    def say(self, text: str, voice: str = "en-us", rate: int = 170, pitch: int = 50, pitch_range: int = 50,
            word_gap: int = 0) -> tuple[np.ndarray, int, list[PhoneSpan]]:
        """(pcm (N,) float32 in [-1, 1], sample rate, phoneme spans) for ``text``."""
        with self._lock:
            self._chunks, self._events = [], []
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ConfigError(f"espeak-ng has no voice '{voice}'")
            for param, value in ((1, rate), (3, pitch), (4, pitch_range), (7, word_gap)):
                self.lib.espeak_SetParameter(param, int(value), 0)
            buf = text.encode("utf-8") + b"\0"
            self.lib.espeak_Synth(buf, len(buf), 0, 1, 0, 1, None, None)  # POS_CHARACTER, espeakCHARS_UTF8
            self.lib.espeak_Synchronize()
            pcm = (np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768.0
            events = list(self._events)
        dur = pcm.size / self.sample_rate
        spans = []
        for k, (ph, ms) in enumerate(events):
            start = ms / 1000.0
            end = events[k + 1][1] / 1000.0 if k + 1 < len(events) else dur
            if end > start:
                spans.append(PhoneSpan(ph, ipa_viseme(ph), start, min(end, dur)))
        return pcm, self.sample_rate, spans
