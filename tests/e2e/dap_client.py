"""A minimal Debug Adapter Protocol client: what an editor does when it attaches to debugpy.

Written here because debugpy ships only the adapter/server side; the protocol is JSON messages
with a Content-Length header over TCP (https://microsoft.github.io/debug-adapter-protocol/).
"""
from __future__ import annotations

import json
import queue
import socket
import threading
import time


class DapError(AssertionError):
    pass


class DapClient:
    def __init__(self, host: str, port: int, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.sock.settimeout(None)
        self.seq = 0
        self.responses: dict[int, dict] = {}
        self.events: queue.Queue[dict] = queue.Queue()
        self.seen_events: list[dict] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # --- wire ---------------------------------------------------------------------------------
    def _read(self) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                header, buf = buf.split(b"\r\n\r\n", 1)
                length = int(next(line.split(b":")[1] for line in header.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                while len(buf) < length:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]
                self._dispatch(json.loads(body))
        except OSError:
            return

    def _dispatch(self, msg: dict) -> None:
        if msg["type"] == "response":
            with self._cond:
                self.responses[msg["request_seq"]] = msg
                self._cond.notify_all()
        elif msg["type"] == "event":
            self.seen_events.append(msg)
            self.events.put(msg)

    def send(self, command: str, **arguments) -> int:
        self.seq += 1
        data = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        return self.seq

    def response(self, seq: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while seq not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DapError(f"no response to request {seq} within {timeout}s")
                self._cond.wait(left)
            msg = self.responses.pop(seq)
        if not msg.get("success"):
            raise DapError(f"{msg.get('command')} failed: {msg.get('message')} {msg.get('body')}")
        return msg.get("body") or {}

    def request(self, command: str, timeout: float = 30, **arguments) -> dict:
        return self.response(self.send(command, **arguments), timeout)

    def wait_event(self, name: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DapError(f"no {name!r} event within {timeout}s "
                               f"(saw: {[e['event'] for e in self.seen_events]})")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event["event"] == name:
                return event

    # --- the editor's steps -------------------------------------------------------------------
    def attach(self, breakpoints: dict[str, list[int]], path_mappings: list[dict] | None = None) -> dict:
        """initialize → attach → setBreakpoints per file → configurationDone, as VS Code does it.
        Returns the breakpoints debugpy reported per file."""
        self.request("initialize", clientID="todo-app-tests", adapterID="debugpy", pathFormat="path",
                     linesStartAt1=True, columnsStartAt1=True)
        attach_seq = self.send("attach", justMyCode=True, pathMappings=path_mappings or [])
        self.wait_event("initialized", 30)
        reported = {path: self.set_breakpoints(path, lines) for path, lines in breakpoints.items()}
        self.request("configurationDone")
        self.response(attach_seq)
        return reported

    def set_breakpoints(self, path: str, lines: list[int]) -> list[dict]:
        body = self.request("setBreakpoints", source={"path": path},
                            breakpoints=[{"line": n} for n in lines])
        return body.get("breakpoints", [])

    def top_frame(self, thread_id: int) -> dict:
        return self.request("stackTrace", threadId=thread_id, startFrame=0, levels=1)["stackFrames"][0]

    def evaluate(self, expression: str, frame_id: int) -> str:
        return self.request("evaluate", expression=expression, frameId=frame_id, context="repl")["result"]

    def resume(self, thread_id: int) -> None:
        self.request("continue", threadId=thread_id)

    def close(self) -> None:
        try:
            self.request("disconnect", timeout=5, terminateDebuggee=False)
        except (DapError, OSError):
            pass
        self.sock.close()
