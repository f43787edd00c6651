"""audio/encoders.py, phones.py, phone_recogniser.py: the default acoustic encoder, phone/viseme maps,
pocketsphinx, and the wav2vec2 loader on a tiny random model saved to disk (no download)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tritalk.audio.encoders import AcousticEncoder, EncoderConfig, Wav2Vec2Encoder, build_encoder
from tritalk.audio.features import audio_features
from tritalk.audio.phone_recogniser import recognise_phones
from tritalk.audio.phones import VISEMES, PhoneSpan, arpabet_viseme, ipa_viseme, spans_to_frames, spans_to_tokens
from tritalk.errors import ConfigError, WeightsError
from tritalk.io.audio import load_audio
from tritalk.types import AudioClip

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def speech() -> AudioClip:
    return load_audio(DATA / "fleurs_en_000.wav")


def test_acoustic_encoder_shapes_and_silence(speech):
    enc = AcousticEncoder()
    f = enc.encode(speech, 25.0)
    assert f.shape == (int(np.ceil(speech.duration * 25)), enc.dim) and np.isfinite(f).all()
    f2 = enc.encode(audio_features(speech, 25.0), 25.0)  # from the pipeline's precomputed features
    np.testing.assert_allclose(f, f2)
    z = enc.encode(AudioClip(np.zeros(8000, np.float32), 16000), 30.0)
    assert z.shape == (15, enc.dim) and np.isfinite(z).all()
    with pytest.raises(ConfigError):
        enc.encode(audio_features(speech, 25.0), 30.0)


def test_phone_maps():
    assert arpabet_viseme("B") == arpabet_viseme("m") == arpabet_viseme("P") == "PBM"
    assert arpabet_viseme("AA1") == "AA" and arpabet_viseme("SIL") == "sil"
    assert ipa_viseme("ˈuː") == "W_UW" and ipa_viseme("tʃ") == "SH" and ipa_viseme("ç") == "SH"
    assert ipa_viseme("") == "sil" and ipa_viseme("ɔ̃") == "OW" and ipa_viseme("m") == "PBM"
    spans = [PhoneSpan("b", "PBM", 0.0, 0.1), PhoneSpan("a", "AA", 0.1, 0.3), PhoneSpan("a", "AA", 0.3, 0.35),
             PhoneSpan("", "sil", 0.35, 0.5)]
    assert spans_to_tokens(spans).tolist() == [VISEMES.index("PBM") + 1, VISEMES.index("AA") + 1]
    fr = spans_to_frames(spans, 10.0, 6)
    assert fr.shape == (6, len(VISEMES)) and np.allclose(fr.sum(axis=1), 1.0)
    assert fr[0, VISEMES.index("PBM")] == 1.0 and fr[5, 0] == 1.0


def test_pocketsphinx_recognises_bilabials(speech):
    spans = recognise_phones(speech)
    assert len(spans) > 20
    assert all(b.start >= a.start for a, b in zip(spans, spans[1:]))
    assert abs(spans[-1].end - speech.duration) < 0.2
    assert sum(s.viseme != "sil" for s in spans) > 15
    enc = build_encoder(EncoderConfig(kind="phonetic"))
    f = enc.encode(speech, 25.0)
    assert f.shape[1] == enc.dim and np.allclose(f[:, -len(VISEMES):].sum(axis=1), 1.0, atol=1e-4)


def test_wav2vec2_from_a_local_tiny_random_model(tmp_path, speech):
    from transformers import HubertConfig, HubertModel, Wav2Vec2Config, Wav2Vec2Model

    speech = AudioClip(speech.samples[: 2 * speech.sample_rate], speech.sample_rate)

    tiny = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                conv_dim=(16, 16, 16, 16, 16, 16, 16), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    for name, cfg_cls, model_cls in (("w2v", Wav2Vec2Config, Wav2Vec2Model), ("hubert", HubertConfig, HubertModel)):
        model_cls(cfg_cls(**tiny)).save_pretrained(tmp_path / name)
        enc = build_encoder(EncoderConfig(kind="wav2vec2", path=str(tmp_path / name)))
        f = enc.encode(speech, 25.0, 50)
        assert enc.dim == 32 and f.shape == (50, 32) and np.isfinite(f).all()
        assert np.array_equal(f, Wav2Vec2Encoder(EncoderConfig(kind="wav2vec2", path=str(tmp_path / name))
                                                 ).encode(speech, 25.0, 50))  # reload: same numbers
        if name == "w2v":
            assert enc.encode(speech, 60.0).shape[0] == 120


def test_wav2vec2_missing_path_names_path_and_flag(tmp_path):
    missing = tmp_path / "no_such_model"
    with pytest.raises(WeightsError) as e:
        build_encoder(EncoderConfig(kind="wav2vec2", path=str(missing)))
    assert str(missing) in str(e.value) and "--audio-encoder-path" in str(e.value)
    with pytest.raises(WeightsError, match="--audio-encoder-path"):
        build_encoder(EncoderConfig(kind="wav2vec2"))
    with pytest.raises(ConfigError):
        EncoderConfig(kind="whisper")
