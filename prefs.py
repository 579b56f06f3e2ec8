"""
Preference pairs from MCTS trees: step 4 of an iTool round (SPEC.md section 1).

At every node with two or more children: chosen = the child of highest value; rejected =
(ours, --rejected attempt, default) the lowest-valued other child that is still an attempt
at the answer (its text can still become a list of calls, or on an irrelevance example is
a call or a refusal: mcts.py's `error` is not `unparseable`), or (published, --rejected
worst) the lowest-valued other child, gibberish included. A pair is kept only if the value
gap is at least --min-gap, the word overlap of the two texts is at most --max-overlap and
the chosen value is at least --min-chosen (applied in that order; a node whose pair fails
is counted under the first filter it fails; `no_attempt` counts nodes where no sibling is
an attempt). --pairs-per-node N (ours) keeps up to N pairs at a node, chosen against each
of the lowest-valued attempts that pass the filters.

--compare fragment (ours): a pair compares one fragment. Its two sides end at the same point
of the answer: after the same kind of delimiter (a value's `, ` against a value's `, `) or
both at the answer's end (the answer ended, or its list closed: `)]` against `)]`), the two steps
holding as many fragments (not one the other's prefix); otherwise it would also teach where the call
ends (`end`), which sampled pairs taught one way: to stop early. Except at the fork where the
policy's greedy answer leaves the gold (mcts.py --greedy-path; a step on the gold chosen, the greedy
step rejected, neither cut mid-fragment): there a parameter the gold has and the greedy step lacks,
or the reverse, is the model's own mistake, in either direction, and the pair is kept. On a tree
whose gold calls no tool the chosen side is the best child a user would accept: `[]`, or a refusal
opening as the gold's does (`refusal`: the reward's refusal test lets prose about calling a function
through). Irrelevance pairs are kept to at most their trees' share of all pairs, those of the
largest value gap (`irrelevance_share`). Prints what each rule dropped.

--irrelevance decision (ours): an irrelevance pair must set the chosen refusal against a call
(the decision to call: mcts.py's `error` of the rejected side is `spurious_call`), not against
another refusal (`wording`). Two refusals differ in wording only, and from trees of calls few
pairs reach the answer's first step, so such pairs teach that step to refuse: from the plateau
model they were 51 of the 55 pairs at the first step, and the model went on to refuse 47 of 340
synthetic call cases (README, Experiments).

--irrelevance answer (ours): as decision, with the call carried down its subtree to the
lowest-valued answer below it that ran to its end (the pair's id names that node), so that both
sides run to the answer's end. Under --compare fragment, decision keeps no irrelevance pair at
all: a finished refusal never ends where a call's first fragment (`[name(arg=`) does.

--irrelevance none (ours): no pair from a tree whose gold calls no tool: the calls alone, and
irrelevance left to SFT. Every preference for a refusal, over another refusal or over a call,
taught the plateau model to refuse calls (README, Experiments: 47 and 114 of 340 synthetic call
cases), while SFT continued taught irrelevance and refused 1. On trees under --compare fragment
it keeps what decision keeps; on whole answers (mcts.py --search sample), where both sides
end, decision keeps refusal-against-call pairs and none does not.

--rejected likely (ours): as attempt, among the siblings the model found at least as likely as
the chosen step (their priors: mcts.py's geometric mean of the step's token probabilities at its
sampling temperature), so that a pair holds a mistake the model makes. Trees sampled at temperature 1.5
branch mostly where the model would not: at the fork of 135 call pairs from the plateau model's
trees, its greedy choice took the chosen side 89 times and the rejected side 35
(bench/pair_margins.py); 64 of 309 call pairs had the rejected prior at least the chosen's. A step of
the policy's greedy answer (mcts.py --greedy-path) passes whatever its prior: the model chose each of
its tokens (the prior filter had dropped 27 of the 141 greedy forks in 200 trees of runs/plateau2's
annealed start).

--end-pairs balanced (ours): a pair whose sides part at a call's end (one closes it, the other adds a
parameter) or at the list's end (one ends it, the other adds a call) teaches which way as well as
where; such pairs are kept only as often as their opposite (`balance_ends`), so that the pairs do
not move where every answer ends.

--derived drop (ours): no wrong_value pair whose chosen side, at the first value where the two sides
differ, sets a value the user's words do not spell out (`pair_source`, checker.value_source: "three
hours" -> 180 is derived, "zones 4 and 7" -> 7 literal). Such a pair teaches one example's derivation:
89 of the 110 wrong_value pairs of itool_low_lr from runs/plateau3 whose values differ, learned at the
training forks and not carried to unseen cases (bench/RESULTS.md). Prints how many it dropped.

Values: (ours, --values mean, default) the mean of the rewards backed up through a node
(`(value - fast) / visits`; its fast reward when it has no visit), so that values stay in
[-1, 1] where the filters have their meaning and two nodes with the same outcomes tie
whatever their visits; (published, --values sum) the sums stored in the tree. The chosen
side passes --min-chosen when its value does or (ours, --chosen right, default) when its
own text is right so far (mcts.py's `error` is null): a right step whose later play-outs
went wrong is still the step to prefer over a wrong one. Overlap: (ours, --overlap
jaccard, default) the Jaccard index of the lower-cased \\w+ word sets; (published,
--overlap min) |A and B| / min(|A|, |B|) on whitespace-separated words. Both on the
children's own step texts, whatever --span, so that the kept pairs do not depend on --span.

--span step (ours, default): prefix = the assistant text above the node (it joins the
prompt in training), chosen/rejected = the two children's own steps, so the loss sees
only the fragment where they differ; mcts.py cuts steps on token boundaries, so the tokens
of prefix + chosen begin with those of prefix. --span full (published): prefix = "" and
chosen/rejected = that text + the step.

Each pair is labelled with the error of its rejected side (`error`): the error class of
its own text when it has one (checker.py's classes: wrong_function, missing_param,
unexpected_param, wrong_value, wrong_type, wrong_count, spurious_call; `parse_error` for a
list followed by stray text; `unparseable` for text that cannot become a list of calls),
else that of the lowest-valued answer played out below it, else `none` (right, only lower
in value).

Rows: {"id": "<tree id>-n<node id>-r<rejected node id>", "messages", "tools", "prefix",
"chosen", "rejected", "chosen_value", "rejected_value", "error", "depth"} (depth of the
node the two children share). Prints trees, nodes, candidate pairs, kept pairs, what each
filter dropped, kept pairs per depth and per error label.

Launch:
  python prefs.py --trees runs/iter1/trees.jsonl --out runs/iter1/pairs.jsonl
  python prefs.py --trees trees.jsonl --out pairs.jsonl --rejected worst --values sum --overlap min --chosen value
"""
import argparse
import os
import re

