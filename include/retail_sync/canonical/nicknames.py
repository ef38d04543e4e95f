"""Common nicknames and spelling variants of given names, read as one full form when matching people.

Deliberately small: the English hypocorisms shoppers type at checkout (Bob, Liz, Bill…) and the
German/Dutch/French variants the demo stores see (Sophia/Sophie, Lucas/Lukas). Each entry maps a
`name_key` form (lower case, no accents) to the full form it stands for. An ambiguous short form stays
out (Alex: Alexander or Alexandra? Chris, Sam, Jo, Max…), and so does a nickname that is also a name of
its own (Jack, Liam, Jan, Hans): mapping it would make two different people's names agree. The linkage
model still compares given names by similarity, so a nickname missing here costs a little weight, not
the match.
"""

from __future__ import annotations

FULL_FORM = {
    # English hypocorisms
    "bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
    "liz": "elizabeth", "lizzie": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "eliza": "elizabeth",
    "bill": "william", "billy": "william", "will": "william", "willy": "william",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "catherine": "katherine",
    "mike": "michael", "mick": "michael", "mikey": "michael",
    "jen": "jennifer", "jenny": "jennifer",
    "jim": "james", "jimmy": "james",
    "peggy": "margaret", "maggie": "margaret", "meg": "margaret",
    "tom": "thomas", "tommy": "thomas",
    "dan": "daniel", "danny": "daniel",
    "dave": "david", "davy": "david",
    "sally": "sarah", "sara": "sarah",
    "jules": "julia",
    "dick": "richard", "rick": "richard", "rich": "richard",
    "ted": "edward", "eddie": "edward",
    "tony": "anthony", "joe": "joseph", "joey": "joseph",
    "steve": "steven", "stephen": "steven", "nick": "nicholas", "pete": "peter", "matt": "matthew",
    "andy": "andrew", "greg": "gregory", "ben": "benjamin", "jon": "jonathan", "johnny": "john",
    "sue": "susan", "susie": "susan", "becky": "rebecca", "patty": "patricia", "trish": "patricia",
    # German / Dutch / French spelling variants of one name
    "luke": "lukas", "lucas": "lukas", "sophia": "sophie", "sofie": "sophie",
    "sepp": "josef",
}
