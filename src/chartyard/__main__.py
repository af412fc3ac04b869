"""Run the command line with `python -m chartyard`."""

from chartyard.cli import main

main()
