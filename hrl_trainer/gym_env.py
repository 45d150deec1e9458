"""Kept for existing imports: `HouseholdEnv` lives in `hrl_trainer.env.gym_env`."""

from hrl_trainer.env.gym_env import HouseholdEnv

__all__ = ["HouseholdEnv"]
