"""Pure order core: the canonical order every channel connector produces, the state machine,
rules as data and SKU mapping (no database, no HTTP)."""
