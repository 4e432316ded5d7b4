"""`make bench`: run every bench/bench_*.py and write docs/BENCHMARKS.md and docs/benchmarks.json.

Each benchmark module defines `TITLE` and `run() -> str`, the Markdown body of its
section (a table with the measured figures next to a baseline from the same run), and may
fill a module-level `RESULTS` dict: the same figures, machine-readable, for docs/benchmarks.json.
Run one with `python -m bench NAME` (e.g. `python -m bench import`).
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "BENCHMARKS.md"
JSON_OUT = ROOT / "docs" / "benchmarks.json"


def modules(selected):
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def _rounded(value):
    """Floats to 3 decimals (milliseconds to the microsecond): the JSON file is for reading too."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def run_one(name):
    """Each benchmark runs in its own interpreter so one's Django setup cannot affect another's."""
    code = (
        f"import json, bench.{name} as m; print('\\x00TITLE:' + m.TITLE); body = m.run(); "
        "print(body); print('\\x00JSON:' + json.dumps(getattr(m, 'RESULTS', {}), default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        return name, f"**failed** (exit {result.returncode}):\n\n```\n{result.stderr[-3000:]}\n```\n", {"failed": True}
    out, data = result.stdout, {}
    if "\x00JSON:" in out:
        out, _, raw = out.rpartition("\x00JSON:")
        data = _rounded(json.loads(raw))
    title = name
    if "\x00TITLE:" in out:
        head, _, rest = out.partition("\x00TITLE:")
        title, _, body = rest.partition("\n")
        return title, body, data
    return title, out, data


def main(argv):
    sections, results = [], {}
    for name in modules(argv):
        print(f"running {name} …", flush=True)
        started = datetime.datetime.now(datetime.UTC)
        title, body, data = run_one(name)
        sections.append(f"## {title}\n\n{body.strip()}\n")
        results[name] = {"title": title, "started": started.isoformat(timespec="seconds"), "results": data}
        print(body.strip(), flush=True)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    # A copy of the tree (no .git) names the commit it was copied from.
    commit = os.environ.get("BENCH_COMMIT") or commit or "?"
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU cores, "
        f"database {os.environ.get('DATABASE_URL', 'SQLite (temporary file)').split('@')[-1]}, except the check-in and "
        "live dashboard sections, which run on PostgreSQL and Redis (`BENCH_DATABASE_URL`, `BENCH_REDIS_URL`). "
        "The machine-readable figures are in `docs/benchmarks.json`.\n\n"
        "Every figure stands next to a baseline measured in the same run; compare ratios, not absolute times.\n\n"
    )
    if argv and OUT.exists():
        # A partial run replaces only its own sections.
        existing = OUT.read_text(encoding="utf-8").split("\n## ")
        kept = [s for s in existing[1:] if not any(s.startswith(sec.split("\n", 1)[0][3:]) for sec in sections)]
        sections = [f"## {s.rstrip()}\n" for s in kept] + sections
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "\n".join(sections), encoding="utf-8")
    previous = {}
    if argv and JSON_OUT.exists():
        previous = json.loads(JSON_OUT.read_text(encoding="utf-8")).get("benchmarks", {})
    document = {
        "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "cpu_cores": os.cpu_count(),
        "benchmarks": {**previous, **results},
    }
    JSON_OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} and {JSON_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
