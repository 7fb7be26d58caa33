"""A minimal bot for the backbone's tests: the standard robocorp API (and our
settling_attempt(), as the consumer asks it).

Payload keys steer it: ``sleep`` seconds of work, ``fail`` = "BUSINESS" or
"APPLICATION" to raise that exception, ``output`` to create one output item,
``save`` to write the worker's name into the payload after the work, ``report_env`` to
write the names of the work-item settings it was given (``WORKITEMS_*``, ``RC_*``),
``report_settling`` to record whether the item is on its settling attempt.
"""

import os
import time

from robocorp import workitems
from robocorp.tasks import task

from workitems.adapter import settling_attempt


@task
def echo() -> None:
    for item in workitems.inputs:
        with item:
            payload = item.payload or {}
            if payload.get("report_settling"):
                item.payload = payload = {**payload, "settling": settling_attempt()}
                item.save()
            time.sleep(float(payload.get("sleep", 0)))
            if payload.get("report_env"):
                item.payload = payload = {**payload, "env": sorted(
                    n for n in os.environ if n.startswith(("WORKITEMS_", "RC_")))}
                item.save()
            if payload.get("save"):
                item.payload = {**payload, "saved_by": os.environ.get("WORKITEMS_WORKER")}
                item.save()
            if payload.get("fail") == "BUSINESS":
                raise workitems.BusinessException("the test asked for it", code="TEST_BUSINESS")
            if payload.get("fail") == "APPLICATION":
                raise workitems.ApplicationException("flaky on purpose", code="TEST_APP")
            if payload.get("output"):
                workitems.outputs.create({"from": item.id, **payload["output"]})
