"""examples/js_client.mjs against a real server: Node, socket.io-client and fetch."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.clients.harness import REPO, LiveServer

pytestmark = pytest.mark.usefixtures("socketio_client_package")


def run_client(node: str, server: LiveServer, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, "examples/js_client.mjs", "--url", server.url, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_client_trains_and_follows_every_episode(node: str, server: LiveServer) -> None:
    result = run_client(
        node,
        server,
        "--scenario",
        "bologna_coppia",
        "--episodes",
        "6",
        "--save-interval",
        "3",
        "--eval-episodes",
        "2",
        "--seed",
        "5",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    scenario = server.get_json("/api/scenarios/bologna_coppia")
    assert (
        f"Scenario bologna_coppia: income {scenario['monthly_income']:g}, expenses {scenario['monthly_expenses']:g}"
        in out
    )
    assert "Training started successfully" in out
    assert [int(n) for n in re.findall(r"^Episode (\d+)/6 ", out, re.M)] == [1, 2, 3, 4, 5, 6]
    assert "Training completed: bologna_coppia (6 episodes)" in out
    assert "Saved history: 6 progress rows" in out

    last = server.get_json("/api/models/bologna_coppia/history")["progress"][-1]
    shown = dict(re.findall(r"(reward|stability|goal) (-?[\d.]+)", re.findall(r"^Episode 6/6 .*$", out, re.M)[0]))
    assert abs(float(shown["reward"]) - last["avg_reward"]) <= 0.005 + 1e-9
    assert abs(float(shown["stability"]) - last["stability"]) <= 0.0005 + 1e-9
    assert abs(float(shown["goal"]) - last["goal_adherence"]) <= 0.00005 + 1e-9


def test_client_reports_an_unknown_scenario(node: str, server: LiveServer) -> None:
    result = run_client(node, server, "--scenario", "atlantis", "--timeout", "30")
    assert result.returncode == 1
    assert "GET /api/scenarios/atlantis -> 404" in result.stderr
    assert not server.get_json("/api/training/status")["is_training"]
