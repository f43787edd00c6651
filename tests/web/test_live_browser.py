"""The Live page in headless Chromium with a fake microphone playing a dev speech file: frames arrive over the
WebSocket, the mouth moves with the speech, and the page reports its latency (send -> frame drawn)."""

from __future__ import annotations

import base64

import cv2
import numpy as np


def test_live_page_talks_with_the_microphone(browser, ui_server, record_property):
    context = browser.new_context(permissions=["microphone"])
    page = context.new_page()
    page.goto(ui_server + "/live")
    page.wait_for_function("document.querySelectorAll('#live-emotion option').length === 8")
    page.click("#live-start")
    page.wait_for_function("window.tritalkLive.stats().frames >= 60", polling=100, timeout=60_000)  # 2.4 s of frames
    png, stats, jaw = page.evaluate("""() => [document.getElementById('live-view').toDataURL('image/png'),
                                              window.tritalkLive.stats(), window.tritalkLive.jaw()]""")
    jaw = np.array(jaw)
    page.click("#live-stop")
    context.close()
    image = cv2.imdecode(np.frombuffer(base64.b64decode(png.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (256, 256, 3) and image.std() > 20  # a face was drawn, not a blank canvas
    assert stats["frames"] >= 60 and len(jaw) == stats["frames"]
    assert jaw.max() - jaw.min() > 0.15, jaw  # the mouth opens and closes with the speech
    assert np.abs(np.diff(jaw)).mean() > 0.01  # ... all along, not once
    assert stats["latency_ms_p95"] is not None and stats["latency_ms_p95"] > 0
    record_property("latency_ms_p95", stats["latency_ms_p95"])
    print(f"live page: {stats}")
