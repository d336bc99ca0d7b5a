"""A TCP proxy that makes real outages between a server and its dependency (fault tests).

    proxy = TcpProxy(target_port=5432).start()   # forwards 127.0.0.1:proxy.port -> :5432
    proxy.refuse()    # closes every connection and the port: "connection refused"
    proxy.stall()     # keeps accepting, forwards nothing (a hanging network or database)
    proxy.forward()   # back to normal; data held during a stall is delivered

Threads, no asyncio: the proxy runs beside servers that the test process does not own.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Any

FORWARD, REFUSE, STALL = "forward", "refuse", "stall"


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = port
        self.mode = FORWARD
        self._changed = threading.Condition()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._stopped = False

    def start(self) -> TcpProxy:
        self._listen()
        return self

    # ---------- modes ----------
    def forward(self) -> None:
        self._set(FORWARD)
        if self._listener is None:
            self._listen()

    def stall(self) -> None:
        self._set(STALL)
        if self._listener is None:
            self._listen()

    def refuse(self) -> None:
        self._set(REFUSE)
        self._close_listener()
        for connection in list(self._connections):
            _close(connection)

    def stop(self) -> None:
        self._stopped = True
        self.refuse()

    def _set(self, mode: str) -> None:
        with self._changed:
            self.mode = mode
            self._changed.notify_all()

    # ---------- listening ----------
    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._stopped:
                with self._changed:
                    while self.mode == STALL:
                        self._changed.wait()
                    if self.mode == REFUSE:
                        return
                readable, _, _ = select.select([source], [], [], 0.2)
                if not readable:
                    continue
                if self.mode == STALL:
                    continue  # stalled after select: leave the data where it is
                data = source.recv(65536)
                if not data:
                    return
                sink.sendall(data)
        except (OSError, ValueError):  # closed by refuse() or by the other direction
            return
        finally:
            _close(source)
            _close(sink)
            self._connections.discard(source)
            self._connections.discard(sink)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
