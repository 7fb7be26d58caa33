"""``workitems room ...``: serve the Control Room, create its first administrator.

The secret that signs the login form comes from WORKITEMS_ROOM_SECRET (set it when
several server processes share the work); without it each start makes a new one.
"""

from __future__ import annotations

import getpass
import os
import secrets
from typing import Annotated

import typer

from workitems import open_store
from workitems.room import repository as repo
from workitems.room import throttle
from workitems.room.auth import RoomSettings, check_password_strength, check_username, hash_password

room_app = typer.Typer(help="The Control Room web app: exception queue, overview, metrics.",
                       no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="database URL (default: "
                                              "WORKITEMS_DB or sqlite:///output/workitems.db)")]


def settings_from_env(secure_cookies: bool = False) -> RoomSettings:
    """WORKITEMS_ROOM_SECRET, WORKITEMS_ROOM_TRUSTED_PROXIES (addresses whose
    X-Forwarded-For is believed), WORKITEMS_ROOM_FOUR_EYES_AMOUNT (totals above it need a
    second approval) and WORKITEMS_ROOM_APPROVER_ROLE (the second person's role)."""
    amount = os.environ.get("WORKITEMS_ROOM_FOUR_EYES_AMOUNT")
    proxies = os.environ.get("WORKITEMS_ROOM_TRUSTED_PROXIES", "")
    return RoomSettings(secret_key=os.environ.get("WORKITEMS_ROOM_SECRET")
                        or secrets.token_urlsafe(32), secure_cookies=secure_cookies,
                        trusted_proxies=[p.strip() for p in proxies.split(",") if p.strip()],
                        four_eyes_amount=float(amount) if amount else None,
                        approver_role=os.environ.get("WORKITEMS_ROOM_APPROVER_ROLE")
                        or "supervisor")


@room_app.command()
def unlock(
    user: Annotated[str | None, typer.Option(help="the account to unlock")] = None,
    address: Annotated[str | None, typer.Option(help="the client address to unlock")] = None,
    db: DbOption = None,
) -> None:
    """Lift a login lock: forget the failed logins of an account and/or a client address."""
    if user is None and address is None:
        raise typer.BadParameter("name --user, --address, or both")
    with open_store(db) as store:
        forgotten = throttle.unlock(store, username=user, address=address)
        repo.audit(store, "cli", "unlock_login", details={"username": user, "address": address,
                                                          "failures_forgotten": forgotten})
    typer.echo(f"Unlocked ({forgotten} failed logins forgotten).")


@room_app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8080,
    secure_cookies: Annotated[bool, typer.Option(
        help="mark cookies Secure (when a TLS proxy serves the app over HTTPS)")] = False,
) -> None:
    """Serve the Control Room (HTTP; put a TLS proxy in front for other machines)."""
    import uvicorn

    from workitems.room.app import create_app

    store = open_store(db)
    app = create_app(store, settings_from_env(secure_cookies))
    typer.echo(f"Control Room at http://{host}:{port}/ (database {store.dialect})")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    finally:
        store.close()


@room_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(prompt=True, help="the administrator's user name")],
    db: DbOption = None,
    password_env: Annotated[str | None, typer.Option(
        help="read the password from this environment variable instead of asking")] = None,
) -> None:
    """Create an administrator (the first user, or another one)."""
    problem = check_username(username)
    if problem:
        raise typer.BadParameter(problem)
    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise typer.BadParameter("the two passwords differ")
    problem = check_password_strength(password)
    if problem:
        raise typer.BadParameter(problem)
    with open_store(db) as store:
        if repo.user_exists(store, username):
            raise typer.BadParameter(f"user {username!r} already exists")
        user = repo.create_user(store, username, hash_password(password), "admin")
        repo.audit(store, "cli", "create_user", after={"username": username, "role": "admin"},
                   details={"user_id": user.id})
    typer.echo(f"Administrator {username} created.")


@room_app.command("runner-token")
def runner_token(
    name: Annotated[str, typer.Option(help="who holds it, e.g. the worker machine's name")],
    step: Annotated[str, typer.Option(help="the only step whose runs it may start")],
    process: Annotated[str, typer.Option(help="the step's process")] = "ap",
    db: DbOption = None,
) -> None:
    """A token for `workitems worker --via URL` on another machine: it starts runs of one
    step, and each run's bot gets a token of its own that reaches only the run's items."""
    from workitems.room import runs

    problem = check_username(name)
    if problem:
        raise typer.BadParameter(problem.replace("user name", "name"))
    with open_store(db) as store:
        token_id, token = runs.create_runner_token(store, name, process, step)
        repo.audit(store, "cli", "create_runner_token",
                   after={"name": name, "process": process, "step": step},
                   details={"token_id": token_id})
    typer.echo(f"Runner token {token_id} for {process}/{step} ({name}); it is shown only once:")
    typer.echo(token)


@room_app.command("runner-tokens")
def runner_tokens(db: DbOption = None) -> None:
    """The runner tokens: who holds each, which step's runs it starts, when it was last used."""
    from datetime import datetime

    from workitems.room import runs

    def when(epoch: float | None) -> str:
        return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M") if epoch else "-"

    with open_store(db) as store:
        tokens = runs.runner_tokens(store)
    for t in tokens:
        state = f"revoked {when(t['revoked_at'])}" if t["revoked_at"] else "active"
        typer.echo(f"{t['id']:>4}  {t['name']:<24} {t['process']}/{t['step']:<16} "
                   f"made {when(t['created_at'])}  last used {when(t['last_used_at'])}  {state}")
    if not tokens:
        typer.echo("No runner tokens yet: workitems room runner-token --name ... --step ...")


@room_app.command("revoke-runner-token")
def revoke_runner_token(token_id: int, db: DbOption = None) -> None:
    """Revoke a runner token; the runs it started end and their tokens stop working."""
    from workitems.room import runs

    with open_store(db) as store:
        if not runs.revoke_runner_token(store, token_id):
            raise typer.BadParameter(f"no active runner token {token_id}")
        repo.audit(store, "cli", "revoke_runner_token", details={"token_id": token_id})
    typer.echo(f"Runner token {token_id} revoked.")
