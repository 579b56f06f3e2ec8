"""
Deficiency calibration and Monte Carlo Tree Search over answer fragments: steps 1-3 of
an iTool round (SPEC.md section 1); prefs.py turns the trees into preference pairs.

1. Deficiency calibration: the policy scores the perplexity of every training example's
   gold response (common.perplexity); the top --select-ratio (at least one) of the
   examples that call a tool and of those that do not are kept, hardest first
   (--select random: as many at random, the ablation), the two groups interleaved in
   proportion so that a --limit budget keeps their mix. Stored in <out>.selected.json on
   the first run, reused on resume.
2. One tree per selected example (SPEC's MCTS, every published setting a flag). A node
   holds one step of assistant text; its answer so far is the texts on its path. Each
   of --iters rounds selects a node by UCT, expands it with --actions samples split
   into fragments and steps, simulates --sim-steps steps down the highest-value
   children (sampling where there are none) and backs the reward up to the root.
3. Rewards in [-1, 1]. --reward ast (ours, default), the text parsed leniently and
   compared with the gold answer fragment by fragment; also the fast reward:
      1.0         eval.py's checker (BFCL's rules) accepts it as a final answer
      0.1 .. 0.9  a right prefix: 0.1 + 0.8 * done / (fragments of the gold + 1); a
                  fragment is a function name, an argument name or a value (a value
                  still being written that can grow into a right one counts half)
      -0.4 a wrong value or type; -0.5 an unknown or missing parameter, too many calls;
      -0.8 a wrong function; -1.0 text that cannot be a list of calls.
   Irrelevance (answer []): nothing yet 0.0, a call begun -0.5, a call -0.8, other text
   -0.5 + 1.5 * (share of its words found in the gold refusal), so a refusal worded like
   the gold one gets 1.0 and gibberish -0.5 (BFCL passes any text that is not a call, but
   a pair that prefers gibberish to a call teaches nothing useful).
   --reward judge (published): the policy sees the question, the gold response and the
   text and grades A (correct) .. D (wrong); reward = sum p(letter) * weight / sum p
   with A 1.0, B 0.3, C -0.3, D -1.0 (our weights: the published ones are not given);
   its fast reward is word overlap, 2 * (share of the text's words in the gold) - 1.

Efficiency: a tree's prompt is encoded once; every expansion and simulation continues
from a copy of its KV cache, feeding only the node's text (tokenized alone and appended
to the prompt ids, which end at the assistant header: a clean boundary) and new tokens.
An expansion's samples are one batch; finished rows leave it. The sampling generator is
seeded by (seed, tree, round, phase): reruns and resumes grow the same trees, expansions
differ. --no-kv-reuse runs the prompt again for every sample (the bench's baseline).
Priors use log-probs at the sampling temperature (as the published vLLM code); a token
belongs to the step in which its decoded text ends.

Simplified against the published code: identical sibling steps are merged (an equal
pair teaches nothing); a sample that ends at once adds no node; a terminal node or one
at --depth is simulated, not expanded; trees run one at a time (no --batch-trees).

Output: one tree per line (SPEC.md section 3; nodes also hold `fast`, rows `category`
and `stats`), appended and fsynced as each tree finishes; running again with the same
--out resumes after the last finished tree.

Launch:
  python mcts.py --model runs/warmup --data data/train.jsonl --out runs/iter1/trees.jsonl
  python mcts.py --data data/train.jsonl --out trees.jsonl --reward judge --limit 50
"""
import argparse
import copy
import hashlib
import json
import math
import os
import random
import re
import sys
import time
import zlib

import torch
from tqdm import tqdm

