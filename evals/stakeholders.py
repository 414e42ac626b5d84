"""Evaluation of stakeholder detection on real public transcripts.

Data: ``../shared/data/transcripts/`` next to the project (or ``$CHASEN_SHARED_DATA``):

* ``earnings_calls_motleyfool/*.txt`` (JSON): ``participants`` is the ground truth, as
  ``"Name--Title"`` for company people (side ``customer``) and ``"Name--Firm -- Analyst"`` for
  outside analysts (side ``third_party``).
* ``qmsum_committee/*.json``: the ground-truth people are the distinct cleaned speaker names;
  a label's parenthetical that is an office ("(Minister of Finance)", not a riding such as
  "(Victoria, NDP)") and a role before it ("The Acting Chair (Mrs. X)") are their titles.

Each file (:mod:`evals.stakeholder_data`) is written out in one of the supported formats in
rotation (WebVTT with made-up times, SRT, ``Speaker: text`` plain text, the original JSON),
parsed back with
:func:`ingest.transcripts.formats.parse_transcript` and given to
:func:`~ingest.stakeholders.detect.detect_stakeholders`. Figures:

* **name precision**: detected people matching a ground-truth person / detected people
  (mentioned-only people included);
* **name recall**: ground-truth people found / ground-truth people;
* **title accuracy where stated**: among ground-truth people one of whose offices (spelled out,
  "EVP and COO" states "Executive Vice President and Chief Operating Officer") appears in the
  transcript text within 150 characters of their full name or surname, the share whose
  detected title shares an office with the truth (:func:`~ingest.stakeholders.titles.titles_match`);
* **side accuracy** (earnings calls): customer for company people, third party for analysts,
  among the ground-truth people found; **firm accuracy**: analysts whose detected organisation
  is their firm (same organisation or same first word: "Evercore ISI" / "Evercore Partners").

Run with ``python -m evals.stakeholders``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals.report import Case, Metric, SuiteReport
from evals.stakeholder_data import (
    FORMATS,
    Dataset,
    Meeting,
    Truth,
    convert,
    default_data_dir,
    load_meetings,
    parse_back,
    spoken_turns,
)
from evals.world import LazyWorld
from ingest.stakeholders.detect import DetectedPerson, detect_stakeholders, same_organisation
from ingest.stakeholders.names import fold, name_key, same_person
from ingest.stakeholders.titles import expand_abbreviations, title_offices, titles_match
from ingest.transcripts.model import Utterance

STATED_WINDOW = 150  # characters either side of a name within which a title counts as stated

NAME = "stakeholders"
TARGETS = {"recall": 0.95, "precision": 0.90, "title_accuracy": 0.70}


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class FileRow:
    """The figures of one file."""

    dataset: Dataset
    file: str
    format: str
    parse_note: str
    detected: int
    detected_matched: int
    truth: int
    truth_found: int
    titles_stated: int
    titles_correct: int
    sides_checked: int
    sides_correct: int
    firms_checked: int
    firms_correct: int
    missed: tuple[str, ...]
    extra: tuple[str, ...]
    title_misses: tuple[str, ...]
    side_misses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figures:
    """Aggregated figures over several files (None when the denominator is zero)."""

    files: int
    detected: int
    truth: int
    precision: float | None
    recall: float | None
    titles_stated: int
    title_accuracy: float | None
    sides_checked: int
    side_accuracy: float | None
    firms_checked: int
    firm_accuracy: float | None


@dataclass(frozen=True, slots=True)
class RoleLabelled:
    """Meetings whose speaker labels are roles (AMI "Project Manager", ICSI "Professor E"):
    any speaker detected there is a false person."""

    files: int
    speakers_detected: int
    mentioned_detected: int


@dataclass(frozen=True)
class StakeholderEvalReport:
    """The whole evaluation: per-file rows, per-dataset and overall figures."""

    data_dir: str
    parser: str
    rows: tuple[FileRow, ...]
    per_dataset: dict[str, Figures]
    overall: Figures
    role_labelled: RoleLabelled
    targets: dict[str, float] = field(default_factory=lambda: dict(TARGETS))

    def meets_targets(self) -> bool:
        """Whether overall recall, precision and title accuracy reach :data:`TARGETS`."""
        figures = {
            "recall": self.overall.recall,
            "precision": self.overall.precision,
            "title_accuracy": self.overall.title_accuracy,
        }
        return all((figures[k] or 0.0) >= v for k, v in self.targets.items())


def _office_phrases(office: str) -> set[str]:
    """An office and its first department: "vice president of investor relations and
    corporate strategy" is stated by "vice president of investor relations"."""
    phrases = {office}
    if " of " in office or " for " in office:
        phrases.add(office.split(" and ", maxsplit=1)[0])
    return phrases


