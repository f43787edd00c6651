"""The FastAPI app behind `tritalk ui`: one page to make a video, one Live page, a job API, a WebSocket.

    GET  /                  the page (static/index.html): photo, audio, emotion, camera -> video + 3D viewer
    GET  /live              the Live page (static/live.html): microphone -> talking photo, frame by frame
    POST /api/jobs          multipart form (photo, audio, emotion, intensity, emotion_text, yaw, pitch, camera, hair,
                            seed) -> {"id"} at once, or 400/413 {"error": "error: <what>; <fix>"}
    GET  /api/jobs/{id}     {"state", "done", "total", "ahead", "error", "video", "glb", "wav"} (poll it)
    GET  /api/jobs/{id}/video | glb | wav
    GET  /api/config        limits and choices, for the page
    WS   /ws/live           live/session over a WebSocket (live_socket.py)

FastAPI + uvicorn rather than Gradio: ~6 MB installed (+ pydantic, ~10 MB) instead of Gradio's ~83 MB, import
in ~1 s instead of ~2.7 s (measured on the 2-core dev machine), no front-end build or CDN, and the HTML ids the tests
drive are ours to choose.
The page's widgets become the API's dataclasses here, and the same TalkingHead.generate renders them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from tritalk.errors import ConfigError, InputError, TritalkError
from tritalk.io.image import load_image
from tritalk.motion.emotion_timeline import parse_emotion
from tritalk.render.mesh_config import HAIR_STYLES
from tritalk.types import EMOTIONS, Camera, CameraPath
from tritalk.web.jobs import JobQueue, JobRequest
from tritalk.web.live_socket import SIZES, Faces, serve_live, warm_up
from tritalk.web.uploads import (UploadLimits, check_choice, check_size, read_audio, read_photo, safe_name,
                                 user_message)

if TYPE_CHECKING:
    from tritalk.pipeline import TalkingHead

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CAMERA_PATHS = ("static", "orbit", "nod", "sway")  # never a file path: the web page cannot name server files


@dataclass(frozen=True)
class UiSettings:
    limits: UploadLimits = field(default_factory=UploadLimits)
    live_sessions: int = 1
    """Live sessions at once: one 256² session takes most of a core (docs/live.md); a second would push
    both past the 200 ms budget on a two-core machine."""
    warm_up: bool = True
    """Run a throwaway live session in the background once the server is up, so the first Live user does not
    pay the process's JIT compilation as latency (live_socket.warm_up); the first session waits for it."""
    export_glb: bool = True
    """Export the 3D head of each job for the page's three.js viewer (~0.2 s and ~1 MB per job)."""


