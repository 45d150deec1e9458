"""`python -m hrl_trainer`."""

import sys

from hrl_trainer.cli.main import main

sys.exit(main())
