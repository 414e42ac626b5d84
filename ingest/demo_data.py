"""The demo portfolio: people, health-service clients and the story they tell.

Constant data only; :mod:`ingest.demo_generate` derives the numbers from it and
:mod:`ingest.demo_seed` writes them as rows. The clients are public health services of Victoria,
New Zealand, Western Australia, South Australia, Singapore/Asia and Guam.
Most are healthy (health >= 70); six are at risk (50-69) and three critical (< 50), with falling
health and NPS, more SLA breaches and open P1s. Six renew within 90 days of the anchor date.
Barwon Health is healthy with a rising NPS; WA Health is at risk a few weeks before its renewal.

Values that are "at the anchor" describe the anchor month (the seed's ``today``); changes are over
the eleven months before it. Amounts are AUD. E-mail addresses use the reserved domain
``example.com``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from core.models.people import Role
from planning.calculations import HealthBand, health_band

Territory = Literal["VIC", "NZ", "WA", "SA", "Asia", "Guam"]
Region = Literal["Australia+NZ", "Asia+Guam"]
Segment = Literal["Enterprise", "Mid-Market", "Growth"]

AUS_NZ: Final[Region] = "Australia+NZ"
ASIA_GUAM: Final[Region] = "Asia+Guam"

FISCAL_YEAR: Final = 2026
"""The targets' fiscal year; fiscal years are calendar years (January-December)."""


@dataclass(frozen=True)
class DemoUser:
    """A person: CSEs carry a territory label such as ``"VIC + NZ"``."""

    name: str
    email: str
    role: Role
    territory: str | None
    region: str | None


@dataclass(frozen=True)
class DemoTarget:
    """A CSE's or CAM's yearly total-ACV target and how well they are tracking against it."""

    email: str
    annual_total_acv: int
    attainment: float
    """Share of each past quarter's target actually closed (1.0 = on target)."""


@dataclass(frozen=True)
class DemoClient:
    """A client account at the anchor month, with its trend over the year before."""

    name: str
    territory: Territory
    segment: Segment
    cse_email: str
    arr: int
    health: int
    health_change: int
    nps: int
    nps_change: int
    renewal_in_days: int

    @property
    def region(self) -> Region:
        """Australia+NZ or Asia+Guam, from the territory."""
        return REGION_BY_TERRITORY[self.territory]

    @property
    def cam_email(self) -> str:
        """The region's CAM."""
        return CAM_BY_REGION[self.region]

    @property
    def band(self) -> HealthBand:
        """Healthy (>= 70), at risk (50-69) or critical (< 50) at the anchor month
        (:func:`planning.calculations.health_band`)."""
        band = health_band(self.health)
        assert band is not None  # only a missing score has no band
        return band


TRACEY = "tracey.bland@example.com"
JOHN = "john.salisbury@example.com"
LAURA = "laura.messing@example.com"
OPEN_ROLE = "open.role@example.com"
ANU = "anu.pradhan@example.com"
NIKKI = "nikki.wei@example.com"

USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser("Tracey Bland", TRACEY, "CSE", "VIC + NZ", AUS_NZ),
    DemoUser("John Salisbury", JOHN, "CSE", "WA + VIC", AUS_NZ),
    DemoUser("Laura Messing", LAURA, "CSE", "SA", AUS_NZ),
    DemoUser("Open Role", OPEN_ROLE, "CSE", "Asia + Guam", ASIA_GUAM),
    DemoUser("Anu Pradhan", ANU, "CAM", None, AUS_NZ),
    DemoUser("Nikki Wei", NIKKI, "CAM", None, ASIA_GUAM),
    DemoUser("Michael Costa", "michael.costa@example.com", "manager", None, AUS_NZ),
    DemoUser("Grace Tan", "grace.tan@example.com", "manager", None, ASIA_GUAM),
    DemoUser("Sam Whitford", "sam.whitford@example.com", "admin", None, None),
)

