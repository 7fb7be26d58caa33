"""Robocorp's work-item protocol served by our Control Room, spoken by the stock
``RobocorpAdapter`` exactly as robocorp ships it, on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from robocorp.workitems import EmptyQueue, RobocorpAdapter, State
from robocorp.workitems._requests import HTTPError

from workitems import ExceptionType, ItemState, RetryPolicy, Step, Store
from workitems.remote import ControlRoom, ControlRoomError, RemoteRunHandle
from workitems.room import RoomSettings, runs
from workitems.room.background import BackgroundServer

P, STEP = "t", "a"


@pytest.fixture
def server(store: Store) -> Iterator[BackgroundServer]:
    store.register_process(P, [Step(process=P, name=STEP, next_step="b", lease_seconds=30,
                                    retry=RetryPolicy(max_attempts=2, initial_seconds=0,
                                                      jitter=0)),
                               Step(process=P, name="b")])
    with BackgroundServer(store, RoomSettings(secret_key="test-secret")) as running:
        yield running


@pytest.fixture
def room(server: BackgroundServer, store: Store) -> Iterator[ControlRoom]:
    _, token = runs.create_runner_token(store, "machine-2", P, STEP)
    client = ControlRoom(server.url, token)
    yield client
    client.close()


def start(room: ControlRoom) -> RemoteRunHandle:
    run, wait = room.start_run(P, "tester")
    assert run is not None, f"no run started (next item in {wait}s)"
    return run


def stock_adapter(run: RemoteRunHandle, monkeypatch: pytest.MonkeyPatch) -> RobocorpAdapter:
    """Robocorp's own adapter, configured only by the environment a worker gives a bot."""
    for name, value in run.environment().items():
        monkeypatch.setenv(name, value)
    return RobocorpAdapter()


