"""A row-wise function applied column-wise: once per distinct value, the results spread back by index.

Feed columns repeat a few values over and over (currencies, tax classes, flags, category paths, promotion
dates), so calling the one exact row-wise function per distinct value gives the same results as calling
it per row, at the cost of a hash lookup per row.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc


def map_distinct(values: pa.Array | pa.ChunkedArray, function: Callable, result_type: pa.DataType
                 ) -> tuple[pa.Array, dict]:
    """`function(value)` for every non-null value (null stays null), and {value: exception} for the values
    whose function raised (their rows get null)."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    distinct = pc.unique(values).drop_null()
    results, failed = [], {}
    for value in distinct.to_pylist():
        try:
            results.append(function(value))
        except Exception as exc:  # the caller names the rows (a quarantine reason), never raises
            failed[value] = exc
            results.append(None)
    return pc.take(pa.array(results, result_type), pc.index_in(values, value_set=distinct)), failed
