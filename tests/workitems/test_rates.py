"""One definition of straight-through and human intervention, on both backends."""

from __future__ import annotations

from workitems import ExceptionType, Step, Store
from workitems.rates import step_rates


def test_rates_per_item_of_a_step(store: Store) -> None:
    store.register_process("p", [Step(process="p", name="s")])

    def attempt(item: int, fail: ExceptionType | None = None) -> None:
        res = store.reserve("p", "s", "w")
        assert res is not None and res.item_id == item
        if fail is None:
            store.complete(item, res.token, "w")
        else:
            store.fail(item, res.token, "w", fail, "CODE", "why")

    straight, retried, to_person, approved, waiting = (
        store.create_item("p", "s", {"n": n}).id for n in range(5))
    attempt(straight)
    attempt(retried, ExceptionType.APPLICATION)  # an automatic retry is no person's work
    with store.db.transaction() as cur:
        cur.execute("UPDATE items SET available_at = 0 WHERE id = :id", {"id": retried})
    attempt(retried)
    attempt(to_person, ExceptionType.BUSINESS)
    store.mark_done(to_person, "clerk")
    attempt(approved, ExceptionType.BUSINESS)
    store.retry(approved, "clerk")
    attempt(approved)
    rates = step_rates(store, "p", "s")
    assert (rates.dealt_with, rates.straight_through, rates.with_person) == (4, 2, 2)
    assert rates.straight_through_rate == 0.5 == rates.human_intervention_rate
    assert waiting  # never attempted: not dealt with, in neither figure
