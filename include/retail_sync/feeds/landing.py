"""The landing folder feed files are dropped into: a local path or any fsspec URL (s3://, gs://, memory://).

Files that are done move to a sub-folder — `processed/`, `rejected/` or `blocked/` — so the folder
itself lists only work still to do.
"""

from __future__ import annotations

from fsspec.core import url_to_fs

FEED_SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson")


def pending_feeds(landing: str) -> list[str]:
    """Feed files waiting in the landing folder, oldest first."""
    fs, root = url_to_fs(landing)
    fs.makedirs(root, exist_ok=True)
    entries = [e for e in fs.ls(root, detail=True)
               if e["type"] == "file" and e["name"].lower().endswith(FEED_SUFFIXES)]
    entries.sort(key=lambda e: (_modified(e), e["name"]))
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return [e["name"] if protocol in ("file", "local") else f"{protocol}://{e['name']}" for e in entries]


def move_to(uri: str, folder: str) -> None:
    """Move a feed file into `folder` beside it (no-op when it is already gone)."""
    fs, path = url_to_fs(uri)
    if fs.exists(path):
        parent, name = path.rsplit("/", 1)
        fs.makedirs(f"{parent}/{folder}", exist_ok=True)
        fs.mv(path, f"{parent}/{folder}/{name}")


def _modified(entry: dict) -> float:
    value = entry.get("mtime") or entry.get("LastModified") or entry.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)
