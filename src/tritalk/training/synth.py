"""Synthetic talking data: espeak-ng speech (many voices, speeds, languages) + mouth-shape targets.

Targets come from the phoneme timings of the synthesiser and a per-viseme table of mouth shapes
calibrated on real talking-face video (``calibrate``): real clips are aligned to their phones
(forced alignment of a known transcript, else the phone recogniser), the measured coefficients
(above the speaker's rest) are averaged per viseme class, and a coarticulation model blends
neighbouring targets (Cohen & Massaro's dominance functions: each phone pulls the mouth towards
its target with a Gaussian-in-time dominance; lip closures /p b m/ and /f v/ dominate, tongue
consonants /t d n l k g h/ let the vowels shape the lips). The model's lead (mouths move before
the sound) and width are fitted on the same real clips.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from tritalk.arkit import shape_columns as target_columns
from tritalk.audio.phones import VISEME_IDX, VISEMES, PhoneSpan

logger = logging.getLogger(__name__)

# How strongly each class imposes its shape on its neighbours (dominance α).
DOMINANCE: dict[str, float] = {
    "sil": 1.0, "PBM": 4.0, "FV": 3.0, "TH": 1.0, "TDNL": 0.4, "SZ": 0.8, "SH": 1.5, "KG": 0.3,
    "R": 0.8, "W_UW": 1.5, "AA": 1.0, "EH": 1.0, "IY": 1.0, "OW": 1.2,
}
VOWELS = ("W_UW", "AA", "EH", "IY", "OW")


def rest_targets(expr: np.ndarray, targets: Sequence[str], rest_q: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Measured (T, 52) with NaN rows -> ((T, K) above the clip's rest, (T,) bool face found)."""
    valid = ~np.isnan(expr).any(axis=1)
    cols = []
    for t in targets:
        y = expr[:, target_columns(t)].mean(axis=1)
        if valid.any():
            y = np.where(valid, y, np.nanmedian(y[valid]))
            y = np.clip(y - np.percentile(y[valid], rest_q), 0.0, None)
        else:
            y = np.zeros(len(expr))
        cols.append(y)
    return np.stack(cols, axis=1).astype(np.float32), valid


@dataclass(frozen=True)
class VisemeTable:
    targets: tuple[str, ...]
    shapes: tuple[tuple[float, ...], ...]  # (len(VISEMES), K) mean coefficient above rest per class
    counts: tuple[int, ...]  # spans measured per class
    lead_s: float = 0.04  # mouth shapes lead the sound by this much
    width_s: float = 0.05  # minimum dominance spread (Gaussian sigma) [s]
    clips: tuple[str, ...] = ()

    def array(self) -> np.ndarray:
        return np.asarray(self.shapes, np.float32)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "VisemeTable":
        d = json.loads(Path(path).read_text())
        return cls(tuple(d["targets"]), tuple(tuple(r) for r in d["shapes"]), tuple(d["counts"]),
                   d["lead_s"], d["width_s"], tuple(d.get("clips", ())))


def bilabial_track(spans: Sequence[PhoneSpan], fps: float, n_frames: int, lead_s: float = 0.0) -> np.ndarray:
    """(T,) 1 on frames where the lips are shut for /p b m/, else 0: frame centres inside a PBM span
    (moved earlier by ``lead_s``, as the mouth leads the sound), and always the frame at its middle."""
    y = np.zeros(n_frames, np.float32)
    t = (np.arange(n_frames) + 0.5) / fps
    for s in spans:
        if s.viseme != "PBM":
            continue
        a, b = s.start - lead_s, s.end - lead_s
        y[(t >= a) & (t < b)] = 1.0
        i = int((a + b) / 2 * fps)
        if 0 <= i < n_frames:
            y[i] = 1.0
    return y


def coarticulate(spans: Sequence[PhoneSpan], shapes: np.ndarray, fps: float, n_frames: int,
                 lead_s: float, width_s: float, gain: np.ndarray | None = None) -> np.ndarray:
    """(T, K) mouth track from phone spans by dominance blending (silence = rest = 0)."""
    t = (np.arange(n_frames) + 0.5) / fps  # (T,) frame centres [s]
    sp = [s for s in spans if s.end > s.start]
    if not sp:
        return np.zeros((n_frames, shapes.shape[1]), np.float32)
    c = np.array([(s.start + s.end) / 2 - lead_s for s in sp])  # (S,)
    half = np.array([(s.end - s.start) / 2 for s in sp])
    sigma = np.maximum(half, width_s)
    alpha = np.array([DOMINANCE[s.viseme] for s in sp])
    tgt = shapes[[VISEME_IDX[s.viseme] for s in sp]]  # (S, K)
    if gain is not None:
        tgt = tgt * gain[:, None]
    # Flat-topped dominance: full inside the phone, Gaussian fall-off outside it.
    dist = np.clip(np.abs(t[None, :] - c[:, None]) - half[:, None] * 0.5, 0.0, None)  # (S, T)
    dom = alpha[:, None] * np.exp(-0.5 * (dist / sigma[:, None]) ** 2) + 1e-9
    # Before the first and after the last phone the mouth goes to rest over ~60 ms.
    outside = np.maximum(sp[0].start - lead_s - t, t - (sp[-1].end - lead_s))
    rest = 4.0 * np.clip(outside / 0.06, 0.0, 1.0)
    num = dom.T @ tgt  # (T, K)
    den = dom.sum(axis=0) + rest
    return (num / den[:, None]).astype(np.float32)