import checker
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
    p.add_argument("--rejected", default="attempt", choices=["attempt", "worst", "likely"],
                   help="attempt: ours, the lowest sibling that is an attempt; worst: published; likely: ours, "
                        "an attempt at least as likely (prior) as the chosen step")
    p.add_argument("--values", default="mean", choices=["mean", "sum"], help="mean: ours, V/(N+1); sum: published")
    p.add_argument("--overlap", default="jaccard", choices=["jaccard", "min"],
                   help="jaccard: ours, on \\w+ words; min: published, |A&B|/min(|A|,|B|) on whitespace words")
    p.add_argument("--pairs-per-node", type=int, default=1, help="most pairs kept at one node")
    p.add_argument("--chosen", default="right", choices=["right", "value"],
                   help="right: ours, a chosen step right so far passes --min-chosen; value: published, its value only")
    p.add_argument("--compare", default="any", choices=["any", "fragment"],
                   help="fragment: ours, both sides end at the same point of the answer, an irrelevance tree's chosen "
                        "side is `[]` or a refusal worded as its gold, irrelevance pairs at most their trees' share")
    p.add_argument("--end-pairs", default="any", choices=["any", "balanced"],
                   help="balanced: ours, pairs whose sides part at a call's or the list's end are kept in equal "
                        "numbers each way (those of the largest value gap)")
    p.add_argument("--irrelevance", default="any", choices=["any", "decision", "answer", "none"],
                   help="decision: ours, an irrelevance pair sets a refusal against a call, never two refusals; "
                        "answer: ours, as decision, the call carried down its subtree to a finished answer; "
                        "none: ours, no pair from an irrelevance tree")
    p.add_argument("--derived", default="keep", choices=["keep", "drop"],
                   help="drop: ours, no wrong_value pair whose chosen value the user's words do not spell out")
    args = p.parse_args(argv)
    if args.pairs_per_node < 1:
        p.error("--pairs-per-node must be at least 1")
    return args


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
    """The mean of the rewards backed up through a node (its fast reward if none was): with the
    fast reward counted in, a node seen once and one seen ten times with the same outcomes
    would differ by visits alone."""
    if node["visits"] == 0 or "fast" not in node:
        return node["value"] / (node["visits"] + 1)
    return (node["value"] - node["fast"]) / node["visits"]


