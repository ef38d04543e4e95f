"""Sources of records: the merchandising feed now; storefront and payment adapters later."""
