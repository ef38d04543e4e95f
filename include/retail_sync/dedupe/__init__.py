"""Customer deduplication: standardize customer records, link them with a splink model, score the result.

`link.link(table, settings)` is the entry point (the `link` command and the customer_dedupe flow call it);
`python -m retail_sync.dedupe link --input customers.csv --out pairs.csv` runs it on a file.
"""
