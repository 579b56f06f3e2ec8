"""mcts.py with trees grown together (--batch-trees N) against one at a time, on the same trees.

    python bench/mcts_batching.py --model runs/dev/warmup --data runs/dev/data/train.jsonl --trees 16 --batch 1,8,16

Deficiency calibration (mcts.select_examples) picks the examples once; the first --trees
are grown by every arm with the same seed and mcts.py settings (--mcts-args on top of
mcts.py's defaults), in blocks of --block trees (default: all of them in one), the arms
taking turns block by block (the order flips each block) so that a change in the machine's
load falls on all of them; within a block an arm grows trees as mcts.py does, --batch-trees
at a time, the next one starting as one finishes. Reports per arm trees per minute, seconds and model tokens per tree, nodes per
tree, root visits, pairs per tree (prefs.py defaults) with their error labels, and how
many trees are identical to the first arm's; the ratio of trees per minute against the
first arm. Writes (replaces) the section `## mcts.py: batched trees` of bench/RESULTS.md.
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

HEADING = "## mcts.py: batched trees"


def grow(model, tok, tasks, margs, batch, stop_ids):
    """Trees for tasks, `batch` at a time, as mcts.main grows them; (trees, wall seconds)."""
    t0, trees = time.perf_counter(), {}
    margs.batch_trees = batch
    mcts.grow(model, tok, tasks, margs, stop_ids, trees.__setitem__)
    return [trees[k] for k in range(len(tasks))], time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="the policy (the warmed-up model)")
    p.add_argument("--data", required=True, help="training tasks")
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "out", "mcts_batching"),
                   help="folder for the selection and the trees")
    p.add_argument("--trees", type=int, default=16, help="trees per arm (the head of the selection)")
    p.add_argument("--batch", default="1,8,16", help="comma-separated --batch-trees of the arms; the first is the base")
    p.add_argument("--block", type=int, default=None, help="trees per block (default: all)")
    p.add_argument("--mcts-args", default="", help="mcts.py flags for every arm, e.g. '--temperature 1.0'")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()
    sizes = [int(b) for b in args.batch.split(",")]

    import torch
    device, dtype = training.pick_device()
    model, tok = training.load_model(args.model, device, dtype)
    model.eval()
    tasks = common.read_tasks(args.data, need_response=True)
    by_id = {t["id"]: t for t in tasks}
    os.makedirs(args.work, exist_ok=True)
    margs = mcts.parse_args(["--model", args.model, "--data", args.data, "--out", os.path.join(args.work, "trees.jsonl")]
                            + args.mcts_args.split())
    selected = mcts.select_examples(model, tok, tasks, margs, mcts.settings(margs))[:args.trees]
    chosen = [by_id[s["id"]] for s in selected]
    stop_ids = {tok.eos_token_id}
    eos = getattr(model.generation_config, "eos_token_id", None)
    stop_ids |= set(eos if isinstance(eos, list) else [eos])
    load_before, before = os.getloadavg()[0], competing()
    trees, seconds = {b: [] for b in sizes}, {b: 0.0 for b in sizes}
    block = args.block or len(chosen)
    for k, start in enumerate(range(0, len(chosen), block)):
        for b in (sizes if k % 2 == 0 else sizes[::-1]):
            grown, s = grow(model, tok, chosen[start:start + block], margs, b, stop_ids)
            trees[b] += grown
            seconds[b] += s
            print(f"block {k + 1}: batch {b}: {len(grown)} trees in {s:.1f} s", file=sys.stderr)
    load_after, after = os.getloadavg()[0], competing()

    pargs = prefs.parse_args(["--trees", "-", "--out", "-"])
    base = sizes[0]
    rows = []
    for b in sizes:
        n = len(trees[b])
        counts = {"candidates": 0, "no_attempt": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
        pairs = [q for t in trees[b] for q in prefs.tree_pairs({"id": t.task["id"], "messages": [], "tools": [],
                                                                  "answer": t.task["answer"], "nodes": t.nodes},
                                                                 pargs, counts)]
        labels = {}
        for q in pairs:
            labels[q["error"]] = labels.get(q["error"], 0) + 1
        tokens = sum(t.stats["prompt_tokens"] + t.stats["text_tokens"] + t.stats["generated_tokens"] for t in trees[b]) / n
        shape = lambda t: [(n["parent"], n["text"], n["visits"]) for n in t.nodes]
        same = sum(shape(x) == shape(y) for x, y in zip(trees[b], trees[base]))
        tpm = 60 * n / seconds[b]
        rows.append(f"| {b} | {tpm:.2f} | {tpm / (60 * n / seconds[base]):.2f}x | {seconds[b] / n:.1f} | {tokens:.0f} | "
                    f"{sum(len(t.nodes) for t in trees[b]) / n:.1f} | "
                    f"{sum(t.nodes[0]['visits'] for t in trees[b]) / n:.1f} | {len(pairs) / n:.2f} | "
                    f"{', '.join(f'{e} {c}' for e, c in sorted(labels.items(), key=lambda x: -x[1])) or '-'} | "
                    f"{same} of {n} |")
    sha = commit()
    cmd = (f"python bench/mcts_batching.py --model {args.model} --data {args.data} --trees {args.trees} "
           f"--batch {args.batch}" + (f" --block {args.block}" if args.block else "")
           + (f" --mcts-args '{args.mcts_args}'" if args.mcts_args else ""))
    lines = [f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit {sha})", "",
             f"Command: `{cmd}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
             f"({torch.get_num_threads()} threads), device {device}; the arms take turns in blocks of {block} trees  ",
             f"Trees: the first {len(chosen)} of the deficiency selection, mcts.py defaults"
             + (f" with `{args.mcts_args}`" if args.mcts_args else "") + "; pairs with prefs.py's defaults", "",
             "| --batch-trees | trees/min | ratio | s/tree | model tokens/tree | nodes/tree | root visits | "
             "pairs/tree | rejected sides | trees of the same shape as the first arm's |",
             "|---|---|---|---|---|---|---|---|---|---|", *rows, "",
             f"Load average (1 min) before/after: {load_before:.2f}/{load_after:.2f}; competing processes before: "
             f"{'; '.join(before) or 'none'}; after: {'; '.join(after) or 'none'}. Same shape: the same step texts under "
             "the same parents with the same visits; values and priors differ in float rounding between batch "
             "compositions (each tree samples with its own generator).", ""]
    section = "\n".join(lines)
    print(section)
    write_section(args.results, HEADING, section)


if __name__ == "__main__":
    common.run_main(main)
