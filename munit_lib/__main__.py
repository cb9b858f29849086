"""``python -m munit_lib VERB ...``: the command line, :mod:`munit_lib.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
