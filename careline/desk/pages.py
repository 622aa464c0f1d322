"""The desk's HTML: small functions that escape every value they print."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Optional, Sequence
from urllib.parse import urlsplit

from careline.designer.reviewed import conversation_hash
from careline.desk.canned import FilledResponse
from careline.desk.csat_report import SatisfactionReport
from careline.desk.csat_report import render as csat_section
from careline.desk.schemas import MessageView, QueueEntry, Role, SignedIn, TicketDetail
from careline.handoff.intent_labels import intent_label
from careline.handoff.reasons import REASON_LABELS, HandoffReason
from careline.handoff.schemas import (
    ContextPackage, CustomerSnapshot, SharedLocation, SharedMedia,
)
from careline.insight.report import CONTENT_STYLE, render_body
from careline.insight.schemas import InsightReport


def layout(title: str, body: str, *, signed_in: Optional[SignedIn] = None,
           script: Optional[str] = None, style: str = "") -> str:
    who = nav = ""
    if signed_in:
        nav = ('<nav><a href="/review">Review</a> <a href="/insight">Insight</a></nav>'
               if signed_in.agent.role is Role.DESIGNER else
               '<nav><a href="/">Queue</a> <a href="/insight">Insight</a>'
               + ('<a href="/supervisor">Supervisor</a>'
                  if signed_in.agent.role is Role.SUPERVISOR else "") +
               '<form method="get" action="/tickets" class="find" role="search">'
               '<input type="search" name="q" aria-label="find a ticket" '
               'placeholder="Name, number, account, case, #ticket"></form></nav>')
        who = (f'<span class="who">{_presence(signed_in)}{escape(signed_in.agent.display_name)} '
               f'<form method="post" action="/logout">{csrf_field(signed_in)}'
               f'<button class="secondary">Sign out</button></form></span>')
    js = f'<script src="/static/{escape(script)}" defer></script>' if script else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)} · Careline desk</title>'
            f'<link rel="stylesheet" href="/static/desk.css">{js}'
            f'{f"<style>{style}</style>" if style else ""}</head><body>'
            f'<header><a href="/">Careline desk</a>{nav}{who}</header>'
            f'<main>{body}</main></body></html>')


def _presence(signed_in: SignedIn) -> str:
    """Available takes new tickets (routing); away keeps the agent signed in without them."""
    if signed_in.agent.role is Role.DESIGNER:
        return ""
    options = "".join(f'<option value="{p}"{" selected" if p == signed_in.agent.presence else ""}>'
                      f'{p}</option>' for p in ("available", "away"))
    return (f'<form method="post" action="/presence" class="presence">{csrf_field(signed_in)}'
            f'<select name="presence" aria-label="presence">{options}</select>'
            '<button class="secondary">Set</button></form> ')


def csrf_field(signed_in: SignedIn) -> str:
    return f'<input type="hidden" name="csrf_token" value="{escape(signed_in.csrf_token)}">'


def login_page(*, csrf: str, error: Optional[str] = None) -> str:
    flash = f'<p class="flash">{escape(error)}</p>' if error else ""
    return layout("Sign in", f'''<div class="card login"><h1>Agent sign-in</h1>{flash}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{escape(csrf)}">
<p><label>Username<br><input type="text" name="username" autocomplete="username" required></label></p>
<p><label>Password<br><input type="password" name="password" autocomplete="current-password" required></label></p>
<button type="submit">Sign in</button></form></div>''')


def insight_page(report: InsightReport, signed_in: SignedIn, *, since: str, until: str,
                 satisfaction: Optional[SatisfactionReport] = None) -> str:
    """The figures of ``careline report`` for the period, in the desk's layout."""
    period = f"{report.since:%d %b %Y %H:%M} – {report.until:%d %b %Y %H:%M} UTC"
    form = (f'<form method="get" action="/insight" class="period">'
            f'<label>Since <input name="since" value="{escape(since)}" size="22"></label> '
            f'<label>until <input name="until" value="{escape(until)}" size="22" '
            f'placeholder="now"></label> <button class="secondary">Show</button></form>')
    body = (f'<h1>Contact-centre insight</h1><p class="period">{escape(period)}</p>{form}'
            f'<div class="insight">{csat_section(satisfaction) if satisfaction else ""}'
            f'{render_body(report)}</div>')
    return layout("Insight", body, signed_in=signed_in, style=CONTENT_STYLE)


