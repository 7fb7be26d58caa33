"""Every skills module imports on its own, first in a fresh interpreter: the extraction
package and the modules it uses import each other, and only some orders work unless
the package keeps its public names lazy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("skills.party_roles", "skills.doctype", "skills.extract.labels",
           "skills.extract.candidates", "skills.extract.checks", "skills.extract",
           "skills.train", "skills.evaluate", "devdata.demo_inbox", "tasks.demo",
           "skills.layouts.learn", "skills.layouts.replay", "skills.extract.learned",
           "tasks.layout_memory", "tasks.model_rollout", "tasks.corrected_documents",
           "tasks.retrain", "skills.extract.versions", "workitems.room.drift")


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_first(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
