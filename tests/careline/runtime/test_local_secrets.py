"""A local secret is created once, even by processes that ask for it at the same moment."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from careline.runtime.local_secrets import local_secret


def test_the_first_value_is_kept_and_private(tmp_path: Path):
    first = local_secret(tmp_path, "rest-token")
    assert len(first) >= 24 and local_secret(tmp_path, "rest-token") == first
    path = tmp_path / "secrets" / "rest-token"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["rest-token"]  # no drafts left


def test_processes_racing_for_a_new_secret_all_read_one_value(tmp_path: Path):
    with ProcessPoolExecutor(max_workers=8) as pool:
        values = set(pool.map(local_secret, [tmp_path] * 32, ["conversation-secret"] * 32))
    assert len(values) == 1 and "" not in values
