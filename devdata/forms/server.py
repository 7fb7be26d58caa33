"""``FormServer``: the shuffling test form on a free local port."""

from __future__ import annotations

from typing import Any

from devdata.erp.serve import BackgroundServer
from devdata.forms.app import FormApp, create_app
from devdata.forms.challenge import ChallengeApp


class FormServer:
    """``with FormServer() as form: form.url, form.submissions``.

    The same server carries the data-entry challenge: ``form.challenge_url`` and, once a
    run of it finished, its score in ``form.challenge_results``.
    """

    def __init__(self, seed: int | None = None, port: int = 0,
                 answer_with_form: bool = True, in_page: bool = False) -> None:
        self._form = FormApp(seed, answer_with_form, in_page)
        self._challenge = ChallengeApp()
        self._server = BackgroundServer(create_app(self._form, self._challenge), port)
        self.url = ""

    @property
    def submissions(self) -> list[dict[str, Any]]:
        return list(self._form.submissions)

    @property
    def challenge_url(self) -> str:
        return self.url + "challenge"

    @property
    def challenge_results(self) -> list[dict[str, Any]]:
        return list(self._challenge.results)

    def __enter__(self) -> FormServer:
        self.url = self._server.start() + "/"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
