"""Person names as transcripts spell them: cleaning, comparison keys and fuzzy matching.

Speaker labels and introductions name the same person in many ways ("Hon. Bill Blair (Minister
of Public Safety)", "Bill Blair", "Mr. Blair"; "Ernest S. Rady" and "Ernest Rady"; "Rich Hill"
and "Richard Hill"). These functions reduce a name to what identifies the person and decide
whether two spellings are the same person, without any list of known people.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

# Words before a name that are not part of it. "the" covers "The Hon. ..." and "The Chair".
HONORIFICS = frozenset(
    {
        "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "hon", "honourable", "honorable",
        "right", "rt", "prof", "professor", "sir", "dame", "rev", "reverend", "the", "lord",
        "lady", "cllr", "councillor", "senator", "sen", "rep",
    }
)  # fmt: skip

# Letters after a name: parliament memberships, honours, degrees. Matched case-sensitively at
# the end only, so "Ms" (before a name) and "MS" (Member of the Senedd, after it) stay apart.
POST_NOMINALS = frozenset(
    {
        "AM", "MP", "MS", "MSP", "MLA", "MEP", "TD", "QC", "KC", "PC", "PhD", "Ph.D.", "MD",
        "MBA", "OBE", "MBE", "CBE", "KBE", "DBE", "FRCP", "FRACP", "FRCS", "RN", "Esq", "Esq.",
        "CPA", "CFA",
    }
)  # fmt: skip

# Labels that name a function, not a person. A label made only of these words (plus single
# letters or numbers, as in "Professor E", "PhD B", "Speaker 1") is not a person.
ROLE_WORDS = frozenset(
    {
        "operator", "moderator", "host", "cohost", "co-host", "facilitator", "presenter",
        "narrator", "interpreter", "translator", "transcriber", "clerk", "committee", "chair",
        "chairman", "chairwoman", "chairperson", "acting", "deputy", "vice", "speaker",
        "speakers", "participant", "participants", "unidentified", "unknown", "multiple", "all",
        "everyone", "audience", "crowd", "member", "members", "witness", "witnesses", "guest",
        "guests", "caller", "attendee", "attendees", "panel", "panelist", "panellist", "voice",
        "voices", "male", "female", "man", "woman", "student", "students", "grad", "graduate",
        "postdoc", "phd", "professor", "prof", "undergrad", "researcher", "project", "manager",
        "marketing", "industrial", "designer", "user", "interface", "analyst", "analysts",
        "president", "minister", "secretary", "officer", "director", "executive", "team",
        "company", "representative", "representatives", "spokesperson", "staff", "official",
        "officials", "the", "and", "of", "a", "an", "other", "others", "various", "several",
        "interviewer", "interviewee", "respondent", "customer", "client", "vendor", "agent",
        "support", "sales", "engineer", "engineering", "product", "question", "answer", "q",
        "duration", "time", "date", "note", "notes", "recording", "transcript", "title",
        "summary", "music", "applause", "laughter", "silence", "inaudible", "crosstalk", "system",
        "bot", "assistant", "ai", "automated", "recorder", "administrator", "admin", "inc",
        "ltd", "llc", "group", "board", "council", "presentation", "video", "audio",
    }
)  # fmt: skip

# Particles that belong inside surnames ("Floris van Dijkum").
PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "bin"}
)

# Common short forms of first names; prefixes ("Ken"/"Kenneth") are handled without a table.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "michael": ("mike", "mick", "mickey"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny", "jon"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "katherine": ("kate", "katie", "kathy", "kat"),
    "catherine": ("cate", "cathy", "kate", "katie"),
    "kathleen": ("kathy", "kate"),
    "anthony": ("tony",),
    "charles": ("charlie", "chuck"),
    "henry": ("hank", "harry"),
    "andrew": ("andy", "drew"),
    "lawrence": ("larry",),
    "alexander": ("alex", "sandy"),
    "alexandra": ("alex", "sandra", "sandy"),
    "susan": ("sue", "suzy", "susie"),
    "jennifer": ("jen", "jenny"),
    "patricia": ("pat", "patty", "trish"),
    "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey"),
    "steven": ("steve",),
    "stephen": ("steve",),
    "christopher": ("chris",),
    "christine": ("chris", "chrissy"),
    "benjamin": ("ben", "benny"),
    "nicholas": ("nick", "nicky"),
    "matthew": ("matt",),
    "samuel": ("sam", "sammy"),
    "timothy": ("tim", "timmy"),
    "gregory": ("greg",),
    "douglas": ("doug",),
    "kenneth": ("ken", "kenny"),
    "martin": ("marty",),
    "tamara": ("tammy", "tammi"),
    "deborah": ("deb", "debbie", "debra"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "frederick": ("fred", "freddie"),
    "gerald": ("gerry", "jerry"),
    "jeremy": ("jerry",),
    "peter": ("pete",),
    "philip": ("phil",),
    "phillip": ("phil",),
    "raymond": ("ray",),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "vincent": ("vin", "vince", "vinny"),
}
_NICK_GROUPS: dict[str, frozenset[str]] = {}
for _full, _shorts in _NICKNAMES.items():
    for _form in (_full, *_shorts):
        _NICK_GROUPS[_form] = _NICK_GROUPS.get(_form, frozenset()) | {_full, *_shorts}

_FUZZY_RATIO = 0.9  # difflib ratio on keys above which two long names are one (typos)
_FUZZY_MIN_LEN = 10  # shorter keys differ by too few letters for a ratio to mean anything
_METADATA_LABEL = re.compile(r"\d|:|\[|\]|@|https?|www\.")


def _strip_parentheticals(text: str) -> tuple[str, list[str]]:
    """Return ``text`` without its top-level (possibly nested) parentheses, and their insides."""
    outside: list[str] = []
    inside: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([":
            if depth == 0:
                current = []
            else:
                current.append(char)
            depth += 1
        elif char in ")]" and depth > 0:
            depth -= 1
            if depth == 0:
                inside.append("".join(current).strip())
            else:
                current.append(char)
        elif depth > 0:
            current.append(char)
        else:
            outside.append(char)
    if depth > 0:  # an unclosed parenthesis: keep what was inside it
        inside.append("".join(current).strip())
    return "".join(outside), inside


def _tidy(text: str) -> str:
    """NFKC-normalise, unify apostrophes and dashes, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text).strip(" ,;:-\u2014")


