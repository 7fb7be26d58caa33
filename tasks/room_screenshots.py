"""Screenshots of the Control Room for the README, taken with headless Chromium.

    python -m tasks.room_screenshots [--out workitems/room/screenshots]

Seeds a throw-away SQLite store with the demo invoices (:mod:`tasks.room_demo`),
serves the app on a free local port, logs in and saves PNGs of the exception
queue, the validation view of a low-confidence invoice and the overview.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tasks.browser import launch_browser
from tasks.room_demo import seed_demo
from workitems import open_store
from workitems.room import repository as repo
from workitems.room.auth import RoomSettings, hash_password
from workitems.room.background import BackgroundServer

OUT = Path(__file__).resolve().parents[1] / "workitems" / "room" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/demo.db") as store:
        item_ids = seed_demo(store)
        repo.create_user(store, "maria", hash_password(password), "supervisor")
        with (BackgroundServer(store, RoomSettings(secret_key=secrets.token_hex(16))) as server,
              sync_playwright() as playwright):
            browser = launch_browser(headless=True, playwright=playwright)
            context = browser.new_context(base_url=server.url, viewport=VIEWPORT,
                                          device_scale_factor=1)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("User name").fill("maria")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/queue")
            shots = {"queue.png": "/queue", "validation.png": f"/items/{item_ids[0]}",
                     "overview.png": "/overview"}
            saved = []
            for name, path in shots.items():
                page.goto(path)
                page.wait_for_load_state("networkidle")
                if name == "validation.png":
                    page.keyboard.press("e")  # the low-confidence field, its box highlighted
                target = out / name
                page.screenshot(path=str(target), full_page=False)
                saved.append(target)
            browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for path in take(args.out):
        print(path)


if __name__ == "__main__":
    main()
