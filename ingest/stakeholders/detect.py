"""Who took part in a meeting, who they are, which side they are on, and what role they play.

:func:`detect_stakeholders` reads the utterances of one meeting and returns a
:class:`DetectedPerson` per person, deterministically (no model, no network):

* **Speakers.** Every speaker label that :func:`~ingest.stakeholders.names.looks_like_person`
  is a person; label variants of one name are merged ("Hon. Bill Blair" and "Hon. Bill Blair
  (Minister of Public Safety)"), and a parenthetical title in a label is a title. A role-only
  label ("The Chair") counts towards the one person whose label gave that role.
* **Introductions** stated in the text give titles and affiliations: self-introductions ("I'm
  Dr Rachel Bowen, Chief Medical Officer at Barwon Health", "I'm the CFO", "I joined as CFO
  in August", "I run ICT as CIO for WA Health"), a host's
  introductions ("hand the conference over to Adam Wyll, EVP and COO", "welcome Kirsty
  Williams, Cabinet Secretary for Education", "joining me today are Ernest Rady, our Chairman,
  President and CEO; and Robert Barton, our CFO"), appositives either way round ("our CFO,
  Mark Tan", "CEO Eric Green"), a title stated of a participant ("Helen is our new CFO", the
  first name resolved to the one participant it fits), and question introductions ("our first
  question comes from Craig Schmidt from Bank of America"), which make the person a third
  party of that firm. A title's tail that names the customer or us ("CIO for WA Health") is
  their affiliation, not part of the title.
* **Mentioned people** are created only from those strong patterns, never from any pair of
  capitalised words; a first name alone ("Thank you, Adam") only adds evidence to the one
  participant with that first name.
* **Sides.** A name in ``internal_people`` is ``internal``; a question introduction, or "at
  X"/"from X" naming neither the customer nor us, is ``third_party``; "our ..." takes the
  introducer's side; anybody else is ``customer`` with ``organisation``.
* **Roles and sentiment**: see :func:`suggest_role` and :func:`sentiment_score`. A role
  phrase counts for the person it is about ("I'll take this to the executive committee" for
  the speaker, "Paul has the final say" for Paul, "our engineering lead's sign-off" and a name
  spoken to, as in "..., Tracey, ...", for nobody: see :func:`_phrase_target`). MEDDPICC
  describes the customer's buying group, so our own staff get no role. **Talk
  share** is the person's words over all words of the meeting (words of non-person labels
  such as "Operator" count in the total, so the shares of people sum to 1 only when every
  label is a person).

Every claim carries :class:`Evidence`: the sentence (at most 200 characters) that states it,
who said it and when. Two claims rest on participation alone and quote the person's first
sentence (or first mention): the default side (customer) and the default role (influencer,
not for our staff); a staff-list match (internal) quotes the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from core.models.meetings import EvidenceKind, MeddpiccRole, Side
from ingest.stakeholders.names import (
    HONORIFICS,
    PARTICLES,
    POST_NOMINALS,
    clean_name,
    fold,
    likely_same_in_meeting,
    looks_like_person,
    name_tokens,
    pick_display_name,
    same_person,
    split_label,
)
from ingest.stakeholders.titles import (
    ABBREVIATIONS,
    OFFICE_HEADS,
    POSSESSIVE,
    TITLE_MODIFIERS,
    TitleRead,
    looks_like_title,
    normalise_title,
    read_organisation,
    read_title,
    title_offices,
    tokenize,
)
from ingest.transcripts.model import Utterance

__all__ = [
    "DetectedPerson",
    "Evidence",
    "EvidenceKind",
    "MeddpiccRole",
    "RoleSignal",
    "Side",
    "detect_stakeholders",
    "same_organisation",
    "sentiment_counts",
    "sentiment_score",
    "sentiment_signal",
    "split_sentences",
    "suggest_role",
    "title_role",
]

QUOTE_MAX = 200


@dataclass(frozen=True)
class Evidence:
    """A sentence that supports one claim about a person, who said it and when."""

    meeting: str
    speaker: str
    start: float | None
    quote: str
    kind: EvidenceKind


@dataclass(frozen=True)
class DetectedPerson:
    """One person found in a meeting.

    ``meddpicc_role`` is the suggested MEDDPICC role and ``confidence`` its confidence (see
    :func:`suggest_role`); MEDDPICC describes the customer's buying group, so our own staff
    (side ``internal``) get no role and confidence 0.0. ``talk_share`` is their share of all
    words spoken in the meeting; ``sentiment`` is in [-1, 1] (see :func:`sentiment_score`).
    """

    name: str
    title: str | None
    organisation: str | None
    side: Side
    meddpicc_role: MeddpiccRole | None
    confidence: float
    spoke: bool
    talk_share: float
    sentiment: float
    evidence: tuple[Evidence, ...]


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True, slots=True)
class _Sentence:
    """A sentence of an utterance, with the utterance's position, speaker and start time."""

    utterance: int
    speaker: str
    start: float | None
    text: str


