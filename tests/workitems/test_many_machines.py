"""Workers on several machines over HTTP, one killed mid-run: every item exactly once.

Each "machine" is a Linux network namespace with its own address, reaching the Control
Room over a virtual link and nothing else (not PostgreSQL, which listens on the host's
loopback), with its own folder for logs and temporary files. The Control Room is a
separate `workitems room serve` process on one PostgreSQL. Needs root (to make the
namespaces); skipped elsewhere.
"""

from __future__ import annotations

import collections
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.workitems.test_worker import STEP, P, wait_for, write_config
from tests.workitems.test_worker_via_http import NO_DATABASE, register, via_command
from workitems import ItemState, Store, open_store
from workitems.processes import REPO_ROOT
from workitems.room import runs
from workitems.room.background import free_port

MACHINES = 3
ITEMS = 60


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass
class Network:
    """A bridge on the host (the Control Room's side) and one namespace per machine."""

    tag: str
    subnet: str

    @property
    def host_address(self) -> str:
        return f"{self.subnet}.1"

    def namespace(self, n: int) -> str:
        return f"wi{self.tag}m{n}"

    def address(self, n: int) -> str:
        return f"{self.subnet}.{10 + n}"

    def up(self, machines: int) -> None:
        bridge = f"wi{self.tag}br"
        _ip("link", "add", bridge, "type", "bridge")
        _ip("addr", "add", f"{self.host_address}/24", "dev", bridge)
        _ip("link", "set", bridge, "up")
        for n in range(1, machines + 1):
            ns, outside, inside = self.namespace(n), f"wi{self.tag}h{n}", f"wi{self.tag}p{n}"
            _ip("netns", "add", ns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", ns)
            _ip("link", "set", outside, "master", bridge)
            _ip("link", "set", outside, "up")
            _ip("-n", ns, "addr", "add", f"{self.address(n)}/24", "dev", inside)
            _ip("-n", ns, "link", "set", inside, "up")
            _ip("-n", ns, "link", "set", "lo", "up")

    def down(self, machines: int) -> None:
        for n in range(1, machines + 1):
            subprocess.run(["ip", "netns", "del", self.namespace(n)], capture_output=True)
        subprocess.run(["ip", "link", "del", f"wi{self.tag}br"], capture_output=True)


@pytest.fixture
def network() -> Iterator[Network]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    net = Network(tag=secrets.token_hex(2), subnet=f"10.{200 + secrets.randbelow(50)}."
                  f"{secrets.randbelow(250)}")
    try:
        net.up(MACHINES)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        net.down(MACHINES)
        pytest.skip(f"cannot make network namespaces here: {exc}")
    yield net
    net.down(MACHINES)


@pytest.fixture
def control_room(pg_url: str, network: Network, tmp_path: Path) -> Iterator[str]:
    """`workitems room serve` on PostgreSQL, listening only on the machines' network."""
    port = free_port()
    env = {**os.environ, "WORKITEMS_ROOM_SECRET": secrets.token_urlsafe(32)}
    server = subprocess.Popen(
        [sys.executable, "-m", "workitems", "room", "serve", "--db", pg_url, "--host",
         network.host_address, "--port", str(port)], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{network.host_address}:{port}"
    try:
        wait_for(lambda: _answers(url), timeout=60, every=0.2)
        yield url
    finally:
        server.terminate()
        server.wait(15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _machine(store: Store, network: Network, n: int, url: str, config: Path, home: Path
             ) -> subprocess.Popen:
    _, token = runs.create_runner_token(store, f"machine-{n}", P, STEP)
    home.mkdir()
    env = {**os.environ, "WORKITEMS_RUNNER_TOKEN": token, "WORKITEMS_DB": NO_DATABASE,
           "HOME": str(home), "TMPDIR": str(home)}
    command = via_command(url, config, home / "logs", slots=2, exit_when_empty=False)
    return subprocess.Popen(["ip", "netns", "exec", network.namespace(n), *command],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(home / "worker.log", "wb"))  # noqa: SIM115


def test_machines_over_http_one_killed_every_item_exactly_once(
        pg_url: str, network: Network, control_room: str, tmp_path: Path) -> None:
    store = open_store(pg_url)
    config = register(store, write_config(tmp_path / "p.yaml", lease="2s"))
    items = [store.create_item(P, STEP, {"n": n, "sleep": 0.3, "output": {"n": n}}).id
             for n in range(ITEMS)]
    # A machine reaches the Control Room, and not the database.
    probe = subprocess.run(["ip", "netns", "exec", network.namespace(1), sys.executable, "-c",
                            "import socket; socket.create_connection(('127.0.0.1', 5432), 2)"],
                           capture_output=True, timeout=30)
    assert probe.returncode != 0, "a machine could reach PostgreSQL"

    machines = {n: _machine(store, network, n, control_room, config, tmp_path / f"m{n}")
                for n in range(1, MACHINES + 1)}
    victim = "via machine-2"

    def victim_is_mid_run() -> bool:
        """It has finished a few items and holds another."""
        finished = sum(1 for e in store.events(limit=100_000)
                       if e.kind == "COMPLETED" and e.actor.endswith(victim))
        return finished >= 3 and any(
            i.lease_owner and i.lease_owner.endswith(victim)
            for i in store.list_items(process=P, step=STEP, state=ItemState.IN_PROGRESS))

    try:
        wait_for(victim_is_mid_run, timeout=120, every=0.05)
        machines[2].send_signal(signal.SIGKILL)  # the machine dies mid-item; its bots too
        machines[2].wait(10)
        wait_for(lambda: store.counts(P).get((P, STEP)) == {"DONE": ITEMS}, timeout=300,
                 every=0.5)
    finally:
        for process in machines.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in machines.values():
            process.wait(60)

    events = store.events(limit=100_000)
    completed = collections.Counter(e.item_id for e in events if e.kind == "COMPLETED")
    assert completed == {i: 1 for i in items}, "every item completed exactly once"
    # What the dead machine held: reserved by it and never completed by it. Read from the
    # log, not from the items at the kill: a completion already on the wire when the
    # machine died is still the Control Room's to finish.
    held = ({e.item_id for e in events if e.kind == "RESERVED" and e.actor.endswith(victim)}
            - {e.item_id for e in events if e.kind == "COMPLETED" and e.actor.endswith(victim)})
    expired = [e.item_id for e in events if e.kind == "LEASE_EXPIRED"]
    assert held and held <= set(expired), "the dead machine's items came back by lease"
    reserved = collections.Counter(e.item_id for e in events if e.kind == "RESERVED")
    assert all(reserved[i] == 1 for i in items if i not in expired), "no item leased twice"
    finishers = collections.Counter(e.actor.rsplit(" via ", 1)[1] for e in events
                                    if e.kind == "COMPLETED")
    print(f"completed per machine: {dict(finishers)}; held by the killed machine: {held}; "
          f"lease expiries: {expired}")
    assert finishers["machine-1"] and finishers["machine-3"]
    outputs = store.list_items(step="b", limit=10_000)
    assert sorted(o.payload["n"] for o in outputs) == list(range(ITEMS)), "one output each"
    store.close()
