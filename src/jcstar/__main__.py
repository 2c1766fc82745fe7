"""``python -m jcstar``."""

from jcstar.cli.main import run

run()
