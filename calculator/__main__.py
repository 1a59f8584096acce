"""`python -m calculator ...`: see calculator/cli.py."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
