"""The report's charts: matplotlib figures rendered to PNG data URIs (no files, no CDN)."""

from __future__ import annotations

import base64
import io
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

from careline.insight.schemas import InsightReport  # noqa: E402

CONTAINED = "#2a9d8f"
HANDED = "#e76f51"
NEUTRAL = "#264653"
ACCENT = "#f4a261"


def _data_uri(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(height: float = 2.8) -> tuple[plt.Figure, plt.Axes]:
    figure, axes = plt.subplots(figsize=(6.4, height))
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def contacts_per_day(report: InsightReport) -> str:
    figure, axes = _figure()
    labels = [d.day.strftime("%a %d") for d in report.days]
    contained = [d.contacts - d.handed_off for d in report.days]
    handed = [d.handed_off for d in report.days]
    axes.bar(labels, contained, color=CONTAINED, label="contained by the bot")
    axes.bar(labels, handed, bottom=contained, color=HANDED, label="handed to an agent")
    axes.set_ylabel("contacts")
    axes.legend(frameon=False, fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    return _data_uri(figure)


def ranked(pairs: Sequence[tuple[str, int]], *, color: str = NEUTRAL, top: int = 8) -> str:
    """A horizontal bar chart, largest at the top."""
    shown = list(pairs[:top])[::-1]
    figure, axes = _figure(height=0.35 * max(len(shown), 2) + 0.8)
    axes.barh([label.replace("_", " ") for label, _ in shown], [n for _, n in shown],
              color=color)
    for index, (_, value) in enumerate(shown):
        axes.text(value, index, f" {value}", va="center", fontsize=8)
    axes.set_xlabel("contacts")
    axes.tick_params(axis="y", labelsize=8)
    return _data_uri(figure)


def sentiment_trend(report: InsightReport) -> str:
    figure, axes = _figure()
    labels = [d.day.strftime("%a %d") for d in report.days]
    axes.bar(labels, [d.frustrated for d in report.days], color=ACCENT,
             label="frustrated contacts")
    axes.set_ylabel("frustrated contacts")
    axes.tick_params(axis="x", labelsize=8)
    line = axes.twinx()
    line.spines[["top"]].set_visible(False)
    points = [(label, d.mean_sentiment) for label, d in zip(labels, report.days)
              if d.mean_sentiment is not None]
    line.plot([p[0] for p in points], [p[1] for p in points], color=NEUTRAL, marker="o",
              label="mean sentiment")
    line.axhline(0, color="#999", linewidth=0.6)
    line.set_ylim(-1, 1)
    line.set_ylabel("mean sentiment (−1…1)")
    handles = axes.get_legend_handles_labels()[0] + line.get_legend_handles_labels()[0]
    axes.legend(handles, [h.get_label() for h in handles], frameon=False, fontsize=8,
                loc="upper left")
    return _data_uri(figure)


def containment_by(rows: Sequence[Any], title: str) -> str:  # rows: BreakdownRow
    figure, axes = _figure(height=0.4 * max(len(rows), 2) + 0.8)
    labels = [r.key for r in rows][::-1]
    rates = [100 * (r.containment_rate or 0) for r in rows][::-1]
    axes.barh(labels, rates, color=CONTAINED)
    for index, value in enumerate(rates):
        axes.text(value, index, f" {value:.0f}%", va="center", fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xlabel(f"contained (%) by {title}")
    return _data_uri(figure)
