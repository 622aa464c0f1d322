"""Local secrets for ``make run``: generated once, kept in the data dir, out of git."""

from __future__ import annotations

import secrets
from pathlib import Path


def local_secret(data_dir: Path, name: str) -> str:
    """Read ``name`` from the data dir, creating a random value on first use."""
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value
