"""Kept for existing imports: the vector environment lives in `hrl_trainer.env.vector_env`."""

from hrl_trainer.env.vector_env import Cohort, HouseholdVectorEnv

__all__ = ["Cohort", "HouseholdVectorEnv"]
