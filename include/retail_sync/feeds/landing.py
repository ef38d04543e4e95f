"""The landing folder feed files are dropped into: a local path or any fsspec URL (s3://, gs://, memory://).

A file is taken only when it is complete. The convention for writers (README, "The catalog feed"):
write `name.csv.tmp` (or `.part`, or a name starting with `.`) and rename it to `name.csv` when done;
such names are never listed. As a second guard, a file is taken only once its size and modification
time have not changed for `settle_seconds`, it is copied to a snapshot that is what gets read, and it
leaves the landing folder only if its bytes are still the ones that were read — a file that changed
stays and is taken again as a new file.

Files that are done move to a sub-folder — `processed/`, `rejected/` or `blocked/` — so the folder
itself lists only work still to do.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from fsspec.core import url_to_fs

FEED_SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson")   # so `x.csv.tmp` and `x.csv.part` are never listed
_COPY_BLOCK = 1 << 20


class StillWriting(Exception):
    """The file changed while it was being taken: leave it for a later run."""


def is_feed_name(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not name.startswith(".") and name.lower().endswith(FEED_SUFFIXES)


def pending_feeds(landing: str) -> list[str]:
    """Feed files waiting in the landing folder, oldest first."""
    fs, root = url_to_fs(landing)
    fs.makedirs(root, exist_ok=True)
    entries = [e for e in fs.ls(root, detail=True) if e["type"] == "file" and is_feed_name(e["name"])]
    entries.sort(key=lambda e: (_modified(e), e["name"]))
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return [e["name"] if protocol in ("file", "local") else f"{protocol}://{e['name']}" for e in entries]


def take(uri: str, folder: Path, settle_seconds: float) -> tuple[str, str]:
    """Copy a settled feed file into `folder`: (snapshot path, sha256 of its bytes).

    Raises `StillWriting` when the size or modification time moves during the settle interval or the copy.
    """
    fs, path = url_to_fs(uri)
    before = _signature(fs, path)
    # Wait until the last change is settle_seconds old (at most settle_seconds: a clock ahead of ours
    # must not hold the file for long), then look again.
    time.sleep(max(0.0, min(settle_seconds, settle_seconds - (time.time() - before[1]))) if before[1] else settle_seconds)
    settled = _signature(fs, path)
    if settled != before:
        raise StillWriting(f"{uri} changed within {settle_seconds:g} s; it is taken once it stops changing")
    folder.mkdir(parents=True, exist_ok=True)
    snapshot = folder / path.rsplit("/", 1)[-1]
    digest = hashlib.sha256()
    try:
        with fs.open(path, "rb") as source, snapshot.open("wb") as copy:
            while block := source.read(_COPY_BLOCK):
                digest.update(block)
                copy.write(block)
        if _signature(fs, path) != settled:
            raise StillWriting(f"{uri} changed while it was read; it is taken once it stops changing")
    except BaseException:  # changed, or moved away by another run: no snapshot is left behind
        snapshot.unlink(missing_ok=True)
        raise
    return str(snapshot), digest.hexdigest()


def fingerprint_now(uri: str) -> str | None:
    """sha256 of the file's current bytes, or None when it is gone."""
    fs, path = url_to_fs(uri)
    if not fs.exists(path):
        return None
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        while block := handle.read(_COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def move_if_unchanged(uri: str, fingerprint: str, folder: str) -> bool:
    """Move the file into `folder` if its bytes are still `fingerprint`; a changed file stays (False)."""
    current = fingerprint_now(uri)
    if current is not None and current != fingerprint:
        return False
    move_to(uri, folder)
    return True


def move_to(uri: str, folder: str) -> None:
    """Move a feed file into `folder` beside it (no-op when it is already gone)."""
    fs, path = url_to_fs(uri)
    if fs.exists(path):
        parent, name = path.rsplit("/", 1)
        fs.makedirs(f"{parent}/{folder}", exist_ok=True)
        fs.mv(path, f"{parent}/{folder}/{name}")


def _signature(fs, path: str) -> tuple[int, float]:
    info = fs.info(path)
    return int(info.get("size") or 0), _modified(info)


def _modified(entry: dict) -> float:
    value = entry.get("mtime") or entry.get("LastModified") or entry.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)
