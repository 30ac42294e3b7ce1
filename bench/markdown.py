"""Markdown benchmark (issue 13): render time of core.markdown.render on the worst known inputs, at the
documented limits (core.limits.TEXT_MAX_CHARS for notes and updates, LONG_TEXT_MAX_CHARS for retrospective
sections), and at a quarter of them to show the growth (linear: about 4x).

Each input is rendered `--runs` times in this process (CPU time, so other processes on the machine matter
less); the percentiles are over those runs. With `--compare`, the same inputs also go through
python-markdown (the renderer before issue 13) at a size it survives, for the record.

    .venv/bin/python bench/markdown.py [--runs 20] [--compare]

Prints one line per input; writes nothing.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path, where `import markdown` would find this file.
sys.path[0] = str(BASE_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("FIREBREAK_ENV_FILE", "")

import django  # noqa: E402

django.setup()

from core import limits, markdown  # noqa: E402

WORST_INPUTS = {
    "unclosed links [a](": "[a](",
    "open brackets [": "[",
    "nested brackets [[": "[[",
    "images ![a](": "![a](",
    "emphasis *a": "*a",
    "underscores _a": "_a",
    "mixed delimiters *_": "*_",
    "strikethrough ~~a": "~~a",
    "backtick runs `a``": "`a``",
    "autolinks <a": "<a",
    "entities &#": "&#",
    "blockquotes >": ">",
    "nested lists": "  - a\n",
    "raw nested <div>": "<div>",
    "plain prose": "The quick brown fox jumps over the lazy dog. ",
}


def repeated(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), ordered[-1]


def measure(render: object, text: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        render(text)  # type: ignore[operator]
        samples.append((time.process_time() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--compare", action="store_true", help="also time python-markdown at 8 KB")
    args = parser.parse_args()

    print(f"core.markdown.render, CPU ms over {args.runs} runs: p50 / p95 / max")
    header = f"{'input':24} {'size':>7}  {'p50':>7} {'p95':>7} {'max':>7}   growth x4 (p50)"
    print(header)
    for limit in (limits.TEXT_MAX_CHARS, limits.LONG_TEXT_MAX_CHARS):
        for name, unit in WORST_INPUTS.items():
            quarter = statistics.median(measure(markdown.render, repeated(unit, limit // 4), args.runs))
            p50, p95, worst = percentiles(measure(markdown.render, repeated(unit, limit), args.runs))
            growth = p50 / quarter if quarter > 0.01 else float("nan")
            print(f"{name:24} {limit:>7,}  {p50:7.2f} {p95:7.2f} {worst:7.2f}   {growth:5.1f}")
    if args.compare:
        import markdown as python_markdown  # the renderer before issue 13 (not a dependency any more)

        def old(text: str) -> str:
            return python_markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])

        print("\npython-markdown (before), CPU ms, one run each: 2 KB / 8 KB")
        for name in ("unclosed links [a](", "open brackets [", "images ![a]("):
            small = measure(old, repeated(WORST_INPUTS[name], 2_000), 1)[0]
            large = measure(old, repeated(WORST_INPUTS[name], 8_000), 1)[0]
            print(f"{name:24} {small:9.1f} {large:9.1f}   growth x4: {large / small:5.1f}")


if __name__ == "__main__":
    main()
