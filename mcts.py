"""
Deficiency calibration and Monte Carlo Tree Search over answer fragments: steps 1-3 of an
iTool round (SPEC.md section 1); prefs.py turns the trees into preference pairs.

1. Deficiency calibration (select_examples): the policy's perplexity of each training example's
   gold response; the top --select-ratio of the examples that call a tool and of those that do
   not, hardest first (--select random: the ablation), interleaved so that a --limit keeps their
   mix; stored in <out>.selected.json and reused on resume.
2. One tree per selected example; a node holds one step of assistant text. Each of --iters rounds:
   - Selection (SPEC): descend while a node has more than --actions children and is above --depth,
     to the child maximising V/(N+1) + c * prior * sqrt(ln N_parent / (N+1)).
   - Expansion (SPEC): --actions samples (--temperature, --repetition-penalty; ours: --top-p,
     --min-p) cut after "(", "=", ", " and ". " into steps of --step-fragments fragments, a chain of
     children (identical siblings merge); prior = exp(mean log-prob of the step). Cuts sit at token
     boundaries that tokenize back to the policy's own tokens (token_steps). Ours: --gold-sibling,
     the gold's next step joins every gold prefix; --greedy-path, the greedy answer joins the root
     first (marked `greedy`), so with --gold-sibling a pair sits at the policy's own mistake; with
     --iters 0 the tree is that fork alone.
   - Simulation. Ours (--simulate greedy): every sample scored, an unfinished one after a greedy
     completion (cached per node). Published (--simulate walk): down the highest-valued child for
     --sim-steps steps (sampling past the edge), scored once.
   - Backup (SPEC): each score adds a visit and itself to every node up to the root; a new node's
     value starts at its fast reward (values are sums; prefs.py compares means).
3. Rewards. --reward ast (ours): checker.ast_reward in [-1, 1] and each node's error class, with
   which prefs.py labels the rejected side. --reward judge (published): the policy grades the text
   against the gold (judge.py); fast reward checker.published_fast_reward.
--search sample (the paper's MCTS ablation): no tree; --samples whole answers at the root (default
--iters x --actions, what a tree samples), each scored and kept as a child of the root.

Batched (ours): --batch-trees trees grow at once, each a coroutine that only asks for generations
(engine.Request) of one shared engine.RowBatch; prompt and step KV are computed once. Each request
samples with its own generator seeded by (seed, tree, round, phase): reruns grow the same trees.
Simplified against the published code: identical sibling steps merge; a terminal node or one at
--depth is simulated, not expanded.

Output: a tree per line (SPEC.md section 3, plus per node `fast`, `error`, `outcome`, `gold`,
`greedy`; per row `category`, `response`, `stats`), appended and fsynced in the selection's order;
the same --out resumes after the last tree written.

Launch:
  python mcts.py --model runs/warmup --data data/train.jsonl --out runs/iter1/trees.jsonl --min-p 0.05
  python mcts.py --data data/train.jsonl --out trees.jsonl --reward judge --simulate walk --repetition-penalty 0.75  # published
"""
import argparse
import json
import math
import os
import random
import re
import sys
import time
import zlib

from dataclasses import dataclass, field

import torch
from tqdm import tqdm

