"""Learning: PPO, the optimiser, the training loop, the flat variant and the hyper-parameter search."""
