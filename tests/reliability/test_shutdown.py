"""SIGTERM (systemd's stop, Ctrl-C): the requests in progress finish, new connections are
refused, and the server is gone within 10 seconds, even when a client never finishes its
request (run.py's SHUTDOWN_SECONDS)."""

from __future__ import annotations

import signal
import socket
import time
from urllib.parse import urlencode

import pytest

from tests.reliability.storm import Poster

pytestmark = pytest.mark.reliability

SLOW_MEMBERS = 6
# The slow members' last bytes arrive this long after the stop.
SLOW_SECONDS = 2.5
EXIT_SECONDS = 10


class SlowReply:
    """A member on a slow connection: the reply form goes out in two halves, far apart."""

    def __init__(self, port: int, poster: Poster, text: str) -> None:
        self.text = text
        self.body = urlencode({"body": text, "csrf_token": poster.csrf}).encode()
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = (
            f"POST {poster.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: {poster.cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
        )
        self.socket.sendall(head.encode() + self.body[: len(self.body) // 2])

    def finish(self) -> tuple[int, str]:
        """Send the rest; the status and Location of the answer."""
        self.socket.sendall(self.body[len(self.body) // 2 :])
        answer = b""
        while chunk := self.socket.recv(65536):
            answer += chunk
        self.socket.close()
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in head[1:])
        return int(head[0].split()[1]), headers.get("location", "")


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_finishes_requests_in_progress_refuses_new_ones_and_exits_in_time(forum):
    forum.start()
    posters = forum.posters()[:SLOW_MEMBERS]
    slow = [
        SlowReply(forum.port, poster, f"Slow reply {number} sent while the server was stopping")
        for number, poster in enumerate(posters)
    ]
    # And one that never sends the rest: the server waits for it a while, not for ever.
    stalled = SlowReply(forum.port, forum.posters()[SLOW_MEMBERS], "Never finished")
    time.sleep(0.5)  # the server has their headers: these are requests in progress

    stopped = time.monotonic()
    forum.process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    assert _refused(forum.port), "the stopping server still takes new connections"
    time.sleep(max(0.0, SLOW_SECONDS - (time.monotonic() - stopped)))
    answers = [request.finish() for request in slow]
    forum.process.wait(timeout=EXIT_SECONDS + 5)
    took = time.monotonic() - stopped
    forum.process = None  # stopped on its own

    assert all(status == 303 and "/t/" in where for status, where in answers), answers
    print(f"stopped in {took:.1f} s")
    assert took < EXIT_SECONDS, f"the server took {took:.1f} s to stop"
    stored = {body for (body,) in forum.query("SELECT body FROM post WHERE body LIKE 'Slow %'")}
    assert stored == {request.text for request in slow}
    stalled.socket.close()
