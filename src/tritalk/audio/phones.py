"""Phone sets and viseme classes: pocketsphinx gives CMU ARPAbet, espeak-ng gives IPA; both map onto
``VISEMES`` (14 mouth-shape classes), which are also the lip reader's CTC tokens (id = index + 1;
0 = blank). ``PhoneSpan`` is a timed phone; spans turn into per-frame viseme shares or CTC labels here.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

# Mouth-shape classes; index 0 is silence. CTC token id = index + 1 (0 is the CTC blank).
VISEMES: tuple[str, ...] = (
    "sil",   # pause, breath
    "PBM",   # bilabial closure: p b m
    "FV",    # lower lip to upper teeth: f v
    "TH",    # tongue between teeth: th dh
    "TDNL",  # alveolar: t d n l
    "SZ",    # sibilant, teeth close: s z
    "SH",    # post-alveolar, lips forward: sh zh ch jh
    "KG",    # velar / glottal, mouth follows the vowel: k g ng h
    "R",     # r, er: lips slightly rounded
    "W_UW",  # rounded close: w uw uh (and y, yu in other languages)
    "AA",    # open: aa ae ah(ʌ) ay aw
    "EH",    # mid unrounded: eh ey ə ɜ
    "IY",    # close front spread: iy ih y
    "OW",    # rounded mid: ow ao oy ɔ ø œ
)
VISEME_IDX: dict[str, int] = {v: i for i, v in enumerate(VISEMES)}
N_TOKENS = len(VISEMES) + 1  # + CTC blank

ARPABET_TO_VISEME: dict[str, str] = {
    "SIL": "sil", "+NSN+": "sil", "+SPN+": "sil", "+BREATH+": "sil", "+NOISE+": "sil", "+COUGH+": "sil",
    "+SMACK+": "sil", "+UH+": "sil", "+UM+": "sil",
    "P": "PBM", "B": "PBM", "M": "PBM", "F": "FV", "V": "FV", "TH": "TH", "DH": "TH",
    "T": "TDNL", "D": "TDNL", "N": "TDNL", "L": "TDNL", "S": "SZ", "Z": "SZ",
    "SH": "SH", "ZH": "SH", "CH": "SH", "JH": "SH", "K": "KG", "G": "KG", "NG": "KG", "HH": "KG",
    "R": "R", "ER": "R", "W": "W_UW", "UW": "W_UW", "UH": "W_UW",
    "AA": "AA", "AE": "AA", "AY": "AA", "AW": "AA", "AH": "EH", "EH": "EH", "EY": "EH",
    "IH": "IY", "IY": "IY", "Y": "IY", "OW": "OW", "AO": "OW", "OY": "OW",
}

# IPA (espeak-ng phoneme events), by the first sound of the phoneme string.
_IPA_MULTI = {"tʃ": "SH", "dʒ": "SH", "ts": "SZ", "dz": "SZ", "tɕ": "SH", "dʑ": "SH", "pf": "PBM"}
_IPA_FIRST: dict[str, str] = {}
for _chars, _v in (("pbmɱɓ", "PBM"), ("fvʋɸβ", "FV"), ("θð", "TH"), ("tdnlɾɫɗɬɭɳɖʈ", "TDNL"),
                   ("szʂʐ", "SZ"), ("ʃʒçʝɕʑɲ", "SH"), ("kgɡŋhxɣχqʔɦʁɢcɟ", "KG"), ("rɹɻʀɚɝ", "R"),
                   ("wʍɥuʊɯyʏ", "W_UW"), ("aɑæʌɐɶ", "AA"), ("eɛəɜɘɤ", "EH"), ("iɪjɨʎ", "IY"),
                   ("oɔɒøœɵ", "OW")):
    for _c in _chars:
        _IPA_FIRST[_c] = _v


def arpabet_viseme(phone: str) -> str:
    """CMU ARPAbet phone (stress digits allowed) -> viseme class; unknown fillers -> 'sil'."""
    p = phone.upper().rstrip("012")
    return ARPABET_TO_VISEME.get(p, "sil")


def ipa_viseme(phoneme: str) -> str:
    """IPA phoneme string (stress/length marks allowed) -> viseme class; pauses ('_', '') -> 'sil'."""
    marks = "ˈˌːˑ'`,.%=_-|#:;!?0123456789 "
    s = "".join(c for c in unicodedata.normalize("NFC", phoneme) if c not in marks)
    if not s:
        return "sil"
    for k, v in _IPA_MULTI.items():
        if s.startswith(k):
            return v
    if s[0] in _IPA_FIRST:
        return _IPA_FIRST[s[0]]
    base = unicodedata.normalize("NFD", s[0])[0]  # ç -> c, ã -> a
    return _IPA_FIRST.get(base, "EH" if base.isalpha() else "sil")


@dataclass(frozen=True)
class PhoneSpan:
    phone: str     # as the recogniser / synthesiser names it
    viseme: str    # one of VISEMES
    start: float   # seconds
    end: float     # seconds


def spans_to_frames(spans: Sequence[PhoneSpan], fps: float, n_frames: int) -> np.ndarray:
    """(T, len(VISEMES)): the share of each frame's interval covered by each viseme (silence fills gaps)."""
    out = np.zeros((n_frames, len(VISEMES)), np.float32)
    for s in spans:
        a, b = s.start * fps, s.end * fps
        if b <= a:
            continue
        k = VISEME_IDX[s.viseme]
        for t in range(max(0, int(math.floor(a))), min(n_frames, int(math.ceil(b)))):
            out[t, k] += max(0.0, min(b, t + 1) - max(a, t))
    out[:, 0] += np.clip(1.0 - out.sum(axis=1), 0.0, None)
    return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-6)


def spans_to_tokens(spans: Sequence[PhoneSpan], min_dur: float = 0.0) -> np.ndarray:
    """CTC label sequence (ids 1..len(VISEMES)) with repeats of the same viseme merged, silence dropped."""
    ids: list[int] = []
    for s in spans:
        if s.viseme == "sil" or s.end - s.start < min_dur:
            continue
        i = VISEME_IDX[s.viseme] + 1
        if not ids or ids[-1] != i:
            ids.append(i)
    return np.array(ids, np.int64)
