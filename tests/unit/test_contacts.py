"""Contact normalisation on real-world inputs: emails, phone numbers, person names."""

from __future__ import annotations

import pytest

from retail_sync.canonical.contacts import display_name, name_key, normalize_email, normalize_phone


@pytest.mark.parametrize(("given", "normalized"), [
    ("  Anna.Peeters@Example.COM ", "anna.peeters@example.com"),
    ("ANNA.PEETERS1@EXAMPLE.COM", "anna.peeters1@example.com"),           # the world's case_whitespace duplicate
    ("jo@BÜCHER.example", "jo@bücher.example"),                            # IDN domain, Unicode form
    ("jo@xn--bcher-kva.example", "jo@bücher.example"),                     # the same domain as an A-label
    ("first.last+orders@gmail.com", "first.last+orders@gmail.com"),        # Gmail dots and +tags kept
    ("josé@correo.example", "josé@correo.example"),                        # UTF-8 local part (RFC 6531)
    ("o'brien@example.ie", "o'brien@example.ie"),
])
def test_emails_normalise(given, normalized):
    email = normalize_email(given)
    assert email.ok and email.normalized == normalized and email.reason is None


def test_gmail_dots_do_not_merge_two_addresses():
    assert normalize_email("firstlast@gmail.com").normalized != normalize_email("first.last@gmail.com").normalized


@pytest.mark.parametrize(("given", "reason"), [
    ("anna peeters1@@example.com", "space"),                               # the world's invalid_email knob
    ("anna.peeters1@@example.com", "exactly one @"),
    ("anna.peeters.example.com", "exactly one @"),
    ("@example.com", "before @"),
    ("anna..peeters@example.com", "misplaced dot"),
    (".anna@example.com", "misplaced dot"),
    ("anna@localhost", "no dot"),
    ("anna@exa_mple.com", "host name"),
    ("anna@-example.com", "host name"),
    ('"anna"@example.com', "not allowed"),
    ("a" * 65 + "@example.com", "1 to 64"),
    ("anna@" + "a" * 250 + ".com", "host name"),
    ("", "no email"),
    (None, "no email"),
    ("anna@exam\u0000ple.com", "control"),
])
def test_invalid_emails_are_refused_with_a_reason(given, reason):
    email = normalize_email(given)
    assert not email.ok and email.normalized is None
    assert reason in email.reason


@pytest.mark.parametrize(("given", "region", "e164", "valid"), [
    ("+44 (0)20 7946 0958", None, "+442079460958", True),
    ("+44 (0)20 7946 0958", "GB", "+442079460958", True),
    ("0049 30 12345678", "BE", "+493012345678", True),                    # international prefix abroad
    ("0049 30 12345678", None, "+493012345678", True),                    # and with no address country
    ("020 7946 0958", "GB", "+442079460958", True),                       # national number, country known
    ("0470 12 34 56", "be", "+32470123456", True),
    ("(415) 555-2671", "US", "+14155552671", True),
    ("+32 470 12 34 56", "US", "+32470123456", True),                     # a foreign number keeps its own code
    ("+٣٢٤٧٠١٢٣٤٥٦", None, "+32470123456", True),                         # Arabic-Indic digits
    ("+1 555 0100", "US", "+15550100", False),                            # possible length, unassigned range
])
def test_phones_become_e164(given, region, e164, valid):
    phone = normalize_phone(given, region)
    assert (phone.e164, phone.valid, phone.reason) == (e164, valid, None)


def test_the_same_number_written_three_ways_is_one_number():
    forms = [("+32 470 12 34 56", None), ("0470/12.34.56", "BE"), ("0032470123456", "BE")]
    assert {normalize_phone(text, region).e164 for text, region in forms} == {"+32470123456"}


@pytest.mark.parametrize(("given", "region", "reason"), [
    ("020 7946 0958", None, "needs the address's country"),
    ("not a phone", "BE", "not a phone number"),
    ("12", "US", "wrong length"),
    ("+1123456789", None, "wrong length"),
    ("", "BE", "no phone"),
    (None, None, "no phone"),
])
def test_unusable_phones_are_refused_with_a_reason(given, region, reason):
    phone = normalize_phone(given, region)
    assert phone.e164 is None and reason in phone.reason


@pytest.mark.parametrize(("parts", "display", "key"), [
    ((" ANNA", "peeters  "), "ANNA peeters", "anna peeters"),
    (("Zoë 🌸", "Ng 🚀"), "Zoë 🌸 Ng 🚀", "zoe 🌸 ng 🚀"),
    (("محمد", "العلي"), "محمد العلي", "محمد العلي"),
    (("נועה", "כהן"), "נועה כהן", "נועה כהן"),
    (("Ｊｏｓé", "Müller-Lüdenscheidt"), "Ｊｏｓé Müller-Lüdenscheidt", "jose muller-ludenscheidt"),   # full-width
    (("Straße", None), "Straße", "strasse"),
])
def test_names_keep_their_spelling_and_share_a_match_key(parts, display, key):
    assert display_name(*parts) == display
    assert name_key(*parts) == key


def test_right_to_left_names_match_without_vowel_points_or_bidi_marks():
    plain, pointed = name_key("محمد"), name_key("\u200fمُحَمَّد\u200f")
    assert plain == pointed == "محمد"
    assert name_key("נוֹעָה") == name_key("נועה")


def test_decomposed_and_composed_accents_match():
    assert name_key("Zoe\u0308") == name_key("Zoë") == "zoe"


def test_empty_names_have_no_key():
    assert name_key(None, " ") is None and display_name(None, "  ") is None
