"""The pocketsphinx phone recogniser (pip ``pocketsphinx``, CMU en-us acoustic model): allphone decoding
of any English speech (``recognise_phones``) and forced alignment of a known transcript
(``align_phones``) -> ``PhoneSpan`` lists with viseme classes. ~0.3-0.5 s per 10 s of speech.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from tritalk.audio.features import resample_to
from tritalk.audio.phones import PhoneSpan, arpabet_viseme
from tritalk.errors import ConfigError
from tritalk.types import AudioClip

logger = logging.getLogger(__name__)


def _pcm16(clip: AudioClip) -> bytes:
    y = resample_to(clip, 16000)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 0:  # the recogniser's front end is level-sensitive; a quiet clip is brought to -3 dBFS
        y = y * (0.7 / peak)
    return (np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes()


def _ps_model_dir() -> Path:
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        raise ConfigError("the phone recogniser needs pocketsphinx (a core dependency of tritalk); install it "
                          "with pip install pocketsphinx==5.1.1") from None
    return Path(get_model_path()) / "en-us"


def recognise_phones(clip: AudioClip, beam: float = 1e-20) -> list[PhoneSpan]:
    """Phone spans from pocketsphinx allphone decoding (CMU en-us model, 10 ms frames). The beam is wide:
    at 1e-10 the search can die part-way through longer audio and return the rest as one phone."""
    from pocketsphinx import Decoder

    m = _ps_model_dir()
    dec = Decoder(hmm=str(m / "en-us"), allphone=str(m / "en-us-phone.lm.bin"), lm=None, lw=2.0,
                  beam=beam, pbeam=beam, loglevel="FATAL")
    dec.start_utt()
    dec.process_raw(_pcm16(clip), full_utt=True)
    dec.end_utt()
    return [PhoneSpan(s.word, arpabet_viseme(s.word), s.start_frame / 100.0, (s.end_frame + 1) / 100.0)
            for s in (dec.seg() or [])]  # None for clips of a few frames


def align_phones(clip: AudioClip, text: str) -> list[PhoneSpan]:
    """Forced alignment of a known English transcript (pocketsphinx + CMU dict) -> phone spans.

    Returns [] (with a warning) when the decoder cannot align the text to the audio.
    """
    for beams in ({}, dict(beam=1e-80, wbeam=1e-60, pbeam=1e-80)):  # default first; wider on failure
        try:
            return _align(clip, text, beams)
        except RuntimeError as e:
            err = e
    logger.warning("forced alignment of '%s' failed (%s); no aligned phones", text, err)
    return []


def _align(clip: AudioClip, text: str, beams: dict) -> list[PhoneSpan]:
    from pocketsphinx import Decoder

    m = _ps_model_dir()
    dec = Decoder(hmm=str(m / "en-us"), dict=str(m / "cmudict-en-us.dict"), loglevel="FATAL", **beams)
    pcm = _pcm16(clip)
    dec.set_align_text(text.lower())
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    dec.set_alignment()
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    spans = []
    for word in dec.get_alignment():
        for p in word:
            spans.append(PhoneSpan(p.name, arpabet_viseme(p.name), p.start / 100.0, (p.start + p.duration) / 100.0))
    return spans
