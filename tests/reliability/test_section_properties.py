"""Properties of the eight plan sections and of the one service that writes them.

Section data is generated (hypothesis, derandomized: the same examples on every run). Valid data
survives validation -> JSON -> validation unchanged and carries derived figures that equal their
formulas; data with one bad value is refused with a ValidationError naming that value's path.
Through ``PlanService.write_section``: a change is one version and one activity entry, reads
back as validated, and keeps the derived progress right; a stale version or invalid data changes
nothing.
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Callable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, RootModel
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import ConflictError, ValidationError, VersionConflictError
from core.identity import Actor
from core.models import MEDDPICC_DIMENSIONS, STAGES, PlanActivity
from planning import completion
from planning.calculations import CENT
from planning.records import PlanRecord
from planning.sections import (
    QUARTER_AMOUNTS,
    SECTION_MODELS,
    SECTIONS,
    Action,
    HealthDistribution,
    Meddpicc,
    OpportunitiesSection,
    Opportunity,
    Outcome,
    PortfolioClient,
    QuarterFigures,
    Risk,
    Snapshot,
    Stakeholder,
    Targets,
    Value,
    validate_section,
)
from planning.service import PlanService
from tests.factories import rolled_back

PURE = settings(derandomize=True, database=None, deadline=None, max_examples=100)
WITH_DATABASE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)

MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, two of them after the point
HEALTH_BANDS = ("healthy", "at_risk", "critical", "unknown")
# Lowest MEDDPICC total (out of 40) of each grade: 85%, 70%, 55%, 40% and 25% of 40.
GRADE_FLOORS = ((34, "A"), (28, "B"), (22, "C"), (16, "D"), (10, "E"))


# -- valid values, as a client sends them ------------------------------------------------------


def json_number(values: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Any]:
    """A decimal as a client sends it: a JSON number or a string."""
    return st.one_of(values.map(float), values.map(str))


def optional(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | values


def choices(model: type[BaseModel], field: str) -> tuple[str, ...]:
    """The values of a Literal field of ``model``."""
    return get_args(model.model_fields[field].annotation)


AMOUNT = json_number(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2))
PERCENT = json_number(st.decimals(min_value=0, max_value=100, places=2))
COUNT = st.integers(min_value=0, max_value=10**6)
# Any character but NUL, which PostgreSQL's JSONB cannot hold (the API answers 422 for it).
CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
TEXT = st.text(CHARACTERS, min_size=1, max_size=40).filter(lambda s: s.strip() != "")
FREE_TEXT = optional(st.text(CHARACTERS, max_size=40))
DATE = st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(date.isoformat)
UUID = st.uuids().map(str)
ITEM_ID = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)


def section_strategies(*, ids: bool, min_items: int = 0) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy of valid data per section; list items name their ``id`` when ``ids`` (else
    some leave it to the default), and list sections hold at least ``min_items`` items."""

    def item(required: dict[str, Any], extra: dict[str, Any]) -> st.SearchStrategy[Any]:
        if ids:
            return st.fixed_dictionaries({"id": ITEM_ID, **required}, optional=extra)
        return st.fixed_dictionaries(required, optional={"id": ITEM_ID, **extra})

    def items(of: st.SearchStrategy[Any], min_size: int = min_items) -> st.SearchStrategy[Any]:
        return st.lists(of, min_size=min_size, max_size=4, unique_by=lambda i: i.get("id", id(i)))

    meddpicc = st.fixed_dictionaries(
        {}, optional={name: st.integers(0, 5) for name in MEDDPICC_DIMENSIONS}
    )
    quarter = st.fixed_dictionaries(
        {"quarter": st.integers(1, 4)}, optional={name: AMOUNT for name in QUARTER_AMOUNTS}
    )
    return {
        "portfolio": items(
            item(
                {"name": TEXT},
                {
                    "client_id": optional(UUID),
                    "territory": FREE_TEXT,
                    "segment": FREE_TEXT,
                    "arr": optional(AMOUNT),
                    "health_score": optional(st.integers(0, 100)),
                    "nps": optional(st.integers(-100, 100)),
                    "renewal_date": optional(DATE),
                },
            )
        ),
        "snapshot": st.fixed_dictionaries(
            {},
            optional={
                "as_of": optional(DATE),
                "arr": optional(AMOUNT),
                "health_score": optional(st.integers(0, 100)),
                "nps": optional(st.integers(-100, 100)),
                "segment": FREE_TEXT,
                "support_sla_pct": optional(PERCENT),
                "open_p1s": optional(COUNT),
                "renewal_date": optional(DATE),
                "client_count": optional(COUNT),
                "health_distribution": optional(
                    st.fixed_dictionaries({}, optional=dict.fromkeys(HEALTH_BANDS, COUNT))
                ),
            },
        ),
        "targets": st.fixed_dictionaries(
            {"fiscal_year": st.integers(2000, 2100)},
            optional={
                "quarters": st.lists(
                    quarter, min_size=min_items, max_size=4, unique_by=lambda q: q["quarter"]
                ),
                "pipeline_weighted_acv": AMOUNT,
                # derived: whatever is sent is recomputed
                "coverage": optional(json_number(st.decimals(-(10**6), 10**6, places=2))),
            },
        ),
        "stakeholders": items(
            item(
                {"name": TEXT},
                {
                    "title": FREE_TEXT,
                    "organisation": FREE_TEXT,
                    "role": st.sampled_from(choices(Stakeholder, "role")),
                    "relationship": st.sampled_from(choices(Stakeholder, "relationship")),
                    "email": FREE_TEXT,
                    "last_contact": optional(DATE),
                    "notes": FREE_TEXT,
                    "source": FREE_TEXT,
                },
            )
        ),
        "opportunities": items(
            item(
                {"name": TEXT},
                {
                    "opportunity_id": optional(UUID),
                    "client_name": FREE_TEXT,
                    "stage": st.sampled_from(STAGES),
                    "probability": PERCENT,
                    "acv": AMOUNT,
                    "tcv": AMOUNT,
                    "close_date": optional(DATE),
                    "focus_deal": st.booleans(),
                    "meddpicc": optional(meddpicc),
                    "next_step": FREE_TEXT,
                    # derived: whatever is sent is recomputed
                    "weighted_acv": optional(AMOUNT),
                    "meddpicc_total": optional(st.integers(-100, 100)),
                    "meddpicc_grade": optional(st.sampled_from("ABCDEFZ")),
                },
            )
        ),
        "risks": items(
            item(
                {"title": TEXT},
                {
                    "description": FREE_TEXT,
                    "client_name": FREE_TEXT,
                    "category": st.sampled_from(choices(Risk, "category")),
                    "severity": st.sampled_from(choices(Risk, "severity")),
                    "likelihood": st.sampled_from(choices(Risk, "likelihood")),
                    "mitigation": FREE_TEXT,
                    "owner": FREE_TEXT,
                    "source": FREE_TEXT,
                },
            )
        ),
        "actions": items(
            item(
                {"title": TEXT, "owner": TEXT, "due_date": DATE},
                {
                    "priority": st.sampled_from(choices(Action, "priority")),
                    "status": st.sampled_from(choices(Action, "status")),
                    "client_name": FREE_TEXT,
                    "risk_id": FREE_TEXT,
                },
            )
        ),
        "value": st.fixed_dictionaries(
            {},
            optional={
                "executive_summary": FREE_TEXT,
                "outcomes": items(
                    item(
                        {"title": TEXT},
                        {
                            "metric": FREE_TEXT,
                            "baseline": FREE_TEXT,
                            "target": FREE_TEXT,
                            "current": FREE_TEXT,
                            "status": st.sampled_from(choices(Outcome, "status")),
                        },
                    ),
                    min_size=0,
                ),
            },
        ),
    }


