"""A fake Telegram Bot API on 127.0.0.1 for tests and offline trials: a real HTTP server.

It answers `POST /bot<token>/sendMessage` (JSON or form body) like Telegram does, records every
accepted message, answers 401 for a wrong token, and fails on demand with 429 + `retry_after` or a
5xx, so retries can be tested end to end. `stall_next(seconds)` accepts (delivers) the next message
and only then waits before answering: past a client's timeout, the sender cannot know it went
through. It never logs request lines (they contain the token).

    with FakeTelegram(token="123:abc") as fake:
        os.environ["PMTUI_TELEGRAM_URL"] = fake.url
        ...
        assert fake.messages[0].text == "hello"
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    chat_id: str
    text: str
    parse_mode: str | None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fault:
    status: int
    retry_after: int | None = None


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN-abcdefghijklmnop") -> None:
        self.token = token
        self.messages: list[ReceivedMessage] = []
        self.requests = 0
        self._faults: deque[Fault] = deque()
        self._stalls: deque[float] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ---------------------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` sendMessage calls fail with `status` (429 carries `retry_after`)."""
        with self._lock:
            self._faults.extend(Fault(status, retry_after) for _ in range(times))

    def stall_next(self, seconds: float, *, times: int = 1) -> None:
        """The next `times` accepted messages are delivered, then answered only after `seconds`."""
        with self._lock:
            self._stalls.extend(seconds for _ in range(times))

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def texts(self) -> list[str]:
        with self._lock:
            return [m.text for m in self.messages]

    def start(self) -> FakeTelegram:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval so stop() returns at once (serve_forever checks shutdown between polls).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-telegram",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- request handling ------------------------------------------------------------------------

    def _handle(
        self, path: str, content_type: str, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str], float]:
        """(status, body, headers, seconds to wait before answering)."""
        status, document, headers = self._answer(path, content_type, body)
        stall = 0.0
        if status == 200:
            with self._lock:
                stall = self._stalls.popleft() if self._stalls else 0.0
        return status, document, headers, stall

    def _answer(
        self, path: str, content_type: str, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.requests += 1
            parts = urlsplit(path).path.strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("bot"):
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, {}
            if parts[0][3:] != self.token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, {}
            if parts[1] != "sendMessage":
                return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, {}
            if self._faults:
                fault = self._faults.popleft()
                if fault.status == 429:
                    wait = fault.retry_after or 1
                    return (
                        429,
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": f"Too Many Requests: retry after {wait}",
                            "parameters": {"retry_after": wait},
                        },
                        {"Retry-After": str(wait)},
                    )
                return (
                    fault.status,
                    {"ok": False, "error_code": fault.status, "description": "Internal Server Error"},
                    {},
                )
            payload = _parse_body(content_type, body)
            chat_id, text = payload.get("chat_id"), payload.get("text")
            if chat_id in (None, "") or not isinstance(text, str) or not text.strip():
                return (
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
                    {},
                )
            if len(text) > 4096:
                return (
                    400,
                    {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
                    {},
                )
            parse_mode = payload.get("parse_mode")
            self.messages.append(ReceivedMessage(str(chat_id), text, parse_mode, payload))
            message_id = len(self.messages)
        return (
            200,
            {
                "ok": True,
                "result": {"message_id": message_id, "chat": {"id": chat_id}, "date": 0, "text": text},
            },
            {},
        )


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        try:
            value = json.loads(body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
        disable_nagle_algorithm = True

        def _respond(self, status: int, document: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _answer(self, content_type: str, body: bytes) -> None:
            status, document, headers, stall = fake._handle(self.path, content_type, body)
            if stall:
                time.sleep(stall)
            # The client may have given up waiting on a stalled answer: the message was delivered anyway.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._respond(status, document, headers)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            self._answer(self.headers.get("Content-Type", ""), body)

        def do_GET(self) -> None:
            query = urlsplit(self.path).query
            self._answer("application/x-www-form-urlencoded", query.encode())

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
            """Silent: the request line carries the bot token."""

    return Handler
