"""CLI commands, one module each (see dashboard/cli.py)."""