LIST_SECTIONS = [s for s in SECTIONS if issubclass(SECTION_MODELS[s], RootModel)]
VALID = section_strategies(ids=False)
VALID_WITH_IDS = section_strategies(ids=True)
NON_EMPTY_WITH_IDS = section_strategies(ids=True, min_items=1)


# -- invalid values ----------------------------------------------------------------------------


def outside(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low - 10**6, low - 1) | st.integers(high + 1, high + 10**6)


def unknown(allowed: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.text(string.ascii_lowercase + "_", min_size=1, max_size=15).filter(
        lambda s: s not in allowed
    )


NEGATIVE = st.integers(-(10**6), -1)
BLANK = st.sampled_from(["", " ", "\t\n", "   ", "x" * 2001])
BAD_ID = st.sampled_from(["", "  ", "x" * 65])
NOT_A_DATE = st.text(string.ascii_letters, min_size=1, max_size=12)
NOT_A_UUID = st.text("ghijklmnopqrstuvwxyz", min_size=1, max_size=36)
THIRD_DECIMAL = (
    st.decimals(min_value=0, max_value=100, places=4)
    .filter(lambda d: d != d.quantize(CENT))
    .map(str)
)
BAD_AMOUNT = st.one_of(
    json_number(st.decimals(min_value=-MAX_AMOUNT, max_value=-CENT, places=2)),  # negative
    THIRD_DECIMAL,
    st.integers(10**12, 10**15),  # more than 12 digits before the point
)
BAD_PERCENT = st.one_of(
    json_number(st.decimals(min_value=Decimal("100.01"), max_value=10**6, places=2)),
    json_number(st.decimals(min_value=-(10**6), max_value=-CENT, places=2)),
    THIRD_DECIMAL,
)
UNKNOWN_KEY = st.text(string.ascii_lowercase, min_size=1, max_size=10).map(lambda s: f"x_{s}")


def _literal_faults(model: type[BaseModel], *fields: str) -> dict[str, st.SearchStrategy[Any]]:
    return {field: unknown(choices(model, field)) for field in fields}


FAULTS: dict[type[BaseModel], dict[str, st.SearchStrategy[Any]]] = {
    PortfolioClient: {
        "id": BAD_ID,
        "name": BLANK,
        "client_id": NOT_A_UUID,
        "arr": BAD_AMOUNT,
        "health_score": outside(0, 100),
        "nps": outside(-100, 100),
        "renewal_date": NOT_A_DATE,
    },
    Snapshot: {
        "as_of": NOT_A_DATE,
        "arr": BAD_AMOUNT,
        "health_score": outside(0, 100),
        "nps": outside(-100, 100),
        "support_sla_pct": BAD_PERCENT,
        "open_p1s": NEGATIVE,
        "renewal_date": NOT_A_DATE,
        "client_count": NEGATIVE,
    },
    HealthDistribution: dict.fromkeys(HEALTH_BANDS, NEGATIVE),
    Targets: {"fiscal_year": outside(2000, 2100), "pipeline_weighted_acv": BAD_AMOUNT},
    QuarterFigures: {"quarter": outside(1, 4), **dict.fromkeys(QUARTER_AMOUNTS, BAD_AMOUNT)},
    Meddpicc: dict.fromkeys(MEDDPICC_DIMENSIONS, outside(0, 5)),
    Opportunity: {
        "id": BAD_ID,
        "name": BLANK,
        "opportunity_id": NOT_A_UUID,
        "stage": unknown(STAGES),
        "probability": BAD_PERCENT,
        "acv": BAD_AMOUNT,
        "tcv": BAD_AMOUNT,
        "close_date": NOT_A_DATE,
    },
    Stakeholder: {
        "id": BAD_ID,
        "name": BLANK,
        "last_contact": NOT_A_DATE,
        **_literal_faults(Stakeholder, "role", "relationship"),
    },
    Risk: {
        "id": BAD_ID,
        "title": BLANK,
        **_literal_faults(Risk, "category", "severity", "likelihood"),
    },
    Action: {
        "id": BAD_ID,
        "title": BLANK,
        "owner": BLANK,
        "due_date": NOT_A_DATE,
        **_literal_faults(Action, "priority", "status"),
    },
    Outcome: {"id": BAD_ID, "title": BLANK, **_literal_faults(Outcome, "status")},
    Value: {},
}
"""Bad values per field of each model; any model also refuses an unknown key."""


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def objects(
    model: type[BaseModel], value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], type[BaseModel], dict[str, Any]]]:
    """Every object in ``value`` (valid data of ``model``): its path, model and dict."""
    if issubclass(model, RootModel):
        (item_model,) = get_args(model.model_fields["root"].annotation)
        for index, item in enumerate(value):
            yield from objects(item_model, item, (*path, index))
        return
    yield path, model, value
    for name, field in model.model_fields.items():
        inner, sub = _nested_model(field.annotation), value.get(name)
        if inner is None or sub is None:
            continue
        if isinstance(sub, list):
            for index, item in enumerate(sub):
                yield from objects(inner, item, (*path, name, index))
        else:
            yield from objects(inner, sub, (*path, name))


