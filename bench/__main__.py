"""``python -m bench [NAME...] [--quick]``: run benchmarks, print a table and JSON lines."""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable

from bench import section_writes
from bench.result import Result

BENCHMARKS: dict[str, Callable[[bool], Result]] = {
    section_writes.NAME: section_writes.run,
}


def main(argv: list[str] | None = None) -> int:
    """Run the named benchmarks (default: all); exit 1 if any falls short of its target."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = [BENCHMARKS[name](args.quick) for name in args.names or BENCHMARKS]
    print(
        f"machine: {platform.machine()}, {platform.processor() or platform.system()}, "
        f"Python {platform.python_version()}"
    )
    print(f"{'bench':<18} {'ours':>10} {'peer':>10} {'ratio':>7} {'target':>7}  unit      result")
    for r in results:
        verdict = "pass" if r.ok else "falls short"
        print(
            f"{r.bench:<18} {r.ours:>10.1f} {r.peer:>10.1f} {r.ratio:>7.2f} {r.target:>7.2f}  "
            f"{r.unit:<9} {verdict}  ({r.note})"
        )
    for r in results:
        print(r.json_line())
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
