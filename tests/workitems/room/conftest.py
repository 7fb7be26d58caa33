"""Fixtures for the Control Room: a store with users, a logged-in HTTP client,
and the real app served by uvicorn on a free port (for the browser tests)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tasks.browser import launch_browser
from workitems import Store, open_store
from workitems.room import RoomSettings, create_app
from workitems.room import repository as repo
from workitems.room.auth import hash_password, use_hasher
from workitems.room.background import BackgroundServer

PASSWORD = "correct horse battery"
USERS = {"clerk1": "clerk", "clerk2": "clerk", "sup": "supervisor", "admin": "admin"}


# argon2 with its production cost takes most of a second per login on a busy test
# machine; the tests check who may log in, not argon2's cost.
use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def add_users(store: Store) -> None:
    hashed = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    for name, role in USERS.items():
        repo.create_user(store, name, hashed, role)


def settings() -> RoomSettings:
    return RoomSettings(secret_key="test-secret")


@pytest.fixture
def room_store(store: Store) -> Store:
    """The shared ``store`` fixture (SQLite, then PostgreSQL) with the test users."""
    add_users(store)
    return store


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post("/login", data={"login_token": token.group(1), "username": username,
                                           "password": password, "next": "/queue"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def make_client(room_store: Store) -> Iterator:
    app = create_app(room_store, settings())
    clients: list[TestClient] = []

    def make(username: str | None = None) -> TestClient:
        client = TestClient(app, base_url="http://127.0.0.1")
        clients.append(client)
        return login(client, username) if username else client

    yield make
    for client in clients:
        client.close()


class LiveServer(BackgroundServer):
    """The app under uvicorn on a free port, as `workitems room serve` runs it."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, settings())


@pytest.fixture(scope="module")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("room") / "workitems.db"
    with open_store(f"sqlite:///{path}") as store:
        add_users(store)
        yield store


@pytest.fixture(scope="module")
def live_server(live_store: Store) -> Iterator[LiveServer]:
    with LiveServer(live_store) as server:
        yield server


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens (one per user), closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_browser(headless=True, playwright=playwright)
        yield chromium
        chromium.close()
