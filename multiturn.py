"""BFCL's multi-turn categories (multi_turn_base, _miss_func, _miss_param, _long_context):
the cases, the simulated APIs run without running model text as code, the conversation a
model holds with them, and BFCL's checker restated. eval.py scores them; torch-free.

A case names its involved classes (GorillaFileSystem, MathAPI, MessageAPI, TwitterAPI,
TicketAPI, TradingBot, TravelAPI, VehicleControlAPI: the simulated APIs that ship in
bfcl-eval, `eval_checker/multi_turn_eval/func_source_code/`) and their initial_config; a
World holds one instance of each, built from it.

Calls run as BFCL decodes a prompting model's text (common.parse_calls: keyword arguments
only, a bare name read as its string), but never with `eval`: each call is parsed with
`ast`, only a public method of the case's instances may be named (an allow-list), and an
argument must be data, not a call to make; anything else is an execution error, as an
unknown function is in BFCL. So is MathAPI arithmetic that would compute for hours (costly).
A result becomes text as BFCL makes it (a str as is, a dict as JSON, else str(); an exception
as `Error during execution: ...`).

The conversation (converse) is BFCL's prompting loop, held by a model in conversations: the system prompt with the involved
classes' docs; per turn the user message, then steps: generate, decode as a list of calls,
execute them, one tool message per result, generate again; the turn ends when a step
decodes to no call, and a case with more than MAX_STEPS steps with calls in a turn is
force-terminated. In miss_func the held-out functions' docs are given at their turn as BFCL
gives them (the list as Python prints it, then "I have updated some more functions ...").

The checker (check) restates BFCL's: a transcript with fewer turns than the answer was
force-terminated; then per turn the model's decoded steps and the answer's calls run on
their own Worlds; after each turn whose answer is not empty, the model must have made a
call in it (empty_turn), every instance's public state must equal the answer's
(state_mismatch), and the answer's results must be among the model's results so far
(response_mismatch); turns whose answer is empty are not checked, but their calls still
change the state.
"""
import ast
import copy
import importlib
import inspect
import json
import os
import sys

import common

MAX_STEPS = 20  # BFCL's MAXIMUM_STEP_LIMIT: a turn force-quits after more steps with calls
CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
ERROR_CLASSES = ("empty_turn", "state_mismatch", "response_mismatch", "force_terminated", "context_overflow")
API_PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
CLASSES = {"GorillaFileSystem": ("gorilla_file_system", "gorilla_file_system.json"),
           "MathAPI": ("math_api", "math_api.json"), "MessageAPI": ("message_api", "message_api.json"),
           "TwitterAPI": ("posting_api", "posting_api.json"), "TicketAPI": ("ticket_api", "ticket_api.json"),
           "TradingBot": ("trading_bot", "trading_bot.json"), "TravelAPI": ("travel_booking", "travel_booking.json"),
           "VehicleControlAPI": ("vehicle_control", "vehicle_control.json")}
STATELESS = {"MathAPI"}  # built without a scenario
REFUSED = {"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"}  # BFCL refuses these names
# MathAPI computes what it is asked, with no time limit: an integer power of a billion digits or a
# root or logarithm to a billion places would hold the evaluation for hours. Such arguments are
# refused before the call runs, with the error a failed call gives (such a power could not become
# text anyway: str() of an int stops at 4300 digits).
PRECISION_LIMIT = 10_000  # digits; a square root or a logarithm to this many takes 0.1 s
MORE_FUNCTIONS = "I have updated some more functions you can choose from. What about now?"
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."


# ---------------------------------------------------------------------------
# Cases

def load(folder, category):
    """The category's cases: {"id", "category", "turns" (the user messages of each turn), "answer"
    (each turn's calls, as text), "classes", "config", "docs" (offered from the start, with BFCL's
    Python hint), "held_out" ({turn: [docs]})}."""
    answers, cases, docs = {}, [], {}
    path = os.path.join(folder, "possible_answer", f"BFCL_v4_{category}.json")
    for n, row in common.iter_jsonl(path):
        if not isinstance(row.get("ground_truth"), list) or not all(isinstance(t, list) for t in row["ground_truth"]):
            raise common.InputError(path, n, 'expected {"id", "ground_truth": [[call, ...], ...]}')
        answers[row.get("id")] = row["ground_truth"]
    path = os.path.join(folder, f"BFCL_v4_{category}.json")
    for n, row in common.iter_jsonl(path):
        try:
            classes = row["involved_classes"]
            offered = [dict(d) for c in classes for d in docs.setdefault(c, class_docs(folder, c))]
            held = {}
            for turn, names in row.get("missed_function", {}).items():  # held out until their turn, hint-less
                held[int(turn)] = [offered.pop(next(i for i, d in enumerate(offered) if d["name"] == name))
                                   for name in names]
            cases.append({"id": row["id"], "category": category, "turns": row["question"], "answer": answers[row["id"]],
                          "classes": classes, "config": row.get("initial_config", {}), "held_out": held,
                          "docs": [dict(d, description=d["description"] + PYTHON_HINT) for d in offered]})
        except (KeyError, TypeError, StopIteration) as e:
            raise common.InputError(path, n, f"not a BFCL multi-turn entry ({type(e).__name__}: {e})") from None
        if len(row["question"]) != len(answers[row["id"]]):
            raise common.InputError(path, n, "its turns and its answer's turns differ in number")
    return cases