def overlap(a, b, how="jaccard"):
    """Word overlap of two texts: Jaccard of \\w+ word sets, or the published |A&B|/min(|A|,|B|) on
    whitespace words (1.0 for two texts without words)."""
    if how == "min":
        return common.word_overlap(a, b)
    wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(wa & wb) / len(wa | wb) if wa | wb else 1.0


OPENING = common.OPENING + r"\Z"  # a value's opening brackets and quote, at the end of a text


def fragment_count(text):
    """How many fragments a step's text holds (common.fragments), a value's opening not counted."""
    return len(common.fragments(re.sub(OPENING, "", text)))


def apart(a, b):
    """Why two sides, each (answer text so far, terminal, its own step text), do not end at the same point
    of the answer (--compare fragment): "KIND/KIND" for other kinds of end or two cuts, "fragments" for
    as many fragments in but not the same count; None when they do."""
    ends = [end_kind(text, terminal) for text, terminal, _ in (a, b)]
    if ends[0] != ends[1] or ends == ["cut", "cut"]:
        return f"{ends[0]}/{ends[1]}"
    if ends[0] != "end" and fragment_count(a[2]) != fragment_count(b[2]):
        return "fragments"  # the same kind of end at another point (one side the other's prefix)
    return None


def greedy_fork(why, chosen, rejected, texts, gold):
    """Is a pair whose sides do not end at the same point (`why`: apart's reason) the fork where the
    policy's greedy answer leaves the gold (mcts.py --greedy-path): a step on the gold chosen, the
    greedy step off it rejected, neither cut mid-fragment? --compare fragment keeps it: an extra or a
    missing parameter there is the model's own. A cut greedy step is its token budget's, not the model's."""
    return bool(why and "cut" not in why.split("/") and rejected.get("greedy")
                and gold.startswith(texts[chosen["id"]]) and not gold.startswith(texts[rejected["id"]]))


def end_kind(text, terminal):
    """Where an answer so far stops: at its end ("end": the answer ended, or its list of calls
    closed), after a fragment delimiter ("open" `(`, "name" `=`, "next" `, `, "sentence" `. `), or
    anywhere else ("cut": a sample stopped by its token budget, unless it stopped right after one).
    A value's opening brackets and quote after the delimiter count as the delimiter's (`city="`,
    `days=[`, `["a", "`): SmolLM2's tokenizer writes `="` and `=["` as one token, so a step cut at
    `=` ends after them; and it writes `, ` as `,` and a word with its leading space, so a step cut
    at `, ` ends at the comma."""
    if terminal or answer_closed(text.rstrip("`\n ")):
        return "end"
    bare = re.sub(OPENING, "", text)
    for kind, delimiter in common.FRAGMENT_ENDS.items():
        if bare.endswith(delimiter):
            return kind
    if bare.endswith(","):  # `, ` whose space the next token holds (SmolLM2 writes `, from` as `,` ` from`)
        return "next"
    return "cut"


def answer_closed(text):
    """Whether a text ends by closing its list of calls: a last `]` after which no bracket is open
    outside a string (`[f(a=[1, 2]` closed a value, not the list)."""
    depth, quote, escaped = 0, None, False
    for ch in text:
        if escaped:
            escaped = False
        elif quote:
            escaped, quote = ch == "\\", None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return text.endswith("]") and depth <= 0 and quote is None


PARTINGS = {(",", ")"): "adds a parameter / closes the call", (")", ","): "closes the call / adds a parameter",
            ("]", ","): "ends the list / adds a call", (",", "]"): "adds a call / ends the list"}