import checker
import common
import engine
import judge
import training
from engine import Request


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Deficiency calibration and MCTS over answer fragments.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default=None, help="policy, a Hugging Face folder (None: the embedded SmolLM2-135M)")
    p.add_argument("--data", required=True, help="training tasks (JSONL with a gold `response`)")
    p.add_argument("--out", required=True, help="trees JSONL; the selection goes to <out>.selected.json")
    p.add_argument("--select-ratio", type=float, default=0.3, help="share of each group kept")
    p.add_argument("--select", default="deficiency", choices=["deficiency", "random"], help="how examples are kept")
    p.add_argument("--iters", type=int, default=5,
                   help="selection-expansion-simulation rounds per tree (0 with --greedy-path: its fork alone)")
    p.add_argument("--actions", type=int, default=3, help="samples per expansion")
    p.add_argument("--depth", type=int, default=3, help="depth of the last step")
    p.add_argument("--step-fragments", type=int, default=2, help="fragments per step")
    p.add_argument("--temperature", type=float, default=1.5, help="sampling temperature (published 1.5)")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling: keep the most likely tokens up to p")
    p.add_argument("--min-p", type=float, default=0.0, help="drop tokens less likely than min-p x the most likely")
    p.add_argument("--repetition-penalty", type=float, default=1.0,
                   help="vLLM's penalty on tokens of the prompt and text so far when sampling (published 0.75)")
    p.add_argument("--max-new-tokens", type=int, default=50, help="tokens per sample")
    p.add_argument("--c", type=float, default=1.0, help="UCT exploration constant")
    p.add_argument("--simulate", default="greedy", choices=["greedy", "walk"],
                   help="greedy: ours, every sample played out and scored; walk: published")
    p.add_argument("--sim-steps", type=int, default=2, help="--simulate walk: steps followed or sampled")
    p.add_argument("--sim-max-tokens", type=int, default=128, help="--simulate greedy: answer length a completion may reach")
    p.add_argument("--gold-sibling", action="store_true", help="the gold's next step joins the children of gold prefixes")
    p.add_argument("--greedy-path", action="store_true",
                   help="the policy's greedy answer joins the tree as a path before the first round")
    p.add_argument("--search", default="tree", choices=["tree", "sample"],
                   help="tree: MCTS; sample: the paper's ablation, --samples whole answers at the root, no tree")
    p.add_argument("--samples", type=int, default=0, help="--search sample: answers per example (0: --iters x --actions)")
    p.add_argument("--reward", default="ast", choices=["ast", "judge"], help="ast: ours, verifiable; judge: published")
    p.add_argument("--seed", type=int, default=0, help="seed of selection and sampling")
    p.add_argument("--limit", type=int, default=None, help="at most N trees in --out (a budget)")
    p.add_argument("--batch-trees", type=int, default=16, help="trees grown together in one decoding batch")
    p.add_argument("--batch-size", type=int, default=8, help="batch size of the perplexity scoring")
    p.add_argument("--no-kv-reuse", dest="kv_reuse", action="store_false", help="re-run the prompt for every request")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"], help="where the policy runs")
    args = p.parse_args(argv)
    for name in ("iters", "actions", "depth", "step_fragments", "max_new_tokens", "batch_size", "batch_trees"):
        if getattr(args, name) < (0 if name == "iters" and args.greedy_path and args.search == "tree" else 1):
            p.error(f"--{name.replace('_', '-')} must be at least 1"
                    + (" (--iters 0 only with --greedy-path)" if name == "iters" else ""))
    if not (0 < args.select_ratio <= 1 and args.temperature > 0 and args.sim_steps >= 0 and (args.limit or 1) >= 1
            and 0 < args.top_p <= 1 and 0 <= args.min_p < 1 and args.sim_max_tokens >= 0
            and args.repetition_penalty > 0 and args.samples >= 0):
        p.error("--select-ratio must be in (0, 1], --temperature and --repetition-penalty > 0, --top-p in (0, 1], "
                "--min-p in [0, 1), --sim-steps, --sim-max-tokens and --samples >= 0, --limit >= 1")
    if args.greedy_path and args.search == "tree" and args.simulate != "greedy":
        p.error("--greedy-path scores its steps with greedy play-outs: it needs --simulate greedy")
    args.samples = args.samples or args.iters * args.actions
    return args


# ---------------------------------------------------------------------------
# Fragments and token-true steps

def token_steps(tok, path_text, path_ids, new_ids, start_depth, depth, step_fragments):
    """Cut sampled tokens new_ids, which follow path_text (tokenized alone: path_ids), into the
    steps below a node at start_depth: [(text, ids)], and whether all of new_ids was kept.
    Every cut is a token boundary at which path_text + the text so far tokenizes alone to
    path_ids + the tokens so far (module docstring)."""
    n = len(new_ids)
    texts = [""] + [tok.decode(new_ids[:j], skip_special_tokens=True) for j in range(1, n + 1)]
    ok = {0: True}

    def valid(j):
        if j not in ok:
            ok[j] = tok(path_text + texts[j], add_special_tokens=False)["input_ids"] == path_ids + new_ids[:j]
        return ok[j]

    end = next((j for j in range(n, 0, -1) if valid(j)), 0)
    if end == 0:
        return [], n == 0
    cuts, pos = [], 0
    for frag in common.fragments(texts[end])[:-1]:
        pos += len(frag)
        j = min(range(1, end + 1), key=lambda j: (abs(len(texts[j]) - pos), -j))  # nearest, later on a tie
        if len(texts[j]) < pos:  # short of the delimiter: past the token holding it if only a value's opening follows
            past = next(k for k in range(j + 1, end + 1) if len(texts[k]) >= pos)
            if valid(past) and re.fullmatch(common.OPENING, texts[past][pos:]):
                j = past  # `usernames=["`, not `usernames`: SmolLM2 writes `=["` as one token
        while j < end and not valid(j):
            j += 1
        if j < end and (not cuts or j > cuts[-1]):
            cuts.append(j)
    bounds, steps, a, k = cuts + [end], [], 0, 0
    while k < len(bounds) and start_depth + len(steps) < depth:
        k = len(bounds) - 1 if start_depth + len(steps) + 1 == depth else min(k + step_fragments, len(bounds)) - 1
        b = bounds[k]
        steps.append((texts[b][len(texts[a]):], new_ids[a:b]))
        a, k = b, k + 1
    return steps, end == n


