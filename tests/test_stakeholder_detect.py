"""Deterministic stakeholder detection: names, titles, sides, roles, evidence, and the eval."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals import stakeholder_data
from evals import stakeholders as stakeholder_eval
from ingest.stakeholders.detect import (
    DetectedPerson,
    detect_stakeholders,
    same_organisation,
    sentiment_counts,
    sentiment_score,
    split_sentences,
    title_role,
)
from ingest.stakeholders.names import (
    clean_name,
    looks_like_person,
    name_key,
    resolve_reference,
    same_person,
)
from ingest.stakeholders.titles import (
    looks_like_title,
    normalise_title,
    read_title,
    title_offices,
    titles_match,
)
from ingest.transcripts.formats import parse_transcript, read_transcript
from ingest.transcripts.model import Utterance

U = Utterance

# A customer meeting with a health service, written for these tests.
HEALTH_MEETING = (
    U(
        "Anu Pradhan",
        "Thanks everyone for joining. I'm Anu Pradhan, the client account manager for Barwon "
        "Health, and Tracey Bland is on the line from our side.",
        0.0,
        11.0,
    ),
    U(
        "Dr Rachel Bowen",
        "Thanks Anu. I'm Dr Rachel Bowen, Chief Medical Officer at Barwon Health. I'm a big "
        "supporter of this rollout and I'll push this internally with the executive.",
        12.5,
        28.0,
    ),
    U(
        "Dr Rachel Bowen",
        "Budget-wise, our CFO, Mark Tan, signs off anything over 200k, so he needs the "
        "business case. We've also asked Sam Okafor from KPMG to review it.",
        29.0,
        41.0,
    ),
    U(
        "Sam Okafor",
        "I'm not convinced the savings are realistic. Frankly it's too expensive, and we'll "
        "look at alternatives before we recommend anything.",
        42.0,
        55.0,
    ),
    U(
        "Rachel Bowen",
        "Sam, I hear you, but the clinicians are really happy with the pilot and the results "
        "are excellent.",
        56.0,
        63.0,
    ),
    U("Unknown", "Sorry, who just joined?", 64.0, 65.0),
    U(
        "Tracey Bland",
        "Thank you, Rachel. We can share the pilot results with Mark before he signs off.",
        66.0,
        72.0,
    ),
    U(
        "Liam Ng",
        "I'm the CIO, and we decide on the integration approach after the evaluation. The "
        "interfaces worry me a little.",
        73.0,
        82.0,
    ),
    U("Speaker 2", "Hello? Can you hear me?", 83.0, 84.0),
    U("Rachel", "Great. I'll make the case to the executive on Thursday.", 85.0, 89.0),
)
STAFF = ("Anu Pradhan", "Tracey Bland")


@pytest.fixture(scope="module")
def people() -> dict[str, DetectedPerson]:
    detected = detect_stakeholders(
        HEALTH_MEETING,
        meeting="barwon-qbr",
        organisation="Barwon Health",
        internal_people=STAFF,
        internal_organisation="Northwind",
    )
    return {p.name: p for p in detected}


def kinds(person: DetectedPerson) -> set[str]:
    return {e.kind for e in person.evidence}


# --------------------------------------------------------------------------- detection


def test_people_found_and_non_people_ignored(people: dict[str, DetectedPerson]) -> None:
    assert set(people) == {
        "Rachel Bowen",
        "Anu Pradhan",
        "Sam Okafor",
        "Liam Ng",
        "Tracey Bland",
        "Mark Tan",
    }
    assert not any("Unknown" in n or "Speaker" in n for n in people)


def test_label_variants_merge_into_one_person(people: dict[str, DetectedPerson]) -> None:
    rachel = people["Rachel Bowen"]
    spoken = [e for e in rachel.evidence if e.kind in {"spoke", "role"}]
    assert {e.speaker for e in spoken} == {"Dr Rachel Bowen", "Rachel Bowen", "Rachel"}
    words = sum(
        len(u.text.split())
        for u in HEALTH_MEETING
        if u.speaker in {"Dr Rachel Bowen", "Rachel Bowen", "Rachel"}
    )
    total = sum(len(u.text.split()) for u in HEALTH_MEETING)
    assert rachel.talk_share == pytest.approx(words / total, abs=1e-4)


def test_self_introduction_gives_title_and_customer_side(
    people: dict[str, DetectedPerson],
) -> None:
    rachel = people["Rachel Bowen"]
    assert rachel.title == "Chief Medical Officer"
    assert (rachel.side, rachel.organisation) == ("customer", "Barwon Health")
    title = next(e for e in rachel.evidence if e.kind == "title")
    assert title.quote == "I'm Dr Rachel Bowen, Chief Medical Officer at Barwon Health."
    assert (title.speaker, title.start, title.meeting) == ("Dr Rachel Bowen", 12.5, "barwon-qbr")


def test_mentioned_cfo_is_economic_buyer_with_evidence(people: dict[str, DetectedPerson]) -> None:
    mark = people["Mark Tan"]
    assert not mark.spoke
    assert mark.talk_share == 0.0
    assert mark.sentiment == 0.0
    assert mark.title == "Chief Financial Officer"
    assert (mark.side, mark.organisation) == ("customer", "Barwon Health")
    assert mark.meddpicc_role == "economic_buyer"
    assert mark.confidence >= 0.9  # title + two sentences saying he signs off
    quotes = {e.quote for e in mark.evidence if e.kind == "role"}
    assert any("signs off anything over 200k" in q for q in quotes)
    assert any(e.start == 66.0 for e in mark.evidence if e.kind == "role")  # "Mark" alone


def test_champion_from_advocacy(people: dict[str, DetectedPerson]) -> None:
    rachel = people["Rachel Bowen"]
    assert rachel.meddpicc_role == "champion"
    assert rachel.confidence >= 0.85
    assert rachel.sentiment > 0.5
    role_quotes = [e.quote for e in rachel.evidence if e.kind == "role"]
    assert any("push this internally" in q for q in role_quotes)
    assert any(e.start == 85.0 for e in rachel.evidence if e.kind == "role")  # "Rachel" label


def test_third_party_blocker_from_kpmg(people: dict[str, DetectedPerson]) -> None:
    sam = people["Sam Okafor"]
    assert (sam.side, sam.organisation) == ("third_party", "KPMG")
    assert sam.meddpicc_role == "blocker"
    assert sam.sentiment < 0
    affiliation = next(e for e in sam.evidence if e.kind == "affiliation")
    assert "Sam Okafor from KPMG" in affiliation.quote
    assert affiliation.speaker == "Dr Rachel Bowen"
    role = [e for e in sam.evidence if e.kind == "role"]
    assert {e.start for e in role} == {42.0}
    assert any("not convinced" in e.quote for e in role)


def test_decision_maker_from_title_and_words(people: dict[str, DetectedPerson]) -> None:
    liam = people["Liam Ng"]
    assert liam.title == "Chief Information Officer"
    assert liam.meddpicc_role == "decision_maker"
    assert liam.side == "customer"


def test_internal_staff(people: dict[str, DetectedPerson]) -> None:
    for name in STAFF:
        person = people[name]
        assert (person.side, person.organisation) == ("internal", "Northwind")
        # MEDDPICC describes the customer's buying group: our staff get no role at all.
        assert (person.meddpicc_role, person.confidence) == (None, 0.0)
        assert "role" not in kinds(person)


def test_first_name_reference_adds_evidence_only(people: dict[str, DetectedPerson]) -> None:
    anu = people["Anu Pradhan"]
    mention = [e for e in anu.evidence if e.kind == "mentioned"]
    assert any(e.quote == "Thanks Anu." and e.speaker == "Dr Rachel Bowen" for e in mention)


def test_every_claim_has_short_evidence(people: dict[str, DetectedPerson]) -> None:
    for person in people.values():
        assert "affiliation" in kinds(person)
        assert ("role" in kinds(person)) == (person.side != "internal")
        assert ("spoke" in kinds(person)) == person.spoke
        assert (person.title is not None) <= ("title" in kinds(person))
        assert all(0 < len(e.quote) <= 200 for e in person.evidence)
        assert 0.0 <= person.confidence <= 1.0
        assert -1.0 <= person.sentiment <= 1.0


def test_talk_share_sums_to_one_over_speakers() -> None:
    meeting = [u for u in HEALTH_MEETING if u.speaker not in {"Unknown", "Speaker 2"}]
    detected = detect_stakeholders(meeting, meeting="m", organisation="Barwon Health")
    assert sum(p.talk_share for p in detected) == pytest.approx(1.0, abs=1e-3)


def test_deterministic() -> None:
    first = detect_stakeholders(HEALTH_MEETING, meeting="m", organisation="Barwon Health")
    again = detect_stakeholders(HEALTH_MEETING, meeting="m", organisation="Barwon Health")
    assert first == again


def test_committee_labels_merge_and_give_titles() -> None:
    meeting = [
        U("The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))", "Order, please.", 0.0),
        U("The Chair", "We'll go to Mr. Bezan.", 5.0),
        U("Mr. James Bezan (SelkirkInterlakeEastman, CPC)", "Thank you, Mr. Chair.", 9.0),
        U("Hon. Bill Blair (Minister of Public Safety and Emergency Preparedness)", "Yes.", 12.0),
        U("Hon. Bill Blair", "The answer is no.", 15.0),
        U("Committee Clerk", "The motion is carried.", 18.0),
    ]
    detected = {p.name: p for p in detect_stakeholders(meeting, meeting="c", organisation="C")}
    assert set(detected) == {"Anthony Rota", "James Bezan", "Bill Blair"}
    assert detected["Bill Blair"].title == "Minister of Public Safety and Emergency Preparedness"
    assert detected["James Bezan"].title is None  # a riding is no title
    assert detected["Anthony Rota"].title == "Chair"
    # "The Chair" speaks for Anthony Rota, the one person whose label named that role.
    words = {u.speaker: len(u.text.split()) for u in meeting}
    chair = words[meeting[0].speaker] + words["The Chair"]
    assert detected["Anthony Rota"].talk_share == pytest.approx(chair / sum(words.values()))
    assert any(e.kind == "mentioned" and e.start == 5.0 for e in detected["James Bezan"].evidence)


def test_earnings_call_introductions() -> None:
    meeting = [
        U(
            "Operator",
            "Welcome. I would now like to hand the conference over to your speaker today, Adam "
            "Wyll, EVP and COO. Please go ahead, sir.",
        ),
        U(
            "Adam Wyll",
            "Joining me today are Ernest Rady, our Chairman, President and CEO; and Robert "
            "Barton, our CFO. With that, I'll turn the call over to Ernest.",
        ),
        U("Ernest S. Rady", "Thank you, Adam. It was a good quarter."),
        U("Operator", "Our first question comes from Craig Schmidt from Bank of America."),
        U("Craig Richard Schmidt", "Thank you. How is leasing going?"),
        U("Robert Barton", "Very well, Craig."),
        U("Operator", "Our next question comes from the line of Todd Thomas with KeyBanc."),
        U("Duration: 40 minutes", "Ladies and gentlemen, this concludes the call."),
    ]
    detected = {p.name: p for p in detect_stakeholders(meeting, meeting="e", organisation="AAT")}
    assert set(detected) == {
        "Adam Wyll",
        "Ernest S. Rady",
        "Robert Barton",
        "Craig Richard Schmidt",
        "Todd Thomas",
    }
    assert detected["Adam Wyll"].title == "Executive Vice President and Chief Operating Officer"
    assert title_offices(detected["Ernest S. Rady"].title or "") == {
        "chairman",
        "president",
        "chief executive officer",
    }
    assert detected["Robert Barton"].title == "Chief Financial Officer"
    assert detected["Robert Barton"].meddpicc_role == "economic_buyer"
    craig = detected["Craig Richard Schmidt"]
    assert (craig.side, craig.organisation) == ("third_party", "Bank of America")
    todd = detected["Todd Thomas"]
    assert (todd.spoke, todd.side, todd.organisation) == (False, "third_party", "KeyBanc")
    for insider in ("Adam Wyll", "Ernest S. Rady", "Robert Barton"):
        assert detected[insider].side == "customer"


# --------------------------------------------------------------------------- titles said in passing


def detect(
    meeting: list[Utterance],
    *,
    organisation: str = "Riverside Health",
    internal_organisation: str | None = "Northwind",
) -> dict[str, DetectedPerson]:
    """People of a meeting with a customer (our staff: Olivia Grant of Northwind)."""
    detected = detect_stakeholders(
        meeting,
        meeting="t",
        organisation=organisation,
        internal_people=("Olivia Grant",),
        internal_organisation=internal_organisation,
    )
    return {p.name: p for p in detected}


def test_first_name_statement_gives_a_participant_their_title() -> None:
    people = detect(
        [
            U("Olivia Grant", "Good morning. Before we start, Marta is your new COO, I hear?"),
            U("Nils Berg", "She is. Marta is our new COO as of this week."),
            U("Marta Quill", "Hello both."),
        ]
    )
    marta = people["Marta Quill"]
    assert marta.title == "Chief Operating Officer"
    assert any(e.kind == "title" and "Marta is" in e.quote for e in marta.evidence)
    assert marta.side == "customer"
    # The pattern is loose, so it only ever names somebody already in the meeting.
    unknown = detect([U("Nils Berg", "Zara is our new CFO."), U("Olivia Grant", "Welcome.")])
    assert set(unknown) == {"Nils Berg", "Olivia Grant"}


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("Hi all. I joined as CFO three weeks ago, so bear with me.", "Chief Financial Officer"),
        ("I came on board as Director of Finance last month.", "Director of Finance"),
        ("I'm Ben Okoro, I run IT as CTO for Riverside Health.", "Chief Technology Officer"),
        ("In my role as Head of Digital I see every ticket.", "Head of Digital"),
    ],
)
def test_self_statements_with_as_give_the_speaker_a_title(sentence: str, title: str) -> None:
    person = detect([U("Ben Okoro", sentence), U("Olivia Grant", "Thanks, Ben.")])["Ben Okoro"]
    assert person.title == title
    assert (person.side, person.organisation) == ("customer", "Riverside Health")


def test_past_roles_with_as_are_no_title() -> None:
    person = detect([U("Ben Okoro", "Years ago I served as CFO of a bank.")])["Ben Okoro"]
    assert person.title is None


def test_customer_named_after_a_title_is_the_affiliation() -> None:
    people = detect(
        [
            U("Dana Lee", "I'm Dana Lee, Executive Director of Operations for Riverside Health."),
            U("Ivo Tan", "Ivo Tan, Head of Data at Riverside Health Network."),
        ],
        organisation="Riverside Health Network",
    )
    assert people["Dana Lee"].title == "Executive Director of Operations"
    assert people["Dana Lee"].organisation == "Riverside Health Network"
    assert people["Ivo Tan"].title == "Head of Data"
    # A one-word tail is a portfolio, even when the organisation's name contains it.
    minister = detect(
        [U("Kirsty Jones", "I'm Kirsty Jones, Minister for Education.")],
        organisation="Education Committee",
    )
    assert minister["Kirsty Jones"].title == "Minister for Education"


# --------------------------------------------------------------------------- roles


def test_stated_advocacy_outranks_a_role_from_the_title() -> None:
    people = detect(
        [
            U("Sam Hart", "I'm Sam Hart, CIO. Honestly, I'm sold on it."),
            U("Olivia Grant", "Good to hear."),
            U("Sam Hart", "I'll bring this to the finance committee myself after Easter."),
            U("Rita Moss", "I'm Rita Moss, Chief Digital Officer."),
            U("Rita Moss", "I'd go into bat for it with the board, Olivia, if the pilot holds up."),
        ]
    )
    for name in ("Sam Hart", "Rita Moss"):
        person = people[name]
        assert person.meddpicc_role == "champion", name
        assert person.confidence >= 0.85
    sam_quotes = [e.quote for e in people["Sam Hart"].evidence if e.kind == "role"]
    assert any("finance committee myself" in q for q in sam_quotes)
    assert any("sold on it" in q for q in sam_quotes)
    # The person spoken to ("..., Olivia, ...") is not the one who will go into bat.
    assert people["Olivia Grant"].meddpicc_role is None


def test_advocacy_about_a_named_colleague_goes_to_them() -> None:
    people = detect(
        [
            U("Nils Berg", "Priti will take it to the executive on Friday, she's our sponsor."),
            U("Priti Shah", "Happy to."),
        ]
    )
    assert people["Priti Shah"].meddpicc_role == "champion"
    assert people["Nils Berg"].meddpicc_role == "influencer"


def test_phrases_about_someone_else_are_not_the_speakers() -> None:
    people = detect(
        [
            U("Olivia Grant", "You'll get the design with our architect's sign-off, Priti."),
            U("Priti Shah", "I'm Priti Shah, Contracts Manager."),
            U("Priti Shah", "A five-year deal goes to sign-off beyond my delegated authority."),
            U("Priti Shah", "And anything unbudgeted needs final approval from the board."),
            U("Priti Shah", "They tell me they're not convinced, but that's their view."),
        ]
    )
    priti = people["Priti Shah"]
    assert (priti.meddpicc_role, priti.confidence) == ("influencer", 0.2)
    assert people["Olivia Grant"].meddpicc_role is None


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Leo has the final say on anything to do with the network.", "decision_maker"),
        ("Leo has the final say over clinical system changes.", "decision_maker"),
        ("Leo has the final say on the budget for this.", "economic_buyer"),
        ("Leo has the final say on our contracts.", "economic_buyer"),
        ("Leo has the final say, always.", "economic_buyer"),
        ("Leo makes the call on renewals, and I run the paperwork.", "decision_maker"),
        ("Funding for this sits with Leo's team, but Leo approves the spend.", "economic_buyer"),
    ],
)
def test_final_say_and_decisions_named(sentence: str, role: str) -> None:
    people = detect([U("Nils Berg", sentence), U("Leo Marsh", "That's right.")])
    assert people["Leo Marsh"].meddpicc_role == role
    assert people["Nils Berg"].meddpicc_role == "influencer"


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("To be clear, the call on the upgrade is mine.", "decision_maker"),
        ("The decision rests with me, not the board.", "decision_maker"),
        ("The capital budget for digital sits with me.", "economic_buyer"),
        ("I'm not the decision maker here, I just run the numbers.", "influencer"),
    ],
)
def test_decision_and_budget_said_of_oneself(sentence: str, role: str) -> None:
    person = detect([U("Leo Marsh", sentence)])["Leo Marsh"]
    assert person.meddpicc_role == role


def test_titles_suggest_roles_with_clinical_offices_left_to_influence() -> None:
    assert title_role("Chief Information Officer") == ("decision_maker", 0.6)
    assert title_role("Chief Medical Information Officer") == ("decision_maker", 0.6)
    assert title_role("Director of ICT") == ("decision_maker", 0.6)
    assert title_role("Chief Executive") == ("economic_buyer", 0.7)
    assert title_role("Chief Nursing Officer") is None
    assert title_role("Director of Nursing Informatics") is None
    assert title_role("Procurement Manager") is None


def test_third_party_without_evidence_is_a_weak_influencer() -> None:
    people = detect(
        [
            U("Nils Berg", "This is Tess Ward from KPMG, who is reviewing our vendors."),
            U("Tess Ward", "Hello."),
        ]
    )
    tess = people["Tess Ward"]
    assert (tess.side, tess.organisation) == ("third_party", "KPMG")
    assert (tess.meddpicc_role, tess.confidence) == ("influencer", 0.2)


def test_internal_people_have_no_role_even_with_role_phrases() -> None:
    meeting = [
        U("Olivia Grant", "I sign off every discount and I'm not convinced by this one."),
        U("Nils Berg", "Fair enough."),
    ]
    olivia = detect(meeting)["Olivia Grant"]
    assert (olivia.side, olivia.organisation) == ("internal", "Northwind")
    assert (olivia.meddpicc_role, olivia.confidence) == (None, 0.0)
    assert not [e for e in olivia.evidence if e.kind == "role"]
    # Without our organisation's name, staff have none.
    assert detect(meeting, internal_organisation=None)["Olivia Grant"].organisation is None


def test_literal_types_come_from_the_models() -> None:
    from core.models import meetings
    from ingest.stakeholders import detect as module

    assert module.Side is meetings.Side
    assert module.MeddpiccRole is meetings.MeddpiccRole
    assert module.EvidenceKind is meetings.EvidenceKind


# --------------------------------------------------------------------------- demo transcripts

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    title: str
    side: str
    role: str | None


def _table_rows(lines: list[str]) -> list[list[str]]:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    return [r for r in rows[2:] if r]  # skip the header and its rule


def demo_expectations() -> tuple[dict[str, str], dict[str, list[DemoPerson]]]:
    """The README's clients by file and people by file."""
    lines = (DEMO / "README.md").read_text(encoding="utf-8").splitlines()
    clients: dict[str, str] = {}
    people: dict[str, list[DemoPerson]] = {}
    current: str | None = None
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        header = [c.strip() for c in block[0].strip().strip("|").split("|")]
        if header[:2] == ["File", "Client"]:
            for row in _table_rows(block):
                clients[row[0].strip("`")] = row[1]
        elif header[:4] == ["Name", "Title", "Side", "Role"] and current:
            people[current] = [
                DemoPerson(r[0], r[1], r[2], None if r[3] in {"—", "-", ""} else r[3])
                for r in _table_rows(block)
            ]
        block.clear()

    for line in lines:
        if line.startswith("### "):
            flush()
            found = re.search(r"`([^`]+)`", line)
            current = found.group(1) if found else None
        if line.startswith("|"):
            block.append(line)
        else:
            flush()
    flush()
    return clients, people


