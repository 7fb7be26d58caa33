"""Login throttling: per account and per client, slowing down before locking.

Failed logins are counted in the window (``RoomSettings.login_window_seconds``) three
ways, so that no one can lock everyone out and no one can guess freely:

- one account from one client: after ``login_slow_after`` failures each new try waits
  twice as long as the last (1 s, 2 s, 4 s ...); after ``login_max_failures`` that
  client is locked out of that account for the window;
- one account from anywhere: the same doubling wait after ``login_max_failures``
  failures, never a lock (else anyone could lock a colleague out by guessing);
- one client, any accounts (password spraying): locked after ``login_client_max``.

The client is the peer address, or, when the peer is one of ``trusted_proxies``, the
address the proxy names in ``X-Forwarded-For`` (the nearest one that is not a trusted
proxy itself); a forwarding header from anyone else is ignored. An administrator lifts
a lock with ``workitems room unlock``.
"""

from __future__ import annotations

import ipaddress
import time

from workitems import Store

MAX_WAIT_SECONDS = 300.0


class TooManyAttempts(Exception):  # noqa: N818 - the name the callers already use
    def __init__(self, wait_seconds: float, locked: bool) -> None:
        super().__init__(f"wait {wait_seconds:.0f} s")
        self.wait_seconds = wait_seconds
        self.locked = locked

    @property
    def message(self) -> str:
        if self.locked:
            minutes = max(round(self.wait_seconds / 60), 1)
            return (f"Too many failed logins. Try again in about {minutes} minute(s), or ask "
                    "an administrator to unlock your account.")
        return (f"Too many failed logins: wait {self.wait_seconds:.0f} seconds before the "
                "next try.")


def check(store: Store, settings, username: str, address: str) -> None:  # noqa: ANN001
    """Raise TooManyAttempts when this try must wait or is locked out."""
    now = time.time()
    window = settings.login_window_seconds
    since = now - window
    pair = _failures(store, since, username=username, address=address)
    account = _failures(store, since, username=username)
    client = _failures(store, since, address=address)
    if len(pair) >= settings.login_max_failures:
        raise TooManyAttempts(pair[-1] + window - now, locked=True)
    if len(client) >= settings.login_client_max:
        raise TooManyAttempts(client[-1] + window - now, locked=True)
    for failures, start in ((pair, settings.login_slow_after),
                            (account, settings.login_max_failures)):
        if len(failures) >= start:
            wait = min(2.0 ** (len(failures) - start), MAX_WAIT_SECONDS)
            left = failures[-1] + wait - now
            if left > 0:
                raise TooManyAttempts(left, locked=False)


def unlock(store: Store, *, username: str | None = None, address: str | None = None) -> int:
    """Forget the failed logins of an account and/or a client; how many were forgotten."""
    where, params = _where(username=username, address=address)
    if not where:
        raise ValueError("name a user, an address, or both")
    with store.db.transaction() as cur:
        rows = cur.execute(f"DELETE FROM room_login_attempts WHERE ok = 0 AND {where} "
                           "RETURNING id", params)
    return len(rows)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted_proxies: list[str]) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded."""
    if not peer:
        return "unknown"
    if not forwarded_for or not _trusted(peer, trusted_proxies):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, trusted_proxies):
            return hop[:64]
    return peer


def _trusted(address: str, proxies: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(p, strict=False) for p in proxies)


def _failures(store: Store, since: float, **who: str) -> list[float]:
    """Times of the failed logins since ``since`` for the given user name and/or address."""
    where, params = _where(**who)
    with store.db.transaction(write=False) as cur:
        rows = cur.execute(f"SELECT at FROM room_login_attempts WHERE ok = 0 AND at > :since "
                           f"AND {where} ORDER BY at", {**params, "since": since})
    return [float(r["at"]) for r in rows]


def _where(*, username: str | None = None, address: str | None = None
           ) -> tuple[str, dict[str, str]]:
    parts, params = [], {}
    if username is not None:
        parts.append("username = :u")
        params["u"] = username
    if address is not None:
        parts.append("address = :a")
        params["a"] = address
    return " AND ".join(parts), params
