"""A minimal bot for the backbone's tests: standard robocorp API, nothing else.

Payload keys steer it: ``sleep`` seconds of work, ``fail`` = "BUSINESS" or
"APPLICATION" to raise that exception, ``output`` to create one output item,
``save`` to write the worker's name into the payload after the work.
"""

import os
import time

from robocorp import workitems
from robocorp.tasks import task


@task
def echo() -> None:
    for item in workitems.inputs:
        with item:
            payload = item.payload or {}
            time.sleep(float(payload.get("sleep", 0)))
            if payload.get("save"):
                item.payload = {**payload, "saved_by": os.environ.get("WORKITEMS_WORKER")}
                item.save()
            if payload.get("fail") == "BUSINESS":
                raise workitems.BusinessException("the test asked for it", code="TEST_BUSINESS")
            if payload.get("fail") == "APPLICATION":
                raise workitems.ApplicationException("flaky on purpose", code="TEST_APP")
            if payload.get("output"):
                workitems.outputs.create({"from": item.id, **payload["output"]})
