"""The Grafana dashboard in the repository asks only for what /metrics serves: after real
items ran, the endpoint is scraped over HTTP, and every metric and label each PromQL query
of the dashboard names must be among those served."""

from __future__ import annotations

import json
import secrets
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import promql_parser as promql
import pytest
from prometheus_client.parser import text_string_to_metric_families
from robocorp.workitems._context import Context

from tests.workitems.room.conftest import settings
from workitems import Store, tracing
from workitems.adapter import StoreAdapter
from workitems.config import Settings
from workitems.models import Step
from workitems.processes import REPO_ROOT
from workitems.room import repository as repo
from workitems.room.background import BackgroundServer
from workitems.room.metrics import SETTLE_SECONDS

DASHBOARD = REPO_ROOT / "workitems" / "room" / "grafana" / "dashboard.json"
# Grafana's own variables, as Grafana would fill them in.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "6h", "$process": ".*"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("_total",),
            "gauge": ("",), "summary": ("", "_sum", "_count")}
P = "shop"


def dashboard_queries(path: Path = DASHBOARD) -> list[str]:
    board = json.loads(path.read_text(encoding="utf-8"))
    queries = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    for variable in board.get("templating", {}).get("list", []):
        definition = variable.get("definition", "")
        if definition.startswith("label_values("):  # Grafana's function over one metric
            metric, label = definition[len("label_values("):-1].split(",")
            queries.append(f"count by ({label.strip()}) ({metric.strip()})")
    return queries


def used(query: str) -> dict[str, set[str]]:
    """Metric name -> the label names the query matches on or groups by."""
    for variable, value in GRAFANA_VARIABLES.items():
        query = query.replace(variable, value)
    found: dict[str, set[str]] = defaultdict(set)

    def walk(node: object, grouping: set[str]) -> None:
        if isinstance(node, promql.VectorSelector):
            found[node.name].update({m.name for m in node.matchers.matchers} | grouping)
        elif isinstance(node, promql.MatrixSelector):
            walk(node.vector_selector, grouping)
        elif isinstance(node, promql.AggregateExpr):
            labels = set(node.modifier.labels) if node.modifier else set()
            walk(node.expr, grouping | labels)
        elif isinstance(node, promql.Call):
            for arg in node.args:
                walk(arg, grouping)
        elif isinstance(node, promql.BinaryExpr):
            walk(node.lhs, grouping)
            walk(node.rhs, grouping)
        elif isinstance(node, promql.ParenExpr | promql.UnaryExpr | promql.SubqueryExpr):
            walk(node.expr, grouping)

    walk(promql.parse(query), set())
    return found


def served(exposition: str) -> dict[str, set[str]]:
    """Every series name the exposition declares -> the label names its samples carry."""
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(exposition):
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = set()
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def unknown(queries: list[str], metrics: dict[str, set[str]]) -> list[str]:
    """What the queries ask for that is not served: metric names, or labels of a metric
    whose samples do not carry them (the bucket's "le" belongs to every histogram)."""
    problems = []
    for query in queries:
        for name, labels in used(query).items():
            if name not in metrics:
                problems.append(f"{name} (in {query})")
                continue
            carried = metrics[name] | ({"le"} if name.endswith("_bucket") else set())
            if metrics[name] and labels - carried:
                problems.append(f"{name} has no label {sorted(labels - carried)} (in {query})")
    return problems


@pytest.fixture
def ran(room_store: Store, store_url: str) -> Iterator[Store]:
    """Items worked by a bot's adapter: finished, failed for a person, failed to be
    retried, and one whose worker vanished (its lease expired)."""
    room_store.register_process(P, [Step(process=P, name="check", position=0,
                                         next_step="ship", lease_seconds=60),
                                    Step(process=P, name="ship", position=1)])
    fields = {"amount": {"value": "12.50", "confidence": 0.97},
              "merchant": {"value": "Cafe", "confidence": 0.42}}
    for n in range(3):
        room_store.create_item(P, "check", {"n": n, "extracted": {"fields": fields}})
    tracing.setup("tests")
    adapter = StoreAdapter(settings=Settings(db_url=store_url, process=P, step="check"))
    bot = Context(adapter=adapter)
    try:
        for outcome in ("done", "BUSINESS", "APPLICATION"):
            item = bot.reserve_input()
            with tracing.span("look"):
                time.sleep(0.01)
            if outcome == "done":
                item.done()
            else:
                item.fail(outcome, code="LOW_CONFIDENCE" if outcome == "BUSINESS"
                          else "ERP_UNAVAILABLE", message="test")
    finally:
        adapter.close()
    room_store.create_item(P, "check", {"n": 9})
    lost = room_store.reserve(P, "check", "vanished", lease_seconds=0.05)
    assert lost is not None
    time.sleep(0.1)
    assert room_store.reclaim_expired() == 1
    time.sleep(SETTLE_SECONDS + 0.5)  # /metrics reads events once they are settled
    yield room_store


def test_every_dashboard_query_names_metrics_and_labels_the_app_serves(ran: Store) -> None:
    token = secrets.token_urlsafe(24)
    scraper = next(u for u in repo.list_users(ran) if u.role == "supervisor")
    repo.create_token(ran, scraper.id, "prometheus", token)
    with BackgroundServer(ran, settings()) as server:
        response = httpx.get(f"{server.url}/metrics", timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    metrics = served(response.text)
    samples = response.text.splitlines()

    # What the dashboard is for has samples from the items that ran.
    def has(prefix: str) -> bool:
        return any(line.startswith(prefix) for line in samples)

    assert has('workitems_items{process="shop",step="check",state="PENDING"}')
    assert has('workitems_step_duration_seconds_bucket{process="shop",step="check",le="0.1"}')
    assert has('workitems_span_duration_seconds_bucket{name="look",le="0.005"} 0')  # >10 ms
    assert has('workitems_span_duration_seconds_bucket{name="look",le="+Inf"} 3')
    assert has('workitems_span_duration_seconds_count{name="shop/check"} 3')
    for kind, code in (("BUSINESS", "LOW_CONFIDENCE"), ("APPLICATION", "ERP_UNAVAILABLE"),
                       ("APPLICATION", "LEASE_EXPIRED")):
        assert has(f'workitems_failures_total{{process="shop",step="check",type="{kind}",'
                   f'code="{code}"}} 1'), code
    assert has('workitems_field_confidence_bucket{field="other",le="0.5"} 2')  # 0.42, twice
    assert has('workitems_field_confidence_count{field="other"} 4')

    queries = dashboard_queries()
    assert len(queries) >= 15
    assert not unknown(queries, metrics)
    # The check can fail: a query for a metric or a label nobody serves is caught.
    assert unknown(["rate(workitems_nope_total[5m])",
                    "sum by (colour) (workitems_items)"], metrics) == [
        "workitems_nope_total (in rate(workitems_nope_total[5m]))",
        "workitems_items has no label ['colour'] (in sum by (colour) (workitems_items))"]
