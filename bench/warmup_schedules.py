"""Which warm-up? Plain shuffled SFT at the curriculum's own step count, the curriculum with
one learning-rate schedule over its stages (--schedule single), and the curriculum with a
schedule per stage (--schedule stage), on the same data and the same evaluation cases.

    python bench/warmup_schedules.py --data runs/dev/data --work runs/schedules [--limit 100]

Each arm is a warmup.py run (an arm whose --out already holds the finished run is reused)
evaluated with eval.py on the synthetic test split and BFCL's five non-live categories.
Against the plain SFT arm, each arm gets the cases it gains and loses on the same cases
and a bootstrap interval (2000 resamples of the cases, bench/results.py's `paired`) of its
accuracy difference. Writes
(replaces) the section `## warmup.py: curriculum schedules against plain SFT` of
bench/RESULTS.md.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import RESULTS, ROOT, case_results, commit, competing, paired, write_section  # noqa: E402  (bench/results.py)

HEADING = "## warmup.py: curriculum schedules against plain SFT"
BFCL = "bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance"
CATS = ["simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance"]


def sh(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr)
    subprocess.run([sys.executable] + cmd, cwd=ROOT, check=True)


def steps_of(folder):
    return json.load(open(os.path.join(folder, "run.json")))["steps"]


def rows_of(path):
    return {r["id"]: r for r in map(json.loads, open(path))}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with train.jsonl and test.jsonl (synth.py)")
    p.add_argument("--work", default="runs/schedules", help="arms' folders")
    p.add_argument("--limit", type=int, default=100, help="evaluation cases per category")
    p.add_argument("--stage-out", default=None, help="an existing --schedule stage warm-up of these settings")
    p.add_argument("--warmup-args", default="--batch-size 4 --epochs 1 --seed 0", help="warmup.py flags of every arm")
    args = p.parse_args()
    train, test = os.path.join(args.data, "train.jsonl"), os.path.join(args.data, "test.jsonl")
    base = args.warmup_args.split()
    load = os.getloadavg()[0]
    arms = [("curriculum, a schedule per stage (`--schedule stage`)", args.stage_out or os.path.join(args.work, "stage"),
             ["--schedule", "stage"]),
            ("curriculum, one schedule (`--schedule single`)", os.path.join(args.work, "single"), ["--schedule", "single"])]
    t0 = time.time()
    for _, out, flags in arms:
        sh(["warmup.py", "--data", train, "--out", out] + base + flags)
    steps = steps_of(arms[0][1])
    plain = os.path.join(args.work, "plain")
    # shuffled SFT over all examples, as many optimizer steps as the curriculum took
    sh(["warmup.py", "--data", train, "--out", plain] + base + ["--buckets", "1", "--epochs", "3", "--max-steps", str(steps)])
    arms = [(f"plain shuffled SFT, {steps} steps (`--buckets 1`)", plain, [])] + arms
    results = {}
    for name, out, _ in arms:
        for split, data in (("synth", test), ("bfcl", BFCL)):
            path = os.path.join(out, f"eval-{split}.jsonl")
            if not os.path.exists(path):
                sh(["eval.py", "--model", out, "--data", data, "--limit", str(args.limit), "--out", path])
        results[name] = {s: rows_of(os.path.join(out, f"eval-{s}.jsonl")) for s in ("synth", "bfcl")}
    hours = (time.time() - t0) / 3600

    ref = results[arms[0][0]]
    lines = [f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit "
             f"{commit()})",
             "", f"Command: `python {' '.join(sys.argv)}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; this run {hours:.1f} h (finished arms and evaluations are reused); load average (1 min) "
             f"before/after {load:.2f}/{os.getloadavg()[0]:.2f}; competing processes after: {', '.join(competing()) or 'none'}  ",
             f"Data: {train} ({sum(1 for _ in open(train))} examples), warmup.py `{args.warmup_args}`; "
             f"evaluation: {test} and {BFCL}, --limit {args.limit}. Accuracy in %; BFCL non-live is the unweighted mean of the "
             "four call categories, as eval.py reports it. Gained/lost: cases right in the arm and "
             "wrong in plain SFT, and the other way, over the synthetic and BFCL cases together.", "",
             "| arm | steps | synthetic | " + " | ".join(CATS) + " | BFCL non-live | mean of the two | "
             "gained / lost | difference, 95% interval |",
             "|---|---|---|" + "---|" * len(CATS) + "---|---|---|---|"]
    for name, out, _ in arms:
        r = results[name]
        synth = 100 * sum(x["valid"] for x in r["synth"].values()) / len(r["synth"])
        cat = {c: [x["valid"] for x in r["bfcl"].values() if x["category"] == c] for c in CATS}
        acc = {c: 100 * sum(v) / len(v) for c, v in cat.items() if v}
        calls = [acc[c] for c in CATS[:4] if c in acc]
        nonlive = sum(calls) / 4  # eval.py's (BFCL's) non-live: the four call categories, unweighted
        vs = paired({k: case_results(v.values()) for k, v in r.items()}, {k: case_results(v.values()) for k, v in ref.items()})
        cells = " | ".join(f"{acc.get(c, 0):.1f}" for c in CATS)
        vs = "reference | " if out == plain else \
            f"{vs['gained']} / {vs['lost']} | {vs['difference']:+.1f} ({vs['low']:+.1f} to {vs['high']:+.1f})"
        lines.append(f"| {name} | {steps_of(out)} | {synth:.1f} | {cells} | {nonlive:.1f} | {(synth + nonlive) / 2:.1f} | "
                     f"{vs} |")
    write_section(RESULTS, HEADING, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
