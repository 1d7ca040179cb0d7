"""`python -m pipeline` behaves exactly like the `ecvet` command."""

from pipeline.cli import main

main()
