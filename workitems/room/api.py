"""A small JSON API for workers and the CLI, authenticated by bearer API tokens only.

    GET  /api/v1/queue                 the exception queue (same filters as the page)
    GET  /api/v1/items/{id}            one item
    POST /api/v1/items/{id}/retry      {"version": 7}
    POST /api/v1/items/{id}/done       {"version": 7, "reason": "paid by hand"}
    GET  /api/v1/overview              the overview figures
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from workitems import Store
from workitems.rollouts import rollouts
from workitems.room import overview as ov
from workitems.room import queue as q
from workitems.room import review
from workitems.room.auth import require_api
from workitems.room.drift import room_reports
from workitems.room.params import ItemId
from workitems.room.repository import User

router = APIRouter(prefix="/api/v1")
ApiClerk = Annotated[User, Depends(require_api("clerk"))]
ApiSupervisor = Annotated[User, Depends(require_api("supervisor"))]


class Decision(BaseModel):
    version: int
    reason: str = Field("", max_length=2000)


def _store(request: Request) -> Store:
    return request.app.state.room.store


@router.get("/queue")
def queue(request: Request, user: ApiClerk) -> Any:
    """The queue with the filters of the web page's URL (code, each column's filter,
    older_than_days, assignee, page)."""
    columns = request.app.state.room.columns
    flt, problem = q.QueueFilter.from_params(request.query_params, columns)
    if problem:
        return JSONResponse({"error": problem}, status_code=422)
    return q.queue_page(_store(request), flt, columns=columns).model_dump()


@router.get("/items/{item_id}")
def item(request: Request, item_id: ItemId, user: ApiClerk) -> dict[str, Any]:
    return _store(request).get_item(item_id).model_dump(mode="json")


def _decide(request: Request, user: User, item_id: int, decision: str,
            action: Any) -> JSONResponse:
    try:
        with review.traced(_store(request), user, item_id, decision):
            action()
    except review.ActionRefused as exc:
        return JSONResponse({"error": exc.message}, status_code=409)
    return JSONResponse({"ok": True})


@router.post("/items/{item_id}/retry")
def retry(request: Request, item_id: ItemId, body: Decision, user: ApiClerk) -> JSONResponse:
    return _decide(request, user, item_id, "retry",
                   lambda: review.retry(_store(request), user, item_id, body.version))


@router.post("/items/{item_id}/done")
def done(request: Request, item_id: ItemId, body: Decision, user: ApiClerk) -> JSONResponse:
    return _decide(request, user, item_id, "done",
                   lambda: review.mark_done(_store(request), user, item_id, body.version,
                                            body.reason))


@router.get("/overview")
def overview(request: Request, user: ApiSupervisor, window: str = "24h") -> dict[str, Any]:
    store = _store(request)
    return {**ov.as_json(ov.overview(store, window)),
            "models": [r.model_dump() for r in rollouts(store)],
            "drift": [d.as_json() for d in room_reports(request.app.state.room)]}
