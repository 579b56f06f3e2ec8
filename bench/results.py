"""What every benchmark shares: replacing its own section of bench/RESULTS.md, and naming
the other processes that were using the CPU while it ran (2 shared cores skew timings)."""
import hashlib
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402

RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")


def write_section(path, heading, section):
    """Replace the section whose heading line is `heading`, alone or followed by ` (` (its date),
    up to the next `## `, where it stands, or append it; the other sections stay as they are (a
    heading that merely begins with `heading` is another section's)."""
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    found = re.search(rf"^{re.escape(heading)}(?= \(|$)", old, re.M)
    start = found.start() if found else -1
    if start < 0:
        text = old.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = old.find("\n## ", start + len(heading))
        text = old[:start] + section.rstrip("\n") + "\n" + (old[end:] if end >= 0 else "")
    with common.atomic_write(path) as f:
        f.write(text)


def latest_date(rows):
    """The newest `date` among the record rows a report shows (None for a row not in the record;
    today when none has one): a section read from the record is dated by its latest measurement,
    not by when it was written again."""
    return max((r["date"] for r in rows if r and r.get("date")), default=time.strftime("%Y-%m-%d"))


def commit():
    """The checkout's short commit hash, or None outside a git checkout."""
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or None


def competing():
    """Other processes using the CPU now (from ps), as 'command (cpu%)' strings."""
    out = subprocess.run(["ps", "-eo", "pid,pcpu,args", "--sort=-pcpu"], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        pid, cpu, cmd = line.split(None, 2)
        if int(pid) != os.getpid() and float(cpu) >= 20:
            rows.append(f"{cmd[:90]} ({cpu}% CPU)")
    return rows


def case_results(rows):
    """eval.py's result rows -> {"ids_sha256", "valid"}: the cases' ids (sorted) hashed, and one
    0/1 character per case in that order; compact enough to keep in a committed record."""
    rows = sorted(rows, key=lambda r: str(r["id"]))
    ids = "\n".join(str(r["id"]) for r in rows)
    runs = []  # the cases' categories in that order, run-length encoded: [[category, count], ...]
    for r in rows:
        if runs and runs[-1][0] == r.get("category"):
            runs[-1][1] += 1
        else:
            runs.append([r.get("category"), 1])
    return {"ids_sha256": hashlib.sha256(ids.encode()).hexdigest(), "valid": "".join("1" if r["valid"] else "0" for r in rows),
            "categories": runs}


def weights_sha256(folder):
    """sha256 of a model folder's weights (its *.safetensors files, by name): which model a row
    measured. The same recipe, data and seed made again on another machine or thread count is
    another model (CPU float rounding differs), so a row's name alone does not say it."""
    h = hashlib.sha256()
    if not os.path.isdir(folder):
        raise common.InputError(folder, None, "no such model folder")
    names = sorted(n for n in os.listdir(folder) if n.endswith(".safetensors"))
    if not names:
        raise common.InputError(folder, None, "no *.safetensors weights")
    for name in names:
        h.update(name.encode() + b"\0")
        with open(os.path.join(folder, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 24), b""):
                h.update(block)
    return h.hexdigest()


# The goal score's ten categories: BFCL's five non-live python ones and the synthetic test's five.
BFCL_GOAL = "bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance"  # eval.py --data of those five
GOAL_CATEGORIES = {"bfcl": ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance"),
                   "synth": ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")}
# the eight of them where a tool is called: an arm's gain must show there, as a model that never calls a tool
# is right on both irrelevance categories
CALL_CATEGORIES = {split: tuple(c for c in cats if c != "irrelevance") for split, cats in GOAL_CATEGORIES.items()}


def goal_score(synth, bfcl):
    """The experiments' goal score in %: the unweighted mean of per-category accuracy over the ten
    categories of both test sets (eval.py summaries), so that every category counts once and no
    one of them (irrelevance, which prose passes) decides. None unless all ten were evaluated."""
    accs = [(summary or {}).get("categories", {}).get(cat, {}).get("accuracy")
            for summary, split in ((synth, "synth"), (bfcl, "bfcl")) for cat in GOAL_CATEGORIES[split]]
    return None if None in accs else 100 * sum(accs) / len(accs)


def _strata(split):
    """{category: [case positions]} of one split's case_results."""
    out, at = {}, 0
    for cat, n in split["categories"]:
        out.setdefault(cat, []).extend(range(at, at + n))
        at += n
    return out


def paired_goal(arm, ref, resamples=2000, seed=0, categories=GOAL_CATEGORIES):
    """The difference in points of the goal score (goal_score) between two arms on the same cases
    ({split: case_results}), and its 95% percentile-bootstrap interval: cases are resampled within
    each of the ten categories, so every resample has the design's case counts. None when the
    cases differ or a record lacks one of the categories. categories=CALL_CATEGORIES: the mean
    over the eight call categories instead."""
    if set(ref) != {"synth", "bfcl"} or set(arm) != set(ref) or any(
            arm[s]["ids_sha256"] != ref[s]["ids_sha256"] or "categories" not in arm[s] or "categories" not in ref[s]
            for s in ref):
        return None
    strata = []  # (case differences of one category), one per category
    for split, cats in categories.items():
        diff = [int(a) - int(b) for a, b in zip(arm[split]["valid"], ref[split]["valid"])]
        at = _strata(ref[split])
        if any(not at.get(c) for c in cats):
            return None
        strata += [[diff[i] for i in at[c]] for c in cats]

    def goal(draw):
        return 100 * sum(sum(d) / len(d) for d in draw) / len(draw)

    rng = random.Random(seed)
    draws = sorted(goal([[rng.choice(d) for _ in d] for d in strata]) for _ in range(resamples))
    return {"difference": goal(strata), "low": draws[int(0.025 * resamples)], "high": draws[int(0.975 * resamples) - 1]}


def paired_entry(g, against):
    """A row's `paired` field: paired_goal's result g in points, rounded, against the row key `against`;
    None when g is."""
    return {"against": against, "diff": round(g["difference"], 2), "low": round(g["low"], 2),
            "high": round(g["high"], 2)} if g else None


def paired(arm, ref, resamples=2000, seed=0):
    """The paired comparison of two arms on the same cases ({split: case_results}): cases the arm
    gets right and the reference wrong (gained), the other way (lost), the accuracy difference in
    points and its 95% percentile-bootstrap interval over the cases. None when the cases differ."""
    if set(arm) != set(ref) or any(arm[s]["ids_sha256"] != ref[s]["ids_sha256"] for s in ref):
        return None
    diffs = [int(a) - int(b) for s in sorted(ref) for a, b in zip(arm[s]["valid"], ref[s]["valid"])]
    if not diffs:
        return None
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(diffs) for _ in diffs) / len(diffs) for _ in range(resamples))
    return {"gained": diffs.count(1), "lost": diffs.count(-1), "difference": 100 * sum(diffs) / len(diffs),
            "low": 100 * means[int(0.025 * resamples)], "high": 100 * means[int(0.975 * resamples) - 1]}