@st.composite
def faulty(draw: Callable[..., Any], section: str) -> tuple[Any, str]:
    """Valid data of ``section`` with one value made bad; and the path of that value."""
    payload = copy.deepcopy(draw(NON_EMPTY_WITH_IDS[section]))
    path, model, target = draw(st.sampled_from(list(objects(SECTION_MODELS[section], payload))))
    faults = FAULTS[model]
    field = draw(st.sampled_from([*sorted(faults), None]))
    if field is None:
        field, bad = draw(UNKNOWN_KEY), draw(st.integers() | st.text(max_size=5) | st.none())
    else:
        bad = draw(faults[field])
    target[field] = bad
    return payload, ".".join(str(part) for part in (*path, field))


# -- the sections on their own -----------------------------------------------------------------


def test_every_section_has_generators_and_every_model_its_faults() -> None:
    assert set(VALID) == set(VALID_WITH_IDS) == set(SECTION_MODELS)
    reachable: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel]) -> None:
        if issubclass(model, RootModel):
            (model,) = get_args(model.model_fields["root"].annotation)
        reachable.add(model)
        for field in model.model_fields.values():
            inner = _nested_model(field.annotation)
            if inner is not None:
                walk(inner)

    for model in SECTION_MODELS.values():
        walk(model)
    assert reachable == set(FAULTS)


