"""`python -m milo_pipeline.synthetic --out DIR [--youths N] [--seed S] [--year Y]`: writes the synthetic
exports and prints the files written."""

from __future__ import annotations

import argparse
from pathlib import Path

from .generator import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m milo_pipeline.synthetic",
        description="Writes synthetic i-milo exports, one file per table, dated 15 January of the year after.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    parser.add_argument("--youths", type=int, default=3500, help="youths accompanied in the year (default 3500)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument("--year", type=int, default=2024, help="report year (default 2024)")
    args = parser.parse_args(argv)
    if args.youths < 1:
        parser.error("--youths must be at least 1")
    for path in generate(args.out, youths=args.youths, seed=args.seed, year=args.year).values():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