def _states(window: str, office: str) -> bool:
    for phrase in _office_phrases(office):
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", window):
            # "president" inside "vice president" does not state the presidency.
            if phrase.startswith("president") and window[: match.start()].endswith("vice "):
                continue
            return True
    return False


def title_stated(truth: Truth, text: str) -> bool:
    """Whether the transcript text states one of the person's offices near their name."""
    if not truth.title:
        return False
    offices = title_offices(truth.title)
    folded = fold(text)
    tokens = name_key(truth.name).split()
    needles = {name_key(truth.name)} | ({tokens[-1]} if len(tokens) > 1 else set())
    plain = re.sub(r"[^\w\s]", " ", folded)  # same length: offsets stay valid
    for needle in needles:
        for match in re.finditer(rf"\b{re.escape(needle)}\b", plain):
            begin = max(0, match.start() - STATED_WINDOW)
            window = text[begin : match.end() + STATED_WINDOW]
            expanded = fold(expand_abbreviations(window))
            expanded = re.sub(r"\s+", " ", expanded)
            if any(_states(expanded, office) for office in offices):
                return True
    return False


def _firm_matches(detected: str | None, truth: str | None) -> bool:
    if not detected or not truth:
        return False
    if same_organisation(detected, truth):
        return True
    first_detected = re.findall(r"[\w.]+", detected.casefold())[:1]
    return bool(first_detected) and first_detected[0] in re.findall(r"[\w.]+", truth.casefold())


def _match(detected: Sequence[DetectedPerson], truth: Sequence[Truth]) -> dict[int, DetectedPerson]:
    """One-to-one matching of ground-truth people (by index) to detected people, speakers
    first; names match with :func:`~ingest.stakeholders.names.same_person`."""
    matched: dict[int, DetectedPerson] = {}
    used: set[int] = set()
    for t_index, person in enumerate(truth):
        for d_index, candidate in enumerate(detected):
            if d_index not in used and same_person(person.name, candidate.name):
                matched[t_index] = candidate
                used.add(d_index)
                break
    return matched


