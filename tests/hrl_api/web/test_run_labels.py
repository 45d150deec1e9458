"""Names, notes and tags on runs (issue 22): PATCH /api/runs/{run_id}, the listing's search, tag filter and sort, the
labels' own file (never the summary a trainer writes), and `python -m hrl_trainer runs label`. On the app object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hrl_trainer.common.config import RUN_NAME_MAX_LENGTH, RUN_NOTES_MAX_LENGTH, RUN_TAGS_MAX
from hrl_trainer.store import runs
from tests.api_contract import assert_error
from tests.hrl_api.web.recorded_runs import app_client, recorded_run
from tests.hrl_trainer.helpers import run_main

TOKEN = "label-token"


def recorded(models: Path, scenario: str, reward: float, held_out: float | None) -> str:
    """A completed run of `scenario` with a final training reward and a held-out score."""
    return recorded_run(models, scenario, {"final_metrics": {"avg_reward": reward}}, held_out)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("labels") / "models"
    recorded(folder, "torino_single", 3.0, 5.0)
    recorded(folder, "torino_single", 1.0, None)
    recorded(folder, "bologna_coppia", 2.0, 7.0)
    return folder


@pytest.fixture
def client(models):
    return app_client(models)


def run_ids(client, query: str = "") -> list[str]:
    body = client.get(f"/api/runs{query}").get_json()
    return [run["run_id"] for run in body["runs"]]


def test_a_run_unlabelled_has_no_name_empty_notes_and_no_tags(client, models):
    listed = client.get("/api/runs").get_json()["runs"]
    assert {(run["name"], run["notes"], run["tags"].__class__) for run in listed} == {(None, "", list)}
    assert all(run["tags"] == [] for run in listed)
    shown = client.get(f"/api/runs/{listed[0]['run_id']}").get_json()
    assert (shown["name"], shown["notes"], shown["tags"]) == (None, "", [])


def test_patch_sets_trims_and_keeps_the_other_labels(client, models):
    run_id = run_ids(client, "?scenario_name=torino_single")[0]
    response = client.patch(f"/api/runs/{run_id}", json={"name": "  Seed one  ", "tags": [" baseline ", "lr-3e4"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Run labelled"
    assert (body["data"]["name"], body["data"]["tags"], body["data"]["notes"]) == (
        "Seed one",
        ["baseline", "lr-3e4"],
        "",
    )
    client.patch(f"/api/runs/{run_id}", json={"notes": "kept the old rule prior"})
    shown = client.get(f"/api/runs/{run_id}").get_json()
    assert (shown["name"], shown["tags"], shown["notes"]) == (
        "Seed one",
        ["baseline", "lr-3e4"],
        "kept the old rule prior",
    )
    # the labels live in their own file; the summary the trainer writes never holds them
    folder = runs.run_dir(run_id, models)
    assert json.loads((folder / "labels.json").read_text())["name"] == "Seed one"
    assert "name" not in json.loads((folder / "run.json").read_text())
    # "" clears the name
    assert client.patch(f"/api/runs/{run_id}", json={"name": ""}).get_json()["data"]["name"] is None
    client.patch(f"/api/runs/{run_id}", json={"name": "Seed one"})


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "_schema"),
        ({"name": "x" * (RUN_NAME_MAX_LENGTH + 1)}, "name"),
        ({"notes": "x" * (RUN_NOTES_MAX_LENGTH + 1)}, "notes"),
        ({"tags": [f"t{i}" for i in range(RUN_TAGS_MAX + 1)]}, "tags"),
        ({"tags": ["a", "a"]}, "tags"),
        ({"tags": ["semi;colon"]}, "tags"),
        ({"tags": ["x" * 33]}, "tags"),
        ({"tags": ["   "]}, "tags"),
        ({"tags": "baseline"}, "tags"),
        ({"name": 3}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_labels_are_400_naming_the_field_in_words(client, body, field):
    run_id = run_ids(client)[0]
    error = assert_error(client.patch(f"/api/runs/{run_id}", json=body), 400, field)
    for message in error["errors"][field]:
        assert message[0].isupper() and message.endswith(".") and "[" not in message and "{" not in message


def test_the_longest_labels_are_accepted(client):
    run_id = run_ids(client)[-1]
    body = {
        "name": "n" * RUN_NAME_MAX_LENGTH,
        "notes": "x" * RUN_NOTES_MAX_LENGTH,
        "tags": [f"tag {i}_-" for i in range(RUN_TAGS_MAX)],
    }
    assert client.patch(f"/api/runs/{run_id}", json=body).status_code == 200
    assert client.patch(f"/api/runs/{run_id}", json={"name": "", "notes": "", "tags": []}).status_code == 200


def test_unknown_and_malformed_runs(client):
    assert_error(client.patch("/api/runs/torino_single-20000101-000000-0000", json={"name": "x"}), 404, "run_id")
    body = assert_error(client.patch("/api/runs/not-a-run", json={"name": "x"}), 400, "run_id")
    assert "must be a run id" in body["errors"]["run_id"][0].lower() and "[" not in body["errors"]["run_id"][0]
    assert_error(client.patch(f"/api/runs/{run_ids(client)[0]}", data="name", content_type="text/plain"), 400)


def test_search_tag_filter_and_sort_apply_before_the_page(client, models):
    torino_best, torino_other = sorted(
        run_ids(client, "?scenario_name=torino_single"),
        key=lambda r: client.get(f"/api/runs/{r}").get_json()["final_metrics"]["avg_reward"],
        reverse=True,
    )
    (bologna,) = run_ids(client, "?scenario_name=bologna_coppia")
    client.patch(f"/api/runs/{torino_best}", json={"name": "Seed one", "tags": ["baseline"]})
    client.patch(
        f"/api/runs/{torino_other}", json={"name": "another", "notes": "Try A LOWER learning rate", "tags": []}
    )
    client.patch(f"/api/runs/{bologna}", json={"tags": ["Baseline", "family"]})

    assert set(run_ids(client, "?tag=baseline")) == {torino_best, bologna}  # any case
    assert run_ids(client, "?q=lower%20LEARNING") == [torino_other]  # notes, any case
    assert run_ids(client, "?q=seed") == [torino_best]
    assert run_ids(client, "?q=bologna_coppia-") == [bologna]  # the run id
    assert run_ids(client, "?q=FAMILY") == [bologna]  # a tag
    assert run_ids(client, "?q=nothing-like-it") == []

    assert run_ids(client, "?sort=final_reward&order=desc") == [torino_best, bologna, torino_other]
    assert run_ids(client, "?sort=final_reward&order=asc") == [torino_other, bologna, torino_best]
    # a run without a held-out score comes last, either way
    assert run_ids(client, "?sort=held_out&order=desc") == [bologna, torino_best, torino_other]
    assert run_ids(client, "?sort=held_out&order=asc") == [torino_best, bologna, torino_other]
    assert run_ids(client, "?sort=name&order=asc") == [torino_other, torino_best, bologna]  # unnamed last
    assert run_ids(client, "?sort=scenario_name&order=asc")[0] == bologna
    newest_first = run_ids(client)
    assert run_ids(client, "?sort=started_at&order=asc") == list(reversed(newest_first))
    # the page is cut after sorting and filtering, and total counts every match
    page = client.get("/api/runs?sort=final_reward&order=desc&limit=1&offset=1").get_json()
    assert [r["run_id"] for r in page["runs"]] == [bologna] and page["total"] == 3
    assert client.get("/api/runs?tag=baseline&limit=1").get_json()["total"] == 2


@pytest.mark.parametrize("query", ["sort=reward", "order=up", "q=" + "x" * 201, "tag=" + "x" * 33])
def test_bad_listing_queries_are_400(client, query):
    field = query.split("=")[0]
    assert_error(client.get(f"/api/runs?{query}"), 400, field)


def test_labelling_needs_the_token_when_one_is_set(models):
    guarded = app_client(models, API_TOKEN=TOKEN)
    run_id = run_ids(guarded)[0]
    assert guarded.patch(f"/api/runs/{run_id}", json={"notes": "x"}).status_code == 401
    ok = guarded.patch(f"/api/runs/{run_id}", json={"notes": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.get_json()["data"]["notes"] == "x"


def test_a_queued_run_cannot_be_labelled(client, monkeypatch):
    queued = "torino_single-20991231-235959-abcd"
    from hrl_api.web import runs as runs_view

    class Queued:
        def pending_runs(self):
            return [{"run_id": queued, "scenario_name": "torino_single", "status": "queued"}]

    monkeypatch.setattr(runs_view, "get_supervisor", lambda: Queued())
    assert_error(client.patch(f"/api/runs/{queued}", json={"name": "x"}), 409, "run_id")
    listed = client.get("/api/runs?q=2099").get_json()["runs"]
    assert [(r["run_id"], r["name"], r["notes"], r["tags"]) for r in listed] == [(queued, None, "", [])]


def test_the_cli_labels_lists_and_refuses_like_the_api(models, capsys):
    run_id = runs.list_runs(models, scenario_name="bologna_coppia")[0][0]["run_id"]

    def cli(*args: str) -> tuple[int, str, str]:  # `python -m hrl_trainer runs ...`, in this process
        return run_main(capsys, "runs", "--models-dir", str(models), *args)

    status, _, err = cli(
        "label", run_id, "--name", "Family run", "--tag", "cli", "--tag", "second one", "--notes", "from the CLI"
    )
    assert status == 0, err
    shown = runs.read_run(run_id, models)
    assert (shown["name"], shown["tags"], shown["notes"]) == ("Family run", ["cli", "second one"], "from the CLI")
    status, out, _ = cli("--tag", "cli")
    assert status == 0 and run_id in out and "Family run" in out
    assert out.count("\n") == 2  # the header and the one run
    assert cli("--search", "FAMILY RUN")[1].count("\n") == 2
    status, _, err = cli("label", run_id, "--tag", "bad;tag")
    assert status == 2 and "argument --tag: Each tag: letters, digits" in err
    assert runs.read_run(run_id, models)["tags"] == ["cli", "second one"]  # nothing changed
    assert cli("label", run_id, "--no-tags")[0] == 0 and runs.read_run(run_id, models)["tags"] == []
