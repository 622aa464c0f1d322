"""Wrap one of Rasa's ``MessageProcessor`` methods once per process.

Careline's processor hooks (channel identity, external intents) each wrap a method
(customer intents and pending offers both ``parse_message``, one around the other);
installing twice — several stores call ``guard.install`` — must not wrap twice. A
static method stays static, so Rasa's ``self.<name>(...)`` calls keep their arguments.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from rasa.core.processor import MessageProcessor

Method = Callable[..., Any]


def wrap_once(name: str, make: Callable[[Method], Method], *, hook: str = "") -> None:
    """Replace ``MessageProcessor.<name>`` by ``make(original)``, unless already done; a
    second hook on the same method names itself (``hook``) to wrap the first."""
    marker = f"_careline_wrapped_{name}" + (f"_{hook}" if hook else "")
    if getattr(MessageProcessor, marker, False):
        return
    original = getattr(MessageProcessor, name)
    replacement = functools.wraps(original)(make(original))
    if isinstance(inspect.getattr_static(MessageProcessor, name), staticmethod):
        replacement = staticmethod(replacement)
    setattr(MessageProcessor, name, replacement)
    setattr(MessageProcessor, marker, True)
