"""Every change Careline makes to Rasa's own code, listed and installed in one place.

Why patches at all: where Rasa offers a named extension point (stores, channels, graph
components) Careline uses it; what is left has none. Rasa wraps every tracker store in a
``FailSafeTrackerStore`` that cannot be turned off, parses ``/intent{json}`` from anyone,
re-checks a constant schema on every action call, and so on: each module named below says
why its hook is the only way.

How: each :class:`Patch` names one Rasa function, the Rasa version it was written for,
and a fingerprint of that function's source there. :func:`install_all` refuses any other
Rasa version with an error saying what to check, then applies each patch once per
process; tests/careline/rasa_integration/test_patches.py fails when a fingerprint no
longer matches Rasa's source, so an upgrade shows every hook to re-read. The private
Rasa members Careline reads or overrides without patching are listed in
:mod:`careline.rasa_integration.rasa_internals`.

When: ``python -m careline.runtime.rasa_server`` (what ``careline run``, ``careline up``,
Compose, Helm and the image start) calls :func:`install_server` before Rasa starts. Under
Rasa's own CLI (``rasa run``, ``rasa shell``, ``rasa interactive``) nothing of Careline
runs first, so Careline's tracker and lock stores, which Rasa builds from endpoints.yml
before its Agent, call :func:`install_all`; a second call changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Union

import rasa
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor

from careline.rasa_integration import (
    action_endpoint, action_results, channel_identity, customer_intents, external_intents,
    guard, heap_freeze, paused_conversations, pending_offer,
)

#: The Rasa release every patch below was read against (requirements.txt pins it).
RASA_VERSION = "3.6.21"

Method = Callable[..., Any]


class RasaVersionMismatch(RuntimeError):
    """The installed Rasa is not the one Careline's patches were written for."""


@dataclass(frozen=True)
class Patch:
    """One Rasa function replaced by ``make(original)``.

    ``fingerprint`` is :func:`fingerprint` of the function in Rasa ``written_for``. A
    second patch of the same function names itself with ``layer`` and wraps the first.
    """

    owner: Union[type, ModuleType]
    name: str
    fingerprint: str
    make: Callable[[Method], Method]
    written_for: str = RASA_VERSION
    layer: str = ""

    @property
    def target(self) -> str:
        """``rasa.core.processor.MessageProcessor.parse_message``: what the patch replaces."""
        owner = self.owner
        where = owner.__name__ if isinstance(owner, ModuleType) else (
            f"{owner.__module__}.{owner.__qualname__}")
        return f"{where}.{self.name}"


#: What every turn relies on, in the order applied (a later layer wraps an earlier one).
TURN_PATCHES: tuple[Patch, ...] = (
    Patch(RemoteAction, "_validate_action_result", "f8cdb4be68123961",
          action_results.compiled_validation),
    Patch(MessageProcessor, "run_action_extract_slots", "ff52049be97dde87",
          channel_identity.setting_identity_first),
    Patch(MessageProcessor, "trigger_external_user_uttered", "8c48d4ce64b54342",
          external_intents.skipping_retries),
    Patch(MessageProcessor, "parse_message", "b98d8e49b9f2c433",
          customer_intents.reading_commands_as_words),
    Patch(MessageProcessor, "parse_message", "b98d8e49b9f2c433",
          pending_offer.reading_nods_as_yes, layer="pending_offer"),
    Patch(MessageProcessor, "_should_handle_message", "e62818f15e2dd228",
          paused_conversations.never_while_paused),
    Patch(MessageProcessor, "_update_tracker_session", "b0d44217b5ca28ba",
          paused_conversations.no_new_session_while_paused),
    Patch(Agent, "_create_tracker_store", "97499b594b45581b", guard.keeping_loud_stores),
    Patch(Agent, "handle_message", "ba53507e4d5532a3", guard.guarded_turns),
    Patch(Agent, "__init__", "ccaa168ffee74e4e", action_endpoint.resolving_action_endpoint),
)

#: Only for the server Careline starts: it must wrap Rasa's loader before it runs.
SERVER_PATCHES: tuple[Patch, ...] = (
    Patch(rasa.core.run, "load_agent_on_start", "b23e12447febeb64",
          heap_freeze.freezing_after_load),
)

#: Rasa's own function under each patched member, kept when the first layer replaces it.
_rasa_originals: dict[str, Method] = {}
#: The patches applied in this process, by target and layer.
_applied: set[str] = set()


def fingerprint(function: Method) -> str:
    """The first 16 hex digits of the SHA-256 of ``function``'s source."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def rasa_original(patch: Patch) -> Method:
    """Rasa's function that ``patch`` was written against, patched or not."""
    return _rasa_originals.get(patch.target) or getattr(patch.owner, patch.name)


def check_rasa_version(patch: Patch) -> None:
    """Refuse to patch a Rasa other than the one ``patch`` was read against."""
    if rasa.__version__ != patch.written_for:
        raise RasaVersionMismatch(
            f"Careline patches {patch.target} as Rasa {patch.written_for} has it, but Rasa "
            f"{rasa.__version__} is installed: re-read the hooks that "
            "tests/careline/rasa_integration/test_patches.py lists as changed, then update "
            "careline/rasa_integration/patches.py (version and fingerprints)")


def apply(patch: Patch) -> None:
    """Replace the member by ``patch.make(current)``, once per process; a static method
    stays static, so Rasa's ``self.<name>(...)`` calls keep their arguments."""
    check_rasa_version(patch)
    key = f"{patch.target}:{patch.layer}"
    if key in _applied:
        return
    current = getattr(patch.owner, patch.name)
    _rasa_originals.setdefault(patch.target, current)
    replacement: Any = functools.wraps(current)(patch.make(current))
    if isinstance(inspect.getattr_static(patch.owner, patch.name), staticmethod):
        replacement = staticmethod(replacement)
    setattr(patch.owner, patch.name, replacement)
    _applied.add(key)


def install_all() -> None:
    """Apply every turn patch (idempotent; the version is checked on every call)."""
    for patch in TURN_PATCHES:
        apply(patch)


def install_server() -> None:
    """What Careline's Rasa server installs before Rasa starts: every patch."""
    install_all()
    for patch in SERVER_PATCHES:
        apply(patch)