def create_app(head: "TalkingHead", settings: UiSettings = UiSettings()) -> FastAPI:
    """The app over an already loaded TalkingHead (the CLI loads it once, before the port opens)."""
    work = Path(tempfile.mkdtemp(prefix="tritalk-ui-"))
    jobs = JobQueue(head, work)
    example = resources.files("tritalk") / "assets" / "examples" / "portrait.jpg"
    with resources.as_file(example) as p:
        example_photo = load_image(p)
    faces = Faces(head)
    warmed = threading.Event()

    def warm() -> None:
        try:
            warm_up(faces, example_photo)
        except Exception:  # a warm-up is an optimisation: never keep the server from serving
            logger.exception("live warm-up failed")
        finally:
            warmed.set()
    live_busy: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        live_busy["sem"] = asyncio.Semaphore(settings.live_sessions)
        if settings.warm_up:
            threading.Thread(target=warm, name="tritalk-warm-up", daemon=True).start()
        else:
            warmed.set()
        yield
        jobs.close()
        shutil.rmtree(work, ignore_errors=True)

    app = FastAPI(title="tritalk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def fail(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/live")
    def live_page() -> FileResponse:
        return FileResponse(STATIC / "live.html")

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/api/config")
    def config() -> dict:
        return {"emotions": list(EMOTIONS), "cameras": list(CAMERA_PATHS), "hairs": list(HAIR_STYLES),
                "size": head.config.size, "fps": head.config.fps, "limits": asdict(settings.limits),
                "live_sizes": list(SIZES)}

    @app.post("/api/jobs")
    async def submit(request: Request) -> JSONResponse:
        limits = settings.limits
        declared = int(request.headers.get("content-length") or 0)
        if declared > limits.request_bytes:
            return fail(f"error: the upload is {declared / 2**20:.1f} MB, over the web app's "
                        f"{limits.photo_mb:g} MB photo + {limits.audio_mb:g} MB audio limit; use smaller files", 413)
        job_id, folder = jobs.new_folder()
        try:
            form = await request.form(max_files=2, max_fields=20)
            files = {}
            for what, limit in (("photo", limits.photo_mb), ("audio", limits.audio_mb)):
                upload = form.get(what)
                if upload is None or isinstance(upload, str):
                    raise InputError(f"no {what} was sent; choose a {what} file first")
                data = await upload.read()
                check_size(what, len(data), limit)
                path = folder / safe_name(upload.filename, f"{what}.bin")
                path.write_bytes(data)
                files[what] = path
            await asyncio.to_thread(read_photo, files["photo"])  # unreadable: the CLI's message, now
            audio = await asyncio.to_thread(read_audio, files["audio"], limits)
            job_request = JobRequest(files["photo"], audio, _emotion(form), _camera(form),
                                     _number(form, "seed", 0, int), export_glb=settings.export_glb,
                                     hair=_hair(form))
        except TritalkError as e:
            shutil.rmtree(folder, ignore_errors=True)
            return fail(user_message(e, folder), 400)
        job = jobs.submit(job_id, folder, job_request)
        return JSONResponse(jobs.status(job), status_code=202)

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: str) -> JSONResponse:
        job = jobs.get(job_id)
        if job is None:
            return fail("error: no such job (finished jobs are kept for a while only); generate again", 404)
        return JSONResponse(jobs.status(job))

    def job_file(job_id: str, kind: str, media_type: str, name: str):
        job = jobs.get(job_id)
        if job is None or job.state != "done" or not getattr(job, kind).exists():
            return fail("error: this job has no such file (yet); wait until it is done", 404)
        return FileResponse(getattr(job, kind), media_type=media_type, filename=name)

    @app.get("/api/jobs/{job_id}/video")
    def job_video(job_id: str):
        return job_file(job_id, "video", "video/mp4", "tritalk.mp4")

    @app.get("/api/jobs/{job_id}/glb")
    def job_glb(job_id: str):
        return job_file(job_id, "glb", "model/gltf-binary", "tritalk.glb")

    @app.get("/api/jobs/{job_id}/wav")
    def job_wav(job_id: str):
        return job_file(job_id, "wav", "audio/wav", "tritalk.wav")

    @app.websocket("/ws/live")
    async def live_socket(ws: WebSocket) -> None:
        await ws.accept()
        await serve_live(ws, faces, example_photo, live_busy["sem"], warmed)

    return app


def _number(form, name: str, default: float, kind=float):
    raw = form.get(name)
    if raw is None or raw == "":
        return kind(default)
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} '{raw}' is not a number; enter a number") from None


def _emotion(form):
    """Emotion name + intensity, or a timeline / description typed in the text box (it wins when given):
    the CLI's --emotion / --intensity, read by the same parse_emotion."""
    intensity = _number(form, "intensity", 0.5)
    if not 0.0 <= intensity <= 1.0:
        raise ConfigError(f"intensity {intensity} is out of range; use a value in [0, 1]")
    text = str(form.get("emotion_text") or "").strip()
    name = check_choice("emotion", str(form.get("emotion") or "neutral"), EMOTIONS)
    return parse_emotion(text or name, intensity)


def _hair(form) -> str | None:
    """How the hair hangs on turned views (the CLI's --hair); None ("from the photo"): the server's config."""
    hair = check_choice("hair", str(form.get("hair") or "auto"), HAIR_STYLES)
    return None if hair == "auto" else hair


def _camera(form) -> CameraPath:
    """View angle (the CLI's --yaw / --pitch, same ranges) and a camera path by name (the CLI's --camera)."""
    path = check_choice("camera path", str(form.get("camera") or "static"), CAMERA_PATHS)
    camera = Camera(yaw=_number(form, "yaw", 0.0), pitch=_number(form, "pitch", 0.0))
    return CameraPath.parse(path, camera)
