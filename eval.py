"""Score a model's tool calls as the Berkeley Function Calling Leaderboard's AST checker
does (SPEC.md sections 2 and 4).

    python eval.py --data bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance --limit 100
    python eval.py --model out/iter1 --data data/test.jsonl --out results.jsonl
    python eval.py --predictions preds.jsonl --data bfcl:live_simple --out results.jsonl

`--data` is task JSONL or `bfcl:CAT[,CAT...]` (simple_python, multiple, parallel,
parallel_multiple, irrelevance, their live_ versions, live_relevance, the multi_turn_
categories, or the shorthands non_live, live, multi_turn, all), read from the data folder of
the installed bfcl-eval package (located, never imported) or from `--bfcl-dir`. The
model answers every case with greedy decoding, --batch-size rows at once (engine.greedy:
a case joins as another ends, every prompt's KV computed once and the system prompt all
cases share once; `--generate padded`: model.generate over left-padded batches);
`--predictions` scores given `{"id", "output"}` lines instead. Each case is decided as
BFCL's eval runner and AST checker decide it (re-implemented here; model text is parsed
with `ast`, never evaluated) and a failure gets one error class: parse_error,
wrong_count, wrong_function, missing_param, unexpected_param, wrong_type, wrong_value,
spurious_call. Rows `{id, category, valid, error_type, output}` go to `--out`; the
summary (accuracy per category, BFCL's non-live and live aggregates, irrelevance, error
counts) is printed and written beside it as `<out>.summary.json`.

Simplified against BFCL: Python categories only, so the non-live aggregate uses
simple_python where BFCL averages the Python, Java and JavaScript simple scores; the
prompt shows tools with JSON-schema types (BFCL's prompting handlers show its own
`dict`/`float`), while the checker keeps BFCL's types; an argument written as arithmetic
is folded over literals only, where BFCL evaluates it. Task JSONL has JSON-schema types,
mapped back for the checker (`array` stays `array`: a Python tuple fails it, as for
BFCL's arrays).
"""
import argparse
import importlib.util
import json
import os
import re
import sys
import time

import checker
import common
import multiturn

ALIASES = {"simple": "simple_python"}
LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
NON_LIVE = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")
SHORTHANDS = {"non_live": NON_LIVE, "live": LIVE_AST + ("live_irrelevance", "live_relevance"),
              "multi_turn": multiturn.CATEGORIES}
