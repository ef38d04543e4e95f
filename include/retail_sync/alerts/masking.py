"""Customer emails and phone numbers never reach logs, alert emails or Data Docs in clear.

Feeds come from everywhere, so an email may be written with non-ASCII letters (`josé@exämple.de`) or
in full-width forms (`ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ`, as typed with an East Asian input method), and a
phone number in a local format (`0470 12 34 56`, `(555) 123-4567`, `0470123456`) as well as the
international one. File names are free text too: `orders-bob@shop.example.csv` is masked like any text.
"""

from __future__ import annotations

import re

# `\w` is Unicode-aware: it takes accented and full-width letters and digits. The at-sign and the dot
# also come in full-width (＠ U+FF20, ． U+FF0E), small (﹫ U+FE6B) and ideographic (。 U+3002) forms.
_AT = "[@＠﹫]"
_DOT = "[.．。｡]"
EMAIL = re.compile(rf"([\w%+-])[\w.%+'-]*{_AT}((?:[\w-]+{_DOT})+[^\W\d_]{{2,}})")
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)\d[\d ()./-]{6,}\d"              # international: +32 470 12 34 56, 0032470123456
    r"|0\d{8,10}"                               # local, written in one run: 0470123456
    r"|0\d{1,4}(?:[ ./-]\d{2,4}){2,4}"          # local, grouped: 0470 12 34 56, 02/123.45.67
    r"|\(\d{3}\) ?\d{3}[ .-]\d{4}"              # North American: (555) 123-4567
    r"|\d{3}[.-]\d{3}[.-]\d{4}"                 # North American: 555-123-4567
    r")(?!\w)")
PII_COLUMNS = ("email", "phone", "mobile")


def mask_email(value: str) -> str:
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"***{digits[-2:]}" if len(digits) >= 2 else "***"


def mask_text(value) -> str:
    """Mask every email address and phone-like number inside free text (messages, file names, values)."""
    return PHONE.sub(_mask_phone_match, mask_email(str(value)))


def _mask_phone_match(match: re.Match) -> str:
    # A date such as 01.02.2026 has the shape of a grouped local number but only 8 digits; phone numbers
    # have at least 9 (8 after an international prefix, which a date never has).
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    international = text.startswith(("+", "00"))
    return mask_phone(text) if digits >= 9 or (international and digits >= 8) else text


def mask_field(column: str, value) -> str:
    """A value of a named column: in a personal-data column the whole value is masked, whatever its shape."""
    if value is None:
        return ""
    text = str(value)
    if any(word in column.lower() for word in PII_COLUMNS):
        return mask_email(text) if EMAIL.search(text) else mask_phone(text)
    return mask_text(text)
