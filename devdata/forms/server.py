"""``FormServer``: the shuffling test form on a free local port."""

from __future__ import annotations

from typing import Any

from devdata.erp.serve import BackgroundServer
from devdata.forms.app import FormApp, create_app


class FormServer:
    """``with FormServer() as form: form.url, form.submissions``."""

    def __init__(self, seed: int | None = None, port: int = 0,
                 answer_with_form: bool = True, in_page: bool = False) -> None:
        self._form = FormApp(seed, answer_with_form, in_page)
        self._server = BackgroundServer(create_app(self._form), port)
        self.url = ""

    @property
    def submissions(self) -> list[dict[str, Any]]:
        return list(self._form.submissions)

    def __enter__(self) -> FormServer:
        self.url = self._server.start() + "/"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
