"""The previous code, checked out beside this tree, so a bench times both in the same run.

``BENCH_BASELINE`` (default: the commit before issue #27's work) is checked out with
``git worktree add --detach`` into a temporary directory and removed afterwards; a bench
runs the old code in a subprocess with that directory first on ``PYTHONPATH`` (the
editable install's finder comes after ``PYTHONPATH``), on the same machine and data.
Nothing of the old code is kept in this tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPOSITORY = Path(__file__).resolve().parents[1]
#: The last commit before the one-statement profile read, COPY seeding, paced notices and
#: the incremental insight figures.
DEFAULT_BASELINE = "5d003a1"


def baseline_commit() -> str:
    return os.environ.get("BENCH_BASELINE", DEFAULT_BASELINE)


@contextmanager
def baseline_tree() -> Iterator[Path]:
    """A detached worktree of the baseline commit, removed on exit."""
    directory = Path(tempfile.mkdtemp(prefix="careline-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(directory),
                    baseline_commit()], cwd=REPOSITORY, check=True)
    try:
        yield directory
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(directory)],
                       cwd=REPOSITORY, check=False)


def environment(tree: Path) -> dict[str, str]:
    """This process's environment with ``tree``'s ``careline`` first on the path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(tree), os.environ.get("PYTHONPATH")) if p)}


def run_python(tree: Path, *argv: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    """``python argv…`` with ``tree``'s ``careline``; raises with its stderr on failure."""
    done = subprocess.run([sys.executable, *argv], cwd=tree, env={**environment(tree),
                                                                  **(env or {})},
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed with {tree}:\n{done.stderr[-3000:]}")
    return done
