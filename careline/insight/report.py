"""The insight report as one self-contained HTML page (charts embedded as PNG data URIs).

The same page body serves ``careline report --out FILE.html`` and the desk's
dashboard. Every text value is escaped and passed through
:func:`careline.observability.redact.redact`: no full phone number reaches it.
"""

from __future__ import annotations

from html import escape
from typing import Iterable, Optional, Sequence

from careline.insight import charts
from careline.insight.schemas import BreakdownRow, InsightReport
from careline.observability.redact import redact

#: The page around the content (the desk draws its own).
PAGE_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;
color:#1d2433}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5rem;margin:0 0 4px}
"""
#: The content of :func:`render_body`, for the report file and the desk's dashboard.
CONTENT_STYLE = """
h2{font-size:1.1rem;margin:0 0 10px}
.period{color:#5b6475;margin:0 0 20px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(118px,1fr));gap:10px;
margin-bottom:20px}
.tile{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px #0001}
.tile b{display:block;font-size:1.6rem}.tile span{color:#5b6475;font-size:.85rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
section{background:#fff;border-radius:10px;padding:16px;box-shadow:0 1px 2px #0001;
margin-bottom:16px}
img{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e8ec}
th{color:#5b6475;font-weight:600}td.n,th.n{text-align:right}
.empty{color:#5b6475}
"""
STYLE = PAGE_STYLE + CONTENT_STYLE


def _text(value: object) -> str:
    return escape(redact(str(value)))


def _percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]],
           numeric: frozenset[int] = frozenset()) -> str:
    head = "".join(f'<th class="{"n" if i in numeric else ""}">{_text(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(
        f'<td class="{"n" if i in numeric else ""}">{_text(v)}</td>' for i, v in enumerate(row))
        + "</tr>" for row in rows)
    if not body:
        return '<p class="empty">Nothing in this period.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _breakdown_table(rows: Sequence[BreakdownRow], label: str) -> str:
    return _table([label, "contacts", "contained", "handed off", "median to handoff",
                   "median to agent reply"],
                  [(r.key, r.contacts, _percent(r.containment_rate), r.handed_off,
                    _duration(r.median_seconds_to_handoff),
                    _duration(r.median_seconds_to_agent_reply)) for r in rows],
                  numeric=frozenset({1, 2, 3, 4, 5}))


def _chart(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def render_body(report: InsightReport) -> str:
    """The report's content (tiles, charts, tables), for a full page or the desk's layout."""
    tiles = [
        (report.contacts, "contacts"),
        (_percent(report.containment_rate), "contained by the bot"),
        (report.handed_off, "handed to an agent"),
        (_percent(report.repeat_rate), "repeat contacts within 7 days"),
        (report.frustrated_contacts, "frustrated contacts"),
        (_duration(report.median_seconds_to_handoff), "median time to handoff"),
        (_duration(report.median_seconds_to_agent_reply), "median time to agent reply"),
        (report.notices.sent, "outage notices sent"),
    ]
    parts = ['<div class="tiles">' + "".join(
        f'<div class="tile"><b>{_text(v)}</b><span>{_text(k)}</span></div>' for v, k in tiles)
        + "</div>"]
    if report.contacts:
        parts.append('<div class="grid">'
                     f'<section><h2>Contacts per day</h2>'
                     f'{_chart(charts.contacts_per_day(report), "contacts per day")}</section>'
                     f'<section><h2>Frustration and sentiment</h2>'
                     f'{_chart(charts.sentiment_trend(report), "sentiment trend")}</section>'
                     f'<section><h2>Top contact drivers</h2>'
                     f'{_chart(charts.ranked(report.drivers), "top contact drivers")}</section>'
                     f'<section><h2>Why the bot handed off</h2>'
                     + (_chart(charts.ranked(report.handoff_reasons, color=charts.HANDED),
                               "handoff reasons") if report.handoff_reasons
                        else '<p class="empty">No handoffs.</p>')
                     + "</section>"
                     f'<section><h2>Containment by channel</h2>'
                     f'{_chart(charts.containment_by(report.by_channel, "channel"), "containment by channel")}'
                     "</section>"
                     f'<section><h2>Containment by segment</h2>'
                     f'{_chart(charts.containment_by(report.by_segment, "segment"), "containment by segment")}'
                     "</section></div>")
    parts.append("<section><h2>Top drivers by area</h2>" + _table(
        ["area", "contacts", "top drivers"],
        [(a.area, a.contacts, ", ".join(f"{d.replace('_', ' ')} ({n})" for d, n in a.top))
         for a in report.areas], numeric=frozenset({1})) + "</section>")
    parts.append("<section><h2>By channel</h2>" + _breakdown_table(report.by_channel, "channel")
                 + "</section>")
    parts.append("<section><h2>By segment</h2>" + _breakdown_table(report.by_segment, "segment")
                 + "</section>")
    parts.append("<section><h2>Customers at risk</h2><p class=\"period\">Two or more outages in "
                 "their area in 30 days and a negative mean sentiment.</p>" + _table(
                     ["customer", "number", "segment", "area", "outages", "contacts",
                      "mean sentiment", "frustrated contacts"],
                     [(r.customer_id, r.masked_number, r.segment, r.area, r.outages, r.contacts,
                       f"{r.mean_sentiment:+.2f}", r.frustrated_contacts)
                      for r in report.at_risk], numeric=frozenset({4, 5, 6, 7})) + "</section>")
    skipped = ", ".join(f"{reason.replace('_', ' ')}: {n}" for reason, n in report.notices.skipped)
    parts.append("<section><h2>Proactive outage notices</h2>" + _table(
        ["sent", "failed", "not sent (policy)"],
        [(report.notices.sent, report.notices.failed, skipped or "none")]) + "</section>")
    return "\n".join(parts)


def render_page(report: InsightReport, *, title: str = "Careline contact-centre insight") -> str:
    period = (f"{report.since:%d %b %Y %H:%M} – {report.until:%d %b %Y %H:%M} UTC")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{_text(title)}</title><style>{STYLE}</style></head><body><main>"
            f"<h1>{_text(title)}</h1><p class=\"period\">{_text(period)}</p>"
            f"{render_body(report)}</main></body></html>")
