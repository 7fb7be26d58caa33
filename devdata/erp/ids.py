"""Generated element ids and CSS classes that change from release to release.

Legacy web frameworks generate ids such as ``ctl00_a3f9c1``; a new release renames
them all, which breaks recorded selectors. Every id and form field name the ERP
renders comes from here, derived from a release string, so a new ``release`` means
new ids while labels and roles stay the same.
"""

from __future__ import annotations

import hashlib
import secrets

DEFAULT_RELEASE = "2024.1"  # the release locators/locators.json was recorded against


def random_release() -> str:
    return f"r{secrets.token_hex(4)}"


class ElementIds:
    def __init__(self, release: str = DEFAULT_RELEASE) -> None:
        self.release = release

    def _hash(self, name: str) -> str:
        return hashlib.sha1(f"{self.release}:{name}".encode()).hexdigest()

    def __call__(self, name: str) -> str:
        """The element id (also used as form field name) for a logical element."""
        h = self._hash(name)
        return f"ctl{h[:2]}_{h[2:8]}"

    def css(self, name: str) -> str:
        """A CSS class that keeps its meaning but changes its spelling between releases."""
        return f"{name}-{self._hash('class:' + name)[:5]}"
