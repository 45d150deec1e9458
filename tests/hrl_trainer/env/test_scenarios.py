"""Scenario files: the bundled households load; bad files and names are refused, naming the field."""

import pytest
import yaml

from hrl_trainer import ScenarioError, ScenarioNotFound, list_scenarios, load_scenario
from hrl_trainer.env.scenarios import scenario_from_dict

BUNDLED = {
    "bologna_coppia": 600,
    "milano_junior": 150,
    "milano_senior": 500,
    "roma_famiglia": 200,
    "torino_single": 200,
}
VALID = {
    "name": "t",
    "monthly_income": 2000,
    "fixed_expenses": 1000,
    "variable_expenses_mean": 500,
    "variable_expenses_std": 100,
    "safety_buffer": 2000,
    "months": 12,
    "initial_cash": 1000,
}


def test_bundled_scenarios_load_with_their_figures():
    assert list_scenarios() == sorted(BUNDLED)
    for name, margin in BUNDLED.items():
        scenario = load_scenario(name)
        assert scenario.name == name and scenario.months == 120
        assert scenario.monthly_margin == margin
        assert scenario.inflation_annual == 0.02 and scenario.savings_interest_annual == 0.015
    assert load_scenario("bologna_coppia").risk_tolerance == 0.55


def test_profile_supplies_defaults_the_file_does_not_set():
    aggressive = scenario_from_dict({**VALID, "profile": "aggressive"})
    assert (aggressive.risk_tolerance, aggressive.investment_return_annual) == (0.8, 0.084)
    assert scenario_from_dict({**VALID, "profile": "aggressive", "risk_tolerance": 0.1}).risk_tolerance == 0.1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"monthly_income": -5}, "monthly_income"),
        ({"variable_expenses_std": -1}, "variable_expenses_std"),
        ({"months": 0}, "months"),
        ({"months": 1.5}, "months"),
        ({"name": "Bad Name"}, "name"),
        ({"name": "../etc"}, "name"),
        ({"risk_tolerance": 1.5}, "risk_tolerance"),
        ({"profile": "reckless"}, "profile"),
        ({"surprise": 1}, "surprise"),
        ({"monthly_income": float("nan")}, "monthly_income"),
        ({"income_loss_min_months": 5, "income_loss_max_months": 2}, "income_loss_max_months"),
    ],
)
def test_bad_values_name_the_field(change, field):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({**VALID, **change})
    assert field in info.value.errors


def test_missing_field_is_named():
    raw = dict(VALID)
    del raw["safety_buffer"]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw)
    assert info.value.errors == {"safety_buffer": ["Missing data for required field."]}


@pytest.mark.parametrize("name", ["../bologna_coppia", "/etc/passwd", "a" * 65, "", "BOLOGNA", "x\x00y", "%2e%2e"])
def test_unsafe_names_never_reach_the_filesystem(name):
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    assert "scenario_name" in info.value.errors


def test_unknown_scenario_and_broken_files(tmp_path):
    with pytest.raises(ScenarioNotFound):
        load_scenario("atlantis")
    (tmp_path / "broken.yaml").write_text("name: [unclosed")
    with pytest.raises(ScenarioError):
        load_scenario("broken", tmp_path)
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({**VALID, "name": "mismatch"}))
    with pytest.raises(ScenarioError) as info:
        load_scenario("other", tmp_path)
    assert "name" in info.value.errors


def test_scenarios_folder_comes_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({**VALID, "name": "mine"}))
    monkeypatch.setenv("HRL_SCENARIOS_DIR", str(tmp_path))
    assert list_scenarios() == ["mine"]
    assert load_scenario("mine").monthly_income == 2000
