"""Where the model's greedy answer leaves the gold, did prefs.py keep a pair? (mcts.py --greedy-path)

    python bench/greedy_forks.py runs/plateau-annealed-itool_greedy/iter1
    python bench/greedy_forks.py DIR --before-greedy-fork   # pairs made before prefs.greedy_fork (995cd38)

For each call tree whose greedy path (nodes marked `greedy`) leaves the gold: the fork is the parent
of the path's first step that is not a gold prefix, and the pair wanted there is the gold's step
(chosen) against the greedy step (rejected). Reads DIR/trees.jsonl and DIR/pairs.jsonl and prints
one line per outcome: the pair kept, or the first reason it could not be, in prefs.py's order of
rules (the greedy step valued highest, or another step above the gold's: the pair is not the chosen
side's; the greedy step less likely than the gold's, under --rejected likely; the two steps ending
at different kinds of point, or at as many fragments, under --compare fragment, which keeps a greedy
fork whatever its ends unless one is cut (prefs.greedy_fork); a value gap under 0.1), with three
examples each.

Then where the two part (`prefs.parting`): at a value or a name, or at the call's or the list's
end (the greedy step adds a parameter where the gold closes the call, or the reverse; it ends the
list where the gold adds a call, or the reverse); the same for the two sides of every pair in
DIR/pairs.jsonl. With --against an earlier iteration's folder of the same run: on the call examples
both grew, how often the greedy answer stays on the gold in each (the earlier model's greedy
answer against the later one's; both iterations select their examples by their own model's
perplexity, so the shared examples lean to those the later model finds hard).
Torch-free; reads files only.
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
import prefs  # noqa: E402


def fork_outcomes(trees, pair_ids, min_gap=0.1, greedy_kept=True):
    """{outcome: [(tree id, gold step, greedy step)]} over the call trees whose greedy path leaves the gold.
    greedy_kept: prefs.py keeps a greedy fork whatever its ends (prefs.greedy_fork) and, under --rejected
    likely, its prior (False: pairs made before)."""
    out = collections.defaultdict(list)
    for t in trees:
        if not t.get("answer"):
            continue
        nodes, gold = t["nodes"], t["response"]
        texts = prefs.answer_texts(nodes)
        kids = collections.defaultdict(list)
        for n in nodes[1:]:
            kids[n["parent"]].append(n)
        off = [n for n in nodes if n.get("greedy") and not gold.startswith(texts[n["id"]])]
        if not off:
            continue
        first = min(off, key=lambda n: n["depth"])
        fork = first["parent"]
        beside = [k for k in kids[fork] if k is not first and gold.startswith(texts[k["id"]])]
        if f"{t['id']}-n{fork}-r{first['id']}" in pair_ids:
            outcome = "pair kept"
        elif not beside:
            outcome = "no gold step beside it"
        else:
            g = beside[0]
            why = prefs.apart(*[(texts[k["id"]], k["terminal"], k["text"]) for k in (g, first)])
            if greedy_kept and prefs.greedy_fork(why, g, first, texts, gold):
                why = None
            best = max(kids[fork], key=prefs.mean_value)
            if best is first:
                outcome = "the greedy step valued highest"
            elif best is not g:
                outcome = "another step valued above the gold's"
            elif not greedy_kept and first["prior"] < g["prior"]:
                outcome = "the greedy step less likely than the gold's (--rejected likely)"
            elif why == "fragments":
                outcome = "as many fragments: no"
            elif why:
                outcome = "ends differ (gold {}, greedy {})".format(*why.split("/"))
            elif prefs.mean_value(g) - prefs.mean_value(first) < min_gap:
                outcome = "value gap < 0.1"
            else:
                outcome = "another rule (--pairs-per-node, overlap)"
        out[outcome].append((t["id"], beside[0]["text"] if beside else "", first["text"]))
    return out


def greedy_on_gold(trees):
    """{tree id: does the greedy path stay on the gold} over the call trees with a greedy path."""
    out = {}
    for t in trees:
        greedy = [n for n in t["nodes"] if n.get("greedy")]
        if t.get("answer") and greedy:
            texts = prefs.answer_texts(t["nodes"])
            out[t["id"]] = all(t["response"].startswith(texts[n["id"]]) for n in greedy)
    return out


def counted(counter):
    return ", ".join(f"{kind} {n}" for kind, n in counter.most_common())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", help="an iteration's folder, with trees.jsonl and pairs.jsonl")
    p.add_argument("--against", help="an earlier iteration's folder of the same run (its trees.jsonl)")
    p.add_argument("--before-greedy-fork", action="store_true",
                   help="pairs made before prefs.py kept greedy forks whatever their ends and priors")
    args = p.parse_args()
    folder = args.folder
    trees = common.read_jsonl(os.path.join(folder, "trees.jsonl"))
    pairs = common.read_jsonl(os.path.join(folder, "pairs.jsonl"))
    pair_ids = {p["id"] for p in pairs}
    out = fork_outcomes(trees, pair_ids, greedy_kept=not args.before_greedy_fork)
    calls = sum(bool(t.get("answer")) for t in trees)
    print(f"{folder}: {calls} call trees, the greedy answer leaves the gold in {sum(map(len, out.values()))}")
    for outcome, cases in sorted(out.items(), key=lambda kv: -len(kv[1])):
        shown = "; ".join(f"{g!r} against {r!r}" for _, g, r in cases[:3])
        print(f"- {outcome}: {len(cases)} (e.g. {shown})")
    forks = collections.Counter(prefs.parting(r, g) for cases in out.values() for _, g, r in cases)
    print(f"where the greedy step parts from the gold's (greedy / gold): {counted(forks)}")
    sides = collections.Counter(prefs.parting(p["rejected"], p["chosen"]) for p in pairs)
    print(f"where a pair's two sides part ({len(pairs)} pairs; rejected / chosen): {counted(sides)}")
    if args.against:
        now, before = greedy_on_gold(trees), greedy_on_gold(common.read_jsonl(os.path.join(args.against, "trees.jsonl")))
        both = collections.Counter((before[i], now[i]) for i in now.keys() & before.keys())
        print(f"the {sum(both.values())} call examples grown in both: the greedy answer on the gold in "
              f"{args.against} {both[True, True] + both[True, False]}, here {both[True, True] + both[False, True]} "
              f"(left it here only {both[True, False]}, there only {both[False, True]}, in both {both[False, False]})")


if __name__ == "__main__":
    common.run_main(main)