import common
import eval as bfcl
from common import InputError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Deficiency calibration and MCTS over answer fragments.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default=None, help="policy, a Hugging Face folder (None: the embedded SmolLM2-135M)")
    p.add_argument("--data", required=True, help="training tasks (JSONL with a gold `response`)")
    p.add_argument("--out", required=True, help="trees JSONL; the selection goes to <out>.selected.json")
    p.add_argument("--select-ratio", type=float, default=0.3, help="share of each group kept")
    p.add_argument("--select", default="deficiency", choices=["deficiency", "random"], help="how examples are kept")
    p.add_argument("--iters", type=int, default=5, help="selection-expansion-simulation rounds per tree")
    p.add_argument("--actions", type=int, default=3, help="samples per expansion")
    p.add_argument("--depth", type=int, default=3, help="depth of the last step")
    p.add_argument("--step-fragments", type=int, default=2, help="fragments per step")
    p.add_argument("--temperature", type=float, default=1.5, help="sampling temperature")
    p.add_argument("--max-new-tokens", type=int, default=50, help="tokens per sample")
    p.add_argument("--c", type=float, default=1.0, help="UCT exploration constant")
    p.add_argument("--sim-steps", type=int, default=2, help="steps followed or sampled by a simulation")
    p.add_argument("--reward", default="ast", choices=["ast", "judge"], help="ast: ours, verifiable; judge: published")
    p.add_argument("--seed", type=int, default=0, help="seed of selection and sampling")
    p.add_argument("--limit", type=int, default=None, help="at most N trees in --out (a budget)")
    p.add_argument("--batch-size", type=int, default=8, help="batch size of the perplexity scoring")
    p.add_argument("--no-kv-reuse", dest="kv_reuse", action="store_false", help="re-run the prompt for every sample")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"], help="where the policy runs")
    args = p.parse_args(argv)
    for name in ("iters", "actions", "depth", "step_fragments", "max_new_tokens", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.select_ratio <= 1 or args.temperature <= 0 or args.sim_steps < 0 or (args.limit or 1) < 1:
        p.error("--select-ratio must be in (0, 1], --temperature > 0, --sim-steps >= 0, --limit >= 1")
    return args


# ---------------------------------------------------------------------------
# Fragments and steps

def fragments(text):
    """Split after "(", "=", ", " and ". ", delimiters kept on the left."""
    return [f for f in re.split(r"(?<=\()|(?<==)|(?<=, )|(?<=\. )", text) if f]


def split_steps(text, start_depth, depth, step_fragments):
    """The steps of a continuation below a node at start_depth: step_fragments fragments each,
    the step that lands at `depth` takes the rest."""
    frags, steps = fragments(text), []
    k = 0
    while k < len(frags) and start_depth + len(steps) < depth:
        last = start_depth + len(steps) + 1 == depth
        steps.append("".join(frags[k:] if last else frags[k:k + step_fragments]))
        k = len(frags) if last else k + step_fragments
    return steps


def step_priors(steps, ends, logps):
    """exp(mean log-prob) of the tokens of each step; ends[t] = characters decoded after token t.
    A step that no token ends in borrows the token that spans its end."""
    priors, start = [], 0
    for step in steps:
        stop = start + len(step)
        own = [lp for e, lp in zip(ends, logps) if start < e <= stop]
        if not own:
            own = [next((lp for e, lp in zip(ends, logps) if e > stop), logps[-1] if logps else 0.0)]
        priors.append(math.exp(sum(own) / len(own)))
        start = stop
    return priors


# ---------------------------------------------------------------------------
# Rewards

ERROR_REWARD = {"wrong_value": -0.4, "wrong_type": -0.4, "missing_param": -0.5, "unexpected_param": -0.5,
                "wrong_count": -0.5, "wrong_function": -0.8, "spurious_call": -0.8, "parse_error": -1.0}
CLOSE = {"[": "]", "(": ")", "{": "}"}


def scan(text):
    """(open brackets, open quote or None) at the end of text; None when a bracket closes the wrong one."""
    stack, quote, i = [], None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in CLOSE:
            stack.append(ch)
        elif ch in ")]}":
            if not stack or CLOSE[stack.pop()] != ch:
                return None
        i += 1
    return stack, quote


def read_partial(text):
    """An unfinished answer, closed and parsed: (calls, call_open, value_open, pending), "closed" when
    the list is complete, None when no ending can make it a list of calls. `pending` is a function
    or argument name being written: (kind, name, finished)."""
    body = text.strip("`\n ")
    if not body.startswith("["):
        if body and not re.match(r"[A-Za-z_][\w.]*(\(|$)", body):
            return None
        body = "[" + body  # as BFCL's decoder
    scanned = scan(body)
    if scanned is None:
        return None
    stack, quote = scanned
    if not stack:
        return "closed"
    pending, value_open = None, quote is not None or len(stack) > 2
    if quote is None and len(stack) == 1:  # between calls
        m = re.search(r"(?:^\[|,)\s*([A-Za-z_][\w.]*)?\s*$", body)
        if m:
            pending = ("function", m.group(1) or "", False)
            body = body[:m.start(1)] if m.group(1) else body
        elif not re.search(r"\)\s*$", body):
            return None
    elif quote is None and stack[1] == "(" and len(stack) == 2:  # inside a call's arguments
        m = re.search(r"([A-Za-z_]\w*)\s*=\s*$", body)
        m2 = re.search(r"[(,]\s*([A-Za-z_]\w*)?\s*$", body)
        if m:
            pending, body = ("arg", m.group(1), True), body[:m.start()]
        elif m2:
            pending = ("arg", m2.group(1) or "", False)
            body = body[:m2.start(1)] if m2.group(1) else body
        else:  # a number or name can still grow, a closed string cannot
            value_open = not body.rstrip().endswith(("'", '"'))
    call_open = len(stack) > 1 and stack[1] == "("
    while True:
        try:
            return common.parse_calls(body + (quote or "") + "".join(CLOSE[b] for b in reversed(stack))), \
                call_open, value_open, pending
        except ValueError:
            # Inside a nested value ({"lat": , ["a", "b): cut back to its last "," or bracket and close again.
            cut = max(body.rfind(c, 0, len(body) - 1) for c in ",[{(") + 1  # always shorter
            if len(stack) <= 2 or cut <= 0 or scan(body[:cut]) is None or len(scan(body[:cut])[0]) < 3:
                return None
            body = body[:cut].rstrip(", ")
            stack, quote = scan(body)


def prefix_ok(value, acceptable):
    """Could a value still being written grow into one of the acceptable values?"""
    for v in acceptable:
        if type(value) is str and type(v) is str and bfcl.normalize(v).startswith(bfcl.normalize(value)):
            return True
        if type(value) in (int, float) and type(v) in (int, float) and (str(v).startswith(str(value)) or (
                type(value) is float and value.is_integer() and str(v).startswith(str(int(value))))):  # "12."
            return True
        if type(value) is str and type(v) in (bool, type(None)) and str(v).startswith(value):  # breakfast=Fa
            return True
        if type(value) is dict and type(v) is dict and all(k in v and prefix_ok(x, v[k]) for k, x in value.items()):
            return True
        if type(value) is list and type(v) is list and len(value) <= len(v) \
                and all(prefix_ok(a, [b]) for a, b in zip(value, v)):
            return True
    return False


def check(doc, call, gold):
    """eval.py's checker on one call (None when right)."""
    try:
        return bfcl.check_call(doc, call, gold)
    except Exception:  # a gold or doc shape the checker cannot read, as eval.score
        return "wrong_value"


def check_arg(doc, name, value, params):
    """The checker on one argument of a call still being written: no parameter counts as missing yet."""
    if name not in params:
        return "unexpected_param"
    lenient = dict(doc, parameters=dict(doc["parameters"], required=[]))
    return check(lenient, {doc["name"]: {name: value}}, {doc["name"]: {name: params[name]}})


def open_call(doc, args, gold, value_open, pending):
    """(error, fragments done) of the call being written against one gold call."""
    params, done = next(iter(gold.values())), 1.0  # the function name
    for i, (name, value) in enumerate(args.items()):
        error = check_arg(doc, name, value, params)
        if value_open and i == len(args) - 1:  # still being written: at most 1.5, right or not yet
            if error is None or (error in ("wrong_value", "wrong_type") and prefix_ok(value, params[name])):
                done += 1.5
                continue
            return error, done
        if error is not None:
            return error, done
        done += 2
    if pending and pending[1]:
        unused = [p for p in params if p not in args]
        if pending[2] and pending[1] in unused:
            done += 1
        elif not pending[2] and any(p.startswith(pending[1]) for p in unused):
            done += 0.5
        else:
            return "unexpected_param", done
    return None, done


def irrelevance_reward(text, gold):
    """Rewards a refusal, not any text that is not a call: at temperature 1.5 a small model's
    samples are often gibberish, which BFCL would pass but which must not become `chosen`."""
    body = text.strip("`\n ")
    if body in ("", "["):
        return 0.0
    try:
        calls = common.parse_calls(text)
    except ValueError:
        calls = None
    if calls:
        return ERROR_REWARD["spurious_call"]
    if re.match(r"\[\s*[A-Za-z_]|[A-Za-z_][\w.]*\s*\(", body):
        return -0.5
    # prose: -0.5 (as bad as a call begun) plus 1.5 x the share of its words found in the gold refusal
    words, known = re.findall(r"\w+", body.lower()), set(re.findall(r"\w+", gold.lower()))
    return -0.5 + 1.5 * sum(w in known for w in words) / len(words) if words else -0.5


def ast_reward(text, task, docs):
    """Our verifiable reward of a partial or finished answer (scale in the module docstring)."""
    answer = task["answer"]
    if not answer:
        return irrelevance_reward(text, task["response"])
    result = bfcl.score({"id": task["id"], "category": task["category"], "task": task, "docs": docs}, text)
    if result["valid"]:
        return 1.0
    partial = read_partial(text)
    if partial is None:
        return ERROR_REWARD["parse_error"]
    if partial == "closed":
        return ERROR_REWARD[result["error_type"]]
    calls, call_open, value_open, pending = partial
    units = [1 + 2 * len(next(iter(g.values()))) for g in answer]  # a finished right call counts them all
    extra = pending is not None and pending[0] == "function" and bool(pending[1])
    if len(calls) + extra > len(answer):
        return ERROR_REWARD["wrong_count"]
    free, done = list(range(len(answer))), 0.0
    for k, call in enumerate(calls):
        (name, args), = call.items()
        doc = next((d for d in docs if d["name"] == name), None)
        candidates = [g for g in free if next(iter(answer[g])) == name]
        if not candidates or doc is None:
            return ERROR_REWARD["wrong_function"]
        if call_open and k == len(calls) - 1:
            tried = [open_call(doc, args, answer[g], value_open, pending) for g in candidates]
            best = max((t for t in tried if t[0] is None), key=lambda t: t[1], default=None)
            if best is None:
                return ERROR_REWARD[tried[0][0]]
            done += best[1]
            continue
        errors = [(check(doc, call, answer[g]), g) for g in candidates]
        right = [g for e, g in errors if e is None]
        if not right:
            return ERROR_REWARD[errors[0][0]]
        free.remove(right[0])
        done += units[right[0]]
    if extra:
        if not any(next(iter(answer[g])).startswith(pending[1]) for g in free):
            return ERROR_REWARD["wrong_function"]
        done += 0.5
    total = sum(units) + 1  # + closing the list: only a finished answer gets everything
    return 0.1 + 0.8 * min(done, total - 1) / total


def overlap_reward(text, task):
    """The published fast reward: word overlap with the gold response, mapped to [-1, 1]."""
    w, gold = re.findall(r"\w+", text.lower()), set(re.findall(r"\w+", task["response"].lower()))
    return 2 * sum(x in gold for x in w) / len(w) - 1 if w else 0.0


JUDGE_WEIGHTS = {"A": 1.0, "B": 0.3, "C": -0.3, "D": -1.0}
JUDGE_PROMPT = ("Question:\n{question}\n\nReference answer:\n{gold}\n\nCandidate answer (may be unfinished):\n"
                "{text}\n\nGrade the candidate against the reference.\nA: correct\nB: correct so far\n"
                "C: partly wrong\nD: wrong\nReply with one letter.")


@torch.no_grad()
def judge_reward(model, tok, text, task, stats):
    """The published rollout reward: the policy grades the text, read from next-token probabilities."""
    question = next(m["content"] for m in reversed(task["messages"]) if m["role"] == "user")
    prompt = JUDGE_PROMPT.format(question=question, gold=task["response"], text=text)
    ids = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
    ids = tok(ids, add_special_tokens=False)["input_ids"]
    stats["judge_tokens"] += len(ids)
    logits = model(input_ids=torch.tensor([ids], device=model.device)).logits[0, -1].float()
    probs = torch.softmax(logits, -1)
    p = {k: probs[tok(k, add_special_tokens=False)["input_ids"][0]].item() for k in JUDGE_WEIGHTS}
    total = sum(p.values())
    return sum(p[k] * w for k, w in JUDGE_WEIGHTS.items()) / total if total > 0 else 0.0


# ---------------------------------------------------------------------------
# Sampling from the policy, with the prompt's KV cache reused

@torch.no_grad()
def encode_prompt(model, prompt_ids, args, stats):
    """The prompt's KV cache and last logits, computed once per tree (not at all with --no-kv-reuse)."""
    if not args.kv_reuse:
        return None
    stats["prompt_tokens"] += len(prompt_ids)
    out = model(input_ids=torch.tensor([prompt_ids], device=model.device), use_cache=True)
    return out.past_key_values, out.logits[:, -1].float()


@torch.no_grad()
def sample(model, tok, prompt_ids, encoded, text, n, gen, args, stats, stop_ids):
    """n continuations of prompt + text as [(decoded text, char ends per token, log-probs, ended)]."""
    from transformers import DynamicCache
    text_ids = tok(text, add_special_tokens=False)["input_ids"] if text else []
    dev = model.device
    if encoded is not None:
        cache, logits = copy.deepcopy(encoded[0]), encoded[1]
        if text_ids:
            out = model(input_ids=torch.tensor([text_ids], device=dev), past_key_values=cache, use_cache=True)
            cache, logits = out.past_key_values, out.logits[:, -1].float()
    else:
        stats["prompt_tokens"] += len(prompt_ids)
        out = model(input_ids=torch.tensor([prompt_ids + text_ids], device=dev), past_key_values=DynamicCache(),
                    use_cache=True)
        cache, logits = out.past_key_values, out.logits[:, -1].float()
    stats["text_tokens"] += len(text_ids)
    if n > 1:
        cache.batch_repeat_interleave(n)
        logits = logits.expand(n, -1)
    tokens, logps, ended, alive = [[] for _ in range(n)], [[] for _ in range(n)], [False] * n, list(range(n))
    for step in range(args.max_new_tokens):
        logp = torch.log_softmax(logits / args.temperature, -1)
        picked = torch.multinomial(logp.exp(), 1, generator=gen)
        picked_logp = logp.gather(1, picked).squeeze(1).tolist()
        keep = []
        for row, (i, t) in enumerate(zip(alive, picked.squeeze(1).tolist())):
            if t in stop_ids:
                ended[i] = True
            else:
                tokens[i].append(t)
                logps[i].append(picked_logp[row])
                keep.append(row)
        if not keep or step == args.max_new_tokens - 1:
            break
        if len(keep) < len(alive):  # finished rows leave the batch
            cache.batch_select_indices(torch.tensor(keep, device=dev))
        alive = [alive[r] for r in keep]
        stats["generated_tokens"] += len(keep)
        out = model(input_ids=picked[keep], past_key_values=cache, use_cache=True)
        cache, logits = out.past_key_values, out.logits[:, -1].float()
    results = []
    for i in range(n):
        ends, most = [], 0
        for t in range(len(tokens[i])):  # decoded length after each token, made monotone (partial UTF-8)
            most = max(most, len(tok.decode(tokens[i][:t + 1], skip_special_tokens=True)))
            ends.append(most)
        results.append((tok.decode(tokens[i], skip_special_tokens=True), ends, logps[i], ended[i]))
    return results


# ---------------------------------------------------------------------------
# The tree

def children_of(nodes):
    kids = {n["id"]: [] for n in nodes}
    for n in nodes:
        if n["parent"] is not None:
            kids[n["parent"]].append(n["id"])
    return kids


def mean_value(node):
    """The node's fast reward and every reward backed up through it, averaged."""
    return node["value"] / (node["visits"] + 1)


def uct(node, parent, c):
    return mean_value(node) + c * node["prior"] * math.sqrt(math.log(max(parent["visits"], 1)) / (node["visits"] + 1))


def select(nodes, kids, actions, depth, c):
    """SPEC, literally: descend only while the node already has MORE than `actions` children and is
    above `depth`; a node with `actions` or fewer is expanded again, which widens it."""
    i = 0
    while len(kids[i]) > actions and nodes[i]["depth"] < depth:
        i = max(kids[i], key=lambda k: uct(nodes[k], nodes[i], c))
    return i


def backup(nodes, leaf, reward):
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


def tree_seed(seed, task_id):
    return zlib.crc32(f"{seed}:{task_id}".encode()) * 1_000_003


def build_tree(model, tok, task, args, stats):
    """Run --iters rounds of MCTS on one task; returns its nodes (SPEC.md section 3)."""
    docs = bfcl.tool_docs(task)
    if args.reward == "ast":
        fast = rollout = lambda text: ast_reward(text, task, docs)
    else:
        fast = lambda text: overlap_reward(text, task)
        rollout = lambda text: judge_reward(model, tok, text, task, stats)
    stop_ids = {tok.eos_token_id}
    eos = getattr(model.generation_config, "eos_token_id", None)
    stop_ids |= set(eos if isinstance(eos, list) else [eos])
    prompt_ids = tok(common.render_prompt(tok, task), add_special_tokens=False)["input_ids"]
    encoded = encode_prompt(model, prompt_ids, args, stats)
    nodes = [{"id": 0, "parent": None, "text": "", "depth": 0, "visits": 0, "value": 0.0, "prior": 1.0,
              "terminal": False, "fast": 0.0}]
    kids = {0: []}
    base = tree_seed(args.seed, task["id"])

    def draw(i, n, rnd, phase):
        gen = torch.Generator(device=model.device).manual_seed(base + 2 * rnd + phase)
        return sample(model, tok, prompt_ids, encoded, path_text(nodes, i), n, gen, args, stats, stop_ids)

    def add(parent, text, prior, terminal):
        for k in kids[parent]:
            if nodes[k]["text"] == text:  # the same step again: merged
                nodes[k]["terminal"] |= terminal
                return k
        r = fast(path_text(nodes, parent) + text)
        nodes.append({"id": len(nodes), "parent": parent, "text": text, "depth": nodes[parent]["depth"] + 1,
                      "visits": 0, "value": r, "prior": prior, "terminal": terminal, "fast": r})
        kids[parent].append(len(nodes) - 1)
        kids[len(nodes) - 1] = []
        return len(nodes) - 1

    def expandable(i):
        return not nodes[i]["terminal"] and nodes[i]["depth"] < args.depth

    for rnd in range(args.iters):
        node = select(nodes, kids, args.actions, args.depth, args.c)
        if expandable(node):  # each sample becomes a chain of steps under the node
            for text, ends, logps, ended in draw(node, args.actions, rnd, 0):
                steps = split_steps(text, nodes[node]["depth"], args.depth, args.step_fragments)
                parent = node
                for k, (step, prior) in enumerate(zip(steps, step_priors(steps, ends, logps))):
                    parent = add(parent, step, prior, ended and k == len(steps) - 1)
        leaf, extra = node, ""  # simulation: down the best children, a sample past the tree's edge
        for s in range(args.sim_steps):
            if kids[leaf]:
                leaf = max(kids[leaf], key=lambda k: mean_value(nodes[k]))
            elif expandable(leaf):
                text = draw(leaf, 1, rnd, 1)[0][0]
                extra = "".join(split_steps(text, nodes[leaf]["depth"], args.depth, args.step_fragments)
                                [:args.sim_steps - s])
                break
            else:
                break
        backup(nodes, leaf, rollout(path_text(nodes, leaf) + extra))
    for n in nodes:
        n["value"], n["prior"], n["fast"] = round(n["value"], 6), round(n["prior"], 6), round(n["fast"], 6)
    return nodes


# ---------------------------------------------------------------------------
# Deficiency calibration, resume, main

def settings(args):
    """What a stored selection and the trees beside it depend on (not --limit, not --no-kv-reuse)."""
    with open(args.data, "rb") as f:
        data_hash = hashlib.sha256(f.read()).hexdigest()
    keep = ("select_ratio", "select", "iters", "actions", "depth", "step_fragments", "temperature",
            "max_new_tokens", "c", "sim_steps", "reward", "seed")
    return dict({k: getattr(args, k) for k in keep}, data_sha256=data_hash,
                model=os.path.abspath(common.resolve_model(args.model)))


def select_examples(model, tok, tasks, args, config):
    """[{"id", "perplexity", "group"}] hardest first; computed once, then read from <out>.selected.json."""
    path = args.out + ".selected.json"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        if saved.get("config") != config:
            changed = sorted(k for k in config if saved.get("config", {}).get(k) != config[k])
            raise InputError(path, None, f"made with other settings ({', '.join(changed)}); use a new --out")
        return saved["selected"]
    for (n, _), task in zip(common.iter_jsonl(args.data), tasks):
        try:
            common.encode_example(tok, task, task["response"])
        except common.BoundaryError as e:
            raise InputError(args.data, n, str(e)) from None
    ppl = common.perplexity(model, tok, tasks, args.batch_size)
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
    seen = set()
    for (n, _), t in zip(common.iter_jsonl(args.data), tasks):
        if t["id"] in seen:
            raise InputError(args.data, n, f"duplicate id {t['id']!r}")
        seen.add(t["id"])
    by_id = {t["id"]: t for t in tasks}
    done = set(finished_ids(args.out))
    device, dtype = common.pick_device(args.device)
    model, tok = common.load_model(args.model, device, dtype)
    model.eval()
    selected = select_examples(model, tok, tasks, args, settings(args))
    todo = [s for s in selected if s["id"] not in done and s["id"] in by_id]
    if args.limit is not None:
        todo = todo[:max(0, args.limit - len(done & {s["id"] for s in selected}))]
    print(f"selected {len(selected)} of {len(tasks)} examples ({args.select}); {len(done)} trees already in "
          f"{args.out}, {len(todo)} to grow", file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    total_tokens, start = 0, time.time()
    with open(args.out, "ab") as f, tqdm(total=len(todo), desc="trees", unit="tree", file=sys.stderr) as bar:
        for s in todo:
            task, t0 = by_id[s["id"]], time.time()
            stats = dict(prompt_tokens=0, text_tokens=0, generated_tokens=0, judge_tokens=0)
            nodes = build_tree(model, tok, task, args, stats)
            stats.update(model_tokens=stats["prompt_tokens"] + stats["text_tokens"] + stats["generated_tokens"],
                         seconds=round(time.time() - t0, 3), kv_reuse=args.kv_reuse)
            row = {"id": task["id"], "category": task["category"], "messages": task["messages"],
                   "tools": task["tools"], "answer": task["answer"], "perplexity": s["perplexity"],
                   "nodes": nodes, "stats": stats}
            f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
            total_tokens += stats["model_tokens"]
            bar.set_postfix(nodes=len(nodes), tokens=stats["model_tokens"])
            bar.update()
            if os.environ.get("ITOOL_MCTS_TREE_DELAY"):  # tests only: room to kill between trees
                time.sleep(float(os.environ["ITOOL_MCTS_TREE_DELAY"]))
    minutes = (time.time() - start) / 60
    if todo:
        print(f"grew {len(todo)} trees in {minutes:.2f} min ({len(todo) / max(minutes, 1e-9):.1f} trees/min), "
              f"{total_tokens / len(todo):.0f} model tokens per tree; wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    common.run_main(main)
