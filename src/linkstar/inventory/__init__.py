"""Central inventory: a ledger per master SKU and warehouse, allocation that never oversells."""
