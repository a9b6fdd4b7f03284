"""Local TCP listeners for push fault tests, on 127.0.0.x only.

- `Listener(mode="hang")`: a device whose push service accepts the connection and never
  answers (it reads the request and holds the socket open until stopped);
- `Listener(mode="answer")`: answers every request 201 and records its head (Host header);
- `Listener(mode="trickle")`: simulates a push service trickling its answer, one byte of a
  never-ending header every `trickle_seconds` (deliberate latency of a fake server, named so).

Each records the peers that connected, so a test can assert that nothing did.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Listener:
    host: str = "127.0.0.1"
    port: int = 0
    mode: str = "hang"
    trickle_seconds: float = 0.2
    connections: list[tuple[str, int]] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, self.port))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def wait_for_connections(self, count: int, timeout: float = 10) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self.connections) >= count, timeout)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections.append(peer[:2])
                self._open.append(conn)
                self._lock.notify_all()
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_head(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _handle(self, conn: socket.socket) -> None:
        try:
            head = self._read_head(conn)
            with self._lock:
                self.heads.append(head)
            if self.mode == "answer":
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
            elif self.mode == "trickle":
                conn.sendall(b"HTTP/1.1 201 Created\r\n")
                while not self._stop.wait(self.trickle_seconds):  # simulated latency
                    conn.sendall(b"X")
            else:  # hang: hold the connection until the listener stops
                self._stop.wait()
        except OSError:
            pass

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        with self._lock:
            for conn in self._open:
                conn.close()
