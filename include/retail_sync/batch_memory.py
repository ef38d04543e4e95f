"""How a task process manages its memory while it maps and writes a large batch.

Two settings, each a context manager that puts back what it found (also when the batch fails):
- `cyclic_gc_paused`: the cyclic garbage collector does not run;
- `arrow_memory_from_malloc`: Arrow allocates from the C library's allocator instead of its bundled mimalloc.
`batch_memory` applies both.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Keep CPython's cyclic garbage collector from running.

    A first load allocates a few hundred thousand short-lived objects (row values, Odoo's JSON answers). Each
    burst of allocations makes the collector walk the whole process heap, which in a task process holds
    Airflow, Great Expectations and pyarrow (~300,000 objects): measured, those walks cost more client CPU
    than the mapping itself. What a batch builds holds no reference cycles and is freed by reference
    counting; any cycle it leaves is collected once the collector runs again, right after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def arrow_memory_from_malloc() -> Iterator[None]:
    """Make Arrow's default memory pool the C library's allocator.

    pyarrow's default pool, mimalloc, reserves a 1 GiB arena that it marks for transparent huge pages
    (madvise MADV_HUGEPAGE), so the first touch of each 2 MiB of it makes the kernel zero a whole huge page.
    A batch's columns are a few MiB: measured on an 8,000-SKU first load, zeroing those pages took 12 % of the
    client's CPU (~9 µs per SKU, system time); with malloc's 4 KiB pages, 1–1.5 %. Buffers remember
    the pool they came from, so those made before or after are freed where they belong."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@contextmanager
def batch_memory() -> Iterator[None]:
    with cyclic_gc_paused(), arrow_memory_from_malloc():
        yield
