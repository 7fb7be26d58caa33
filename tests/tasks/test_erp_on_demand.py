"""The consumer's ERP session starts its browser at the first call, and counts its time."""

from __future__ import annotations

from pathlib import Path

import pytest

from devdata.erp import ErpServer
from tasks.browser import BrowserNotFound
from tasks.consumer import ErpOnDemand
from tasks.phase_clock import PhaseClock
from tasks.settings import BotSettings

pytestmark = pytest.mark.browser


def test_the_browser_starts_at_the_first_call_and_once(tmp_path: Path) -> None:
    clock = PhaseClock()
    with ErpServer(tmp_path / "erp.db") as server:
        erp = ErpOnDemand(BotSettings(erp_url=server.url), clock)
        assert erp._browser is None, "nothing started before the ERP is needed"
        erp.close()  # a run whose items never needed the ERP closes nothing
        try:
            vendors = erp.find_vendor(vat="GB236552364")
        except BrowserNotFound as exc:
            pytest.skip(str(exc))
        browser = erp._browser
        assert [v.vendor_id for v in vendors] == ["V10022"]
        assert erp.find_vendor(name="weissmann")[0].vendor_id == "V10003"
        erp.close()
    times = clock.summary()
    assert times["browser start"]["calls"] == 1
    assert times["erp"]["calls"] == 3 and times["erp"]["wall"] > 0  # two searches, close
    assert browser is not None and not browser.is_connected()
