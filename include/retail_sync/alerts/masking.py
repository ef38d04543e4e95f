"""Customer emails and phone numbers never reach logs or alert emails in clear."""

from __future__ import annotations

import re

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Phone-like runs in free text: a leading + or 00 and at least 8 digits (dates and prices do not match).
PHONE = re.compile(r"(?<![\w+])(?:\+|00)\d[\d ()./-]{6,}\d")
PII_COLUMNS = ("email", "phone", "mobile")


def mask_email(value: str) -> str:
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"***{digits[-2:]}" if len(digits) >= 2 else "***"


def mask_text(value) -> str:
    """Mask every email address and phone-like number inside free text."""
    text = str(value)
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def mask_field(column: str, value) -> str:
    if value is None:
        return ""
    if any(word in column.lower() for word in PII_COLUMNS):
        return mask_email(str(value)) if "@" in str(value) else mask_phone(str(value))
    return mask_text(value)