def class_docs(folder, name):
    if name not in CLASSES:
        raise KeyError(f"unknown class {name!r}")
    return common.read_jsonl(os.path.join(folder, "multi_turn_func_doc", CLASSES[name][1]))


# ---------------------------------------------------------------------------
# The simulated APIs, run safely

class World:
    """One instance of each involved class, built from the case's initial_config (as BFCL builds
    them), and the allow-list of what may be called: their public methods."""

    def __init__(self, case):
        self.instances, self.methods = {}, {}
        for name in case["classes"]:
            cls = getattr(importlib.import_module(f"{API_PACKAGE}.{CLASSES[name][0]}"), name)
            instance = cls()
            if name not in STATELESS:
                instance._load_scenario(copy.deepcopy(case["config"].get(name, {})),
                                        long_context="long_context" in case["category"])
            self.instances[name] = instance
            for method, bound in inspect.getmembers(instance, predicate=inspect.ismethod):
                if not method.startswith("_"):
                    self.methods[method] = bound  # a later class wins a shared name, as in BFCL

    def run(self, calls):
        """Execute parsed calls [(name, args, kwargs) or an error message]; their results as text."""
        return [self.run_one(call) for call in calls]

    def run_one(self, call):
        if isinstance(call, str):
            return f"Error during execution: {call}"
        name, args, kwargs = call
        if name.split(".")[-1] in REFUSED:
            return f"Error during execution: Function call {name.split('.')[-1]} is not allowed."
        if name not in self.methods:
            return f"Error during execution: name '{name.split('.')[0]}' is not defined"
        too_costly = costly(self.methods[name], args, kwargs)
        if too_costly:
            return f"Error during execution: {too_costly}"
        try:
            result = self.methods[name](*args, **kwargs)
            if isinstance(result, str):
                return result
            if isinstance(result, dict):
                try:
                    return json.dumps(result)
                except (TypeError, ValueError):
                    pass
            return str(result)
        except Exception as e:  # a simulated API's own error, or a result that cannot become text (an int
            return f"Error during execution: {e}"  # of 5,000 digits): BFCL reports both the same way

    def same_state(self, gold):
        """BFCL's state check: every public attribute of each of gold's instances equals this World's."""
        return all(getattr(self.instances[name], k) == v for name, inst in gold.instances.items()
                   for k, v in vars(inst).items() if not k.startswith("_"))


def costly(method, args, kwargs):
    """Why a call to a MathAPI method would compute too long (an argument past its limit), or None."""
    if type(method.__self__).__name__ != "MathAPI":
        return None
    try:
        given = inspect.signature(method).bind(*args, **kwargs).arguments
    except TypeError:
        return None  # the call fails by itself, as in BFCL
    if method.__name__ == "power" and common.power_too_large(given.get("base"), given.get("exponent")):
        return f"power too large (over {common._FOLD_LIMIT} bits)"
    try:  # mpmath takes a float or a string as its precision too
        digits = float(given.get("precision"))
    except (TypeError, ValueError):
        digits = None
    if digits is not None and digits > PRECISION_LIMIT:
        return f"precision {given['precision']} is over {PRECISION_LIMIT} digits"
    return None


def data(node):
    """A keyword argument's value as BFCL decodes it (common's rules: literals, literal arithmetic, a
    bare name as its string, a call without keywords as its text), refused when BFCL would run it
    (a call with keywords inside): then a ValueError."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and sub.keywords:
            raise ValueError(f"argument {ast.unparse(node)!r} is a call, not data")
    return common.decode_value(node)


def decode(text):
    """A step's text as BFCL decodes a prompting model's: [(name, (), kwargs) or an error message per
    call], [] for no call; None when it does not decode (the turn ends)."""
    try:
        common.parse_calls(text)  # BFCL's decoding rules decide whether the text is a list of calls
    except ValueError:
        return None
    body = text.strip("`\n ")
    body = ("" if body.startswith("[") else "[") + body + ("" if body.endswith("]") else "]")
    tree = ast.parse(body.strip().strip("'"), mode="eval").body
    calls = []
    for node in [tree] if isinstance(tree, ast.Call) else tree.elts:
        try:
            calls.append((common.call_name(node), (), {k.arg: data(k.value) for k in node.keywords}))
        except ValueError as e:
            calls.append(str(e))
    return calls


def answer_call(text):
    """One call of an answer (it may pass arguments by position, and BFCL runs it as written)."""
    node = ast.parse(text.strip(), mode="eval").body
    if not isinstance(node, ast.Call):
        raise ValueError(f"answer call {text!r} is not a call")
    return common.call_name(node), tuple(data(a) for a in node.args), {k.arg: data(k.value) for k in node.keywords}


# ---------------------------------------------------------------------------
# BFCL's checker, restated

def check(case, transcript):
    """(valid, error class or None) of a transcript: per turn, the model's raw text of each step."""
    answer = case["answer"]
    if len(transcript) != len(answer):
        return False, "force_terminated"
    model, gold = World(case), World(case)
    results = []  # every result of the model's calls so far, all turns
    for turn, texts in enumerate(transcript):
        steps = [calls for calls in map(decode, texts) if calls]  # decoded steps with calls
        for calls in steps:
            results += model.run(calls)
        expected = gold.run([answer_call(c) for c in answer[turn]])
        if not answer[turn]:
            continue
        if not steps:
            return False, "empty_turn"
        if not model.same_state(gold):
            return False, "state_mismatch"
        left = list(results)
        for r in expected:  # the answer's results among the model's, each used once, in any order
            if r not in left:
                return False, "response_mismatch"
            left.remove(r)
    return True, None


