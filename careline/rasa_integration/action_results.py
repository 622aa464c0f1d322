"""Check action-server responses against Rasa's schema once-compiled, not re-checked per call.

Rasa 3.6.21's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``
on every custom-action response. ``validate`` first checks the *schema itself*
against the JSON Schema meta-schema (``check_schema``) and builds a new validator,
every time: about 28 ms of CPU per action call on this machine against 0.35 ms for
the response's own check. A Careline turn calls the action server one to three
times (forms call their validation actions), so this alone was ~45% of a Rasa replica's CPU under
load (docs/production.md, "Where a turn's time goes").

The schema (``RemoteAction.action_response_format_spec``) is a constant, so
checking it once and reusing one validator gives the same verdicts and the same
error message. Installed by :mod:`careline.rasa_integration.patches`;
tests/careline/rasa_integration/test_action_results.py checks the verdicts.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from jsonschema import exceptions, validators
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

#: Rasa's own advice, appended to the message exactly as Rasa does.
_ADVICE = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
)


@functools.lru_cache(maxsize=1)
def response_validator() -> Validator:
    """One validator for Rasa's response schema, the schema checked once per process."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """What Rasa's method does, with the compiled validator: True, or ValidationError."""
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += _ADVICE
        raise error
    return True


def compiled_validation(original: Callable[..., bool]) -> Callable[..., bool]:
    """The patch of ``RemoteAction._validate_action_result``: Rasa's own is not called."""

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        return validate_action_result(self, result)

    return _validate_action_result
