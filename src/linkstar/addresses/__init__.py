"""Address checking: normalise, validate, classify and decide every destination."""