# ---------------------------------------------------------------------------
# The conversation

def system_message(case):
    return {"role": "system", "content": common.system_prompt(case["docs"])}


def turn_messages(case, turn):
    """The user messages that open a turn (in miss_func, the held-out docs at theirs)."""
    if turn in case["held_out"]:
        return [{"role": "user", "content": f"{case['held_out'][turn]}\n{MORE_FUNCTIONS}"}]
    return [dict(m) for m in case["turns"][turn]]


def converse(case, generate):
    """Hold the case's conversation: a coroutine that `generate(messages)` (itself a coroutine:
    the model's text, or None when the conversation no longer fits the model) drives step by
    step. Returns (transcript, error): error "context_overflow" when it did not fit."""
    world, messages, transcript = World(case), [system_message(case)], []
    for turn in range(len(case["turns"])):
        messages += turn_messages(case, turn)
        steps = []
        transcript.append(steps)
        while True:
            text = yield from generate(messages)
            if text is None:
                return transcript, "context_overflow"
            steps.append(text)
            messages.append({"role": "assistant", "content": text})
            calls = decode(text)
            if not calls:
                break
            messages += [{"role": "tool", "content": r} for r in world.run(calls)]
            if len(steps) > MAX_STEPS:
                return transcript, None  # force-terminated: the turns left are never reached
    return transcript, None


def conversations(model, tokenizer, cases, max_new_tokens=128, rows=32, cache=True, progress=True, on_done=None):
    """Every multi-turn case's conversation (converse), greedy, up to `rows` at once in one
    engine.RowBatch. A conversation is an engine.Context whose nodes are its steps: each step renders
    the whole conversation, as BFCL does, and asks below the deepest node whose tokens begin it, so
    only new tokens are fed and what a step generated keeps its KV (cache=False: every step encodes
    the whole conversation again). A conversation that outgrows the model's context ends there.
    The model's side (torch, engine) is imported here only: the rest of this module is torch-free.
    on_done(case, transcript, error) as each one ends; returns {id: (transcript, error)}."""
    import engine
    from tqdm import tqdm
    limit = getattr(model.config.get_text_config(), "max_position_embeddings", None) or 1 << 30
    render = lambda messages: tokenizer(tokenizer.apply_chat_template(  # noqa: E731
        messages, tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]
    firsts = [render([system_message(c)] + turn_messages(c, 0)) for c in cases]
    # BFCL's system prompt up to the docs: its KV once (cache=False: none, every step encodes it all)
    shared = engine.shared_prefix(model, firsts) if cache else {}
    out = {}

    def conversation(case):
        ctx = None

        def generate(messages):
            nonlocal ctx
            ids = render(messages)
            if len(ids) + max_new_tokens > limit:
                return None
            # a new Context: without the cache, at the start, or when a template rewrote the past
            if not cache or ctx is None or ids[:len(ctx.prompt_ids)] != ctx.prompt_ids:
                ctx = engine.Context(ids)
                ctx.kv, ctx.same = engine.encode_prompt(model, ids, ctx.stats, shared)
                node = 0
            else:
                path = ids[len(ctx.prompt_ids):]
                node = max(j for j, have in enumerate(ctx.ids) if path[:len(have)] == have)
                if ctx.ids[node] != path:
                    node = grow(ctx, node, path)
            req = engine.Request(ctx, node, 1, max_new=max_new_tokens, keep_kv=cache)
            yield [req]
            tokens, _, _, kv = req.rows[0]
            if cache and tokens:  # the step it generated, with its KV: the next render begins with it
                ctx.node_kv[grow(ctx, node, ctx.ids[node] + tokens)] = kv
            return tokenizer.decode(tokens, skip_special_tokens=True)
        return case, converse(case, generate)

    def grow(ctx, parent, ids):
        ctx.parents.append(parent)
        ctx.ids.append(ids)
        return len(ctx.ids) - 1

    model.eval()
    with tqdm(total=len(cases), desc="conversations", unit="case", disable=not progress, file=sys.stderr) as bar:
        def end(case, result):
            out[case["id"]] = result
            if on_done is not None:
                on_done(case, *result)
            bar.update()
        engine.drive(engine.RowBatch(model, engine.Sampling(), {tokenizer.eos_token_id}, shared),
                     (conversation(c) for c in cases), rows, end)
    return out
