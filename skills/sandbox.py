"""Run the parsing of untrusted files in child processes bounded in memory and time.

A parser (pdfium above all) can be made to allocate gigabytes or loop for minutes by a
small hostile file, in ways no list of checks foresees. So the parsing runs in a pooled
child process (``python -m skills.sandbox``) whose address space is capped with
``RLIMIT_AS`` and which the parent kills at a deadline. A child that dies or is killed
ends the job as :class:`~skills.errors.UnreadableDocument`; the next job gets a fresh
child. The pool keeps children alive between jobs, so a job costs a pipe round trip, not
a process start, and several threads may run jobs at once (each on its own child).

A job is a generator function named in :data:`JOBS`; it gets the file's bytes and a dict
of arguments and yields messages ``(header, blob)``: a JSON-able dict and raw bytes
(a rendered page, say). Nothing from the child is unpickled: a compromised child can at
most send wrong data.

Where ``resource`` is missing (Windows), jobs run in the calling process: the checks
inside the jobs still apply, only the unforeseen case is not bounded.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from skills.errors import UnreadableDocument

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Message = tuple[dict[str, Any], bytes | bytearray | memoryview]
Job = Callable[[bytes, dict[str, Any]], Iterator[Message]]

# What a child may run: name -> "module:function". Only these are ever imported there.
JOBS = {
    "read_pdf": "skills.pdf_jobs:read_pdf",
    "read_image": "skills.pdf_jobs:read_image",
    "read_xml": "skills.pdf_jobs:read_xml",
    "page_sizes": "skills.pdf_jobs:page_sizes",
    "render_view": "skills.pdf_jobs:render_view",
}

# How much a child may grow above what it holds after start-up (its address space,
# which bounds its resident memory too). A born-digital page needs a few MB; a page
# rendered for OCR within ReadOptions.max_ocr_pixels needs up to about 60; an image file
# of ReadOptions.max_image_pixels (40 megapixels), decoded and scaled down for OCR, up
# to about 200 (a PNG with alpha: Pillow keeps 4 bytes a pixel).
DEFAULT_MEMORY_BYTES = 300 * 1024 * 1024
_HEADER = struct.Struct(">IQ")  # header length, blob length
_MAX_HEADER = 64 * 1024 * 1024


def run(job: str, data: bytes, args: dict[str, Any], *, seconds: float,
        label: str = "The document", limit: float | None = None) -> Iterator[Message]:
    """The messages of ``job`` run on ``data``, within ``seconds`` in all.

    A job that runs out of time or memory, or whose child dies, raises
    :class:`UnreadableDocument` with ``label`` and the time ``limit`` (default
    ``seconds``) in the message."""
    return POOL.run(job, data, args, seconds=seconds, label=label, limit=limit)


class Pool:
    """Idle children kept for the next job; a job takes one, or starts one if none is idle."""

    def __init__(self, memory_bytes: int = DEFAULT_MEMORY_BYTES, keep_idle: int = 4) -> None:
        self.memory_bytes = memory_bytes
        self.keep_idle = keep_idle
        self._idle: list[_Child] = []
        self._lock = threading.Lock()  # guards the idle list only, never held during a job

    def run(self, job: str, data: bytes, args: dict[str, Any], *, seconds: float,
            label: str = "The document", limit: float | None = None) -> Iterator[Message]:
        if resource is None or os.environ.get("AP_SANDBOX") == "off":
            yield from _load(job)(data, args)
            return
        child = self._take()
        deadline = time.monotonic() + seconds
        finished = False
        try:
            child.send(job, data, args)
            while True:
                header, blob = child.receive(deadline, limit or seconds, label)
                if header.get("kind") == "end":
                    finished = True
                    return
                if header.get("kind") == "error":
                    finished = True
                    raise _as_error(header, label)
                yield header, blob
        finally:
            self._give_back(child, finished)

    def close(self) -> None:
        """Stop the idle children (running jobs keep theirs until they end)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.stop()

    def warm(self, count: int) -> None:
        """Start children until ``count`` are idle (they import while the caller goes on)."""
        with self._lock:
            missing = max(min(count, self.keep_idle) - len(self._idle), 0)
            self._idle += [_Child.start(self.memory_bytes) for _ in range(missing)]

    def _take(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.alive():
                    if not self._idle:  # a spare for the next caller, starting meanwhile
                        self._idle.append(_Child.start(self.memory_bytes))
                    return child
        return _Child.start(self.memory_bytes)

    def _give_back(self, child: _Child, finished: bool) -> None:
        # A job abandoned half-way (deadline, a consumer that stopped reading) leaves
        # the child mid-stream: it cannot serve another job.
        if finished and child.alive():
            with self._lock:
                if len(self._idle) < self.keep_idle:
                    self._idle.append(child)
                    return
        child.stop()


def _as_error(header: dict[str, Any], label: str) -> UnreadableDocument:
    if header.get("reason") == "bug":
        log.error("reading failed in the sandbox: %s", header.get("detail"))
        return UnreadableDocument(
            f"{label} could not be read ({header.get('message')}). Open it by hand; if it "
            "looks fine, report the file to the bot's maintainers.")
    if header.get("reason") == "memory":
        return _memory_error(label)
    return UnreadableDocument(str(header.get("message")))


def _memory_error(label: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"{label} needs more memory to read than is allowed for one document; it may be "
        "built to attack the reader. Open it by hand, or ask the sender for a plain PDF.")


class _Child:
    """One child process and its two pipes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.stdin: BinaryIO = process.stdin  # type: ignore[assignment]
        self.stdout: BinaryIO = process.stdout  # type: ignore[assignment]

    @classmethod
    def start(cls, memory_bytes: int) -> _Child:
        env = dict(os.environ)
        # One thread per numeric library: each extra thread reserves address space.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        env["AP_SANDBOX_MEMORY"] = str(memory_bytes)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        process = subprocess.Popen([sys.executable, "-m", "skills.sandbox"], env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   start_new_session=True)
        return cls(process)

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, job: str, data: bytes, args: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the child is gone: receive() reports it
            _write(self.stdin, {"job": job, "args": args}, data)

    def receive(self, deadline: float, seconds: float, label: str) -> Message:
        try:
            return _read(self.stdout, deadline)
        except TimeoutError:
            self.stop()
            raise UnreadableDocument(
                f"Reading {label} stopped: the {seconds:g} s time limit for one document "
                "was reached. Open it by hand, or ask the sender for a simpler file.") from None
        except EOFError:
            code = self.process.wait()
            log.warning("the reading process ended with %s", code)
            raise _memory_error(label) from None

    def stop(self) -> None:
        _note_peak(self.process.pid)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pipe in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


_peak_kb = 0  # the largest resident peak of a child seen when it was stopped


def peak_child_rss_mb() -> float:
    """The highest peak resident memory of a child stopped so far (stop the pool first to
    count the idle ones). Measured in the child itself: the usual RUSAGE_CHILDREN figure
    counts the parent's memory at the moment the child was forked, not the child's."""
    return _peak_kb / 1024


def _note_peak(pid: int) -> None:
    global _peak_kb
    _peak_kb = max(_peak_kb, int(peak_rss_mb(pid) * 1024))


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's own peak resident memory (VmHWM; 0 when unknown). Unlike
    ``getrusage``'s ru_maxrss it starts afresh at exec, so a process started by a large
    one does not inherit its parent's figure."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass  # gone already, or no /proc
    return 0.0


# -- the wire: a fixed header, a JSON header, a blob ---------------------------------------


def _write(out: BinaryIO, header: dict[str, Any], blob: bytes = b"") -> None:
    text = json.dumps(header).encode()
    out.write(_HEADER.pack(len(text), len(blob)) + text)
    out.write(blob)
    out.flush()


def _read(stream: BinaryIO, deadline: float | None = None) -> Message:
    size, blob_size = _HEADER.unpack(_exactly(stream, _HEADER.size, deadline))
    if size > _MAX_HEADER:
        raise EOFError("message header too large")
    header = json.loads(_exactly(stream, size, deadline))
    return header, _exactly(stream, blob_size, deadline)


def _exactly(stream: BinaryIO, count: int, deadline: float | None) -> bytearray:
    """``count`` bytes read into one buffer (a page image is read without a second copy)."""
    fd = stream.fileno()
    buffer = bytearray(count)
    view, got = memoryview(buffer), 0
    while got < count:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        read = os.readv(fd, [view[got:got + min(count - got, 1 << 20)]])
        if not read:
            raise EOFError
        got += read
    return buffer


# -- the child ---------------------------------------------------------------------------


def _load(job: str) -> Job:
    module, _, name = JOBS[job].partition(":")
    return getattr(importlib.import_module(module), name)


def _limit_memory(extra: int) -> None:
    """Cap the address space at what the process maps now plus ``extra`` bytes."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _exit_with_parent() -> None:
    """End this child when its parent dies (a worker killed with -9 cannot stop it), even
    in the middle of a slow page."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="sandbox-parent-watch").start()


def _serve() -> None:
    _exit_with_parent()
    # The protocol owns the real stdout; anything a library prints goes to stderr.
    wire_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    wire_in = os.fdopen(os.dup(0), "rb")
    for job in JOBS:
        _load(job)  # import everything before the cap, so the cap is for the data only
    _limit_memory(int(os.environ.get("AP_SANDBOX_MEMORY", DEFAULT_MEMORY_BYTES)))
    while True:
        try:
            request, data = _read(wire_in)
        except EOFError:
            return
        _serve_one(wire_out, request, data)


def _serve_one(out: BinaryIO, request: dict[str, Any], data: bytes) -> None:
    try:
        for header, blob in _load(request["job"])(bytes(data), request["args"]):
            _write(out, header, blob)
    except UnreadableDocument as exc:
        _write(out, {"kind": "error", "reason": "unreadable", "message": exc.message or str(exc)})
    except MemoryError:
        _write(out, {"kind": "error", "reason": "memory"})
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
        _write(out, {"kind": "error", "reason": "bug", "message": f"{type(exc).__name__}: {exc}",
                     "detail": repr(exc)})
    else:
        _write(out, {"kind": "end"})


POOL = Pool()

if __name__ == "__main__":
    _serve()
