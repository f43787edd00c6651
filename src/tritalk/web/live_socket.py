"""/ws/live: the browser's microphone in, the talking photo out, frame by frame (issue 22's browser part).

Messages (one WebSocket per session):

* browser -> server, text: ``{"type": "start", "rate": 48000, "size": 256, "emotion": "happy",
  "intensity": 0.5, "yaw": 0, "pitch": 0, "photo": "data:image/jpeg;base64,..." | null}`` (null: the
  bundled example portrait); later ``{"type": "emotion", ...}``, ``{"type": "camera", "yaw", "pitch"}``,
  ``{"type": "stop"}``.
* browser -> server, binary: a chunk of audio, ``uint32 seq`` (little-endian) then int16 mono PCM at ``rate``.
* server -> browser, text: ``{"type": "ready", "fps", "size", "lookahead_ms"}`` or ``{"type": "error",
  "error": "error: <what>; <fix>"}``.
* server -> browser, binary: a frame, ``uint32 seq`` of the chunk whose arrival made it ready,
  ``uint32 index``, ``float32 jawOpen``, then the JPEG. The page measures latency from sending chunk
  ``seq`` to drawing the frame, so any time spent queued here or on the wire is counted.

Chunks are pushed in order in a worker thread, each frame tagged with the chunk that completed it; the event
loop keeps receiving meanwhile. Chunks that queued up while a step ran are pushed together in the next step;
when they hold more than ``MAX_BEHIND_S`` of audio (the machine cannot keep up), only the newest frame is
rendered and sent (the page counts the gaps in frame indices as dropped). The motion depends only on the
samples (live/session.py), never on this batching.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import struct
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from tritalk.errors import ConfigError, ImageError, TritalkError
from tritalk.io.image import focal_35mm
from tritalk.types import IDX, Camera, EmotionSpec

if TYPE_CHECKING:
    from tritalk.live.session import LiveSession

logger = logging.getLogger(__name__)

HEADER = struct.Struct("<IIf")  # seq, frame index, jawOpen
SIZES = (128, 192, 256, 320, 384, 448, 512)  # 256 keeps p95 under 200 ms on two cores (docs/live.md)
MAX_PHOTO_B64 = 28 * 1024 * 1024  # ~20 MB of photo as base64
JPEG_QUALITY = 85
MAX_BEHIND_S = 0.12
"""Audio waiting in the queue beyond which the session renders only the newest frame of what it catches up
on (the motion of every frame is still made): on an overloaded machine the page then lags by about this
much plus one step instead of falling further behind every second. The page counts the skipped frames."""
_NONE = object()


@dataclass(frozen=True)
class LiveStart:
    rate: int
    size: int
    emotion: str
    intensity: float
    yaw: float
    pitch: float
    photo: np.ndarray | None  # RGB, or None for the bundled example
    lens: float | None = None  # the photo's 35 mm-equivalent focal length (its EXIF; io.image.focal_35mm)

    @staticmethod
    def parse(msg: dict) -> "LiveStart":
        try:
            rate, size = int(msg.get("rate", 48000)), int(msg.get("size", 256))
            intensity = float(msg.get("intensity", 0.5))
            yaw, pitch = float(msg.get("yaw", 0.0)), float(msg.get("pitch", 0.0))
        except (TypeError, ValueError):
            raise ConfigError("the live start message holds a value that is not a number; reload the page") from None
        if not 8000 <= rate <= 192000:
            raise ConfigError(f"microphone rate {rate} Hz is out of range; use 8000..192000 Hz")
        if size not in SIZES:
            raise ConfigError(f"live size {size} is not one of {', '.join(map(str, SIZES))}; pick one of those")
        if not 0.0 <= intensity <= 1.0:
            raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
        photo = msg.get("photo")
        image, lens = decode_photo(str(photo)) if photo else (None, None)
        return LiveStart(rate, size, str(msg.get("emotion") or "neutral"), intensity, yaw, pitch, image, lens)


def decode_photo(data_url: str) -> tuple[np.ndarray, float | None]:
    """A photo sent as a data: URL -> RGB uint8 (H, W, 3) and its lens (``focal_35mm``: the perspective of a turned
    view, as a generated video's), with the CLI's messages for bad files."""
    if len(data_url) > MAX_PHOTO_B64:
        raise ImageError("the photo is over the web app's 20 MB limit; use a smaller file")
    try:
        raw = base64.b64decode(data_url.split(",", 1)[-1], validate=False)
    except ValueError:
        raise ImageError("the photo did not arrive intact; choose it again") from None
    bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError("cannot read the photo: not an image file; use a JPEG, PNG or WebP photo")
    return np.ascontiguousarray(bgr[:, :, ::-1]), focal_35mm(raw)


class Faces:
    """Each photo's Subject and Engine (what ``TalkingHead.live`` builds, 1-8 s on a busy 2-core machine), kept
    for the newest few (photo, size): pressing Start again, or a second user of the bundled portrait, starts
    at once. The sessions that share an Engine run one at a time (``UiSettings.live_sessions``)."""

    def __init__(self, head, keep: int = 4):
        self.head, self.keep = head, keep
        self._items: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def session(self, image: np.ndarray, size: int, emotion, camera: Camera,
                lens: float | None = None) -> "LiveSession":
        from tritalk.live.session import LiveConfig, LiveSession

        key = (hashlib.sha1(image.tobytes()).hexdigest(), image.shape, size, lens)
        with self._lock:
            prepared = self._items.pop(key, None)
        if prepared is None:  # as TalkingHead.live: the subject (face analysis and fit), then its engine
            subject = self.head.subject(image, size=size, focal_35mm=lens)
            prepared = subject, self.head.engine_cls(subject, self.head.config.engine_config())
        with self._lock:
            self._items[key] = prepared  # newest last
            while len(self._items) > self.keep:
                self._items.pop(next(iter(self._items)))
        subject, engine = prepared
        # frames are rendered by serve_live (only those it shows), from the session's expr / head / gaze
        return LiveSession(self.head, subject, engine, emotion=emotion, camera=camera, config=LiveConfig(render=False))


def warm_up(faces: Faces, photo: np.ndarray, size: int = 256) -> None:
    """A throwaway live session on 3 s of silence, one frame rendered: the first frame of a process pays ~1 s of
    JIT compilation (the rasterizer, G_m), and the first window of G_m's steady length (~1.8 s in) its trace,
    which every later session shares (live/online_speech.py); a user's first session would otherwise carry
    both as a backlog of latency. It also prepares the bundled portrait at the default size. Runs in the
    background after the port opens (``create_app``); the first Live session waits for it."""
    session = faces.session(photo, size, EmotionSpec(), Camera())
    frames = session.push(np.zeros(3 * 48000, np.int16), 48000) + session.finish()
    f = frames[-1]
    session.engine.render_frame(f.expr, f.head, session.camera, f.gaze)


async def serve_live(ws, faces: Faces, example_photo, busy: asyncio.Semaphore, ready: threading.Event) -> None:
    """One live session over an accepted WebSocket (``ws``: a starlette WebSocket); ``ready``: warm-up done."""
    from starlette.websockets import WebSocketDisconnect

    from tritalk.motion.emotion_timeline import parse_emotion

    async def fail(error: TritalkError | str) -> None:
        text = error if isinstance(error, str) else " ".join(str(error).split())
        await ws.send_text(json.dumps({"type": "error", "error": f"error: {text}"}))
        await ws.close()

    try:
        start = LiveStart.parse(json.loads(await ws.receive_text()))
    except (ValueError, KeyError):
        return await fail("the first live message must be the JSON start message; reload the page")
    except TritalkError as e:
        return await fail(e)
    except WebSocketDisconnect:
        return
    if busy.locked():
        return await fail("the server is already running its live sessions; try again when one ends")
    async with busy:
        await asyncio.to_thread(ready.wait)
        try:
            spec = parse_emotion(start.emotion, start.intensity)
            camera = Camera(yaw=start.yaw, pitch=start.pitch)
            image = start.photo if start.photo is not None else example_photo
            session = await asyncio.to_thread(faces.session, image, start.size, spec, camera, start.lens)
        except TritalkError as e:
            return await fail(e)
        await ws.send_text(json.dumps({"type": "ready", "fps": session.fps, "size": start.size,
                                       "lookahead_ms": round(session.lookahead_s * 1000, 1)}))
        todo: asyncio.Queue = asyncio.Queue()  # (kind, payload): applied in order, in the worker thread
        jaw = IDX["jawOpen"]

        def work(kind: str, payload) -> list[bytes]:
            """One step of the session (not thread-safe: only ever called from one thread at a time, in order).
            ``audio``: the chunks [(seq, pcm), ...] that arrived while the last step ran (one when keeping up)."""
            if kind == "emotion":
                session.set_emotion(payload)
                return []
            if kind == "camera":
                session.set_camera(payload)
                return []
            if kind == "audio":
                made = [(seq, f) for seq, pcm in payload for f in session.push(pcm, start.rate)]
                if sum(len(pcm) for _, pcm in payload) > MAX_BEHIND_S * start.rate:
                    made = made[-1:]  # behind real time (a busy machine): show the newest frame, not a backlog
            else:
                made = [(payload, f) for f in session.finish()]
            out = []
            for seq, f in made:  # the session makes the motion of every frame; only shown frames are rendered
                image = session.engine.render_frame(f.expr, f.head, session.camera, f.gaze)
                ok, jpeg = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                out.append(HEADER.pack(seq, f.index, float(f.expr[jaw])) + jpeg.tobytes())
            return out

        async def process() -> None:
            waiting = _NONE  # an item taken while gathering audio, to handle next
            last_seq = 0
            while True:
                item, waiting = (await todo.get() if waiting is _NONE else waiting), _NONE
                if item is None:
                    return
                kind, payload = item
                if kind == "audio":  # gather every chunk already queued into one step
                    batch = [payload]
                    while not todo.empty():
                        nxt = todo.get_nowait()
                        if nxt is None or nxt[0] != "audio":
                            waiting = nxt
                            break
                        batch.append(nxt[1])
                    payload, last_seq = batch, batch[-1][0]
                elif kind == "finish":
                    payload = last_seq
                for message in await asyncio.to_thread(work, kind, payload):
                    await ws.send_bytes(message)

        worker = asyncio.create_task(process())
        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                if msg.get("bytes") is not None:
                    data = msg["bytes"]
                    if len(data) < 6 or (len(data) - 4) % 2:
                        raise ConfigError("a live audio message must be a uint32 sequence number and int16 PCM")
                    seq = struct.unpack_from("<I", data)[0]
                    todo.put_nowait(("audio", (seq, np.frombuffer(data, "<i2", offset=4).astype(np.int16))))
                    continue
                try:
                    ctl = json.loads(msg.get("text") or "{}")
                    if ctl.get("type") == "emotion":
                        todo.put_nowait(("emotion", parse_emotion(str(ctl.get("emotion") or "neutral"),
                                                                  float(ctl.get("intensity", start.intensity)))))
                    elif ctl.get("type") == "camera":
                        todo.put_nowait(("camera", Camera(yaw=float(ctl.get("yaw", 0)),
                                                          pitch=float(ctl.get("pitch", 0)))))
                except (ValueError, TypeError, AttributeError):
                    raise ConfigError("a live control message is not valid JSON with numbers; reload the page") from None
                if ctl.get("type") == "stop":
                    todo.put_nowait(("finish", None))
                    todo.put_nowait(None)
                    await worker
                    await ws.send_text(json.dumps({"type": "finished", "frames": session.frames_out}))
                    await ws.close()
                    return
        except TritalkError as e:
            worker.cancel()
            return await fail(e)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if not worker.done():
                worker.cancel()