END_AXES = (tuple(PARTINGS.values())[:2], tuple(PARTINGS.values())[2:])  # the call's end, the list's end


def parting(ours, theirs):
    """Where two texts that go on from one point part (a rejected side and its chosen one, or the
    greedy step and the gold's): what each does at the call's or the list's end (PARTINGS:
    `ours / theirs`), or "a value or a name"."""
    k = len(os.path.commonprefix([ours, theirs]))
    return PARTINGS.get((ours[k:k + 1], theirs[k:k + 1]), "a value or a name")


def balance_ends(pairs, counts):
    """--end-pairs balanced: of the pairs whose sides part at a call's end (one closes it, the other adds
    a parameter) or at the list's end (one ends it, the other adds a call), each way is kept only as
    often as the other way, those of the largest value gap. A pair teaches which way as well as where:
    itool_greedy's first iteration held 8 pairs ending the list against 1 adding a call, and its model
    then ended the list short of the gold at 35 of its training forks, from none (bench/RESULTS.md)."""
    ways = {}
    for i, p in enumerate(pairs):
        ways.setdefault(parting(p["rejected"], p["chosen"]), []).append(i)
    drop = set()
    for a, b in END_AXES:
        most = min(len(ways.get(a, [])), len(ways.get(b, [])))
        for way in (a, b):
            by_gap = sorted(ways.get(way, []), key=lambda i: (pairs[i]["rejected_value"] - pairs[i]["chosen_value"], i))
            drop.update(by_gap[most:])
    counts["end_pairs"] = len(drop)
    return [p for i, p in enumerate(pairs) if i not in drop]


def refusal_opening(gold, most=4):
    """The words a gold refusal opens with: its first clause (up to `:`, `,` or `.`), at most `most` words."""
    return re.findall(r"[\w']+", re.split(r"[:,.]", gold.lower(), maxsplit=1)[0])[:most]


def acceptable(text, node, gold):
    """Would a user accept this answer so far on a task that calls no tool? `[]`, or a refusal worded
    as the gold opens it (a text shorter than that opening must be on its way to it), with no
    call in it (mcts.py found no error). Prose about calling a function, or a call, is not."""
    if re.fullmatch(r"\s*\[\s*\]\s*", text):
        return True
    if not gold or node.get("error") is not None or "error" not in node:
        return False
    words, opening = re.findall(r"[\w']+", text.lower()), refusal_opening(gold)
    return bool(words) and words[:len(opening)] == opening[:len(words)]


def right(node):
    """Is the node's text right so far (mcts.py found no error in it)? Trees without `error` say no."""
    return "error" in node and node["error"] is None


def label(node, children):
    """The error of a side: its own text's, else that of the weakest answer played out below it."""
    while True:
        if node.get("error"):
            return node["error"]
        if not children[node["id"]]:
            return node.get("outcome_error") or "none"
        node = min(children[node["id"]], key=mean_value)


def answer_texts(nodes):
    """The assistant text from the root to each node (nodes in id order, parents first)."""
    texts = [""] * len(nodes)
    for n in nodes[1:]:
        texts[n["id"]] = texts[n["parent"]] + n["text"]
    return texts


def finished_below(node, children, texts, value):
    """The lowest-valued node at or below `node` whose answer ran to its end, or None."""
    finished, stack = [], [node]
    while stack:
        n = stack.pop()
        if end_kind(texts[n["id"]], n["terminal"]) == "end":
            finished.append(n)
        stack += children[n["id"]]
    return min(finished, key=lambda n: (value(n), n["id"]), default=None)