def calibrate(clips: Sequence[dict], targets: Sequence[str]) -> VisemeTable:
    """Per-viseme mean shapes + lead/width from real clips: dicts with expr (T, 52), fps, spans."""
    k = len(targets)
    sums = np.zeros((len(VISEMES), k))
    counts = np.zeros(len(VISEMES), np.int64)
    tracks = []
    for c in clips:
        y, valid = rest_targets(c["expr"], targets)
        fps = c["fps"]
        tracks.append((c, y, valid))
        for s in c["spans"]:
            if s.viseme == "sil":
                continue
            mid, half = (s.start + s.end) / 2 - 0.04, (s.end - s.start) / 4
            fr = np.arange(int(np.floor((mid - half) * fps)), int(np.ceil((mid + half) * fps)) + 1)
            fr = fr[(fr >= 0) & (fr < len(y))]
            fr = fr[valid[fr]] if fr.size else fr
            if fr.size:
                sums[VISEME_IDX[s.viseme]] += y[fr].mean(axis=0)
                counts[VISEME_IDX[s.viseme]] += 1
    shapes = sums / np.maximum(counts, 1)[:, None]
    vowel_ids = [VISEME_IDX[v] for v in VOWELS]
    cons_ids = [i for i in range(1, len(VISEMES)) if i not in vowel_ids]
    for group in (vowel_ids, cons_ids):
        n = counts[group].sum()
        mean = (sums[group].sum(axis=0) / n) if n else np.zeros(k)
        for i in group:  # too few measurements: shrink towards the group mean
            w = counts[i] / (counts[i] + 2.0)
            shapes[i] = w * shapes[i] + (1 - w) * mean
    shapes[VISEME_IDX["sil"]] = 0.0
    # Lead and width: best mean correlation of the blended track with the measured one (all targets).
    best = (-np.inf, 0.04, 0.05)
    for lead in (0.0, 0.02, 0.04, 0.06, 0.08):
        for width in (0.03, 0.05, 0.08):
            rs = []
            for c, y, valid in tracks:
                pred = coarticulate(c["spans"], shapes, c["fps"], len(y), lead, width)
                for j in range(k):
                    a, b = pred[valid, j], y[valid, j]
                    if a.std() > 1e-6 and b.std() > 1e-6:
                        rs.append(np.corrcoef(a, b)[0, 1] * (3.0 if targets[j] == "jawOpen" else 1.0))
            score = float(np.mean(rs)) if rs else -np.inf
            if score > best[0]:
                best = (score, lead, width)
    logger.info("viseme table: lead %.2f s, width %.2f s (score %.3f), spans per class %s",
                best[1], best[2], best[0], dict(zip(VISEMES, counts.tolist())))
    return VisemeTable(tuple(targets), tuple(tuple(float(v) for v in r) for r in shapes),
                       tuple(int(n) for n in counts), best[1], best[2], tuple(c.get("id", "") for c in clips))


# ---------------------------------------------------------------------------------------------
# Text and voices for espeak-ng.
_EN_WORDS = (
    "the a to of and in is it you that he was for on are with as his they be at one have this from or had "
    "by hot word but what some we can out other were all there when up use your how said an each she which "
    "do their time if will way about many then them write would like so these her long make thing see him "
    "two has look more day could go come did number sound no most people my over know water than call first "
    "who may down side been now find any new work part take get place made live where after back little only "
    "round man year came show every good me give our under name very through just form sentence great think "
    "say help low line differ turn cause much mean before move right boy old too same tell does set three "
    "want air well also play small end put home read hand port large spell add even land here must big high "
    "such follow act why ask men change went light kind off need house picture try us again animal point "
    "mother world near build self earth father bin lay place blue green red white by with zero four five six "
    "seven eight nine please soon maybe baby map bob pop mom bump mumble apple bubble people prime movie"
).split()
_LANG_WORDS = {
    "de": "der die das und ist nicht ein eine mit von zu den auf für sich dem im mal bitte morgen wasser "
          "haus mann frau kind buch blume papa mama bald immer fahren ufer insel besten aussichten".split(),
    "fr": "le la les et est pas un une avec de pour dans sur mais bonjour merci beaucoup maison pomme "
          "bouche monde petit bien peut-être toujours parler mère père bateau".split(),
    "es": "el la los y es no un una con de para en por pero hola gracias mucho casa boca mundo pequeño "
          "bien siempre hablar madre padre mapa bebé playa".split(),
    "it": "il la e è non un una con di per in ma ciao grazie molto casa bocca mondo piccolo bene sempre "
          "parlare madre padre mamma pappa bambino prova".split(),
    "pt": "o a os e é não um uma com de para em mas olá obrigado muito casa boca mundo pequeno bem "
          "sempre falar mãe pai bebê mapa".split(),
    "nl": "de het een en is niet met van voor op maar hallo dank huis mond wereld klein goed altijd "
          "praten moeder vader boom appel".split(),
    "pl": "i w nie na to jest z się do że mama tata dom woda mleko bardzo dobrze proszę".split(),
    "sv": "och i att det som en på är för med hej tack mamma pappa hus mun värld liten bra".split(),
}
_SYLLABLES = [c + v for c in ("p", "b", "m", "f", "v", "t", "d", "n", "l", "s", "k", "g", "r", "w", "sh", "ch", "")
              for v in ("a", "e", "i", "o", "u", "ai", "ou")]
