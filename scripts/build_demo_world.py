"""Regenerate the committed demo world in data/demo/ (see depots/demo_world.py and docs/demo.md).

Usage: .venv/bin/python scripts/build_demo_world.py [--seed 2026] [--out data/demo]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from depots.demo_world import DEFAULT_SEED, DEMO_DIR, generate, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEMO_DIR)
    args = parser.parse_args()
    world = generate(args.seed)
    for path in write(world, args.out):
        print(path)
    print(world.sizes())


if __name__ == "__main__":
    main()