SHORTHANDS["all"] = SHORTHANDS["non_live"] + SHORTHANDS["live"] + SHORTHANDS["multi_turn"]
# Rows cost a cache of their own tokens only (the prompts' shared prefix is kept once), and a
# decode step of 32 rows takes little longer than one of 16 on a CPU: more rows, fewer steps.
ROWS, PADDED_BATCH = 32, 16  # --batch-size defaults of --generate rows and padded
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."  # BFCL adds it to every description

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="Hugging Face folder (default: the embedded SmolLM2-135M-Instruct)")
    p.add_argument("--data", default=None, help="task JSONL, or bfcl:CAT[,CAT...] (required unless --report)")
    p.add_argument("--out", default="results.jsonl", help="rows; the summary goes to <out>.summary.json")
    p.add_argument("--limit", type=positive, default=None, help="first N cases of each category")
    p.add_argument("--batch-size", type=positive, default=None,
                   help=f"rows decoded at once (default {ROWS}), or prompts per padded batch (default {PADDED_BATCH})")
    p.add_argument("--max-new-tokens", type=positive, default=128)
    p.add_argument("--generate", default="rows", choices=["rows", "padded"],
                   help="rows: continuous batching over cached prompts; padded: model.generate on padded batches")
    p.add_argument("--predictions", default=None, help='JSONL of {"id", "output"}: score these, load no model')
    p.add_argument("--bfcl-dir", default=None, help="BFCL data folder (BFCL_v4_*.json, possible_answer/)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="no evaluation: print the Markdown table of DIR/STAGE/{synth,bfcl}.summary.json")
    args = p.parse_args(argv)
    if args.data is None and args.report is None:
        p.error("--data is required")
    args.batch_size = args.batch_size or default_batch_size(args.generate)
    return args


def default_batch_size(mode):
    return PADDED_BATCH if mode == "padded" else ROWS


def positive(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


# ---------------------------------------------------------------------------
# Cases: {"id", "category", "task" (prompting, SPEC task), "docs" (BFCL-typed, checking)}

def bfcl_data_dir(bfcl_dir):
    if bfcl_dir:
        inner = os.path.join(bfcl_dir, "data")
        return inner if os.path.isdir(inner) else bfcl_dir
    spec = importlib.util.find_spec("bfcl_eval")  # finding a top-level package does not import it
    if spec is None or not spec.submodule_search_locations:
        raise common.InputError("bfcl-eval", None, "package not installed: "
                                "pip install --no-deps bfcl-eval==2026.3.23, or pass --bfcl-dir")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def bfcl_categories(spec):
    """The categories `bfcl:CAT[,CAT...]` names, shorthands (non_live, live, multi_turn, all) expanded."""
    names = [ALIASES.get(c.strip(), c.strip()) for c in spec[5:].split(",") if c.strip()]
    names = list(dict.fromkeys(n for name in names for n in SHORTHANDS.get(name, (name,))))
    known = list(checker.BFCL_CATEGORIES) + list(multiturn.CATEGORIES)
    for name in names or [""]:
        if name not in known:
            raise common.InputError(spec, None, f"unknown BFCL category {name!r} "
                                    f"(known: {', '.join(known + list(SHORTHANDS))})")
    return names


def load_bfcl(spec, bfcl_dir=None):
    folder = bfcl_data_dir(bfcl_dir)
    cases = []
    for cat in bfcl_categories(spec):
        if cat in multiturn.CATEGORIES:
            cases += [{"id": c["id"], "category": cat, "multi": c} for c in multiturn.load(folder, cat)]
            continue
        answers = {}
        if checker.BFCL_CATEGORIES[cat] not in ("irrelevance", "relevance"):
            path = os.path.join(folder, "possible_answer", f"BFCL_v4_{cat}.json")
            for n, row in common.iter_jsonl(path):
                if not isinstance(row.get("ground_truth"), list):
                    raise common.InputError(path, n, "expected {\"id\", \"ground_truth\": [...]}")
                answers[row.get("id")] = row["ground_truth"]
        path = os.path.join(folder, f"BFCL_v4_{cat}.json")
        for n, row in common.iter_jsonl(path):
            try:
                case = bfcl_case(row, cat, answers)
            except (KeyError, TypeError, IndexError, AttributeError) as e:
                raise common.InputError(path, n, f"not a BFCL test entry ({type(e).__name__}: {e})") from None
            # A few live_irrelevance entries offer no function at all: legal in BFCL, not in a task file.
            problem = common.task_problem(case["task"]) if case["docs"] else None
            if problem:
                raise common.InputError(path, n, problem)
            cases.append(case)
    return cases


def bfcl_case(row, cat, answers):
    if checker.BFCL_CATEGORIES[cat] not in ("irrelevance", "relevance") and row["id"] not in answers:
        raise KeyError(f"no possible answer for {row['id']!r}")
    docs = row["function"]
    tools = [dict(d, description=d.get("description", "") + PYTHON_HINT,
                  parameters=common.to_json_schema(d["parameters"])) for d in docs]
    kind = checker.BFCL_CATEGORIES[cat]
    task = {"id": row["id"], "category": "simple" if kind == "relevance" else kind, "tools": tools,
            "messages": row["question"][0], "answer": answers.get(row["id"], [])}
    return {"id": row["id"], "category": cat, "task": task, "docs": docs}


def load_task_file(path):
    cases, seen = [], set()
    for n, task in common.iter_jsonl(path):
        task.setdefault("category", "simple")
        task.setdefault("answer", [])
        problem = common.task_problem(task)
        if not problem and task["category"] != "irrelevance" and not task["answer"]:
            problem = f"a {task['category']!r} task needs an `answer` to be scored"
        if not problem and task["id"] in seen:
            problem = f"duplicate id {task['id']!r}"
        if problem:
            raise common.InputError(path, n, problem)
        seen.add(task["id"])
        cases.append({"id": task["id"], "category": task["category"], "task": task, "docs": checker.tool_docs(task)})
    if not cases:
        raise common.InputError(path, None, "no tasks in file")
    return cases


def load_cases(data, bfcl_dir=None):
    return load_bfcl(data, bfcl_dir) if data.startswith("bfcl:") else load_task_file(data)


def limit_cases(cases, limit):
    if not limit:
        return cases
    kept, taken = [], {}
    for c in cases:
        if taken.get(c["category"], 0) < limit:
            taken[c["category"]] = taken.get(c["category"], 0) + 1
            kept.append(c)
    return kept


# ---------------------------------------------------------------------------
# Generation

def generate(model, tokenizer, prompts, max_new_tokens=128, batch_size=None, progress=True, on_batch=None,
             mode="rows"):
    """Greedy continuations of `prompts`, each cut at the end of turn. mode "rows": up to
    batch_size rows decoded at once, a case joining as another ends, the system prompt's KV
    computed once (engine.greedy); "padded": model.generate over padded batches (below).
    `on_batch(indices, texts)` is called as cases finish, so a caller can save work as it goes."""
    batch_size = batch_size or default_batch_size(mode)
    if mode == "padded":
        return generate_padded(model, tokenizer, prompts, max_new_tokens, batch_size, progress, on_batch)
    import engine
    from tqdm import tqdm
    stop = {tokenizer.eos_token_id}  # the end of turn, as model.generate is told below
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))  # longest first: memory peaks early
    outputs = [""] * len(prompts)
    model.eval()
    with tqdm(total=len(prompts), desc="generate", unit="case", disable=not progress, file=sys.stderr) as bar:
        def done(k, tokens):
            i = order[k]
            outputs[i] = tokenizer.decode(tokens, skip_special_tokens=True)
            if on_batch is not None:
                on_batch([i], [outputs[i]])
            bar.update()
        engine.greedy(model, [encoded[i] for i in order], max_new_tokens, stop, batch_size, done)
    return outputs


