"""Command line (Typer): thin shells over the library functions."""