def score_file(
    meeting: Meeting, fmt: str, parse_note: str, detected: Sequence[DetectedPerson]
) -> FileRow:
    """Compare the detected people of one file with its ground truth."""
    matched = _match(detected, meeting.truth)
    matched_ids = {id(p) for p in matched.values()}
    text = "\n".join(t for _, t in meeting.turns)
    titles_stated = titles_correct = sides_checked = sides_correct = 0
    firms_checked = firms_correct = 0
    title_misses: list[str] = []
    side_misses: list[str] = []
    for index, truth in enumerate(meeting.truth):
        found = matched.get(index)
        if title_stated(truth, text):
            titles_stated += 1
            if found is not None and titles_match(found.title, truth.title):
                titles_correct += 1
            else:
                title_misses.append(f"{truth.name}: {found.title if found else None!r}")
        if meeting.dataset != "earnings_calls" or found is None:
            continue
        sides_checked += 1
        if found.side == truth.side:
            sides_correct += 1
        else:
            side_misses.append(f"{truth.name}: {found.side}")
        if truth.side == "third_party":
            firms_checked += 1
            firms_correct += _firm_matches(found.organisation, truth.firm)
    return FileRow(
        dataset=meeting.dataset,
        file=meeting.file,
        format=fmt,
        parse_note=parse_note,
        detected=len(detected),
        detected_matched=len(matched_ids),
        truth=len(meeting.truth),
        truth_found=len(matched),
        titles_stated=titles_stated,
        titles_correct=titles_correct,
        sides_checked=sides_checked,
        sides_correct=sides_correct,
        firms_checked=firms_checked,
        firms_correct=firms_correct,
        missed=tuple(t.name for i, t in enumerate(meeting.truth) if i not in matched),
        extra=tuple(p.name for p in detected if id(p) not in matched_ids),
        title_misses=tuple(title_misses),
        side_misses=tuple(side_misses),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def aggregate(rows: Sequence[FileRow]) -> Figures:
    """Micro-averaged figures over ``rows``."""
    detected = sum(r.detected for r in rows)
    truth = sum(r.truth for r in rows)
    stated = sum(r.titles_stated for r in rows)
    sides = sum(r.sides_checked for r in rows)
    firms = sum(r.firms_checked for r in rows)
    return Figures(
        files=len(rows),
        detected=detected,
        truth=truth,
        precision=_ratio(sum(r.detected_matched for r in rows), detected),
        recall=_ratio(sum(r.truth_found for r in rows), truth),
        titles_stated=stated,
        title_accuracy=_ratio(sum(r.titles_correct for r in rows), stated),
        sides_checked=sides,
        side_accuracy=_ratio(sum(r.sides_correct for r in rows), sides),
        firms_checked=firms,
        firm_accuracy=_ratio(sum(r.firms_correct for r in rows), firms),
    )


def run(data_dir: Path | None = None) -> StakeholderEvalReport:
    """Run the evaluation over every earnings call and committee meeting in ``data_dir``."""
    folder = data_dir or default_data_dir()
    meetings = load_meetings(folder)
    if not meetings:
        raise FileNotFoundError(f"no earnings calls or committee meetings under {folder}")
    rows: list[FileRow] = []
    position = {"earnings_calls": 0, "committee": 0}
    for meeting in meetings:
        fmt = FORMATS[position[meeting.dataset] % len(FORMATS)]
        position[meeting.dataset] += 1
        utterances, note = _utterances(meeting, fmt)
        detected = detect_stakeholders(
            utterances, meeting=meeting.file, organisation=meeting.organisation
        )
        rows.append(score_file(meeting, fmt, note, detected))
    per_dataset = {
        name: aggregate([r for r in rows if r.dataset == name])
        for name in ("earnings_calls", "committee")
    }
    return StakeholderEvalReport(
        data_dir=str(folder),
        parser="ingest.transcripts.formats.parse_transcript",
        rows=tuple(rows),
        per_dataset=per_dataset,
        overall=aggregate(rows),
        role_labelled=role_labelled(folder),
    )


ROLE_LABELLED = ("qmsum_ami_product", "qmsum_icsi_academic")


def role_labelled(data_dir: Path) -> RoleLabelled:
    """Detect people in the role-labelled meetings (their original JSON): none should speak."""
    files = speakers = mentioned = 0
    for folder in ROLE_LABELLED:
        for path in sorted((data_dir / folder).glob("*.json")):
            utterances = parse_back(path.read_bytes(), path.name)
            people = detect_stakeholders(utterances, meeting=path.name, organisation=None)
            files += 1
            speakers += sum(1 for p in people if p.spoke)
            mentioned += sum(1 for p in people if not p.spoke)
    return RoleLabelled(files, speakers, mentioned)


def _utterances(meeting: Meeting, fmt: str) -> tuple[list[Utterance], str]:
    data, filename = convert(meeting, fmt)
    utterances = parse_back(data, filename)
    spoken = spoken_turns(meeting.turns)
    labels = {speaker.strip() for speaker, _ in spoken}
    notes = []
    if len(utterances) != len(spoken):
        notes.append(f"{len(utterances)}/{len(spoken)} turns parsed")
    unlabelled = sum(1 for u in utterances if u.speaker not in labels)
    if unlabelled:
        notes.append(f"{unlabelled} turns lost their speaker label")
    return utterances, ", ".join(notes)


# --------------------------------------------------------------------------- output


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def _problems(row: FileRow) -> list[str]:
    """What went wrong in one file: parsing, people missed or added, titles and sides wrong."""
    parts = (
        row.parse_note,
        f"missed {', '.join(row.missed)}" if row.missed else "",
        f"extra {', '.join(row.extra)}" if row.extra else "",
        f"title? {' | '.join(row.title_misses)}" if row.title_misses else "",
        f"side? {', '.join(row.side_misses)}" if row.side_misses else "",
    )
    return [part for part in parts if part]


def format_report(report: StakeholderEvalReport) -> str:
    """A readable table: one line per file, then per dataset and overall."""
    lines = [
        f"Stakeholder detection eval — {report.data_dir} (parser: {report.parser})",
        "",
        f"{'file':24} {'fmt':5} {'det':>4} {'ok':>4} {'truth':>5} {'found':>5} "
        f"{'titles':>7} {'sides':>7} {'firms':>7}  notes",
    ]
    for row in report.rows:
        notes = "; ".join(_problems(row))
        lines.append(
            f"{row.file:24} {row.format:5} {row.detected:4} {row.detected_matched:4} "
            f"{row.truth:5} {row.truth_found:5} "
            f"{row.titles_correct:3}/{row.titles_stated:<3} {row.sides_correct:3}/"
            f"{row.sides_checked:<3} {row.firms_correct:3}/{row.firms_checked:<3}  {notes}"
        )
    lines += [
        "",
        f"{'':16} {'precision':>9} {'recall':>7} {'title acc':>10} {'(stated)':>8} "
        f"{'side acc':>9} {'firm acc':>9}",
    ]
    for name, figures in [*report.per_dataset.items(), ("overall", report.overall)]:
        lines.append(
            f"{name:16} {_pct(figures.precision):>9} {_pct(figures.recall):>7} "
            f"{_pct(figures.title_accuracy):>10} {figures.titles_stated:>8} "
            f"{_pct(figures.side_accuracy):>9} {_pct(figures.firm_accuracy):>9}"
        )
    labelled = report.role_labelled
    lines += [
        "",
        f"role-labelled meetings (AMI, ICSI): {labelled.files} files, "
        f"{labelled.speakers_detected} speakers detected as people (should be 0), "
        f"{labelled.mentioned_detected} mentioned people",
    ]
    verdict = "met" if report.meets_targets() else "NOT met"
    targets = ", ".join(f"{k} >= {v}" for k, v in report.targets.items())
    lines += ["", f"targets ({targets}): {verdict}"]
    return "\n".join(lines)


def report_json(report: StakeholderEvalReport) -> str:
    """The figures (without per-file name lists) as one JSON line."""
    summary: dict[str, Any] = {
        "eval": "stakeholders",
        "parser": report.parser,
        "overall": asdict(report.overall),
        "per_dataset": {k: asdict(v) for k, v in report.per_dataset.items()},
        "role_labelled": asdict(report.role_labelled),
        "targets": report.targets,
        "targets_met": report.meets_targets(),
    }
    return json.dumps(summary, sort_keys=True)


def main() -> None:
    """Print the table and a JSON line; exit 1 when the targets are not met."""
    report = run()
    print(format_report(report))
    print(report_json(report))
    sys.exit(0 if report.meets_targets() else 1)


if __name__ == "__main__":
    main()


def suite(_world: LazyWorld) -> SuiteReport:
    """This evaluation as a suite of ``chasen eval``: the overall figures against
    :data:`TARGETS`, and one case per file with what it missed or added."""
    report = run()
    overall = report.overall
    labelled = report.role_labelled
    metrics = [
        Metric("name recall", overall.recall, TARGETS["recall"],
               detail=f"{overall.truth} ground-truth people in {overall.files} meetings"),
        Metric("name precision", overall.precision, TARGETS["precision"],
               detail=f"{overall.detected} people detected"),
        Metric("title accuracy where stated", overall.title_accuracy, TARGETS["title_accuracy"],
               detail=f"{overall.titles_stated} titles stated in the text"),
        Metric("side accuracy (earnings calls)", overall.side_accuracy,
               detail=f"{overall.sides_checked} people: company or outside analyst"),
        Metric("firm accuracy (analysts)", overall.firm_accuracy,
               detail=f"{overall.firms_checked} analysts"),
        Metric("role labels taken for people", labelled.speakers_detected, 0, "count",
               higher_is_better=False,
               detail=f"{labelled.files} AMI and ICSI meetings whose speakers are roles"),
    ]  # fmt: skip
    cases = [
        Case(
            f"{row.dataset}/{row.file} ({row.format})",
            not (row.missed or row.extra),
            {"people": row.truth, "found": row.truth_found, "detected": row.detected},
            _problems(row),
        )
        for row in report.rows
    ]
    notes = [f"Public transcripts: {report.data_dir}; parsed by {report.parser}."]
    return SuiteReport(NAME, "Stakeholder detection", metrics, cases, notes)
