"""Job titles as people say them: abbreviations, recognition, normalisation and comparison.

A title is read from running text ("Adam Wyll, EVP and COO. Thank you.") with
:func:`read_title`, tidied with :func:`normalise_title` ("Executive Vice President and Chief
Operating Officer") and compared office by office with :func:`title_offices` and
:func:`titles_match` ("Chairman, President and CEO" holds three offices).

"CMO" is read as Chief Medical Officer: ChaSen's customers are health services, where that is
the usual meaning (a marketing chief is spelled out more often than not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.stakeholders.names import HONORIFICS, PARTICLES, POST_NOMINALS

ABBREVIATIONS: dict[str, str] = {
    "CEO": "Chief Executive Officer",
    "CFO": "Chief Financial Officer",
    "COO": "Chief Operating Officer",
    "CIO": "Chief Information Officer",
    "CTO": "Chief Technology Officer",
    "CMO": "Chief Medical Officer",
    "CMIO": "Chief Medical Information Officer",
    "CNO": "Chief Nursing Officer",
    "CISO": "Chief Information Security Officer",
    "CHRO": "Chief Human Resources Officer",
    "CDO": "Chief Digital Officer",
    "CRO": "Chief Revenue Officer",
    "CCO": "Chief Commercial Officer",
    "CAO": "Chief Accounting Officer",
    "EVP": "Executive Vice President",
    "SVP": "Senior Vice President",
    "AVP": "Associate Vice President",
    "VP": "Vice President",
    "IR": "Investor Relations",
    "HR": "Human Resources",
    "GM": "General Manager",
    "MD": "Managing Director",
    "Sr.": "Senior",
    "Sr": "Senior",
    "Snr": "Senior",
    "Dir.": "Director",
    "Mgr": "Manager",
    "Dept.": "Department",
    "Dept": "Department",
}

# The word that makes a phrase a title: "Vice President of Retail" holds an office because of
# "president", "Corporate Development" does not.
OFFICE_HEADS = frozenset(
    {
        "officer", "president", "director", "chair", "chairman", "chairwoman", "chairperson",
        "treasurer", "controller", "comptroller", "manager", "head", "minister", "secretary",
        "analyst", "professor", "lecturer", "lead", "leader", "partner", "principal",
        "founder", "co-founder", "cofounder", "trustee", "counsel", "associate", "coordinator",
        "consultant", "administrator", "superintendent", "dean", "registrar", "chancellor",
        "vice-chancellor", "provost", "commissioner", "governor", "mayor", "premier", "owner",
        "accountant", "auditor", "attorney", "advisor", "adviser", "strategist", "economist",
        "engineer", "architect", "scientist", "specialist", "nurse", "physician", "surgeon",
        "clinician", "pharmacist", "executive", "supervisor", "chief", "clerk", "researcher",
        "epidemiologist", "representative", "liaison",
    }
)  # fmt: skip

# Lower-case words that may sit inside a title next to its head ("interim CEO",
# "group director", "deputy principal").
TITLE_MODIFIERS = frozenset(
    {
        "senior", "junior", "executive", "vice", "deputy", "assistant", "associate", "chief",
        "general", "managing", "group", "interim", "acting", "global", "regional", "national",
        "corporate", "clinical", "medical", "financial", "operating", "technology",
        "technical", "information", "marketing", "nursing", "commercial", "digital", "data",
        "security", "people", "human", "resources", "revenue", "strategy", "strategic",
        "operations", "finance", "programme", "program", "project", "product", "sales",
        "customer", "client", "success", "account", "legal", "regulatory", "research", "first",
        "prime",
        "cabinet", "shadow", "co", "lead", "principal", "it", "ict", "health", "divisional",
        "procurement", "director-general", "director", "president", "officer", "head",
    }
)  # fmt: skip

# Offices at the top of an organisation: "principal of Cardiff and Vale College" names the
# college as the organisation, whereas "Minister of Finance" names a portfolio.
_TOP_OFFICES = frozenset(
    {
        "principal", "chief executive", "chief executive officer", "founder", "co-founder",
        "vice-chancellor", "owner", "managing director",
    }
)  # fmt: skip

_QUALIFIERS = ("interim ", "acting ", "corporate ", "the ")
_CONNECTORS = frozenset({"and", "&", "of", "for", "the", "to", ","})
_DETERMINERS = frozenset({"our", "your", "the", "their", "his", "her", "my", "a", "an"})
_FRESH = frozenset({"new", "current", "newly", "appointed", "incoming"})
_AFFILIATION_WORDS = frozenset({"at", "from", "with"})
# Lower-case words that end a title phrase even after "of"/"for".
_CLAUSE_WORDS = frozenset(
    {
        "who", "which", "that", "will", "would", "to", "is", "was", "are", "were", "has",
        "have", "had", "i", "we", "you", "he", "she", "they", "please", "today", "here",
        "also", "as", "on", "in", "about", "but", "so", "then", "now", "this", "thank",
        "thanks", "and", "or", "can", "could", "may", "might", "shall", "should", "if", "be",
        "being", "been", "just", "for", "with", "at", "from", "by", "into", "over", "after",
        "before", "when", "where", "while", "because", "all", "everyone",
    }
)  # fmt: skip
# Lower-case words of time and emphasis that end a title even inside a portfolio: "I joined
# as Director of Finance last month", "CIO since July", "CFO myself".
_END_WORDS = frozenset(
    {
        "last", "next", "since", "until", "till", "ago", "recently", "lately", "earlier",
        "later", "yesterday", "tomorrow", "tonight", "already", "still", "only", "too",
        "though", "anyway", "myself", "ourselves", "himself", "herself", "themselves",
        "yourself", "again", "back",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W_](?:[\w'\u2019.&-]*\w)?\.?|[,;:()&]")
POSSESSIVE = ("'s", "\u2019s")
_ABBREV_RE = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])"
)
_CHAIR_FORMS = re.compile(r"\bchair(?:man|woman|person)?(?: of the board)?\b")
_MAX_TITLE_WORDS = 18


def expand_abbreviations(text: str) -> str:
    """Spell out title abbreviations (case-sensitive: "CEO", "EVP", "IR") and "&"."""
    expanded = _ABBREV_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    return re.sub(r"\s*&\s*", " and ", expanded)


def _word_key(word: str) -> str:
    return word.rstrip(".,").casefold()


def _has_head(text: str) -> bool:
    words = {_word_key(w) for w in re.split(r"[\s,;/]+", expand_abbreviations(text)) if w}
    return bool(words & OFFICE_HEADS)


def looks_like_title(phrase: str) -> bool:
    """Whether a phrase reads as a job title: it names an office ("Director of Nursing",
    "interim CEO", "Minister for Education") and is not a long sentence."""
    text = expand_abbreviations(phrase).strip(" ,;.")
    words = text.split()
    if not words or len(words) > _MAX_TITLE_WORDS:
        return False
    first = _word_key(words[0])
    if first in _CONNECTORS or first in _CLAUSE_WORDS:
        return False
    return _has_head(text)


def _capitalise(word: str) -> str:
    if word.casefold() in {"of", "for", "and", "the", "to", "in", "on", "at"}:
        return word.casefold()
    if any(ch.isupper() for ch in word[1:]) or not word[:1].islower():
        return word  # keep "ColegauCymru", "La-Z-Boy", already-capitalised words
    return word[:1].upper() + word[1:]


def normalise_title(title: str) -> str:
    """Spell out abbreviations and tidy a title: "EVP & COO" -> "Executive Vice President and
    Chief Operating Officer"; "director of policy" -> "Director of Policy"."""
    text = re.sub(r"\s+", " ", expand_abbreviations(title)).strip(" ,;.-")
    text = re.sub(r"\s+,", ",", text)
    words = [_capitalise(w) for w in text.split(" ") if w]
    return " ".join(words)


