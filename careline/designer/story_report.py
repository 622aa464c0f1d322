"""``careline story-report``: run Rasa's test stories and summarise them for a designer."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from careline.designer.project import load_project


_NAME_WITH_FILE = re.compile(r"^(.*) \(([^()]+\.ya?ml)\)$")


@dataclass(frozen=True)
class FailedStory:
    name: str
    file: str
    wrong_predictions: tuple[str, ...]  # the steps Rasa marked with "# predicted: ..."


@dataclass(frozen=True)
class StoryResult:
    total: int
    failed: tuple[FailedStory, ...]

    @property
    def passed(self) -> int:
        return self.total - len(self.failed)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def run_story_tests(root: Path, model: Path, raw_out: Path) -> None:
    """``rasa test core`` on tests/stories, writing Rasa's own files to ``raw_out``."""
    raw_out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "careline.cli.main", "rasa", "test", "core",
         "--stories", "tests/stories", "--model", str(model), "--out", str(raw_out)],
        cwd=root, check=True,
    )


def read_results(root: Path, raw_out: Path) -> StoryResult:
    """Count the test stories and read the ones Rasa wrote to failed_test_stories.yml."""
    total = len(load_project(root).tests)
    failed_file = raw_out / "failed_test_stories.yml"
    failed: list[FailedStory] = []
    if failed_file.exists():
        text = failed_file.read_text(encoding="utf-8")
        for story in (yaml.safe_load(text) or {}).get("stories") or []:
            raw_name = str(story.get("story", "?"))
            # Rasa appends the test file to the name: "greet then pay (tests/stories/x.yml)".
            match = _NAME_WITH_FILE.match(raw_name)
            name, file = (match.group(1), match.group(2)) if match else (raw_name, "tests/stories")
            failed.append(FailedStory(name, file, _wrong_steps(text, raw_name)))
    return StoryResult(total=total, failed=tuple(failed))


def _wrong_steps(text: str, story: str) -> tuple[str, ...]:
    """The annotated lines of one failed story (Rasa keeps its comments only in the text)."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith("- story:"):
            inside = line.split(":", 1)[1].strip() == story
        elif inside and "# predicted:" in line:
            lines.append(" ".join(line.split()))
    return tuple(lines)


def write_story_report(result: StoryResult, out: Path) -> Path:
    """``summary.json``, ``report.md`` and ``index.html`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"total": result.total, "passed": result.passed,
               "pass_rate": round(result.pass_rate, 4),
               "failed": [asdict(f) for f in result.failed]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    lines = ["# Test stories", "",
             f"- passed: **{result.passed} of {result.total}** ({result.pass_rate:.1%})",
             "- Rasa's own files (confusion matrix, per-action report) are in raw/", ""]
    for story in result.failed:
        lines += [f"## FAILED: {story.name} ({story.file})", ""]
        lines += [f"    {step}" for step in story.wrong_predictions] or ["    (no annotated step)"]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = "".join(
        f"<h2>FAILED: {html.escape(s.name)} <small>({html.escape(s.file)})</small></h2>"
        f"<pre>{html.escape(chr(10).join(s.wrong_predictions))}</pre>" for s in result.failed)
    picture = ('<p><img src="raw/story_confusion_matrix.png" style="max-width:100%"></p>'
               if (out / "raw" / "story_confusion_matrix.png").exists() else "")
    (out / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Test stories</title></head>"
        f"<body><h1>Test stories</h1><p>passed {result.passed} of {result.total} "
        f"({result.pass_rate:.1%})</p><p>A failed story shows each step with "
        f"<code># predicted: …</code> where the bot would have done something else.</p>"
        f"{items}{picture}</body></html>\n", encoding="utf-8")
    return out / "index.html"
