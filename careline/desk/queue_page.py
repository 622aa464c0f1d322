"""The live queue: rows the page and its event stream both render, with SLA timers.

The page never reloads itself: the desk pushes the rows whenever they change
(``/queue/stream``) and the browser ticks waiting times and SLA countdowns every
second from the times each row carries (``static/queue.js``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Optional

from careline import clock
from careline.desk import pages
from careline.desk.schemas import QueueEntry, SignedIn

COLUMNS = ("Priority", "Customer", "Segment", "Reason", "Channel", "Waiting", "SLA", "Status", "")


@dataclass(frozen=True)
class QueueSnapshot:
    """What the stream sends: the rows' HTML and the counts the header shows."""

    rows_html: str
    open_count: int
    breaches: int
    ticket_ids: tuple[int, ...]

    def as_event(self) -> dict[str, object]:
        return {"html": self.rows_html, "open": self.open_count, "breaches": self.breaches,
                "tickets": list(self.ticket_ids)}


def snapshot(entries: list[QueueEntry]) -> QueueSnapshot:
    rows = "".join(_row(e) for e in entries) or \
        f'<tr><td colspan="{len(COLUMNS)}" class="muted">No customers waiting.</td></tr>'
    return QueueSnapshot(rows_html=rows, open_count=len(entries),
                         breaches=sum(1 for e in entries if e.sla_breached),
                         ticket_ids=tuple(e.ticket_id for e in entries))


def queue_page(entries: list[QueueEntry], signed_in: SignedIn) -> str:
    now = snapshot(entries)
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = (f'<div class="queue-head"><h1>Queue <span class="muted">(<span id="open-count">'
            f'{now.open_count}</span> open · <span id="breaches" '
            f'class="breaches{" some" if now.breaches else ""}">'
            f'{now.breaches}</span> past SLA)</span></h1>'
            '<button type="button" class="secondary" id="notify" hidden>'
            'Alert me to new tickets</button></div>'
            f'<div class="scroll"><table id="queue" data-stream="/queue/stream"><thead><tr>'
            f'{head}</tr></thead><tbody>{now.rows_html}</tbody></table></div>')
    return pages.layout("Queue", body, signed_in=signed_in, script="queue.js")


def _row(entry: QueueEntry) -> str:
    status = escape(entry.status + (f" · {entry.assigned_to}" if entry.assigned_to else ""))
    flags = " · after hours" if entry.after_hours else ""
    if entry.callback_at is not None:
        at = entry.callback_at.astimezone(clock.operator_zone())
        flags += f" · call back {at:%a %d %b %H:%M}"
    elif entry.callback_requested:
        flags += " · wants a call back"
    breached = " breached" if entry.sla_breached else ""
    callback = f' data-callback="{_ms(entry.callback_at)}"' if entry.callback_at else ""
    return (f'<tr data-ticket="{entry.ticket_id}" class="{breached.strip()}"{callback}>'
            f'<td>{pages.level_badge(entry.priority.level)} {entry.priority.score}</td>'
            f'<td>{escape(entry.customer_name or "Unidentified")}</td>'
            f'<td>{escape(entry.segment or "–")}</td><td>{escape(pages.reason_label(entry.reason))}'
            f'{escape(flags)}</td><td>{escape(entry.channel)}</td>'
            f'<td class="waiting" data-since="{_ms(entry.handed_off_at)}">'
            f'{pages.duration(entry.waiting_seconds)}</td>'
            f'{_sla(entry)}<td>{status}</td>'
            f'<td><a href="/tickets/{entry.ticket_id}">Open</a></td></tr>')


def _sla(entry: QueueEntry) -> str:
    """Time left to the first reply, met, or how late; the browser keeps it ticking."""
    if entry.sla_deadline is None:
        return "<td>–</td>"
    if entry.first_reply_at is not None:
        verdict = "late reply" if entry.sla_breached else "met"
        return f'<td class="sla{" breached" if entry.sla_breached else ""}">{verdict}</td>'
    return (f'<td class="sla{" breached" if entry.sla_breached else ""}" '
            f'data-deadline="{_ms(entry.sla_deadline)}">'
            f'{"breached" if entry.sla_breached else "due"} {entry.sla_deadline:%H:%M}</td>')


def _ms(value: Optional[datetime]) -> int:
    return int(value.timestamp() * 1000) if value else 0


def search_page(found: list[QueueEntry], signed_in: SignedIn, *, query: str,
                searched: bool) -> str:
    """Tickets found, open or resolved, newest first."""
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    rows = "".join(_row(e) for e in found) or \
        f'<tr><td colspan="{len(COLUMNS)}" class="muted">No ticket matches.</td></tr>'
    result = (f'<div class="scroll"><table id="found"><thead><tr>{head}</tr></thead>'
              f'<tbody>{rows}</tbody></table></div>') if searched else ""
    body = (f'<h1>Find a ticket</h1><form method="get" action="/tickets" class="actions">'
            f'<input type="search" name="q" value="{escape(query)}" aria-label="search" '
            f'placeholder="Name, phone number, account, case reference or #ticket">'
            f'<button>Search</button></form>{result}')
    return pages.layout("Find a ticket", body, signed_in=signed_in)
