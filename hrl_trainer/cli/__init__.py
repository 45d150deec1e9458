"""The command line, `python -m hrl_trainer`."""
