"""What every benchmark shares: replacing its own section of bench/RESULTS.md, and naming
the other processes that were using the CPU while it ran (2 shared cores skew timings)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402

RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")


def write_section(path, heading, section):
    """Replace the section that starts with `heading` (up to the next `## `); the other
    benches' sections stay as they are."""
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    start = old.find(heading)
    if start >= 0:
        end = old.find("\n## ", start + len(heading))
        old = old[:start].rstrip("\n") + ("\n" + old[end:] if end >= 0 else "")
    with common.atomic_write(path) as f:
        f.write(old.rstrip("\n") + "\n\n" + section)


def competing():
    """Other processes using the CPU now (from ps), as 'command (cpu%)' strings."""
    out = subprocess.run(["ps", "-eo", "pid,pcpu,args", "--sort=-pcpu"], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        pid, cpu, cmd = line.split(None, 2)
        if int(pid) != os.getpid() and float(cpu) >= 20:
            rows.append(f"{cmd[:90]} ({cpu}% CPU)")
    return rows
