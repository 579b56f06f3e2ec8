"""Compare evaluated models on the goal score: any eval.py output folders holding synth.jsonl and
bfcl.jsonl (with their summaries) of the same cases, each against the first.

    python bench/compare.py runs/plateau/eval/plateau runs/plateau-sft_continued/eval/warmup [--names plateau,annealed]

One line per folder: the goal score (bench/results.py, the ten categories), the synthetic test,
BFCL non-live and both irrelevance categories; then, for each folder after the first, its paired
difference from the first on the goal score (stratified bootstrap) and the cases gained and lost.
For models outside bench/experiments.py's arms (a checkpoint, another schedule); reads files only.
With --data (the synthetic test set the folders were evaluated on), a line per folder: on its call
cases, how many answers hold fewer calls than the gold, as many, more, or are not a list of calls.

    python bench/compare.py runs/plateau2-annealed-sft_continued/eval/warmup runs/plateau2-annealed-itool_greedy/eval/iter2 --data runs/plateau2/data/test.jsonl
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
from results import case_results, goal_score, paired, paired_goal  # noqa: E402  (bench/results.py)

SPLITS = ("synth", "bfcl")


def load(folder):
    """({split: eval.py summary}, {split: case_results}) of one folder."""
    summaries, cases = {}, {}
    for split in SPLITS:
        path = os.path.join(folder, split + ".summary.json")
        if not os.path.isfile(path):
            raise common.InputError(path, None, "no such file: the folder needs eval.py's synth and bfcl outputs")
        with open(path, encoding="utf-8") as f:
            try:
                summaries[split] = json.load(f)
            except json.JSONDecodeError as e:
                raise common.InputError(path, e.lineno, f"not JSON ({e.msg})") from None
        cases[split] = case_results(common.read_jsonl(os.path.join(folder, split + ".jsonl")))
    return summaries, cases


def pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}"


def call_counts(rows, golds):
    """{"fewer", "as many", "more", "not calls"}: answers to call cases against the gold's number of
    calls (golds: case id -> the gold's answer; cases whose gold calls nothing are left out)."""
    out = dict.fromkeys(("fewer", "as many", "more", "not calls"), 0)
    for r in rows:
        gold = golds.get(r["id"])
        if not gold:
            continue
        try:
            n = len(common.parse_calls(str(r.get("output", ""))))
        except ValueError:
            out["not calls"] += 1
            continue
        out["fewer" if n < len(gold) else "more" if n > len(gold) else "as many"] += 1
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="eval.py output folders; the first is the reference")
    p.add_argument("--names", help="comma-separated names for the folders (default: the folders)")
    p.add_argument("--data", help="the synthetic test set (JSONL with `answer`): calls against the gold's count")
    args = p.parse_args()
    names = args.names.split(",") if args.names else args.folders
    if len(names) != len(args.folders):
        p.error(f"--names has {len(names)} names for {len(args.folders)} folders")
    got = [load(folder) for folder in args.folders]
    print("| model | goal score | synthetic test | BFCL non-live | irrelevance (synthetic, BFCL) | "
          f"against {names[0]}: goal difference (95% interval) | cases gained / lost |")
    print("|---|---|---|---|---|---|---|")
    ref = got[0][1]
    for i, (name, (summary, cases)) in enumerate(zip(names, got)):
        goal = goal_score(summary["synth"], summary["bfcl"])
        vs = " | "  # the reference: no comparison
        if i:
            if any(cases[split]["ids_sha256"] != ref[split]["ids_sha256"] for split in SPLITS):
                raise common.InputError(args.folders[i], None, f"not the cases of {args.folders[0]}: no paired comparison")
            g, gl = paired_goal(cases, ref), paired(cases, ref)
            if g is None or gl is None:
                raise common.InputError(args.folders[i], None, "a split lacks one of the goal score's ten categories")
            vs = f"{g['difference']:+.1f} ({g['low']:+.1f} to {g['high']:+.1f}) | {gl['gained']} / {gl['lost']}"
        print(f"| {name} | {'n/a' if goal is None else f'{goal:.1f}'} | {pct(summary['synth'].get('accuracy'))} | "
              f"{pct(summary['bfcl'].get('non_live'))} | {pct(summary['synth'].get('irrelevance'))}, "
              f"{pct(summary['bfcl'].get('irrelevance'))} | {vs} |")
    if args.data:
        golds = {t["id"]: t["answer"] for t in common.read_tasks(args.data)}  # a bad row: one line, exit 2
        for name, folder in zip(names, args.folders):
            c = call_counts(common.read_jsonl(os.path.join(folder, "synth.jsonl")), golds)
            print(f"{name}: synthetic call cases ({sum(c.values())}) against the gold's number of calls: "
                  + ", ".join(f"{k} {v}" for k, v in c.items()))


if __name__ == "__main__":
    common.run_main(main)
