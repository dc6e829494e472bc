"""Domain-agnostic pure helpers."""
