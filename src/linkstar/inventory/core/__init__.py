"""Pure inventory core: allocation strategies and ledger arithmetic (no database)."""