def tree_pairs(tree, args, counts):
    """The kept pairs of one tree; counts gets candidates and drops per filter."""
    nodes = tree["nodes"]
    children = {n["id"]: [] for n in nodes}  # node id -> child nodes (mcts.py's `kids` holds ids)
    for n in nodes[1:]:
        children[n["parent"]].append(n)
    texts = answer_texts(nodes)
    value = mean_value if args.values == "mean" else (lambda n: n["value"])
    fragment, refusal = args.compare == "fragment", not tree.get("answer")
    if refusal and args.irrelevance == "none":
        counts["irrelevance_trees"] = counts.get("irrelevance_trees", 0) + 1
        return []
    decision = refusal and args.irrelevance in ("decision", "answer")
    carry = refusal and args.irrelevance == "answer"  # a call is compared as the answer it became
    pairs = []
    for node in nodes:
        if len(children[node["id"]]) < 2:
            continue
        counts["candidates"] += 1
        pool = children[node["id"]]
        if fragment and refusal:  # the chosen side must be an answer a user would accept
            pool = [k for k in pool if acceptable(texts[k["id"]], k, tree.get("response", ""))]
            if not pool:
                counts["refusal"] = counts.get("refusal", 0) + 1
                continue
        chosen = max(pool, key=value)
        others = sorted((k for k in children[node["id"]] if k is not chosen), key=value)  # stable: two even on a tie
        if args.rejected in ("attempt", "likely"):
            others = [k for k in others if k.get("error") != "unparseable"]
            if not others:
                counts["no_attempt"] += 1
                continue
        if args.rejected == "likely":  # a mistake the model makes, not one only a hot sample does
            # the greedy step (mcts.py --greedy-path) is the model's own choice at every token, whatever
            # its mean: a step's prior averages over tokens after the fork, where the two sides differ
            others = [k for k in others if k["prior"] >= chosen["prior"] or k.get("greedy")]
            if not others:
                counts["unlikely"] = counts.get("unlikely", 0) + 1
                continue
        kept, first_failure = 0, None
        for rejected in others:
            cv, rv = value(chosen), value(rejected)
            side = rejected  # the node whose text ends the rejected side
            if carry and rejected.get("error") == "spurious_call":
                side = finished_below(rejected, children, texts, value) or rejected
            rejected_text = texts[side["id"]][len(texts[node["id"]]):]
            why = fragment and apart((texts[chosen["id"]], chosen["terminal"], chosen["text"]),
                                     (texts[side["id"]], side["terminal"], rejected_text))
            fork = greedy_fork(why, chosen, rejected, texts, tree.get("response", ""))
            failure = ("end" if why and not fork else
                       "wording" if decision and rejected.get("error") != "spurious_call" else
                       "gap" if cv - rv < args.min_gap else
                       "overlap" if overlap(chosen["text"], rejected_text, args.overlap) > args.max_overlap else
                       "min_chosen" if cv < args.min_chosen and not (args.chosen == "right" and right(chosen)) else None)
            first_failure = first_failure or failure
            if failure in ("gap", "min_chosen") or (failure and args.rejected == "worst"):
                break  # the gap only shrinks further up; published: the worst sibling only
            if failure:
                continue
            kept += 1
            if fork:
                counts["greedy_fork_ends"] = counts.get("greedy_fork_ends", 0) + 1
            prefix = texts[node["id"]]
            if side is not rejected:
                counts["carried"] = counts.get("carried", 0) + 1
            pairs.append({"id": f"{tree['id']}-n{node['id']}-r{side['id']}", "messages": tree["messages"],
                          "tools": tree["tools"], "prefix": prefix if args.span == "step" else "",
                          "chosen": chosen["text"] if args.span == "step" else prefix + chosen["text"],
                          "rejected": rejected_text if args.span == "step" else prefix + rejected_text,
                          "chosen_value": round(cv, 6), "rejected_value": round(rv, 6),
                          "error": label(rejected, children), "depth": node["depth"]})
            if kept == args.pairs_per_node:
                break
        if not kept:
            counts[first_failure] = counts.get(first_failure, 0) + 1
    return pairs


def cap_irrelevance(pairs, trees, counts):
    """pairs: [(pair, from an irrelevance tree)]. Irrelevance pairs are kept to at most their trees'
    share of all pairs (those of the largest value gap), so that prose does not outweigh the calls."""
    share = sum(not t.get("answer") for t in trees) / max(len(trees), 1)
    irrelevant = [p for p, irr in pairs if irr]
    calls = len(pairs) - len(irrelevant)
    most = len(irrelevant) if share >= 1 else int(share * calls / (1 - share) + 1e-9)
    keep = {id(p) for p in sorted(irrelevant, key=lambda p: p["rejected_value"] - p["chosen_value"])[:most]}
    counts["irrelevance_share"] = len(irrelevant) - len(keep)
    return [p for p, irr in pairs if not irr or id(p) in keep]


