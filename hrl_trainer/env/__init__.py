"""The households: scenario files, the batched monthly simulator, its Gymnasium adapters and the episode loop."""