def test_demo_transcripts_match_the_readme() -> None:
    clients, expected = demo_expectations()
    assert len(expected) == 7 and set(expected) <= set(clients)
    staff = sorted({p.name for people in expected.values() for p in people if p.side == "internal"})
    problems: list[str] = []
    for file, people in expected.items():
        parsed = read_transcript(DEMO / file)
        detected = detect_stakeholders(
            parsed.utterances, meeting=file, organisation=clients[file], internal_people=staff
        )
        for want in people:
            found = [d for d in detected if same_person(d.name, want.name)]
            if len(found) != 1:
                problems.append(f"{file}: {want.name} found {len(found)} times")
                continue
            got = found[0]
            if got.side != want.side:
                problems.append(f"{file}: {want.name} side {got.side}, want {want.side}")
            if want.side == "internal":
                if got.meddpicc_role is not None or got.confidence != 0.0:
                    problems.append(f"{file}: {want.name} (staff) has role {got.meddpicc_role}")
                continue
            if want.side != "customer":
                continue
            title = re.sub(r"\s*\([^)]*\)", "", want.title)
            if not titles_match(got.title, title):
                problems.append(f"{file}: {want.name} title {got.title!r}, want {title!r}")
            if got.organisation != clients[file]:
                problems.append(f"{file}: {want.name} organisation {got.organisation!r}")
            if got.meddpicc_role != want.role:
                problems.append(f"{file}: {want.name} role {got.meddpicc_role}, want {want.role}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Hon. Bill Blair (Minister of Public Safety and Emergency Preparedness)", "Bill Blair"),
        ("Kirsty Williams AM", "Kirsty Williams"),
        ("Right Hon. Justin Trudeau (Prime Minister)", "Justin Trudeau"),
        ("Hon. Michelle Rempel Garner (Calgary Nose Hill, CPC)", "Michelle Rempel Garner"),
        ("The Acting Chair (Mrs. Alexandra Mends (Brossard, Lib.))", "Alexandra Mends"),
        ("Adam Wyll--Executive Vice President and Chief Operating Officer", "Adam Wyll"),
        ("Dr. Jane   Roe PhD", "Jane Roe"),
        ("Prof Ian Chubb QC", "Ian Chubb"),
        ("Ms Sian Gwenllian MS", "Sian Gwenllian"),
        ("Dr Rachel Bowen", "Rachel Bowen"),
        ("Mr. Pierre Paul-Hus", "Pierre Paul-Hus"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_name_key() -> None:
    assert name_key("Ernest S. Rady") == name_key("Ernest Rady") == "ernest rady"
    assert name_key("Mélanie Joly") == name_key("MELANIE JOLY")
    assert name_key("Hon. Seamus O'Regan") == "seamus oregan"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dr Rachel Bowen", "Rachel Bowen"),
        ("Craig Schmidt", "Craig Richard Schmidt"),
        ("Ernest S. Rady", "Ernest Rady"),
        ("Rich Hill", "Richard Hill"),
        ("Bob Wrocklage", "Robert A. Wrocklage"),
        ("Tammi Fique", "Tamara Jane Fique"),
        ("Christopher Ellinghause", "Christopher Ellinghaus"),  # a typo in a long name
    ],
)
def test_same_person(a: str, b: str) -> None:
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rachel", "Rachel Bowen"),
        ("Julie Morgan", "Eluned Morgan"),
        ("Ed Evans", "Dafydd Evans"),
        ("Suzy Davies", "Steve Davies"),
        ("Craig Schmidt", "Craig Huber"),
    ],
)
def test_different_people(a: str, b: str) -> None:
    assert not same_person(a, b)


