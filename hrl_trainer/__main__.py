"""`python -m hrl_trainer`."""
import sys

from .cli import main

sys.exit(main())
