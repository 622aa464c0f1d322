from tests.e2e.stack import careline_stack  # noqa: F401  (the shared session fixture)
