"""One `tritalk ui` server and one headless Chromium for the web tests (Debian's chromium driven by Playwright;
never `playwright install`). Without /usr/bin/chromium the browser tests skip and say why.

Imported by the test module (a conftest.py here would shadow tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
import wave
from pathlib import Path

import numpy as np
import pytest
from helpers import free_port

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-unsafe-swiftshader",  # WebGL on the CPU (SwiftShader) for the three.js viewer
         "--autoplay-policy=no-user-gesture-required",
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
SPEECH_SECONDS = 2.5  # the jobs' speech
MAX_SECONDS = 20.0  # the server's audio limit in these tests (a longer file checks the message)


@pytest.fixture(scope="session")
def ui_process():
    """`tritalk ui --port P --size 256` in a subprocess, as a user starts it (the browser launches meanwhile)."""
    pytest.importorskip("fastapi", reason="the ui extra is not installed (pip install 'tritalk[ui]')")
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "tritalk.cli.main", "ui", "--port", str(port), "--size", "256",
                             "--max-seconds", str(MAX_SECONDS)], stdout=log, stderr=subprocess.STDOUT)
    yield proc, port, log
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def ui_server(ui_process) -> str:
    """The server's URL once /health answers (it loads the models first)."""
    proc, port, log = ui_process
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail(f"tritalk ui did not start: {log.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.3)
    return url


def write_wav(source: Path, path: Path, rate: int, seconds: float | None = None) -> Path:
    """The first ``seconds`` of a speech file as 16-bit mono WAV at ``rate`` (here rather than the root
    conftest's speech_excerpt: this conftest shadows that module name for the tests in this folder)."""
    from tritalk.io.audio import load_audio

    clip = load_audio(source, sample_rate=rate, max_seconds=seconds)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes((np.clip(clip.samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="session")
def mic_wav(tmp_path_factory, example_audio_path) -> Path:
    """The fake microphone's input: the bundled speech as 48 kHz WAV (Chromium loops it)."""
    return write_wav(example_audio_path, tmp_path_factory.mktemp("mic") / "speech48k.wav", 48000)


@pytest.fixture(scope="session")
def speech_clip(tmp_path_factory, example_audio_path) -> Path:
    """2.5 s of the bundled speech (a short job keeps the browser tests fast)."""
    return write_wav(example_audio_path, tmp_path_factory.mktemp("speech") / "speech.wav", 16000, SPEECH_SECONDS)


@pytest.fixture(scope="session")
def browser(mic_wav, ui_process):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    with sync_api.sync_playwright() as p:  # launch() starts Chromium on a fresh temporary profile of its own
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS + [f"--use-file-for-fake-audio-capture={mic_wav}"])
        yield b
        b.close()
