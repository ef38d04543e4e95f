"""The snapshot history: a Parquet dataset, Hive-partitioned `date=YYYY-MM-DD/hour=HH`, one file per hour,
under a local folder or any fsspec URL (s3://, gs://, memory://).

An hour's file is written under a hidden name in its partition (readers skip names starting with "." or
"_", pyarrow's default) and then moved over `snapshot.parquet`: on a local or POSIX filesystem the move is
one rename, so a reader sees the old hour or the new one, never half a file or both; on object stores a
single object appears whole on upload. Re-running an hour replaces its file; it can never add a second.
A crashed writer leaves only a hidden file, which the next write of that hour removes.

Every file carries the schema version in its metadata (`retail_sync.schema_version`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA

SCHEMA_VERSION = "1"
VERSION_KEY = b"retail_sync.schema_version"
FILE_NAME = "snapshot.parquet"
PARTITIONING = ds.partitioning(pa.schema([("date", pa.string()), ("hour", pa.int32())]), flavor="hive")


def filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem and the base path inside it, for a local path or any fsspec URL."""
    if "://" not in root or root.startswith("file://"):
        local = pafs.LocalFileSystem()
        path = root.removeprefix("file://")
        local.create_dir(path, recursive=True)
        return local, path
    import fsspec

    fs, path = fsspec.core.url_to_fs(root)
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path.rstrip("/")


def partition_of(at: datetime) -> str:
    at = at.astimezone(UTC)
    return f"date={at:%Y-%m-%d}/hour={at.hour:02d}"


class SnapshotHistory:
    def __init__(self, root: str):
        self.root = root
        self.fs, self.base = filesystem(root)

    def write(self, snapshot: pa.Table, at: datetime) -> str:
        """Write (or replace) the snapshot of `at`'s hour; returns the file's path in the history."""
        folder = f"{self.base}/{partition_of(at)}"
        self.fs.create_dir(folder, recursive=True)
        self._remove_leftovers(folder)
        table = snapshot.cast(STOCK_SNAPSHOT_SCHEMA).replace_schema_metadata({VERSION_KEY: SCHEMA_VERSION})
        hidden = f"{folder}/.writing-{uuid.uuid4().hex}.parquet"
        try:
            pq.write_table(table, hidden, filesystem=self.fs, compression="zstd")
            self.fs.move(hidden, f"{folder}/{FILE_NAME}")
        except BaseException:
            if self._exists(hidden):
                self.fs.delete_file(hidden)
            raise
        return f"{folder}/{FILE_NAME}"

    def dataset(self) -> ds.Dataset:
        """The whole history, with `date` and `hour` as columns (filter on them to read only some hours)."""
        return ds.dataset(self.base, filesystem=self.fs, format="parquet", partitioning=PARTITIONING,
                          schema=pa.unify_schemas([STOCK_SNAPSHOT_SCHEMA, PARTITIONING.schema]))

    def hours(self) -> list[str]:
        """The partitions that hold a snapshot, oldest first ("date=…/hour=…")."""
        found = self.fs.get_file_info(pafs.FileSelector(self.base, recursive=True, allow_not_found=True))
        return sorted(info.path[len(self.base) + 1:-len(FILE_NAME) - 1] for info in found
                      if info.type == pafs.FileType.File and info.base_name == FILE_NAME)

    def previous_rows(self, at: datetime) -> int | None:
        """Rows of the latest snapshot up to `at`'s hour, that hour's own earlier run included (None: none yet)."""
        current = partition_of(at)
        earlier = [hour for hour in self.hours() if hour <= current]
        if not earlier:
            return None
        return pq.ParquetFile(f"{self.base}/{earlier[-1]}/{FILE_NAME}", filesystem=self.fs).metadata.num_rows

    def _remove_leftovers(self, folder: str) -> None:
        for info in self.fs.get_file_info(pafs.FileSelector(folder)):
            if info.base_name.startswith(".writing-"):
                self.fs.delete_file(info.path)

    def _exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type != pafs.FileType.NotFound
