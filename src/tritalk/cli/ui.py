"""`tritalk ui`: start the local web app (web/app.py) on 127.0.0.1:7860 (optional extra ``tritalk[ui]``).

    pip install 'tritalk[ui]'
    tritalk ui [--host 127.0.0.1] [--port 7860]      # then open http://127.0.0.1:7860 (Live: /live)

The models load once, before the port opens, so the first request does not wait for them.
"""

from __future__ import annotations

import typer

from tritalk.errors import ConfigError

UI_EXTRA = "pip install 'tritalk[ui]'"

def ui(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: the "
                             "network, with no login: only on a network you trust)."),
    port: int = typer.Option(7860, help="Port to listen on."),
    size: int = typer.Option(512, help="Video width and height in pixels (even, 128..2048)."),
    max_seconds: float = typer.Option(120.0, help="Longest audio the page accepts [s] (longer: tritalk generate)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each request and stage."),
) -> None:
    """Start the web app: upload or take a photo, upload or record speech, watch and download the video;
    a 3D viewer of the exported head; a Live page (/live) driven by the microphone."""
    from tritalk.cli.main import _setup_logging

    _setup_logging(verbose)
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401  (python-multipart: the upload forms)
        import uvicorn
        import websockets  # noqa: F401  (the Live page's socket)
    except ImportError as e:
        # exit 5 like the other missing extras ('tritalk[text]', '[synth]', '[train]')
        raise ConfigError(f"the web app needs the 'ui' extra ({e.name} is missing); run: {UI_EXTRA}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"--port {port} is out of range; use 1..65535")
    if size % 2 or not 128 <= size <= 2048:
        raise ConfigError(f"size {size} is invalid; use an even number of pixels in 128..2048")
    if not max_seconds > 0:
        raise ConfigError(f"--max-seconds {max_seconds} is invalid; use a duration > 0")
    import socket

    with socket.socket() as s:  # a taken port: one line now, not uvicorn's traceback after the models load
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise ConfigError(f"cannot listen on {host}:{port} ({e.strerror}); choose another --port") from None
    import torch

    from tritalk.cli.quiet import quiet_native_stderr
    from tritalk.config import TritalkConfig
    from tritalk.pipeline import TalkingHead
    from tritalk.web.app import UiSettings, create_app
    from tritalk.web.uploads import UploadLimits

    torch.set_num_threads(1)  # as the CLI: G_m is small, the renderer and the other jobs want the cores
    with quiet_native_stderr():
        head = TalkingHead.load(config=TritalkConfig(size=size))
    with head:
        app = create_app(head, UiSettings(limits=UploadLimits(audio_seconds=max_seconds)))
        typer.echo(f"tritalk ui: http://{host}:{port} (Live: http://{host}:{port}/live); Ctrl-C stops it", err=True)
        uvicorn.run(app, host=host, port=port, log_level="info" if verbose else "warning", ws="websockets")


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)
