"""`python -m pmtui` runs the CLI (tests use it to run pmtui in a subprocess)."""

from pmtui.cli import run

run()
