"""The two agents: networks, acting in NumPy and the Executor's rule prior."""
