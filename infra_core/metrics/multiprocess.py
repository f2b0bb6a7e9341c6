"""gunicorn multiprocess mode: the directory, its lock, and compaction of dead workers' files.

prometheus_client keeps a dead worker's counter/histogram/summary files forever (counters must
not go backwards), so with ``max_requests`` recycling the directory, and every scrape's cost,
grow without bound. ``compact_dead_worker`` adds the dead worker's values into
``<type>_archive.db`` and deletes its files. A scrape and a compaction exclude each other through
an flock on a lock file in the directory, so a scrape never sees a value twice or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiproc_dir() -> str | None:
    """Return the multiprocess directory from the environment, if set."""
    return os.environ.get(MULTIPROC_ENV) or None


# Additive value types; gauges are not compacted (live* gauges are deleted by mark_process_dead).
COMPACTED_TYPES = ("counter", "histogram", "summary")
ARCHIVE = "archive"
LOCK_FILE = ".infra_core_metrics.lock"  # not *.db, so MultiProcessCollector never reads it


@contextmanager
def directory_lock(directory: str, *, exclusive: bool) -> Iterator[None]:
    """Hold a shared (scrape) or exclusive (compaction) flock on the multiprocess directory."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX; gunicorn does not run there either
        yield
        return
    fd = os.open(Path(directory) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fold(dead: Path, archive: Path) -> None:
    from prometheus_client.mmap_dict import MmapedDict

    target = MmapedDict(str(archive))  # type: ignore[no-untyped-call]
    try:
        for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(str(dead)):  # type: ignore[no-untyped-call]
            current, _ = target.read_value(key)  # type: ignore[no-untyped-call]
            target.write_value(key, current + value, timestamp)  # type: ignore[no-untyped-call]
    finally:
        target.close()  # type: ignore[no-untyped-call]


def compact_dead_worker(pid: int, path: str | None = None) -> int:
    """Add a dead worker's counter/histogram/summary values to the archive; return files removed."""
    directory = path or multiproc_dir()
    if not directory:
        return 0
    removed = 0
    with directory_lock(directory, exclusive=True):
        for typ in COMPACTED_TYPES:
            dead = Path(directory) / f"{typ}_{pid}.db"
            if not dead.exists():
                continue
            _fold(dead, Path(directory) / f"{typ}_{ARCHIVE}.db")
            dead.unlink()
            removed += 1
    return removed


def wipe_multiproc_dir(path: str | None = None) -> int:
    """Create the multiprocess directory if missing and delete its ``*.db`` files; return count.

    Only ``.db`` files are removed, so a directory pointed at by mistake loses nothing else.
    """
    target = path or multiproc_dir()
    if not target:
        return 0
    directory = Path(target)
    directory.mkdir(parents=True, exist_ok=True)
    removed = 0
    for file in directory.glob("*.db"):
        file.unlink(missing_ok=True)
        removed += 1
    return removed