def _strip_honorifics(words: list[str]) -> list[str]:
    """Drop honorifics before the name ("Right Hon.", "Dr", "Mr.")."""
    while len(words) > 1 and words[0].rstrip(".").casefold() in HONORIFICS:
        words = words[1:]
    return words


def _strip_post_nominals(words: list[str]) -> list[str]:
    """Drop post-nominal letters after the name ("AM", "MP", "PhD")."""
    while len(words) > 1 and words[-1].rstrip(",") in POST_NOMINALS:
        words = words[:-1]
    return words


def _clean_plain(text: str) -> str:
    """Clean a name that has no parentheses left."""
    words = _tidy(text).replace(",", " ").split()
    words = _strip_post_nominals(_strip_honorifics(words))
    return " ".join(words)


def split_label(raw: str) -> tuple[str, list[str]]:
    """Split a speaker label into its cleaned name and the texts of its parentheses.

    "The Chair (Hon. Anthony Rota (Nipissing, Lib.))" names Anthony Rota: when the text outside
    the parentheses is only a role, the name comes from inside them, and the role is returned
    among the parenthetical texts so that it can serve as a title.
    """
    text = _tidy(raw.split("--", maxsplit=1)[0])
    outside, inside = _strip_parentheticals(text)
    name = _clean_plain(outside)
    if inside and not _has_name_word(name):
        inner_name, inner_rest = split_label(inside[0])
        if _has_name_word(inner_name):
            role = _clean_role(outside)
            return inner_name, [*([role] if role else []), *inner_rest, *inside[1:]]
    return name, inside


def _clean_role(text: str) -> str:
    """A role label without its article: "The Acting Chair" -> "Acting Chair"."""
    words = _tidy(text).split()
    while words and words[0].casefold() == "the":
        words = words[1:]
    return " ".join(words)


def clean_name(raw: str) -> str:
    """Strip honorifics, post-nominals, parentheses and trailing "--..." from a name.

    >>> clean_name("Hon. Bill Blair (Minister of Public Safety and Emergency Preparedness)")
    'Bill Blair'
    >>> clean_name("Kirsty Williams AM")
    'Kirsty Williams'
    """
    return split_label(raw)[0]


