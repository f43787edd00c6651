"""Valid but odd inputs through the whole CLI give a correct video: right length, sound, an upright face.

Odd images (grayscale, alpha, CMYK, 16-bit, EXIF-rotated, animated GIF) are paired with odd audio
(8 kHz, stereo 48 kHz MP3, silence, noise, a video's sound track, Opus) and odd paths and options
(unicode and spaces, `.MP4`, `--fps 29.97`), all made from the bundled example.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tritalk.face.analyse import FaceAnalyser
from tritalk.io.video import VideoWriter, probe_video, read_video_frames
from tritalk.types import AudioClip

from cli_helpers import encode_audio, error_lines, resample, run_many, write_wav
from cli_helpers import speech16k  # noqa: F401  (a fixture)

SECONDS = 2.0
SIZE = 128


def _portrait(example_image_path: Path) -> Image.Image:
    return Image.open(example_image_path).convert("RGB").resize((480, 480), Image.LANCZOS)


def _images(d: Path, src: Image.Image) -> dict[str, Path]:
    out = {}
    src.convert("L").save(out.setdefault("gray", d / "gray.png"))
    rgba = np.dstack([np.asarray(src), np.full((480, 480), 255, np.uint8)])
    rgba[:40, :, 3] = 0  # a transparent band: composited onto white
    rgba[:, :40, 3] = 90
    Image.fromarray(rgba, "RGBA").save(out.setdefault("alpha", d / "alpha.png"))
    src.convert("CMYK").save(out.setdefault("cmyk", d / "cmyk.jpg"))
    g16 = (np.asarray(src.convert("L")).astype(np.uint16) * 257)
    Image.fromarray(g16).save(out.setdefault("gray16", d / "gray16.png"))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 deg clockwise to display": the pixels are stored turned left
    folder = d / "fötos mit leer zeichen"
    folder.mkdir()
    src.rotate(90, expand=True).save(out.setdefault("exif", folder / "pörträt 1.jpg"), exif=exif)
    frames = [src, src.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    frames[0].save(out.setdefault("gif", d / "anim.gif"), save_all=True, append_images=frames[1:], duration=200,
                   loop=0)
    return out


def _audios(d: Path, x: np.ndarray) -> dict[str, Path]:
    n = int(SECONDS * 16000)
    x = x[16000: 16000 + n]
    video = d / "with sound.mp4"
    with VideoWriter(video, 64, 64, 25, AudioClip(x, 16000)) as w:
        w.write(np.zeros((50, 64, 64, 3), np.uint8))
    return {
        "8k": write_wav(d / "tel.wav", resample(x, 16000, 8000), 8000),
        "mp3": encode_audio(d / "stereo48.mp3", "libmp3lame", 48000, resample(x, 16000, 48000), "stereo"),
        "silence": write_wav(d / "silence.wav", np.zeros(n, np.float32), 16000, channels=2),
        "noise": write_wav(d / "noise.wav", np.random.default_rng(0).normal(0, 0.3, int(SECONDS * 44100)), 44100),
        "video": video,
        "opus": encode_audio(d / "a.ogg", "libopus", 48000, resample(x, 16000, 48000)),
    }


# name -> (image, audio, extra flags, expected fps)
CASES = {
    "grayscale + 8 kHz": ("gray", "8k", [], 25.0),
    "alpha + stereo 48 kHz mp3": ("alpha", "mp3", [], 25.0),
    "cmyk + silence": ("cmyk", "silence", [], 25.0),
    "16-bit + a video's sound at 29.97 fps": ("gray16", "video", ["--fps", "29.97"], 30000 / 1001),
    "exif rotation in a unicode path + noise": ("exif", "noise", [], 25.0),
    "animated gif + opus, .MP4": ("gif", "opus", ["--seed", "3"], 25.0),
}


@pytest.fixture(scope="module")
def odd_runs(tmp_path_factory, example_image_path, speech16k):
    d = tmp_path_factory.mktemp("odd")
    images, audios = _images(d, _portrait(example_image_path)), _audios(d, speech16k)
    outs = tmp_path_factory.mktemp("odd out") / "ausgabe ü"
    outs.mkdir()
    jobs, files = {}, {}
    for i, (case, (img, aud, extra, _)) in enumerate(CASES.items()):
        out = outs / (f"talk {i}.MP4" if ".MP4" in case else f"talk {i}.mp4")
        files[case] = out
        jobs[case] = ["generate", "-i", images[img], "-a", audios[aud], "-o", out, "--size", str(SIZE), *extra]
    runs = run_many(jobs, timeout=120)  # generous: a loaded machine is not a failure
    return {case: (*runs[case], files[case]) for case in CASES}


@pytest.fixture(scope="module")
def measurer():
    with FaceAnalyser() as fa:
        yield fa


@pytest.mark.parametrize("case", list(CASES))
def test_odd_but_valid_input_gives_a_correct_video(case, odd_runs, measurer):
    proc, seconds, out = odd_runs[case]
    fps = CASES[case][3]
    assert proc.returncode == 0, proc.stderr
    assert not error_lines(proc.stderr) and "Traceback" not in proc.stderr
    assert not list(out.parent.glob(".tritalk-*"))
    info = probe_video(out)
    assert (info["width"], info["height"]) == (SIZE, SIZE)
    assert info["fps"] == pytest.approx(fps, abs=1e-3)
    assert info["n_frames"] == math.ceil(SECONDS * fps - 1e-6)
    assert info["has_audio"]
    assert info["audio_duration"] == pytest.approx(SECONDS, abs=1 / fps)  # as long as the audio, +- 1 frame
    assert info["duration"] == pytest.approx(SECONDS, abs=1 / fps)
    frames = list(read_video_frames(out, every=max(1, info["n_frames"] // 3)))
    assert len(frames) >= 3
    for frame in frames:
        faces = measurer.detect_all(frame)
        assert faces, f"no face in a frame of {case}"
        lm = faces[0].landmarks
        eyes_y = lm[[33, 263], 1].mean()
        mouth_y = lm[[13, 14], 1].mean()
        assert eyes_y < mouth_y - 5  # upright: EXIF honoured, nothing turned on its side
        assert faces[0].width > 0.25 * SIZE  # the face fills the frame, not a corner of it
