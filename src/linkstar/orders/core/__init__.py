"""Pure order core: the canonical order every channel connector produces (no database, no HTTP)."""
