"""A customer base with planted duplicates and its truth: the test bed of the dedupe model at any size.

`customer_base(records, seed)` gives a table of the dedupe input columns (`id`, `given_name`, `family_name`,
`email`, `phone`, `street`, `house_number`, `city`, `postcode`, `state`, `country`, `date_of_birth`) and the
truth: which records are one person. Same seed and size, same base.

What it plants, because each is a way record linkage goes wrong:
- ~15 % of the records are duplicates of another, spelled the way people re-register: a typo, case and
  whitespace, a nickname, swapped given/family names, the phone in national format or left out, another
  email or none, Gmail dots and `+tags`, a move to another address, a married name with a new email, a
  date of birth typo, an abbreviated street ("Main St"), a house number written "12 A";
- one cluster of 7 records of one person;
- households: people at one address sharing the family name, often the phone and sometimes the email, each
  with their own given name and a birth year at least two years from the others' (different people: never
  to be merged; a couple born the same year is not planted);
- namesakes: people with the same given and family name at other addresses (names are drawn with a
  Zipf-Mandelbrot skew, so common names repeat by themselves too);
- records with no email and no phone.

Drawn to the proportions of real customer data, because at a million records an unreal collision is
repeated thousands of times and the model is then scored on the generator's artefacts:
- names: the commonest family name is ~0.5 % of people and the commonest given name ~2.4 % (real: Smith is
  0.83 % of the US 2010 census, Peeters ~0.3 % of Belgians; the commonest given names 1–3 %). A plain Zipf
  over these pools made one family name 7.7 % and one given name 10 % of everyone: 0.8 % shared ONE full
  name, 8,000 people at 1,000,000 — ~70 times the commonest real full name (James Smith, ~0.012 %);
- emails: an address is one mailbox, which a provider gives to one account holder (a taken address is
  refused and the customer picks another number); only a household's shared address is planted twice.
  Drawn freely, ~1 % of addresses went to two unrelated namesakes, which every model rightly links.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pyarrow as pa

from .people import NICKNAMES, typo

GIVEN_STEMS = ["Anna", "Luk", "Soph", "Jon", "Em", "No", "Mil", "Fin", "Le", "Eli", "Clar", "Paul", "Mari", "Lou",
               "Jul", "Fel", "Laur", "Max", "Nin", "Dav", "Sar", "Thom", "Ev", "Dan", "Rob", "Will", "Kath", "Mich",
               "Jenn", "Jam", "Marg", "Hann", "Ben", "Ott", "Ida", "Greta", "Carl", "Fried", "Henr", "Ros", "Isab",
               "Victor", "Ant", "Matt", "Step", "Char", "Ad", "Gabr", "Oliv", "Luc"]
GIVEN_ENDINGS = ["", "a", "e", "ie", "o", "us", "an", "en", "ine", "ette", "is", "el"]
FAMILY_STEMS = ["Peet", "Jans", "Ma", "Jac", "Mert", "Will", "Cla", "Goss", "Wout", "Mull", "Schmi", "Schnei", "Fisch",
                "Web", "Mart", "Bern", "Dub", "Mor", "Laur", "Smi", "John", "Brow", "Tayl", "Wils", "Davi", "Ev",
                "Garc", "Ross", "Vri", "Dijk", "Hoff", "Kell", "Berg", "Brand", "Hart", "Lang", "Koch", "Wolf", "Vogel",
                "Stein", "Baum", "Roth", "Haas", "Fuchs", "Sommer", "Winter", "Kraus", "Lehm", "Frank", "Simon",
                "Roux", "Fontaine", "Chevalier", "Lambert", "Bonnet", "Girard", "Mercier", "Blanc", "Guerin", "Muller"]
FAMILY_ENDINGS = ["", "s", "ens", "er", "mann", "son", "ez", "i", "ing", "ert", "el", "aert", "ier", "ard", "ow",
                  "sky", "ley", "ton", "berg", "stra", "inga", "hof", "ke", "ner", "ault", "et", "ini", "ov", "ford",
                  "wood", "ham", "well", "by", "croft", "dale", "man", "ek", "ic", "an", "ot"]
STREET_STEMS = ["Kerk", "Stations", "Molen", "Dorps", "School", "Linden", "Eiken", "Berken", "Beuken", "Wilgen",
                "Nieuw", "Oud", "Hoog", "Laag", "Markt", "Haven", "Brug", "Tuin", "Veld", "Bos", "Haupt", "Bahnhof",
                "Garten", "Wald", "Berg", "Sonnen", "Rosen", "Birken", "Kirch", "Mühlen", "Main", "High", "Church",
                "Park", "Mill", "Oak", "Elm", "Maple", "Cedar", "Lake", "Hill", "River", "Spring", "North", "South"]
STREET_KINDS = {"BE": ["straat", "laan", "weg"], "NL": ["straat", "laan", "weg"], "DE": ["straße", "weg", "allee"],
                "FR": ["Rue du ", "Avenue des ", "Boulevard "], "US": [" Street", " Avenue", " Road"],
                "GB": [" Street", " Road", " Lane"]}
CITY_STEMS = ["Ander", "Berg", "Dil", "Eke", "Gem", "Hal", "Kor", "Lo", "Mech", "Nin", "Oost", "Puur", "Ros", "Ste",
              "Tie", "Vil", "Wes", "Zot", "Bra", "Cas", "Dor", "Fal", "Gor", "Hel", "Ink", "Jor", "Kil", "Lim"]
CITY_ENDINGS = ["", "en", "gem", "hout", "dorf", "burg", "ville", "ton", "field", "stad", "heim", "wick"]
COUNTRIES = {"BE": (0.3, "+32", 1000, 9999), "NL": (0.15, "+31", 1000, 9999), "DE": (0.2, "+49", 10000, 99999),
             "FR": (0.1, "+33", 10000, 99999), "US": (0.15, "+1", 10000, 99999), "GB": (0.1, "+44", 0, 0)}
US_STATES = ["NY", "IL", "TX", "CA", "WA", "MA"]
GB_AREAS = ["SW", "NW", "EC", "LS", "BS", "M", "B", "E", "N", "SE"]
MAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "post.example", "gmail.com"]
DUPLICATE_KINDS = ("typo", "case_whitespace", "nickname", "swapped_names", "phone_national", "no_phone", "new_phone",
                   "new_email",
                   "no_email", "gmail_alias", "moved", "married_name", "dob_typo", "street_abbreviation",
                   "house_number_spacing")
BIG_CLUSTER = 7


@dataclass(frozen=True)
class Record:
    entity: int
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    street: str | None
    house_number: str | None
    city: str | None
    postcode: str | None
    state: str | None
    country: str
    date_of_birth: str | None


@dataclass
class CustomerBase:
    table: pa.Table                  # the dedupe input columns, one row per record
    truth: dict[str, int]            # record id -> the person (entity) it describes
    kinds: dict[str, str]            # duplicate record id -> how it differs from its original
    households: list[list[str]]      # ids of different people sharing one address
    namesakes: list[list[str]]       # ids of different people sharing one name
    big_cluster: list[str]           # the ids of the 7 records of one person


class _Names:
    """Zipf-Mandelbrot draws from synthesized name pools: weight 1 / (rank + head), a head of similarly common
    names (`head` sets the commonest one's share, see the module's text) and a long tail of rare ones."""

    def __init__(self, stems: list[str], endings: list[str], extra: list[str], rng: random.Random, head: int):
        pool = sorted({s + e for s in stems for e in endings} | set(extra))
        rng.shuffle(pool)
        self.pool = pool
        weights = [1 / (rank + head) for rank in range(len(pool))]
        total, running, self.cum = sum(weights), 0.0, []
        for w in weights:
            running += w / total
            self.cum.append(running)

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.pool, cum_weights=self.cum)[0]


def customer_base(records: int, seed: int = 7, duplicate_share: float = 0.15, household_share: float = 0.06,
                  namesake_share: float = 0.01) -> CustomerBase:
    rng = random.Random(seed)
    given = _Names(GIVEN_STEMS, GIVEN_ENDINGS, list(NICKNAMES), rng, head=10)
    family = _Names(FAMILY_STEMS, FAMILY_ENDINGS, [], rng, head=50)
    emails = _Mailboxes()
    cities = {c: [s + e for s in CITY_STEMS for e in CITY_ENDINGS] for c in COUNTRIES}
    rows: list[Record] = []
    kinds: dict[int, str] = {}
    households: list[list[int]] = []
    namesakes: list[list[int]] = []
    originals = int(records * (1 - duplicate_share))
    entity = 0
    while len(rows) < originals:
        entity += 1
        person = _person(rng, entity, given, family, cities, emails)
        rows.append(person)
        roll = rng.random()
        if roll < household_share and len(rows) < originals - 4:
            members = [len(rows) - 1]
            shared_email = rng.random() < 0.4
            shared_phone = rng.random() < 0.6
            for _ in range(rng.randrange(1, 4)):
                entity += 1
                other = _person(rng, entity, given, family, cities, emails)
                while other.given_name in {rows[m].given_name for m in members}:
                    other = replace(other, given_name=given.draw(rng))      # one name per child, as parents do
                while any(abs(int(other.date_of_birth[:4]) - int(rows[m].date_of_birth[:4])) < 2 for m in members):
                    other = replace(other, date_of_birth=_person(rng, entity, given, family, cities, emails).date_of_birth)
                rows.append(replace(person, entity=entity, given_name=other.given_name,
                                    date_of_birth=other.date_of_birth,
                                    email=person.email if shared_email else other.email,
                                    phone=person.phone if shared_phone else other.phone))
                members.append(len(rows) - 1)
            households.append(members)
        elif roll < household_share + namesake_share and len(rows) < originals - 1:
            entity += 1
            other = _person(rng, entity, given, family, cities, emails)
            rows.append(replace(other, given_name=person.given_name, family_name=person.family_name))
            namesakes.append([len(rows) - 2, len(rows) - 1])
    big = [rng.randrange(len(rows))]
    for _ in range(BIG_CLUSTER - 1):
        kind = DUPLICATE_KINDS[len(big) % len(DUPLICATE_KINDS)]
        rows.append(_duplicate(rng, rows[big[0]], kind, family, emails))
        kinds[len(rows) - 1] = kind
        big.append(len(rows) - 1)
    while len(rows) < records:
        kind = rng.choice(DUPLICATE_KINDS)
        source = rng.randrange(originals)
        if source == big[0]:
            continue                  # the big cluster stays at exactly BIG_CLUSTER records
        rows.append(_duplicate(rng, rows[source], kind, family, emails))
        kinds[len(rows) - 1] = kind
    order = list(range(len(rows)))
    rng.shuffle(order)
    ids = {index: f"C{position + 1:08d}" for position, index in enumerate(order)}
    ordered = [rows[index] for index in order]
    columns = ["given_name", "family_name", "email", "phone", "street", "house_number", "city", "postcode", "state",
               "country", "date_of_birth"]
    table = pa.table({"id": [ids[i] for i in order],
                      **{c: pa.array([getattr(r, c) for r in ordered], pa.string()) for c in columns}})
    return CustomerBase(table, {ids[i]: rows[i].entity for i in range(len(rows))},
                        {ids[i]: kind for i, kind in kinds.items()}, [[ids[i] for i in h] for h in households],
                        [[ids[i] for i in n] for n in namesakes], [ids[i] for i in big])


def _person(rng: random.Random, entity: int, given: _Names, family: _Names, cities: dict, emails: _Mailboxes
            ) -> Record:
    country = rng.choices(list(COUNTRIES), weights=[v[0] for v in COUNTRIES.values()])[0]
    _, prefix, low, high = COUNTRIES[country]
    first, last = given.draw(rng), family.draw(rng)
    if country == "GB":
        area = rng.choice(GB_AREAS)
        postcode = f"{area}{rng.randrange(1, 20)} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRST')}"
        city = cities[country][(GB_AREAS.index(area) * 7 + len(postcode)) % len(cities[country])]
    else:
        code = rng.randrange(low, high + 1)
        postcode = str(code).zfill(len(str(high)))
        city = cities[country][code // 37 % len(cities[country])]
    kind = rng.choice(STREET_KINDS[country])
    stem = rng.choice(STREET_STEMS)
    street = f"{kind}{stem}" if kind.endswith(" ") else f"{stem}{kind}"
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 66 * 365))
    local = f"{first}.{last}".lower() if rng.random() < 0.6 else f"{first[0]}{last}{rng.randrange(100)}".lower()
    email = emails.claim(rng, local, rng.choice(MAIL_DOMAINS)) if rng.random() < 0.9 else None
    phone = f"{prefix}{_subscriber(rng, country)}" if rng.random() < 0.85 else None
    if email is None and rng.random() < 0.5:
        phone = None                  # the ones that gave neither
    return Record(entity, first, last, email, phone, street, str(rng.randrange(1, 300)), city, postcode,
                  rng.choice(US_STATES) if country == "US" else None, country, born.isoformat())


class _Mailboxes:
    """The email addresses given out so far: a provider gives an address to one account holder only."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, rng: random.Random, local: str, domain: str, numbers: int = 1000) -> str:
        while True:
            address = f"{local}{rng.randrange(numbers)}@{domain}"
            if address.lower() not in self.taken:
                self.taken.add(address.lower())
                return address
            numbers *= 2              # a taken address: the customer tries another (longer) number