def test_resolve_reference_within_a_meeting() -> None:
    participants = ["Rachel Bowen", "Mark Tan", "Chris Sullivan", "Chris Moore"]
    assert resolve_reference("Rachel", participants) == "Rachel Bowen"
    assert resolve_reference("Chris", participants) is None  # two Chrises
    assert resolve_reference("Tan", participants, surname_first=True) == "Mark Tan"
    assert resolve_reference("Dr Rachel Bowen", participants) == "Rachel Bowen"
    assert resolve_reference("Zoe", participants) is None


@pytest.mark.parametrize(
    "label",
    [
        "Operator",
        "Unknown",
        "Moderator",
        "Speaker 1",
        "Duration: 40 minutes",
        "Unidentified Participant",
        "Multiple Speakers",
        "All",
        "Interpreter",
        "Committee Clerk",
        "The Chair",
        "Project Manager",
        "Marketing",
        "Industrial Designer",
        "User Interface",
        "Professor E",
        "PhD B",
        "Grad C",
        "",
    ],
)
def test_not_a_person(label: str) -> None:
    assert not looks_like_person(label)


@pytest.mark.parametrize(
    "label", ["Rachel", "Dr Rachel Bowen", "KC McClure", "The Chair (Hon. Anthony Rota)"]
)
def test_a_person(label: str) -> None:
    assert looks_like_person(label)


