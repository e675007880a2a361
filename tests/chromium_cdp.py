"""A small Chrome DevTools Protocol client over `--remote-debugging-pipe` (no
websocket library, no downloaded browser): open a page in Debian's headless
chromium, collect its console messages, exceptions and network requests, wait
for a condition, and take a full-page screenshot."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Debian's chromium, headless, offline: every host name unresolvable, so
# nothing can come from the internet (shared with test_offline_docs).
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
FLAGS = [*HEADLESS, "--hide-scrollbars", "--remote-debugging-pipe"]


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed: the browser tests (Data Docs, review reports) need "
            "Debian's chromium package (apt-get install -y chromium); `make test` and .ci/run "
            "install it"
        )
    return path


@dataclass
class PageRun:
    console: list[str] = field(default_factory=list)  # "level: text"
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    value: object = None  # the waited-for expression's last value
    probe: object = None  # what the probe expression returned
    width: int = 0
    height: int = 0
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return self.console + self.exceptions + self.log_entries


class Browser:
    def __init__(self, workdir: Path, window=(1280, 900)):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        keep_in = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
        keep_out = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)

        def preexec():  # chromium reads commands on fd 3 and answers on fd 4
            os.dup2(keep_in, 3)
            os.dup2(keep_out, 4)

        self.stderr = (workdir / "chromium.log").open("w")
        self.proc = subprocess.Popen(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={workdir / 'profile'}",
                f"--window-size={window[0]},{window[1]}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            preexec_fn=preexec,
            # keep fds 3 and 4 made by preexec (os.pipe fds are not inheritable)
            close_fds=False,
            env={**os.environ, "HOME": str(workdir)},
        )
        for fd in (to_child_r, from_child_w, keep_in, keep_out):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.session = None

    # -- protocol -------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self._events.append(reply)

    def _read(self, deadline: float) -> list[dict]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("chromium did not answer")
        ready, _, _ = select.select([self._from_child], [], [], remaining)
        if not ready:
            raise TimeoutError("chromium did not answer")
        chunk = os.read(self._from_child, 1 << 20)
        if not chunk:
            raise RuntimeError(f"chromium exited ({self.proc.poll()})")
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        return [json.loads(m) for m in messages if m]

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self._events += self._read(deadline)
            except TimeoutError:
                return

    # -- a page -----------------------------------------------------------------
    def open(self, url: str) -> None:
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self._events.clear()
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.pump(0.25)
        raise TimeoutError(f"page never satisfied: {expression}")

    def screenshot(self, path: Path) -> tuple[int, int]:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width, height = int(size["width"]), int(size["height"])
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
            timeout=120,
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height

    def collect(self, run: PageRun) -> None:
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
                )
                run.console.append(f"{params.get('type')}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                run.exceptions.append(
                    details.get("exception", {}).get("description") or details.get("text", "")
                )
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                run.log_entries.append(
                    f"{entry.get('level')}: {entry.get('text')} {entry.get('url', '')}"
                )
            elif method == "Network.requestWillBeSent":
                run.requests.append(params.get("request", {}).get("url", ""))
        self._events.clear()

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        self.stderr.close()


def open_page(
    page: Path,
    workdir: Path,
    ready: str,
    screenshot: Path | None = None,
    probe: str | None = None,
    settle: float = 0.5,
) -> PageRun:
    """Open a file in headless chromium, wait until `ready` (a JS expression) is
    truthy, let it settle, take the screenshot, evaluate `probe` (after the
    screenshot: it may change the page), and return what was seen."""
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    browser = Browser(workdir)
    run = PageRun()
    try:
        browser.open(page.resolve().as_uri())
        run.value = browser.wait_for(ready)
        browser.pump(settle)
        if screenshot is not None:
            run.width, run.height = browser.screenshot(screenshot)
        if probe is not None:
            run.probe = browser.evaluate(probe)
        browser.pump(0.1)
        browser.collect(run)
    finally:
        browser.close()
    run.seconds = time.monotonic() - started
    return run
