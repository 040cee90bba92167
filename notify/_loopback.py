"""Loopback servers standing in for the outside world in tests and benchmarks: an SMTP server (aiosmtpd, a dev
dependency, imported here only) and an HTTP SMS gateway (http.server). Never used by the running platform."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self, box: SmtpSink) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        # Kept raw and parsed when read: the server shares the process (and its GIL) with what is measured.
        transport = getattr(server, "transport", None)
        tls = session.ssl is not None or (transport is not None and transport.get_extra_info("ssl_object") is not None)
        with self.box.lock:
            self.box.raw.append((list(envelope.rcpt_tos), envelope.content))
            self.box.sessions.append((tls, session.auth_data))
        if self.box.on_message is not None:
            self.box.on_message()
        return "250 Message accepted"


class SmtpSink:
    """An aiosmtpd server collecting every message; ``stop()`` then ``start()`` reuse the same port.

    ``server_options`` go to aiosmtpd's controller: ``tls_context`` (STARTTLS), ``ssl_context`` (implicit
    TLS), ``require_starttls``, ``authenticator``, ``auth_required``… ``sessions`` records, per message, whether
    it came over TLS and what the authenticator returned for its session (None: not authenticated).
    """

    def __init__(self, port: int | None = None, **server_options: Any) -> None:
        self.port = port or free_port()
        self.server_options = server_options
        self.sessions: list[tuple[bool, Any]] = []
        self.raw: list[tuple[list[str], bytes]] = []
        self._parsed: list[tuple[list[str], Message]] = []
        self.lock = threading.Lock()
        self.on_message: Callable[[], None] | None = None
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port, **self.server_options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        """Every message received so far: (envelope recipients, parsed message)."""
        with self.lock:
            for rcpts, content in self.raw[len(self._parsed) :]:
                self._parsed.append((rcpts, message_from_bytes(content, policy=policy.default)))
            return list(self._parsed)

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for rcpts, _ in self.raw for r in rcpts]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for _, m in self.messages]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.raw) >= count:
                    return True
            time.sleep(0.05)
        return False


class GatewaySink:
    """A local HTTP SMS gateway: answers with the statuses queued in ``script`` (then 200), records the bodies."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[dict, dict]] = []
        self.script: list[int] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    status = sink.script.pop(0) if sink.script else 200
                    if status < 300:
                        sink.received.append((json.loads(body), dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "boom"}')

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def start(self) -> GatewaySink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
