"""Which outbox message a sending process is handing over right now, kept where its death
cannot lose it.

Each process that sends mail holds a small file, `<data_dir>/outbox/<worker>.inflight`, with
an exclusive lock (flock) for as long as it lives; the kernel drops the lock when the process
dies, however it dies. The outbox rows it claims carry the file's name (`claimed_by`). Just
before the final "." of a message goes to the SMTP server, the moment from which the server
may have taken it, the sender writes the row's id into its slot of the file, through a memory
map: a store in memory, with no system call between it and sending the "." (another thread
could take over at a system call, and a kill could land in that pause). The slot is cleared
when the server refuses the message, and overwritten by the next message.

Any process that finds a file whose lock it can take knows the owner is dead (see dead()).
"""

from __future__ import annotations

import asyncio
import fcntl
import mmap
import os
import secrets
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".inflight"
# A file is made under this suffix and locked before it is renamed to SUFFIX, so a file with
# SUFFIX and a free lock always means a dead owner, never one still starting.
STARTING = ".starting"
STARTING_SECONDS = 60
# Slots per process: one per deliver_due running at once (there is normally one).
SLOTS = 64
_SLOT = struct.Struct("<q")
_EMPTY = _SLOT.pack(0)


class Slot:
    """One sender's place in the file: the id of the message it is handing over, or 0."""

    def __init__(self, memory: mmap.mmap, index: int) -> None:
        self._memory, self._start = memory, index * _SLOT.size

    def handing_over(self, message_id: int) -> None:
        self._memory[self._start : self._start + _SLOT.size] = _SLOT.pack(message_id)

    def clear(self) -> None:
        self._memory[self._start : self._start + _SLOT.size] = _EMPTY


class Worker:
    """This process's file, locked while the process lives."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.pid = os.getpid()
        self.name = _name(self.pid)
        starting = folder / f"{self.name}{STARTING}"
        self._fd = os.open(starting, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        os.ftruncate(self._fd, SLOTS * _SLOT.size)
        self.path = folder / f"{self.name}{SUFFIX}"
        os.rename(starting, self.path)
        self._memory = mmap.mmap(self._fd, SLOTS * _SLOT.size)
        self._free = list(range(SLOTS))
        self.closed = False

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """A slot for one sender (deliver_due) while it runs."""
        index = self._free.pop()
        try:
            yield Slot(self._memory, index)
        except asyncio.CancelledError:
            # Stopped mid-send: its thread may still write to the slot, so it is not given out
            # again (this happens when the process stops).
            raise
        except BaseException:
            self._free.append(index)
            raise
        self._free.append(index)

    def close(self) -> None:
        """Stop being this folder's worker (tests move between data folders): the file is
        left, unlocked, for the next round to settle like a dead worker's."""
        if not self.closed:
            self.closed = True
            self._memory.close()
            os.close(self._fd)


_current: Worker | None = None


def _name(pid: int) -> str:
    # Host and pid for a reader of the table; the random part keeps a reused pid apart.
    return f"{socket.gethostname()[:60]}-{pid}-{secrets.token_hex(4)}"


def fallback_name() -> str:
    """A claimer's name when it cannot have a file (a read-only data folder)."""
    return _name(os.getpid())


def current(folder: Path) -> Worker:
    """This process's worker for `folder`, made on first use (and anew in a forked child)."""
    global _current
    if _current is None or _current.closed or _current.pid != os.getpid():
        _current = Worker(folder)
    elif _current.folder != folder:
        _current.close()
        _current = Worker(folder)
    return _current


@dataclass
class Dead:
    """A worker that died: its name (its rows' claimed_by) and what it was handing over."""

    name: str
    handed_over: list[int]
    path: Path
    fd: int

    def forget(self) -> None:
        """Its rows are settled: remove the file (and give up the lock taken to read it)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass  # another process settled it too
        os.close(self.fd)


def dead(folder: Path) -> list[Dead]:
    """The workers in `folder` whose lock is free: their process is gone. Each returned file
    stays locked by this process until forget(), so no one else settles it meanwhile."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.suffix not in (SUFFIX, STARTING):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # alive (this process's own file included)
            os.close(fd)
            continue
        if path.suffix == STARTING:
            # A worker dies before it claims anything, or one is starting this instant
            # (between making its file and locking it): only a file left long ago goes.
            if time.time() - os.fstat(fd).st_mtime > STARTING_SECONDS:
                Dead(path.stem, [], path, fd).forget()
            else:
                os.close(fd)
            continue
        data = os.read(fd, SLOTS * _SLOT.size)
        ids = [value for (value,) in _SLOT.iter_unpack(data[: len(data) // 8 * 8]) if value]
        found.append(Dead(path.stem, ids, path, fd))
    return found
