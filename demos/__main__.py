"""Run every demo and write the report: ``python -m demos [--quick] [--seed N] [--out DIR]``."""

from __future__ import annotations

import html
import importlib
import time

from demos import DEMOS
from demos.common import Result, parse_args


def write_report(results: list[Result], out, seconds: float) -> None:
    parts = [
        "<!doctype html><meta charset='utf-8'><title>minigrad demos</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}"
        "blockquote{border-left:4px solid #0072B2;margin:0;padding-left:1em}</style>",
        "<h1>minigrad: what the demos measured</h1>",
        f"<p>{len(results)} demos, {seconds:.1f} s in all.</p>",
    ]
    for r in results:
        parts.append(f"<h2 id='{r.name}'>{html.escape(r.title)}</h2>")
        parts.append(f"<p><b>Claim.</b></p><blockquote>{html.escape(r.claim)}</blockquote>")
        parts.append("<p><b>Measured here.</b></p><table>")
        for key, value in r.numbers.items():
            shown = f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))
            parts.append(f"<tr><th>{html.escape(key)}</th><td>{shown}</td></tr>")
        parts.append("</table>")
        parts += [f"<p>{html.escape(note)}</p>" for note in r.notes]
        parts += [f"<p><img src='{html.escape(f)}' style='max-width:100%'></p>" for f in r.figures]
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")


def main(argv: list[str] | None = None) -> list[Result]:
    args = parse_args(__doc__.splitlines()[0], argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = []
    for name in DEMOS:
        module = importlib.import_module(f"demos.{name}")
        result = module.run(quick=args.quick, seed=args.seed, out=args.out)
        result.save(args.out)
        results.append(result)
    write_report(results, args.out, time.perf_counter() - start)
    print(f"report: {args.out / 'index.html'}")
    return results


if __name__ == "__main__":
    main()
