"""Channel stock publishing: each store's listed quantities pushed through its connector."""