def _canonical_office(office: str) -> str:
    office = re.sub(r"\s+", " ", office.casefold()).strip(" ,;.")
    changed = True
    while changed:
        changed = False
        for qualifier in _QUALIFIERS:
            if office.startswith(qualifier):
                office = office[len(qualifier) :]
                changed = True
    office = _CHAIR_FORMS.sub("chairman", office)
    if office == "chief executive" or office.startswith("chief executive of "):
        office = office.replace("chief executive", "chief executive officer", 1)
    return office


def title_offices(title: str) -> set[str]:
    """The offices held in a (combined) title, lower-case and spelled out, for comparison.

    "Chairman, President and CEO" -> {"chairman", "president", "chief executive officer"}.
    A comma- or "and"-separated part without an office word is the previous office's
    department: "Vice President, Investor Relations" -> {"vice president of investor
    relations"}, "Vice President of Construction and Development" stays one office.
    """
    text = expand_abbreviations(title)
    segments = [s.strip() for s in re.split(r"\s*(,|;|\band\b)\s*", text)]
    offices: list[str] = []
    joiner = ""
    for segment in segments:
        if segment in {",", ";", "and"}:
            joiner = segment
            continue
        if not segment:
            continue
        if _has_head(segment) or not offices:
            offices.append(segment)
        elif " of " in offices[-1] or " for " in offices[-1] or joiner == "and":
            offices[-1] = f"{offices[-1]} and {segment}"
        else:
            offices[-1] = f"{offices[-1]} of {segment}"
    return {_canonical_office(o) for o in offices if _has_head(o)}