def test_reserve_payload_files_outputs_and_done(store: Store, room: ControlRoom,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.create_item(P, STEP, {"document": "DOC-1", "n": [1, 2]},
                              {"scan 1.pdf": b"%PDF-1.7 first", "notes.txt": b"hello"}).id
    second = store.create_item(P, STEP, "a string payload").id
    adapter = stock_adapter(start(room), monkeypatch)

    item = adapter.reserve_input()
    assert item == str(first)
    assert store.get_item(first).state is ItemState.IN_PROGRESS
    assert adapter.load_payload(item) == {"document": "DOC-1", "n": [1, 2]}
    assert adapter.list_files(item) == ["notes.txt", "scan 1.pdf"]
    assert adapter.get_file(item, "scan 1.pdf") == b"%PDF-1.7 first"
    adapter.save_payload(item, {"document": "DOC-1", "checked": True})
    adapter.add_file(item, "report ü#1.bin", bytes(range(256)) * 100)
    adapter.remove_file(item, "notes.txt")
    with pytest.raises(FileNotFoundError):
        adapter.get_file(item, "notes.txt")
    output = adapter.create_output(item, {"posted": "5100000001"})
    adapter.add_file(output, "receipt.txt", b"ok")
    assert adapter.load_payload(output) == {"posted": "5100000001"}
    assert adapter.list_files(output) == ["receipt.txt"]
    assert store.list_items(step="b") == [], "an output waits for its input to complete"
    adapter.release_input(item, State.DONE)

    done = store.get_item(first)
    assert (done.state, done.payload, done.files) == (
        ItemState.DONE, {"document": "DOC-1", "checked": True}, ["report ü#1.bin", "scan 1.pdf"])
    assert store.get_file(first, "report ü#1.bin") == bytes(range(256)) * 100
    [published] = store.list_items(step="b")
    assert (published.id, published.parent_id, published.payload) == (
        int(output), first, {"posted": "5100000001"})
    assert store.get_file(published.id, "receipt.txt") == b"ok"

    assert adapter.reserve_input() == str(second)
    assert adapter.load_payload(str(second)) == "a string payload"
    adapter.release_input(str(second), State.DONE)
    with pytest.raises(EmptyQueue):
        adapter.reserve_input()
    kinds = [e.kind for e in store.events(first)]
    assert kinds.count("RESERVED") == 1 and kinds.count("COMPLETED") == 1
    assert {e.actor for e in store.events(first) if e.kind != "CREATED"} == {
        "tester via machine-2"}


def test_release_with_business_and_application_exceptions(
        store: Store, room: ControlRoom, monkeypatch: pytest.MonkeyPatch) -> None:
    business = store.create_item(P, STEP, {"n": 1}).id
    flaky = store.create_item(P, STEP, {"n": 2}).id
    adapter = stock_adapter(start(room), monkeypatch)

    item = adapter.reserve_input()
    adapter.create_output(item, {"half": "made"})
    adapter.release_input(item, State.FAILED, {"type": "BUSINESS", "code": "UNKNOWN_VENDOR",
                                               "message": "  no such vendor  "})
    failed = store.get_item(business)
    assert (failed.state, failed.exception_type, failed.exception_code,
            failed.exception_message) == (ItemState.FAILED, ExceptionType.BUSINESS,
                                          "UNKNOWN_VENDOR", "no such vendor")
    assert store.list_items(step="b") == [], "a failed attempt's outputs are discarded"

    assert adapter.reserve_input() == str(flaky)
    adapter.release_input(str(flaky), State.FAILED, {"type": "APPLICATION",
                                                     "code": "ERP_UNAVAILABLE",
                                                     "message": "timeout"})
    retried = store.get_item(flaky)
    assert (retried.state, retried.attempts, retried.exception_code) == (
        ItemState.PENDING, 1, "ERP_UNAVAILABLE")
    assert adapter.reserve_input() == str(flaky), "retried at once (initial_seconds: 0)"
    adapter.release_input(str(flaky), State.FAILED, {"type": "APPLICATION", "code": "X",
                                                     "message": "again"})
    gave_up = store.get_item(flaky)
    assert (gave_up.state, gave_up.attempts) == (ItemState.FAILED, 2)


def test_a_token_reaches_only_its_own_run(store: Store, room: ControlRoom,
                                          server: BackgroundServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    mine = store.create_item(P, STEP, {"n": 1}, {"f.txt": b"mine"}).id
    theirs = store.create_item(P, STEP, {"n": 2}, {"f.txt": b"theirs"}).id
    waiting = store.create_item(P, STEP, {"n": 3}).id
    my_run, their_run = start(room), start(room)
    assert (my_run.item_id, their_run.item_id) == (str(mine), str(theirs))
    adapter = stock_adapter(my_run, monkeypatch)
    assert adapter.reserve_input() == str(mine)

    for call in (lambda: adapter.load_payload(str(theirs)),
                 lambda: adapter.save_payload(str(theirs), {"stolen": True}),
                 lambda: adapter.list_files(str(theirs)),
                 lambda: adapter.create_output(str(theirs), {}),
                 lambda: adapter.load_payload(str(waiting)),
                 lambda: adapter.load_payload("999999")):
        with pytest.raises(HTTPError) as refused:
            call()
        assert refused.value.status_code == 403, refused.value
    with pytest.raises(HTTPError) as refused:
        adapter.release_input(str(theirs), State.DONE)
    assert refused.value.status_code == 409  # not the item this run holds

    # My token on the other run's own endpoints, and no token at all.
    client = httpx.Client(base_url=server.url)
    url = their_run.robot_run_url("reserve-next-work-item").removeprefix(server.url)
    assert client.post(url, headers={"Authorization": f"Bearer {my_run.token}"}
                       ).status_code == 403
    assert client.post(url).status_code == 401
    assert client.post(url, headers={"Authorization": "Bearer forged"}).status_code == 401
    # The runner token starts runs and does nothing else; a run token cannot start runs.
    runner = ControlRoom(server.url, my_run.token)
    with pytest.raises(ControlRoomError, match="401"):
        runner.start_run(P, "intruder")
    # Another step's or process's runs are not the runner token's to start.
    _, other = runs.create_runner_token(store, "machine-3", "other", STEP)
    with pytest.raises(ControlRoomError, match="403"):
        ControlRoom(server.url, other).start_run(P, "intruder")

    assert store.get_item(theirs).payload == {"n": 2}
    assert store.get_item(waiting).state is ItemState.PENDING
    adapter.release_input(str(mine), State.DONE)
    room.finish(my_run)
    with pytest.raises(HTTPError) as ended:
        adapter.reserve_input()
    assert ended.value.status_code == 401, "a finished run's token is dead"


def test_a_lost_lease_is_refused_and_the_item_is_done_once(
        store: Store, room: ControlRoom, monkeypatch: pytest.MonkeyPatch) -> None:
    store.register_process(P, [Step(process=P, name=STEP, next_step="b", lease_seconds=1)])
    item_id = store.create_item(P, STEP, {"n": 1}).id
    stalled = start(room)  # nobody renews its lease: a bot paused, its worker gone
    adapter = stock_adapter(stalled, monkeypatch)
    assert adapter.reserve_input() == str(item_id)
    time.sleep(1.5)

    second = start(room)  # the item came back and another run has it
    assert second.item_id == str(item_id)
    for call in (lambda: adapter.save_payload(str(item_id), {"late": True}),
                 lambda: adapter.create_output(str(item_id), {"late": True}),
                 lambda: adapter.release_input(str(item_id), State.DONE)):
        with pytest.raises(HTTPError) as refused:
            call()
        assert (refused.value.status_code, refused.value.reason) == (409, "LEASE_LOST")

    other = stock_adapter(second, monkeypatch)
    assert other.reserve_input() == str(item_id)
    other.release_input(str(item_id), State.DONE)
    item = store.get_item(item_id)
    assert (item.state, item.attempts, item.payload) == (ItemState.DONE, 2, {"n": 1})
    kinds = [e.kind for e in store.events(item_id)]
    assert (kinds.count("LEASE_EXPIRED"), kinds.count("COMPLETED")) == (1, 1)


def test_heartbeats_keep_the_lease_and_a_retried_request_is_answered_the_same(
        store: Store, room: ControlRoom, server: BackgroundServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store.register_process(P, [Step(process=P, name=STEP, lease_seconds=1)])
    item_id = store.create_item(P, STEP, {"n": 1}).id
    spare = store.create_item(P, STEP, {"n": 2}).id
    run = start(room)
    for _ in range(8):  # four lease lengths
        time.sleep(0.4)
        room.heartbeat(run)
    store.reclaim_expired()
    assert store.get_item(item_id).state is ItemState.IN_PROGRESS
    assert "LEASE_EXPIRED" not in [e.kind for e in store.events(item_id)]

    # A client that lost the answer asks again: the same item, not a second one.
    client = httpx.Client(base_url=server.url,
                          headers={"Authorization": f"Bearer {run.token}"})
    url = run.robot_run_url("reserve-next-work-item").removeprefix(server.url)
    assert client.post(url).json() == {"workItemId": str(item_id)}
    release = run.robot_run_url("release-work-item").removeprefix(server.url)
    body = {"workItemId": str(item_id), "state": "COMPLETED"}
    assert client.post(release, json=body).status_code == 200
    assert client.post(release, json=body).status_code == 200, "released twice: no-op"
    assert store.get_item(spare).state is ItemState.PENDING
    assert [e.kind for e in store.events(item_id)].count("COMPLETED") == 1


def test_runner_tokens_from_the_command_line(store: Store, store_url: str,
                                             server: BackgroundServer) -> None:
    from typer.testing import CliRunner

    from workitems.room.cli import room_app

    store.create_item(P, STEP, {"n": 1})
    cli = CliRunner()
    made = cli.invoke(room_app, ["runner-token", "--db", store_url, "--name", "machine-9",
                                 "--process", P, "--step", STEP])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    token_id = int(made.output.split()[2])
    room = ControlRoom(server.url, token)
    run = start(room)
    assert [t["name"] for t in runs.runner_tokens(store)] == ["machine-9"]

    listed = cli.invoke(room_app, ["runner-tokens", "--db", store_url])
    assert "machine-9" in listed.output and "active" in listed.output, listed.output
    revoked = cli.invoke(room_app, ["revoke-runner-token", str(token_id), "--db", store_url])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in cli.invoke(room_app, ["runner-tokens", "--db", store_url]).output
    with pytest.raises(ControlRoomError, match="401"):
        room.start_run(P, "after revocation")
    with pytest.raises(ControlRoomError, match="401"):
        room.heartbeat(run)  # the runs it started ended with it
    room.close()


def test_migrate_registers_the_steps_remote_runs_work_by(store_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tests.workitems.test_worker import write_config
    from workitems import open_store
    from workitems.cli import app

    config = write_config(tmp_path / "p.yaml", lease="7s", max_attempts=4)
    done = CliRunner().invoke(app, ["--db", store_url, "migrate", "--config", str(config)])
    assert done.exit_code == 0, done.output
    with open_store(store_url) as fresh:
        step = fresh.step(P, STEP)
    assert (step.lease_seconds, step.retry.max_attempts, step.next_step) == (7, 4, "b")


def test_bad_input_is_refused_with_a_code(store: Store, room: ControlRoom,
                                          server: BackgroundServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = store.create_item(P, STEP, {"n": 1}).id
    run = start(room)
    adapter = stock_adapter(run, monkeypatch)
    item = adapter.reserve_input()
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    for call, code in ((lambda: adapter.add_file(item, "../etc/passwd", b"x"),
                        "INVALID_FILE_NAME"),
                       (lambda: adapter.add_file(item, "big.bin", b"x" * (
                           store.settings.max_file_bytes + 1)), "FILE_TOO_LARGE"),
                       (lambda: adapter.save_payload(item, deep), "INVALID_PAYLOAD")):
        with pytest.raises(HTTPError) as refused:
            call()
        assert (refused.value.status_code, refused.value.reason) == (400, code)
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {run.token}"})
    release = run.robot_run_url("release-work-item").removeprefix(server.url)
    answer = client.post(release, json={"workItemId": item, "state": "MAYBE"})
    assert answer.status_code == 400 and "COMPLETED or FAILED" in answer.text
    assert store.get_item(item_id).state is ItemState.IN_PROGRESS, "the bot can still finish it"
    adapter.release_input(item, State.DONE)
    assert store.get_item(item_id).files == []


def test_concurrent_reserves_of_one_run_get_one_item(store: Store, room: ControlRoom,
                                                     server: BackgroundServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    first = store.create_item(P, STEP, {"n": 0}).id
    for n in range(1, 6):
        store.create_item(P, STEP, {"n": n})
    run = start(room)
    headers = {"Authorization": f"Bearer {run.token}"}
    release = run.robot_run_url("release-work-item")
    assert httpx.post(release, json={"workItemId": str(first), "state": "COMPLETED"},
                      headers=headers).status_code == 200
    url = run.robot_run_url("reserve-next-work-item")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.post(url, headers=headers).json()["workItemId"],
                                range(4)))
    assert len(set(answers)) == 1 and answers[0] is not None, answers
    reserved = [e for e in store.events(limit=1000) if e.kind == "RESERVED"]
    assert len(reserved) == 2, "the first item and one more, not one per request"
    assert len(store.list_items(process=P, step=STEP, state=ItemState.IN_PROGRESS)) == 1
