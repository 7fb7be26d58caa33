"""Find screen elements by name, with fallbacks, from ``locators/locators.json``.

Entries use Robocorp's browser locator format (``type``, ``strategy``, ``value``,
``source``) plus a ``fallbacks`` list. Recorded ids break when the ERP ships a new
release; labels and ARIA roles usually survive, so each entry names those as
fallbacks. :meth:`Locators.find` tries the primary and then each fallback, logs which
one hit, and raises ``LOCATOR_NOT_FOUND`` naming the entry when none does.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Locator
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skills.errors import ErrorCode, application_error

LOCATORS_FILE = Path(__file__).resolve().parents[1] / "locators" / "locators.json"
log = logging.getLogger(__name__)
# What Playwright's selectors add to CSS (">> nth=0", ":text-is(...)", ":visible"...): a
# selector using them is not one page script can query.
_PLAYWRIGHT_ONLY = re.compile(r">>|:(?:text|has-text|visible|nth-match|left-of|right-of|above|"
                              r"below|near)\b")

StrategyName = Literal["css", "xpath", "id", "label", "role", "text", "placeholder"]


class Strategy(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    strategy: StrategyName
    value: str = ""  # css / xpath / id / label text / visible text / placeholder
    role: str = ""  # ARIA role, for strategy "role"
    name: str = ""  # accessible name, for strategy "role"
    exact: bool = True  # label, role name and text match the whole string

    def describe(self) -> str:
        if self.strategy == "role":
            return f"role {self.role} named {self.name!r}"
        return f"{self.strategy} {self.value!r}"

    def locate(self, scope: Any) -> Locator:
        """The Playwright locator for this strategy inside a page, frame or element."""
        if self.strategy == "css":
            return scope.locator(self.value)
        if self.strategy == "xpath":
            return scope.locator(f"xpath={self.value}")
        if self.strategy == "id":
            return scope.locator(f"[id={json.dumps(self.value)}]")
        if self.strategy == "label":
            return scope.get_by_label(self.value, exact=self.exact)
        if self.strategy == "role":
            if self.name:
                return scope.get_by_role(self.role, name=self.name, exact=self.exact)
            return scope.get_by_role(self.role)
        if self.strategy == "text":
            return scope.get_by_text(self.value, exact=self.exact)
        return scope.get_by_placeholder(self.value, exact=self.exact)


class LocatorEntry(Strategy):
    """One named element: Robocorp fields plus the fallbacks tried after the primary."""

    type: Literal["browser"] = "browser"
    source: str = ""  # the screen it was recorded on
    fallbacks: tuple[Strategy, ...] = Field(default_factory=tuple)

    @property
    def strategies(self) -> list[Strategy]:
        primary = Strategy.model_validate(self.model_dump(include=set(Strategy.model_fields)))
        return [primary, *self.fallbacks]


class Locators:
    """Named locators; ``find(scope, name)`` returns the first strategy that matches."""

    def __init__(self, entries: dict[str, LocatorEntry]) -> None:
        self.entries = entries
        self.last_hit: dict[str, str] = {}  # name -> the strategy that found it last time
        self._hit_index: dict[str, int] = {}  # name -> index of that strategy
        self._trusted: set[str] = set()  # names whose last hit has not failed since

    @classmethod
    def load(cls, path: Path | str = LOCATORS_FILE) -> Locators:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = {name: LocatorEntry.model_validate(e) for name, e in raw.items()}
        except (OSError, ValueError, AttributeError, ValidationError) as exc:
            raise ValueError(f"cannot load locators from {Path(path).name}: {exc}") from exc
        return cls(entries)

    def find(self, scope: Any, name: str, timeout_ms: float = 5000) -> Locator:
        """The element named ``name`` inside ``scope`` (a Page, Frame, FrameLocator, Locator).

        Polls every strategy until one matches or ``timeout_ms`` passes, so elements
        added by a page's script are found too. Once a strategy has found the element,
        later calls return that strategy's locator without looking first (one round trip
        to the browser less per element); after a failure, :meth:`distrust` makes them
        look again.
        """
        if name in self._trusted:
            return self._strategies(name)[self._hit_index.get(name, 0)].locate(scope).first
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            if (found := self.find_optional(scope, name)) is not None:
                self._trusted.add(name)
                return found
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        tried = "; ".join(s.describe() for s in self._strategies(name))
        raise application_error(
            ErrorCode.LOCATOR_NOT_FOUND,
            f"Screen element '{name}' not found by any of its locators ({tried}).",
        )

    def script_css(self, name: str) -> str | None:
        """The plain CSS selector page script should try first for ``name``: the strategy
        that found it last, the primary until one has; None when that strategy is not
        plain CSS. Script that finds nothing with it falls back to :meth:`find`, so the
        selector needs no trust: a new release's ids simply miss."""
        strategy = self._strategies(name)[self._hit_index.get(name, 0)]
        if strategy.strategy == "css":
            return None if _PLAYWRIGHT_ONLY.search(strategy.value) else strategy.value
        if strategy.strategy == "id":
            return f"[id={json.dumps(strategy.value)}]"
        return None

    def distrust(self) -> None:
        """Look for every element again: a new release may have changed the screens."""
        self._trusted.clear()

    def find_optional(self, scope: Any, name: str) -> Locator | None:
        """The element if it is on the screen now (one pass, no waiting), else None."""
        strategies = list(enumerate(self._strategies(name)))
        # The strategy that hit last time goes first: after a release changed the ids,
        # each lookup then costs one query instead of one per broken strategy.
        remembered = self._hit_index.get(name, 0)
        strategies.sort(key=lambda pair: pair[0] != remembered)
        for index, strategy in strategies:
            found = strategy.locate(scope)
            if found.count() > 0:
                self._note_hit(name, index, strategy)
                return found.first
        return None

    def _strategies(self, name: str) -> list[Strategy]:
        entry = self.entries.get(name)
        if entry is None:
            raise application_error(
                ErrorCode.LOCATOR_NOT_FOUND, f"No locator named '{name}' in locators.json."
            )
        return entry.strategies

    def _note_hit(self, name: str, index: int, strategy: Strategy) -> None:
        changed = self._hit_index.get(name, 0) != index
        self._hit_index[name] = index
        self.last_hit[name] = strategy.describe()
        if index == 0:
            log.debug("locator %s: primary %s", name, strategy.describe())
        elif changed:
            # The recorded selector no longer works: worth re-recording locators.json.
            log.warning("locator %s: primary missed, fallback %d hit (%s)", name, index,
                        strategy.describe())
        else:
            log.debug("locator %s: fallback %d %s", name, index, strategy.describe())
