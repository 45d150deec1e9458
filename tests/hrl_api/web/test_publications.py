"""Publishing recorded and undoable (issue 22): every publish appends to the scenario's publication log, served by
GET /api/models/{name}/publications; a publish by hand takes a reason (manual, undo) and answers with its record;
deleting the published run records the publish it causes. On the app object, with runs recorded by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hrl_trainer.store import runs
from hrl_trainer.store.publications import publications_path, read_publications
from tests.api_contract import assert_error, assert_fields
from tests.hrl_api.web.recorded_runs import app_client, recorded_run

SCENARIO = "torino_single"
TOKEN = "publish-token"
PUBLICATION = {
    "run_id": str,
    "published_at": str,
    "reason": str,
    "replaced_run_id": (str, type(None)),
    "held_out": (float, type(None)),
    "replaced_held_out": (float, type(None)),
}


def held_out_run(models: Path, score: float) -> str:
    """A completed run with a held-out score (its summary's held_out.avg_reward)."""
    return recorded_run(models, SCENARIO, held_out=score)


@pytest.fixture
def models(tmp_path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def client(models):
    return app_client(models)


def publish(client, run_id: str, **body) -> dict:
    response = client.post(f"/api/runs/{run_id}/publish", **({"json": body} if body else {}))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_scenario_without_publications_has_an_empty_log_and_an_unknown_one_is_404(client):
    assert client.get(f"/api/models/{SCENARIO}/publications").get_json() == {
        "scenario_name": SCENARIO,
        "publications": [],
    }
    assert_error(client.get("/api/models/no_such_household/publications"), 404)
    assert_error(client.get("/api/models/Not!A!Name/publications"), 400)


def test_publishing_by_hand_undo_and_delete_are_recorded_newest_first(client, models):
    first, second = held_out_run(models, 4.5), held_out_run(models, 6.25)
    before = datetime.now().astimezone() - timedelta(seconds=2)

    answer = publish(client, first)  # no body: by hand
    assert set(answer) == {"message", "data", "publication"} and answer["data"]["published"] is True
    assert_fields(answer["publication"], PUBLICATION)
    assert (answer["publication"]["run_id"], answer["publication"]["reason"]) == (first, "manual")
    assert answer["publication"]["replaced_run_id"] == second  # record_agents published the newer one
    assert answer["publication"]["held_out"] == 4.5

    replaced = publish(client, second, reason="manual")["publication"]
    assert (replaced["replaced_run_id"], replaced["held_out"], replaced["replaced_held_out"]) == (first, 6.25, 4.5)
    undone = publish(client, first, reason="undo")["publication"]
    assert (undone["reason"], undone["replaced_run_id"], undone["replaced_held_out"]) == ("undo", second, 6.25)
    assert runs.published_run_id(SCENARIO, models) == first

    again = publish(client, first)["publication"]  # the published run, published again, replaces nothing
    assert (again["replaced_run_id"], again["replaced_held_out"]) == (None, None)

    deleted = client.delete(f"/api/runs/{first}").get_json()["data"]
    assert deleted["published_run_id"] == second
    assert_fields(deleted["publication"], PUBLICATION)
    assert (deleted["publication"]["reason"], deleted["publication"]["replaced_run_id"]) == ("deleted", first)

    log = client.get(f"/api/models/{SCENARIO}/publications").get_json()
    assert log["scenario_name"] == SCENARIO
    reasons = [(p["reason"], p["run_id"]) for p in log["publications"]]
    assert reasons == [
        ("deleted", second),
        ("manual", first),
        ("undo", first),
        ("manual", second),
        ("manual", first),
        ("finished", second),  # record_agents: each recorded run published itself at its end
        ("finished", first),
    ]
    for record in log["publications"]:
        assert_fields(record, PUBLICATION)
        moment = datetime.fromisoformat(record["published_at"])
        assert moment.utcoffset() == timedelta(0) and moment >= before
    # the log is a file of the models folder, written whole
    saved = json.loads(publications_path(SCENARIO, models).read_text())
    assert saved["scenario_name"] == SCENARIO and list(reversed(saved["publications"])) == log["publications"]
    assert read_publications(SCENARIO, models) == log["publications"]


def test_deleting_the_last_publishable_run_records_no_publish(client, models):
    only = held_out_run(models, 1.0)
    data = client.delete(f"/api/runs/{only}").get_json()["data"]
    assert (data["published_run_id"], data["publication"]) == (None, None)
    assert [p["reason"] for p in client.get(f"/api/models/{SCENARIO}/publications").get_json()["publications"]] == [
        "finished"
    ]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"json": {"reason": "finished"}}, "reason"),
        ({"json": {"reason": "manual", "colour": "red"}}, "colour"),
        ({"json": ["manual"]}, "_schema"),
        ({"data": "reason=undo", "content_type": "text/plain"}, "_schema"),
    ],
)
def test_a_bad_publish_body_is_400_and_publishes_nothing(client, models, kwargs, field):
    first, second = held_out_run(models, 1.0), held_out_run(models, 2.0)
    assert_error(client.post(f"/api/runs/{first}/publish", **kwargs), 400, field)
    assert runs.published_run_id(SCENARIO, models) == second
    assert len(read_publications(SCENARIO, models)) == 2


def test_publishing_by_hand_needs_the_token_when_one_is_set(models):
    run_id = held_out_run(models, 1.0)
    guarded = app_client(models, API_TOKEN=TOKEN)
    assert guarded.post(f"/api/runs/{run_id}/publish", json={"reason": "undo"}).status_code == 401
    assert len(read_publications(SCENARIO, models)) == 1
    ok = guarded.post(
        f"/api/runs/{run_id}/publish", json={"reason": "undo"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert ok.status_code == 200 and ok.get_json()["publication"]["reason"] == "undo"
    # reading the log stays open
    assert len(guarded.get(f"/api/models/{SCENARIO}/publications").get_json()["publications"]) == 2
