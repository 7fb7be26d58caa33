"""Scheduled retraining: a candidate field-scorer version from the clerks' corrections.

The ``retrain`` schedule of ``tasks/processes.yaml`` puts a trigger item in the
``models/retrain`` queue; a worker runs this task, which trains with
``python -m skills.train --with-corrections`` on the worker's store and registers the
result as a candidate. Nothing goes live: an admin puts it in shadow and canary with
``python -m tasks.model_rollout``. ``AP_RETRAIN_ARGS`` adds training options (for
example ``--count 600 --procedural 600`` on a small machine).
"""

from __future__ import annotations

import logging
import os
import shlex

from robocorp import workitems
from robocorp.tasks import task

LOGGER = logging.getLogger(__name__)


@task
def retrain() -> None:
    from skills.train import main as train  # noqa: PLC0415 - heavy, only when it runs

    for item in workitems.inputs:
        with item:
            args = ["--with-corrections", *shlex.split(os.environ.get("AP_RETRAIN_ARGS", ""))]
            LOGGER.info("training a candidate: python -m skills.train %s", shlex.join(args))
            if train(args) != 0:
                raise RuntimeError("training did not finish")