def _general_form(office: str) -> str:
    return re.split(r" (?:of|for) ", office, maxsplit=1)[0]


def titles_match(a: str | None, b: str | None) -> bool:
    """Whether two titles share an office. An office matches itself, and an office without
    its department matches one with it ("Vice President" / "Vice President of Finance");
    two different departments do not ("Minister of Finance" / "Minister of Health")."""
    if not a or not b:
        return False
    offices_a, offices_b = title_offices(a), title_offices(b)
    for x in offices_a:
        for y in offices_b:
            if x == y or x == _general_form(y) or y == _general_form(x):
                return True
    return False


@dataclass(frozen=True, slots=True)
class TitleRead:
    """A title read from the words after a name: the title, where the person works when the
    text says so ("at X", "X's"), and whether it was introduced as "our ..."."""

    title: str
    organisation: str | None
    ours: bool


def tokenize(text: str) -> list[str]:
    """Words and the punctuation that separates title phrases (a final full stop dropped)."""
    return _WORD.findall(text.strip().rstrip(".!?"))


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _is_title_word(word: str) -> bool:
    key = _word_key(word)
    return word.rstrip(".,") in ABBREVIATIONS or key in OFFICE_HEADS or key in TITLE_MODIFIERS


def _name_length(tokens: list[str], start: int) -> int:
    """How many tokens from ``start`` read as a person's name (0 if none): an optional
    honorific, two to four capitalised words that are not title words, post-nominals."""
    i = start
    if i < len(tokens) and _word_key(tokens[i]) in HONORIFICS and _word_key(tokens[i]) != "the":
        i += 1
    words = 0
    while i < len(tokens) and words < 4:
        word = tokens[i]
        if word.casefold() in PARTICLES and words > 0:
            i += 1
            continue
        if not _is_capitalised(word) or _is_title_word(word) or word in POST_NOMINALS:
            break
        words += 1
        i += 1
    while i < len(tokens) and tokens[i] in POST_NOMINALS:
        i += 1
    return i - start if words >= 2 else 0


