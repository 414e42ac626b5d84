"""A throwaway embedded database for a benchmark run, stopped and removed when the run ends."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.bootstrap import Database, open_database
from core.embedded import stop_embedded
from core.settings import DatabaseSettings, Settings


@contextmanager
def temporary_database() -> Iterator[Database]:
    """A migrated embedded database in a temporary folder, stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="chasen-bench-") as folder:
        data_dir = Path(folder) / "pg"
        db = open_database(
            Settings(database=DatabaseSettings(url=None, data_dir=data_dir)), migrate=True
        )
        try:
            yield db
        finally:
            db.close()
            stop_embedded(data_dir)