# ---------------------------------------------------------------------------
# The tree

@dataclass
class Tree:
    """One tree: its task, its nodes (SPEC.md's tree format), `kids` (node id -> child ids), the
    engine's Context (prompt cache, every node's path token ids, step KV) and its counters."""
    task: dict
    docs: dict
    base: int  # the seed its generators start from
    gold_ids: list
    ctx: engine.Context
    nodes: list
    kids: dict = field(default_factory=lambda: {0: []})
    stats: dict = None
    t0: float = 0.0


def average(node):
    """V/(N+1): the node's fast reward and every reward backed up through it, averaged (UCT's mean)."""
    return node["value"] / (node["visits"] + 1)


def uct(node, parent, c):
    return average(node) + c * node["prior"] * math.sqrt(math.log(max(parent["visits"], 1)) / (node["visits"] + 1))


def select(nodes, kids, actions, depth, c):
    """Selection. SPEC, literally: descend only while the node already has MORE than `actions` children
    and is above `depth`; a node with `actions` or fewer is expanded again, which widens it."""
    i = 0
    while len(kids[i]) > actions and nodes[i]["depth"] < depth:
        i = max(kids[i], key=lambda k: uct(nodes[k], nodes[i], c))
    return i


def backup(nodes, leaf, reward):
    """Backup: one visit and the reward added to every node from the leaf up to the root."""
    i = leaf
    while i is not None:
        nodes[i]["visits"] += 1
        nodes[i]["value"] += reward
        i = nodes[i]["parent"]


def path_text(nodes, i):
    parts = []
    while i is not None:
        parts.append(nodes[i]["text"])
        i = nodes[i]["parent"]
    return "".join(reversed(parts))


def new_tree(model, tok, task, args, shared):
    stats = dict(prompt_tokens=0, text_tokens=0, generated_tokens=0, judge_tokens=0, samples=0, samples_cut=0,
                 samples_dropped=0, completions=0, gold_nodes=0)
    ctx = engine.Context(tok(common.render_prompt(tok, task), add_special_tokens=False)["input_ids"], stats=stats)
    if args.kv_reuse:
        ctx.kv, ctx.same = engine.encode_prompt(model, ctx.prompt_ids, stats, shared)
    root = {"id": 0, "parent": None, "text": "", "depth": 0, "visits": 0, "value": 0.0, "prior": 1.0,
            "terminal": False, "fast": 0.0, "error": None}
    return Tree(task, checker.tool_docs(task), zlib.crc32(f"{args.seed}:{task['id']}".encode()) * 1_000_003,
                tok(task["response"], add_special_tokens=False)["input_ids"], ctx, [root], stats=stats, t0=time.time())


def scorers(model, tok, t, args, stop_ids):
    """(fast reward of a partial text, reward of a final answer, error class of a text)."""
    task, docs = t.task, t.docs
    error = lambda text, final: checker.ast_reward(text, task, docs, final)[1]
    if args.reward == "ast":
        return (lambda text: checker.ast_reward(text, task, docs)[0]), (lambda text: checker.ast_reward(text, task, docs, True)[0]), error
    grades = torch.Generator(device=model.device).manual_seed(t.base + 7)  # the judge's own samples, in tree order
    return ((lambda text: checker.published_fast_reward(text, task)),
            (lambda text: judge.reward(model, tok, text, task, t.stats, grades, stop_ids)), error)


