"""
Preference pairs from MCTS trees: step 4 of an iTool round (SPEC.md section 1).

At every node with two or more children, chosen = the child of highest value and
rejected = the child of lowest value; the pair is kept only if the value gap is at
least --min-gap, the word overlap of the two texts is at most --max-overlap and the
chosen value is at least --min-chosen (applied in that order; a dropped pair is counted
under the first filter it fails).

A node's value in a tree is a sum (its fast reward plus every reward backed up through
it); here, as in mcts.py's UCT term, "value" means its mean, value / (visits + 1), so
that values stay in [-1, 1] where the filters have their meaning. Word overlap is the
Jaccard index of the two children's word sets (lower-cased \\w+ words) of their own step
texts, whatever --span, so that the kept pairs do not depend on --span.

--span step (ours, default): prefix = the assistant text above the node (it joins the
prompt in training), chosen/rejected = the two children's own steps, so the loss sees
only the fragment where they differ. --span full (published): prefix = "" and
chosen/rejected = that text + the step.

Rows: {"id": "<tree id>-n<node id>", "messages", "tools", "prefix", "chosen", "rejected",
"chosen_value", "rejected_value", "depth"} (depth of the node the two children share).
Prints trees, nodes, candidate pairs, kept pairs, what each filter dropped, and kept
pairs per depth.

Launch:
  python prefs.py --trees runs/iter1/trees.jsonl --out runs/iter1/pairs.jsonl
  python prefs.py --trees trees.jsonl --out pairs.jsonl --span full --min-gap 0.2
"""
import argparse
import re

import common
from common import InputError

NODE_FIELDS = {"id": int, "parent": (int, type(None)), "text": str, "depth": int, "visits": int,
               "value": (int, float), "prior": (int, float), "terminal": bool}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Preference pairs from MCTS trees.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--trees", required=True, help="trees JSONL from mcts.py")
    p.add_argument("--out", required=True, help="pairs JSONL")
    p.add_argument("--span", default="step", choices=["step", "full"], help="step: ours; full: published")
    p.add_argument("--min-gap", type=float, default=0.1, help="least value gap between chosen and rejected")
    p.add_argument("--max-overlap", type=float, default=0.95, help="most word overlap of the two texts")
    p.add_argument("--min-chosen", type=float, default=-0.3, help="least value of the chosen text")
    return p.parse_args(argv)


def tree_problem(tree):
    """What is wrong with a tree row, or None."""
    if not isinstance(tree.get("id"), (str, int)):
        return "tree has no `id`"
    if not isinstance(tree.get("messages"), list) or not tree["messages"]:
        return "tree has no `messages`"
    if not isinstance(tree.get("tools"), list):
        return "tree has no `tools`"
    nodes = tree.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        return "tree has no `nodes`"
    for i, n in enumerate(nodes):
        if not isinstance(n, dict):
            return f"nodes[{i}] is not an object"
        for field, kind in NODE_FIELDS.items():
            if field not in n or not isinstance(n[field], kind) or (kind is int and isinstance(n[field], bool)):
                return f"nodes[{i}]: missing or mistyped `{field}`"
        if n["id"] != i:
            return f"nodes[{i}] has id {n['id']} (node ids must be 0, 1, 2, ... in order)"
        if i == 0 and (n["parent"] is not None or n["depth"] != 0):
            return "nodes[0] must be the root (parent null, depth 0)"
        if i > 0 and not (isinstance(n["parent"], int) and 0 <= n["parent"] < i):
            return f"nodes[{i}]: parent {n['parent']} does not precede it"
        if i > 0 and n["depth"] != nodes[n["parent"]]["depth"] + 1:
            return f"nodes[{i}]: depth {n['depth']} is not its parent's + 1"
        if n["visits"] < 0:
            return f"nodes[{i}]: negative visits"
    return None


def read_trees(path):
    trees = []
    for n, tree in common.iter_jsonl(path):
        problem = tree_problem(tree)
        if problem:
            raise InputError(path, n, problem)
        trees.append(tree)
    return trees


def mean_value(node):
    return node["value"] / (node["visits"] + 1)


def overlap(a, b):
    """Jaccard index of the two texts' word sets (1.0 for two texts without words)."""
    wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(wa & wb) / len(wa | wb) if wa | wb else 1.0


def tree_pairs(tree, args, counts):
    """The kept pairs of one tree; counts gets candidates and drops per filter."""
    nodes = tree["nodes"]
    kids = {n["id"]: [] for n in nodes}
    for n in nodes[1:]:
        kids[n["parent"]].append(n)
    texts = [""] * len(nodes)  # the assistant text from the root to each node
    for n in nodes[1:]:
        texts[n["id"]] = texts[n["parent"]] + n["text"]
    pairs = []
    for node in nodes:
        if len(kids[node["id"]]) < 2:
            continue
        counts["candidates"] += 1
        chosen = max(kids[node["id"]], key=mean_value)
        rejected = min((k for k in kids[node["id"]] if k is not chosen), key=mean_value)  # two even on a tie
        cv, rv = mean_value(chosen), mean_value(rejected)
        if cv - rv < args.min_gap:
            counts["gap"] += 1
        elif overlap(chosen["text"], rejected["text"]) > args.max_overlap:
            counts["overlap"] += 1
        elif cv < args.min_chosen:
            counts["min_chosen"] += 1
        else:
            prefix = texts[node["id"]]
            pairs.append({"id": f"{tree['id']}-n{node['id']}", "messages": tree["messages"], "tools": tree["tools"],
                          "prefix": prefix if args.span == "step" else "",
                          "chosen": chosen["text"] if args.span == "step" else prefix + chosen["text"],
                          "rejected": rejected["text"] if args.span == "step" else prefix + rejected["text"],
                          "chosen_value": round(cv, 6), "rejected_value": round(rv, 6), "depth": node["depth"]})
    return pairs


def main(argv=None):
    args = parse_args(argv)
    trees = read_trees(args.trees)
    counts = {"candidates": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
    pairs = [p for tree in trees for p in tree_pairs(tree, args, counts)]
    common.write_jsonl(args.out, pairs)
    per_depth = {}
    for p in pairs:
        per_depth[p["depth"]] = per_depth.get(p["depth"], 0) + 1
    print(f"trees {len(trees)}, nodes {sum(len(t['nodes']) for t in trees)}, candidate pairs {counts['candidates']}, "
          f"kept {len(pairs)}; dropped: gap < {args.min_gap} {counts['gap']}, overlap > {args.max_overlap} "
          f"{counts['overlap']}, chosen < {args.min_chosen} {counts['min_chosen']}")
    print("kept pairs per depth of the shared node: "
          + (", ".join(f"{d}: {n}" for d, n in sorted(per_depth.items())) or "none"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    common.run_main(main)
