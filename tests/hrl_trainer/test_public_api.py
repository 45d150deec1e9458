"""The public API: what outside code imports from `hrl_trainer` itself, lazily, typed and documented."""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hrl_trainer
from hrl_trainer import (
    EpisodeStats,
    HouseholdBatch,
    ModelNotFound,
    Policy,
    compare_policy,
    fixed_households,
    load_policy,
    load_scenario,
    paired,
    score,
    score_policy,
    train,
)

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "docs" / "architecture.md").read_text()
SECTION = DOCS.partition("\n## The public API\n")[2]

ISSUE_NAMES = {
    "train",
    "load_scenario",
    "fixed_households",
    "score",
    "paired",
    "compare_policy",
    "Policy",
    "HouseholdBatch",
    "load_policy",
    "score_policy",
}


def test_the_issue_s_names_are_public_and_each_resolves():
    assert ISSUE_NAMES <= set(hrl_trainer.__all__)
    assert len(hrl_trainer.__all__) == len(set(hrl_trainer.__all__))
    for name in hrl_trainer.__all__:
        assert getattr(hrl_trainer, name) is not None, name
    assert set(hrl_trainer.__all__) <= set(dir(hrl_trainer))
    with pytest.raises(AttributeError, match="no attribute 'paired_difference'"):
        hrl_trainer.paired_difference  # one function, one name: `paired`  # noqa: B018


def test_paired_is_the_one_paired_difference_on_hand_computed_numbers():
    from hrl_trainer.evaluation.paired import paired_difference

    assert paired is paired_difference
    assert paired(np.array([3.0, 5.0]), np.array([1.0, 1.0])) == {"diff": 3.0, "stderr": 1.0}  # diffs 2, 4


def test_importing_the_package_loads_no_torch_until_a_torch_name_is_used():
    code = (
        "import sys, hrl_trainer\n"
        "from hrl_trainer import ModelNotFound, load_scenario\n"
        "before = sorted(m for m in ('torch', 'numpy', 'gymnasium') if m in sys.modules)\n"
        "hrl_trainer.load_policy\n"
        "print(before, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_make_lint_type_checks_the_public_api_strictly():
    """`make lint` (part of `make test`) runs mypy with pyproject.toml's settings: the public API's two modules are
    among its files, under `strict` (running mypy a second time here would only repeat it)."""
    import tomllib

    mypy = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    assert {"hrl_trainer/__init__.py", "hrl_trainer/use/trained_policy.py"} <= set(mypy["files"])
    strict = {module for override in mypy["overrides"] if override.get("strict") for module in override["module"]}
    assert {"hrl_trainer", "hrl_trainer.use.trained_policy"} <= strict
    assert "$(BIN)/mypy" in (REPO / "Makefile").read_text().split("lint: $(STAMP)")[1].split("\n\n")[0]


def recorded(models_dir: Path, seed: int) -> tuple[str, object]:
    """A run of bologna_coppia with untrained agents drawn from `seed`, published; (its run id, the agents'
    deterministic policy built directly)."""
    import torch

    from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
    from hrl_trainer.env.simulation import OBS_DIM
    from hrl_trainer.evaluation.scoring import hrl_policy
    from hrl_trainer.store.run_writer import record_agents

    torch.manual_seed(seed)
    strategist, executor = Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM)
    return record_agents("bologna_coppia", strategist, executor, None, models_dir), hrl_policy(strategist, executor)


def test_load_policy_is_a_run_s_or_the_published_agents_acting(tmp_path: Path):
    scenario = load_scenario("bologna_coppia")
    lives = fixed_households(scenario, 6, "held_out")
    first_run, first = recorded(tmp_path, seed=1)
    _, second = recorded(tmp_path, seed=2)  # published last: the scenario's model now

    expected = {name: score(scenario, lives, policy).reward for name, policy in (("first", first), ("second", second))}
    assert not np.allclose(expected["first"], expected["second"])
    np.testing.assert_array_equal(
        score(scenario, lives, load_policy("bologna_coppia", first_run, tmp_path)).reward, expected["first"]
    )
    published = load_policy("bologna_coppia", models_dir=tmp_path)
    np.testing.assert_array_equal(score(scenario, lives, published).reward, expected["second"])
    sampling = load_policy("bologna_coppia", models_dir=str(tmp_path), deterministic=False)
    assert not np.allclose(score(scenario, lives, sampling).reward, expected["second"])


