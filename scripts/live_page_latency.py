"""The Live page's own latency numbers: headless Debian Chromium with a fake microphone playing a speech file
into a running `tritalk ui`, for ``--seconds``; prints window.tritalkLive's stats as JSON.

Usage (from the repository root):

    tritalk ui --port 7860 &
    .venv/bin/python scripts/live_page_latency.py --url http://127.0.0.1:7860 --audio tests/data/fleurs_en_000.wav --seconds 30

Latency is the page's: from sending the 20 ms chunk that completed a frame to drawing that frame. The first
session after the server starts is run once and dropped (``--warm``, default 5 s): it pays one-off costs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def run(page, url: str, seconds: float, size: int) -> dict:
    page.goto(url + "/live")
    page.wait_for_function("document.querySelectorAll('#live-emotion option').length === 8")
    page.select_option("#live-size", str(size))
    page.click("#live-start")
    page.wait_for_function("window.tritalkLive.stats().frames >= 1", timeout=60_000)
    t0 = time.time()
    page.wait_for_timeout(seconds * 1000)
    stats = page.evaluate("window.tritalkLive.stats()")
    stats["fps"] = round(stats["frames"] / (time.time() - t0), 1)
    page.click("#live-stop")
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="a running `tritalk ui`")
    ap.add_argument("--audio", type=Path, required=True, help="speech for the fake microphone (any format; looped)")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--warm", type=float, default=5.0, help="seconds of a first, dropped session (0: none)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tritalk.io.audio import load_audio

    clip = load_audio(args.audio, sample_rate=48000)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mic.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(48000)
            w.writeframes((np.clip(clip.samples, -1, 1) * 32767).astype("<i2").tobytes())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium,
                                        args=FLAGS + [f"--use-file-for-fake-audio-capture={wav}"])
            if args.warm > 0:
                context = browser.new_context(permissions=["microphone"])
                run(context.new_page(), args.url, args.warm, args.size)
                context.close()
            context = browser.new_context(permissions=["microphone"])
            stats = run(context.new_page(), args.url, args.seconds, args.size)
            browser.close()
    print(json.dumps({"size": args.size, "seconds": args.seconds, **stats}, indent=2))


if __name__ == "__main__":
    main()
