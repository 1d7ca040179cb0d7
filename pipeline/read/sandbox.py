"""Run the reading of untrusted files in a child process with memory and time limits.

A decompression bomb, a reference loop or a parser bug must cost one file, never the
batch or the machine: the child has an address-space limit, each file a deadline, and a
child that dies or overruns is replaced for the next file. The child is forked once and
reads file after file, so imports (pikepdf, pyHanko) are paid once per batch.
"""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any, Callable

MEMORY_LIMIT = 1536 << 20  # bytes of address space the reading child may add
TIME_LIMIT = 30.0  # seconds per file


class SandboxFailure(Exception):
    """The child could not finish one file; the message says why."""


def _mapped_bytes() -> int:
    """This process's address space now (Linux: /proc/self/statm), 0 where unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _serve(conn: Connection, parent_end: Connection, memory: int) -> None:
    # The forked child holds a copy of the parent's end too: close it, or a parent that is
    # killed never gives the child its end-of-file and the child waits forever.
    parent_end.close()
    # The budget is on top of what the forked child already maps: a parent that imported a
    # lot (a test run) would otherwise leave it no room to load even a codec, and reading
    # would fail where it should not.
    limit = _mapped_bytes() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        func, args = job
        try:
            conn.send(("ok", func(*args)))
        except MemoryError:
            conn.send(("memory", None))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent with its type
            try:
                conn.send(("error", exc))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


class Sandbox:
    """`with Sandbox() as box: box.run(func, *args)` runs func in the limited child."""

    def __init__(self, memory: int = MEMORY_LIMIT, seconds: float = TIME_LIMIT):
        self.memory, self.seconds = memory, seconds
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, parent, self.memory), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def close(self) -> None:
        if self._proc is not None:
            if self._conn is not None:
                self._conn.close()
            self._proc.join(timeout=1)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
        self._proc = self._conn = None

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
        self._proc = None
        self.close()

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        assert self._conn is not None
        self._conn.send((func, args))
        if not self._conn.poll(self.seconds):
            self._kill()
            raise SandboxFailure(f"took longer than {self.seconds:.0f} s to read (a hostile or badly broken file)")
        try:
            status, value = self._conn.recv()
        except (EOFError, ConnectionError):
            self._kill()
            raise SandboxFailure("made the reader stop (it needs more memory than any form does: a "
                                 "decompression bomb or a badly broken file)") from None
        if status == "memory":
            self._kill()
            raise SandboxFailure(f"needs more than {self.memory >> 20} MB of memory to read (a decompression "
                                 "bomb or a badly broken file)")
        if status == "error":
            raise value
        return value
