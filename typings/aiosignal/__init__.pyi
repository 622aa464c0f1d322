"""aiosignal 1.3's types, which aiohttp 3.9 (Rasa's pin) declares its signals with.

aiosignal 1.4 made ``Signal`` generic in its receivers' argument types, so aiohttp 3.9's
``Signal[Callable[[Application], Awaitable[None]]]`` reads as a signal whose receivers take
a callable, and every ``app.on_startup.append(hook)`` fails to type-check.
"""

from typing import Any, Generic, TypeVar

from frozenlist import FrozenList

_T = TypeVar("_T")

class Signal(FrozenList[_T], Generic[_T]):
    def __init__(self, owner: Any) -> None: ...
    async def send(self, *args: Any, **kwargs: Any) -> None: ...
