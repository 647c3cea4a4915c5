"""``python -m dedupe``: the command-line interface."""

from .cli import main

main()
