"""Designer commands: validate, nlu-report, story-report, eval-nlu, eval-heldout, quality-check,
nlu-compare."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = subparsers.add_parser(
        "validate", help="check domain and data: rasa's validator plus Careline's designer checks")
    validate.add_argument("--skip-rasa", action="store_true",
                          help="run only Careline's checks (fast, no TensorFlow import)")
    validate.set_defaults(handler=_validate)

    nlu = subparsers.add_parser("nlu-report",
                                help="holdout and cross-validation NLU report in reports/nlu/")
    nlu.add_argument("--folds", type=int, default=3, help="cross-validation folds (0: skip)")
    nlu.add_argument("--config", type=Path, default=None, help="pipeline (default config.yml)")
    nlu.add_argument("--out", type=Path, default=None, help="default reports/nlu")
    nlu.set_defaults(handler=_nlu_report)

    stories = subparsers.add_parser("story-report",
                                    help="run the test stories, report in reports/stories/")
    stories.set_defaults(handler=_story_report)

    evaluation = subparsers.add_parser(
        "eval-nlu", help="score the model on ../shared/eval customer messages (reports/eval/)")
    evaluation.add_argument("--labels", type=Path, default=None,
                            help="intent → coarse label map (default coarse_labels.yml)")
    evaluation.add_argument("--model", type=Path, default=None,
                            help="model archive (default: the model `careline model` trains)")
    evaluation.set_defaults(handler=_eval_nlu)

    heldout = subparsers.add_parser(
        "eval-heldout", help="score the model on our own held-out messages (tests/nlu_heldout/)")
    heldout.add_argument("--model", type=Path, default=None,
                         help="model archive (default: the model `careline model` trains)")
    heldout.set_defaults(handler=_eval_heldout)

    quality = subparsers.add_parser(
        "quality-check", help="fail when NLU holdout macro-F1 or story pass rate is below "
                              "quality_floor.yml")
    quality.set_defaults(handler=_quality_check)

    compare = subparsers.add_parser(
        "nlu-compare", help="compare NLU pipelines on the holdout and the shared eval set")
    compare.add_argument("configs", nargs="+", type=Path, help="pipeline config files")
    compare.add_argument("--labels", type=Path, default=None)
    compare.set_defaults(handler=_nlu_compare)


def _root() -> Path:
    from careline.settings import PROJECT_ROOT

    return PROJECT_ROOT


def _validate(args: argparse.Namespace) -> int:
    from careline.designer.checks import run_checks
    from careline.designer.project import load_project
    from careline.designer.quality import load_floor

    root = _root()
    status = 0
    if not args.skip_rasa:
        print("rasa data validate --domain domain --fail-on-warnings", flush=True)
        status = subprocess.run(
            [sys.executable, "-m", "careline.cli.main", "rasa", "data", "validate", "--domain",
             "domain", "--fail-on-warnings"], cwd=root).returncode
    findings = run_checks(load_project(root), load_floor(root).checks)
    for finding in findings:
        print(finding.render())
    errors = sum(f.severity == "error" for f in findings)
    print(f"careline validate: {errors} problem(s) in Careline's designer checks"
          + ("" if status == 0 else "; rasa data validate failed (see above)"))
    return 1 if errors or status else 0


def _nlu_report(args: argparse.Namespace) -> int:
    from careline.designer.nlu_report import write_nlu_report
    from careline.designer.quality import load_floor

    root = _root()
    floor = load_floor(root)
    pages = write_nlu_report(root, args.config or root / "config.yml",
                             args.out or root / "reports" / "nlu", n_folds=args.folds,
                             seed=floor.holdout_seed, test_fraction=floor.holdout_test_fraction)
    for page in pages:
        print(f"wrote {page}")
    return 0


def _story_report(args: argparse.Namespace) -> int:
    from careline.designer.story_report import read_results, run_story_tests, write_story_report
    from careline.runtime.model_cache import ensure_model

    root = _root()
    out = root / "reports" / "stories"
    run_story_tests(root, ensure_model(root).path, out / "raw")
    result = read_results(root, out / "raw")
    print(f"test stories: {result.passed}/{result.total} pass; wrote {write_story_report(result, out)}")
    return 0


def _eval_nlu(args: argparse.Namespace) -> int:
    from careline.designer.metrics import label_table
    from careline.designer.render import write_evaluation
    from careline.designer.shared_eval import (
        EVAL_FILE,
        confusion_lines,
        eval_dir,
        out_of_scope_line,
        read_coarse_labels,
        read_messages,
        score_model,
    )
    from careline.runtime.model_cache import ensure_model

    root = _root()
    mapping = read_coarse_labels(args.labels or root / "coarse_labels.yml")
    messages = read_messages(eval_dir() / EVAL_FILE)
    model = args.model or ensure_model(root).path
    result = score_model(model, messages=messages, mapping=mapping)
    latencies = sorted(p.seconds for p in result.predictions)
    notes = [out_of_scope_line(result.evaluation), f"model: {Path(model).name}",
             f"messages: {len(messages)}",
             f"parse time p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
             f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms"]
    if result.unmapped_intents:
        notes.append("intents missing from coarse_labels.yml: " + ", ".join(result.unmapped_intents))
    page = write_evaluation(root / "reports" / "eval", "NLU on real customer messages",
                            result.evaluation, notes=notes)
    # Per-label figures only: the messages and misses stay in the report, unread by default.
    print(label_table(result.evaluation))
    print("\n".join(["misses by label and intent:",
                     *confusion_lines(messages, result.predictions, mapping)]))
    print(f"shared eval macro-F1 {result.evaluation.macro_f1:.3f}; {notes[0]}; {notes[3]}; "
          f"wrote {page}")
    return 0


def _eval_heldout(args: argparse.Namespace) -> int:
    from careline.designer.heldout import HELDOUT_DIR, leaked, read_heldout, score_heldout
    from careline.designer.metrics import label_table
    from careline.designer.project import load_project
    from careline.designer.render import write_evaluation
    from careline.designer.shared_eval import read_coarse_labels
    from careline.runtime.model_cache import ensure_model

    root = _root()
    messages = read_heldout(root / HELDOUT_DIR)
    copies = leaked(messages, [e.text for e in load_project(root).examples])
    if copies:
        print("held-out messages also in data/nlu (delete them from one side): "
              + "; ".join(copies))
        return 1
    mapping = read_coarse_labels(root / "coarse_labels.yml")
    evaluation = score_heldout(args.model or ensure_model(root).path, messages=messages,
                               mapping=mapping)
    page = write_evaluation(root / "reports" / "heldout", "NLU on our held-out messages",
                            evaluation, notes=[f"messages: {len(messages)}"])
    print(label_table(evaluation))
    print(f"held-out macro-F1 {evaluation.macro_f1:.3f}; wrote {page}")
    return 0


def _quality_check(args: argparse.Namespace) -> int:
    from careline.designer.nlu_report import holdout
    from careline.designer.quality import judge_nlu, judge_stories, load_floor
    from careline.designer.render import write_evaluation
    from careline.designer.story_report import read_results, run_story_tests, write_story_report
    from careline.runtime.model_cache import ensure_model

    root = _root()
    floor = load_floor(root)
    result = holdout(root / "data", root / "config.yml", seed=floor.holdout_seed,
                     test_fraction=floor.holdout_test_fraction)
    write_evaluation(root / "reports" / "nlu" / "holdout", "NLU holdout", result.evaluation)
    nlu_ok, lines = judge_nlu(result.evaluation, floor)
    out = root / "reports" / "stories"
    run_story_tests(root, ensure_model(root).path, out / "raw")
    stories = read_results(root, out / "raw")
    write_story_report(stories, out)
    stories_ok, story_lines = judge_stories(stories.pass_rate, stories.passed, stories.total, floor)
    print("\n".join(["careline quality-check (quality_floor.yml)", *lines, *story_lines]))
    return 0 if nlu_ok and stories_ok else 1


def _nlu_compare(args: argparse.Namespace) -> int:
    from careline.designer.compare import compare_pipelines, write_comparison
    from careline.designer.quality import load_floor

    root = _root()
    floor = load_floor(root)
    out = root / "reports" / "nlu" / "compare"
    rows = compare_pipelines(root, args.configs, labels=args.labels or root / "coarse_labels.yml",
                             seed=floor.holdout_seed, test_fraction=floor.holdout_test_fraction,
                             out=out)
    print(write_comparison(rows, out / "index.md").read_text())
    return 0
