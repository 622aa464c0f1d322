"""Wrap one of Rasa's ``MessageProcessor`` methods once per process.

Careline's processor hooks (channel identity, external intents) each wrap a method;
installing twice — several stores call ``guard.install`` — must not wrap twice.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from rasa.core.processor import MessageProcessor

Method = Callable[..., Any]


def wrap_once(name: str, make: Callable[[Method], Method]) -> None:
    """Replace ``MessageProcessor.<name>`` by ``make(original)``, unless already done."""
    marker = f"_careline_wrapped_{name}"
    if getattr(MessageProcessor, marker, False):
        return
    original = getattr(MessageProcessor, name)
    setattr(MessageProcessor, name, functools.wraps(original)(make(original)))
    setattr(MessageProcessor, marker, True)