# A full stop after these words does not end a sentence ("Mr. Rady", "J.P. Morgan", "Co.").
_NO_BREAK_AFTER = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "hon", "st", "inc", "co", "corp", "ltd", "jr", "sr",
        "no", "vs", "etc", "mt", "rt", "rev", "sen", "gov", "dept", "approx", "e.g", "i.e",
        "u.s", "u.k", "vol", "fig", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct",
        "nov", "dec",
    }
)  # fmt: skip
_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9À-Þ])|\n+")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences without breaking after honorifics, initials or "Co."."""
    sentences: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        before = text[start : match.start()].rstrip()
        last_word = before.split()[-1] if before.split() else ""
        stem = last_word.rstrip(".").casefold()
        initial = re.fullmatch(r"(?:[a-z]\.)*[a-z]", stem)  # "S.", "J.P."
        if "\n" not in match.group(0) and (stem in _NO_BREAK_AFTER or initial):
            continue
        piece = text[start : match.start()].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _quote(text: str, at: int = 0) -> str:
    """The sentence, or a window of it around ``at``, in at most 200 characters."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= QUOTE_MAX:
        return text
    begin = max(0, min(at - 60, len(text) - (QUOTE_MAX - 2)))
    window = text[begin : begin + QUOTE_MAX - 2].strip()
    prefix = "…" if begin > 0 else ""
    suffix = "…" if begin + QUOTE_MAX - 2 < len(text) else ""
    return (prefix + window + suffix)[:QUOTE_MAX]


# --------------------------------------------------------------------------- name spans

# Capitalised words that open sentences or clauses and are never part of a name.
_STOP_CAPS = frozenset(
    {
        "i", "i'm", "i'll", "i've", "i'd", "the", "thank", "thanks", "good", "our", "we",
        "we're", "we'll", "we've", "this", "that", "please", "and", "but", "so", "with", "well",
        "yes", "no", "okay", "ok", "hi", "hello", "welcome", "joining", "on", "in", "today",
        "now", "let", "let's", "ladies", "dear", "as", "at", "for", "from", "to", "if", "it",
        "it's", "my", "your", "you", "he", "she", "they", "also", "again", "just", "then",
        "there", "here", "what", "when", "where", "why", "how", "who", "can", "could", "may",
        "will", "would", "sorry", "great", "right", "sure", "actually", "before", "after",
        "item", "madam", "members", "member", "all", "any", "some", "one", "both", "each",
        "next", "last", "first", "second", "third", "lastly", "finally", "following", "over",
        "under", "by", "of", "a", "an", "is", "are", "was", "be", "do", "does", "did", "not",
        "yesterday", "tomorrow", "morning", "afternoon", "evening", "everyone", "hey", "dr",
        "mr", "mrs", "ms", "hon", "prof", "these", "those", "their", "his", "her", "its",
        "even", "only", "however", "although", "while", "since", "because", "given", "per",
        "via", "unless", "whether", "though", "yet", "or", "nor", "like", "once", "other",
    }
)  # fmt: skip
# Words that mark a capitalised phrase as an organisation, place or document, not a person.
_NON_NAME_WORDS = frozenset(
    {
        "relations", "investor", "investors", "properties", "capital", "markets", "securities",
        "bank", "research", "partners", "company", "group", "health", "board", "college",
        "university", "committee", "council", "government", "department", "services", "service",
        "trust", "fund", "association", "institute", "foundation", "hospital", "school",
        "schools", "office", "ministry", "agency", "commission", "corporation", "inc", "ltd",
        "llc", "plc", "international", "financial", "equity", "management", "street", "quarter",
        "fiscal", "slide", "page", "earnings", "conference", "call", "year", "annual", "report",
        "house", "programme", "program", "plan", "strategy", "framework", "network", "system",
        "systems", "technologies", "technology", "solutions", "holdings", "industries",
        "pharmaceuticals", "energy", "power", "water", "realty", "media", "times", "news", "day",
        "week", "month", "january", "february", "march", "july", "september", "october",
        "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "q&a",
    }
)  # fmt: skip
# Surname particles ("Floris van Dijkum"), longest first; each must be followed by a space.
_PARTICLE_ALTERNATION = "|".join(sorted(map(re.escape, PARTICLES), key=lambda p: (-len(p), p)))
_NAME_RE = re.compile(
    rf"[A-ZÀ-Þ][\w'\u2019-]*\.?(?:\s+(?:(?:{_PARTICLE_ALTERNATION})\s+)?"
    r"[A-ZÀ-Þ][\w'\u2019-]*\.?){0,5}"
)


@dataclass(frozen=True, slots=True)
class _NameSpan:
    name: str
    start: int
    end: int


def _is_name_word(word: str) -> bool:
    bare = word.rstrip(".").replace("\u2019", "'")
    key = bare.casefold()
    if key in _STOP_CAPS or key in _NON_NAME_WORDS or key in OFFICE_HEADS:
        return False
    if key in TITLE_MODIFIERS or bare in ABBREVIATIONS:
        return False
    if len(bare) >= 3 and bare.isupper():
        return False  # "COVID", "IDACORP", "CEO"
    return any(ch.isalpha() for ch in bare) and not any(ch.isdigit() for ch in bare)


def find_names(sentence: str, *, allow_single: bool = False) -> list[_NameSpan]:
    """Person-name spans in a sentence: two to four capitalised words (with an optional
    honorific before and post-nominals after), trimmed of sentence openers and title words.
    With ``allow_single``, one-word spans are returned too (for first-name references).
    A span's ``end`` includes post-nominals ("Kirsty Williams AM"), its ``name`` does not."""
    spans: list[_NameSpan] = []
    for match in _NAME_RE.finditer(sentence):
        words = [(w.group(0), match.start() + w.start()) for w in re.finditer(r"\S+", match[0])]
        words = _trim_openers(words)
        if not words:
            continue
        start = words[0][1]
        honorific = _is_honorific(words[0][0])
        core = words[1:] if honorific else words
        taken: list[tuple[str, int]] = []
        for word in core:
            if word[0].rstrip(".,") in POST_NOMINALS and taken:
                break
            if not _is_name_word(word[0]):
                break
            taken.append(word)
            if word[0].endswith(POSSESSIVE):
                break  # "Rachel Bowen's team"
        if not taken or len(taken) > 4 or (len(taken) == 1 and not allow_single):
            continue
        last, last_at = taken[-1]
        name_end = last_at + len(re.sub(r"(?:['\u2019]s)?[.,]?$", "", last))
        if re.fullmatch(r"[A-Z]\.", last):
            name_end = last_at + len(last)
        end = name_end
        rest = [w for w in core[len(taken) :] if w[0].rstrip(".,") in POST_NOMINALS]
        if rest and core[len(taken)] == rest[0]:
            end = rest[0][1] + len(rest[0][0].rstrip(".,"))
        spans.append(_NameSpan(sentence[start:name_end], start, end))
    return spans


def _is_honorific(word: str) -> bool:
    return word.rstrip(".").casefold() in HONORIFICS - {"the"}