# --------------------------------------------------------------------------- titles


def test_normalise_title() -> None:
    assert normalise_title("EVP and COO") == (
        "Executive Vice President and Chief Operating Officer"
    )
    assert normalise_title("Senior VP & CFO") == "Senior Vice President and Chief Financial Officer"
    assert normalise_title("director of policy and development") == (
        "Director of Policy and Development"
    )
    assert normalise_title("CMIO") == "Chief Medical Information Officer"


def test_title_offices() -> None:
    assert title_offices("Chairman, President and CEO") == {
        "chairman",
        "president",
        "chief executive officer",
    }
    assert title_offices("Vice President, Investor Relations") == {
        "vice president of investor relations"
    }
    assert title_offices("Vice President of Construction and Development") == {
        "vice president of construction and development"
    }
    assert title_offices("Interim CEO") == {"chief executive officer"}
    assert title_offices("Head of Digital Health & CNO") == {
        "head of digital health",
        "chief nursing officer",
    }


def test_titles_match() -> None:
    assert titles_match("EVP and COO", "Executive Vice President and Chief Operating Officer")
    assert titles_match("Vice President", "Vice President of Finance")
    assert titles_match("Chair of the Board", "Chairman, President and CEO")
    assert not titles_match("Minister of Finance", "Minister of Health")
    assert not titles_match("CFO", None)


