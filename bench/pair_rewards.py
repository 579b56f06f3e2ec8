"""Do a run's preference pairs agree with the verifiable reward? (the `--reward judge` ablation)

    python bench/pair_rewards.py runs/exp-abl_judge/iter1/pairs.jsonl runs/exp-itool/data/train.jsonl

Scores each pair's prefix + chosen and prefix + rejected with checker.py's AST reward (mcts.py's
default `--reward ast`), whatever reward grew the tree, and counts the pairs it orders the
same way, the other way, or ties; a side at -1.0 is text that cannot be a list of calls.
Prints one line per pair and the counts; reads files only, no model.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
import checker  # noqa: E402
from checker import ast_reward  # noqa: E402
from train_pref import read_pairs  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pairs", help="pairs.jsonl from prefs.py")
    p.add_argument("data", help="the training JSONL the trees were grown from")
    args = p.parse_args()
    tasks = {t["id"]: t for t in common.read_tasks(args.data)}
    counts = {"agree": 0, "disagree": 0, "tie": 0, "chosen -1.0": 0, "rejected -1.0": 0}
    for pair in read_pairs(args.pairs):
        tree = str(pair.get("id", "")).rsplit("-n", 1)[0]  # pair ids are <tree id>-n<node id>
        if tree not in tasks:
            raise common.InputError(args.pairs, None, f"pair {pair.get('id')!r}: no task {tree!r} in {args.data}")
        task = tasks[tree]
        docs = checker.tool_docs(task)
        chosen = ast_reward(pair["prefix"] + pair["chosen"], task, docs)[0]
        rejected = ast_reward(pair["prefix"] + pair["rejected"], task, docs)[0]
        verdict = "agree" if chosen > rejected else "disagree" if chosen < rejected else "tie"
        counts[verdict] += 1
        counts["chosen -1.0"] += chosen == -1.0
        counts["rejected -1.0"] += rejected == -1.0
        print(f"{verdict:9} ast {chosen:+.2f} over {rejected:+.2f} (tree's values {pair.get('chosen_value', float('nan')):+.2f} "
              f"over {pair.get('rejected_value', float('nan')):+.2f}) depth {pair.get('depth')}: "
              f"{pair['chosen'][:40]!r} over {pair['rejected'][:40]!r}")
    print(f"{sum(counts[k] for k in ('agree', 'disagree', 'tie'))} pairs: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    common.run_main(main)
