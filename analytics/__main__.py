"""`python -m analytics …`: the engine from the command line."""

import sys

from analytics.cli import main

sys.exit(main())