@pytest.mark.parametrize(
    ("text", "title", "organisation"),
    [
        ("EVP and COO. Thank you.", "Executive Vice President and Chief Operating Officer", None),
        (
            "our Chairman and CEO; and Robert Barton, our CFO.",
            "Chairman and Chief Executive Officer",
            None,
        ),
        (
            "President and Chief Executive Officer and Sean Gillen, Chief Financial Officer.",
            "President and Chief Executive Officer",
            None,
        ),
        (
            "IDACORP's Senior VP and CFO; and more",
            "Senior Vice President and Chief Financial Officer",
            "IDACORP",
        ),
        ("Chief Medical Officer at Barwon Health", "Chief Medical Officer", "Barwon Health"),
        (
            "who is chief executive of Powys Teaching Health Board, and",
            "Chief Executive",
            "Powys Teaching Health Board",
        ),
        (
            "Cabinet Secretary for Education, and Eluned Morgan AM, Minister",
            "Cabinet Secretary for Education",
            None,
        ),
        ("Chairman, for closing remarks.", "Chairman", None),
    ],
)
def test_read_title(text: str, title: str, organisation: str | None) -> None:
    read = read_title(text)
    assert read is not None
    assert (read.title, read.organisation) == (title, organisation)


@pytest.mark.parametrize("text", ["good morning everyone", "a big supporter", "the one who"])
def test_read_title_none(text: str) -> None:
    assert read_title(text) is None


