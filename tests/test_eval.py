"""eval.py: agreement with BFCL's own decoder and AST checker case by case, the
command line (predictions, bad input), and batched generation on a tiny model."""
import importlib
import importlib.util
import json
import random
import subprocess
import sys
import types
import zlib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import checker  # noqa: E402
import common  # noqa: E402
import training  # noqa: E402
import eval as itool_eval  # noqa: E402

HAVE_BFCL = importlib.util.find_spec("bfcl_eval") is not None
needs_bfcl = pytest.mark.skipif(not HAVE_BFCL, reason="bfcl-eval not installed")
CATEGORIES = list(checker.BFCL_CATEGORIES)


# ---------------------------------------------------------------------------
# BFCL's own pieces, imported with stand-ins for what needs its heavy dependencies

BFCL_CLASS = {"wrong_count": "wrong_count", "wrong_func_name": "wrong_function", "missing_required": "missing_param",
              "missing_optional": "missing_param", "unexpected_param": "unexpected_param"}


def bfcl_class(error_type, errors=None):
    """BFCL's error_type -> our error class; a parallel mismatch takes the class of the
    first candidate that had the right name (eval.py's rule), read from BFCL's sub-errors."""
    if error_type.endswith("cannot_find_match"):
        subs = [bfcl_class(next(iter(e.values()))["sub_error_type"]) for e in errors[1:]]
        return next((s for s in subs if s != "wrong_function"), "wrong_function")
    if error_type.startswith("type_error"):
        return "wrong_type"
    if error_type.startswith(("value_error", "dict_checker", "list_dict_checker")):
        return "wrong_value"
    if error_type.startswith("ast_decoder"):
        return "parse_error"
    return BFCL_CLASS[error_type.split(":")[1]]


def bfcl_verdict(b, category, functions, answer, text):
    """What BFCL's eval runner decides for one model output (None: valid), as its
    _evaluate_single_ast_entry / _evaluate_single_relevance_entry do."""
    try:
        decoded = b.decode(text)
    except Exception:
        decoded = None
    if checker.BFCL_CATEGORIES[category] == "irrelevance":
        return None if decoded is None or b.is_empty_output(decoded) else "spurious_call"
    if checker.BFCL_CATEGORIES[category] == "relevance":  # BFCL: a decoded, non-empty list of calls passes
        return "parse_error" if decoded is None else "wrong_count" if b.is_empty_output(decoded) else None
    if decoded is None or not b.is_format(decoded):
        return "parse_error"
    result = b.ast_checker(functions, decoded, answer, b.python, category, "itool")
    return None if result["valid"] else bfcl_class(result["error_type"], result["error"])


# ---------------------------------------------------------------------------
# Model outputs: gold and mutated

def concrete(value):
    """A gold value as a model writes it: a dict answer (or a list of them) holds lists of
    acceptable values per key, one level deep, as BFCL's dict_checker reads it."""
    if isinstance(value, dict):
        return {k: v[0] for k, v in value.items() if isinstance(v, list) and v and v[0] != ""}
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        return [concrete(x) for x in value]
    return value


def gold_calls(answer):
    """First acceptable value of each parameter; a parameter whose first value is "" (optional) is left out."""
    return [{name: {k: concrete(v[0]) for k, v in params.items() if v and v[0] != ""}}
            for call in answer for name, params in call.items()]


def write(calls, raw=None):
    """Calls as text; raw = (call index, parameter, source text) writes one value verbatim."""
    parts = []
    for i, call in enumerate(calls):
        (name, args), = call.items()
        vals = [f"{k}={raw[2] if raw and raw[:2] == (i, k) else common.py_literal(v)}" for k, v in args.items()]
        parts.append(f"{name}({', '.join(vals)})")
    return "[" + ", ".join(parts) + "]"


def wrong_value(v):
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return v + 7
    if isinstance(v, str):
        return v + " qzx"
    if isinstance(v, list):
        return v + v[:1] if v else ["qzx"]
    if isinstance(v, dict):
        return {**v, "qzx": 1}
    return "qzx"