def ticket_page(detail: TicketDetail, signed_in: SignedIn, *, flash: Optional[str],
                canned: tuple[FilledResponse, ...] = (),
                history: Sequence[QueueEntry] = ()) -> str:
    entry, package = detail.entry, detail.package
    flash_html = f'<p class="flash">{escape(flash)}</p>' if flash else ""
    after = detail.messages[-1].message_id if detail.messages else 0
    before = "".join(_line(t.speaker, t.text, t.at, None, media=t.media, location=t.location)
                      for t in package.transcript)
    live = "".join(live_line(m) for m in detail.messages)
    body = f'''{flash_html}<h1>{escape(entry.customer_name or "Unidentified customer")}
 {level_badge(entry.priority.level)} <span class="muted">{escape(reason_label(entry.reason))} ·
 {escape(entry.channel)} · {escape(entry.status)}{escape(" · " + entry.assigned_to if entry.assigned_to else "")}</span></h1>
<div class="grid"><section>
<div class="card" id="summary"><h2>Summary</h2><p>{escape(package.summary)}</p>
{_priority(entry)}</div>
<div class="card" id="profile"><h2>Customer</h2>{_profile(package)}</div>
<div class="card"><h2>What the bot understood</h2>{_understanding(package)}</div>
<div class="card" id="history"><h2>Earlier tickets</h2>{_history(history)}</div>
</section><section>
<div class="card"><h2>Conversation <a class="muted" id="browse" href="/conversations/{conversation_hash(entry.conversation_id)}">as the bot saw it</a></h2>
<div class="transcript" id="live" data-stream="/tickets/{entry.ticket_id}/stream" data-after="{after}">
{before}<div class="divider">handed to an agent {_time(package.created_at)}</div>{live}</div></div>
{_controls(detail, signed_in, canned)}
<div class="card"><h2>Internal notes</h2>{"".join(_note(n.agent, n.text, n.created_at) for n in detail.notes) or '<p class="muted">None yet.</p>'}
<form method="post" action="/tickets/{entry.ticket_id}/notes">{csrf_field(signed_in)}
<textarea name="text" rows="2" required placeholder="Visible to agents only"></textarea>
<p><button class="secondary">Add note</button></p></form></div>
</section></div>'''
    return layout(entry.customer_name or "Ticket", body, signed_in=signed_in, script="ticket.js")


def _history(history: Sequence[QueueEntry]) -> str:
    if not history:
        return '<p class="muted">None for this customer.</p>'
    items = "".join(
        f'<li><a href="/tickets/{e.ticket_id}">#{e.ticket_id}</a> {_time(e.handed_off_at)} · '
        f'{escape(reason_label(e.reason))} · {escape(e.channel)} · {escape(e.status)}</li>'
        for e in history)
    return f'<ul class="plain">{items}</ul>'


def _canned(canned: tuple[FilledResponse, ...]) -> str:
    """A picker that puts a filled-in response in the reply box, to edit before sending."""
    if not canned:
        return ""
    options = "".join(
        f'<option value="{escape(c.text)}">{escape(c.title)}'
        f'{"" if c.complete else " (needs a detail)"}</option>' for c in canned)
    return (f'<label class="canned">Canned response <select id="canned">'
            f'<option value="">Choose…</option>{options}</select></label>')


