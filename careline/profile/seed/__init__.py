"""``careline seed``: reference data, named demo customers and a synthetic population."""
