"""The security suite runs each attack against the real stack (``careline run`` on free
ports, shared with the end-to-end tests): every test names its attack in its docstring."""

from tests.e2e.stack import careline_stack  # noqa: F401  (the shared session fixture)
