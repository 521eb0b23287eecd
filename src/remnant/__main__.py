"""``python -m remnant`` runs the command line."""

import sys

from remnant.cli import main

if __name__ == "__main__":
    sys.exit(main())
