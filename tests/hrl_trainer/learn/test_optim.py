"""The trainer's Adam takes exactly the steps of torch.optim.Adam, without importing torch._dynamo."""

import subprocess
import sys

import torch

from hrl_trainer.learn.optim import Adam


def test_same_parameters_as_torch_adam_after_many_steps():
    torch.manual_seed(0)
    ours, reference = torch.nn.Linear(5, 3), torch.nn.Linear(5, 3)
    reference.load_state_dict(ours.state_dict())
    optimizers = [
        Adam(ours.parameters(), lr=1e-2, eps=1e-5),
        torch.optim.Adam(reference.parameters(), lr=1e-2, eps=1e-5),
    ]
    for _ in range(50):
        x = torch.randn(16, 5)
        for model, optimizer in zip((ours, reference), optimizers):
            optimizer.zero_grad()
            (model(x) ** 2).mean().backward()
            optimizer.step()
    for mine, theirs in zip(ours.parameters(), reference.parameters()):
        assert torch.allclose(mine, theirs, atol=1e-6)
    assert not torch.allclose(ours.weight, torch.nn.Linear(5, 3).weight)  # it did move


def test_a_training_run_does_not_import_dynamo(tmp_path):
    code = (
        "import sys, torch; from hrl_trainer.learn.trainer import Trainer; from hrl_trainer import TrainConfig;"
        "Trainer(TrainConfig('torino_single', num_episodes=1, save_interval=1, eval_episodes=1, seed=0,"
        " models_dir=sys.argv[1])).run(); print('torch._dynamo' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
