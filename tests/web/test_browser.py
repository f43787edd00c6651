"""`tritalk ui` driven in headless Chromium. The page, through the issue's ids (photo, audio, generate, result):
two users at once each get a playable H.264 + AAC video of their audio's length, and the three.js viewer
loads the exported head with its 52 ARKit morph targets and plays its animation against the audio's clock.
The Live page, with a fake microphone playing a dev speech file: frames arrive over the WebSocket, the
mouth moves with the speech, and the page reports its latency (send -> frame drawn).

One file, so that one pytest-xdist worker (``--dist loadfile``) starts one server and one browser for all."""

from __future__ import annotations

import base64
import wave
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from web_helpers import browser, mic_wav, speech_clip, ui_process, ui_server  # noqa: F401  (fixtures)

DATA = Path(__file__).resolve().parents[1] / "data"
SECONDS = 2.5  # conftest.SPEECH_SECONDS


def _video_facts(path: Path) -> dict:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        return {"video": v.codec_context.name, "audio": a.codec_context.name, "rate": a.codec_context.sample_rate,
                "size": (v.codec_context.width, v.codec_context.height), "n": len(frames),
                "duration": float(c.duration) / 1e6, "first": frames[0], "change": max(
                    float(np.abs(f.astype(np.int16) - frames[0]).mean()) for f in frames)}


# every wait is a hang detector: a 2-core machine also running the other test worker (and the server's own
# warm-up) can take well over Playwright's default 30 s to answer a first request
WAIT_MS = 120_000


def _page(context):
    context.set_default_timeout(WAIT_MS)
    return context.new_page()


def test_two_users_get_their_videos_and_the_3d_head(browser, ui_server, speech_clip, tmp_path):
    speech = speech_clip
    users = []
    for photo, emotion in (("london_025_female_black_neutral_450.jpg", "happy"),
                           ("london_025_female_black_smiling_450.jpg", "sad")):
        page = _page(browser.new_context(viewport={"width": 1200, "height": 900}))
        page.goto(ui_server)
        page.wait_for_function("document.querySelectorAll('#emotion option').length === 8")
        page.set_input_files("#photo", str(DATA / photo))
        page.set_input_files("#audio", str(speech))
        page.select_option("#emotion", emotion)
        users.append(page)
    assert users[1].eval_on_selector_all("#hair option", "os => os.map(o => o.value)") == ["auto", "short",
                                                                                         "over_ears", "long"]
    users[1].select_option("#hair", "long")  # (the user's word on the hair, for this photo: its run succeeds)
    for page in users:  # both click before either finishes: the second waits in the queue
        page.click("#generate")
    for k, page in enumerate(users):
        page.wait_for_function("window.tritalkUi.job && ['done', 'failed'].includes(window.tritalkUi.job.state)",
                               timeout=120_000)
        assert page.text_content("#error") == "", page.text_content("#error")
        src = page.evaluate("document.getElementById('result').src")  # absolute URL
        body = page.request.get(src).body()
        path = tmp_path / f"user{k}.mp4"
        path.write_bytes(body)
        facts = _video_facts(path)
        assert facts["video"] == "h264" and facts["audio"] == "aac" and facts["size"] == (256, 256)
        assert abs(facts["duration"] - SECONDS) < 0.1, facts["duration"]
        assert abs(facts["n"] - SECONDS * 25) <= 1
        assert facts["change"] > 1.0  # the face moves (not one frame repeated)
        # the browser itself can play it: metadata loaded, same duration
        page.wait_for_function("document.getElementById('result').readyState >= 1", timeout=WAIT_MS)
        assert abs(page.evaluate("document.getElementById('result').duration") - SECONDS) < 0.1
        users[k] = (page, facts)
    assert np.abs(users[0][1]["first"].astype(int) - users[1][1]["first"]).mean() > 2  # each got their own

    page = users[0][0]
    page.wait_for_function("window.tritalkViewer && window.tritalkViewer.loaded", timeout=WAIT_MS)
    viewer = page.evaluate("({n: tritalkViewer.morphTargets, names: tritalkViewer.morphNames, "
                           "seconds: tritalkViewer.animationSeconds, webgl: tritalkViewer.webgl})")
    assert viewer["n"] >= 52 and {"jawOpen", "eyeBlinkLeft", "mouthSmileLeft"} <= set(viewer["names"])
    assert abs(viewer["seconds"] - SECONDS) < 0.1
    assert viewer["webgl"], "the viewer found no WebGL (Chromium needs --enable-unsafe-swiftshader)"
    jaw = []  # the animation follows the audio element's clock: scrubbing it moves the mouth
    page.wait_for_function("document.getElementById('viewer-audio').readyState >= 1")  # seekable
    for t in np.linspace(0.2, SECONDS - 0.2, 8):
        frames = page.evaluate(f"[tritalkViewer.frames, document.getElementById('viewer-audio').currentTime = {t}][0]")
        page.wait_for_function(f"tritalkViewer.frames > {frames}")  # drawn again at the new time
        jaw.append(page.evaluate("tritalkViewer.jawOpen()"))
    assert max(jaw) - min(jaw) > 0.1, jaw
    for page, _ in users:
        page.context.close()


