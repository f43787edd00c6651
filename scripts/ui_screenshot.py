"""docs/ui.png: the web app's page after a generation, in headless Debian Chromium (Playwright, dev extra).

Usage (from the repository root):

    tritalk ui --port 7860 --size 512 &
    .venv/bin/python scripts/ui_screenshot.py --url http://127.0.0.1:7860 --image PHOTO --audio SPEECH -o docs/ui.png

Drives the page through the same ids the tests use (photo, audio, generate, result), waits for the video and
the 3D viewer, moves the viewer's audio to ``--at`` seconds (an open mouth shows in both) and saves the page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-unsafe-swiftshader", "--autoplay-policy=no-user-gesture-required", "--hide-scrollbars"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="a running `tritalk ui`")
    ap.add_argument("--image", type=Path, required=True)
    ap.add_argument("--audio", type=Path, required=True)
    ap.add_argument("--emotion", default="happy")
    ap.add_argument("--at", type=float, default=1.5, help="seconds into the clip to show")
    ap.add_argument("-o", "--output", type=Path, default=Path("docs/ui.png"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 940})
        page.goto(args.url)
        page.wait_for_function("document.querySelectorAll('#emotion option').length === 8")
        page.set_input_files("#photo", str(args.image))
        page.set_input_files("#audio", str(args.audio))
        page.select_option("#emotion", args.emotion)
        page.click("#generate")
        page.wait_for_function("window.tritalkViewer && window.tritalkViewer.loaded", timeout=600_000)
        page.evaluate(f"document.getElementById('result').currentTime = {args.at};"
                      f"document.getElementById('viewer-audio').currentTime = {args.at}")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(args.output), full_page=True)
        browser.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
