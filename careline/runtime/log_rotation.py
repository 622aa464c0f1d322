"""Keep each supervised child's log (``<logs>/<name>.log``) bounded.

The children write to the file the supervisor opened for their stdout and stderr: their
own log lines, and what no logging handler sees (TensorFlow's C++ output, nginx, a crash's
traceback). Only the supervisor can bound all of that, and without restarting anyone, so it
copies a full log to ``<name>.log.1`` (older copies shifted up to ``CARELINE_LOG_BACKUPS``)
and truncates it in place; the children opened it for appending, so their next line lands
at the start of the emptied file. A line written between the copy and the truncation is
lost: the price of rotating a file a running process keeps open.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from careline.settings import get_settings


@dataclass(frozen=True)
class LogRotation:
    """Rotate at ``max_bytes``, keeping ``backups`` old copies (0: just truncate)."""

    max_bytes: int
    backups: int

    @classmethod
    def from_settings(cls) -> LogRotation:
        """CARELINE_LOG_MAX_BYTES and CARELINE_LOG_BACKUPS, as the processes' own logs."""
        settings = get_settings()
        return cls(max_bytes=settings.log_max_bytes, backups=settings.log_backups)

    def rotate_if_full(self, path: Path) -> bool:
        """Rotate ``path`` if it has reached ``max_bytes``; whether it did."""
        try:
            if path.stat().st_size < self.max_bytes:
                return False
        except FileNotFoundError:
            return False
        if self.backups:
            for number in range(self.backups - 1, 0, -1):
                older = path.with_name(f"{path.name}.{number}")
                if older.exists():
                    os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
            partial = path.with_name(f".{path.name}.1.partial")
            shutil.copyfile(path, partial)
            os.replace(partial, path.with_name(f"{path.name}.1"))
        os.truncate(path, 0)
        return True
