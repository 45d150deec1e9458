"""Runs of the embedded mode: the `Supervisor` protocol every mode implements, the training child and its
events."""
