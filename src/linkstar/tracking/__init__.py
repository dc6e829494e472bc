"""Tracking hub: detection, one status vocabulary, derivation (pure core only so far)."""
