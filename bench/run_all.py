"""`make bench`: every benchmark at the size its target names (docs/benchmarks.md).

Each runs in its own process, as documented, so one's memory and GC state
cannot colour another's figures.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    ["bench.generate_orders", "--db", "sqlite", "--db", "postgres", "--bookings", "100000"],
    ["bench.orders_query", "--db", "sqlite", "--db", "postgres"],
    ["bench.exact_sandbox_gets", "--requests", "5000", "--concurrency", "1", "4", "16"],
    ["bench.exact_calls", "--db", "sqlite", "--db", "postgres"],
    ["bench.invoice_push", "--db", "sqlite", "--db", "postgres"],
    ["bench.documents", "--db", "sqlite", "--db", "postgres"],
]


def main() -> None:
    for module, *args in BENCHMARKS:
        print(f"== {module} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, "-m", module, *args], check=True)


if __name__ == "__main__":
    main()
