"""The web process: no torch, one server per port, and a log line per request and per run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from tests.live_server import ASYNC_MODES, REPO, wait_until

WEB_PROCESS_MODULES = """
import json, sys
from pathlib import Path
from hrl_api.factory import create_app

models = Path(sys.argv[1])
app = create_app({"TESTING": True, "MODELS_DIR": models, "ASYNC_MODE": "threading"})
client = app.test_client()
for path in ("/api/health", "/api/scenarios", "/api/scenarios/bologna_coppia", "/api/models",
             "/api/models/bologna_coppia/history", "/api/training/status", "/api/training/progress",
             "/api/openapi.json"):
    assert client.get(path).status_code == 200, path
assert [m["scenario_name"] for m in client.get("/api/models").get_json()["models"]] == ["bologna_coppia"]
loaded_before = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "numpy"))
import hrl_trainer
trainer_names = (hrl_trainer.train.__name__, hrl_trainer.TrainResult.__name__)
print(json.dumps({"loaded": loaded_before, "lazy": trainer_names, "torch_after": "torch" in sys.modules}))
"""


def test_the_web_process_never_imports_torch(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    history = {
        "scenario_name": "bologna_coppia",
        "episodes_completed": 2,
        "final_metrics": {"avg_reward": 1.0},
        "finished_at": "2026-12-01T10:00:00",
        "progress": [],
    }
    record_agents(
        "bologna_coppia", Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), history, models
    )  # a published run
    done = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS_MODULES, str(models)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["loaded"] == [], "the web process imported " + ", ".join(report["loaded"][:5])
    # The trainer's names still resolve, on first use (the training child needs them).
    assert report["lazy"] == ["train", "TrainResult"] and report["torch_after"] is True


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_second_server_on_a_busy_port_exits_at_once(live_servers, async_mode: str, tmp_path: Path) -> None:
    with live_servers.start(async_mode=async_mode) as first:
        second = subprocess.run(
            [sys.executable, "app.py", "--port", str(first.port), "--models-dir", str(tmp_path / "other")],
            cwd=REPO,
            env=first.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode != 0
        assert f"port {first.port} is already in use" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        assert not (tmp_path / "other").exists()  # it stopped before building anything
        assert first.get("/api/health").status_code == 200


def request_lines(log: str) -> list[str]:
    """The request log lines, as ``METHOD path status``."""
    return [" ".join(m) for m in re.findall(r'"(GET|POST) (\S+)" (\d{3}) [\d.]+ ms$', log, re.M)]


def run_lines(log: str) -> list[str]:
    return re.findall(r"Run \w+: .*$", log, re.M)


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_one_log_line_per_request_and_per_run(live_servers, async_mode: str, scenario_name: str) -> None:
    with live_servers.start(async_mode=async_mode, HRL_TRAINER_ENTRY="tests.fake_trainers:steady") as server:
        assert (
            server.post("/api/training/start", {"scenario_name": scenario_name, "num_episodes": 3}).status_code == 202
        )
        server.wait_idle()
        assert (
            server.post("/api/training/start", {"scenario_name": scenario_name, "num_episodes": 10_000}).status_code
            == 202
        )
        wait_until(lambda: server.status()["current_episode"] >= 2, 60, "two episodes")
        assert server.post("/api/training/stop").status_code == 200
        assert server.get("/api/training/progress?since=x").status_code == 400
        assert server.get("/api/health").status_code == 200

        wait_until(lambda: len(request_lines(server.log())) >= 5, 30, "the request lines")
        lines = request_lines(server.log())
        assert lines[0] == "GET /api/health 200"  # the harness waiting for the server
        assert [line for line in lines if "POST" in line] == [
            "POST /api/training/start 202",
            "POST /api/training/start 202",
            "POST /api/training/stop 200",
        ]
        assert lines[-2:] == ["GET /api/training/progress?since=x 400", "GET /api/health 200"]
        assert not re.search(r'HTTP/1\.[01]" \d{3}', server.log()), "the HTTP server logs requests too"

        runs = run_lines(server.log())
        assert runs[:3] == [
            f"Run started: {scenario_name}, 3 episodes",
            runs[1],
            f"Run started: {scenario_name}, 10000 episodes",
        ]
        assert re.fullmatch(rf"Run completed: {scenario_name}, 3/3 episodes in \d+\.\d s", runs[1])
        stopped = server.status()["current_episode"]
        assert len(runs) == 4 and re.fullmatch(
            rf"Run stopped: {scenario_name}, {stopped}/10000 episodes in \d+\.\d s", runs[3]
        ), runs


def test_a_failed_run_is_logged_with_its_error(live_servers, scenario_name: str) -> None:
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:raises") as server:
        assert (
            server.post("/api/training/start", {"scenario_name": scenario_name, "num_episodes": 5}).status_code == 202
        )
        server.wait_idle()
        runs = wait_until(lambda: len(found := run_lines(server.log())) == 2 and found, 30, "the run's last log line")
        assert re.fullmatch(
            rf"Run failed: {scenario_name}, 2/5 episodes in \d+\.\d s: RuntimeError: fake trainer exploded", runs[1]
        ), runs


def test_quiet_logs_no_request_and_no_run(live_servers, scenario_name: str) -> None:
    with live_servers.start(args=["--quiet"], HRL_TRAINER_ENTRY="tests.fake_trainers:steady") as server:
        assert (
            server.post("/api/training/start", {"scenario_name": scenario_name, "num_episodes": 2}).status_code == 202
        )
        server.wait_idle()
        assert server.get("/api/health").status_code == 200
        log = server.log()
        assert request_lines(log) == [] and run_lines(log) == [], log
        assert "HRL Finance API on" in log  # the banner stays
