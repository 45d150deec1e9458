"""Stable-Baselines3 on the batched households, scored on the held-out lives against the baselines.

    .venv/bin/python examples/sb3_households.py --scenario bologna_coppia --timesteps 600000

`HouseholdVectorEnv` is a Gymnasium vector environment (SAME_STEP autoreset); SB3 wants its
own `VecEnv` interface, which `SB3Households` below gives it in a few lines. `score_policy`
takes any function from observations (B, 11) to splits (B, 3).
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv

from hrl_trainer import HouseholdVectorEnv, score_policy


class SB3Households(VecEnv):
    """SB3's VecEnv interface over a HouseholdVectorEnv."""

    def __init__(self, env: HouseholdVectorEnv):
        self.env = env
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)

    def reset(self) -> np.ndarray:
        obs, _ = self.env.reset(seed=self._seeds[0] if self._seeds and self._seeds[0] is not None else None)
        self._reset_seeds()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = actions

    def step_wait(self):
        obs, rewards, terminated, truncated, info = self.env.step(self.actions)
        dones = terminated | truncated
        infos = [{} for _ in range(self.num_envs)]
        for i in np.flatnonzero(dones):
            infos[i] = {"terminal_observation": info["final_obs"][i], "TimeLimit.truncated": bool(truncated[i])}
        return obs, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        pass

    def get_attr(self, attr_name, indices=None):
        return [getattr(self.env, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name, value, indices=None) -> None:
        setattr(self.env, attr_name, value)

    def env_method(self, method_name, *args, indices=None, **kwargs):
        return [getattr(self.env, method_name)(*args, **kwargs)] * len(self._get_indices(indices))

    def env_is_wrapped(self, wrapper_class, indices=None):
        return [False] * len(self._get_indices(indices))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="bologna_coppia")
    parser.add_argument("--timesteps", type=int, default=600_000, help="household-months (5000 episodes: 600 000)")
    parser.add_argument("--episodes", type=int, default=1000, help="held-out households to score on")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = SB3Households(HouseholdVectorEnv(args.scenario, num_envs=25))
    env.seed(args.seed)
    model = PPO("MlpPolicy", env, n_steps=120, batch_size=600, seed=args.seed, device="cpu")
    model.learn(total_timesteps=args.timesteps)
    report = score_policy(
        env.env.scenario, lambda obs: model.predict(obs, deterministic=True)[0], episodes=args.episodes
    )
    print(json.dumps({"policy": report["policies"]["policy"], "paired": report["paired"]}, indent=2))


if __name__ == "__main__":
    main()
