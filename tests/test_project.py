"""The project's own wiring: robot.yaml, conda.yaml, processes.yaml and the public API."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import workitems
from workitems.processes import load_config

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_conda_yaml_pins_the_same_dependencies_as_pyproject() -> None:
    conda = yaml.safe_load((ROOT / "conda.yaml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert sorted(pip_section) == sorted(_pyproject()["project"]["dependencies"])
    python = next(d for d in conda["dependencies"] if isinstance(d, str) and
                  d.startswith("python="))
    assert python.startswith("python=3.11")


def _task_exists(file: str, task: str) -> bool:
    source = (ROOT / file).read_text(encoding="utf-8")
    return re.search(rf"@task\s*\ndef {re.escape(task)}\(", source) is not None


def test_every_robot_task_names_a_real_task() -> None:
    robot = yaml.safe_load((ROOT / "robot.yaml").read_text(encoding="utf-8"))
    assert robot["artifactsDir"] == "output" and robot["environmentConfigs"] == ["conda.yaml"]
    for name, spec in robot["tasks"].items():
        shell = spec["shell"]
        match = re.fullmatch(r"python -m robocorp\.tasks run (\S+) -t (\w+)", shell)
        if match:
            assert _task_exists(match.group(1), match.group(2)), f"{name}: {shell}"
        else:
            module = re.fullmatch(r"python -m ([\w.]+)", shell)
            assert module, f"{name}: unexpected command {shell}"
            path = ROOT / module.group(1).replace(".", "/")
            assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), name


def test_every_process_step_names_a_real_task() -> None:
    config = load_config()
    for process in config.processes:
        for step in config.steps(process):
            file, task = step.task.split("::")
            assert _task_exists(file, task), f"{process}/{step.name}: {step.task}"
    for schedule in config.schedules:
        config.step(schedule.process, schedule.step)


def test_the_public_api_of_workitems_is_pinned() -> None:
    # Adding a public name is a decision: change this list on purpose, never by accident.
    assert sorted(workitems.__all__) == [
        "BreakerPolicy", "Conflict", "Created", "DuplicateReference", "Duplicates", "Event",
        "EventKind",
        "ExceptionType", "FileTooLarge", "InvalidFileName", "InvalidInput", "InvalidPayload",
        "Item", "ItemNotFound", "ItemState", "LeaseLost", "ParentReleased", "Reservation",
        "RetryPolicy", "Run",
        "Settings", "Step", "Store", "StoreUnavailable", "WorkItemsError", "open_store",
    ]
    for name in workitems.__all__:
        assert getattr(workitems, name) is not None
    assert all(issubclass(getattr(workitems, n), workitems.WorkItemsError) for n in (
        "Conflict", "DuplicateReference", "FileTooLarge", "InvalidFileName", "InvalidInput",
        "InvalidPayload", "ItemNotFound", "LeaseLost", "ParentReleased", "StoreUnavailable"))
