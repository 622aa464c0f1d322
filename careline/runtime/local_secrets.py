"""Local secrets for ``make run``: generated once, kept in the data dir, out of git."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def local_secret(data_dir: Path, name: str) -> str:
    """Read ``name`` from the data dir, creating a random value on first use.

    Several processes may ask for the same new secret at once (Rasa replicas, the Twilio
    gateway, the desk): the value is written to a file of its own and linked into place,
    which fails if another process got there first, so every process reads one complete
    value, never a half-written file or a second random one.
    """
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.write_text(secrets.token_urlsafe(24) + "\n")
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process created it first: theirs is the secret
    finally:
        draft.unlink()
    return path.read_text().strip()
