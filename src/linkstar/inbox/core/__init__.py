"""Pure inbox core: language, intent, entities and compliance checks (no database, no network)."""