def _controls(detail: TicketDetail, signed_in: SignedIn,
              canned: tuple[FilledResponse, ...] = ()) -> str:
    entry, tid, csrf = detail.entry, detail.entry.ticket_id, csrf_field(signed_in)
    if entry.status == "resolved":
        return '<div class="card"><p class="muted">Resolved: the bot is answering again.</p></div>'
    claim = ""
    if entry.assigned_to is None:
        claim = (f'<form method="post" action="/tickets/{tid}/claim">{csrf}'
                 '<button>Claim</button></form>')
    return f'''<div class="card" id="reply-card"><form method="post" action="/tickets/{tid}/reply">{csrf}
{_canned(canned)}
<textarea name="text" id="reply-text" rows="3" required placeholder="Reply to the customer on {escape(entry.channel)}"></textarea>
<p class="actions"><button type="submit" id="send">Send reply</button></p></form>
<div class="actions">{claim}
{_assign(tid, signed_in)}
</div>
<form method="post" action="/tickets/{tid}/resolve" class="resolve">{csrf}
<input type="text" name="closing_text" aria-label="closing message" value="Thanks for your patience. You're back with Careline's assistant: is there anything else I can help with?">
{_unanswered(detail)}<button class="danger" id="resolve">Resolve and hand back</button></form>
</div>'''


def _assign(ticket_id: int, signed_in: SignedIn) -> str:
    """Reassignment is a supervisor's call."""
    if signed_in.agent.role is not Role.SUPERVISOR:
        return ""
    return (f'<form method="post" action="/tickets/{ticket_id}/assign" class="assign">'
            f'{csrf_field(signed_in)}<input type="text" name="username" '
            'placeholder="agent username" aria-label="agent username" required> '
            '<button class="secondary">Assign</button></form>')


def _unanswered(detail: TicketDetail) -> str:
    """The warning before closing on a customer left waiting; the server checks it too."""
    if not detail.awaiting_answer:
        return ""
    return ('<p class="warning" id="unanswered">The customer\'s last message has no reply yet. '
            '<label><input type="checkbox" name="confirm_unanswered" value="yes"> '
            'resolve anyway</label></p>')


def _profile(package: ContextPackage) -> str:
    customer: Optional[CustomerSnapshot] = package.customer
    sender = escape(package.conversation.sender or "unknown")
    if customer is None:
        note = escape(package.profile_note or "not identified")
        return f'<dl><dt>Sender</dt><dd>{sender}</dd><dt>Profile</dt><dd>{note}</dd></dl>'
    lines = "".join(
        f"<dd>{escape(line.msisdn)} · {escape(line.plan_name)} ({line.monthly_price}/month)"
        f"{_usage(line.data_used_gb, line.data_allowance_gb)}</dd>" for line in customer.lines)
    outages = "".join(f"<dd>{escape(o.reference)}: {escape(o.title)} ({escape(o.status)})</dd>"
                      for o in customer.active_outages) or "<dd>none</dd>"
    history = "".join(f"<dd>{_time(i.occurred_at)} {escape(i.channel)}: {escape(i.summary)} "
                      f"({escape(i.outcome)})</dd>" for i in customer.recent_interactions)
    cases = "".join(f"<dd>{escape(c.reference)} {escape(c.kind)}: {escape(c.summary)}</dd>"
                    for c in customer.open_cases) or "<dd>none</dd>"
    return f'''<dl><dt>Name</dt><dd>{escape(customer.full_name)}</dd>
<dt>Account</dt><dd>{escape(customer.account_number)}</dd>
<dt>Segment</dt><dd>{escape(customer.segment)}</dd>
<dt>Verified</dt><dd>{"yes" if customer.verified else "no"}</dd>
<dt>Sender</dt><dd>{sender}</dd>
<dt>Due</dt><dd>{_money(customer.amount_due, customer.currency)} (overdue {_money(customer.overdue_amount, customer.currency)})</dd>
<dt>Lines</dt>{lines or "<dd>none</dd>"}<dt>Outages</dt>{outages}<dt>Open cases</dt>{cases}
<dt>History</dt>{history or "<dd>none</dd>"}</dl>'''


def _understanding(package: ContextPackage) -> str:
    rows = "".join(
        f"<tr><td>{escape(t.text or '[photo or location]')}</td>"
        f"<td>{escape(intent_label(t.intent))}</td>"
        f"<td>{'' if t.confidence is None else f'{t.confidence:.2f}'}</td>"
        f"<td>{escape(', '.join(f'{e.entity}={e.value}' for e in t.entities))}</td></tr>"
        for t in package.understanding)
    return ('<div class="scroll"><table><thead><tr><th>Message</th><th>Understood as</th>'
            f'<th>Conf.</th><th>Entities</th></tr></thead><tbody>{rows}</tbody></table></div>')


