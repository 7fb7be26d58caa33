"""On a machine without PostgreSQL or dovecot, `make test` skips those tests and says why
(and fails instead under CI, where they must run)."""

from __future__ import annotations

import pytest

import tests.conftest as shared
from tests.tasks import imap_server


def test_no_dovecot_skips_the_imap_tests_with_the_package_to_install(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(imap_server, "DOVECOT", "/nonexistent/dovecot")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install dovecot-imapd"):
        imap_server.dovecot_or_skip()
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="dovecot is not installed"):
        imap_server.dovecot_or_skip()


def test_an_unreachable_postgresql_is_a_reason_not_an_error(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(shared, "PG_URL", "postgresql://postgres@127.0.0.1:1/test")
    reason = shared._pg_reachable()
    assert reason is not None and "refused" in reason.lower()
