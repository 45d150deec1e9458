"""What every suite that talks to a real server shares: ``python app.py`` on a free 127.0.0.1 port
(``LiveServer``), the suite's one source of such servers (``LiveServers``, the session fixture
``live_servers`` of tests/conftest.py), a recording Socket.IO client, the server's training child, and
polling."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
import socketio
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from hrl_api.cluster.local import free_port

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# The training child imports fake and fault trainers from the repository's tests package, e.g.
# "tests.fake_trainers:steady" or "tests.hrl_api.training.fault_trainers:slow_writes" as HRL_TRAINER_ENTRY.
TRAINER_PATHS = (REPO,)
ASYNC_MODES = ("eventlet", "threading")
START_TIMEOUT = 60.0


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class LiveServer:
    """``python app.py`` in a subprocess with its own models folder and log, started on creation.
    ``terminate`` then ``start`` brings it back on the same port, as a redeploy would. As a context
    manager it is terminated on exit. Made only by ``LiveServers.start``."""

    scenarios_dir: Path | None = None
    """Its own copy of the bundled scenarios (``HRL_SCENARIOS_DIR``), if it was given one."""

    def __init__(
        self,
        models_dir: Path,
        log_path: Path,
        async_mode: str = "eventlet",
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        wait: bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.models_dir = models_dir
        self.log_path = log_path
        self.async_mode = async_mode
        self.args = list(args)
        self.env = dict(os.environ, HRL_ASYNC_MODE=async_mode, PYTHONUNBUFFERED="1", **(env or {}))
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [*map(str, TRAINER_PATHS), self.env.get("PYTHONPATH")]))
        self.start(wait)

    def start(self, wait: bool = True) -> None:
        """Launch the server; unless ``wait`` is False, wait until it answers (else ``wait_ready`` does)."""
        self.process = self.launch([sys.executable, "app.py"])
        if wait:
            self.wait_ready()

    def launch(self, command: Sequence[str], **options: Any) -> subprocess.Popen:
        """``command`` on this server's port and models folder, with its environment, appending to its log."""
        with self.log_path.open("a") as log:
            return subprocess.Popen(
                [*command, "--port", str(self.port), "--models-dir", str(self.models_dir), *self.args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                **options,
            )

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.terminate()

    def wait_ready(self) -> None:
        wait_until(self._answers, START_TIMEOUT, f"the server on {self.url} (log: {self.log_path})")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()}")
        try:
            return requests.get(f"{self.url}/api/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM (a running training stops gracefully), SIGKILL if the server is still there
        after ``timeout`` s; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def get_json(self, path: str) -> Any:
        """The JSON body of a GET that must succeed."""
        response = self.get(path)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, json=json, timeout=90, **kwargs)

    def status(self) -> dict[str, Any]:
        return self.get_json("/api/training/status")

    def wait_idle(self, timeout: float = 90.0) -> dict[str, Any]:
        return wait_until(lambda: (s := self.status()) and not s["is_training"] and s, timeout, "an idle server")

    def ensure_idle(self) -> None:
        """Stop whatever a test left running, so the next test starts from idle."""
        if self.process.poll() is None and self.status()["is_training"]:
            self.post("/api/training/stop")
            self.wait_idle()