@pytest.mark.parametrize("section", SECTIONS)
@PURE
@given(data=st.data())
def test_valid_data_survives_validation_json_and_validation_again(
    section: str, data: st.DataObject
) -> None:
    payload = data.draw(VALID[section], label="payload")
    first = validate_section(section, payload)
    as_json = json.loads(json.dumps(first, allow_nan=False))
    assert as_json == first  # JSON-ready as it is
    assert validate_section(section, as_json) == first


def expected_grade(total: int) -> str:
    return next((grade for floor, grade in GRADE_FLOORS if total >= floor), "F")


def exact(value: Any) -> Decimal:
    """A JSON number or numeric string as the decimal it spells."""
    return Decimal(str(value))


@PURE
@given(payload=VALID["opportunities"])
def test_weighted_acv_and_meddpicc_follow_their_formulas(payload: list[dict[str, Any]]) -> None:
    written = validate_section("opportunities", payload)
    parsed = OpportunitiesSection.model_validate(payload).root
    for sent, stored, model in zip(payload, written, parsed, strict=True):
        acv, probability = exact(sent.get("acv", 0)), exact(sent.get("probability", 0))
        weighted = (acv * probability / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        assert model.weighted_acv == weighted
        assert exact(stored["weighted_acv"]) == weighted
        scores = sent.get("meddpicc")
        if scores is None:
            assert (stored["meddpicc_total"], stored["meddpicc_grade"]) == (None, None)
        else:
            total = sum(scores.values())
            assert (stored["meddpicc_total"], stored["meddpicc_grade"]) == (
                total,
                expected_grade(total),
            )


@st.composite
def targets_near_the_line(draw: Callable[..., Any]) -> dict[str, Any]:
    """Targets whose achieved total is at, just under or just over the target."""
    cents = st.integers(0, 10**8).map(lambda n: Decimal(n) * CENT)
    targets = draw(st.lists(cents, min_size=1, max_size=4))
    actuals = [draw(cents) for _ in targets[1:]]
    gap = draw(st.sampled_from([Decimal(0), CENT, -CENT]))
    actuals.append(max(Decimal(0), sum(targets) - sum(actuals) - gap))
    quarters = [
        {"quarter": n, "weighted_acv_target": str(target), "weighted_acv_actual": float(actual)}
        for n, (target, actual) in enumerate(zip(targets, actuals, strict=True), start=1)
    ]
    pipeline = draw(json_number(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2)))
    return {"fiscal_year": 2026, "quarters": quarters, "pipeline_weighted_acv": pipeline}


