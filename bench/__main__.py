"""`make bench`: run every bench/bench_*.py and write docs/BENCHMARKS.md.

Each benchmark module defines `TITLE` and `run() -> str`, the Markdown body of its
section (a table with the measured figures next to a baseline from the same run).
Run one with `python -m bench NAME` (e.g. `python -m bench import`).
"""
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "BENCHMARKS.md"


def modules(selected):
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def run_one(name):
    """Each benchmark runs in its own interpreter so one's Django setup cannot affect another's."""
    code = f"import bench.{name} as m; print('\\x00TITLE:' + m.TITLE); print(m.run())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        return name, f"**failed** (exit {result.returncode}):\n\n```\n{result.stderr[-3000:]}\n```\n"
    out = result.stdout
    title = name
    if "\x00TITLE:" in out:
        head, _, rest = out.partition("\x00TITLE:")
        title, _, body = rest.partition("\n")
        return title, body
    return title, out


def main(argv):
    sections = []
    for name in modules(argv):
        print(f"running {name} …", flush=True)
        title, body = run_one(name)
        sections.append(f"## {title}\n\n{body.strip()}\n")
        print(body.strip(), flush=True)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU cores, "
        f"database {os.environ.get('DATABASE_URL', 'SQLite (temporary file)').split('@')[-1]}.\n\n"
        "Every figure stands next to a baseline measured in the same run; compare ratios, not absolute times.\n\n"
    )
    if argv and OUT.exists():
        # A partial run replaces only its own sections.
        existing = OUT.read_text(encoding="utf-8").split("\n## ")
        kept = [s for s in existing[1:] if not any(s.startswith(sec.split("\n", 1)[0][3:]) for sec in sections)]
        sections = [f"## {s.rstrip()}\n" for s in kept] + sections
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
