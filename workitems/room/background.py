"""Run the Control Room under uvicorn in a background thread, on a free local port.

For the browser tests, the screenshots and the benchmark: the same server
``workitems room serve`` runs, without a separate process.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from workitems import Store
from workitems.room.app import create_app
from workitems.room.auth import RoomSettings
from workitems.room.item_views import ViewRegistry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackgroundServer:
    """``with BackgroundServer(store, settings) as server: httpx.get(server.url + "/health")``"""

    def __init__(self, store: Store, settings: RoomSettings,
                 views: ViewRegistry | None = None) -> None:
        self.store = store
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(create_app(store, settings, views), host="127.0.0.1", port=port,
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Control Room server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
