"""The supervisor's view: every agent's presence, skills and load, and the queue to rebalance.

One page answers the questions a floor supervisor asks all day: who is here, who
is drowning, what is waiting, what is past its service level; each open ticket
can be given to another agent from here (the same reassignment as on the ticket).
"""

from __future__ import annotations

from html import escape

from careline.desk import pages
from careline.desk.schemas import AgentLoad, QueueEntry, SignedIn


def supervisor_page(agents: list[AgentLoad], entries: list[QueueEntry],
                    signed_in: SignedIn, *, today: tuple[int, int] = (0, 0)) -> str:
    """``today``: tickets handed off since the operator's midnight, and how many breached."""
    here = [a for a in agents if a.signed_in and a.agent.presence == "available"]
    breaches = sum(1 for e in entries if e.sla_breached)
    unassigned = sum(1 for e in entries if e.assigned_to is None)
    figures = (f'<p class="figures"><b>{len(entries)}</b> open · <b>{unassigned}</b> unassigned · '
               f'<b class="{"breaches some" if breaches else ""}">{breaches}</b> past SLA · '
               f'<b>{len(here)}</b> of {len(agents)} agents available</p>'
               f'<p class="figures" id="today">Today: <b>{today[0]}</b> tickets, '
               f'<b class="{"breaches some" if today[1] else ""}">{today[1]}</b> past their '
               'service level</p>')
    agent_rows = "".join(
        f'<tr><td>{escape(a.agent.display_name)} <span class="muted">'
        f'{escape(a.agent.username)}</span></td><td>{escape(a.agent.role.value)}</td>'
        f'<td class="presence-{escape(a.agent.presence if a.signed_in else "offline")}">'
        f'{escape(a.agent.presence if a.signed_in else "offline")}</td>'
        f'<td>{escape(", ".join(a.agent.skills) or "–")}</td><td>{a.open_tickets}</td></tr>'
        for a in agents)
    options = "".join(f'<option value="{escape(a.agent.username)}">'
                      f'{escape(a.agent.display_name)}</option>' for a in agents
                      if a.agent.role.value != "designer")
    ticket_rows = "".join(_ticket_row(e, options, signed_in) for e in entries) or \
        '<tr><td colspan="5" class="muted">No customers waiting.</td></tr>'
    body = (f'<h1>Supervisor</h1>{figures}'
            '<h2>Agents</h2><div class="scroll"><table id="agents"><thead><tr><th>Agent</th>'
            '<th>Role</th><th>Presence</th><th>Skills</th><th>Open tickets</th></tr></thead>'
            f'<tbody>{agent_rows}</tbody></table></div>'
            '<h2>Queue</h2><div class="scroll"><table id="rebalance"><thead><tr><th>Ticket</th>'
            '<th>Customer</th><th>SLA</th><th>With</th><th>Give to</th></tr></thead>'
            f'<tbody>{ticket_rows}</tbody></table></div>')
    return pages.layout("Supervisor", body, signed_in=signed_in)


def _ticket_row(entry: QueueEntry, options: str, signed_in: SignedIn) -> str:
    sla = "breached" if entry.sla_breached else (
        "met" if entry.first_reply_at else f"due {entry.sla_deadline:%H:%M}"
        if entry.sla_deadline else "–")
    breached = "breached" if entry.sla_breached else ""
    return (f'<tr data-ticket="{entry.ticket_id}" class="{breached}">'
            f'<td><a href="/tickets/{entry.ticket_id}">#{entry.ticket_id}</a> '
            f'{pages.level_badge(entry.priority.level)}</td>'
            f'<td>{escape(entry.customer_name or "Unidentified")}</td><td>{sla}</td>'
            f'<td>{escape(entry.assigned_to or "nobody")}</td>'
            f'<td><form method="post" action="/tickets/{entry.ticket_id}/assign" class="actions">'
            f'{pages.csrf_field(signed_in)}<select name="username" aria-label="agent">{options}'
            '</select><input type="hidden" name="back" value="/supervisor">'
            '<button class="secondary">Give</button></form></td></tr>')
