"""MEDDPICC, coverage, weighted ACV and readiness arithmetic, and its agreement with the DB."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import MEDDPICC_DIMENSIONS
from planning import calculations as calc


def scores(value: int) -> dict[str, int]:
    return dict.fromkeys(MEDDPICC_DIMENSIONS, value)


def test_meddpicc_total_sums_the_eight_dimensions() -> None:
    mixed = dict(zip(MEDDPICC_DIMENSIONS, [5, 4, 3, 2, 1, 0, 5, 4], strict=True))
    assert calc.meddpicc_total(mixed) == 24
    assert calc.meddpicc_total(scores(5)) == 40


@pytest.mark.parametrize(
    "bad",
    [
        {**scores(3), "metrics": 6},
        {**scores(3), "metrics": -1},
        {"metrics": 3},
        {**scores(1), "x": 1},
    ],
)
def test_meddpicc_total_refuses_bad_scores(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="MEDDPICC"):
        calc.meddpicc_total(bad)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (40, "A"),
        (34, "A"),
        (33, "B"),
        (28, "B"),
        (27, "C"),
        (22, "C"),
        (21, "D"),
        (16, "D"),
        (15, "E"),
        (10, "E"),
        (9, "F"),
        (0, "F"),
    ],
)
def test_meddpicc_grade_boundaries(total: int, grade: str) -> None:
    assert calc.meddpicc_grade(total) == grade


def test_meddpicc_grade_refuses_out_of_range() -> None:
    with pytest.raises(ValueError):
        calc.meddpicc_grade(41)


def test_weighted_acv_rounds_to_the_cent() -> None:
    assert calc.weighted_acv(Decimal("333333.33"), Decimal("33.33")) == Decimal("111100.00")
    assert calc.weighted_acv(Decimal("100.01"), Decimal("50")) == Decimal("50.01")
    with pytest.raises(ValueError):
        calc.weighted_acv(Decimal("1"), Decimal("101"))


def test_coverage_is_pipeline_over_the_remaining_target() -> None:
    assert calc.coverage(Decimal(3_000_000), Decimal(2_000_000), Decimal(500_000)) == Decimal(
        "2.00"
    )
    assert calc.coverage(Decimal(0), Decimal(100), Decimal(0)) == Decimal("0.00")
    assert calc.coverage(Decimal(1), Decimal(100), Decimal(100)) is None  # target met
    assert calc.coverage(Decimal(1), Decimal(100), Decimal(150)) is None


def test_readiness_average() -> None:
    assert calc.readiness_average([5, 4, 3, 4, 4]) == Decimal("4.00")
    assert calc.readiness_average([1, 2, 2, 2, 2]) == Decimal("1.80")
    with pytest.raises(ValueError):
        calc.readiness_average([5, 5, 5, 5])
    with pytest.raises(ValueError):
        calc.readiness_average([0, 5, 5, 5, 5])


def test_health_bands() -> None:
    assert [calc.health_band(s) for s in (100, 70, 69, 50, 49, 0, None)] == [
        "healthy",
        "healthy",
        "at_risk",
        "at_risk",
        "critical",
        "critical",
        None,
    ]


def test_database_generated_columns_agree_with_the_calculations(session: Session) -> None:
    client = session.scalar(
        text("INSERT INTO clients (name, territory, region) VALUES ('C', 'WA', 'ANZ') RETURNING id")
    )
    row = session.execute(
        text(
            "INSERT INTO pipeline_opportunities (name, client_id, probability, acv) "
            "VALUES ('D', :c, 33.33, 333333.33) RETURNING id, weighted_acv"
        ),
        {"c": client},
    ).one()
    assert row.weighted_acv == calc.weighted_acv(Decimal("333333.33"), Decimal("33.33"))
    values = [5, 4, 3, 2, 1, 0, 5, 4]
    total = session.scalar(
        text(
            f"INSERT INTO meddpicc_scores (opportunity_id, {', '.join(MEDDPICC_DIMENSIONS)}) "
            f"VALUES (:o, {', '.join(map(str, values))}) RETURNING total_score"
        ),
        {"o": row.id},
    )
    assert total == calc.meddpicc_total(dict(zip(MEDDPICC_DIMENSIONS, values, strict=True)))
    readiness = session.scalar(
        text(
            "INSERT INTO conversation_readiness (client_id, meeting_title, meeting_at, "
            "value_wedge, power_position, pain_articulation, proof_points, old_brain) "
            "VALUES (:c, 'QBR', now(), 1, 2, 2, 2, 2) RETURNING overall_readiness"
        ),
        {"c": client},
    )
    assert readiness == calc.readiness_average([1, 2, 2, 2, 2])


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234567.5"), "$1,234,568"),
        (Decimal(-5), "-$5"),
        (Decimal("-0.3"), "$0"),  # rounds to zero: no sign
        (Decimal("-0.5"), "-$1"),
        (None, "?"),
    ],
)
def test_money_is_whole_dollars_with_the_sign_in_front(amount: Decimal | None, shown: str) -> None:
    from planning.draft_data import money

    assert money(amount) == shown