def test_looks_like_title() -> None:
    assert looks_like_title("Director of Nursing")
    assert looks_like_title("interim CEO")
    assert not looks_like_title("Calgary Nose Hill, CPC")
    assert not looks_like_title("Corporate Development")


# --------------------------------------------------------------------------- helpers


def test_sentiment_lexicon_and_negation() -> None:
    assert sentiment_counts("We are not happy with the rollout") == (0, 1)
    assert sentiment_counts("That's not bad at all") == (1, 0)
    assert sentiment_score(["Great work, very helpful", "I'm worried about delays"]) == 0.0
    assert sentiment_score([]) == 0.0
    assert sentiment_score(["This is excellent"]) == 1.0


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Thank you, Mr. Ernest Rady. Craig is with J.P. Morgan. Go ahead."
    assert split_sentences(text) == [
        "Thank you, Mr. Ernest Rady.",
        "Craig is with J.P. Morgan.",
        "Go ahead.",
    ]


def test_same_organisation() -> None:
    assert same_organisation("Barwon Health", "Barwon Health Services")
    assert same_organisation("AAT", "American Assets Trust, Inc.")
    assert same_organisation("IDA", "IDACORP")
    assert not same_organisation("KPMG", "Barwon Health")


# --------------------------------------------------------------------------- eval


