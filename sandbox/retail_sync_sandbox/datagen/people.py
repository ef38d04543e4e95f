"""People and their storefront accounts, with the ways one person turns into several records.

Each generated person may get duplicate accounts (another store, or the same store twice) spelled the
way real duplicates are: a typo, case and whitespace changes, a nickname, swapped first/last names,
another phone format, a changed surname, a new email at the same address. `cluster` is the truth:
accounts with the same cluster are the same person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

FIRST_NAMES = ["Anna", "Lukas", "Sophie", "Jonas", "Emma", "Noah", "Mila", "Finn", "Lea", "Elias", "Clara", "Paul",
               "Marie", "Louis", "Julia", "Felix", "Laura", "Max", "Nina", "David", "Sarah", "Thomas", "Eva", "Daniel",
               "Robert", "Elizabeth", "William", "Katherine", "Michael", "Jennifer", "James", "Margaret"]
NICKNAMES = {"Robert": "Bob", "Elizabeth": "Liz", "William": "Bill", "Katherine": "Kate", "Michael": "Mike",
             "Jennifer": "Jen", "James": "Jim", "Margaret": "Peggy", "Thomas": "Tom", "Daniel": "Dan", "David": "Dave",
             "Sarah": "Sally", "Julia": "Jules", "Lukas": "Luke", "Sophie": "Sophia"}
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Muller",
              "Schmidt", "Schneider", "Fischer", "Weber", "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Smith",
              "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Garcia", "Rossi", "De Vries", "Van Dijk"]
STREETS = ["Kerkstraat", "Stationsstraat", "Main Street", "High Street", "Rue de la Paix", "Hauptstrasse",
           "Dorpsstraat", "Church Road", "Molenstraat", "Park Avenue"]
CITIES = {"BE": ["Brussels", "Antwerp", "Ghent", "Leuven"], "DE": ["Berlin", "Munich", "Hamburg"],
          "FR": ["Paris", "Lyon", "Lille"], "NL": ["Amsterdam", "Utrecht"], "US": ["New York", "Chicago", "Austin"],
          "GB": ["London", "Leeds", "Bristol"]}
PHONE_PREFIX = {"BE": "+32", "DE": "+49", "FR": "+33", "NL": "+31", "US": "+1", "GB": "+44"}
# Mobile number ranges a real customer's number falls in (each checked valid with `phonenumbers`): the
# national number's leading digits, then random digits to its length. US numbers are an area code of a
# real city, an exchange (2-9) and a line.
MOBILE_RANGES = {"BE": ("47", 7), "DE": ("151", 8), "FR": ("67", 7), "NL": ("61", 7), "GB": ("779", 7)}
US_AREA_CODES = ["212", "312", "415", "617", "713", "206", "303", "404", "512", "602"]
MAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
DUPLICATE_KINDS = ("typo", "case_whitespace", "nickname", "swapped_names", "phone_format", "changed_surname",
                   "new_email")


@dataclass(frozen=True)
class Person:
    cluster: int
    first_name: str
    last_name: str
    email: str
    phone: str            # E.164
    street: str
    city: str
    zip: str
    country: str


def make_person(rng: random.Random, cluster: int, countries: list[str]) -> Person:
    country = rng.choice(countries)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace(" ", "")
    digits = "".join(str(rng.randrange(10)) for _ in range(9))
    return Person(cluster=cluster, first_name=first, last_name=last,
                  email=f"{local}{cluster}@{rng.choice(MAIL_DOMAINS)}", phone=mobile_number(country, digits),
                  street=f"{rng.choice(STREETS)} {rng.randrange(1, 200)}", city=rng.choice(CITIES[country]),
                  zip=f"{rng.randrange(1000, 99999)}", country=country)


def mobile_number(country: str, digits: str) -> str:
    """A valid mobile number (E.164) of `country` made of nine random `digits`."""
    if country == "US":
        return f"+1{US_AREA_CODES[int(digits[0])]}{2 + int(digits[1]) % 8}{digits[2:8]}"
    leading, length = MOBILE_RANGES[country]
    return f"{PHONE_PREFIX[country]}{leading}{digits[:length]}"


def national_format(person: Person) -> str:
    """The person's number as written at home: (415) 555-0123 in the US, 0 + the national number elsewhere."""
    national = person.phone[len(PHONE_PREFIX[person.country]):]
    if person.country == "US":
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    return f"0{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def duplicate_of(rng: random.Random, person: Person, kind: str) -> Person:
    """The same person as another record would spell them."""
    if kind == "typo":
        return replace(person, last_name=typo(rng, person.last_name))
    if kind == "case_whitespace":
        return replace(person, first_name=f" {person.first_name.upper()}", last_name=f"{person.last_name.lower()}  ",
                       email=person.email.upper())
    if kind == "nickname":
        return replace(person, first_name=NICKNAMES.get(person.first_name, person.first_name[:3]))
    if kind == "swapped_names":
        return replace(person, first_name=person.last_name, last_name=person.first_name)
    if kind == "phone_format":
        return replace(person, phone=national_format(person))
    if kind == "changed_surname":
        return replace(person, last_name=rng.choice([n for n in LAST_NAMES if n != person.last_name]),
                       email=f"{person.first_name.lower()}.{person.cluster}@{rng.choice(MAIL_DOMAINS)}")
    if kind == "new_email":
        return replace(person, email=f"{person.first_name[0].lower()}{person.last_name.lower().replace(' ', '')}"
                                     f"{rng.randrange(100)}@{rng.choice(MAIL_DOMAINS)}")
    raise ValueError(kind)