def generate_padded(model, tokenizer, prompts, max_new_tokens=128, batch_size=PADDED_BATCH, progress=True,
                    on_batch=None):
    """Greedy continuations with model.generate: prompts sorted by length, left-padded,
    masks built from lengths (the pad token is the end-of-turn token, so ids cannot tell
    padding apart), each continuation cut at the end of turn. `on_batch(indices, texts)`
    is called as each batch finishes, so a caller can save work as it goes."""
    import torch
    from tqdm import tqdm
    tokenizer.padding_side = "left"
    eot = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eot
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))  # longest first: memory peaks early
    outputs = [""] * len(prompts)
    model.eval()
    with tqdm(total=len(prompts), desc="generate", unit="case", disable=not progress, file=sys.stderr) as bar:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(len(encoded[i]) for i in idx)
            ids = torch.full((len(idx), width), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                n = len(encoded[i])
                ids[row, width - n:] = torch.tensor(encoded[i], dtype=torch.long)
                mask[row, width - n:] = 1
            with torch.no_grad():
                out = model.generate(input_ids=ids.to(model.device), attention_mask=mask.to(model.device),
                                     do_sample=False, max_new_tokens=max_new_tokens, pad_token_id=pad,
                                     eos_token_id=eot, use_cache=True, top_p=None, top_k=None, temperature=None)
            for row, i in enumerate(idx):
                new = out[row, width:].tolist()
                if eot is not None and eot in new:
                    new = new[:new.index(eot)]
                outputs[i] = tokenizer.decode(new, skip_special_tokens=True)
            if on_batch is not None:
                on_batch(idx, [outputs[i] for i in idx])
            bar.update(len(idx))
    return outputs


# ---------------------------------------------------------------------------
# Predictions, summary, main

def read_predictions(path, cases, all_cases):
    """{id: output}; ids outside the data are an error, ids cut by --limit are ignored."""
    wanted, known_ids = {c["id"] for c in cases}, {c["id"] for c in all_cases}
    out = {}
    multi = {c["id"] for c in all_cases if "multi" in c}
    for n, row in common.iter_jsonl(path):
        if not isinstance(row.get("id"), (str, int)):
            raise common.InputError(path, n, 'expected {"id": ..., "output": "<model text>"}')
        if row["id"] not in known_ids:
            raise common.InputError(path, n, f"id {row['id']!r} is not in the data")
        if row["id"] in multi and not transcript_shape(row.get("output")):
            raise common.InputError(path, n, f"{row['id']!r} is a multi-turn case: expected \"output\": "
                                             '[["step text", ...], ...] (per turn, the text of each step)')
        if row["id"] not in multi and not isinstance(row.get("output"), str):
            raise common.InputError(path, n, 'expected {"id": ..., "output": "<model text>"}')
        if row["id"] in out:
            raise common.InputError(path, n, f"duplicate id {row['id']!r}")
        if row["id"] in wanted:
            out[row["id"]] = row["output"]
    return out


def transcript_shape(output):
    return isinstance(output, list) and all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in output)