def add_node(t, parent, text, ids, prior, terminal, score, gold=False):
    """Add a step under parent (merged into an identical sibling); returns (node id, is new)."""
    nodes, kids = t.nodes, t.kids
    fast, _, error_of = score
    for k in kids[parent]:
        if nodes[k]["text"] == text:
            nodes[k]["terminal"] |= terminal
            return k, False
    full = path_text(nodes, parent) + text
    r = fast(full)
    nodes.append({"id": len(nodes), "parent": parent, "text": text, "depth": nodes[parent]["depth"] + 1,
                  "visits": 0, "value": r, "prior": prior, "terminal": terminal, "fast": r,
                  "error": error_of(full, terminal)})
    if gold:
        nodes[-1]["gold"] = True
    kids[parent].append(len(nodes) - 1)
    kids[len(nodes) - 1] = []
    t.ctx.parents.append(parent)
    t.ctx.ids.append(t.ctx.ids[parent] + list(ids))
    return len(nodes) - 1, True


def gold_step(tok, t, i, args):
    """The gold response's next step below node i when i's path is a token prefix of it, else None."""
    p, g = t.ctx.ids[i], t.gold_ids
    node = t.nodes[i]
    if node["terminal"] or node["depth"] >= args.depth or len(p) >= len(g) or g[:len(p)] != p:
        return None
    steps, _ = token_steps(tok, path_text(t.nodes, i), p, g[len(p):], node["depth"], args.depth, args.step_fragments)
    if not steps:
        return None
    text, ids = steps[0]
    return text, ids, len(p) + len(ids) == len(g)


def expandable(node, args):
    return not node["terminal"] and node["depth"] < args.depth


def generator(t, rnd, phase, device):
    """A request's own sampler, seeded by (seed, tree, round, phase): reruns grow the same trees."""
    return torch.Generator(device=device).manual_seed(t.base + 2 * rnd + phase)


def search(tok, t, args, score, device):
    """One tree's --iters rounds of selection, expansion, simulation and backup (module docstring),
    as a coroutine that only asks for generations: it yields lists of engine.Requests and reads
    their results when it is resumed."""
    fast, final, _ = score
    if args.greedy_path:
        leaves = yield from greedy_path(tok, t, args, score)
        yield from simulate(tok, t, leaves, args, score)
    for rnd in range(args.iters):
        x = select(t.nodes, t.kids, args.actions, args.depth, args.c)
        leaves = []  # (node, the text it ends as, or None: play it out)
        if expandable(t.nodes[x], args):
            req = Request(t.ctx, x, args.actions, generator(t, rnd, 0, device), args.max_new_tokens, keep_kv=True)
            yield [req]
            leaves = expand(tok, t, x, req.rows, args, score)
        elif args.simulate == "greedy":
            leaves.append((x, None))
        if args.simulate == "walk":
            leaf, text = yield from walk(tok, t, x, rnd, args, device)
            backup(t.nodes, leaf, (final if args.reward == "judge" else fast)(text))
        yield from simulate(tok, t, leaves, args, score)


def simulate(tok, t, leaves, args, score):
    """The leaves' play-outs (and gold steps' priors), then under --simulate greedy each leaf's
    outcome backed up."""
    completions = yield from play_out(tok, t, leaves, args)
    if args.simulate == "greedy":
        for i, text in leaves:
            backup(t.nodes, i, outcome(t, i, text, completions, score))


def greedy_path(tok, t, args, score):
    """--greedy-path, before the first round: the policy's greedy answer as a chain of steps below the
    root, marked `greedy`. When it leaves the gold, what it shared with it (whole fragments) is its
    first step, so that where it leaves is a node: below it the policy's own next step and, with
    --gold-sibling, the gold's. Returns expand's leaves."""
    req = Request(t.ctx, 0, 1, None, args.sim_max_tokens)
    yield [req]
    tokens, logps, ended, _ = req.rows[0]
    fragments, _ = token_steps(tok, "", t.ctx.ids[0], tokens, 0, len(tokens) + 1, 1)
    shared, n = "", 0
    for text, ids in fragments:
        if tokens[:n + len(ids)] != t.gold_ids[:n + len(ids)]:
            break
        shared, n = shared + text, n + len(ids)
    x = 0
    if 0 < n < len(tokens) and args.depth > 1:  # room for a step below the shared one
        x, _ = add_node(t, 0, shared, tokens[:n], math.exp(sum(logps[:n]) / n), False, score)
        t.stats["generated_tokens"] += n  # expand counts the rest
    leaves = expand(tok, t, x, [(tokens[n:] if x else tokens, logps[n:] if x else logps, ended, None)], args, score)
    for node in t.nodes[1:]:  # the tree holds the root, this chain and the gold's steps
        if not node.get("gold"):
            node["greedy"] = True
    return leaves


