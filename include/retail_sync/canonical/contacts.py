"""How customer contact data is normalised for matching: emails, phone numbers, person names.

One module for every flow that compares people (the order flow's match-or-create, the dedupe flow):
two records are "the same email" or "the same phone" exactly when these functions say so.

Emails
    Outer whitespace is trimmed and the text NFC-composed. The domain is mapped and checked with
    IDNA 2008 / UTS 46 (the `idna` package) and kept as its lower-case Unicode form, so
    `Jo@BÜCHER.example` and `jo@xn--bcher-kva.example` are one address. The local part is lower-cased:
    RFC 5321 lets a server treat it case-sensitively, but no mailbox provider our stores see does, and
    shoppers retype their address in any case. Gmail's ignored dots and every provider's `+tag` are NOT
    removed: those are one provider's rules (and a custom domain may or may not be Google-hosted), so
    removing them would merge different people at other providers. `mailbox_key` applies them where
    the provider documents them (Gmail, see there): the dedupe model compares on it. Quoted local parts and IP-literal domains are refused (no storefront
    accepts them at checkout). An address that cannot be delivered to is refused with a reason.

Phones
    Parsed with `phonenumbers` (libphonenumber's metadata) in the region of the address the number came
    with, so national numbers (`0470 12 34 56` in BE) and international dialling prefixes (`0049 …`
    in any country with the 00 prefix) both work; `(0)` after a country code is dropped as people write
    it. A number that is *possible* (a length its country uses) is kept in E.164: the numbering plans
    lag real allocations, so refusing numbers libphonenumber does not know as *valid* would lose matches
    on real customers' new numbers. `valid` says whether it is also a number in an assigned range.

    The domain's IDNA check is cached per domain: a customer base has few domains and many addresses.

Names
    The display name is kept as given (outer whitespace trimmed): emoji, right-to-left scripts and
    accents are the customer's own spelling. The match key is NFKC-folded, case-folded, stripped of
    accents and other combining marks (Arabic and Hebrew vowel points too) and of invisible bidi
    controls, with runs of whitespace collapsed to one space. `given_name_key` also reads a common
    nickname or spelling variant as its full form (`canonical/nicknames.py`): "Bob" → "robert".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import idna
import phonenumbers

from retail_sync.canonical.nicknames import FULL_FORM

MAX_EMAIL = 254          # RFC 5321 path limit, less the angle brackets
MAX_LOCAL = 64
# RFC 5322 dot-atom text, plus any non-ASCII character that is not a space or control (RFC 6531 allows
# UTF-8 local parts).
LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~"
                        r"\u0080-\U0010ffff-]+)*$")
# Bidi embeddings, overrides, isolates and marks: invisible, and pasted in with right-to-left names.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# str.isspace() characters (what `\s` matches in a str pattern) and the C0/C1 controls (category Cc).
SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
NATIONAL_PREFIX_IN_PARENS = re.compile(r"^(\+\d{1,3})\s*\(0\)")
# Google documents, for its consumer mail only, that dots in the user name are ignored and that anything
# after a `+` reaches the same inbox (Gmail Help: "Dots don't matter in Gmail addresses", and its page on
# `+` aliases); googlemail.com is the same service under its former name in Germany and the UK. A Google
# Workspace custom domain is not covered: its administrator may treat dots as significant.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


@dataclass(frozen=True)
class Email:
    """An email as given and, when it is deliverable in form, its normalised form; else why not."""

    given: str | None
    normalized: str | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.normalized is not None


@dataclass(frozen=True)
class Phone:
    given: str | None
    e164: str | None
    valid: bool = False              # also in a range libphonenumber knows as assigned
    reason: str | None = None


def normalize_email(text: str | None) -> Email:
    if text is None or not str(text).strip():
        return Email(text, None, "no email")
    value = unicodedata.normalize("NFC", str(text).strip())
    if SPACE_OR_CONTROL.search(value):
        return Email(text, None, "contains a space or control character")
    if value.count("@") != 1:
        return Email(text, None, "must contain exactly one @")
    local, domain = value.split("@")
    if not local or len(local) > MAX_LOCAL:
        return Email(text, None, f"the part before @ must have 1 to {MAX_LOCAL} characters")
    if not LOCAL_PART.match(local):
        return Email(text, None, "the part before @ has a character not allowed there, or a misplaced dot")
    ascii_domain, unicode_domain, why = _domain_forms(domain)
    if why:
        return Email(text, None, why)
    normalized = f"{local.lower()}@{unicode_domain.lower()}"
    if len(f"{local}@{ascii_domain}") > MAX_EMAIL:
        return Email(text, None, f"longer than {MAX_EMAIL} characters")
    return Email(text, normalized)


@lru_cache(maxsize=65_536)
def _domain_forms(domain: str) -> tuple[str | None, str | None, str | None]:
    """(ASCII form, Unicode form, None) of a mail domain, or (None, None, why it is refused)."""
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        unicode_domain = idna.decode(ascii_domain)
    except idna.IDNAError as exc:
        return None, None, f"the domain is not a valid (internationalised) host name: {exc}"
    if "." not in ascii_domain.strip("."):
        return None, None, "the domain has no dot (not a public host name)"
    return ascii_domain, unicode_domain, None


def mailbox_key(normalized: str | None) -> str | None:
    """The mailbox a normalised email reaches, where its provider documents aliases (Gmail: dots and
    `+tags` ignored, googlemail.com = gmail.com); any other address unchanged."""
    if not normalized:
        return None
    local, domain = normalized.rsplit("@", 1)
    if domain not in GMAIL_DOMAINS:
        return normalized
    user = local.split("+", 1)[0].replace(".", "")
    return f"{user}@gmail.com" if user else normalized


def normalize_phone(text: str | None, region: str | None = None, *, check_valid: bool = True) -> Phone:
    """`region`: ISO 3166 alpha-2 of the address the number came with (reads national numbers).
    `check_valid=False` skips the assigned-range check (`valid` stays False): the dedupe model compares
    E.164 forms only, and the check costs as much as the parsing."""
    if text is None or not str(text).strip():
        return Phone(text, None, reason="no phone")
    value = NATIONAL_PREFIX_IN_PARENS.sub(r"\1 ", str(text).strip())
    if value.startswith("00") and not region:
        value = "+" + value[2:]   # the ITU's recommended international prefix, when no region says otherwise
    try:
        number = phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        why = "a national number needs the address's country" if exc.error_type == \
            phonenumbers.NumberParseException.INVALID_COUNTRY_CODE else "not a phone number"
        return Phone(text, None, reason=why)
    if not phonenumbers.is_possible_number(number):
        return Phone(text, None, reason="not a possible number for its country (wrong length)")
    return Phone(text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 check_valid and phonenumbers.is_valid_number(number))


def display_name(*parts: str | None) -> str | None:
    """The name to show: the given parts as spelled, joined by one space (None when all are empty)."""
    kept = [p.strip() for p in parts if p and p.strip()]
    return " ".join(kept) or None


def name_key(*parts: str | None) -> str | None:
    """The form two spellings of one name share ("  ZOË  ng" and "Zoe Ng" → "zoe ng"); None if empty."""
    text = unicodedata.normalize("NFKC", " ".join(p for p in parts if p)).translate(BIDI_CONTROLS).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = " ".join(unicodedata.normalize("NFC", bare).split())
    return key or None


def given_name_key(name: str | None) -> str | None:
    """`name_key` of a given name, each word a common nickname or variant of read as its full form
    ("Bob" → "robert", "Liz Ann" → "elizabeth ann")."""
    key = name_key(name)
    return " ".join(FULL_FORM.get(word, word) for word in key.split()) if key else None