def fold(text: str) -> str:
    """Casefold and strip accents ("Zoë Müller" -> "zoe muller"): the one accent-folding
    rule of names, organisations and the stakeholder evaluation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(name: str) -> list[str]:
    """The comparison tokens of a name: folded, punctuation-free, middle initials dropped."""
    folded = fold(clean_name(name))
    folded = re.sub(r"['`]", "", folded)  # O'Regan -> oregan
    tokens = re.sub(r"[^\w\s]|_", " ", folded).split()
    if len(tokens) > 1:
        kept = [t for i, t in enumerate(tokens) if len(t) > 1 or i == 0]
        tokens = kept if len(kept) > 1 else tokens
    return tokens


def name_key(name: str) -> str:
    """A key that is equal for spellings of one name.

    Casefolded, accent-stripped, without punctuation and middle initials:
    ``name_key("Ernest S. Rady") == name_key("ernest rady")``.
    """
    return " ".join(name_tokens(name))


def first_names_compatible(a: str, b: str) -> bool:
    """True when two (folded) first names can be the same person's: equal, a short form
    ("Ken"/"Kenneth", "Marty"/"Martin") or a common nickname ("Bob"/"Robert")."""
    if a == b:
        return True
    if b in _NICK_GROUPS.get(a, frozenset()):
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 3 and longer.startswith(shorter):
        return True
    # "Dave"/"David", "Tammi"/"Tamara": same first three letters, both at least four long.
    return len(shorter) >= 4 and shorter[:3] == longer[:3]


def same_person(a: str, b: str) -> bool:
    """Whether two full names can be the same person, out of any meeting context.

    True for equal keys; for a name whose tokens are within the other's with the same
    surname and a compatible first name ("Dr Rachel Bowen"/"Rachel Bowen", "Craig Schmidt"/
    "Craig Richard Schmidt", "Rich Hill"/"Richard Hill"); and for near-identical long names
    (typos, difflib ratio >= 0.9). A single first name matches only the same single name,
    never a full name ("Rachel"/"Rachel Bowen"): resolving it takes the meeting's participants
    (:func:`resolve_reference`; the detector uses its own ``detect._resolve``).
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    if len(ta) < 2 or len(tb) < 2:
        return False
    if ta[-1] == tb[-1] and first_names_compatible(ta[0], tb[0]):
        shorter, longer = sorted((ta, tb), key=len)
        if set(shorter[1:-1]) <= set(longer[1:-1]):
            return True
    key_a, key_b = " ".join(ta), " ".join(tb)
    return (
        min(len(key_a), len(key_b)) >= _FUZZY_MIN_LEN
        and key_a[0] == key_b[0]
        and difflib.SequenceMatcher(None, key_a, key_b).ratio() >= _FUZZY_RATIO
    )


def likely_same_in_meeting(a: str, b: str) -> bool:
    """A looser test for two names tied by the meeting itself (an operator announces
    "Haendel St. Juste" and "Haendel Emmanuel St" speaks next): same first name and at
    least one other token in common, or :func:`same_person`."""
    if same_person(a, b):
        return True
    ta, tb = name_tokens(a), name_tokens(b)
    if len(ta) < 2 or len(tb) < 2 or not first_names_compatible(ta[0], tb[0]):
        return False
    return bool(set(ta[1:]) & set(tb[1:]))


def resolve_reference(
    reference: str, candidates: Iterable[str], *, surname_first: bool = False
) -> str | None:
    """The one candidate a short reference ("Rachel", "Mr. Bezan") can mean, or None.

    A one-word reference is matched on exact first names (on surnames instead when
    ``surname_first``, as after "Mr."/"Dr"); it resolves only when exactly one candidate
    fits, so within one meeting "Thank you, Adam" finds Adam Wyll but an ambiguous "Chris"
    finds nobody.
    Longer references are matched with :func:`same_person`.
    """
    pool = list(dict.fromkeys(candidates))
    tokens = name_tokens(reference)
    if not tokens:
        return None
    if len(tokens) > 1:
        found = [c for c in pool if same_person(reference, c)]
        return found[0] if len(found) == 1 else None
    word = tokens[0]
    by_first = [c for c in pool if (ct := name_tokens(c)) and ct[0] == word]
    by_surname = [c for c in pool if len(ct := name_tokens(c)) > 1 and ct[-1] == word]
    found = by_surname if surname_first else by_first
    return found[0] if len(found) == 1 else None


def _has_name_word(name: str) -> bool:
    """Whether a cleaned label has at least one word that is not a role word."""
    words = [w.strip(".,'").casefold() for w in name.split()]
    return any(
        len(w) > 1 and w not in ROLE_WORDS and w not in HONORIFICS and w.isalpha() for w in words
    )


def looks_like_person(label: str) -> bool:
    """Whether a speaker label names a person rather than a role or a transcript artefact.

    False for "Operator", "Unknown", "Speaker 1", "Duration: 40 minutes", "Multiple Speakers",
    "Committee Clerk", "The Chair", and role-only labels ("Project Manager", "Professor E",
    "PhD B"); true for "Rachel", "Dr Rachel Bowen", "The Chair (Hon. Anthony Rota)".
    """
    text = _tidy(label)
    if not text:
        return False
    name, _ = split_label(text)
    if not name or _METADATA_LABEL.search(name):
        return False
    if not any(ch.isalpha() for ch in name):
        return False
    return _has_name_word(name)


def pick_display_name(variants: Sequence[str]) -> str:
    """The fullest spelling among variants of one name (most words, then longest)."""
    return max(variants, key=lambda v: (len(v.split()), len(v)))