# a quoted string (perhaps unclosed), a number, or a Python constant, in the order they appear
VALUE = re.compile(r'"([^"]*)"?|(-?\d+(?:\.\d+)?)|\b(True|False|None)\b')


def fragment_values(text):
    """The values in a fragment, in order; a fragment that starts inside a string starts with its rest."""
    lead = re.match(r'([^"=(),\[\]]+)"', text)
    first = [lead.group(1)] if lead else []
    return first + [next(g for g in m.groups() if g is not None) for m in VALUE.finditer(text[lead.end() if lead else 0:])]


def pair_source(pair):
    """literal or derived for the chosen side of the first value where the two sides differ; None if none does."""
    parted = next(((c, r) for c, r in zip(fragment_values(pair["chosen"]), fragment_values(pair["rejected"])) if c != r),
                  None)
    return None if parted is None else checker.value_source([parted[0]], checker.user_text(pair))


def main(argv=None):
    args = parse_args(argv)
    trees = read_trees(args.trees)
    counts = {"candidates": 0, "no_attempt": 0, "refusal": 0, "end": 0, "wording": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
    pairs = [(p, not tree.get("answer")) for tree in trees for p in tree_pairs(tree, args, counts)]
    pairs = cap_irrelevance(pairs, trees, counts) if args.compare == "fragment" else [p for p, _ in pairs]
    if args.derived == "drop":
        kept = [p for p in pairs if p["error"] != "wrong_value" or pair_source(p) != "derived"]
        counts["derived"], pairs = len(pairs) - len(kept), kept
    if args.end_pairs == "balanced":
        pairs = balance_ends(pairs, counts)
    common.write_jsonl(args.out, pairs)
    per_depth, per_error = {}, {}
    for p in pairs:
        per_depth[p["depth"]] = per_depth.get(p["depth"], 0) + 1
        per_error[p["error"]] = per_error.get(p["error"], 0) + 1
    print(f"trees {len(trees)}, nodes {sum(len(t['nodes']) for t in trees)}, candidate pairs {counts['candidates']}, "
          f"kept {len(pairs)} ({len(pairs) / max(len(trees), 1):.2f} per tree); nodes dropped: no attempt "
          f"{counts['no_attempt']}, gap < {args.min_gap} {counts['gap']}, overlap > {args.max_overlap} "
          f"{counts['overlap']}, chosen < {args.min_chosen} {counts['min_chosen']}")
    if args.rejected == "likely":
        print(f"--rejected likely dropped: nodes where no attempt is as likely as the chosen step {counts.get('unlikely', 0)}")
    if args.compare == "fragment":
        print(f"--compare fragment dropped: nodes whose sides end at different points {counts['end']}, irrelevance "
              f"nodes without an acceptable chosen side {counts['refusal']}, irrelevance pairs over their trees' "
              f"share {counts['irrelevance_share']}; kept where the greedy answer leaves the gold, its sides "
              f"ending at different points: {counts.get('greedy_fork_ends', 0)}")
    if args.derived == "drop":
        print(f"--derived drop dropped: wrong_value pairs choosing a value the user's words do not spell out "
              f"{counts['derived']}")
    if args.end_pairs == "balanced":
        print(f"--end-pairs balanced dropped: pairs parting at a call's or the list's end, over the other way's "
              f"count {counts['end_pairs']}")
    if args.irrelevance == "none":
        print(f"--irrelevance none dropped: irrelevance trees {counts.get('irrelevance_trees', 0)}")
    elif args.irrelevance != "any":
        print(f"--irrelevance {args.irrelevance} dropped: irrelevance nodes whose sides are both refusals {counts['wording']}"
              + (f"; calls carried to a finished answer {counts.get('carried', 0)}" if args.irrelevance == "answer" else ""))
    print("kept pairs per depth of the shared node: "
          + (", ".join(f"{d}: {n}" for d, n in sorted(per_depth.items())) or "none"))
    print("kept pairs per error of the rejected side: "
          + (", ".join(f"{e} {n}" for e, n in sorted(per_error.items(), key=lambda x: -x[1])) or "none"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    common.run_main(main)
