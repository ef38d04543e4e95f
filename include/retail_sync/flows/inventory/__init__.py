"""The inventory snapshot flow: Odoo stock history in Parquet, channel mismatches found and corrected."""
