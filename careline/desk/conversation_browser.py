"""One conversation as the customer saw it, with what the bot understood and decided.

Each customer line shows its intent and confidence; each bot line the action that sent
it and the policy that chose the action (Rasa writes ``policy`` and ``confidence`` on
every ``action`` event). Linked from a desk ticket by the conversation's hash (a
conversation id can be a phone number, so it never appears in a page or address);
tagged ("bad answer", "should have handed off") into ``desk_conversation_tags``, and
exported as a Rasa test story skeleton for tests/stories/.
"""

from __future__ import annotations

from html import escape
from typing import Any

import yaml

from careline import clock
from careline.db.session import session_scope
from careline.designer.reviewed import annotated, conversation_hash
from careline.desk import repository
from careline.desk.pages import csrf_field, layout
from careline.desk.review import Conversation, Flag, ReviewService, Step, Turn
from careline.desk.schemas import SignedIn

#: The verdicts a designer or agent can give a conversation (value: what the page says).
TAGS = {"bad_answer": "bad answer", "should_have_handed_off": "should have handed off"}
#: How far back a conversation is looked for, by its hash.
BROWSE_DAYS = 90
STYLE = """.nlu, .policy { display: block; font-size: .75em; color: #3b4a63; }
.flags span, .tags span { display: inline-block; background: #eceff3; border-radius: .7rem;
 padding: 0 .5rem; margin-right: .3rem; font-size: .8em; }
.browser .transcript { max-height: none; } form.actions select { width: auto; }"""


def find(service: ReviewService, digest: str) -> list[Conversation]:
    """The sessions of the conversation whose hash is ``digest`` (none: unknown)."""
    for conversation_id in service.reader.conversation_ids(
            since=(clock.now().timestamp() - BROWSE_DAYS * 86400)):
        if conversation_hash(conversation_id) == digest:
            return service.conversations(days=BROWSE_DAYS, sender_id=conversation_id)
    return []


def story_skeleton(conversations: list[Conversation]) -> str:
    """Rasa test stories (YAML), one per session: the customer's (masked) words with the
    intent and entities Rasa found, then each action the bot ran. A designer fixes what
    was wrong and saves it under tests/stories/."""
    stories = []
    for conversation in conversations:
        steps: list[dict[str, Any]] = [{"action": s.action} for s in conversation.opening
                                       if not s.action.startswith("(")]
        for turn in conversation.turns:
            if turn.intent is None:
                continue
            if turn.text and not turn.text.startswith("/"):
                steps.append({"user": annotated(turn.text, turn.entities),
                              "intent": turn.intent})
            else:
                steps.append({"intent": turn.intent})
            steps.extend({"action": s.action} for s in turn.steps if not s.action.startswith("("))
        name = (f"conversation {conversation_hash(conversation.conversation_id)} "
                f"{conversation.started_at:%Y-%m-%d %H:%M}")
        stories.append({"story": name, "steps": steps})
    return yaml.safe_dump({"version": "3.1", "stories": stories}, sort_keys=False,
                          allow_unicode=True)


def tags_of(engine: Any, conversation_id: str) -> list[str]:
    with session_scope(engine) as session:
        return repository.get_tags_by_conversation(session=session,
                                                   conversation_id=conversation_id)


def tag(engine: Any, *, conversation_id: str, name: str, agent_id: int) -> bool:
    with session_scope(engine) as session:
        return repository.add_tag(session=session, conversation_id=conversation_id, tag=name,
                                  agent_id=agent_id, at=clock.now())


def page(digest: str, conversations: list[Conversation], tags: list[str],
         signed_in: SignedIn) -> str:
    flags = sorted({f for c in conversations for f in c.flags}, key=lambda f: f.value)
    options = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in TAGS.items())
    sessions = "".join(_session(c) for c in conversations)
    body = f'''<h1>Conversation {escape(digest)}</h1>
<p class="flags">{"".join(f"<span>{escape(f.value)}</span>" for f in flags)}</p>
<div class="card"><p class="tags" id="tags">Tags: {"".join(
        f"<span>{escape(TAGS.get(t, t))}</span>" for t in tags) or '<span>none</span>'}</p>
<form method="post" action="/conversations/{escape(digest)}/tags" class="actions">
{csrf_field(signed_in)}<select name="tag" aria-label="tag">{options}</select>
<button class="secondary">Tag</button>
<a href="/conversations/{escape(digest)}/story.yml" download>Export as a test story</a></form></div>
<div class="browser">{sessions}</div>'''
    return layout(f"Conversation {digest}", body, signed_in=signed_in, style=STYLE)


def _session(conversation: Conversation) -> str:
    lines = "".join(_bot(s) for s in conversation.opening)
    lines += "".join(_customer(t) + "".join(_bot(s) for s in t.steps) for t in conversation.turns)
    return (f'<div class="card"><h2>Session of {conversation.started_at:%d %b %Y %H:%M} UTC</h2>'
            f'<div class="transcript">{lines}</div></div>')


def _customer(turn: Turn) -> str:
    entities = ", ".join(f"{e}={v}" for e, v in turn.entities)
    nlu = (f"{turn.intent or 'no intent'} {turn.confidence:.2f}"
           f"{' · ' + entities if entities else ''}"
           f"{' · ' + ', '.join(sorted(f.value for f in turn.flags if f in _OWN)) if turn.flags & _OWN else ''}")
    return (f'<div class="msg msg-customer"><small>customer · {turn.at:%H:%M:%S}</small>'
            f'{escape(turn.text)}<span class="nlu">{escape(nlu)}</span></div>')


_OWN = frozenset({Flag.FALLBACK, Flag.LOW_CONFIDENCE})


def _bot(step: Step) -> str:
    chosen = step.action + (f" · {step.policy}" if step.policy else "") + \
        (f" {step.confidence:.2f}" if isinstance(step.confidence, (int, float)) else "")
    if not step.said:
        return f'<div class="msg msg-bot"><span class="policy">{escape(chosen)}</span></div>'
    return "".join(f'<div class="msg msg-bot">{escape(line)}'
                   f'<span class="policy">{escape(chosen)}</span></div>' for line in step.said)

