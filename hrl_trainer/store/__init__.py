"""What lives in the models folder: runs, checkpoints, locks, households and saved simulations."""