def test_bad_files_get_the_clis_one_line_messages(browser, ui_server, speech_clip, tmp_path):
    from tritalk.errors import ImageError
    from tritalk.io.image import load_image

    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    with pytest.raises(ImageError) as cli:
        load_image(notes)
    expected = "error: " + str(cli.value).replace(f"{tmp_path}/", "")  # as `tritalk generate -i notes.jpg` says it

    long_audio = tmp_path / "long.wav"
    with wave.open(str(long_audio), "wb") as w:  # quiet noise, longer than the server's limit
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes((np.random.default_rng(0).normal(0, 300, 8000 * 25)).astype("<i2").tobytes())

    page = _page(browser.new_context())
    page.goto(ui_server)
    page.set_input_files("#photo", str(notes))
    page.set_input_files("#audio", str(speech_clip))
    page.click("#generate")
    page.wait_for_function("document.getElementById('error').textContent !== ''")
    assert page.text_content("#error") == expected

    page.set_input_files("#photo", str(DATA / "london_025_female_black_neutral_450.jpg"))
    page.set_input_files("#audio", str(long_audio))
    page.click("#generate")
    page.wait_for_function("document.getElementById('error').textContent.includes('limit')")
    assert page.text_content("#error").startswith("error: the audio lasts more than 20 s, the web app's limit;")
    page.close()

    status, answer = _post_files(ui_server + "/api/jobs", {"photo": ("big.jpg", b"\xff" * (21 * 1024 * 1024)),
                                                         "audio": ("speech.wav", speech_clip.read_bytes())})
    assert status == 400 and answer["error"].startswith("error: the photo is 21.0 MB, over the web app's 20 MB limit;")


def _post_files(url: str, files: dict[str, tuple[str, bytes]]) -> tuple[int, dict]:
    """A multipart POST (urllib: Playwright's request API takes ~10 s to relay 21 MB)."""
    import json
    import urllib.error
    import urllib.request

    boundary = "tritalk-test-boundary"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
                    for k, (name, data) in files.items()) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_webcam_photo_and_recorded_speech_reach_the_server(browser, ui_server):
    """Use webcam + Record (Chromium's fake camera and microphone): the snapshot and the recording (webm/opus)
    go up as files; the recording decodes (else the audio error comes first), and the fake camera's test
    pattern has no face: the job says so as the CLI would, naming the snapshot."""
    context = browser.new_context(permissions=["camera", "microphone"])
    page = _page(context)
    page.goto(ui_server)
    page.click("#webcam-open")
    page.wait_for_function("document.getElementById('webcam').videoWidth > 0")
    page.click("#webcam-snap")
    page.wait_for_function("document.getElementById('photo').files.length === 1")
    page.click("#record")
    page.wait_for_timeout(1200)
    page.click("#record")
    page.wait_for_function("document.getElementById('audio').files.length === 1")
    audio = page.evaluate("[document.getElementById('audio').files[0].name, document.getElementById('audio').files[0].size]")
    assert audio[0] in ("recording.webm", "recording.ogg") and audio[1] > 1000
    page.click("#generate")
    page.wait_for_function("document.getElementById('error').textContent !== ''", timeout=WAIT_MS)
    assert page.text_content("#error").startswith("error: no face found in 'webcam.jpg'; use a photo with one")
    assert page.evaluate("window.tritalkUi.job.state") == "failed"
    context.close()


def test_live_page_talks_with_the_microphone(browser, ui_server, record_property):
    context = browser.new_context(permissions=["microphone"])
    page = _page(context)
    page.goto(ui_server + "/live")
    page.wait_for_function("document.querySelectorAll('#live-emotion option').length === 8")
    page.click("#live-start")
    page.wait_for_function("window.tritalkLive.stats().frames >= 60", polling=100, timeout=WAIT_MS)  # 2.4 s of frames
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