def expand(tok, t, x, samples, args, score):
    """Expansion: each sample below node x cut into token-true steps, a chain of children (identical
    siblings merge); with --gold-sibling the gold's next step joins every gold prefix touched.
    Returns the leaves to score: (node, its text when the sample ended the answer there, else None)."""
    nodes, stats = t.nodes, t.stats
    leaves, touched = [], [x]
    for tokens, logps, ended, kv in samples:
        stats["samples"] += 1
        stats["generated_tokens"] += len(tokens)
        steps, whole = token_steps(tok, path_text(nodes, x), t.ctx.ids[x], tokens, nodes[x]["depth"], args.depth,
                                   args.step_fragments)
        stats["samples_cut"] += bool(steps) and not whole
        if not steps:
            stats["samples_dropped"] += bool(tokens)
            if not tokens and ended:  # the policy ends the answer here
                leaves.append((x, path_text(nodes, x)))
            continue
        parent, start = x, 0
        for k, (text, ids) in enumerate(steps):
            prior = math.exp(sum(logps[start:start + len(ids)]) / len(ids))
            parent, new = add_node(t, parent, text, ids, prior, ended and whole and k == len(steps) - 1, score)
            if new and kv and start < kv[0][0].shape[1]:  # the KV this sample computed (a cut row: all but its last)
                t.ctx.node_kv[parent] = [(a[:, start:start + len(ids)], b[:, start:start + len(ids)]) for a, b in kv]
            start += len(ids)
            touched.append(parent)
        leaves.append((parent, None))
    for i in dict.fromkeys(touched) if args.gold_sibling else ():
        step = gold_step(tok, t, i, args)
        if step:
            k, new = add_node(t, i, step[0], step[1], None, step[2], score, gold=True)
            if new:  # its prior comes from the policy's log-probs of the step (play_out)
                stats["gold_nodes"] += 1
                leaves.append((k, None))
    return leaves


def walk(tok, t, x, rnd, args, device):
    """Simulation, published (--simulate walk): from x down the highest-valued children for --sim-steps
    steps, one sample past the edge; returns (the node reached, the text to score)."""
    nodes = t.nodes
    leaf, s = x, 0
    while s < args.sim_steps and t.kids[leaf]:
        leaf, s = max(t.kids[leaf], key=lambda k: average(nodes[k])), s + 1
    text = path_text(nodes, leaf)
    if s < args.sim_steps and expandable(nodes[leaf], args):
        req = Request(t.ctx, leaf, 1, generator(t, rnd, 1, device), args.max_new_tokens)
        yield [req]
        tokens = req.rows[0][0]
        t.stats["generated_tokens"] += len(tokens)
        steps, _ = token_steps(tok, text, t.ctx.ids[leaf], tokens, nodes[leaf]["depth"], args.depth, args.step_fragments)
        text += "".join(step for step, _ in steps[:args.sim_steps - s])
    return leaf, text


def play_out(tok, t, leaves, args):
    """One request per leaf that needs one: the greedy completion of an unfinished leaf (ours, once a
    node, up to --sim-max-tokens answer tokens) and the log-probs of a gold step (its prior).
    Returns {node: completion text}."""
    reqs, asked = [], set()
    for i, text in leaves:
        node = t.nodes[i]
        step_len = len(t.ctx.ids[i]) - len(t.ctx.ids[node["parent"]]) if node["prior"] is None else 0
        budget = max(0, args.sim_max_tokens - len(t.ctx.ids[i]))
        play = text is None and args.simulate == "greedy" and not node["terminal"] and "outcome" not in node
        if i not in asked and ((play and budget) or step_len):
            asked.add(i)
            reqs.append(Request(t.ctx, i, int(play and budget > 0), None, budget, scored=step_len))
    yield reqs
    completions = {}
    for r in reqs:
        if r.logps:
            t.nodes[r.node]["prior"] = math.exp(sum(r.logps) / len(r.logps))
        if r.rows:
            t.stats["completions"] += 1
            t.stats["generated_tokens"] += len(r.rows[0][0])
            completions[r.node] = tok.decode(r.rows[0][0], skip_special_tokens=True)
    return completions


