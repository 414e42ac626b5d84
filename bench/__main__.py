"""``python -m bench [NAME...] [--quick]``: run benchmarks, print a table and JSON lines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import (
    agent_turns,
    api_load,
    performance_rollup,
    plan_drafts,
    risk_portfolio,
    section_writes,
    slack_ack,
    telco_eval,
    transcript_ingest,
    transcript_search,
    vector_store,
)
from bench.result import Result
from core.machine import describe_machine

Benchmark = Callable[[bool], Result | list[Result]]

BENCHMARKS: dict[str, Benchmark] = {
    section_writes.NAME: section_writes.run,
    transcript_ingest.NAME: transcript_ingest.run,
    vector_store.NAME: vector_store.run,
    transcript_search.NAME: transcript_search.run,
    telco_eval.NAME: telco_eval.run,
    risk_portfolio.NAME: risk_portfolio.run,
    performance_rollup.NAME: performance_rollup.run,
    agent_turns.NAME: agent_turns.run,
    plan_drafts.NAME: plan_drafts.run,
    api_load.NAME: api_load.run,
    slack_ack.NAME: slack_ack.run,
}


def _number(value: float) -> str:
    """Small figures (recall, ratios of ms) keep three decimals, large ones one."""
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    """Run the named benchmarks (default: all); exit 1 if any falls short of its target."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results: list[Result] = []
    for name in args.names or BENCHMARKS:
        outcome = BENCHMARKS[name](args.quick)
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    print(f"machine: {describe_machine()}; {'quick' if args.quick else 'full'} run")
    width = max(len(r.bench) for r in results)
    print(
        f"{'bench':<{width}} {'ours':>10} {'peer':>10} {'ratio':>7} {'target':>8}  "
        f"{'unit':<9} result"
    )
    for r in results:
        verdict = "pass" if r.ok else "falls short"
        target = f"{'>=' if r.higher_is_better else '<='}{r.target:.2f}"
        print(
            f"{r.bench:<{width}} {_number(r.ours):>10} {_number(r.peer):>10} {r.ratio:>7.2f} "
            f"{target:>8}  {r.unit:<9} {verdict}  ({r.note})"
        )
    for r in results:
        print(r.json_line())
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
