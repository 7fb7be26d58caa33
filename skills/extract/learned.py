"""Values read at a learned layout's places (skills.layouts), taken beside the model's.

For each field the layout read:
- the layout and the model agree: the field keeps the higher of the model's confidence
  and the layout's own (how often its place was right before);
- they differ: the likelier value is taken, the model's confidence after its checks
  against the layout's; where a check stopped the model's value, the layout's. A layout
  taught once has 0.5, so it never passes an auto-accept threshold on one example;
- the model found nothing: the layout's value, unless its place was contradicted more
  often than confirmed;
- the model's value is doubted: it sits where a value the bot read was corrected before
  (FieldMemory.wrong), or it is a VAT id other than the vendor's own the layout knows. The
  layout's value is then taken whatever the model's confidence, and where the layout
  finds none and knows the field unprinted or the vendor's id, the field is left empty.
  Either way at the layout's 0.5 at most after one example: never auto-accepted.

A value taken from the layout then goes through the same checks as any other; one that
fails a check keeps it (a person confirms the value) where the model's value keeps no
claim: read where one was corrected before, not found, or scored below the layout's
history (a label the bot does not know is the one the layout learned). Otherwise one that
fails a check the model's value passed is dropped for the model's (the tax rate, whose
right value depends on the content more than on the place, also when both fail and the
model's scored higher); and the layout's amounts are dropped when the model's add up
(net + tax = total) and the layout's do not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skills.extract.checks import amount_of, balanced

if TYPE_CHECKING:  # extraction imports this module
    from skills.extract.extraction import Decision, Field
    from skills.layouts import Recalled

Checks = Callable[[dict[str, "Field"], dict[str, "Decision"]], None]


def with_learned(recalled: Recalled, fields: dict[str, Field], decisions: dict[str, Decision],
                 checks: Checks) -> tuple[dict[str, Field], dict[str, Decision]]:
    """The checked fields and decisions, with the layout's values where they win.
    ``fields`` are not checked yet; ``checks`` checks a set of fields in place."""
    model = _copy(fields)
    checks(model, decisions)
    taken = _taken(recalled, model, fields)
    if all(field.value == model[name].value for name, (field, _) in taken.items()):
        # The layout only agrees: no check can turn out otherwise; a value a check
        # stopped stays stopped, the others take the higher confidence.
        for name, (field, _) in taken.items():
            if model[name].check is None:
                model[name].confidence = max(model[name].confidence, field.confidence)
                model[name].layout = field.layout
        return model, decisions
    # The layout's value stays even if a check stops it (the check still sends it to a
    # person) where the model's keeps no claim: read where one was corrected before, not
    # found at all, or scored below the layout's own history (a label the bot does not
    # know is the one the layout learned). Not the rate: see _BY_CONTENT.
    kept = {n for n in taken if model[n].value is None
            or _doubted(recalled, n, model[n].value)
            or n not in _BY_CONTENT and model[n].confidence < taken[n][0].confidence}
    while taken:
        merged = _copy(fields)
        chosen = dict(decisions)
        for name, (field, decision) in taken.items():
            merged[name] = field.model_copy()
            chosen[name] = decision
        checks(merged, chosen)
        failed = [n for n in taken if n not in kept and merged[n].check
                  and merged[n].value != model[n].value
                  and (not model[n].check or n in _BY_CONTENT
                       and taken[n][0].confidence <= fields[n].confidence)]
        if _adds_up(model) and not _adds_up(merged):
            failed += [n for n in _AMOUNTS if n in taken and n not in failed]
        if not failed:
            return merged, chosen
        for name in failed:
            del taken[name]
    return model, decisions


_AMOUNTS = ("net_amount", "tax_amount", "total")
# Fields whose right value depends on the document's content more than on its place: with
# several VAT rates printed, which one is "the" rate changes from invoice to invoice.
# Where both values fail a check, the model's own score decides.
_BY_CONTENT = frozenset({"tax_rate"})


def _adds_up(fields: dict[str, Field]) -> bool:
    """Net + tax = total with the values chosen (see skills.extract.checks.balanced)."""
    net, tax, total = (amount_of(fields.get(n)) for n in _AMOUNTS)
    return net is not None and tax is not None and total is not None and balanced(
        net, tax, total)


def _copy(fields: dict[str, Field]) -> dict[str, Field]:
    return {name: f.model_copy() for name, f in fields.items()}


def _taken(recalled: Recalled, checked: dict[str, Field],
           unchecked: dict[str, Field]) -> dict[str, tuple[Field, Decision]]:
    """Per field, the layout's field and decision where it agrees or wins."""
    from skills.extract.extraction import Decision, Field, values_match  # noqa: PLC0415

    out = {}
    layout = recalled.layout.id
    for name, pick in recalled.picks.items():
        model, cand = unchecked.get(name), pick.candidate
        if model is None:
            continue
        if model.value is not None and values_match(name, model.value, cand.value):
            confidence = max(model.confidence, pick.confidence)
            field = model.model_copy(update={"confidence": confidence, "layout": layout})
        else:
            if (model.value is not None and checked[name].check is None
                    and not _doubted(recalled, name, model.value)):
                sure = min(model.confidence, checked[name].confidence)
                if pick.confidence <= sure:
                    continue  # the model is surer of its value than the layout's history
            elif pick.contradicted > pick.confirmed:
                continue
            confidence = pick.confidence
            field = Field(value=cand.value, confidence=confidence, page=cand.page,
                          box=cand.box, method=cand.method, raw=cand.raw, layout=layout)
        out[name] = (field, Decision(field=name, value=cand.value, score=confidence,
                                     kind="value", candidate=cand))
    for name in recalled.layout.fields.keys() - recalled.picks.keys():
        model = unchecked.get(name)
        memory = recalled.layout.fields[name]
        if (model is not None and model.value is not None
                and (memory.absent or memory.constant) and _doubted(recalled, name, model.value)):
            # The layout's own value is not printed (it was not before, or the vendor's own
            # id is not found), and the model read one corrected before at the same place
            # or another party's id: not printed this time either.
            field = Field(value=None, confidence=_ABSENT_CONFIDENCE, layout=layout)
            out[name] = (field, Decision(field=name, value=None, score=_ABSENT_CONFIDENCE,
                                         kind="none"))
    return out


# A value the layout took away for "not printed" is never auto-accepted on its word.
_ABSENT_CONFIDENCE = 0.5


def _doubted(recalled: Recalled, name: str, value: str) -> bool:
    """``value`` is the one at a place where a value read before was corrected, or an
    identifier other than the vendor's own where a vendor has only one."""
    from skills.extract.extraction import values_match  # noqa: PLC0415
    from skills.layouts.learn import ONE_PER_VENDOR  # noqa: PLC0415

    cand = recalled.doubted.get(name)
    if cand is not None and values_match(name, cand.value, value):
        return True
    own = recalled.layout.fields[name].constant if name in recalled.layout.fields else None
    return name in ONE_PER_VENDOR and own is not None and not values_match(name, own, value)