def outcome(t, i, text, completions, score):
    """The reward a leaf backs up: a sample that ended, scored as a final answer; an unfinished one
    after its greedy completion (scored once a node, kept as its `outcome`)."""
    _, final, error_of = score
    if text is not None:
        return final(text)
    node = t.nodes[i]
    if "outcome" not in node:
        full = path_text(t.nodes, i) + completions.get(i, "")
        node["outcome"], node["outcome_error"] = final(full), error_of(full, True)
    return node["outcome"]


def sample_answers(tok, t, args, score, device):
    """--search sample, the paper's ablation of MCTS: no tree. --samples whole answers (as many as a
    tree samples in its expansions) are drawn at the root in one request, each scored as a final
    answer and kept as a child of the root (terminal when it ended, not when its token budget cut
    it; identical answers merge, their visits add up), so that prefs.py pairs the best answer
    against the worst. With --greedy-path the policy's greedy answer is one more, marked `greedy`
    (the same samples besides it)."""
    _, final, _ = score
    reqs = [Request(t.ctx, 0, args.samples, torch.Generator(device=device).manual_seed(t.base), args.sim_max_tokens)]
    if args.greedy_path:
        reqs.append(Request(t.ctx, 0, 1, None, args.sim_max_tokens))
    yield reqs
    for r, (tokens, logps, ended, _) in ((r, row) for r in reqs for row in r.rows):
        t.stats["samples"] += 1
        t.stats["generated_tokens"] += len(tokens)
        text = tok.decode(tokens, skip_special_tokens=True)
        prior = math.exp(sum(logps) / len(logps)) if logps else 1.0
        k, _ = add_node(t, 0, text, tokens, prior, ended, score)
        backup(t.nodes, k, final(text))
        if r.generator is None:
            t.nodes[k]["greedy"] = True


def grow(model, tok, tasks, args, stop_ids, on_tree):
    """Grow a tree per task, --batch-trees at a time: when a tree finishes the next one starts, and
    the requests of all live trees share one RowBatch. on_tree(k, tree) as tree k finishes."""
    prompts = [tok(common.render_prompt(tok, t), add_special_tokens=False)["input_ids"] for t in tasks]
    shared = engine.shared_prefix(model, prompts) if args.kv_reuse else {}  # BFCL's system prompt: its KV once
    sampling = engine.Sampling(args.temperature, args.top_p, args.min_p, args.repetition_penalty)
    grower = search if args.search == "tree" else sample_answers

    def start(k, task):
        t = new_tree(model, tok, task, args, shared)
        return (k, t), grower(tok, t, args, scorers(model, tok, t, args, stop_ids), model.device)

    def end(key, _):
        k, t = key
        t.stats["seconds"] = round(time.time() - t.t0, 3)
        on_tree(k, t)
    engine.drive(engine.RowBatch(model, sampling, stop_ids, shared), (start(k, task) for k, task in enumerate(tasks)),
                 args.batch_trees, end)


def tree_row(t, selected, args):
    """A finished tree as its output row (SPEC.md's tree format, values rounded); `selected`: its
    entry of the deficiency selection."""
    for n in t.nodes:
        for key in ("value", "prior", "fast", "outcome"):
            if n.get(key) is not None:
                n[key] = round(n[key], 6)
    stats = dict(t.stats, model_tokens=t.stats["prompt_tokens"] + t.stats["text_tokens"] + t.stats["generated_tokens"],
                 batch_trees=args.batch_trees, kv_reuse=args.kv_reuse)
    task = t.task
    return {"id": selected["id"], "category": task["category"], "messages": task["messages"], "tools": task["tools"],
            "answer": task["answer"], "response": task["response"], "perplexity": selected["perplexity"],
            "nodes": t.nodes, "stats": stats}


# ---------------------------------------------------------------------------
# Deficiency calibration, resume, main

# of settings(), what the deficiency selection alone depends on: runs that grow other trees on the same
# model, data and seed select the same examples (bench/experiments.py shares the selection between arms)
SELECTION = ("model", "data_sha256", "seed", "select", "select_ratio")


