"""A merchandising feed of N SKUs: parents with size/colour variants, valid EAN-13 barcodes,
prices as decimal strings, a few promotions. Same seed, same file."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from retail_sync.canonical.barcodes import is_valid_gtin

CATEGORIES = ["Apparel/Tops/T-shirts", "Apparel/Tops/Sweaters", "Apparel/Bottoms/Jeans", "Apparel/Accessories",
              "Home/Kitchen", "Home/Textiles", "Outdoor/Camping", "Outdoor/Footwear"]
NOUNS = ["tee", "sweater", "jeans", "scarf", "mug", "towel", "tent", "boot", "cap", "blanket", "bottle", "jacket"]
ADJECTIVES = ["Organic", "Merino", "Recycled", "Classic", "Linen", "Everyday", "Alpine", "Harbour", "Studio"]
SIZES = ["XS", "S", "M", "L", "XL"]
COLOURS = ["Black", "White", "Navy", "Olive", "Sand"]
COLUMNS = ["sku", "parent_key", "name", "description", "category_path", "list_price", "cost", "currency", "barcode",
           "tax_class", "active", "weight", "attr_size", "attr_colour", "promo_price", "promo_start", "promo_end"]


def ean13(body12: int) -> str:
    digits = f"{body12:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    code = digits + str((10 - total % 10) % 10)
    assert is_valid_gtin(code)
    return code


def catalog_rows(n_skus: int, seed: int = 42, variants: int = 4) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    parent = 0
    while len(rows) < n_skus:
        parent += 1
        key = f"P{parent:06d}"
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {parent}"
        category = rng.choice(CATEGORIES)
        base = rng.randrange(500, 15000)
        count = rng.choice([1, variants, variants, variants])
        sizes = rng.sample(SIZES, min(count, len(SIZES))) if count > 1 else []
        colour = rng.choice(COLOURS)
        for index in range(count):
            if len(rows) >= n_skus:
                break
            size = sizes[index] if sizes else None
            price = base + (200 if size in ("XL",) else 0)
            promo = rng.random() < 0.05
            rows.append({
                "sku": f"{key}-{size or 'U'}-{colour[:3].upper()}", "parent_key": key, "name": name,
                "description": f"{name} in {colour.lower()}.", "category_path": category,
                "list_price": f"{price / 100:.2f}", "cost": f"{price * 0.4 / 100:.2f}", "currency": "EUR",
                "barcode": ean13(540_000_000_000 + seed * 1_000_000 + len(rows)),
                "tax_class": "standard" if rng.random() < 0.9 else "reduced", "active": "true",
                "weight": f"{rng.randrange(50, 3000) / 1000:.3f}", "attr_size": size,
                "attr_colour": colour if size else None,
                "promo_price": f"{price * 0.8 / 100:.2f}" if promo else None,
                "promo_start": "2026-12-01T00:00:00Z" if promo else None,
                "promo_end": "2026-12-31T23:59:59Z" if promo else None,
            })
    return rows


def write_catalog_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return path
