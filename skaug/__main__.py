"""``python -m skaug`` runs the command line (see :mod:`skaug.cli`)."""

import sys

from .cli import main

sys.exit(main())