REGION_BY_TERRITORY: Final[dict[Territory, Region]] = {
    "VIC": AUS_NZ,
    "NZ": AUS_NZ,
    "WA": AUS_NZ,
    "SA": AUS_NZ,
    "Asia": ASIA_GUAM,
    "Guam": ASIA_GUAM,
}
CAM_BY_REGION: Final[dict[Region, str]] = {AUS_NZ: ANU, ASIA_GUAM: NIKKI}

# Local standard time of each territory, for meeting times (daylight saving ignored).
UTC_OFFSET_HOURS: Final[dict[Territory, float]] = {
    "VIC": 10,
    "NZ": 12,
    "WA": 8,
    "SA": 9.5,
    "Asia": 8,
    "Guam": 10,
}

TARGETS: Final[tuple[DemoTarget, ...]] = (
    DemoTarget(TRACEY, 3_200_000, 0.80),
    DemoTarget(JOHN, 3_600_000, 0.93),
    DemoTarget(LAURA, 2_000_000, 0.86),
    DemoTarget(OPEN_ROLE, 1_800_000, 0.58),
    DemoTarget(ANU, 1_500_000, 0.97),
    DemoTarget(NIKKI, 900_000, 0.81),
)

# name, territory, segment, CSE, ARR, health, change, NPS, change, renewal in days
CLIENTS: Final[tuple[DemoClient, ...]] = (
    DemoClient("Barwon Health", "VIC", "Enterprise", TRACEY, 2_850_000, 84, 9, 42, 18, 410),
    DemoClient("Monash Health", "VIC", "Enterprise", JOHN, 4_350_000, 78, 2, 31, 4, 265),
    DemoClient("Eastern Health", "VIC", "Enterprise", TRACEY, 2_400_000, 64, -12, 8, -21, 75),
    DemoClient("Alfred Health", "VIC", "Enterprise", JOHN, 3_900_000, 81, 3, 36, 6, 530),
    DemoClient("Austin Health", "VIC", "Mid-Market", TRACEY, 1_650_000, 74, -2, 22, -3, 180),
    DemoClient("Western Health", "VIC", "Mid-Market", JOHN, 1_350_000, 42, -24, -28, -35, 48),
    DemoClient("Northern Health", "VIC", "Mid-Market", TRACEY, 980_000, 72, 4, 19, 5, 320),
    DemoClient("Peninsula Health", "VIC", "Mid-Market", JOHN, 890_000, 76, 1, 25, 0, 600),
    DemoClient("Grampians Health", "VIC", "Growth", TRACEY, 420_000, 71, 6, 15, 9, 85),
    DemoClient("Bendigo Health", "VIC", "Growth", JOHN, 560_000, 58, -9, 2, -12, 140),
    DemoClient("Te Whatu Ora Waikato", "NZ", "Enterprise", TRACEY, 2_100_000, 66, -8, 5, -14, 210),
    DemoClient(
        "Te Whatu Ora Waitaha Canterbury", "NZ", "Mid-Market", TRACEY, 1_450_000, 79, 5, 33, 8, 395
    ),
    DemoClient(
        "Te Whatu Ora Capital Coast", "NZ", "Mid-Market", TRACEY, 1_100_000, 73, 0, 20, 2, 455
    ),
    DemoClient(
        "Te Whatu Ora Te Toka Tumai Auckland",
        "NZ",
        "Enterprise",
        TRACEY,
        3_300_000,
        82,
        4,
        38,
        7,
        700,
    ),
    DemoClient("WA Health", "WA", "Enterprise", JOHN, 4_100_000, 61, -11, 4, -16, 62),
    DemoClient(
        "North Metropolitan Health Service", "WA", "Mid-Market", JOHN, 1_250_000, 77, 3, 27, 5, 290
    ),
    DemoClient(
        "South Metropolitan Health Service", "WA", "Mid-Market", JOHN, 1_180_000, 75, 2, 24, 3, 510
    ),
    DemoClient(
        "East Metropolitan Health Service", "WA", "Mid-Market", JOHN, 940_000, 70, -3, 14, -4, 175
    ),
    DemoClient("WA Country Health Service", "WA", "Growth", JOHN, 610_000, 53, -10, -6, -13, 105),
    DemoClient("SA Health", "SA", "Enterprise", LAURA, 3_600_000, 80, 2, 30, 3, 345),
    DemoClient(
        "Central Adelaide Local Health Network",
        "SA",
        "Mid-Market",
        LAURA,
        1_550_000,
        46,
        -21,
        -22,
        -30,
        33,
    ),
    DemoClient(
        "Northern Adelaide Local Health Network",
        "SA",
        "Mid-Market",
        LAURA,
        870_000,
        74,
        5,
        21,
        6,
        430,
    ),
    DemoClient(
        "Southern Adelaide Local Health Network",
        "SA",
        "Mid-Market",
        LAURA,
        920_000,
        77,
        1,
        26,
        2,
        250,
    ),
    DemoClient(
        "Women's and Children's Health Network", "SA", "Growth", LAURA, 380_000, 86, 6, 47, 10, 620
    ),
    DemoClient("SingHealth", "Asia", "Enterprise", OPEN_ROLE, 3_200_000, 79, 1, 29, 2, 380),
    DemoClient(
        "National University Health System",
        "Asia",
        "Mid-Market",
        OPEN_ROLE,
        1_700_000,
        68,
        -7,
        9,
        -11,
        150,
    ),
    DemoClient(
        "National Healthcare Group",
        "Asia",
        "Mid-Market",
        OPEN_ROLE,
        1_250_000,
        72,
        -1,
        18,
        -2,
        275,
    ),
    DemoClient(
        "Hospital Authority Hong Kong", "Asia", "Growth", OPEN_ROLE, 650_000, 75, 3, 23, 4, 560
    ),
    DemoClient(
        "Guam Memorial Hospital Authority",
        "Guam",
        "Growth",
        OPEN_ROLE,
        310_000,
        38,
        -19,
        -35,
        -28,
        58,
    ),
    DemoClient(
        "Guam Department of Public Health and Social Services",
        "Guam",
        "Growth",
        OPEN_ROLE,
        180_000,
        73,
        2,
        12,
        3,
        240,
    ),
)

