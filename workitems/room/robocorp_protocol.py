"""Robocorp's work-item protocol, served from our Control Room.

A bot using ``robocorp.workitems`` with its stock ``RobocorpAdapter`` runs against this
Control Room unchanged; the environment ``workitems worker --via URL`` gives it:

    RC_API_PROCESS_HOST / RC_API_WORKITEM_HOST   this server's URL
    RC_API_PROCESS_TOKEN / RC_API_WORKITEM_TOKEN  the run's token (nothing else)
    RC_WORKSPACE_ID, RC_PROCESS_ID               WORKSPACE, the process name
    RC_PROCESS_RUN_ID, RC_ACTIVITY_RUN_ID        the run's id, the step name
    RC_WORKITEM_ID                               the first input, reserved when the run began

Robocorp's endpoints (P = /process-v1/workspaces/{ws}/processes/{process},
W = /json-v1/workspaces/{ws}/workitems):

    POST P/runs/{run}/robotRuns/{step}/reserve-next-work-item  -> {"workItemId": id|null}
    POST P/runs/{run}/robotRuns/{step}/release-work-item  {"workItemId", "state", "exception"}
    POST P/work-items/{parent}/output       {"payload"} -> {"id"}
    GET/PUT W/{item}/data                   the payload
    GET  W/{item}/files                     [{"fileName", "fileId"}]
    POST W/{item}/files                     {"fileName", "fileSize"} -> {"url", "fields"}
    GET  W/{item}/files/{fileId}            -> {"url"}
    DELETE W/{item}/files/{fileId}

Where Robocorp hands out pre-signed storage URLs, the transfer URLs here are this
server's own, signed with its secret (WORKITEMS_ROOM_SECRET when several server processes
share the work) and valid for ``TRANSFER_SECONDS``; the store still fences the upload.

Ours, for the worker that starts runs (:mod:`workitems.remote`):

    POST P/runs                                   runner token; {"worker", "maxItems"}
    POST P/runs/{run}/robotRuns/{step}/heartbeat  renew the lease of the item in hand
    POST P/runs/{run}/robotRuns/{step}/drain      finish the item in hand, then no more
    POST P/runs/{run}/robotRuns/{step}/finish     end the run and its token
    GET  P/runs/{run}/robotRuns/{step}/work-item  {"workItemId", "settling", "traceparent"}

And for the bot's spans (:mod:`workitems.room.otlp_receiver`), with the run's token:

    POST /otlp/v1/traces    OTLP/HTTP, protobuf or JSON; spans of the items the run worked

Errors are ``{"error": {"code", "message"}}``: 400 bad input, 401 no valid token, 403 not
this token's, 404 no such item, 409 the lease is gone or the item is released. The stock
client retries none of these.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer

from workitems import Conflict, InvalidInput, ItemNotFound, Store, WorkItemsError
from workitems.remote import WORKSPACE
from workitems.room import runs
from workitems.room.runs import RemoteRun, RunRefused

TRANSFER_SECONDS = 600


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class Refused(Exception):
    """A request refused for what it is (too large, of an unknown type), not for who sent it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ProtocolRoute(APIRoute):
    """Answers the store's errors in the shape Robocorp's client reads."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RunRefused as exc:
                code = "UNAUTHORIZED" if exc.status == 401 else "FORBIDDEN"
                return _error(exc.status, code, exc.message)
            except Refused as exc:
                return _error(exc.status, exc.code, exc.message)
            except ItemNotFound as exc:
                return _error(404, exc.code, exc.message)
            except (InvalidInput, ValueError) as exc:
                if isinstance(exc, Conflict):  # ParentReleased is a ValueError too
                    return _error(409, exc.code, exc.message)
                code = getattr(exc, "code", "INVALID_INPUT")
                return _error(400, code, getattr(exc, "message", str(exc)))
            except WorkItemsError as exc:
                return _error(409, exc.code, exc.message)

        return answer


router = APIRouter(route_class=ProtocolRoute)
PROCESS = "/process-v1/workspaces/{workspace}/processes/{process}"
ROBOT_RUN = PROCESS + "/runs/{run_id}/robotRuns/{step}"
ITEMS = "/json-v1/workspaces/{workspace}/workitems"


def _store(request: Request) -> Store:
    return request.app.state.room.store


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RunRefused(401, "a bearer token is required")
    return token.strip()


def _run(request: Request, workspace: str, process: str | None = None,
         run_id: str | None = None, step: str | None = None) -> RemoteRun:
    """The run the token belongs to, which must be the one the URL names."""
    run = runs.run_for(_store(request), bearer(request))
    wanted = (WORKSPACE, run.process, str(run.run_id), run.step)
    asked = (workspace, process or run.process, run_id or str(run.run_id), step or run.step)
    if asked != wanted:
        raise RunRefused(403, "this token belongs to another run")
    return run


def _item_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ItemNotFound(text) from None


def _item_run(request: Request, workspace: str, item: str) -> tuple[RemoteRun, int]:
    run = _run(request, workspace)
    item_id = _item_id(item)
    runs.item_in_reach(_store(request), run, item_id)
    return run, item_id


# -- starting and tending runs (the worker) ---------------------------------------------


@router.post(PROCESS + "/runs")
def start_run(request: Request, workspace: str, process: str,
              body: Annotated[dict[str, Any] | None, Body()] = None) -> JSONResponse:
    store = _store(request)
    runner = runs.runner_for(store, bearer(request))
    if (workspace, process) != (WORKSPACE, runner.process):
        raise RunRefused(403, f"this runner token starts runs of {runner.process} only")
    body = body or {}
    max_items = body.get("maxItems", 0)
    if not isinstance(max_items, int):
        raise InvalidInput("maxItems is a whole number")
    started, wait = runs.start(store, runner, str(body.get("worker") or ""), max_items)
    if started is None:
        return JSONResponse({"workItemId": None, "retryInSeconds": wait})
    run = started.run
    return JSONResponse({"workspaceId": WORKSPACE, "processId": run.process,
                         "processRunId": str(run.run_id), "activityRunId": run.step,
                         "workItemId": str(run.item_id), "token": started.token,
                         "leaseSeconds": run.lease_seconds}, status_code=201)


@router.post(ROBOT_RUN + "/heartbeat")
def heartbeat(request: Request, workspace: str, process: str, run_id: str, step: str
              ) -> dict[str, Any]:
    run = _run(request, workspace, process, run_id, step)
    return {"leaseExpiresAt": runs.heartbeat(_store(request), run)}


@router.post(ROBOT_RUN + "/drain")
def drain(request: Request, workspace: str, process: str, run_id: str, step: str
          ) -> dict[str, Any]:
    runs.drain(_store(request), _run(request, workspace, process, run_id, step))
    return {}


@router.post(ROBOT_RUN + "/finish")
def finish(request: Request, workspace: str, process: str, run_id: str, step: str
           ) -> dict[str, Any]:
    runs.finish(_store(request), _run(request, workspace, process, run_id, step))
    return {}


@router.get(ROBOT_RUN + "/work-item")
def work_item(request: Request, workspace: str, process: str, run_id: str, step: str
              ) -> dict[str, Any]:
    run = _run(request, workspace, process, run_id, step)
    if not run.holding or run.item_id is None:
        return {"workItemId": None, "settling": False, "traceparent": None}
    return {"workItemId": str(run.item_id), "settling": run.settling,
            "traceparent": _store(request).get_item(run.item_id).traceparent}


# -- Robocorp's process API -------------------------------------------------------------


@router.post(ROBOT_RUN + "/reserve-next-work-item")
def reserve_next(request: Request, workspace: str, process: str, run_id: str, step: str
                 ) -> dict[str, Any]:
    run = _run(request, workspace, process, run_id, step)
    item_id = runs.reserve_next(_store(request), run)
    return {"workItemId": str(item_id) if item_id is not None else None}


@router.post(ROBOT_RUN + "/release-work-item")
def release(request: Request, workspace: str, process: str, run_id: str, step: str,
            body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    run = _run(request, workspace, process, run_id, step)
    exception = body.get("exception")
    if exception is not None and not isinstance(exception, dict):
        raise InvalidInput("exception is an object with type, code and message")
    runs.release(_store(request), run, _item_id(str(body.get("workItemId"))),
                 str(body.get("state")), exception)
    return {}


@router.post(PROCESS + "/work-items/{parent}/output")
def create_output(request: Request, workspace: str, process: str, parent: str,
                  body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    run, parent_id = _item_run(request, workspace, parent)
    if process != run.process:
        raise RunRefused(403, "this token belongs to another process")
    output = _store(request).create_output(parent_id, body.get("payload"), actor=run.worker,
                                           token=run.lease_token)
    return {"id": str(output)}


# -- Robocorp's work-item API -----------------------------------------------------------


@router.get(ITEMS + "/{item}/data")
def load_payload(request: Request, workspace: str, item: str) -> Any:
    _, item_id = _item_run(request, workspace, item)
    return JSONResponse(_store(request).load_payload(item_id))


@router.put(ITEMS + "/{item}/data")
def save_payload(request: Request, workspace: str, item: str,
                 payload: Annotated[Any, Body()] = None) -> dict[str, Any]:
    run, item_id = _item_run(request, workspace, item)
    _store(request).save_payload(item_id, payload, actor=run.worker, token=run.lease_token)
    return {}


def _file_id(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


def _file_name(file_id: str) -> str:
    try:
        return base64.urlsafe_b64decode(file_id + "=" * (-len(file_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidInput(f"no file has the id {file_id!r}") from None


@router.get(ITEMS + "/{item}/files")
def list_files(request: Request, workspace: str, item: str) -> list[dict[str, Any]]:
    _, item_id = _item_run(request, workspace, item)
    return [{"fileName": name, "fileId": _file_id(name)}
            for name in _store(request).list_files(item_id)]


def _tickets(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.room.settings.secret_key,
                                  salt="work-item-transfer")


def _transfer_url(request: Request, run: RemoteRun, item_id: int, name: str, op: str,
                  size: int | None = None) -> str:
    ticket = _tickets(request).dumps({"run": run.run_id, "item": item_id, "name": name,
                                      "op": op, "size": size})
    return str(request.url_for("transfer_" + op, ticket=ticket))


@router.post(ITEMS + "/{item}/files")
def add_file(request: Request, workspace: str, item: str,
             body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    run, item_id = _item_run(request, workspace, item)
    name, size = body.get("fileName"), body.get("fileSize")
    if not isinstance(name, str) or not isinstance(size, int) or size < 0:
        raise InvalidInput("a file is announced with its fileName and fileSize")
    _store(request).check_new_file(name, size)
    return {"url": _transfer_url(request, run, item_id, name, "put", size), "fields": {}}


@router.get(ITEMS + "/{item}/files/{file_id}")
def get_file(request: Request, workspace: str, item: str, file_id: str) -> dict[str, Any]:
    run, item_id = _item_run(request, workspace, item)
    name = _file_name(file_id)
    if name not in _store(request).list_files(item_id):
        raise ItemNotFound(f"{item_id}/{name}")
    return {"url": _transfer_url(request, run, item_id, name, "get")}


@router.delete(ITEMS + "/{item}/files/{file_id}")
def remove_file(request: Request, workspace: str, item: str, file_id: str) -> dict[str, Any]:
    run, item_id = _item_run(request, workspace, item)
    _store(request).remove_file(item_id, _file_name(file_id), actor=run.worker,
                                token=run.lease_token)
    return {}


# -- the transfers themselves (no token: the signed URL is the permission) ----------------


def _ticket(request: Request, ticket: str, op: str) -> tuple[RemoteRun, int, dict[str, Any]]:
    """The ticket's run, if that run still lives and still reaches the item."""
    try:
        data = _tickets(request).loads(ticket, max_age=TRANSFER_SECONDS)
    except BadSignature:
        raise RunRefused(403, "this transfer link is not valid or has expired") from None
    if data.get("op") != op:
        raise RunRefused(403, "this transfer link is for another operation")
    run = runs.live_run(_store(request), int(data["run"]))
    runs.item_in_reach(_store(request), run, int(data["item"]))
    return run, int(data["item"]), data


@router.get("/json-v1/transfers/{ticket}", name="transfer_get")
def download(request: Request, ticket: str) -> Response:
    _, item_id, data = _ticket(request, ticket, "get")
    return Response(_store(request).get_file(item_id, data["name"]),
                    media_type="application/octet-stream")


@router.post("/json-v1/transfers/{ticket}", name="transfer_put")
def upload(request: Request, ticket: str, file: UploadFile) -> Response:
    run, item_id, data = _ticket(request, ticket, "put")
    store = _store(request)
    content = file.file.read(store.settings.max_file_bytes + 1)
    if len(content) != data["size"]:
        raise InvalidInput(f"the file {data['name']!r} was announced with {data['size']} bytes "
                           f"and {len(content)} arrived")
    store.add_file(item_id, data["name"], content, actor=run.worker, token=run.lease_token)
    return Response(status_code=204)