def _next_entry_starts(tokens: list[str], j: int, is_known_name: Callable[[str], bool]) -> bool:
    """Whether a new "NAME, TITLE" entry of a list starts at ``tokens[j]``."""
    length = _name_length(tokens, j)
    if not length:
        return False
    after = tokens[j + length] if j + length < len(tokens) else ""
    name = " ".join(tokens[j : j + length])
    if is_known_name(name):
        return True
    if after == ",":
        follow = tokens[j + length + 1 : j + length + 4]
        return bool(follow) and (
            _word_key(follow[0]) in _DETERMINERS | {"who"} or _is_title_word(follow[0])
        )
    return _word_key(after) in _CLAUSE_WORDS and after not in {"and", "for", "of"}


def read_organisation(
    tokens: list[str], i: int = 0, *, digits: bool = False
) -> tuple[str | None, int]:
    """The capitalised words from ``tokens[i]`` ("Bank of America", "J.P. Morgan", "Sidoti &
    Company") and the index after them. With ``digits``, words opening with a digit count as
    capitalised ("3M", "58.com"): after "from"/"at" in an introduction they name a firm,
    whereas inside a title they are not read as one."""
    words: list[str] = []
    while i < len(tokens):
        word = tokens[i]
        capitalised = _is_capitalised(word) or (digits and word[:1].isdigit())
        if capitalised or (word.casefold() in {"of", "and", "&", "the"} and words):
            words.append(word)
            i += 1
            continue
        break
    while words and words[-1].casefold() in {"of", "and", "&", "the"}:
        words.pop()
    return (" ".join(words) or None), i


def _skip_prefix(tokens: list[str]) -> tuple[int, bool, str | None, bool]:
    """Skip "who is", "our", "La-Z-Boy's", "new" before a title.

    Returns the index of the title's first token, whether it was "our", the possessive
    organisation, and whether the title is a former one.
    """
    i = 0
    ours = False
    possessive: str | None = None
    lowered = [_word_key(t) for t in tokens]
    if lowered[:2] in (["who", "is"], ["who", "was"]) or lowered[:1] == ["who's"]:
        i = 1 if lowered[0] == "who's" else 2
    if i < len(tokens) and lowered[i] in _DETERMINERS:
        ours = lowered[i] in {"our", "my"}
        i += 1
    # A possessive organisation before the title: "La-Z-Boy's Chairman", "IDACORP's CFO".
    for j in range(i, min(i + 4, len(tokens))):
        if not _is_capitalised(tokens[j]) or _is_title_word(tokens[j]):
            break
        if tokens[j].endswith(POSSESSIVE):
            possessive = " ".join([*tokens[i:j], tokens[j][:-2]])
            i = j + 1
            break
    former = False
    while i < len(tokens) and lowered[i] in _FRESH | {"former", "previous", "ex"}:
        former = former or lowered[i] in {"former", "previous", "ex"}
        i += 1
    return i, ours, possessive, former


def _trim(parts: list[list[str]]) -> list[list[str]]:
    """Drop trailing connectors and trailing parts that hold no office."""
    cleaned = [p for p in parts if p]
    while cleaned:
        last = cleaned[-1]
        while last and _word_key(last[-1]) in _CONNECTORS:
            last.pop()
        if last and _has_head(" ".join(last)):
            break
        cleaned.pop()
    return cleaned