@PURE
@given(payload=VALID["targets"] | targets_near_the_line())
def test_coverage_is_pipeline_over_the_target_still_to_close(payload: dict[str, Any]) -> None:
    quarters = payload.get("quarters", [])
    target = sum((exact(q.get("weighted_acv_target", 0)) for q in quarters), Decimal(0))
    achieved = sum((exact(q.get("weighted_acv_actual", 0)) for q in quarters), Decimal(0))
    pipeline = exact(payload.get("pipeline_weighted_acv", 0))
    remaining = target - achieved
    expected = None if remaining <= 0 else (pipeline / remaining).quantize(CENT, ROUND_HALF_UP)
    assert Targets.model_validate(payload).coverage == expected
    stored = validate_section("targets", payload)["coverage"]
    assert stored == (None if expected is None else float(expected))


@pytest.mark.parametrize("section", SECTIONS)
@PURE
@given(data=st.data())
def test_one_bad_value_is_refused_naming_its_path(section: str, data: st.DataObject) -> None:
    payload, path = data.draw(faulty(section), label="faulty payload")
    with pytest.raises(ValidationError) as caught:
        validate_section(section, payload)
    assert caught.value.code == "validation_error"
    assert [e["path"] for e in caught.value.details["errors"]] == [path]
    assert path in caught.value.message


@pytest.mark.parametrize("section", LIST_SECTIONS)
@PURE
@given(data=st.data())
def test_repeated_item_ids_are_refused(section: str, data: st.DataObject) -> None:
    payload = data.draw(section_strategies(ids=True, min_items=2)[section])
    index = data.draw(st.integers(1, len(payload) - 1))
    payload[index]["id"] = payload[0]["id"]
    with pytest.raises(ValidationError, match="unique") as caught:
        validate_section(section, payload)
    assert [e["path"] for e in caught.value.details["errors"]] == ["(root)"]


@PURE
@given(payload=VALID_WITH_IDS["value"], title=TEXT)
def test_repeated_outcome_ids_are_refused_as_in_the_list_sections(
    payload: dict[str, Any], title: str
) -> None:
    """Outcomes are items whose ids the activity log's diff and comments point at, as in the
    list sections: two outcomes with one id make an edit to either invisible in the log."""
    outcomes = payload.setdefault("outcomes", [])
    if not outcomes:
        outcomes.append({"id": "o1", "title": "Cut emergency wait times"})
    outcomes.append({**outcomes[0], "title": title})
    with pytest.raises(ValidationError, match="unique"):
        validate_section("value", payload)


@PURE
@given(payload=section_strategies(ids=True, min_items=1)["targets"], data=st.data())
def test_a_quarter_given_twice_is_refused(payload: dict[str, Any], data: st.DataObject) -> None:
    quarters = payload.get("quarters") or [{"quarter": 1}]
    if len(quarters) == 1:
        quarters.append({"quarter": quarters[0]["quarter"]})
    else:
        quarters[data.draw(st.integers(1, len(quarters) - 1))]["quarter"] = quarters[0]["quarter"]
    payload["quarters"] = quarters
    with pytest.raises(ValidationError, match="once") as caught:
        validate_section("targets", payload)
    assert [e["path"] for e in caught.value.details["errors"]] == ["(root)"]


@pytest.mark.parametrize("section", SECTIONS)
@PURE
@given(payload=st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.lists(st.none())))
def test_data_of_the_wrong_shape_is_refused_at_the_root(section: str, payload: Any) -> None:
    if section in LIST_SECTIONS and isinstance(payload, list):
        payload = {"items": payload}
    with pytest.raises(ValidationError) as caught:
        validate_section(section, payload)
    assert [e["path"] for e in caught.value.details["errors"]] == ["(root)"]


# -- the section service -----------------------------------------------------------------------

OWNER = Actor(name="Tracey Bland", role="CSE")
ACTORS = st.sampled_from(
    [OWNER, Actor(name="Anu Pradhan", role="CAM"), Actor(name="Michael Costa", role="manager")]
)
WRITES = st.sampled_from(SECTIONS).flatmap(lambda s: st.tuples(st.just(s), VALID_WITH_IDS[s]))


def new_plan(service: PlanService) -> PlanRecord:
    return service.create_plan(
        {
            "plan_type": "territory",
            "fiscal_year": 2026,
            "primary_owner": OWNER.name,
            "primary_owner_role": "CSE",
            "territory": "VIC + NZ",
        },
        OWNER,
    )


def logged(session: Session, plan: PlanRecord) -> int:
    query = select(func.count()).select_from(PlanActivity).where(PlanActivity.plan_id == plan.id)
    return session.scalar(query) or 0