def settings(args):
    """What a stored selection and the trees beside it depend on (not --limit, --batch-trees, --no-kv-reuse)."""
    keep = ("select_ratio", "select", "iters", "actions", "depth", "step_fragments", "temperature", "top_p",
            "min_p", "max_new_tokens", "c", "simulate", "sim_steps", "sim_max_tokens", "gold_sibling", "reward", "seed",
            "repetition_penalty", "search", "samples") + (("greedy_path",) if args.greedy_path else ())
    # cuts: the version of token_steps' rule, so that trees cut by an earlier one are neither resumed nor shared
    return common.run_settings(args, keep, args.data, model=os.path.abspath(training.resolve_model(args.model)), cuts=2)


def select_examples(model, tok, tasks, args, config):
    """[{"id", "perplexity", "group"}] hardest first; computed once, then read from <out>.selected.json."""
    path = args.out + ".selected.json"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        common.check_settings(saved.get("config"), config, path, "made with")
        return saved["selected"]
    training.encode_tasks(tok, tasks, args.data)  # a broken prompt/response boundary names its line
    ppl = training.perplexity(model, tok, tasks, args.batch_size)
    rng = random.Random(args.seed)
    groups = []
    for group in ("call", "no_call"):
        members = [i for i, t in enumerate(tasks) if bool(t["answer"]) == (group == "call")]
        k = min(len(members), math.ceil(args.select_ratio * len(members)))
        if args.select == "random":
            chosen = rng.sample(members, k)
        else:
            chosen = sorted(members, key=lambda i: (-ppl[i], i))[:k]
        groups.append([{"id": tasks[i]["id"], "perplexity": ppl[i], "group": group} for i in chosen])
    selected = interleave(groups)
    common.write_json(path, {"config": config, "selected": selected})
    return selected


def interleave(groups):
    """Merge lists so that every head of the result holds each list in proportion to its
    length, each in its own order. --limit grows trees for a head of the selection: sorted
    by perplexity across groups, the few irrelevance examples (the warmed-up model's least
    likely answers) took 9 of 12 trees, all of them one-fragment answers."""
    keyed = [((j + 0.5) / len(g), gi, item) for gi, g in enumerate(groups) for j, item in enumerate(g)]
    return [item for _, _, item in sorted(keyed, key=lambda x: x[:2])]


def finished_ids(path):
    """Ids of the trees already in --out. A torn last line (a kill mid-write) is cut off."""
    if not os.path.isfile(path):
        return []
    common.cut_torn_tail(path)
    return [row.get("id") for _, row in common.iter_jsonl(path)]


def main(argv=None):
    args = parse_args(argv)
    tasks = common.read_tasks(args.data, need_response=True)
    by_id = {t["id"]: t for t in tasks}
    done = set(finished_ids(args.out))
    device, dtype = training.pick_device(args.device)
    model, tok = training.load_model(args.model, device, dtype)
    model.eval()
    selected = select_examples(model, tok, tasks, args, settings(args))
    todo = [s for s in selected if s["id"] not in done and s["id"] in by_id]
    if args.limit is not None:
        todo = todo[:max(0, args.limit - len(done & {s["id"] for s in selected}))]
    print(f"selected {len(selected)} of {len(tasks)} examples ({args.select}); {len(done)} trees already in "
          f"{args.out}, {len(todo)} to grow, {args.batch_trees} at a time", file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    stop_ids = {tok.eos_token_id}
    eos = getattr(model.generation_config, "eos_token_id", None)
    stop_ids |= set(eos if isinstance(eos, list) else [eos])
    total_tokens, start, finished, written = 0, time.time(), {}, [0]
    with open(args.out, "ab") as f, tqdm(total=len(todo), desc="trees", unit="tree", file=sys.stderr) as bar:
        def on_tree(k, t):  # trees finish out of order; they are written in the selection's order
            nonlocal total_tokens
            finished[k] = t
            while written[0] in finished:
                row = tree_row(finished.pop(written[0]), todo[written[0]], args)
                f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
                total_tokens += row["stats"]["model_tokens"]
                written[0] += 1
                bar.set_postfix(nodes=len(row["nodes"]), tokens=row["stats"]["model_tokens"])
                bar.update()
                if common.fault("tree_delay"):
                    time.sleep(float(common.fault("tree_delay")))

        grow(model, tok, [by_id[s["id"]] for s in todo], args, stop_ids, on_tree)
    minutes = (time.time() - start) / 60
    if todo:
        print(f"grew {len(todo)} trees in {minutes:.2f} min ({len(todo) / max(minutes, 1e-9):.1f} trees/min), "
              f"{total_tokens / len(todo):.0f} model tokens per tree; wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    common.run_main(main)
