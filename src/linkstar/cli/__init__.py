"""The `linkstar` command line (Typer + Rich)."""