def assert_progress_is_derived(plan: PlanRecord) -> None:
    progress = completion.compute(plan.model_dump(), plan.sections)
    assert plan.completion_percentage == progress.percentage
    assert plan.steps_completed == progress.steps


def write_all(service: PlanService, plan: PlanRecord, writes: list[tuple[str, Any]]) -> None:
    for section, payload in writes:
        version = service.get_plan(plan.id).version
        service.write_section(plan.id, section, payload, expected_version=version, actor=OWNER)


@WITH_DATABASE
@given(writes=st.lists(st.tuples(WRITES, ACTORS), min_size=1, max_size=4))
def test_a_change_is_one_version_and_one_log_entry_and_reads_back_validated(
    engine: Engine, writes: list[tuple[tuple[str, Any], Actor]]
) -> None:
    with rolled_back(engine) as session:
        service = PlanService(session)
        plan = new_plan(service)
        for (section, payload), actor in writes:
            before, entries = service.get_plan(plan.id), logged(session, plan)
            expected = validate_section(section, payload)
            changed = expected != before.sections[section]

            written = service.write_section(
                plan.id, section, payload, expected_version=before.version, actor=actor
            )

            after = service.get_plan(plan.id)
            assert written.data == expected
            assert after.sections[section] == expected
            assert service.get_section(plan.id, section).data == expected
            assert written.version == after.version == before.version + changed
            assert logged(session, plan) == entries + changed
            if changed:
                newest = service.activity(plan.id, limit=1)[0]
                assert (newest.action, newest.user_name) == ("updated", actor.name)
                assert newest.details["section"] == section
                assert newest.details["version"] == after.version
            others = {name for name in SECTIONS if name != section}
            assert {n: after.sections[n] for n in others} == {n: before.sections[n] for n in others}
            assert_progress_is_derived(after)

            # What is stored, written again, is no change (no version, no log entry).
            again = service.write_section(
                plan.id, section, payload, expected_version=after.version, actor=actor
            )
            assert again.version == after.version
            assert logged(session, plan) == entries + changed


@WITH_DATABASE
@given(writes=st.lists(WRITES, max_size=3), data=st.data())
def test_a_stale_version_is_refused_and_changes_nothing(
    engine: Engine, writes: list[tuple[str, Any]], data: st.DataObject
) -> None:
    with rolled_back(engine) as session:
        service = PlanService(session)
        plan = new_plan(service)
        write_all(service, plan, writes)
        before, entries = service.get_plan(plan.id), logged(session, plan)
        stale = data.draw(
            st.integers(-2, before.version + 3).filter(lambda v: v != before.version),
            label="expected_version",
        )
        section, payload = data.draw(WRITES, label="write")

        with pytest.raises(ConflictError) as caught:
            service.write_section(plan.id, section, payload, expected_version=stale, actor=OWNER)

        assert isinstance(caught.value, VersionConflictError)
        assert caught.value.current_version == before.version
        assert service.get_plan(plan.id) == before
        assert logged(session, plan) == entries


@WITH_DATABASE
@given(writes=st.lists(WRITES, max_size=3), data=st.data())
def test_invalid_data_is_refused_and_changes_nothing(
    engine: Engine, writes: list[tuple[str, Any]], data: st.DataObject
) -> None:
    with rolled_back(engine) as session:
        service = PlanService(session)
        plan = new_plan(service)
        write_all(service, plan, writes)
        before, entries = service.get_plan(plan.id), logged(session, plan)
        section = data.draw(st.sampled_from(SECTIONS), label="section")
        payload, path = data.draw(faulty(section), label="faulty payload")

        with pytest.raises(ValidationError) as caught:
            service.write_section(
                plan.id, section, payload, expected_version=before.version, actor=OWNER
            )

        assert [e["path"] for e in caught.value.details["errors"]] == [path]
        assert service.get_plan(plan.id) == before
        assert logged(session, plan) == entries
        assert_progress_is_derived(before)


def test_text_the_database_cannot_store_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_section("risks", [{"id": "r1", "title": "budget\x00cut"}])
    assert refused.value.details["errors"][0]["path"] == "0.title"
    assert "NUL" in refused.value.details["errors"][0]["message"]
