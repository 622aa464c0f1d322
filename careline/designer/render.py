"""Write an evaluation as files a designer can open: index.html, report.md, a PNG, JSON."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Sequence

from careline.designer.metrics import Evaluation

MAX_MISSES_SHOWN = 300


def write_evaluation(out: Path, title: str, evaluation: Evaluation, *,
                     notes: Sequence[str] = (), meta: dict[str, Any] | None = None) -> Path:
    """Write ``summary.json``, ``report.md``, ``confusion_matrix.png`` and ``index.html``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"title": title, **(meta or {}), **evaluation.as_dict()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    confusion_png(out / "confusion_matrix.png", evaluation, title)
    (out / "report.md").write_text(_markdown(title, evaluation, notes), encoding="utf-8")
    (out / "index.html").write_text(_html(title, evaluation, notes), encoding="utf-8")
    return out / "index.html"


def confusion_png(path: Path, evaluation: Evaluation, title: str) -> None:
    """A confusion matrix: rows are the true labels, columns what the model said."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = evaluation.labels, evaluation.matrix_columns
    size = max(6.0, 0.45 * len(cols) + 3)
    fig, ax = plt.subplots(figsize=(size, max(5.0, 0.45 * len(rows) + 3)))
    ax.imshow([[float(v) for v in row] for row in evaluation.matrix], cmap="Blues")
    ax.set_xticks(range(len(cols)), labels=cols, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=rows, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(f"{title} (macro-F1 {evaluation.macro_f1:.3f})", fontsize=10)
    for i, row in enumerate(evaluation.matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if i == j else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _markdown(title: str, ev: Evaluation, notes: Sequence[str]) -> str:
    lines = [f"# {title}", "", f"- macro-F1: **{ev.macro_f1:.3f}**",
             f"- accuracy: {ev.accuracy:.3f}", *(f"- {note}" for note in notes), "",
             "![confusion matrix](confusion_matrix.png)", "",
             "## Per label (worst F1 first)", "",
             "| label | precision | recall | F1 | messages | predicted |", "|---|---|---|---|---|---|"]
    for s in sorted(ev.scores, key=lambda s: (s.f1, s.label)):
        lines.append(f"| {s.label} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
                     f"{s.support} | {s.predicted} |")
    lines += ["", "## Worst-confused pairs", "", "| expected | predicted as | messages |",
              "|---|---|---|"]
    lines += [f"| {e} | {p} | {n} |" for e, p, n in ev.confusions[:20]]
    lines += ["", f"## Misclassified messages ({len(ev.misses)})", "",
              "| expected | predicted | confidence | message |", "|---|---|---|---|"]
    for miss in ev.misses[:MAX_MISSES_SHOWN]:
        text = miss.text.replace("|", "\\|")
        lines.append(f"| {miss.expected} | {miss.predicted} | {miss.confidence:.2f} | {text} |")
    return "\n".join(lines) + "\n"


def _html(title: str, ev: Evaluation, notes: Sequence[str]) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr class='{'bad' if s.f1 < 0.7 else ''}'><td>{esc(s.label)}</td><td>{s.precision:.3f}"
        f"</td><td>{s.recall:.3f}</td><td>{s.f1:.3f}</td><td>{s.support}</td>"
        f"<td>{s.predicted}</td></tr>"
        for s in sorted(ev.scores, key=lambda s: (s.f1, s.label)))
    pairs = "".join(f"<tr><td>{esc(e)}</td><td>{esc(p)}</td><td>{n}</td></tr>"
                    for e, p, n in ev.confusions[:20])
    misses = "".join(
        f"<tr><td>{esc(m.expected)}</td><td>{esc(m.predicted)}</td><td>{m.confidence:.2f}</td>"
        f"<td>{esc(m.text)}</td></tr>" for m in ev.misses[:MAX_MISSES_SHOWN])
    note_items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}
table{{border-collapse:collapse;margin-bottom:2em}}td,th{{border:1px solid #ccc;padding:.2em .6em}}
tr.bad td{{background:#fde2e1}}</style></head><body>
<h1>{esc(title)}</h1>
<ul><li>macro-F1: <b>{ev.macro_f1:.3f}</b></li><li>accuracy: {ev.accuracy:.3f}</li>{note_items}</ul>
<p><img src="confusion_matrix.png" alt="confusion matrix" style="max-width:100%"></p>
<h2>Per label, worst F1 first (red: F1 below 0.7)</h2>
<table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>messages</th>
<th>predicted</th></tr>{rows}</table>
<h2>Worst-confused pairs</h2>
<table><tr><th>expected</th><th>predicted as</th><th>messages</th></tr>{pairs}</table>
<h2>Misclassified messages ({len(ev.misses)})</h2>
<table><tr><th>expected</th><th>predicted</th><th>confidence</th><th>message</th></tr>{misses}</table>
</body></html>
"""
