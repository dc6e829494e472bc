"""The demo workspace: a realistic, deterministic seller to explore LinkStar with."""
