"""The pipeline's own memory: watermarks, the sync ledger, dead letters, run metrics, processed files."""