VOICE_VARIANTS = ("", "+f1", "+f2", "+f3", "+f4", "+m1", "+m2", "+m3", "+m4", "+m5", "+klatt", "+klatt2")
LANGS = ("en-us", "en", "en-us", "en-gb-scotland", "de", "fr", "es", "it", "pt", "nl", "pl", "sv")


def random_text(rng: np.random.Generator, lang: str) -> str:
    """A short utterance (3-12 words), sometimes with a comma pause."""
    base = lang.split("-")[0]
    n = int(rng.integers(3, 12))
    if base == "en" and rng.random() < 0.2:  # GRID-like command sentence
        words = [rng.choice(["bin", "lay", "place", "set"]), rng.choice(["blue", "green", "red", "white"]),
                 rng.choice(["at", "by", "in", "with"]), chr(int(rng.integers(97, 123))),
                 rng.choice(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero"]),
                 rng.choice(["again", "now", "please", "soon"])]
    elif rng.random() < 0.15:  # pseudo-words: every language's phonotactics, many bilabials
        words = ["".join(rng.choice(_SYLLABLES, size=int(rng.integers(1, 4)))) for _ in range(n)]
    else:
        vocab = _EN_WORDS if base == "en" else _LANG_WORDS.get(base, _EN_WORDS)
        words = list(rng.choice(vocab, size=n))
    if len(words) > 5 and rng.random() < 0.4:
        words[int(rng.integers(2, len(words) - 2))] += ","
    return " ".join(words)


def make_synthetic(out_dir: str | Path, n: int, seed: int = 0, rate: int = 16000) -> list[dict]:
    """``n`` espeak-ng utterances into ``out_dir/clips/syn_NNNNN.npz`` (+ index.json)."""
    from scipy import signal

    from tritalk.training.espeak import Espeak

    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    tts = Espeak()
    records = []
    for i in range(n):
        lang = str(rng.choice(LANGS))
        voice = lang + str(rng.choice(VOICE_VARIANTS))
        text = random_text(rng, lang)
        wpm = int(rng.integers(120, 240))
        pitch = int(rng.integers(20, 80))
        try:
            pcm, sr, spans = tts.say(text, voice=voice, rate=wpm, pitch=pitch, pitch_range=int(rng.integers(20, 90)))
        except Exception as e:  # a voice missing from this espeak-ng build
            logger.warning("espeak-ng %s failed (%s); skipped", voice, e)
            continue
        # Lead-in / tail silence as in real recordings (0.1-0.6 s).
        pre, post = rng.uniform(0.1, 0.6), rng.uniform(0.1, 0.6)
        pcm = np.concatenate([np.zeros(int(pre * sr), np.float32), pcm, np.zeros(int(post * sr), np.float32)])
        spans = [PhoneSpan(s.phone, s.viseme, s.start + pre, s.end + pre) for s in spans]
        audio = signal.resample_poly(pcm, rate // 50, sr // 50).astype(np.float32)  # 22050 -> 16000
        name = f"syn_{i:05d}"
        np.savez_compressed(out / "clips" / f"{name}.npz", audio=audio, fps=np.float64(25.0),
                            ipa=np.array([s.phone for s in spans], dtype="U16"),
                            ipa_start=np.array([s.start for s in spans]), ipa_end=np.array([s.end for s in spans]))
        records.append(dict(id=name, speaker=voice, layout="espeak", transcript=text, language=lang, wpm=wpm,
                            pitch=pitch, frames=int(np.ceil(audio.size / rate * 25)), fps=25.0,
                            audio_seconds=round(audio.size / rate, 3), source="synthetic"))
    (out / "index.json").write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    return records