def test_eval_parsing_of_ground_truth() -> None:
    truth = stakeholder_data.parse_participant(
        "Haendel Emmanuel St--Juste-Mizuho Securities -- Analyst"
    )
    assert (truth.name, truth.firm, truth.title, truth.side) == (
        "Haendel Emmanuel St",
        "Juste-Mizuho Securities",
        "Analyst",
        "third_party",
    )
    chair = stakeholder_data.committee_truth("The Chair (Hon. Anthony Rota (Nipissing, Lib.))")
    assert chair is not None
    assert (chair.name, chair.title) == ("Anthony Rota", "Chair")
    assert stakeholder_data.committee_truth("The Chair") is None
    riding = stakeholder_data.committee_truth("Ms. Laurel Collins (Victoria, NDP)")
    assert riding is not None
    assert (riding.name, riding.title) == ("Laurel Collins", None)


def test_eval_converters_round_trip() -> None:
    turns = (("Dr Rachel Bowen", "Hello all.\nWe begin."), ("Sam Okafor", "Thanks <all> & more."))
    for writer in (stakeholder_data.to_vtt, stakeholder_data.to_srt, stakeholder_data.to_text):
        parsed = parse_transcript(writer(turns))
        assert [u.speaker for u in parsed.utterances] == ["Dr Rachel Bowen", "Sam Okafor"]
        assert parsed.utterances[1].text == "Thanks <all> & more."


def test_eval_meets_targets_on_shared_data() -> None:
    data_dir = stakeholder_data.default_data_dir()
    if not (data_dir / "earnings_calls_motleyfool").is_dir():
        pytest.skip(f"shared transcripts not found at {data_dir}")
    report = stakeholder_eval.run(data_dir)
    overall = report.overall
    assert overall.recall is not None and overall.recall >= 0.95
    assert overall.precision is not None and overall.precision >= 0.90
    assert overall.title_accuracy is not None and overall.title_accuracy >= 0.70
    assert report.meets_targets()
    assert report.role_labelled.speakers_detected == 0
    assert {r.format for r in report.rows} >= {"vtt", "srt", "text", "json"}
