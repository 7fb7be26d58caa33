"""Login throttling: slower, then locked, per account and client; never everyone at once."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from workitems import Store
from workitems.processes import REPO_ROOT
from workitems.room import repository as repo
from workitems.room import throttle
from workitems.room.auth import RoomSettings

from .conftest import PASSWORD


def _try(client, username: str, password: str):
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"login_token": token, "username": username,
                                       "password": password}, follow_redirects=False)


def _age(store: Store, seconds: float) -> None:
    """Let time pass for the throttle: every recorded attempt becomes older."""
    with store.db.transaction() as cur:
        cur.execute("UPDATE room_login_attempts SET at = at - :s", {"s": seconds})


def test_failures_slow_down_then_lock_one_account_from_one_client(
        make_client, room_store: Store, store_url: str) -> None:
    client = make_client()
    for _ in range(3):
        assert _try(client, "clerk2", "wrong password").status_code == 401
    slowed = _try(client, "clerk2", PASSWORD)
    assert slowed.status_code == 429 and "wait" in slowed.text  # even the right password
    _age(room_store, 2)
    assert _try(client, "clerk2", "wrong password").status_code == 401
    _age(room_store, 3)
    assert _try(client, "clerk2", "wrong password").status_code == 401  # the fifth
    _age(room_store, 60)

    locked = _try(client, "clerk2", PASSWORD)
    assert locked.status_code == 429 and "ask an administrator" in locked.text
    # The same client, another account with the right password: not locked out.
    assert _try(client, "admin", PASSWORD).status_code == 303

    done = subprocess.run([sys.executable, "-m", "workitems", "--db", store_url, "room",
                           "unlock", "--user", "clerk2"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 failed logins forgotten" in done.stdout
    assert _try(client, "clerk2", PASSWORD).status_code == 303
    assert any(e.action == "unlock_login" for e in repo.audit_entries(room_store))


def test_one_client_guessing_many_accounts_is_locked(room_store: Store) -> None:
    settings = RoomSettings(secret_key="x", login_client_max=4)
    for name in ("a", "b", "c", "d"):
        repo.record_login_attempt(room_store, name, "198.51.100.7", False)
    with pytest.raises(throttle.TooManyAttempts) as caught:
        throttle.check(room_store, settings, "clerk1", "198.51.100.7")
    assert caught.value.locked
    throttle.check(room_store, settings, "clerk1", "198.51.100.8")  # another client: fine


def test_forwarded_addresses_are_believed_only_from_trusted_proxies() -> None:
    proxies = ["10.0.0.0/8", "192.0.2.1"]
    assert throttle.client_address("192.0.2.1", "203.0.113.9", proxies) == "203.0.113.9"
    assert throttle.client_address("192.0.2.1", "6.6.6.6, 203.0.113.9, 10.1.2.3",
                                   proxies) == "203.0.113.9"  # the nearest untrusted hop
    assert throttle.client_address("203.0.113.50", "1.2.3.4", proxies) == "203.0.113.50"
    assert throttle.client_address("192.0.2.1", None, proxies) == "192.0.2.1"