def _trim_openers(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop sentence openers and titles before a name, keeping an honorific that leads into
    it ("Thank you Mr. Ernest Rady" -> "Mr. Ernest Rady", "CEO Eric Green" -> "Eric Green")."""
    while words and not _is_name_word(words[0][0]):
        if _is_honorific(words[0][0]) and len(words) > 1 and _is_name_word(words[1][0]):
            break
        words = words[1:]
    return words


# --------------------------------------------------------------------------- introductions

_IntroKind = Literal["question", "self", "self_as", "appositive", "title_before", "from", "copula"]


@dataclass(frozen=True, slots=True)
class _Intro:
    """A person named with a title or an affiliation in one sentence."""

    name: str | None  # None: the speaker themself ("I'm the CFO")
    title: str | None
    organisation: str | None
    ours: bool
    kind: _IntroKind
    sentence: _Sentence
    at: int

    @classmethod
    def titled(
        cls, name: str | None, title: TitleRead, kind: _IntroKind, sentence: _Sentence, at: int
    ) -> _Intro:
        """An introduction carrying what :func:`read_title` found."""
        return cls(name, title.title, title.organisation, title.ours, kind, sentence, at)


_QUESTION_INTRO = re.compile(
    r"(?i:\b(?:question|questions|follow-up|followup)\b[^.?!]*?\b(?:from|with)\s+"
    r"|\b(?:comes?|coming|is)\s+from\s+(?=the\s+line\s+of\b)"
    r"|\b(?:go|move)\s+next\s+to\s+)"
    r"(?i:the\s+line\s+of\s+)?(?i:the\s+)?"
)
_AFFILIATION_AFTER = re.compile(r"\s*,?\s+(?:from|with|of|at)\s+(?=[A-Z0-9])")
_FROM_AFTER = re.compile(r"\s+(?:from|at)\s+(?=[A-Z])")
_SELF_INTRO = re.compile(r"\b(?:I'm|I\u2019m|I am|[Mm]y name is|[Mm]y name's)\s+")


def _organisation_after(text: str) -> str | None:
    """The capitalised organisation that opens ``text`` ("Sidoti & Company", "Bank of
    America", "3M"): :func:`~ingest.stakeholders.titles.read_organisation` with digits."""
    return read_organisation(tokenize(text), digits=True)[0]


def _question_intros(sentence: _Sentence) -> Iterator[_Intro]:
    """ "Our first question comes from Craig Schmidt from Bank of America." """
    for trigger in _QUESTION_INTRO.finditer(sentence.text):
        names = [s for s in find_names(sentence.text[trigger.end() :]) if s.start == 0]
        if not names:
            continue
        span = names[0]
        rest = sentence.text[trigger.end() + span.end :]
        firm = None
        prep = _AFFILIATION_AFTER.match(rest)
        if prep:
            firm = _organisation_after(rest[prep.end() :])
        yield _Intro(span.name, None, firm, False, "question", sentence, trigger.start())


def _self_intros(sentence: _Sentence, is_known: Callable[[str], bool]) -> Iterator[_Intro]:
    """ "I'm Dr Rachel Bowen, Chief Medical Officer at Barwon Health", "I'm the CFO"."""
    for trigger in _SELF_INTRO.finditer(sentence.text):
        rest = sentence.text[trigger.end() :]
        names = [s for s in find_names(rest, allow_single=True) if s.start == 0]
        if names:
            span = names[0]
            after = rest[span.end :]
            title: TitleRead | None = None
            organisation = None
            if after.lstrip().startswith(","):
                title = read_title(after.lstrip()[1:], is_known_name=is_known)
            prep = _FROM_AFTER.match(after)
            if prep:
                organisation = _organisation_after(after[prep.end() :])
            if title is not None:
                organisation = title.organisation or organisation
            yield _Intro(
                span.name,
                title.title if title else None,
                organisation,
                bool(title and title.ours),
                "self",
                sentence,
                trigger.start(),
            )
            continue
        title = read_title(rest, is_known_name=is_known)
        if title is not None and re.match(r"(?i)(?:the|a|an|your|our)\s", rest):
            yield _Intro.titled(None, title, "self", sentence, trigger.start())


# "I joined as CFO", "I run ICT as CIO", "in my role as Director of Nursing", "I'm here as
# chair": the speaker's own office, stated with "as". Only verbs of a current role: "I served as
# CFO of X" or "I worked as a nurse" are a past career, not a title. "I started as a nurse" may
# be one, so these claims are a little weaker than "I'm Sam Ortiz, CIO".
_SELF_AS = re.compile(
    r"(?:\bI(?:['\u2019]ve| have)?\s+(?:just\s+|recently\s+|only\s+)?"
    r"(?:joined|started|came\s+on\s+board|come\s+on\s+board|came\s+in|stepped\s+in"
    r"|run|lead|head|manage|oversee|look\s+after|work|serve|act|sit)\b"
    r"(?:\s+[\w&'\u2019-]+){0,4}?"
    r"|\bI(?:['\u2019]m| am)\s+(?:here|speaking|joining|sitting\s+in)(?:\s+today)?"
    r"|\b[Mm]y\s+(?:role|capacity|job)(?:\s+here)?)"
    r"\s+as\s+(?=\S)"
)


def _self_as_intros(sentence: _Sentence, is_known: Callable[[str], bool]) -> Iterator[_Intro]:
    """ "I joined as CFO in August", "I run ICT as CIO for WA Health"."""
    for trigger in _SELF_AS.finditer(sentence.text):
        title = read_title(sentence.text[trigger.end() :], is_known_name=is_known)
        if title is None:
            continue
        yield _Intro.titled(None, title, "self_as", sentence, trigger.start())


# "Helen is our new CFO", "Paul's the Director of ICT": a title stated of a participant.
_COPULA = re.compile(
    r"(?:\s+is|['\u2019]s)\s+(?:now\s+|also\s+|currently\s+)?"
    r"(?=(?:our|the|their|your|my)\s)"
    r"|\s+is\s+(?:now\s+|also\s+|currently\s+)?(?=[A-Z])"
)


def _copula_intros(sentence: _Sentence, is_known: Callable[[str], bool]) -> Iterator[_Intro]:
    """ "Helen is our new CFO", "Paul is Director of ICT" (the person must already be known:
    see :meth:`_Detector._target`)."""
    text = sentence.text
    for span in find_names(text, allow_single=True):
        link = _COPULA.match(text, span.end)
        if link is None:
            continue
        title = read_title(text[link.end() :], is_known_name=is_known)
        if title is None:
            continue
        yield _Intro.titled(span.name, title, "copula", sentence, span.start)


def _appositive_intros(sentence: _Sentence, is_known: Callable[[str], bool]) -> Iterator[_Intro]:
    """ "Adam Wyll, EVP and COO", "Kirsty Williams, Cabinet Secretary for Education"."""
    text = sentence.text
    for span in find_names(text, allow_single=True):
        after = text[span.end :]
        if not after.startswith(","):
            prep = _FROM_AFTER.match(after)
            if prep and len(name_tokens(span.name)) >= 2 and not _after_self_intro(text, span):
                organisation = _organisation_after(after[prep.end() :])
                if organisation:
                    yield _Intro(span.name, None, organisation, False, "from", sentence, span.start)
            continue
        if _after_self_intro(text, span):
            continue  # handled as a self-introduction
        title = read_title(after[1:], is_known_name=is_known)
        if title is None:
            continue
        yield _Intro.titled(span.name, title, "appositive", sentence, span.start)


def _after_self_intro(text: str, span: _NameSpan) -> bool:
    return bool(re.search(r"(?:I'm|I\u2019m|I am|name is|name's)\s+$", text[: span.start]))


def _title_before_intros(sentence: _Sentence) -> Iterator[_Intro]:
    """ "CEO Eric Green and CFO Bernard Birkett", "our Chief Medical Officer, Dr Smith"."""
    text = sentence.text
    for span in find_names(text, allow_single=True):
        before = text[: span.start].rstrip()
        comma = before.endswith(",")
        words = tokenize(before.rstrip(","))
        taken = _title_words_before(words, loose=comma)
        if not taken or not looks_like_title(" ".join(taken)):
            continue
        opener = words[-len(taken) - 1] if len(words) > len(taken) else ""
        ours = opener.casefold() in {"our", "my"}
        possessive = opener.endswith(POSSESSIVE)
        if comma and not (ours or possessive or opener.casefold() in _INTRO_OPENERS):
            continue  # "Thanks, Chair. Mr. Smith ...": not an introduction
        if comma and find_names(" ".join(taken)):
            continue  # the words before the comma hold another person's name
        yield _Intro(
            span.name, normalise_title(" ".join(taken)), None, ours, "title_before", sentence,
            span.start,
        )  # fmt: skip


_INTRO_OPENERS = frozenset(
    {"the", "your", "introduce", "welcome", "to", "by", "meet", "include", "are", "is", "and"}
)


def _title_words_before(words: list[str], *, loose: bool) -> list[str]:
    """The title words that end ``words``.

    Strict (no comma, "CEO Eric Green"): only title vocabulary, no "and". Loose (a comma,
    "introduce vice president of investor relations, Quintin Lai"): any words back to an
    opener ("our", "the", "introduce", ...), at most ten.
    """
    if loose:
        for back in range(1, min(10, len(words)) + 1):
            opener = words[-back - 1].casefold() if back < len(words) else ""
            if words[-back] in {",", ";", ":"}:
                return []
            if opener in _INTRO_OPENERS | {"our", "my"} or opener.endswith(POSSESSIVE):
                return words[-back:]
        return []
    taken: list[str] = []
    for word in reversed(words):
        key = word.rstrip(".,").casefold()
        if word.rstrip(".,") in ABBREVIATIONS or key in OFFICE_HEADS or key in TITLE_MODIFIERS:
            taken.insert(0, word)
            continue
        if key in {"of", "for"} and taken:
            taken.insert(0, word)
            continue
        break
    while taken and taken[0].casefold() in {"of", "for"}:
        taken.pop(0)
    return taken


# --------------------------------------------------------------------------- sentiment

_POSITIVE = frozenset(
    {
        "good", "great", "excellent", "happy", "pleased", "glad", "delighted", "love", "enjoy",
        "impressed", "impressive", "excited", "exciting", "confident", "helpful", "valuable",
        "useful", "supportive", "agree", "benefit", "benefits", "strong", "success",
        "successful", "optimistic", "proud", "easy", "fantastic", "perfect", "better", "best",
        "improve", "improved", "improvement", "positive", "terrific", "wonderful", "brilliant",
        "encouraging", "encouraged", "appreciate", "grateful", "effective", "efficient",
        "reliable", "smooth", "keen", "enthusiastic", "welcome", "solid", "robust",
        "outstanding", "progress", "win", "wins", "pleasing", "favourable", "favorable",
    }
)  # fmt: skip
_NEGATIVE = frozenset(
    {
        "concern", "concerns", "concerned", "worried", "worry", "worrying", "problem",
        "problems", "issue", "issues", "expensive", "costly", "difficult", "hard", "risk",
        "risky", "disappointed", "disappointing", "frustrated", "frustrating", "unhappy",
        "bad", "poor", "slow", "fail", "failed", "failure", "failing", "delay", "delayed",
        "delays", "unclear", "confusing", "complicated", "doubt", "doubts", "sceptical",
        "skeptical", "unconvinced", "reject", "cancel", "churn", "terrible", "awful", "worse",
        "worst", "weak", "weakness", "broken", "annoyed", "angry", "upset", "overpriced",
        "painful", "struggle", "struggling", "challenging", "decline", "declined", "loss",
        "losses", "unacceptable", "lacking", "missing", "negative", "headwind", "headwinds",
    }
)  # fmt: skip
_NEGATORS = frozenset(
    {"not", "no", "never", "n't", "hardly", "barely", "without", "nothing", "neither", "nor"}
)
_NEGATION_WINDOW = 3  # a negator flips sentiment words up to three words after it


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    text = re.sub(r"n't\b", " n't", text)
    return re.findall(r"n't|[a-z]+(?:'[a-z]+)?", text)


def sentiment_counts(text: str) -> tuple[int, int]:
    """Positive and negative lexicon hits in ``text``; a negator up to three words before a
    word flips it ("not happy" is negative, "not bad" positive)."""
    positive = negative = 0
    words = _words(text)
    for i, word in enumerate(words):
        polarity = 1 if word in _POSITIVE else -1 if word in _NEGATIVE else 0
        if not polarity:
            continue
        window = words[max(0, i - _NEGATION_WINDOW) : i]
        if any(w in _NEGATORS for w in window):
            polarity = -polarity
        if polarity > 0:
            positive += 1
        else:
            negative += 1
    return positive, negative


def sentiment_score(texts: Sequence[str]) -> float:
    """Sentiment in [-1, 1]: the mean, over the texts that contain lexicon words, of
    (positive - negative) / (positive + negative); 0 when no text has any.

    The lexicon is small and general (about 60 positive and 70 negative words, see
    ``_POSITIVE``/``_NEGATIVE``); polite formulas ("thank you") are deliberately absent.
    """
    scores: list[float] = []
    for text in texts:
        positive, negative = sentiment_counts(text)
        if positive + negative:
            scores.append((positive - negative) / (positive + negative))
    return round(sum(scores) / len(scores), 3) if scores else 0.0


# --------------------------------------------------------------------------- roles

# What a "final say" is over decides its role: money (budget, spend, the contract) makes an
# economic buyer, anything else ("anything that touches our infrastructure") a decision maker.
_MONEY = (
    r"(?:the\s+|any\s+|all\s+|our\s+|your\s+|this\s+|that\s+)?(?:[\w-]+\s+)?"
    r"(?:budgets?|spend|spending|money|funding|finances?|contracts?|purchases?|purchasing"
    r"|price|pricing|costs?|deal|investment|renewal)\b"
)
_BODY = (  # a governing body one takes a proposal to
    r"(?:committee|board|executive|exec|executives|leadership|steering|council|cabinet)\b"
)
_ROLE_PHRASES: dict[MeddpiccRole, tuple[re.Pattern[str], ...]] = {
    "economic_buyer": tuple(
        re.compile(p, re.I)
        for p in (
            r"\bsigns?[- ]off\b",
            r"\bsigning[- ]off\b",
            r"\bbudget (?:holder|owner)\b",
            r"\b(?:hold|holds|own|owns|control|controls|manage|manages) the budget\b",
            r"\bmy budget\b",
            r"\bbudget\b(?:\s+[\w-]+){0,4}?\s+(?:sits|rests|lies|is)\s+with\s+(?:me|us)\b",
            r"\bfinal (?:sign[- ]?off|approval|word)\b",
            r"\bfinal say\b(?!\s+(?:on|over)\b)",
            r"\bfinal say (?:on|over)\s+" + _MONEY,
            r"\bapproves? (?:the |any |all )?(?:spend|spending|purchase|budget|contract|funding)",
            r"\bholds? the purse",
            r"\bcomes? out of (?:my|his|her) budget\b",
        )
    ),
    "decision_maker": tuple(
        re.compile(p, re.I)
        for p in (
            r"\b(?:we|I)(?:'ll| will| get to)? (?:decide|make the decision|make the call)\b",
            r"\b(?:makes|making) the (?:final )?(?:call|decision)\b",
            r"\bmy (?:call|decision)\b",
            r"\b(?:call|decision)(?: (?:on|about|for) [\w -]{1,40}?)? is (?:mine|ours)\b",
            r"\b(?:call|decision) (?:sits|rests|lies) with (?:me|us)\b",
            r"\b(?:lead|leads|leading|run|runs|running|own|owns|chair|chairs) the "
            r"(?:evaluation|selection|review|procurement)\b",
            r"\bevaluation lead\b",
            r"\bdecision[- ]maker\b",
            r"\bfinal say (?:on|over)\b(?!\s+" + _MONEY + ")",
        )
    ),
    "champion": tuple(
        re.compile(p, re.I)
        for p in (
            r"\bpush (?:for )?(?:this|it|that)\b",
            r"\b(?:big|huge|strong) (?:supporter|fan|advocate|believer)\b",
            r"\bchampion(?:ing)? (?:this|it)\b",
            r"\badvocate (?:for )?(?:this|it)\b",
            r"\bmake the case\b",
            r"\bsell (?:this|it) internally\b",
            r"\b(?:fully|strongly) support\b",
            r"\bget (?:you|this) in front of\b",
            r"\bon board with (?:this|it)\b",
            r"\bsold on (?:this|it|that)\b",
            r"\b(?:go|going|went) (?:in )?(?:to|into) bat for\b",
            r"\b(?:back|sponsor|support) (?:this|it) internally\b",
            r"\b(?:take|bring|put|present|table|mention|walk) (?:this|it|that) (?:up )?"
            r"(?:to|at|through|in front of|before) (?:the|our|my) (?:[\w-]+ ){0,3}" + _BODY,
        )
    ),
    "blocker": tuple(
        re.compile(p, re.I)
        for p in (
            r"\bnot (?:yet )?convinced\b",
            r"\bunconvinced\b",
            r"\btoo (?:expensive|costly|pricey)\b",
            r"\b(?:look|looking) at (?:other )?(?:alternatives|options|vendors|competitors)\b",
            r"\bother (?:vendors|suppliers|providers)\b",
            r"\bnot a priority\b",
            r"\b(?:don't|do not|can't|cannot) (?:see the value|justify)\b",
            r"\b(?:won't|will not|not going to) (?:support|approve|sign)\b",
            r"\b(?:against|opposed to) (?:this|it)\b",
            r"\bhappy with (?:our|the) current\b",
            r"\bpush(?:ing)? back\b",
        )
    ),
}
_STANCES: frozenset[MeddpiccRole] = frozenset({"blocker", "champion"})
_EB_OFFICES = (
    "chief executive officer", "chief financial officer", "managing director", "owner",
    "founder", "co-founder", "treasurer", "director of finance", "finance director",
    "head of finance", "chief operating officer",
)  # fmt: skip
_DM_HEADS = frozenset(
    {
        "officer", "director", "head", "chairman", "minister", "secretary", "principal",
        "dean", "commissioner", "governor", "superintendent", "chancellor", "provost",
        "executive", "lead", "leader", "president",
    }
)  # fmt: skip

# Clinical offices (Chief Nursing Officer, Director of Nursing Informatics, Chief Medical
# Officer) speak for the people who use a clinical system: by title they influence, and the
# purchase is decided by the executive and technology offices. An office that also names
# information, technology or operations (Chief Medical Information Officer) still decides.
_CLINICAL_WORDS = frozenset(
    {
        "nursing", "nurse", "nurses", "medical", "clinical", "clinician", "clinicians",
        "pharmacy", "midwifery", "allied", "surgical", "surgery", "medicine", "patient",
        "patients", "care", "informatics",
    }
)  # fmt: skip
_DECIDING_WORDS = frozenset(
    {
        "information", "technology", "technologies", "ict", "it", "digital", "data", "systems",
        "infrastructure", "operations", "operating",
    }
)  # fmt: skip

# Strength of each kind of signal (combined as 1 - prod(1 - s), capped at 0.95).
_PHRASE_SELF = 0.85  # the person says it of themself: "I sign off anything over 50k"
_PHRASE_NAMED = 0.75  # somebody says it naming them: "our CFO, Mark Tan, signs off ..."
_TITLE_EB = 0.7  # a title that normally holds the budget (CEO, CFO, MD, owner)
_TITLE_DM = 0.6  # a senior title that normally decides (CIO, CTO, director, head of)
_SENTIMENT = 0.35  # mean sentiment >= 0.5 (champion) or <= -0.4 (blocker), 2+ utterances
_DEFAULT_INFLUENCER = 0.2
_CONFIDENCE_CAP = 0.95
# Which role wins a tie of combined strength.
_ROLE_ORDER: tuple[MeddpiccRole, ...] = (
    "blocker", "economic_buyer", "decision_maker", "champion", "influencer",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RoleSignal:
    """One piece of evidence for a MEDDPICC role, with its strength in [0, 1]."""

    role: MeddpiccRole
    strength: float
    evidence: Evidence


def title_role(title: str) -> tuple[MeddpiccRole, float] | None:
    """The role a title suggests: budget holders (CEO, CFO, managing director, owner,
    treasurer) are economic buyers, other senior offices (chief officers, directors, heads,
    chairs, ministers) decision makers; vice/deputy/assistant offices alone, clinical offices
    (nursing, medical, clinical informatics: see ``_CLINICAL_WORDS``) and other titles suggest
    nothing, which leaves them influencers unless they say more."""
    offices = title_offices(title)
    if any(o == eb or o.startswith(eb + " of") for o in offices for eb in _EB_OFFICES):
        return "economic_buyer", _TITLE_EB
    senior = [o for o in offices if o.split(" of ")[0].split()[-1] in _DM_HEADS]
    deciding = [
        o
        for o in senior
        if not o.startswith(("vice ", "deputy ", "assistant ")) and not _clinical(o)
    ]
    return ("decision_maker", _TITLE_DM) if deciding else None


def _clinical(office: str) -> bool:
    """Whether an office is a clinical one ("chief nursing officer") with no deciding word."""
    words = set(re.findall(r"[a-z]+", office))
    return bool(words & _CLINICAL_WORDS) and not words & _DECIDING_WORDS


def sentiment_signal(
    sentiment: float, texts_with_sentiment: int, basis: Evidence
) -> RoleSignal | None:
    """A champion (mean >= 0.5) or blocker (mean <= -0.4) signal from sentiment over at
    least two utterances that carry sentiment words."""
    if texts_with_sentiment < 2:
        return None
    if sentiment >= 0.5:
        return RoleSignal("champion", _SENTIMENT, basis)
    if sentiment <= -0.4:
        return RoleSignal("blocker", _SENTIMENT, basis)
    return None


def suggest_role(signals: Sequence[RoleSignal]) -> tuple[MeddpiccRole, float, list[Evidence]]:
    """Suggest a MEDDPICC role, its confidence and the evidence behind it.

    Rule: every signal has a strength — a role phrase the person says of themself 0.85
    ("I sign off", "we decide", "I'll push this internally", "not convinced", "too
    expensive"); a role phrase in someone else's sentence that names them 0.75; a
    budget-holder title 0.7 (economic buyer); another senior title 0.6 (decision maker; see
    :func:`title_role`); a clearly positive or negative mean sentiment 0.35 (champion or
    blocker; see :func:`sentiment_signal`). The signals of one role combine as
    1 - prod(1 - strength), capped at 0.95, so two independent signals beat one; the
    strongest role wins (ties: blocker, economic buyer, decision maker, champion). Without
    any signal the suggestion is influencer with confidence 0.2 and no evidence of its own.
    """
    scores: dict[MeddpiccRole, float] = {}
    for role in _ROLE_ORDER:
        remaining = 1.0
        for signal in signals:
            if signal.role == role:
                remaining *= 1 - signal.strength
        if remaining < 1.0:
            scores[role] = min(_CONFIDENCE_CAP, 1 - remaining)
    if not scores:
        return "influencer", _DEFAULT_INFLUENCER, []
    best = max(_ROLE_ORDER, key=lambda r: (scores.get(r, 0.0), -_ROLE_ORDER.index(r)))
    evidence = [replace(s.evidence, kind="role") for s in signals if s.role == best]
    return best, round(scores[best], 3), evidence


# --------------------------------------------------------------------------- people


@dataclass
class _Claim:
    """A stated title or affiliation and how strongly the text states it."""

    value: str | None
    strength: float
    evidence: Evidence
    side: Side | None = None
    introducer: int | None = None  # set for "our ...": the person who said it


@dataclass
class _Person:
    """What the meeting says about one person, gathered before the result is built."""

    names: list[str]
    spoke: bool = False
    words: int = 0
    texts: list[str] = field(default_factory=list)
    titles: list[_Claim] = field(default_factory=list)
    affiliations: list[_Claim] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    signals: list[RoleSignal] = field(default_factory=list)
    mentions: int = 0
    label_roles: set[str] = field(default_factory=set)  # "chair" from "The Chair (Hon. X)"

    @property
    def name(self) -> str:
        return pick_display_name(self.names)


_MAX_MENTIONS = 3  # "mentioned" evidence kept per person
_STRENGTH = {
    "self": 0.9, "label": 0.9, "appositive": 0.85, "title_before": 0.8, "from": 0.85,
    "self_as": 0.85, "copula": 0.85,
}  # fmt: skip
_QUESTION_STRENGTH = 0.9
_NEXT_SPEAKER_STRENGTH = 0.5  # the announced name was not the person who then spoke
_OURS_STRENGTH = 0.7


def _find(people: list[_Person], name: str) -> int | None:
    """Index of the one person a full name refers to (None if nobody or ambiguous)."""
    found = [i for i, p in enumerate(people) if any(same_person(name, n) for n in p.names)]
    return found[0] if len(found) == 1 else None


def _resolve(
    people: list[_Person], reference: str, *, surname_first: bool = False, exclude: int = -1
) -> int | None:
    """Index of the one person a full or one-word reference means in this meeting."""
    tokens = name_tokens(reference)
    if len(tokens) > 1:
        index = _find(people, reference)
        if index is not None:
            return index
        # Within one meeting a looser match is safe ("Haendel St. Juste" announced,
        # "Haendel Emmanuel St" speaking) when it singles out one person.
        loose = {
            i
            for i, p in enumerate(people)
            if any(likely_same_in_meeting(reference, n) for n in p.names)
        }
        return loose.pop() if len(loose) == 1 else None
    if not tokens:
        return None
    position = -1 if surname_first else 0
    hits = {
        i
        for i, p in enumerate(people)
        if i != exclude
        for n in p.names
        if len(t := name_tokens(n)) > 1 and t[position] == tokens[0]
    }
    return hits.pop() if len(hits) == 1 else None


class _Known:
    """Callable: whether a name refers to a speaker of the meeting."""

    def __init__(self, people: list[_Person]) -> None:
        self._people = people

    def __call__(self, name: str) -> bool:
        return any(p.spoke and any(same_person(name, n) for n in p.names) for p in self._people)


class _Detector:
    """One meeting's detection state; see :func:`detect_stakeholders`."""

    def __init__(
        self,
        utterances: Sequence[Utterance],
        meeting: str,
        organisation: str | None,
        internal_people: Sequence[str],
        internal_organisation: str | None,
    ) -> None:
        self.utterances = list(utterances)
        self.meeting = meeting
        self.organisation = organisation
        self.internal_people = list(internal_people)
        self.internal_organisation = internal_organisation
        self.people: list[_Person] = []
        self.speaker_of: dict[int, int] = {}  # utterance index -> person index
        self.sentences = [
            _Sentence(i, u.speaker, u.start, s)
            for i, u in enumerate(self.utterances)
            for s in split_sentences(u.text)
        ]
        self.total_words = sum(len(u.text.split()) for u in self.utterances)
        self.known = _Known(self.people)

    def evidence(self, sentence: _Sentence, kind: EvidenceKind, at: int = 0) -> Evidence:
        """Evidence quoting ``sentence`` (around character ``at`` when it is long)."""
        return Evidence(
            self.meeting, sentence.speaker, sentence.start, _quote(sentence.text, at), kind
        )

    # ---- speakers

    def add_speakers(self) -> None:
        """A person per distinct speaker name; titles in labels become title claims."""
        role_labels: dict[int, str] = {}
        for index, utterance in enumerate(self.utterances):
            label = utterance.speaker.strip()
            if not looks_like_person(label):
                role = re.sub(r"(?i)^the\s+", "", label)
                if role and looks_like_title(role):
                    role_labels[index] = normalise_title(role).casefold()
                continue
            name, extras = split_label(label)
            person_index = _find(self.people, name)
            if person_index is None:
                self.people.append(_Person([name]))
                person_index = len(self.people) - 1
            person = self.people[person_index]
            if name not in person.names:
                person.names.append(name)
            self._label_titles(person, extras, utterance)
            self.speaker_of[index] = person_index
        self._merge_first_name_speakers()
        self._attribute_role_labels(role_labels)
        for index in sorted(self.speaker_of):
            self._count_speech(self.people[self.speaker_of[index]], index)

    def _label_titles(self, person: _Person, extras: list[str], utterance: Utterance) -> None:
        """ "(Minister of Finance)" in a label is a title; "(Calgary Nose Hill, CPC)" is not."""
        for extra in extras:
            if not looks_like_title(extra):
                continue
            title = normalise_title(extra)
            person.label_roles.add(title.casefold())
            if not any(c.value == title for c in person.titles):
                evidence = Evidence(
                    self.meeting, utterance.speaker, utterance.start, _quote(utterance.speaker),
                    "title",
                )  # fmt: skip
                person.titles.append(_Claim(title, _STRENGTH["label"], evidence))

    def _merge_first_name_speakers(self) -> None:
        """Fold a one-word speaker ("Rachel") into the one full-name speaker it fits."""
        for index, person in enumerate(self.people):
            if not person.names or len(name_tokens(person.name)) != 1:
                continue
            target = _resolve(self.people, person.name, exclude=index)
            if target is None:
                continue
            kept = self.people[target]
            kept.names.extend(person.names)
            kept.titles.extend(person.titles)
            kept.label_roles |= person.label_roles
            person.names = []
            for utterance, owner in self.speaker_of.items():
                if owner == index:
                    self.speaker_of[utterance] = target
        keep = [i for i, p in enumerate(self.people) if p.names]
        remap = {old: new for new, old in enumerate(keep)}
        self.people[:] = [self.people[i] for i in keep]
        self.speaker_of = {u: remap[p] for u, p in self.speaker_of.items()}

    def _attribute_role_labels(self, role_labels: dict[int, str]) -> None:
        """ "The Chair" speaks for the one person whose own label said "Chair"."""
        for index, role in role_labels.items():
            owners = [i for i, p in enumerate(self.people) if role in p.label_roles]
            if len(owners) == 1:
                self.speaker_of[index] = owners[0]

    def _count_speech(self, person: _Person, index: int) -> None:
        utterance = self.utterances[index]
        person.words += len(utterance.text.split())
        person.texts.append(utterance.text)
        if not person.spoke:
            person.spoke = True
            first = split_sentences(utterance.text)
            quote = _quote(first[0] if first else utterance.text)
            person.evidence.append(
                Evidence(self.meeting, utterance.speaker, utterance.start, quote, "spoke")
            )

    # ---- introductions

    def read_introductions(self) -> None:
        """Apply every introduction stated in the text to a speaker or a mentioned person."""
        for sentence in self.sentences:
            intros = [
                *_question_intros(sentence),
                *_self_intros(sentence, self.known),
                *_self_as_intros(sentence, self.known),
                *_appositive_intros(sentence, self.known),
                *_copula_intros(sentence, self.known),
                *_title_before_intros(sentence),
            ]
            for intro in intros:
                self._apply(intro)

    def _introducer(self, sentence: _Sentence) -> int | None:
        return self.speaker_of.get(sentence.utterance)

    def _next_speaker(self, utterance: int) -> int | None:
        for index in range(utterance + 1, len(self.utterances)):
            if index in self.speaker_of:
                return self.speaker_of[index]
        return None

    def _target(self, intro: _Intro) -> int | None:
        """The person an introduction is about. A full name that is nobody in the meeting
        becomes a mentioned person: the patterns that get here are strong ones."""
        speaker = self._introducer(intro.sentence)
        if intro.name is None:
            return speaker
        cleaned = clean_name(intro.name)
        if intro.kind == "self":
            if speaker is None:
                return None
            names = self.people[speaker].names
            fits = any(likely_same_in_meeting(cleaned, n) for n in names)
            one_word = len(name_tokens(cleaned)) == 1
            return speaker if fits or (one_word and _first_name_of(cleaned, names)) else None
        if intro.kind == "question":
            following = self._next_speaker(intro.sentence.utterance)
            if following is not None and any(
                likely_same_in_meeting(cleaned, n) for n in self.people[following].names
            ):
                return following
        index = _resolve(self.people, cleaned)
        if intro.kind == "copula":
            return index  # "X is our CFO" is too loose a pattern to create anybody
        if index is not None or len(cleaned.split()) < 2:
            return index  # a single word ("Budget-wise, our CFO, ...") never creates a person
        self.people.append(_Person([cleaned]))
        return len(self.people) - 1

    def _apply(self, intro: _Intro) -> None:
        target = self._target(intro)
        if target is None:
            return
        if intro.title:
            title, organisation = self._split_organisation(intro.title)
            intro = replace(intro, title=title, organisation=intro.organisation or organisation)
        person = self.people[target]
        introducer = self._introducer(intro.sentence)
        if intro.title:
            evidence = self.evidence(intro.sentence, "title", intro.at)
            person.titles.append(_Claim(intro.title, _STRENGTH[intro.kind], evidence))
        self._apply_affiliation(person, intro, introducer)
        if not person.spoke and target != introducer and person.mentions < _MAX_MENTIONS:
            person.mentions += 1
            person.evidence.append(self.evidence(intro.sentence, "mentioned", intro.at))

    def _split_organisation(self, title: str) -> tuple[str, str | None]:
        """ "Chief Information Officer for WA Health" -> ("Chief Information Officer", "WA
        Health") when the tail names the customer or us. A one-word tail stays: in "Minister
        for Education" it is the portfolio, whatever the meeting is called."""
        for match in reversed(list(re.finditer(r"\s+(?:for|of|at)\s+(?:the\s+)?", title))):
            head, tail = title[: match.start()], title[match.end() :]
            if not tail[:1].isupper() or len(_org_tokens(tail)) < 2 or not looks_like_title(head):
                continue
            if self._side_of_organisation(tail) is not None:
                return head, tail
        return title, None

    def _apply_affiliation(self, person: _Person, intro: _Intro, introducer: int | None) -> None:
        evidence = self.evidence(intro.sentence, "affiliation", intro.at)
        if intro.kind == "question":
            # A host announcing a caller, or any announcement naming a firm, is a third
            # party; a chair calling on a member ("questions from Hefin David") is not.
            if intro.organisation or introducer is None:
                claim = _Claim(intro.organisation, _QUESTION_STRENGTH, evidence, "third_party")
                person.affiliations.append(claim)
                self._question_fallback(intro, claim)
            return
        if intro.organisation and not _possessive(intro):
            side = self._side_of_organisation(intro.organisation) or "third_party"
            person.affiliations.append(
                _Claim(intro.organisation, _STRENGTH[intro.kind], evidence, side)
            )
            return
        if intro.ours and introducer is not None:
            person.affiliations.append(
                _Claim(None, _OURS_STRENGTH, evidence, None, introducer=introducer)
            )

    def _question_fallback(self, intro: _Intro, claim: _Claim) -> None:
        """Whoever speaks right after a question is announced asked it: when the announced
        name is not theirs (a colleague dialled in), they still get its firm, more weakly."""
        following = self._next_speaker(intro.sentence.utterance)
        if following is None or intro.name is None:
            return
        first_turn = min(u for u, p in self.speaker_of.items() if p == following)
        if first_turn < intro.sentence.utterance:
            return  # someone who spoke before (the host taking the floor back) is no caller
        person = self.people[following]
        if any(likely_same_in_meeting(clean_name(intro.name), n) for n in person.names):
            return
        if not person.affiliations:
            person.affiliations.append(replace(claim, strength=_NEXT_SPEAKER_STRENGTH))

    def _side_of_organisation(self, organisation: str) -> Side | None:
        if self.organisation and same_organisation(organisation, self.organisation):
            return "customer"
        if self.internal_organisation and same_organisation(
            organisation, self.internal_organisation
        ):
            return "internal"
        return None

    # ---- mentions and roles

    def read_mentions_and_roles(self) -> None:
        """Name, first-name and "Mr. Surname" mentions as evidence; role phrases as signals."""
        utterance = -1
        recent: int | None = None  # the last person named in this utterance ("he", "she")
        for sentence in self.sentences:
            if sentence.utterance != utterance:
                utterance, recent = sentence.utterance, None
            references = self._references(sentence)
            speaker = self.speaker_of.get(sentence.utterance)
            seen: set[int] = set()
            for ref in references:
                person = self.people[ref.person]
                if ref.person in seen or ref.person == speaker:
                    continue
                seen.add(ref.person)
                if person.mentions < _MAX_MENTIONS:
                    person.mentions += 1
                    person.evidence.append(self.evidence(sentence, "mentioned", ref.start))
            self._role_phrases(sentence, speaker, references, recent)
            named = [r.person for r in references if not r.vocative and r.person != speaker]
            recent = named[-1] if named else recent

    def _references(self, sentence: _Sentence) -> list[_Reference]:
        """People a sentence names, in order: full names, unique first names, "Mr. Surname"."""
        found: list[_Reference] = []
        for span in find_names(sentence.text, allow_single=True):
            honorific = _is_honorific(span.name.split()[0]) and len(span.name.split()) == 2
            index = _resolve(self.people, clean_name(span.name), surname_first=honorific)
            if index is not None:
                vocative = _is_vocative(sentence.text, span.start, span.end)
                found.append(_Reference(index, span.start, span.end, vocative))
        return found

    def _role_phrases(
        self,
        sentence: _Sentence,
        speaker: int | None,
        references: list[_Reference],
        recent: int | None,
    ) -> None:
        """Each role phrase goes to the person it is about (see :func:`_phrase_target`): the
        speaker for "I"/"we", the person named or meant by "he"/"she", nobody for "they", "our
        engineering lead's sign-off" or a negated phrase."""
        text = sentence.text
        subjects = _subjects(text, references, speaker, recent)
        for role, patterns in _ROLE_PHRASES.items():
            given: set[int] = set()
            for pattern in patterns:
                for match in pattern.finditer(text):
                    target = _phrase_target(
                        text, match, role, speaker, references, subjects, recent
                    )
                    if target is None or target in given:
                        continue
                    given.add(target)
                    strength = _PHRASE_SELF if target == speaker else _PHRASE_NAMED
                    evidence = self.evidence(sentence, "role", match.start())
                    self.people[target].signals.append(RoleSignal(role, strength, evidence))

    # ---- results

    def _side(self, index: int, depth: int = 0) -> tuple[Side, str | None, list[Evidence]]:
        """Side, organisation and the evidence for them; "our ..." follows the introducer."""
        person = self.people[index]
        if any(same_person(n, staff) for n in person.names for staff in self.internal_people):
            basis = [replace(e, kind="affiliation") for e in person.evidence[:1]]
            return "internal", self.internal_organisation, basis
        for claim in sorted(person.affiliations, key=lambda c: -c.strength):
            if claim.side == "customer":
                return "customer", self.organisation or claim.value, [claim.evidence]
            if claim.side == "internal":
                return "internal", self.internal_organisation or claim.value, [claim.evidence]
            if claim.side == "third_party":
                return "third_party", claim.value, [claim.evidence]
            if claim.introducer is not None and claim.introducer != index and depth == 0:
                side, organisation, _ = self._side(claim.introducer, depth + 1)
                return side, organisation, [claim.evidence]
        # Nobody said otherwise: a participant of a meeting with the customer is the customer.
        basis = [replace(e, kind="affiliation") for e in person.evidence[:1]]
        return "customer", self.organisation, basis

    def _title(self, person: _Person) -> tuple[str | None, list[Evidence]]:
        """The stated title that names the most offices (then the most explicit)."""
        if not person.titles:
            return None, []
        best = max(person.titles, key=lambda c: (len(title_offices(c.value or "")), c.strength))
        return best.value, [best.evidence]

    def results(self) -> list[DetectedPerson]:
        """The detected people: speakers by talk share, then mentioned people."""
        detected = [self._result(i, p) for i, p in enumerate(self.people)]
        return sorted(detected, key=lambda p: (not p.spoke, -p.talk_share, p.name))

    def _result(self, index: int, person: _Person) -> DetectedPerson:
        title, title_evidence = self._title(person)
        side, organisation, side_evidence = self._side(index)
        sentiment = sentiment_score(person.texts)
        signals = list(person.signals)
        suggested = title_role(title) if title else None
        if suggested is not None:
            signals.append(RoleSignal(suggested[0], suggested[1], title_evidence[0]))
        carrying = sum(1 for t in person.texts if sum(sentiment_counts(t)))
        sentiment_basis = self._sentiment_basis(person)
        if sentiment_basis is not None:
            from_sentiment = sentiment_signal(sentiment, carrying, sentiment_basis)
            if from_sentiment is not None:
                signals.append(from_sentiment)
        role: MeddpiccRole | None
        role, confidence, role_evidence = suggest_role(signals)
        if side == "internal":  # MEDDPICC describes the customer's buying group, not us
            role, confidence, role_evidence = None, 0.0, []
        elif not role_evidence:  # the default suggestion rests on their taking part at all
            role_evidence = [replace(e, kind="role") for e in person.evidence[:1]]
        evidence = _dedupe([*person.evidence, *title_evidence, *side_evidence, *role_evidence])
        share = person.words / self.total_words if self.total_words else 0.0
        return DetectedPerson(
            name=person.name,
            title=title,
            organisation=organisation,
            side=side,
            meddpicc_role=role,
            confidence=confidence,
            spoke=person.spoke,
            talk_share=round(share, 4),
            sentiment=sentiment,
            evidence=tuple(evidence),
        )

    def _sentiment_basis(self, person: _Person) -> Evidence | None:
        """Their most strongly worded sentence, quoted for a sentiment-based role."""
        best: tuple[int, _Sentence] | None = None
        for sentence in self.sentences:
            if self.speaker_of.get(sentence.utterance) is None:
                continue
            if self.people[self.speaker_of[sentence.utterance]] is not person:
                continue
            positive, negative = sentiment_counts(sentence.text)
            weight = abs(positive - negative)
            if weight and (best is None or weight > best[0]):
                best = (weight, sentence)
        return self.evidence(best[1], "role") if best else None


# ---- who a role phrase is about


@dataclass(frozen=True, slots=True)
class _Reference:
    """A person named in a sentence; ``vocative`` when they are spoken to ("Thanks, Tracey")."""

    person: int
    start: int
    end: int
    vocative: bool


_GREETING_END = re.compile(
    r"(?i)\b(?:thanks|thank\s+you|cheers|hi|hello|hey|morning|afternoon|evening|welcome"
    r"|sorry|bye)\s*$"
)


def _is_vocative(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` is the person spoken to ("Thanks, Tracey.",
    "Helen, I'd just say ...", "... internally, Tracey, but ..."), not one spoken about. A
    title beside it makes it an appositive ("our CFO, Mark Tan, signs off")."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    opened = not before or before.endswith(",") or bool(_GREETING_END.search(before))
    closed = not after or after[0] in ",.!?;:"
    if not (opened and closed):
        return False
    if before.endswith(","):
        segment = re.split(r"[,;:]", before[:-1])[-1].strip()
        if len(segment.split()) <= 6 and looks_like_title(segment):
            return False  # "our CFO, Mark Tan, ..."
    if after.startswith(","):
        segment = re.split(r"[,;:]", after[1:])[0]
        if read_title(segment) is not None:
            return False  # "Mark Tan, our CFO, ..."
    return True


# Words that stand for a person in a sentence. First person is the speaker; "he"/"she" the
# person named last; "you" the person spoken to; "they" nobody in particular.
_PRONOUN = re.compile(
    r"\b(?:(?P<first>I|I['\u2019](?:m|ll|ve|d)|(?i:me|mine|myself|we|we['\u2019](?:re|ll|ve|d)"
    r"|us|ours))|(?P<third>(?i:he|he['\u2019](?:s|ll|d)|she|she['\u2019](?:s|ll|d)|him))"
    r"|(?P<second>(?i:you|you['\u2019](?:re|ll|ve|d)))|(?P<plural>(?i:they|they['\u2019](?:re|ll|ve|d)"
    r"|them)))\b"
)
_FIRST_IN = re.compile(r"\b(?:I|(?i:I['\u2019]ll|me|my|mine|we|our|us))\b")
_THIRD_IN = re.compile(r"(?i)\b(?:his|her|him)\b")
# A possessive just before a phrase names whose it is: "my sign-off", "Mark's sign-off",
# "our engineering lead's sign-off".
_POSSESSOR = re.compile(
    r"(?:\b(?P<det>(?i:my|our|his|her|their|your|its))"
    r"|(?P<owner>(?:\b(?i:the|our|their|your|my|his|her)\s+(?:[\w-]+\s+){0,2}[\w-]+"
    r"|\b[A-Z][\w-]*))['\u2019]s)\s+$"
)
_CONTRACTIONS = frozenset(
    {"it", "that", "there", "what", "he", "she", "who", "here", "let", "this", "where", "how"}
)
# "needs sign-off", "waiting for the final approval": someone else's act, not the subject's.
_NEEDED = re.compile(
    r"(?i)\b(?:need|needs|needed|needing|require|requires|required|get|gets|getting|got"
    r"|seek|seeking|await|awaiting|want|wants|wanted|waiting\s+(?:for|on))\s+"
    r"(?:(?:the|a|an|their|his|her|its|final|formal|written)\s+)*$"
)
_NEGATED = re.compile(r"(?i)(?:\b(?:not|never|cannot)|n['\u2019]t)\s+(?:[\w'\u2019-]+\s+){0,2}$")
_NOT_MINE = re.compile(
    r"(?i)^\s*(?:[\w-]+\s+){0,3}?(?:above|beyond|outside|over)\s+(?:my|our)\s+"
    r"(?:delegation|delegated|authority|limit|level|remit|pay\s+grade)"
)


def _antecedent(references: list[_Reference], at: int, recent: int | None) -> int | None:
    """Who "he"/"she" at ``at`` means: the last person named before it (not spoken to)."""
    named = [r.person for r in references if r.end <= at and not r.vocative]
    return named[-1] if named else recent


def _subjects(
    text: str, references: list[_Reference], speaker: int | None, recent: int | None
) -> list[tuple[int, int | None]]:
    """Positions of the words that stand for a person, and the person (None: nobody known)."""
    found: list[tuple[int, int | None]] = [
        (r.start, r.person) for r in references if not r.vocative
    ]
    addressee = next((r.person for r in references if r.vocative), None)
    for match in _PRONOUN.finditer(text):
        if match.group(0) == "US":
            continue
        if match.group("first"):
            found.append((match.start(), speaker))
        elif match.group("third"):
            found.append((match.start(), _antecedent(references, match.start(), recent)))
        elif match.group("second"):
            found.append((match.start(), addressee))
        else:
            found.append((match.start(), None))
    return sorted(found, key=lambda item: item[0])


def _phrase_target(
    text: str,
    match: re.Match[str],
    role: MeddpiccRole,
    speaker: int | None,
    references: list[_Reference],
    subjects: list[tuple[int, int | None]],
    recent: int | None,
) -> int | None:
    """The person a role phrase is about, or None.

    In order: a person word inside the phrase ("my budget", "the decision is mine", "out of
    his budget"); a possessive just before it ("Mark's sign-off"; "our engineering lead's
    sign-off" is nobody's here); the nearest person word before it ("Paul has the final say",
    "before he signs off", "I'm happy to go in to bat for this, Tracey": a name spoken to is
    no subject), else after it ("Too expensive, I think"). A phrase with no person word at all
    is the speaker's only for a stance (champion, blocker). Budget and decision phrases that
    are negated ("I'm not the decision maker"), needed ("needs sign-off") or out of reach
    ("sign-off above my delegation") give nothing to whoever would lack it.
    """
    before, after = text[: match.start()], text[match.end() :]
    if role not in _STANCES and (_NEGATED.search(before) or _NOT_MINE.match(after)):
        return None
    # Person words inside the phrase, but not in the object of "final say on our budget".
    inside = re.sub(r"(?i)^(final say)\s+(?:on|over)\b.*", r"\1", match.group(0))
    if _FIRST_IN.search(inside):
        return speaker
    if _THIRD_IN.search(inside):
        return _antecedent(references, match.start(), recent)
    possessor = _POSSESSOR.search(before)
    if possessor is not None:
        determiner = (possessor.group("det") or "").casefold()
        owner = possessor.group("owner")
        if determiner in {"my", "our"}:
            return speaker
        if determiner in {"his", "her"}:
            return _antecedent(references, possessor.start(), recent)
        if determiner:
            return None  # "their", "your", "its"
        if owner is not None and owner.split()[-1].casefold() not in _CONTRACTIONS:
            end = possessor.start("owner") + len(owner)
            return next((r.person for r in references if r.end == end), None)
    earlier = [s for s in subjects if s[0] < match.start()]
    if earlier and not _NEEDED.search(before):
        return earlier[-1][1]
    later = [s for s in subjects if s[0] >= match.end()]
    if later:
        return later[0][1]
    if earlier:
        return None
    return speaker if role in _STANCES else None


def _first_name_of(word: str, names: Sequence[str]) -> bool:
    """Whether a one-word name is the first name of one of ``names``."""
    return any(name_tokens(n)[:1] == name_tokens(word) for n in names)


def _possessive(intro: _Intro) -> bool:
    """Whether the organisation came from "X's TITLE" (which names, not changes, a side)."""
    if not intro.organisation:
        return False
    after = intro.sentence.text[intro.at :]
    return bool(re.search(re.escape(intro.organisation) + r"['\u2019]s", after))


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[Evidence] = set()
    kept: list[Evidence] = []
    for item in evidence:
        if item not in seen:
            seen.add(item)
            kept.append(item)
    return kept


_ORG_SUFFIXES = frozenset(
    {
        "inc", "ltd", "llc", "plc", "corp", "corporation", "company", "co", "group", "the",
        "pty", "limited", "holdings", "l.l.c", "incorporated",
    }
)  # fmt: skip


def _org_tokens(name: str) -> list[str]:
    tokens = re.sub(r"[^\w\s&-]", " ", fold(name)).replace("-", " ").split()
    return [t for t in tokens if t not in _ORG_SUFFIXES]


def same_organisation(a: str, b: str) -> bool:
    """Whether two organisation names are the same organisation: equal without legal
    suffixes, one contained in the other ("Barwon Health" / "Barwon Health Services"), one
    the other's initials ("AAT" / "American Assets Trust") or its prefix ("IDA" /
    "IDACORP")."""
    ta, tb = _org_tokens(a), _org_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    shorter, longer = sorted((ta, tb), key=len)
    if any(longer[i : i + len(shorter)] == shorter for i in range(len(longer) - len(shorter) + 1)):
        return True
    initials = "".join(t[0] for t in longer if t not in {"of", "and", "&", "for"})
    joined = "".join(shorter)
    if len(shorter) == 1 and len(joined) >= 2 and joined == initials:
        return True
    return len(shorter) == 1 and len(joined) >= 3 and "".join(longer).startswith(joined)


def detect_stakeholders(
    utterances: Sequence[Utterance],
    *,
    meeting: str,
    organisation: str | None,
    internal_people: Sequence[str] = (),
    internal_organisation: str | None = None,
) -> list[DetectedPerson]:
    """Detect the people of one meeting, with title, side, MEDDPICC role and evidence.

    ``organisation`` is the customer's name; ``internal_people`` are our own staff's full
    names and ``internal_organisation`` our name. Deterministic: the same utterances give the
    same result. See the module docstring for the rules.
    """
    detector = _Detector(utterances, meeting, organisation, internal_people, internal_organisation)
    detector.add_speakers()
    detector.read_introductions()
    detector.read_mentions_and_roles()
    return detector.results()
