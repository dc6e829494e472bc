"""Order hub: every channel's orders in one canonical shape, one state machine, rules as data."""