def score(case, output, error=None):
    """A results row: single-turn cases by checker.score; a multi-turn case's transcript by
    multiturn.check, or failed with `error` (context_overflow) when its conversation did not fit."""
    if "multi" not in case:
        return checker.score(case, output)
    valid, error = (False, error) if error else multiturn.check(case["multi"], output)
    return {"id": case["id"], "category": case["category"], "valid": valid, "error_type": error, "output": output}


def _acc(rows):
    return sum(r["valid"] for r in rows) / len(rows) if rows else None


def summarize(rows, bfcl=False):
    by_cat = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    order = ["simple_python", "simple"] + list(checker.BFCL_CATEGORIES)[1:] + list(multiturn.CATEGORIES)
    by_cat = dict(sorted(by_cat.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    cats = {c: {"n": len(rs), "correct": sum(r["valid"] for r in rs), "accuracy": _acc(rs)} for c, rs in by_cat.items()}
    simple = "simple_python" if "simple_python" in cats else "simple"
    non_live = [simple, "multiple", "parallel", "parallel_multiple"]
    live = [c for c in LIVE_AST if c in cats]
    classes = checker.ERROR_CLASSES + (multiturn.ERROR_CLASSES if any(c in cats for c in multiturn.CATEGORIES) else ())
    errors = {e: 0 for e in classes}
    for r in rows:
        if r["error_type"]:
            errors[r["error_type"]] += 1
    out = {
        "n": len(rows), "accuracy": _acc(rows), "categories": cats,
        # BFCL: unweighted mean of the four; N/A (null) unless all four were run.
        "non_live": (sum(cats[c]["accuracy"] for c in non_live) / 4) if all(c in cats for c in non_live) else None,
        # BFCL: weighted by case count over the live AST categories; null unless all were run.
        "live": _acc([r for c in live for r in by_cat[c]]) if len(live) == len(LIVE_AST) else None,
        "irrelevance": cats.get("irrelevance", {}).get("accuracy"),
        "errors": errors,
    }
    if bfcl:
        out["bfcl"] = bfcl_summary(out, cats)
    return out


def bfcl_summary(summary, cats):
    """BFCL's summary: non-live, live, irrelevance (the mean of irrelevance and live_irrelevance),
    multi-turn (the mean of its four) and the overall score as BFCL v3 combines them (SPEC.md: the
    mean of non-live, live and multi-turn; v4 adds agentic categories that need the web). A figure
    is null while one of its categories was not run, and `not_run` names those."""
    mean = lambda names: sum(cats[c]["accuracy"] for c in names) / len(names) if all(c in cats for c in names) else None  # noqa: E731
    parts = {"non_live": summary["non_live"], "live": summary["live"], "irrelevance": mean(["irrelevance", "live_irrelevance"]),
             "multi_turn": mean(multiturn.CATEGORIES)}
    overall = [parts[k] for k in ("non_live", "live", "multi_turn")]
    return dict(parts, overall=None if None in overall else sum(overall) / 3,
                not_run=[c for c in SHORTHANDS["all"] if c not in cats])


def print_table(summary, file=sys.stdout):
    def pct(x):
        return "   n/a" if x is None else f"{100 * x:6.2f}"
    print(f"{'category':<24}{'n':>6}  accuracy", file=file)
    for cat, s in summary["categories"].items():
        print(f"{cat:<24}{s['n']:>6}  {pct(s['accuracy'])}", file=file)
    print(f"{'all':<24}{summary['n']:>6}  {pct(summary['accuracy'])}", file=file)
    print(f"{'non-live (mean of 4)':<30}  {pct(summary['non_live'])}", file=file)
    print(f"{'live (weighted)':<30}  {pct(summary['live'])}", file=file)
    print(f"{'irrelevance':<30}  {pct(summary['irrelevance'])}", file=file)
    if "bfcl" in summary:
        b = summary["bfcl"]
        print(f"BFCL summary: non-live {pct(b['non_live']).strip()}, live {pct(b['live']).strip()}, irrelevance "
              f"{pct(b['irrelevance']).strip()}, multi-turn {pct(b['multi_turn']).strip()}, overall (v3) "
              f"{pct(b['overall']).strip()}" + (f"; not run: {', '.join(b['not_run'])}" if b["not_run"] else ""), file=file)
    print("errors: " + ", ".join(f"{e} {n}" for e, n in summary["errors"].items()), file=file)
    if summary.get("missing_predictions"):
        print(f"({summary['missing_predictions']} cases had no prediction: counted as parse_error)", file=file)


def stage_summaries(folder, stage):
    """{"synth": summary, "bfcl": summary} of run.sh's evaluations of one stage (those present)."""
    got = {}
    for kind in ("synth", "bfcl"):
        path = os.path.join(folder, stage, kind + ".summary.json")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                got[kind] = json.load(f)
    return got


def table_cells(got, cats, extra=()):
    """One stage's Markdown cells: synthetic-test accuracy, BFCL `cats`, non-live, the `extra`
    figures of BFCL's summary, error classes."""
    def pct(x):
        return "" if x is None else f"{100 * x:.1f}"
    synth, bfcl = got.get("synth", {}), got.get("bfcl", {})
    errors = {}
    for s in (synth, bfcl):
        for e, n in s.get("errors", {}).items():
            errors[e] = errors.get(e, 0) + n
    return ([pct(synth.get("accuracy")) + (f" (n={synth['n']})" if synth else "")]
            + [pct(bfcl.get("categories", {}).get(c, {}).get("accuracy")) for c in cats]
            + [pct(bfcl.get("non_live"))] + [pct(bfcl.get("bfcl", {}).get(k)) for k in extra]
            + [", ".join(f"{e} {n}" for e, n in errors.items() if n) or "none"])


def report(folder):
    """Markdown table, one row per stage folder under `folder` (base, warmup, iter1, ...):
    synthetic-test accuracy, BFCL per category, non-live aggregate, and error classes."""
    def rank(name):
        m = re.fullmatch(r"iter(\d+)", name)
        return ({"base": (0, 0), "warmup": (1, 0)}.get(name) or ((2, int(m.group(1))) if m else (3, 0)), name)
    names = sorted(os.listdir(folder) if os.path.isdir(folder) else [], key=rank)
    stages = {name: got for name in names for got in [stage_summaries(folder, name)] if got}
    if not stages:
        raise common.InputError(folder, None, "no stage folder with synth.summary.json or bfcl.summary.json")
    cats = []
    for got in stages.values():
        cats += [c for c in got.get("bfcl", {}).get("categories", {}) if c not in cats]
    counts = {c: max(g.get("bfcl", {}).get("categories", {}).get(c, {}).get("n", 0) for g in stages.values())
              for c in cats}
    # BFCL's summary figures beyond non-live, where some stage ran all of their categories
    names = {"multi_turn": "multi-turn", "overall": "overall (v3)"}
    extra = [k for k in ("live", "irrelevance", "multi_turn", "overall")
             if any(g.get("bfcl", {}).get("bfcl", {}).get(k) is not None for g in stages.values())]
    head = (["stage", "synthetic test"] + [f"{c} (n={counts[c]})" for c in cats] + ["BFCL non-live"]
            + [f"BFCL {names.get(k, k)}" for k in extra] + ["errors (synthetic + BFCL)"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join([name] + table_cells(got, cats, extra)) + " |" for name, got in stages.items()]
    return "\n".join(lines)


def summary_path(out):
    return os.path.splitext(out)[0] + ".summary.json"


def partial_path(out):
    return out + ".partial"


def partial_header(model_dir, max_new_tokens):
    """What outputs in <out>.partial depend on: the model folder, its weight files (name,
    size, mtime: a retrained model is another model) and the generation length."""
    weights = sorted(f for f in os.listdir(model_dir) if f.endswith(".safetensors"))
    return {"model": os.path.abspath(model_dir), "max_new_tokens": max_new_tokens,
            "weights": [[w, os.path.getsize(os.path.join(model_dir, w)), os.path.getmtime(os.path.join(model_dir, w))]
                        for w in weights]}


def read_partial(path, cases, header):
    """Outputs already generated by an interrupted run with the same --out. The first line
    records the model and generation settings; a file from other ones is started afresh. A
    torn last line (a kill mid-write) is cut off and generated again."""
    done = {}
    if os.path.exists(path):
        lines = common.cut_torn_tail(path).decode("utf-8", errors="replace").splitlines()
        if lines and lines[0] == json.dumps(header, sort_keys=True):
            wanted, multi = {c["id"] for c in cases}, {c["id"] for c in cases if "multi" in c}
            for line in lines[1:]:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and row.get("id") in wanted and (
                        isinstance(row.get("output"), str) if row["id"] not in multi else transcript_shape(row.get("output"))):
                    done[row["id"]] = (row["output"], row.get("error"))
            return done
        print(f"{path}: made with another model or settings; generating afresh", file=sys.stderr)
    with common.atomic_write(path) as f:
        f.write(json.dumps(header, sort_keys=True) + "\n")
    return done


def main(argv=None):
    args = parse_args(argv)
    if args.report:
        print(report(args.report))
        return
    all_cases = load_cases(args.data, args.bfcl_dir)
    cases = limit_cases(all_cases, args.limit)
    meta = {"data": args.data, "limit": args.limit}
    if args.predictions:
        given = read_predictions(args.predictions, cases, all_cases)
        outputs = {c["id"]: (given.get(c["id"], [] if "multi" in c else ""), None) for c in cases}
        meta.update(predictions=args.predictions, missing_predictions=sum(c["id"] not in given for c in cases))
    else:
        outputs = answer(args, cases, meta)
    rows = [score(c, *outputs[c["id"]]) for c in cases]
    if args.predictions:  # no answer is a failure, even where BFCL would pass empty text
        for row in rows:
            if row["id"] not in given:
                row.update(valid=False, error_type="parse_error")
    summary = {**summarize(rows, bfcl=args.data.startswith("bfcl:")), **meta}
    common.write_jsonl(args.out, rows)
    common.write_json(summary_path(args.out), summary)
    if not args.predictions and os.path.exists(partial_path(args.out)):
        os.remove(partial_path(args.out))
    print_table(summary)
    sys.stdout.flush()
    print(f"wrote {args.out} and {summary_path(args.out)}", file=sys.stderr)


def answer(args, cases, meta):
    """The model's answers {id: (output, error)}: single-turn cases by generate, multi-turn ones by
    conversations. Outputs are appended to <out>.partial as each case ends: running again with the
    same --out generates only what is missing, and the file goes once rows are written."""
    import training  # torch only where a model runs: --predictions and --report start fast
    model_dir = training.resolve_model(args.model)
    model, tokenizer = training.load_model(model_dir)
    partial = partial_path(args.out)
    os.makedirs(os.path.dirname(os.path.abspath(partial)), exist_ok=True)
    done = read_partial(partial, cases, partial_header(model_dir, args.max_new_tokens))
    single = [c for c in cases if c["id"] not in done and "multi" not in c]
    multi = [c for c in cases if c["id"] not in done and "multi" in c]
    if done:
        print(f"{partial}: {len(done)} outputs from an earlier run reused, {len(single) + len(multi)} to generate",
              file=sys.stderr)
    with open(partial, "a", encoding="utf-8") as log:
        def save(case_id, output, error=None):
            done[case_id] = (output, error)
            log.write(json.dumps({"id": case_id, "output": output, **({"error": error} if error else {})},
                                 ensure_ascii=False) + "\n")
            log.flush()
        start = time.time()
        if single:
            prompts = [common.render_prompt(tokenizer, c["task"]) for c in single]
            generate(model, tokenizer, prompts, args.max_new_tokens, args.batch_size, mode=args.generate,
                     on_batch=lambda idx, texts: [save(single[i]["id"], t) for i, t in zip(idx, texts)])
        if multi:
            multiturn.conversations(model, tokenizer, [c["multi"] for c in multi], args.max_new_tokens,
                                    args.batch_size, on_done=lambda case, transcript, error: save(case["id"], transcript, error))
        seconds = time.time() - start
    todo = len(single) + len(multi)
    meta.update(model=model_dir, device=str(model.device), batch_size=args.batch_size,
                max_new_tokens=args.max_new_tokens, generate_seconds=round(seconds, 1),
                generated=todo, cases_per_second=round(todo / seconds, 3) if seconds and todo else None)
    return done


if __name__ == "__main__":
    common.run_main(main)
