"""The client examples of the API contract and of docs/api.md, run as written against a real server.

`spec_examples/` holds the contract's two examples verbatim (its "Usage Example" section: the Python
client with python-socketio and requests, the JavaScript client with socket.io-client and axios).
Only the server's URL and `num_episodes` are substituted here. Neither subscribes before the run
starts (the Python one never does), so this checks that every connected client receives the
training events. Both wait forever after the run, so the test ends them once the completion line
is printed. The corrected examples of docs/api.md must end by themselves.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.clients.harness import REPO, LiveServer, required_tool
from tests.live_server import ASYNC_MODES, LiveServers

EXAMPLES = Path(__file__).resolve().parent / "spec_examples"
SPEC_URL = "http://localhost:8000"
DOCS = REPO / "docs" / "api.md"
DOCS_URL = "http://127.0.0.1:8000"
EPISODES = 4
CLIENT_TIMEOUT = 240.0
COMPLETION_LINE = "Training completed: bologna_coppia"


@pytest.fixture(params=ASYNC_MODES)
def live(request: pytest.FixtureRequest, live_servers: LiveServers) -> LiveServer:
    """The session's shared server in each async mode, with the real trainer."""
    return live_servers.shared(async_mode=request.param)


def with_server(source: str, url: str, server: LiveServer, episodes_pattern: str) -> str:
    """``source`` with the server's URL for ``url`` and a small `num_episodes`."""
    assert source.count(url) == 2 and len(re.findall(episodes_pattern, source)) == 1
    source = source.replace(url, server.url)
    return re.sub(episodes_pattern, lambda match: match.group(0).replace("1000", str(EPISODES)), source)


def example_source(name: str, server: LiveServer, episodes_pattern: str) -> str:
    """The stored example of the contract, made to run against ``server``."""
    return with_server((EXAMPLES / name).read_text(), SPEC_URL, server, episodes_pattern)


def documented_source(language: str, server: LiveServer, episodes_pattern: str) -> str:
    """The example of docs/api.md in ``language``, made to run against ``server``."""
    (source,) = re.findall(rf"^```{language}\n(.*?)^```", DOCS.read_text(), re.M | re.S)
    return with_server(source, DOCS_URL, server, episodes_pattern)


def episodes_printed(output: str) -> list[int]:
    return [int(n) for n in re.findall(rf"Episode (\d+)/{EPISODES}", output)]


def rewards_printed(output: str) -> list[str]:
    return re.findall(r"Reward: -?\d+\.\d\d", output)


def printed_everything(output: str) -> bool:
    """The completion line and one episode line and one reward line per episode are there. (The
    Python client runs each event handler in a thread of its own, and print writes the text and
    the newline separately, so the lines of two events may interleave, even within a line.)"""
    return (
        COMPLETION_LINE in output
        and len(episodes_printed(output)) >= EPISODES
        and len(rewards_printed(output)) >= EPISODES
    )


def run_until_completed(command: list[str], source: str) -> str:
    """Feed ``source`` to ``command`` (run in the repository, so node_modules resolve) and collect
    its output lines until the whole run is printed, within a hard timeout; then end the client."""
    process = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    process.stdin.write(source)
    process.stdin.close()
    output = ""
    deadline = time.monotonic() + CLIENT_TIMEOUT
    try:
        while not printed_everything(output):
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the run was not printed within {CLIENT_TIMEOUT} s; output so far:\n{output}")
            if line is None:
                pytest.fail(f"the client exited with {process.wait()} before completing:\n{output}")
            output += line
    finally:
        process.kill()
        process.wait()
    return output


def assert_followed_the_run(output: str) -> None:
    """Exactly one "Episode i/N" line per episode, one reward line each, the start answer and completion."""
    assert sorted(episodes_printed(output)) == list(range(1, EPISODES + 1)), output
    assert len(rewards_printed(output)) == EPISODES, output
    assert output.count(COMPLETION_LINE) == 1, output
    assert "Training started successfully" in output, output


def test_the_spec_python_client_follows_a_run(live: LiveServer) -> None:
    source = example_source("python_client.py", live, r"'num_episodes': 1000")
    output = run_until_completed([sys.executable, "-u", "-"], source)
    assert_followed_the_run(output)
    assert live.wait_idle()["current_episode"] == EPISODES


def test_the_spec_javascript_client_follows_a_run(live: LiveServer, node: str, socketio_client_package: str) -> None:
    required_tool(REPO / "node_modules" / "axios", "axios (npm)")
    source = example_source("js_client.mjs", live, r"num_episodes: 1000")
    output = run_until_completed([node, "--input-type=module"], source)
    assert_followed_the_run(output)
    assert live.wait_idle()["current_episode"] == EPISODES


def run_to_exit(command: list[str], source: str) -> str:
    """Run a client that must end by itself once the run is over; its output."""
    done = subprocess.run(command, cwd=REPO, input=source, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_documented_python_example_follows_a_run_and_ends(live: LiveServer) -> None:
    output = run_to_exit([sys.executable, "-u", "-"], documented_source("python", live, r"'num_episodes': 1000"))
    assert_followed_the_run(output)


def test_the_documented_javascript_example_follows_a_run_and_ends(
    live: LiveServer, node: str, socketio_client_package: str
) -> None:
    required_tool(REPO / "node_modules" / "axios", "axios (npm)")
    output = run_to_exit([node, "--input-type=module"], documented_source("javascript", live, r"num_episodes: 1000"))
    assert_followed_the_run(output)