def _subscriber(rng: random.Random, country: str) -> str:
    """A national significant number of a plausible length (and leading digit) for the country."""
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    return {"BE": lambda: "4" + digits(8), "NL": lambda: "6" + digits(8), "DE": lambda: "15" + digits(9),
            "FR": lambda: "6" + digits(8), "US": lambda: str(rng.randrange(2, 10)) + "0" + digits(8),
            "GB": lambda: "7" + digits(9)}[country]()


def _duplicate(rng: random.Random, person: Record, kind: str, family: _Names, emails: _Mailboxes) -> Record:
    """The same person as another record would spell them."""
    if kind == "typo":
        return replace(person, family_name=typo(rng, person.family_name))
    if kind == "case_whitespace":
        return replace(person, given_name=f" {person.given_name.upper()}", family_name=f"{person.family_name.lower()}  ",
                       email=person.email.upper() if person.email else None)
    if kind == "nickname":
        full = {v: k for k, v in NICKNAMES.items()}
        nick = next((k for k, v in NICKNAMES.items() if v == person.given_name), None) or full.get(person.given_name)
        return replace(person, given_name=nick or typo(rng, person.given_name))
    if kind == "swapped_names":
        return replace(person, given_name=person.family_name, family_name=person.given_name)
    if kind == "phone_national" and person.phone:
        national = person.phone[len(COUNTRIES[person.country][1]):]
        return replace(person, phone=f"0{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"
                       if person.country != "US" else f"({national[:3]}) {national[3:6]}-{national[6:]}")
    if kind == "no_phone":
        return replace(person, phone=None)
    if kind == "new_phone":
        return replace(person, phone=f"{COUNTRIES[person.country][1]}{_subscriber(rng, person.country)}")
    if kind == "new_email":
        return replace(person, email=emails.claim(rng, f"{person.given_name[0]}{person.family_name}".lower()
                                                  .replace(" ", ""), rng.choice(MAIL_DOMAINS)))
    if kind == "no_email":
        return replace(person, email=None)
    if kind == "gmail_alias" and person.email:
        user = person.email.split("@")[0]
        dotted = user.replace(".", "") if "." in user else ".".join(user[i:i + 3] for i in range(0, len(user), 3))
        return replace(person, email=f"{dotted}+shop@gmail.com")
    if kind == "moved":
        code = person.postcode if person.country == "GB" else str(int(person.postcode) + rng.randrange(1, 30)).zfill(
            len(person.postcode))
        moved = replace(person, street=person.street.replace(person.street[:3], rng.choice(STREET_STEMS)[:3], 1),
                        house_number=str(rng.randrange(1, 300)), postcode=code)
        # a third move to another town: a new city too
        return moved if rng.random() < 0.66 else replace(moved, city=typo(rng, person.city) + " " + rng.choice("NSEW"))
    if kind == "married_name":
        return replace(person, family_name=family.draw(rng),
                       email=emails.claim(rng, f"{person.given_name}.".lower(), rng.choice(MAIL_DOMAINS), 10_000))
    if kind == "dob_typo" and person.date_of_birth:
        y, m, d = person.date_of_birth.split("-")
        return replace(person, date_of_birth=f"{y}-{m}-{d[::-1]}" if int(d[::-1]) <= 28 and d[0] != "0"
                       else f"{y}-{m}-{min(28, int(d) + 1):02d}")
    if kind == "street_abbreviation":
        street = person.street.replace(" Street", " St.").replace(" Road", " Rd").replace("straat", "str.")
        return replace(person, street=street.replace("straße", "str.") if street == person.street else street)
    if kind == "house_number_spacing":
        return replace(person, house_number=f"{person.house_number} ", street=f"{person.street} ")
    return replace(person, given_name=person.given_name.lower())   # a kind that did not apply: a case change