class LiveServers:
    """Every real server of the test session (the fixture ``live_servers``), each in a folder of its own under
    ``root`` (its log, and its models folder unless given one).

    ``shared(async_mode, **env)``: the session's server of that configuration, started on first use and kept;
    after every test that asked for it, it is made idle again (``settle``). ``start(...)``: a server of the
    caller's own, to use as a context manager (terminated on exit), in a test or a module's fixture."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[LiveServer] = []
        self._folders = itertools.count()
        self._shared: dict[tuple[str, tuple[tuple[str, str], ...]], LiveServer] = {}
        self._lent: list[LiveServer] = []

    def start(
        self,
        models_dir: Path | None = None,
        *,
        async_mode: str = "eventlet",
        args: Sequence[str] = (),
        wait: bool = True,
        scenarios: bool = False,
        kind: type[LiveServer] = LiveServer,
        **env: str,
    ) -> LiveServer:
        """A running server (one starting, when ``wait`` is False) with the environment variables ``env``; its
        models folder is ``models_dir``, or a new one; ``args`` go to app.py; ``scenarios``: with its own copy of
        the bundled scenarios (``scenarios_dir``; households a test creates land there, not in the repository);
        ``kind``: a ``LiveServer`` that runs something else than app.py."""
        folder = self.root / f"server{next(self._folders)}"
        folder.mkdir()
        if models_dir is None:
            models_dir = folder / "models"
            models_dir.mkdir()
        if scenarios:
            shutil.copytree(REPO / "scenarios", folder / "scenarios")
            env = {"HRL_SCENARIOS_DIR": str(folder / "scenarios"), **env}
        server = kind(models_dir, folder / "server.log", async_mode, env, args, wait)
        if scenarios:
            server.scenarios_dir = folder / "scenarios"
        self.started.append(server)
        return server

    def shared(self, async_mode: str = "eventlet", **env: str) -> LiveServer:
        """The session's server in ``async_mode`` with ``env`` (the real trainer unless ``HRL_TRAINER_ENTRY`` says
        otherwise), idle; made idle again after the test."""
        key = (async_mode, tuple(sorted(env.items())))
        if key not in self._shared:
            self._shared[key] = self.start(async_mode=async_mode, **env)
        server = self._shared[key]
        if server not in self._lent:
            self._lent.append(server)
        return server

    def settle(self) -> None:
        """After a test: stop whatever runs on the shared servers it asked for."""
        lent, self._lent = self._lent, []
        for server in lent:
            server.ensure_idle()

    def terminate_all(self) -> None:
        for server in self.started:
            server.terminate()


def training_children(server: LiveServer) -> list[psutil.Process]:
    """The server's spawned training children (not multiprocessing's resource tracker)."""
    return [p for p in psutil.Process(server.process.pid).children() if "spawn_main" in " ".join(p.cmdline())]


def training_child(server: LiveServer, timeout: float = 30.0) -> psutil.Process:
    """The server's training child, once it exists."""
    return wait_until(lambda: next(iter(training_children(server)), None), timeout, "the training child process")


def gone(process: psutil.Process) -> bool:
    """True once ``process`` has exited (a zombie not yet reaped counts as exited)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class EventRecorder:
    """A real python-socketio client that records every event it receives, in order."""

    def __init__(self, url: str, subscribe: bool = True) -> None:
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(url, socketio_path="/socket.io", wait_timeout=10)
        wait_until(lambda: self.named("connection_established"), 10, "connection_established")
        if subscribe:
            self.client.emit("subscribe_training", {})
            wait_until(lambda: self.named("training_status"), 10, "the subscribe_training answer")

    def _record(self, event: str, data: Any = None) -> None:
        with self._lock:
            self.events.append((event, data))

    def named(self, event: str) -> list[Any]:
        with self._lock:
            return [data for name, data in self.events if name == event]

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.events]

    def wait_for(self, event: str, timeout: float = 60.0, count: int = 1) -> list[Any]:
        return wait_until(lambda: (found := self.named(event)) and len(found) >= count and found, timeout, event)

    def close(self) -> None:
        """Disconnect without waiting: websocket-client waits up to 3 s for a close frame that
        the threading-mode (Werkzeug) server does not send, which would only slow the tests."""
        threading.Thread(target=self.client.disconnect, daemon=True).start()


DOCUMENT_URI = "urn:hrl:asyncapi"


class EventValidator:
    """Validates an event's payload against its message in an AsyncAPI document (JSON Schema draft 7,
    the base of AsyncAPI's schema format)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, DRAFT7))

    def errors(self, event: str, payload: Any) -> list[str]:
        assert event in self.document["components"]["messages"], f"{event} is not in the document"
        validator = Draft7Validator(
            {"$ref": f"{DOCUMENT_URI}#/components/messages/{event}/payload"}, registry=self._registry
        )
        return [f"{event}: {error.json_path}: {error.message}" for error in validator.iter_errors(payload)]


def assert_events_match(server: LiveServer, recorder: EventRecorder) -> set[str]:
    """Every event ``recorder`` received validates against the server's document; returns their names."""
    validator = EventValidator(server.get_json("/api/asyncapi.json"))
    errors = [error for name, payload in recorder.events for error in validator.errors(name, payload)]
    assert errors == [], errors
    return set(recorder.names())