@pytest.mark.parametrize(
    ("run_id", "field"),
    [(None, "scenario_name"), ("bologna_coppia-20260101-000000-0000", "run_id"), ("../escape", "run_id")],
)
def test_load_policy_without_a_model_names_the_argument_at_fault(tmp_path: Path, run_id, field):
    with pytest.raises(ModelNotFound) as caught:
        load_policy("bologna_coppia", run_id, tmp_path)
    assert caught.value.field == field


class KeepTwoBuffers:
    """A research script's policy, reading only documented fields."""

    def reset(self, batch: HouseholdBatch) -> None:
        self.seen = (batch.size, batch.month)

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        assert batch.observe().shape == (batch.size, len(hrl_trainer.OBS_FEATURES))
        short = batch.liquid < 2 * batch.scenario.safety_buffer
        return np.where(short[:, None], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0])


def test_a_policy_of_one_s_own_is_scored_on_the_held_out_lives():
    scenario = load_scenario("bologna_coppia")
    policy: Policy = KeepTwoBuffers()
    stats = score(scenario, fixed_households(scenario, 5, "held_out"), policy)
    assert isinstance(stats, EpisodeStats) and stats.reward.shape == (5,)
    assert policy.seen == (5, 0)
    assert stats.duration.tolist() == [scenario.months] * 5  # two buffers of savings: nobody goes broke
    assert compare_policy.__module__ == score_policy.__module__ == "hrl_trainer.evaluation.scoring"
    assert train.__module__ == "hrl_trainer.learn.trainer"


def documented_names(table_header: str) -> list[str]:
    """The first column's backticked names of the docs table under `table_header`."""
    assert table_header in SECTION, "docs/architecture.md has no section 'The public API' with this table"
    table = SECTION[SECTION.index(table_header) :].split("\n\n")[0]
    return [re.match(r"\| `(\w+)", line).group(1) for line in table.splitlines()[2:]]


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Docstrings of a class's annotated fields (the string right below), properties and methods."""
    body = ast.parse(inspect.getsource(cls)).body[0].body
    found = {node.name: ast.get_docstring(node) or "" for node in body if isinstance(node, ast.FunctionDef)}
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            found[node.target.id] = after.value.value
    return found


def test_every_field_a_policy_may_read_is_documented_in_the_class_and_the_docs():
    fields = documented_names("| Field |")
    assert {"observe", "liquid", "invested", "scenario", "size", "alive"} <= set(fields)
    scenario = load_scenario("bologna_coppia")
    batch = HouseholdBatch(scenario, fixed_households(scenario, 3, "held_out"))
    docstrings = attribute_docstrings(HouseholdBatch)
    for name in fields:
        assert hasattr(batch, name), name
        assert docstrings.get(name), f"HouseholdBatch.{name} has no docstring"
    assert "events" not in fields and "never reads `events`" in " ".join(SECTION.split())
    assert Policy.__doc__ and Policy.reset.__doc__ and Policy.act.__doc__


def test_every_public_name_is_in_the_docs_and_the_docs_example_uses_only_public_names():
    assert "```python" in SECTION, "docs/architecture.md has no section 'The public API' with an example"
    for name in hrl_trainer.__all__:
        assert f"`{name}" in SECTION, f"{name} is not in docs/architecture.md, 'The public API'"
    example = SECTION[SECTION.index("```python") + len("```python") :].split("```")[0]
    imported = [
        alias.name
        for node in ast.walk(ast.parse(example))
        if isinstance(node, ast.ImportFrom) and node.module == "hrl_trainer"
        for alias in node.names
    ]
    assert imported and set(imported) <= set(hrl_trainer.__all__)
