"""Adam without `torch.optim`.

`torch.optim.Optimizer` imports `torch._dynamo` the first time it is used:
about 1.4 s on the 2-core machine this project targets, a fifth of a whole
1000-episode training run and paid again by every training child the service
starts. This is the same algorithm with the same defaults as
`torch.optim.Adam` (bias-corrected, no weight decay, no amsgrad), over the few
small tensors of one agent, with PyTorch's multi-tensor (`_foreach`) kernels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


class Adam:
    """Adam (Kingma and Ba, 2015): `zero_grad()`, then `backward()`, then `step()`."""

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter from its gradient."""
        beta1, beta2 = self.betas
        self.steps += 1
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        torch._foreach_lerp_(self.exp_avg, grads, 1 - beta1)
        torch._foreach_mul_(self.exp_avg_sq, beta2)
        torch._foreach_addcmul_(self.exp_avg_sq, grads, grads, 1 - beta2)
        denom = torch._foreach_sqrt(self.exp_avg_sq)
        torch._foreach_div_(denom, math.sqrt(1 - beta2**self.steps))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.exp_avg, denom, -self.lr / (1 - beta1**self.steps))

    def state_dict(self) -> dict:
        """Step count and moment estimates (tensors and ints only, for `torch.load(weights_only=True)`)."""
        return {
            "steps": self.steps,
            "exp_avg": [t.clone() for t in self.exp_avg],
            "exp_avg_sq": [t.clone() for t in self.exp_avg_sq],
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from a saved `state_dict()` of an optimiser over parameters of the same shapes."""
        shapes = [p.shape for p in self.params]
        for key in ("exp_avg", "exp_avg_sq"):
            if [t.shape for t in state[key]] != shapes:
                raise ValueError(f"optimiser state does not fit these parameters ({key} shapes differ)")
        self.steps = int(state["steps"])
        self.exp_avg = [t.clone() for t in state["exp_avg"]]
        self.exp_avg_sq = [t.clone() for t in state["exp_avg_sq"]]