# How many opportunities a client of each segment has in the pipeline.
DEALS_PER_SEGMENT: Final[dict[Segment, int]] = {"Enterprise": 3, "Mid-Market": 2, "Growth": 1}

PRODUCTS: Final[tuple[str, ...]] = (
    "EMR Upgrade",
    "Patient Flow Analytics",
    "Cloud Migration",
    "Clinical Documentation",
    "Pharmacy Module",
    "Theatre Management",
    "Digital Front Door",
    "Interoperability Hub",
    "Virtual Care Platform",
    "Cybersecurity Uplift",
    "Outpatient Scheduling",
    "Mobile Nursing",
)

# Meeting titles; renewal and roadmap meetings belong to the CSE, the others to the CAM.
RENEWAL_MEETING: Final = "Renewal Strategy Session"
ESCALATION_MEETING: Final = "Executive Escalation Review"
RECOVERY_MEETING: Final = "Health Recovery Plan Review"
HEALTHY_MEETINGS: Final[tuple[str, ...]] = (
    "Quarterly Business Review",
    "Executive Sponsor Check-in",
    "Roadmap Briefing",
    "Value Realisation Review",
)
CSE_MEETINGS: Final[frozenset[str]] = frozenset({RENEWAL_MEETING, "Roadmap Briefing"})
HEALTHY_MEETING_CLIENTS: Final = 6
"""Healthy clients with an upcoming meeting, besides every at-risk and critical one."""

CHECKLIST_ITEMS: Final[tuple[str, ...]] = (
    "agenda_shared",
    "attendees_confirmed",
    "stakeholder_research",
    "value_hypothesis",
    "proof_point_ready",
    "next_step_defined",
)