def wrong_type(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return 12345
    if isinstance(v, list):
        return "qzx"
    if isinstance(v, dict):
        return ["qzx"]
    return 0


def dummy_args(doc):
    sample = {"string": "x", "integer": 1, "float": 1.5, "boolean": True, "array": [], "tuple": [], "dict": {}, "any": "x"}
    props = doc["parameters"]["properties"]
    return {p: sample.get(props[p].get("type"), "x") for p in doc["parameters"].get("required", []) if p in props}


def outputs_for(case_id, docs, answer):
    """(kind, text) pairs: the gold answer and its mutations."""
    out = [("empty_list", "[]"), ("empty_text", ""), ("prose", "Sorry, I cannot help with that."),
           ("markdown", "```python\n[f(a=1)]\n```")]
    if not answer:  # irrelevance: a call (spurious), and a call without arguments
        doc = docs[0] if docs else {"name": "f", "parameters": {"properties": {"a": {"type": "integer"}}, "required": ["a"]}}
        return out + [("call", write([{doc["name"]: dummy_args(doc)}])), ("bare_call", f"[{doc['name']}()]")]
    rng = random.Random(zlib.crc32(str(case_id).encode()))
    calls = gold_calls(answer)
    text = write(calls)
    out += [("gold", text), ("gold_bare", text[1:-1]), ("gold_ticks", f"```{text}```"), ("truncated", text[:-4])]
    ci = rng.randrange(len(calls))
    (name, args), = calls[ci].items()

    def changed(new_args=None, new_name=None):
        c = [dict(x) for x in calls]
        c[ci] = {new_name or name: args if new_args is None else new_args}
        return write(c)
    if args:
        key = rng.choice(sorted(args))
        v = args[key]
        out += [("wrong_value", changed({**args, key: wrong_value(v)})),
                ("wrong_type", changed({**args, key: wrong_type(v)})),
                ("missing_param", changed({k: x for k, x in args.items() if k != key}))]
        if isinstance(v, float):
            out.append(("int_for_float", changed({**args, key: int(v)})))
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(("arithmetic", write(calls, (ci, key, f"{v - 1} + 1"))))
            out.append(("float_for_int", changed({**args, key: float(v)})))
        if isinstance(v, str):
            out.append(("string_variant", changed({**args, key: " " + v.upper().replace(" ", " - ") + "."})))
            out.append(("concatenated", write(calls, (ci, key, f"{common.py_literal(v[:1])} + {common.py_literal(v[1:])}"))))
        if isinstance(v, list) and v:
            # element types: BFCL checks them one level deep, and has no int-for-float rule there
            elems = [int(x) if isinstance(x, float) else wrong_type(x) if i == 0 else x for i, x in enumerate(v)]
            out.append(("element_type", changed({**args, key: elems})))
        if isinstance(v, list):
            out.append(("tuple", write(calls, (ci, key, "(" + "".join(common.py_literal(x) + ", " for x in v) + ")"))))
        if isinstance(v, dict) and v:
            k0 = sorted(v)[0]
            out.append(("dict_missing_key", changed({**args, key: {k: x for k, x in v.items() if k != k0}})))
    out += [("extra_param", changed({**args, "qzx_extra": 1})),
            ("wrong_function", changed(new_name=name + "_v2")),
            ("drop_call", write(calls[:-1])), ("duplicate_call", write(calls + calls[:1]))]
    other = [d["name"] for d in docs if d["name"] != name]
    if other:
        out.append(("other_function", changed(new_name=other[0])))
    if len(calls) > 1:
        out.append(("reordered", write(calls[::-1])))
        out.append(("shuffled", write(rng.sample(calls, len(calls)))))
    return out


def raw_rows(folder, cat):
    rows = [json.loads(line) for line in open(folder / f"BFCL_v4_{cat}.json", encoding="utf-8")]
    answers = {}
    if checker.BFCL_CATEGORIES[cat] not in ("irrelevance", "relevance"):
        for line in open(folder / "possible_answer" / f"BFCL_v4_{cat}.json", encoding="utf-8"):
            row = json.loads(line)
            answers[row["id"]] = row["ground_truth"]
    return rows, answers


@needs_bfcl
@pytest.mark.parametrize("category", CATEGORIES)
def test_checker_agrees_with_bfcl(bfcl, category):
    """Every case of the category, gold and mutated outputs: our
    verdict and error class equal BFCL's. BFCL's verdict uses BFCL's raw rows; ours goes
    through eval.py's loader (prompt types mapped, checker types kept)."""
    folder = Path(itool_eval.bfcl_data_dir(None))
    rows, answers = raw_rows(folder, category)
    cases = {c["id"]: c for c in itool_eval.load_bfcl("bfcl:" + category)}
    assert len(cases) == len(rows)
    compared, classes, disagree = 0, Counter(), []
    for row in rows:
        answer = answers.get(row["id"], [])
        case = cases[row["id"]]
        assert case["task"]["answer"] == answer
        for kind, text in outputs_for(row["id"], row["function"], answer):
            theirs = bfcl_verdict(bfcl, category, row["function"], answer, text)
            ours = checker.score(case, text)
            assert ours["valid"] == (ours["error_type"] is None)
            compared += 1
            classes[ours["error_type"] or "valid"] += 1
            if ours["error_type"] != theirs:
                disagree.append((row["id"], kind, text[:200], theirs, ours["error_type"]))
    print(f"\n{category}: {len(rows)} cases, {compared} outputs compared, {len(disagree)} disagreements, "
          f"verdicts {dict(classes)}")
    assert not disagree, disagree[:10]
    assert classes["valid"] > 0


@needs_bfcl
def test_every_error_class_is_exercised(bfcl):
    """The mutations reach every class on BFCL's data, so agreement above means something."""
    seen = Counter()
    for category in ("simple_python", "multiple", "parallel_multiple", "irrelevance", "live_simple"):
        for case in itool_eval.load_bfcl("bfcl:" + category)[:80]:
            for _, text in outputs_for(case["id"], case["docs"], case["task"]["answer"]):
                seen[checker.score(case, text)["error_type"]] += 1
    assert set(checker.ERROR_CLASSES) <= set(seen), seen


TRICKY = [
    "[f(a=1+2)]", "[f(a='x' + 'y')]", "[f(a=[0] * 3)]", "[f(a=-1 + 2)]", "[f(a=2 ** -1)]", "[f(a=1 / 0)]",
    "[f(a=-'x')]", "[f(a=+5)]", "[f(a=~5)]", "[f(a=not True)]", "[f(a=True + 1)]", "[f(a='%s!' % 'hi')]",
    "[f(a=(1, 2))]", "[f(a=(1,) * 2)]", "[f(a={'k': [1, 2]})]", "[f(a={**b})]", "[f(a=x)]", "[f(a=g())]",
    "[f(a=g(1, b=2))]", "[f(a=x[0])]", "[f(a=x.y)]", "[f(a=lambda: 1)]", "[f(a=...)]", "[m.n.f(a=1)]",
    "f(a=1)", "f(a=1), g(b=2)", "```[f(a=1)]```", "'[f(a=1)]'", "[f(1, a=2)]", "[f(**k)]", "[1, 2]", "[]", "",
    "hello", "[f(a={1, 2})]", "[f(a=f'x')]", "[f(a=1 if x else 2)]", "[f(a=b'x')]", "[f(a=1j)]", "[f(a=None)]",
    "(f(a=1), g())", "{f(a=1)}", "[f(a=1)][0]", "[f(a=[x for x in y])]", "[f(a=10 ** 40)]", "[f(a=10.0 ** 400)]",
    "[f(a=[1, 2] + [3])]", "[f(a=-(1))]", "[f(a=--1)]", "[f(a=-x)]", "[f(a=1 << 3)]", "[f(a={'a': 1} | {'b': 2})]",
    "[f(a=[*b])]", "[f(a=1)(b=2)]", "[f(a=1, a=2)]", "[f(a=(-1) * 2.5)]", "[f(a=\"x\" * 3)]", "[f(a={[1]: 2})]",
    "[f(a=[1, [2, (3, {'k': -4.5})]])]", "[f(a=1e-05, b=-0.0, c=0x1F)]", "Sure! [f(a=1)]", "[f(a=1)] Done.",
    "[f(a=__import__('os').system('true'))]", "[f(x=2*3)]",
]


@needs_bfcl
@pytest.mark.parametrize("text", TRICKY)
def test_parse_calls_matches_bfcl_decoder(bfcl, text):
    """Decoded values (with their types) are BFCL's, or both refuse the text. These inputs are
    literals only: BFCL's decoder `eval`s arithmetic, so nothing else is handed to it."""
    try:
        theirs = repr(bfcl.decode(text))
    except Exception:
        theirs = "<error>"
    try:
        ours = repr(common.parse_calls(text))
    except ValueError:
        ours = "<error>"
    assert ours == theirs


# ---------------------------------------------------------------------------
# Task JSONL and the command line

def run_eval(*args):
    return subprocess.run([sys.executable, str(ROOT / "eval.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


@needs_bfcl
def test_task_file_scores_like_bfcl_data(tmp_path):
    """BFCL cases written as task JSONL (JSON-schema types) are scored as from BFCL's data,
    except `tuple` parameters, which a task file can only call `array`."""
    cases = [c for cat in ("simple_python", "multiple", "parallel_multiple", "irrelevance")
             for c in itool_eval.load_bfcl("bfcl:" + cat)[:40]]
    cases = [c for c in cases if "tuple" not in json.dumps(c["docs"])]
    path = tmp_path / "tasks.jsonl"
    common.write_jsonl(path, [c["task"] for c in cases])
    loaded = {c["id"]: c for c in itool_eval.load_task_file(str(path))}
    for case in cases:
        for kind, text in outputs_for(case["id"], case["docs"], case["task"]["answer"]):
            assert checker.score(case, text)["error_type"] == \
                checker.score(loaded[case["id"]], text)["error_type"], (case["id"], kind, text)


def test_unparsable_output_is_a_parse_error_not_a_crash():
    task = {"id": "t1", "category": "simple", "tools": [{"name": "f", "parameters": {
        "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}],
        "messages": [{"role": "user", "content": "?"}], "answer": [{"f": {"a": [1]}}]}
    case = {"id": "t1", "category": "simple", "task": task,
            "docs": [dict(task["tools"][0], parameters=checker.to_bfcl_schema(task["tools"][0]["parameters"]))]}
    for text in ["", "[f(a=", "I think f", "[f(a=1/0)]", "[f(a=" + "[" * 500 + "]" * 500 + ")]", "\x00", "[f(a=1)]" * 3,
                 "[f(a=2**10**9)]", "[f(a='x'*10**9)]"]:
        row = checker.score(case, text)
        assert row["valid"] is False and row["error_type"] in ("parse_error", "wrong_count", "wrong_type", "wrong_value")
    assert checker.score(case, "[f(a=1)]")["valid"] is True
    assert checker.score(case, "[f(a='1')]")["error_type"] == "wrong_type"
    irr = dict(case, category="irrelevance", task=dict(task, category="irrelevance", answer=[]))
    assert checker.score(irr, "[f(a=")["valid"] and checker.score(irr, "[]")["valid"]
    assert checker.score(irr, "[f(a=1)]")["error_type"] == "spurious_call"


@needs_bfcl
def test_predictions_end_to_end(tmp_path):
    cases = itool_eval.limit_cases(itool_eval.load_bfcl("bfcl:simple_python,parallel,irrelevance"), 3)
    preds = [{"id": c["id"], "output": write(gold_calls(c["task"]["answer"])) if c["task"]["answer"] else "no call"}
             for c in cases]
    preds[1]["output"] = "garbage ("  # a parse error, scored, not fatal
    del preds[4]  # missing: a parse_error, counted
    pred_path, out = tmp_path / "preds.jsonl", tmp_path / "res" / "results.jsonl"
    common.write_jsonl(pred_path, preds)
    r = run_eval("--predictions", pred_path, "--data", "bfcl:simple_python,parallel,irrelevance",
                 "--limit", 3, "--out", out)
    assert r.returncode == 0, r.stderr
    rows = common.read_jsonl(out)
    assert [row["id"] for row in rows] == [c["id"] for c in cases]
    assert all(set(row) == {"id", "category", "valid", "error_type", "output"} for row in rows)
    summary = json.loads((tmp_path / "res" / "results.summary.json").read_text())
    assert summary["missing_predictions"] == 1 and summary["errors"]["parse_error"] == 2
    assert summary["categories"]["simple_python"] == {"n": 3, "correct": 2, "accuracy": 2 / 3}
    assert summary["irrelevance"] == 1.0 and summary["non_live"] is None
    assert "simple_python" in r.stdout and "parse_error 2" in r.stdout


@needs_bfcl
@pytest.mark.parametrize("name", ["unknown category", "missing file", "malformed prediction", "unknown id"])
def test_bad_input_exits_2_with_file_line(tmp_path, name):
    out = tmp_path / "results.jsonl"
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "simple_python_0", "output": "[]"}\n{"id": "simple_python_1", "output": [\n')
    args, where = {
        "unknown category": (["--data", "bfcl:simple_python,nonsense"], "bfcl:simple_python,nonsense"),
        "missing file": (["--data", tmp_path / "nope.jsonl"], f"{tmp_path / 'nope.jsonl'}"),
        "malformed prediction": (["--data", "bfcl:simple_python", "--predictions", preds], f"{preds}:2"),
        "unknown id": (["--data", "bfcl:multiple", "--predictions", preds], f"{preds}:1"),
    }[name]
    r = run_eval(*args, "--out", out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert not out.exists() and not list(tmp_path.glob("*.summary.json"))


def test_bad_task_row_names_its_line(tmp_path):
    good = {"id": "a", "category": "simple", "tools": [{"name": "f", "parameters": {"type": "object", "properties": {}}}],
            "messages": [{"role": "user", "content": "?"}], "answer": [{"f": {}}]}
    path = tmp_path / "t.jsonl"
    common.write_jsonl(path, [good, dict(good, id="b", answer=[])])
    r = run_eval("--predictions", path, "--data", path, "--out", tmp_path / "r.jsonl")
    assert r.returncode == 2 and f"{path}:2:" in r.stderr and "needs an `answer`" in r.stderr


def test_summary_aggregates():
    rows = [{"category": c, "valid": v, "error_type": None if v else "wrong_value"} for c, v in
            [("simple_python", True), ("simple_python", False), ("multiple", True), ("parallel", False),
             ("parallel_multiple", True), ("live_simple", True), ("live_multiple", False), ("live_multiple", False),
             ("live_multiple", True), ("live_parallel", True), ("live_parallel_multiple", False),
             ("irrelevance", True)]]
    s = itool_eval.summarize(rows)
    assert s["non_live"] == pytest.approx((0.5 + 1 + 0 + 1) / 4)
    assert s["live"] == pytest.approx(3 / 6)
    assert s["irrelevance"] == 1.0 and s["errors"]["wrong_value"] == 5 and s["n"] == 12


# ---------------------------------------------------------------------------
# Generation

def test_batched_generation_equals_one_at_a_time(tiny_model_dir):
    import torch
    model, tok = training.load_model(tiny_model_dir, device="cpu")
    torch.manual_seed(0)
    with torch.no_grad():  # larger weights: the random model's greedy outputs differ per prompt and some end early
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.3)
    tasks = [{"tools": [{"name": "f" * (1 + 7 * i), "description": "d " * (3 * i), "parameters": {
        "type": "object", "properties": {}}}], "messages": [{"role": "user", "content": "word " * (5 * i + 1)}]}
        for i in range(5)]
    prompts = [common.render_prompt(tok, t) for t in tasks]
    assert len({len(tok(p)["input_ids"]) for p in prompts}) == len(prompts)  # different lengths: padding matters
    batched = itool_eval.generate(model, tok, prompts, max_new_tokens=12, batch_size=3, progress=False, mode="padded")
    single = [itool_eval.generate(model, tok, [p], max_new_tokens=12, batch_size=1, progress=False, mode="padded")[0]
              for p in prompts]
    assert batched == single
    assert any(batched) and tok.eos_token not in "".join(batched)
    # continuous batching (rows join as others end, the shared system prompt's KV reused)
    seen = []
    for rows in (1, 2, 5):
        got = itool_eval.generate(model, tok, prompts, max_new_tokens=12, batch_size=rows, progress=False,
                                  on_batch=lambda idx, texts: seen.extend(idx))
        assert got == single, rows
    assert sorted(seen) == sorted(list(range(5)) * 3)
    # rows that end early make room mid-flight: stop at a token of the first output, and every
    # output is the reference cut before that token
    import engine
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    ref = engine.greedy(model, ids, 12, {tok.eos_token_id}, rows=1)
    stop = ref[0][3]
    cut = [r[:r.index(stop)] if stop in r else r for r in ref]
    assert len({len(c) for c in cut}) > 1
    assert engine.greedy(model, ids, 12, {tok.eos_token_id, stop}, rows=2) == cut


def test_drive_restores_the_models_attention_after_a_run_and_an_error(tiny_model_dir):
    """engine.drive switches the model to cascade attention for its run only: a later plain forward
    (perplexity, training) must not get it, whether the run ended or raised."""
    import engine
    model, tok = training.load_model(tiny_model_dir, device="cpu")
    before = model.config._attn_implementation
    assert before != "itool_cascade"
    ids = [tok("hello there", add_special_tokens=False)["input_ids"], tok("a b c d", add_special_tokens=False)["input_ids"]]
    assert len(engine.greedy(model, ids, 4, {tok.eos_token_id})) == 2
    assert model.config._attn_implementation == before

    def failing():
        ctx = engine.Context(ids[0])
        yield [engine.Request(ctx, 0, 1, max_new=4)]
        assert model.config._attn_implementation == "itool_cascade"  # the run's rows attend through it
        raise RuntimeError("a stage's own error")
    batch = engine.RowBatch(model, engine.Sampling(), {tok.eos_token_id}, {})
    with pytest.raises(RuntimeError, match="own error"):
        engine.drive(batch, [("k", failing())], 1, lambda key, value: None)
    assert model.config._attn_implementation == before


def test_importing_the_engine_changes_no_attention_registry():
    """cascade.py's attention is registered when a run starts it, not as a side effect of import."""
    code = ("import engine, cascade; from transformers import AttentionInterface; "
            "print(cascade.NAME in AttentionInterface._global_mapping)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_shared_prefix_is_the_one_every_prompt_starts_with(tiny_model_dir):
    import engine
    model, _ = training.load_model(tiny_model_dir, device="cpu")
    system = list(range(5, 25))  # what every prompt of a run starts with
    same_tools = system + [30, 31, 32, 33]  # two cases with the same tools share more, the others do not
    ids = [same_tools + [40, 41], same_tools + [42, 43], system + [50, 51, 52], system + [60, 61]]
    shared = engine.shared_prefix(model, ids)
    assert shared["ids"] == system
    assert all(k.shape[1] == len(system) for k, _ in shared["kv"])
    assert engine.shared_prefix(model, ids[:2])["ids"] == same_tools
    assert engine.shared_prefix(model, [system[:10] + [1, 2], system[:10] + [3, 4]]) == {}  # under 16 tokens


def test_model_run_end_to_end(tiny_model_dir, tmp_path):
    task = {"id": "t1", "category": "simple", "tools": [{"name": "f", "parameters": {
        "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}],
        "messages": [{"role": "user", "content": "call f with a=1"}], "answer": [{"f": {"a": [1]}}]}
    data = tmp_path / "test.jsonl"
    common.write_jsonl(data, [task, dict(task, id="t2", category="irrelevance", answer=[])])
    r = run_eval("--model", tiny_model_dir, "--data", data, "--out", tmp_path / "r.jsonl", "--max-new-tokens", 8)
    assert r.returncode == 0, r.stderr
    rows = common.read_jsonl(tmp_path / "r.jsonl")
    assert [row["id"] for row in rows] == ["t1", "t2"] and all(isinstance(row["output"], str) for row in rows)


def test_interrupted_run_resumes_from_partial_outputs(tiny_model_dir, tmp_path):
    """Outputs are kept in <out>.partial as batches finish; a rerun with the same --out
    generates only what is missing and removes the file once the rows are written."""
    tools = [{"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}]
    tasks = [{"id": f"t{i}", "category": "simple", "tools": tools, "answer": [{"f": {"a": [1]}}],
              "messages": [{"role": "user", "content": "call f " + "x " * i}]} for i in range(4)]
    data, out = tmp_path / "test.jsonl", tmp_path / "r.jsonl"
    common.write_jsonl(data, tasks)
    # An earlier run that finished t0 and t2 (t2 with a text the tiny model would never
    # write, so reuse is visible) and was killed while writing another line.
    partial = tmp_path / "r.jsonl.partial"
    header = json.dumps(itool_eval.partial_header(tiny_model_dir, 6), sort_keys=True)
    done = '{"id": "t0", "output": "[f(a=1)]"}\n{"id": "t2", "output": "[f(a=1)]"}\n{"id": "t3", "out'
    partial.write_text(header + "\n" + done, encoding="utf-8")
    r = run_eval("--model", tiny_model_dir, "--data", data, "--out", out, "--max-new-tokens", 6, "--batch-size", 1)
    assert r.returncode == 0, r.stderr
    assert "2 outputs from an earlier run reused, 2 to generate" in r.stderr
    rows = {row["id"]: row for row in common.read_jsonl(out)}
    assert list(rows) == ["t0", "t1", "t2", "t3"]
    assert rows["t0"]["valid"] and rows["t2"]["valid"] and rows["t2"]["output"] == "[f(a=1)]"
    assert not partial.exists()
    summary = json.loads((tmp_path / "r.summary.json").read_text())
    assert summary["generated"] == 2

    # Outputs of other settings (here another --max-new-tokens) are never mixed in.
    partial.write_text(header + "\n" + done, encoding="utf-8")
    r = run_eval("--model", tiny_model_dir, "--data", data, "--out", out, "--max-new-tokens", 5, "--batch-size", 1)
    assert r.returncode == 0, r.stderr
    assert "made with another model or settings" in r.stderr
    assert json.loads((tmp_path / "r.summary.json").read_text())["generated"] == 4
    assert common.read_jsonl(out)[2]["output"] != "[f(a=1)]"
