"""How many preference pairs the trees give, and which errors their rejected sides carry, per
mcts.py setting, on the same examples.

    python bench/mcts_pairs.py --model runs/dev/warmup --data runs/dev/data/train.jsonl --trees 60 \
        --arm "T=0.7:--temperature 0.7" --arm "T=1.0:--temperature 1.0" --arm "T=1.5:--temperature 1.5"

Deficiency calibration (mcts.select_examples, with mcts.py's defaults) picks the examples
once; every arm (`NAME:mcts.py flags[|prefs.py flags]`) grows a tree for each of the first
--trees of them, as mcts.py does, and prefs.py's pairs are made from those trees (its
defaults, plus the arm's prefs flags). Per arm: kept pairs per tree, the share whose
rejected side is a fragment error (not `unparseable`, `none`), the error labels, the
filters' drops, nodes per tree and trees per minute. Each arm's trees and pairs are written
to --work/NAME/ (trees.jsonl, pairs.jsonl). Writes (replaces) the section `## mcts.py and
prefs.py: pairs per setting` of bench/RESULTS.md.
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import ROOT, commit, competing, write_section  # noqa: E402  (bench/results.py)
import common  # noqa: E402
import training  # noqa: E402
import mcts  # noqa: E402
import prefs  # noqa: E402

HEADING = "## mcts.py and prefs.py: pairs per setting"
NOT_FRAGMENT = ("unparseable", "none")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="the policy (the warmed-up model)")
    p.add_argument("--data", required=True, help="training tasks")
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "out", "mcts_pairs"), help="folder for trees and pairs")
    p.add_argument("--trees", type=int, default=60, help="trees per arm (the head of the selection)")
    p.add_argument("--arm", action="append", required=True, help="NAME:mcts.py flags[|prefs.py flags]")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()

    import torch
    device, dtype = training.pick_device()
    model, tok = training.load_model(args.model, device, dtype)
    model.eval()
    tasks = common.read_tasks(args.data, need_response=True)
    by_id = {t["id"]: t for t in tasks}
    os.makedirs(args.work, exist_ok=True)
    base = mcts.parse_args(["--model", args.model, "--data", args.data, "--out", os.path.join(args.work, "selection.jsonl")])
    selected = mcts.select_examples(model, tok, tasks, base, mcts.settings(base))[:args.trees]
    stop_ids = {tok.eos_token_id}
    eos = getattr(model.generation_config, "eos_token_id", None)
    stop_ids |= set(eos if isinstance(eos, list) else [eos])
    load_before, before = os.getloadavg()[0], competing()
    rows = []
    for arm in args.arm:
        name, _, flags = arm.partition(":")
        mflags, _, pflags = flags.partition("|")
        folder = os.path.join(args.work, name.replace("/", "_").replace(" ", "_"))
        os.makedirs(folder, exist_ok=True)
        margs = mcts.parse_args(["--model", args.model, "--data", args.data, "--out", os.path.join(folder, "trees.jsonl")]
                                + mflags.split())
        grown, t0 = {}, time.perf_counter()
        mcts.grow(model, tok, [by_id[s["id"]] for s in selected], margs, stop_ids, grown.__setitem__)
        seconds = time.perf_counter() - t0
        trees = []
        for k, s in enumerate(selected):
            trees.append(mcts.tree_row(grown[k], s, margs))
        common.write_jsonl(margs.out, trees)
        pargs = prefs.parse_args(["--trees", margs.out, "--out", os.path.join(folder, "pairs.jsonl")] + pflags.split())
        counts = {"candidates": 0, "no_attempt": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
        pairs = [q for tree in trees for q in prefs.tree_pairs(tree, pargs, counts)]
        common.write_jsonl(pargs.out, pairs)
        labels = {}
        for q in pairs:
            labels[q["error"]] = labels.get(q["error"], 0) + 1
        n = len(trees)
        fragment = sum(v for k, v in labels.items() if k not in NOT_FRAGMENT)
        rows.append(f"| {name} | `{mflags.strip()}`{' / `' + pflags.strip() + '`' if pflags.strip() else ''} | "
                    f"{len(pairs) / n:.2f} | {100 * fragment / max(len(pairs), 1):.0f}% | "
                    f"{', '.join(f'{e} {c}' for e, c in sorted(labels.items(), key=lambda x: -x[1])) or '-'} | "
                    f"{counts['candidates']}: {counts['no_attempt']}/{counts['gap']}/{counts['overlap']}/"
                    f"{counts['min_chosen']} | {sum(len(t['nodes']) for t in trees) / n:.1f} | {60 * n / seconds:.2f} |")
        print(rows[-1], file=sys.stderr)
    load_after, after = os.getloadavg()[0], competing()
    sha = commit()
    cmd = f"python bench/mcts_pairs.py --model {args.model} --data {args.data} --trees {args.trees} " + " ".join(
        f"--arm '{a}'" for a in args.arm)
    section = "\n".join([
        f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit {sha})", "",
        f"Command: `{cmd}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, device {device}  ",
        f"Trees: the first {len(selected)} examples of the deficiency selection, mcts.py's defaults plus each arm's "
        "flags; pairs with prefs.py's defaults plus the arm's flags. A fragment error is a rejected side labelled "
        "with an error class (not `unparseable`, `none`).", "",
        "| arm | flags | pairs/tree | fragment errors | rejected sides | candidates: no attempt/gap/overlap/chosen "
        "| nodes/tree | trees/min |", "|---|---|---|---|---|---|---|---|", *rows, "",
        f"Load average (1 min) before/after: {load_before:.2f}/{load_after:.2f}; competing processes before: "
        f"{'; '.join(before) or 'none'}; after: {'; '.join(after) or 'none'}.", ""])
    print(section)
    write_section(args.results, HEADING, section)


if __name__ == "__main__":
    common.run_main(main)
