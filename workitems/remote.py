"""A worker's side of runs over HTTP (``workitems worker --via URL``).

The worker holds a runner token (``WORKITEMS_RUNNER_TOKEN``) that may only start runs of
one process step. For each run the Control Room reserves the first item and hands back a
run token; the bot process gets that token and Robocorp's own environment (``RC_*``), so
it talks to the Control Room with the stock ``RobocorpAdapter`` and never sees a database
credential or the runner token. While the bot runs, the worker renews the lease of the
item in hand (the stock adapter has no heartbeat); it drains and finishes the run at the
end. See :mod:`workitems.room.robocorp_protocol` for the endpoints.

The bot's side lives here too: :func:`bot_run` tells a bot it works such a run, and
:func:`held_item` asks the Control Room about the item in hand (its settling attempt,
its trace, which :mod:`workitems.tracing` continues, sending the spans back).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

RUNNER_TOKEN_ENV = "WORKITEMS_RUNNER_TOKEN"
STOCK_ADAPTER = "robocorp.workitems.RobocorpAdapter"
WORKSPACE = "workitems"  # the one workspace a Control Room serves
OTLP_TRACES_PATH = "/otlp/v1/traces"  # where the Control Room takes a run's spans
OTLP_MAX_BYTES = 4 * 1024 * 1024  # the largest request of spans it takes
OTLP_MAX_SPANS = 1000  # and the most spans in one
_bot_client: httpx.Client | None = None


class ControlRoomError(Exception):
    """The Control Room could not be reached or refused the request."""


@dataclass(frozen=True)
class RemoteRunHandle:
    url: str
    workspace: str
    process: str
    run_id: str
    step: str
    item_id: str
    token: str
    lease_seconds: float

    def environment(self) -> dict[str, str]:
        """What a bot needs to work this run with Robocorp's stock adapter."""
        return {
            "RC_WORKITEM_ADAPTER": STOCK_ADAPTER,
            "RC_API_WORKITEM_HOST": self.url,
            "RC_API_WORKITEM_TOKEN": self.token,
            "RC_API_PROCESS_HOST": self.url,
            "RC_API_PROCESS_TOKEN": self.token,
            "RC_WORKSPACE_ID": self.workspace,
            "RC_PROCESS_ID": self.process,
            "RC_PROCESS_RUN_ID": self.run_id,
            "RC_ACTIVITY_RUN_ID": self.step,
            "RC_WORKITEM_ID": self.item_id,
        }

    def robot_run_url(self, action: str) -> str:
        return robot_run_url(self.url, self.workspace, self.process, self.run_id, self.step,
                             action)


def robot_run_url(url: str, workspace: str, process: str, run_id: str, step: str,
                  action: str) -> str:
    return (f"{url}/process-v1/workspaces/{workspace}/processes/{process}/runs/{run_id}"
            f"/robotRuns/{step}/{action}")


class ControlRoom:
    """The calls a worker makes; every failure is a ControlRoomError."""

    def __init__(self, url: str, runner_token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._runner_token = runner_token
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def start_run(self, process: str, worker: str, max_items: int = 0
                  ) -> tuple[RemoteRunHandle | None, float | None]:
        """(a run holding its first item, None) or (None, seconds until an item is due,
        None when the queue holds nothing)."""
        body = self._call("POST", f"{self.url}/process-v1/workspaces/{WORKSPACE}/processes/"
                          f"{process}/runs", self._runner_token,
                          {"worker": worker, "maxItems": max_items})
        if body.get("workItemId") is None:
            wait = body.get("retryInSeconds")
            return None, float(wait) if wait is not None else None
        return RemoteRunHandle(
            url=self.url, workspace=body["workspaceId"], process=body["processId"],
            run_id=body["processRunId"], step=body["activityRunId"],
            item_id=body["workItemId"], token=body["token"],
            lease_seconds=float(body["leaseSeconds"])), None

    def heartbeat(self, run: RemoteRunHandle) -> None:
        self._call("POST", run.robot_run_url("heartbeat"), run.token)

    def drain(self, run: RemoteRunHandle) -> None:
        self._call("POST", run.robot_run_url("drain"), run.token)

    def finish(self, run: RemoteRunHandle) -> None:
        self._call("POST", run.robot_run_url("finish"), run.token)

    def _call(self, method: str, url: str, token: str, body: object = None) -> dict:
        try:
            response = self._client.request(method, url, json=body,
                                            headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise ControlRoomError(f"the Control Room at {self.url} cannot be reached: "
                                   f"{exc}") from exc
        if response.is_error:
            raise ControlRoomError(f"{method} {url.removeprefix(self.url)}: "
                                   f"{response.status_code} {_message(response)}")
        return response.json() if response.content else {}


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


@dataclass(frozen=True)
class BotRun:
    """The run a bot process works over HTTP, as its environment names it."""

    url: str
    token: str
    workspace: str
    process: str
    run_id: str
    step: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def traces_url(self) -> str:
        return self.url + OTLP_TRACES_PATH


@dataclass(frozen=True)
class HeldItem:
    """What the Control Room says of the item a bot's run holds (None: it holds none)."""

    item_id: int | None
    settling: bool
    traceparent: str | None


def bot_run() -> BotRun | None:
    """The run this process works with Robocorp's stock adapter, from the environment a
    worker started with ``--via`` gives it; None for any other bot (direct, desktop)."""
    env = os.environ
    names = ("RC_API_PROCESS_HOST", "RC_API_PROCESS_TOKEN", "RC_WORKSPACE_ID",
             "RC_PROCESS_ID", "RC_PROCESS_RUN_ID", "RC_ACTIVITY_RUN_ID")
    if env.get("RC_WORKITEM_ADAPTER") != STOCK_ADAPTER or not all(env.get(n) for n in names):
        return None
    return BotRun(url=env["RC_API_PROCESS_HOST"].rstrip("/"), token=env["RC_API_PROCESS_TOKEN"],
                  workspace=env["RC_WORKSPACE_ID"], process=env["RC_PROCESS_ID"],
                  run_id=env["RC_PROCESS_RUN_ID"], step=env["RC_ACTIVITY_RUN_ID"])


def held_item(run: BotRun) -> HeldItem:
    """Ask the Control Room about the item in hand; httpx's errors when it cannot say."""
    global _bot_client
    if _bot_client is None:  # one client for the bot's life: a new one costs ~50 ms
        _bot_client = httpx.Client(timeout=30)
    url = robot_run_url(run.url, run.workspace, run.process, run.run_id, run.step, "work-item")
    response = _bot_client.get(url, headers=run.headers)
    response.raise_for_status()
    body = response.json()
    held = body.get("workItemId")
    return HeldItem(item_id=int(held) if held is not None else None,
                    settling=bool(body.get("settling")), traceparent=body.get("traceparent"))


def settling_over_http() -> bool | None:
    """In a bot working a run over HTTP: whether the item in hand is on its settling
    attempt (asked of the Control Room); None when this process is no such run."""
    run = bot_run()
    return None if run is None else held_item(run).settling
