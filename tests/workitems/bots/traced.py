"""A bot that traces its work as the AP bots do: each item's work inside
``tracing.item_work`` (entered after the item, so it ends before the release), with a
span of its own inside. Payload key ``fail``: a business exception after the span."""

from robocorp import workitems
from robocorp.tasks import task

from workitems import tracing


@task
def traced() -> None:
    tracing.setup("t/traced")
    for item in workitems.inputs:
        with item, tracing.item_work("t/traced", {"workitems.item_id": item.id}):
            payload = item.payload or {}
            with tracing.span("read", {"pages": 2}):
                item.payload = {**payload, "read": True}
                item.save()
            if payload.get("fail"):
                raise workitems.BusinessException("the test asked for it", code="TEST_BUSINESS")
