"""The exception queue's filters and the overview's figures, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tasks import invoice_view
from tasks.payloads import Finding
from tasks.room_demo import STEPS, DemoInvoice, seed_failed_invoice
from workitems import BreakerPolicy, ExceptionType, RetryPolicy, Store
from workitems.room import overview as ov
from workitems.room import queue as q
from workitems.room import review
from workitems.room.metrics import EventHistograms, render
from workitems.room.repository import password_hash_of


@pytest.fixture
def seeded(room_store: Store) -> dict[str, int]:
    s = room_store
    return {
        "acme_small": seed_failed_invoice(s, DemoInvoice(vendor_name="ACME Tools Ltd",
                                                         lines=[("bolts", 10, "1.00")])),
        "acme_big": seed_failed_invoice(s, DemoInvoice(vendor_name="acme tools ltd",
                                                       lines=[("lathe", 1, "5000.00")]),
                                        code="PO_MISMATCH", priority=5),
        "kowalski": seed_failed_invoice(s, DemoInvoice(vendor_name="Kowalski 100%_Druck"),
                                        code="UNKNOWN_VENDOR"),
        "garbled_total": seed_failed_invoice(s, DemoInvoice(printed_total="3O3.57")),
        "two_codes": seed_failed_invoice(s, DemoInvoice(invoice_number="TWO-1"),
                                         code="PO_MISMATCH", findings=[
            Finding(code="PO_MISMATCH", message="net exceeds the order", field="net_amount"),
            Finding(code="BANK_ACCOUNT_CHANGED", message="new IBAN", field="vendor_iban")]),
    }


def ids(store: Store, **filters: object) -> list[int]:
    """The queue's item ids for filters as the page's URL gives them."""
    flt, problem = q.QueueFilter.from_params({k: str(v) for k, v in filters.items()},
                                             q.QueueColumns.from_config())
    assert not problem
    return [r.id for r in q.queue_page(store, flt).rows]


def test_queue_order_and_filters(room_store: Store, seeded: dict[str, int]) -> None:
    s = room_store
    # most urgent first, then oldest
    assert ids(s) == [seeded["acme_big"], seeded["acme_small"], seeded["kowalski"],
                      seeded["garbled_total"], seeded["two_codes"]]
    assert ids(s, code="UNKNOWN_VENDOR") == [seeded["kowalski"]]
    # every code an item stopped on is shown, and found by the code filter
    assert ids(s, code="BANK_ACCOUNT_CHANGED") == [seeded["two_codes"]]
    assert ids(s, code="PO_MISMATCH") == [seeded["acme_big"], seeded["two_codes"]]
    two = next(r for r in q.queue_page(s, q.QueueFilter()).rows if r.id == seeded["two_codes"])
    assert two.codes == ["PO_MISMATCH", "BANK_ACCOUNT_CHANGED"]
    assert ids(s, vendor="ACME tools") == [seeded["acme_big"], seeded["acme_small"]]
    assert ids(s, vendor="100%_") == [seeded["kowalski"]]  # LIKE wildcards are literal
    assert ids(s, vendor="%druck") == []
    assert ids(s, min_amount=1000) == [seeded["acme_big"]]
    assert ids(s, max_amount=20) == [seeded["acme_small"]]  # 10 + 19 % tax = 11.90
    # an unreadable total matches no amount filter, but is still in the queue
    assert seeded["garbled_total"] not in ids(s, min_amount=0)
    assert ids(s, older_than_days=1) == []
    assert len(ids(s, older_than_days=0)) == 5
    page = q.queue_page(s, q.QueueFilter())
    assert page.counts_by_code == {"LOW_CONFIDENCE": 2, "PO_MISMATCH": 2, "UNKNOWN_VENDOR": 1}
    row = page.rows[0]
    assert row.values == {"vendor": "acme tools ltd", "invoice": "RE-2024-0412",
                          "amount": "5950.00"}
    assert row.units == {"amount": "EUR"}


def test_queue_assignee_filter_and_neighbours(room_store: Store, seeded: dict[str, int]) -> None:
    s = room_store
    s.claim(seeded["kowalski"], "clerk2")
    assert ids(s, assignee="clerk2") == [seeded["kowalski"]]
    assert seeded["kowalski"] not in ids(s, assignee="-")
    assert q.neighbours(s, seeded["acme_small"]) == (seeded["acme_big"], seeded["kowalski"])
    assert q.neighbours(s, seeded["acme_big"]) == (None, seeded["acme_small"])
    page = q.queue_page(s, q.QueueFilter(page=2), page_size=3)
    assert [r.id for r in page.rows] == [seeded["garbled_total"], seeded["two_codes"]]
    assert (page.total, page.pages) == (5, 2)


def test_overview_rates_and_processing_time(room_store: Store) -> None:
    s = room_store
    for n in range(3):  # straight through
        created = s.create_item("ap", "consumer", {"n": n})
        res = s.reserve("ap", "consumer", "w")
        assert res is not None
        s.complete(created.id, res.token, "w")
    approved = seed_failed_invoice(s)
    clerk = password_hash_of(s, "clerk1")
    assert clerk is not None
    item = s.get_item(approved)
    fields = invoice_view.predicted_fields(invoice_view.invoice_of(item))  # type: ignore[arg-type]
    assert invoice_view.approve(s, clerk[0], approved, item.version,
                          {**fields, "total": "1.00"}) == review.Approved()
    res = s.reserve("ap", "consumer", "w")
    assert res is not None and res.item_id == approved
    s.complete(approved, res.token, "w")
    seed_failed_invoice(s, DemoInvoice(invoice_number="X-2"))  # still waiting for a person

    figures = ov.overview(s, "1h")
    [step] = figures.steps
    assert step.states == {"DONE": 4, "FAILED": 1}
    assert step.completed == 4
    # one definition (workitems.rates): of the 5 invoices dealt with, 3 had no person
    assert (step.rates.dealt_with, step.rates.straight_through) == (5, 3)
    assert step.straight_through == pytest.approx(3 / 5)
    assert step.human_intervention == pytest.approx(2 / 5)
    assert figures.measured == {"ap": "consumer"}  # tasks/processes.yaml's measure_at
    assert figures.straight_through == step.straight_through
    assert step.completions == 4 and step.p50 is not None and step.p50 >= 0
    assert step.p50 <= step.p95 <= step.p99  # type: ignore[operator]
    assert sum(n for _, n in figures.throughput) == 4
    assert figures.oldest_failed_at is not None and figures.oldest_pending_at is None

    # No settling: SQLite's clock has millisecond steps, and an event of this very
    # millisecond must count too.
    histograms = EventHistograms(settle_seconds=-1)
    text = render(s, histograms)
    assert 'workitems_items{process="ap",step="consumer",state="DONE"} 4' in text
    assert 'workitems_step_duration_seconds_count{process="ap",step="consumer"} 4' in text
    assert 'workitems_exception_queue{code="LOW_CONFIDENCE"} 1' in text
    assert 'workitems_straight_through_ratio{process="ap",step="consumer"} 0.6' in text
    # 3 bot attempts on invoices carried extracted fields (2 failures, 1 completion)
    assert 'workitems_field_confidence_count{field="total"} 3' in text
    assert 'workitems_field_confidence_bucket{field="total",le="0.5"} 3' in text
    # scraping again reads only new events: nothing new, nothing counted twice
    assert render(s, histograms).count("_count{") == text.count("_count{")
    assert 'workitems_field_confidence_count{field="total"} 3' in render(s, histograms)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert (ov.percentile(values, 50), ov.percentile(values, 95),
            ov.percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert ov.percentile([], 50) is None
    assert ov.percentile([7.0], 99) == 7.0


def test_items_given_up_after_retries_are_in_the_queue(room_store: Store) -> None:
    s = room_store
    s.register_process("ap", STEPS)
    created = s.create_item("ap", "reporter", {"report": 1})
    res = s.reserve("ap", "reporter", "w")
    assert res is not None
    s.fail(created.id, res.token, "w", ExceptionType.BUSINESS, "ERP_UNAVAILABLE", "down")
    [row] = q.queue_page(s, q.QueueFilter()).rows
    assert (row.id, row.exception_code, row.values["vendor"]) == (created.id, "ERP_UNAVAILABLE",
                                                                   None)


def test_the_overview_headline_is_the_measured_step_with_its_definition(
        room_store: Store, make_client) -> None:  # noqa: ANN001
    """Reporter items do not dilute the headline: it is the consumer's figure, per invoice,
    and the page says how it is counted."""
    s = room_store
    s.register_process("ap", STEPS)
    for step in ("consumer", "reporter", "reporter", "reporter"):
        created = s.create_item("ap", step, {})
        res = s.reserve("ap", step, "w")
        assert res is not None
        s.complete(created.id, res.token, "w")
    seed_failed_invoice(s)  # a consumer item sent to a person
    figures = ov.overview(s, "24h")
    assert figures.measured == {"ap": "consumer"}
    assert (figures.headline.dealt_with, figures.headline.straight_through) == (2, 1)
    assert figures.straight_through == 0.5 and figures.human_intervention == 0.5
    assert ov.overview(s, "24h", measured={}).measured == {"ap": "reporter"}, \
        "without a configured step, the busiest one"
    page = make_client("sup").get("/overview").text
    assert '<span class="big" id="stp">50.0 %</span>' in page
    assert "1 of 2 items at ap / consumer" in page
    assert "How the rates are counted: per item of the measured step" in page


def test_an_open_circuit_breaker_shows_on_the_overview_and_metrics(room_store: Store,
                                                                    make_client) -> None:
    s = room_store
    breaker = BreakerPolicy(target="erp", codes=["ERP_UNAVAILABLE"], after=2, open_seconds=600)
    s.register_process("ap", [STEPS[0].model_copy(update={"retry": RetryPolicy(
        initial_seconds=600, breaker=breaker)})])
    for n in range(3):
        s.create_item("ap", STEPS[0].name, {"n": n})
    for _ in range(2):
        res = s.reserve("ap", STEPS[0].name, "w")
        assert res is not None
        s.fail(res.item_id, res.token, "w", ExceptionType.APPLICATION, "ERP_UNAVAILABLE", "down")

    [shown] = ov.overview(s, "1h").breakers
    assert (shown.step, shown.target, shown.state, shown.failures) == (
        STEPS[0].name, "erp", "OPEN", 2)
    page = make_client("sup").get("/overview").text
    assert "Circuit breakers" in page and "open: workers take no items" in page
    assert "ERP_UNAVAILABLE" in page
    text = render(s, EventHistograms(settle_seconds=0))
    labels = f'process="ap",step="{STEPS[0].name}",target="erp"'
    assert f'workitems_circuit_breaker{{{labels},state="OPEN"}} 1' in text
    assert f'workitems_circuit_breaker{{{labels},state="CLOSED"}} 0' in text
    assert f"workitems_circuit_breaker_failures{{{labels}}} 2" in text
