"""Use cases: each function does one thing the product does, inside a given session."""
