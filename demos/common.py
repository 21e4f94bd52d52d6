"""What every demo shares: command-line options, progress bars, the results record."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_OUT = Path("demo-output")


@dataclass
class Result:
    """What a demo measured: numbers for tests and the report, files it wrote."""

    name: str
    title: str
    claim: str
    numbers: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, key: str, value: Any, text: str | None = None) -> Any:
        """Record a measured number and print it."""
        self.numbers[key] = value
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"  {text or key}: {shown}")
        return value

    def save(self, out: Path) -> None:
        (out / f"{self.name}.json").write_text(json.dumps(self.__dict__, indent=2, default=str))


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar over a training loop (tqdm when installed)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return iter(items)
    return iter(tqdm(items, desc=desc, total=total, leave=False, mininterval=0.5))


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    return parser.parse_args(argv)


def main_for(run: Callable[..., Result], description: str, argv: list[str] | None = None) -> Result:
    """The body of a demo's ``python -m demos.NAME``."""
    args = parse_args(description, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = run(quick=args.quick, seed=args.seed, out=args.out)
    result.save(args.out)
    return result
