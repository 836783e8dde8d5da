"""`python -m milo_pipeline.synthetic --out DIR [--youths N] [--seed S] [--year Y] [--structure CODE --index I]`:
writes the synthetic exports and prints the files written.

With `--structure CODE --index I` (I from 1 to 900), the exports of one structure of a network: the same rows as
without (same seed, same size), with identifiers and SIRET in the structure's own ranges (structures.py), so that
the exports of structures of different indexes can be put together (`structures.union`) without any collision.
The code names the structure; only the index sets its ranges."""

from __future__ import annotations

import argparse
from pathlib import Path

from .generator import generate
from .structures import Structure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m milo_pipeline.synthetic",
        description="Writes synthetic i-milo exports, one file per table, dated 15 January of the year after.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    parser.add_argument("--youths", type=int, default=3500, help="youths accompanied in the year (default 3500)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument("--year", type=int, default=2024, help="report year (default 2024)")
    parser.add_argument("--structure", metavar="CODE", help="code of the structure (with --index)")
    parser.add_argument("--index", type=int, help="index of the structure in its network, 1 to 900: its id ranges")
    args = parser.parse_args(argv)
    if args.youths < 1:
        parser.error("--youths must be at least 1")
    if (args.structure is None) != (args.index is None):
        parser.error("--structure and --index go together")
    try:
        structure = Structure(args.structure, args.index) if args.structure is not None else None
        if structure is not None:
            structure.check_size(args.youths)
    except ValueError as exc:
        parser.error(str(exc))
    for path in generate(args.out, youths=args.youths, seed=args.seed, year=args.year, structure=structure).values():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
