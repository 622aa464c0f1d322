"""Careline's patches of Rasa and the private Rasa members it uses still match Rasa.

A failure here after a Rasa upgrade names the function that changed: re-read the hook
that patches it (or the code that uses the member) against Rasa's new source, then
update the fingerprint and version in careline/rasa_integration/patches.py or
rasa_internals.py.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rasa
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor

from careline.rasa_integration import patches
from careline.rasa_integration.patches import (
    SERVER_PATCHES, TURN_PATCHES, Patch, RasaVersionMismatch, fingerprint, install_all,
    rasa_original,
)
from careline.rasa_integration.rasa_internals import PRIVATE_MEMBERS, PrivateMember, Use
from careline.settings import PROJECT_ROOT

#: Where Careline's classes extend Rasa's: a private override there must be registered.
EXTENDING_RASA = ("careline.rasa_integration", "careline.channels")


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    install_all()


def _owner(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("patch", TURN_PATCHES + SERVER_PATCHES,
                         ids=lambda patch: "+".join(filter(None, (patch.target, patch.layer))))
def test_each_patched_function_is_rasa_s_as_the_patch_was_written_for(patch: Patch) -> None:
    assert patch.written_for == rasa.__version__ == patches.RASA_VERSION
    assert fingerprint(rasa_original(patch)) == patch.fingerprint, (
        f"Rasa's {patch.target} changed: re-read its patch ({patch.make.__module__})")


@pytest.mark.parametrize("member", PRIVATE_MEMBERS,
                         ids=lambda member: f"{member.owner}.{member.name}")
def test_each_private_member_careline_uses_is_still_rasa_s(member: PrivateMember) -> None:
    owner = _owner(member.owner)
    used_by = inspect.getsource(importlib.import_module(member.used_by))
    assert re.search(rf"\b{member.name}\b", used_by), f"{member.used_by} no longer uses it"
    if member.use is Use.ATTRIBUTE:
        assigned = re.compile(rf"self\.{member.name}\s*[:=]")
        assert assigned.search(inspect.getsource(owner.__init__)), (
            f"{member.owner} no longer sets {member.name} ({member.used_by} reads it)")
        return
    assert member.name in vars(owner), f"{member.owner}.{member.name} is gone ({member.used_by})"
    if member.use is Use.OVERRIDES:
        assert fingerprint(getattr(owner, member.name)) == member.fingerprint, (
            f"Rasa's {member.owner}.{member.name} changed: re-read {member.used_by}")


def test_every_private_rasa_method_careline_overrides_is_registered() -> None:
    """A new override of a private Rasa method fails here until it is listed."""
    registered = {(m.owner, m.name) for m in PRIVATE_MEMBERS}
    unlisted = []
    for module in _modules_of(*EXTENDING_RASA, "careline.observability.rasa_channel"):
        for cls in _classes_of(module):
            for base in cls.__mro__[1:]:
                if not base.__module__.startswith("rasa."):
                    continue
                for name in vars(cls):
                    if _private(name) and name in vars(base) and (
                            f"{base.__module__}:{base.__qualname__}", name) not in registered:
                        unlisted.append(f"{cls.__qualname__}.{name} over {base.__qualname__}")
    assert unlisted == []


def test_another_rasa_is_refused_with_what_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    expected = r"Rasa 3\.6\.21 has it, but Rasa 3\.7\.0 is installed"
    with pytest.raises(RasaVersionMismatch, match=expected) as err:
        install_all()
    assert "_validate_action_result" in str(err.value) and "test_patches.py" in str(err.value)


def test_each_patch_is_applied_once_however_often_installed() -> None:
    install_all()
    install_all()
    inner = MessageProcessor.parse_message.__wrapped__  # type: ignore[attr-defined]
    rasa_s = inner.__wrapped__
    assert _file(inner) == "careline/rasa_integration/customer_intents.py"
    assert _file(MessageProcessor.parse_message) == "careline/rasa_integration/pending_offer.py"
    assert _file(rasa_s) == "rasa/core/processor.py" and not hasattr(rasa_s, "__wrapped__")
    for patch in TURN_PATCHES:
        assert getattr(patch.owner, patch.name) is not rasa_original(patch), patch.target


def test_static_methods_stay_static() -> None:
    for owner, name in ((MessageProcessor, "_should_handle_message"),
                        (Agent, "_create_tracker_store")):
        assert isinstance(inspect.getattr_static(owner, name), staticmethod)
        assert _file(getattr(owner, name)).startswith("careline/")


def _file(function: Any) -> str:
    """Where ``function`` is written (``functools.wraps`` gives a patch Rasa's names)."""
    path = Path(function.__code__.co_filename)
    return "/".join(path.parts[path.parts.index("site-packages") + 1:]
                    if "site-packages" in path.parts else path.relative_to(PROJECT_ROOT).parts)


def _modules_of(*names: str) -> list[ModuleType]:
    """The named modules and, for a package, every module under it."""
    found = []
    for name in names:
        module = importlib.import_module(name)
        found.append(module)
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{name}."):
            found.append(importlib.import_module(info.name))
    return found


def _classes_of(module: ModuleType) -> list[type]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == module.__name__]


def _private(name: str) -> bool:
    """A private name of Rasa's own (``_abc_impl`` is every abstract class's bookkeeping)."""
    return name.startswith("_") and not name.startswith("__") and name != "_abc_impl"
