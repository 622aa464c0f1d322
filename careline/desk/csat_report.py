"""Satisfaction scores for Insight: how customers rated the help, per agent, reason, channel.

Read from the desk's own tickets (the score lives beside the ticket it rates), for
the same period as the rest of the Insight page. "Satisfied" is the usual CSAT
measure: the share of 4s and 5s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from careline.db.session import session_scope
from careline.desk.models import Agent, Ticket
from careline.handoff.reasons import REASON_LABELS, HandoffReason


@dataclass(frozen=True)
class ScoreRow:
    key: str
    ratings: int
    mean: float
    satisfied_percent: float


@dataclass(frozen=True)
class SatisfactionReport:
    asked: int
    rated: int
    overall: ScoreRow
    by_agent: tuple[ScoreRow, ...]
    by_reason: tuple[ScoreRow, ...]
    by_channel: tuple[ScoreRow, ...]


def satisfaction_report(engine: Engine, *, since: datetime, until: datetime) -> SatisfactionReport:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Ticket.rating, Ticket.reason, Ticket.channel, Agent.display_name)
            .outerjoin(Agent, Agent.id == Ticket.assigned_agent_id)
            .where(Ticket.rating_asked_at >= since, Ticket.rating_asked_at < until)).all()
    rated = [(score, reason, channel, agent or "unassigned")
             for score, reason, channel, agent in rows if score is not None]
    return SatisfactionReport(
        asked=len(rows), rated=len(rated),
        overall=_row("all", [r[0] for r in rated]),
        by_agent=_grouped(rated, 3), by_reason=_grouped(rated, 1, label=_reason),
        by_channel=_grouped(rated, 2))


def render(report: SatisfactionReport) -> str:
    """The Insight page's satisfaction section (escaped HTML)."""
    if not report.rated:
        return (f'<section id="satisfaction"><h2>Customer satisfaction</h2><p class="muted">'
                f'No scores in this period ({report.asked} asked).</p></section>')
    tables = "".join(_table(title, rows) for title, rows in (
        ("Agent", report.by_agent), ("Reason", report.by_reason),
        ("Channel", report.by_channel)))
    overall = report.overall
    return (f'<section id="satisfaction"><h2>Customer satisfaction</h2>'
            f'<p>{overall.satisfied_percent:.0f}% satisfied (4 or 5), mean {overall.mean:.1f} '
            f'of 5, from {report.rated} of {report.asked} customers asked.</p>'
            f'<div class="csat-tables">{tables}</div></section>')


def _grouped(rated: list[tuple[int, str, str, str]], column: int,
             label: Callable[[str], str] = str) -> tuple[ScoreRow, ...]:
    groups: dict[str, list[int]] = defaultdict(list)
    for row in rated:
        groups[label(str(row[column]))].append(row[0])
    return tuple(sorted((_row(key, scores) for key, scores in groups.items()),
                        key=lambda r: (-r.ratings, r.key)))


def _row(key: str, scores: list[int]) -> ScoreRow:
    if not scores:
        return ScoreRow(key=key, ratings=0, mean=0.0, satisfied_percent=0.0)
    return ScoreRow(key=key, ratings=len(scores), mean=sum(scores) / len(scores),
                    satisfied_percent=100 * sum(1 for s in scores if s >= 4) / len(scores))


def _reason(value: str) -> str:
    parsed = HandoffReason.parse(value)
    return REASON_LABELS[parsed] if parsed else value


def _table(title: str, rows: tuple[ScoreRow, ...]) -> str:
    body = "".join(f"<tr><td>{escape(r.key)}</td><td>{r.ratings}</td><td>{r.mean:.1f}</td>"
                   f"<td>{r.satisfied_percent:.0f}%</td></tr>" for r in rows)
    return (f'<table class="csat"><thead><tr><th>{escape(title)}</th><th>Scores</th>'
            f'<th>Mean</th><th>Satisfied</th></tr></thead><tbody>{body}</tbody></table>')
