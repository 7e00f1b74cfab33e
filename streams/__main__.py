"""`python -m streams` is `ketenlink`."""

from streams.cli import main

main()