class _TitleReader:
    """Walks the tokens after a name and collects the title's comma-separated parts.

    Each ``step_*`` method handles one kind of token and returns False when the title ends.
    """

    _MAX_PORTFOLIO_WORDS = 8  # words after "of"/"for": "Minister of Fisheries, Oceans ..."

    def __init__(self, tokens: list[str], start: int, is_known_name: Callable[[str], bool]):
        self.tokens = tokens
        self.i = start
        self.is_known_name = is_known_name
        self.parts: list[list[str]] = [[]]
        self.organisation: str | None = None
        self.in_portfolio = 0  # words read after "of"/"for" in the current part

    def peek(self, offset: int = 1) -> str:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else ""

    def next_entry_at(self, j: int) -> bool:
        return _next_entry_starts(self.tokens, j, self.is_known_name)

    def read(self) -> list[list[str]]:
        while self.i < len(self.tokens) and self.step(self.tokens[self.i]):
            pass
        return _trim(self.parts)

    def step(self, word: str) -> bool:
        key = _word_key(word)
        if word in {";", "(", ":", ")"}:
            return False
        if word == ",":
            return self.step_comma()
        if key in {"and", "&"}:
            return self.step_and(word)
        if key in _AFFILIATION_WORDS:  # "Director of Nursing at Barwon Health"
            self.organisation, self.i = read_organisation(self.tokens, self.i + 1)
            return False
        if key in {"of", "for"} and self.parts[-1]:
            return self.step_of(word)
        if key in _END_WORDS and not _is_capitalised(word):
            return False
        if self.in_portfolio and key not in _CLAUSE_WORDS:
            return self.in_portfolio < self._MAX_PORTFOLIO_WORDS and self.take(word)
        if _is_title_word(word) or (_is_capitalised(word) and key not in _CLAUSE_WORDS):
            if self.parts[-1] and self.next_entry_at(self.i):
                return False
            return self.take(word)
        return False

    def take(self, word: str) -> bool:
        self.parts[-1].append(word)
        if self.in_portfolio:
            self.in_portfolio += 1
        self.i += 1
        return True

    def step_comma(self) -> bool:
        """A comma continues the title ("Vice President, Controller") unless the next person
        of a list starts after it ("..., and Roland Caputo, CFO")."""
        after_and = _word_key(self.peek()) == "and"
        if self.next_entry_at(self.i + (2 if after_and else 1)):
            return False
        following = self.peek(2 if after_and else 1)
        if not following or not (_is_capitalised(following) or _is_title_word(following)):
            return False
        self.parts.append([])
        self.in_portfolio = 0
        self.i += 1
        return True

    def step_and(self, word: str) -> bool:
        if self.next_entry_at(self.i + 1):
            return False  # "President and CEO and Sean Gillen, CFO"
        following = self.peek()
        if not following:
            return False
        if not (_is_capitalised(following) or _is_title_word(following) or self.in_portfolio):
            return False
        self.parts[-1].append(word)
        self.i += 1
        return True

    def step_of(self, word: str) -> bool:
        head = _canonical_office(" ".join(self.parts[-1]))
        if head in _TOP_OFFICES and _is_capitalised(self.peek()):
            # "principal of Cardiff and Vale College": the college is the organisation.
            self.organisation, self.i = read_organisation(self.tokens, self.i + 1)
            return False
        self.parts[-1].append(word)
        self.in_portfolio = 1
        self.i += 1
        return True


def read_title(
    text: str, *, is_known_name: Callable[[str], bool] = lambda _name: False
) -> TitleRead | None:
    """Read the title that opens ``text`` (the words after "NAME, "), or None.

    Handles "our Vice President of Office Properties", "EVP and COO", "IDACORP's President
    and Chief Executive Officer; and ...", "who is chief executive of Powys Teaching Health
    Board", "Director of Nursing at Barwon Health" (organisation "Barwon Health"). It stops
    where the next person of a list begins ("President and CEO and Sean Gillen, CFO").
    ``is_known_name`` tells whether a word sequence names a known speaker.
    """
    tokens = tokenize(text)
    if not tokens:
        return None
    start, ours, possessive, former = _skip_prefix(tokens)
    if former:
        return None
    reader = _TitleReader(tokens, start, is_known_name)
    kept = reader.read()
    if not kept:
        return None
    title = ", ".join(" ".join(p) for p in kept)
    if not looks_like_title(title):
        return None
    return TitleRead(normalise_title(title), reader.organisation or possessive, ours)