def _priority(entry: QueueEntry) -> str:
    factors = ", ".join(f"{f.name} {f.detail} (+{f.points})" for f in entry.priority.factors)
    return (f'<p class="muted">Priority {entry.priority.score} ({escape(entry.priority.level)}): '
            f'{escape(factors)}</p>')


def live_line(message: MessageView) -> str:
    """One line after the handoff, as the page and its live stream both show it."""
    return _line(message.speaker, message.text, message.at, message,
                 element_id=message.message_id, media=message.media, location=message.location)


def message_label(message: MessageView) -> str:
    who = message.agent if message.speaker == "agent" and message.agent else message.speaker
    state = ""
    if message.delivery == "failed":
        state = f" · NOT DELIVERED: {message.error}"
    elif message.delivery == "sending":
        state = " · sending…"
    return f"{who} · {message.at:%H:%M:%S}{state}"


def _line(speaker: str, text: str, at: datetime, message: Optional[MessageView], *,
          element_id: Optional[int] = None, media: tuple[SharedMedia, ...] = (),
          location: Optional[SharedLocation] = None) -> str:
    label = message_label(message) if message else f"{speaker} · {at:%H:%M:%S}"
    failed = " failed" if message and message.delivery == "failed" else ""
    ident = f' id="m{element_id}"' if element_id else ""
    shared = "".join(_media(m) for m in media) + (_location(location) if location else "")
    return (f'<div class="msg msg-{escape(speaker)}{failed}"{ident}><small>{escape(label)}</small>'
            f'{escape(text)}{shared}</div>')


def _media(item: SharedMedia) -> str:
    """A photo inline (a link for other files); only web addresses, never ``javascript:``."""
    if urlsplit(item.url).scheme not in ("http", "https"):
        return '<span class="muted">[attachment with an unusable address]</span>'
    url = escape(item.url)
    if (item.content_type or "").startswith("image/"):
        return (f'<a class="shared" href="{url}" target="_blank" rel="noopener noreferrer">'
                f'<img src="{url}" alt="photo from the customer" loading="lazy"></a>')
    kind = escape(item.content_type or "file")
    return (f'<a class="shared" href="{url}" target="_blank" rel="noopener noreferrer">'
            f'{kind} from the customer</a>')


def _location(place: SharedLocation) -> str:
    name = " · ".join(escape(p) for p in (place.label, place.address) if p)
    link = (f"https://www.openstreetmap.org/?mlat={place.latitude:.6f}&amp;mlon="
            f"{place.longitude:.6f}#map=16/{place.latitude:.6f}/{place.longitude:.6f}")
    return (f'<a class="shared location" href="{link}" target="_blank" '
            f'rel="noopener noreferrer">Location: {name + " · " if name else ""}'
            f'{place.latitude:.5f}, {place.longitude:.5f}</a>')


def _note(agent: Optional[str], text: str, at: datetime) -> str:
    return f'<p class="note"><small class="muted">{escape(agent or "")} · {_time(at)}</small><br>{escape(text)}</p>'


def level_badge(level: str) -> str:
    return f'<span class="level level-{escape(level)}">{escape(level)}</span>'


def reason_label(reason: str) -> str:
    parsed = HandoffReason.parse(reason)
    return REASON_LABELS[parsed] if parsed else reason


def _usage(used, allowance) -> str:  # type: ignore[no-untyped-def]
    if used is None:
        return ""
    return f" · {used} GB used of {allowance if allowance is not None else 'unlimited'}"


def _money(amount, currency: str) -> str:  # type: ignore[no-untyped-def]
    return "–" if amount is None else f"{amount} {escape(currency)}"


def duration(seconds: float) -> str:
    return f"{int(seconds // 60)} min" if seconds >= 60 else f"{int(seconds)} s"


def _time(value: datetime) -> str:
    return f"{value:%d %b %H:%M}"
