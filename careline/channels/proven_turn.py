"""Hand a turn to Rasa together with what Careline's channel code proved about its sender.

Rasa's ``UserMessage`` carries only what the request said (``input_channel``, metadata),
and Rasa's REST channel takes both from the request body, so neither may name a
customer. Instead the channel that checked a Twilio signature or a web chat token sets
a :class:`~careline.identity.channel_trust.ChannelProof` in a context variable for the
duration of ``on_new_message``; Rasa runs the turn in the same task, where the identity
hook (:mod:`careline.rasa_integration.channel_identity`) reads it. Nothing a caller sends can
set it, and it is reset when the turn ends, so no later task inherits it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from careline.identity.channel_trust import ChannelProof, Proof

_PROOF: ContextVar[Optional[ChannelProof]] = ContextVar("careline_channel_proof", default=None)


def current_proof() -> Optional[ChannelProof]:
    """The proof of the turn running in this task, if Careline's channel code set one."""
    return _PROOF.get()


async def run_proven(run: Callable[[UserMessage], Awaitable[Any]], message: UserMessage, *,
                     customer_id: Optional[int], proved_by: Proof) -> Any:
    """Run ``message``'s turn with the proof for its own channel and conversation."""
    proof = ChannelProof(channel=str(message.input_channel), sender_id=message.sender_id,
                         customer_id=customer_id, proved_by=proved_by)
    token = _PROOF.set(proof)
    try:
        return await run(message)
    finally:
        _PROOF.reset(token)
