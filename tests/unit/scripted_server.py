"""A real HTTP server whose answers a test scripts one by one, and which records what it got.

The client tests use it where they need exact control over the wire (raw paths, headers,
dropped connections), which a stateful simulator would hide. No mocking of requests: the
client talks HTTP to a socket.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The password the client tests log in with; the redaction tests look for every spelling of it in every output.
PASSWORD = "S3cr3t-Pa55/w#rd"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False  # close the socket without answering
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str  # raw, as sent on the wire
    headers: dict[str, str]
    body: Any


def ok(**extra: Any) -> Answer:
    return Answer(200, {"errorcode": 0, "message": "Done", "severity": "NONE", **extra})


def error(status: int, errorcode: int, message: str) -> Answer:
    return Answer(status, {"errorcode": errorcode, "message": message, "severity": "ERROR"})


class ScriptedServer:
    def __init__(self) -> None:
        self.answers: deque[Answer] = deque()
        self.default = ok()
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                with server._lock:
                    server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                    answer = server.answers.popleft() if server.answers else server.default
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.disconnect:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def nsip(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def start(self) -> ScriptedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def login_answer(self, token: str = "tok-1") -> Answer:
        return Answer(
            201,
            {"errorcode": 0, "message": "Done", "severity": "NONE", "sessionid": token},
            {"Set-Cookie": f"NITRO_AUTH_TOKEN={token}; path=/nitro/v1"},
        )
