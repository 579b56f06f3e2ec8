"""multiturn.py and eval.py's multi-turn categories: verdicts equal to bfcl-eval's own
multi_turn_checker on the answers' transcripts and on changed ones, model text that must not
run, the step limit, the conversation on a tiny model (its KV cache against encoding the
whole conversation again), --predictions for multi-turn, and BFCL's summary."""
import importlib.util
import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import eval as itool_eval
import engine
import multiturn
import training

ROOT = Path(__file__).resolve().parents[1]
HAVE_BFCL = importlib.util.find_spec("bfcl_eval") is not None
needs_bfcl = pytest.mark.skipif(not HAVE_BFCL, reason="bfcl-eval not installed")
BFCL_CLASS = {"multi_turn:force_terminated": "force_terminated", "multi_turn:empty_turn_model_response": "empty_turn",
              "multi_turn:instance_state_mismatch": "state_mismatch",
              "multi_turn:execution_response_mismatch": "response_mismatch", None: None}
RUNS = itertools.count()


def folder():
    return itool_eval.bfcl_data_dir(None)


def bfcl_verdict(b, entry, answer, transcript):
    """BFCL's verdict on a transcript, as its eval runner's _evaluate_single_multi_turn_entry decides:
    fewer turns than the answer is a force-termination, each step decoded by BFCL's decoder (failed or
    empty decodes skipped), then its multi_turn_checker."""
    if len(transcript) != len(answer):
        return False, "force_terminated"
    decoded = []
    for turn in transcript:
        steps = []
        for text in turn:
            try:
                calls = b.decode_execute(text)
            except Exception:
                continue
            if calls and calls != [""]:
                steps.append(calls)
        decoded.append(steps)
    # a model name of its own per call: BFCL keeps the instances of a (model, case) in its globals
    out = b.multi_turn_checker(decoded, answer, dict(entry), entry["id"].rsplit("_", 1)[0], f"itool{next(RUNS)}")
    return out["valid"], BFCL_CLASS[out.get("error_type")]


def variants(answer, rng):
    """The answer's transcript (its calls as one step a turn, "I cannot do that." where it has
    none) and changed ones: a value changed, a call dropped, repeated or reordered, steps split,
    prose around the calls, a turn missing, calls in a turn whose answer is empty."""
    def step(calls):
        return "[" + ", ".join(calls) + "]"
    base = [[step(c)] if c else ["I cannot do that."] for c in answer]
    out = {"answer": base, "missing_turn": base[:-1]}
    turns = [i for i, c in enumerate(answer) if c]
    t = rng.choice(turns)
    calls, k = list(answer[t]), rng.randrange(len(answer[t]))

    def at_turn(steps):
        return [s if i != t else steps for i, s in enumerate(base)]
    changed = re.sub(r"'([^']*)'", lambda m: f"'{m.group(1)}x'", calls[k], count=1)
    if changed == calls[k]:
        changed = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), calls[k], count=1)
    out["value"] = at_turn([step(calls[:k] + [changed] + calls[k + 1:])])
    out["dropped"] = at_turn([step(calls[:k] + calls[k + 1:])] if len(calls) > 1 else ["Done."])
    out["repeated"] = at_turn([step(calls + [calls[k]])])
    out["reordered"] = at_turn([step(calls[::-1])])
    out["split"] = at_turn([step([c]) for c in calls] + ["All done."])
    out["prose"] = at_turn(["Sure! " + step(calls) + " That should do it."])
    empty = [i for i, c in enumerate(answer) if not c]
    if empty:
        out["calls_in_empty_turn"] = [s if i != empty[0] else [step(answer[t])] for i, s in enumerate(base)]
    return out


@needs_bfcl
@pytest.mark.parametrize("category", multiturn.CATEGORIES)
def test_verdicts_equal_bfcls_checker(bfcl, category):
    entries = {row["id"]: row for row in map(json.loads, open(os.path.join(folder(), f"BFCL_v4_{category}.json")))}
    rng, seen, disagree = random.Random(zlib_seed(category)), {}, []
    for case in multiturn.load(folder(), category)[:50]:
        for name, transcript in variants(case["answer"], rng).items():
            ours = multiturn.check(case, transcript)
            theirs = bfcl_verdict(bfcl, entries[case["id"]], case["answer"], transcript)
            seen[ours[1]] = seen.get(ours[1], 0) + 1
            if ours != theirs:
                disagree.append((case["id"], name, ours, theirs))
    assert not disagree, disagree[:5]
    # the comparison reaches every class the checker can give a transcript
    assert {None, "force_terminated", "empty_turn", "state_mismatch", "response_mismatch"} <= set(seen), seen


def zlib_seed(text):
    import zlib
    return zlib.crc32(text.encode())


@needs_bfcl
def test_hostile_text_runs_nothing_outside_the_instances(tmp_path):
    case = multiturn.load(folder(), "multi_turn_base")[0]  # GorillaFileSystem and TwitterAPI
    world = multiturn.World(case)
    sentinel = tmp_path / "pwned"
    before = {name: dict(vars(inst)) for name, inst in world.instances.items()}
    hostile = ["[__import__(name='os')]", f"[open(file='{sentinel}', mode='w')]",
               f"[os.system(command='touch {sentinel}')]", f"[eval(source=\"open('{sentinel}', 'w')\")]",
               f"[exec(source=\"open('{sentinel}', 'w')\")]", "[__class__(x=1)]", "[_load_scenario(scenario={})]",
               "[GorillaFileSystem.cd(folder='document')]", "[cd.__globals__(x=1)]", "[subprocess.run(args=['true'])]",
               f"[cd(folder=open(file='{sentinel}', mode='w'))]", "[cd(folder=__import__('os').system('true'))]",
               "[touch(file_name=[c for c in ()])]", "[cd(folder=lambda: 1)]", "[rm(file_name=().__class__)]",
               "[remove(path='x')]", "[kill(pid=1)]"]
    results = []
    for text in hostile:
        calls = multiturn.decode(text)
        results += world.run(calls or [])
    assert not sentinel.exists()
    assert all(r.startswith("Error during execution") for r in results[:11]), results
    # a call written without keywords is read as the text it is (as BFCL decodes it), never run
    assert world.instances["GorillaFileSystem"]._current_dir.name == "workspace"
    after = {name: dict(vars(inst)) for name, inst in world.instances.items()}
    assert set(after) == set(before)
    # only the allow-list runs: public methods of the case's instances
    assert "cd" in world.methods and not any(m.startswith("_") for m in world.methods)
    assert world.run([("cd", (), {"folder": "document"})]) == ['{"current_working_directory": "document"}']


@needs_bfcl
def test_a_result_that_cannot_become_text_is_an_execution_error():
    world = multiturn.World({"classes": ["MathAPI"], "config": {}, "category": "multi_turn_base"})
    got = world.run(multiturn.decode("[power(base=2, exponent=20000), add(a=1, b=2)]"))
    assert got[0].startswith("Error during execution:") and got[1] == '{"result": 3}'


def test_step_limit_force_terminates_the_case():
    case = {"id": "x_0", "category": "multi_turn_base", "classes": ["MathAPI"], "config": {}, "held_out": {},
            "docs": [], "turns": [[{"role": "user", "content": "add"}], [{"role": "user", "content": "again"}]],
            "answer": [["add(a=1, b=2)"], ["add(a=1, b=2)"]]}

    def always_a_call(messages):
        yield []
        return "[add(a=1, b=2)]"
    co = multiturn.converse(case, always_a_call)
    try:
        while True:
            co.send(None)
    except StopIteration as end:
        transcript, error = end.value
    assert error is None and len(transcript) == 1 and len(transcript[0]) == multiturn.MAX_STEPS + 1
    assert multiturn.check(case, transcript) == (False, "force_terminated")
    assert multiturn.check(case, [["[add(a=1, b=2)]", "Done."], ["[add(a=1, b=2)]"]]) == (True, None)


@needs_bfcl
def test_held_out_functions_come_at_their_turn():
    case = next(c for c in multiturn.load(folder(), "multi_turn_miss_func") if c["held_out"])
    turn, docs = next(iter(case["held_out"].items()))
    names = {d["name"] for d in docs}
    assert names and not names & {d["name"] for d in case["docs"]}
    assert all(d["description"].endswith(multiturn.PYTHON_HINT) for d in case["docs"])
    opening = multiturn.turn_messages(case, turn)
    assert opening == [{"role": "user", "content": f"{docs}\n{multiturn.MORE_FUNCTIONS}"}]


@needs_bfcl
def test_conversation_cache_against_encoding_it_again(tiny_model_dir, monkeypatch):
    """The tiny model holds three conversations of three turns. Kept KV and a whole new encoding at
    every step give the same transcripts, several conversations at once or one at a time: with
    every step read as no call (one step a turn), and with every step read as calls (the random
    model writes none), steps after tool messages up to the step limit (lowered to 2). A
    conversation that outgrows the model's context ends there."""
    model, tok = training.load_model(str(tiny_model_dir), "cpu")
    docs = [d for d in multiturn.class_docs(folder(), "MathAPI") if d["name"] in ("mean", "add")]
    cases = [{"id": f"tiny_{i}", "category": "multi_turn_base", "classes": ["MathAPI"], "config": {}, "held_out": {},
              "docs": docs, "answer": [["mean(numbers=[1.0, 2.0])"]] * 3,
              "turns": [[{"role": "user", "content": f"Question {i}.{t}: the mean of 1 and {t + 2}?"}] for t in range(3)]}
             for i in range(3)]
    monkeypatch.setattr(multiturn, "MAX_STEPS", 2)
    reused = []  # per encoded prompt: how many of its tokens came from the prefix all prompts share
    encode = engine.encode_prompt

    def spy(model, ids, stats, shared=None):  # a conversation's step (shared_prefix's own call passes none)
        got = encode(model, ids, stats, shared)
        if shared is not None:
            reused.append(got[1])
        return got
    monkeypatch.setattr(engine, "encode_prompt", spy)
    for calls, turns, steps in (([], 3, 1), ([("mean", (), {"numbers": [1.0, 2.0]})], 1, 3)):
        monkeypatch.setattr(multiturn, "decode", lambda text: calls)
        reused.clear()
        kept = multiturn.conversations(model, tok, cases, max_new_tokens=5, rows=2, progress=False)
        assert len(reused) == 3 and all(reused)  # one encoding a conversation, past the shared system prompt
        reused.clear()
        again = multiturn.conversations(model, tok, cases, max_new_tokens=5, rows=1, cache=False, progress=False)
        assert len(reused) == 3 * turns * steps and not any(reused)  # every step encodes it all
        assert kept == again and all(err is None for _, err in kept.values())
        assert all([len(s) for s in t] == [steps] * turns for t, _ in kept.values())
    model.config.max_position_embeddings = 64
    small = multiturn.conversations(model, tok, cases[:1], max_new_tokens=5, progress=False)
    assert small["tiny_0"] == ([[]], "context_overflow")


@needs_bfcl
def test_predictions_for_multi_turn(tmp_path):
    cases = multiturn.load(folder(), "multi_turn_base")[:4]
    preds = tmp_path / "preds.jsonl"
    rows = [{"id": c["id"], "output": [["[" + ", ".join(t) + "]"] for t in c["answer"]]} for c in cases]
    rows[1]["output"] = rows[1]["output"][:-1]  # a turn missing: force-terminated
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "r.jsonl"
    proc = run_eval("--predictions", preds, "--data", "bfcl:multi_turn_base,live_relevance", "--limit", 4, "--out", out)
    assert proc.returncode == 0, proc.stderr
    got = {r["id"]: r for r in map(json.loads, open(out))}
    assert got[cases[1]["id"]]["error_type"] == "force_terminated"
    assert [got[c["id"]]["valid"] for c in cases] == [multiturn.check(c, r["output"])[0] for c, r in zip(cases, rows)]
    summary = json.load(open(tmp_path / "r.summary.json"))
    assert summary["bfcl"]["multi_turn"] is None and "multi_turn_miss_func" in summary["bfcl"]["not_run"]
    assert summary["categories"]["live_relevance"]["accuracy"] == 0.0  # no prediction: not a call
    limited = run_eval("--predictions", preds, "--data", "bfcl:multi_turn_base", "--limit", 2, "--out", out)
    assert limited.returncode == 0, limited.stderr  # predictions for cases past --limit are ignored, not refused
    for bad, message in (({"id": cases[0]["id"], "output": "[cd(folder='a')]"}, "is a multi-turn case"),
                         ({"id": cases[0]["id"], "output": [["a", 1]]}, "is a multi-turn case"),
                         ({"id": "multi_turn_base_9999", "output": [[]]}, "is not in the data")):
        preds.write_text(json.dumps(rows[0]) + "\n" + json.dumps(bad) + "\n")
        proc = run_eval("--predictions", preds, "--data", "bfcl:multi_turn_base", "--out", tmp_path / "bad.jsonl")
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert f"{preds}:2:" in proc.stderr and message in proc.stderr


def run_eval(*args):
    return subprocess.run([sys.executable, str(ROOT / "eval.py")] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=300)


def test_shorthands_and_bfcl_summary():
    assert itool_eval.bfcl_categories("bfcl:non_live,multiple") == list(itool_eval.NON_LIVE)
    assert itool_eval.bfcl_categories("bfcl:all") == list(itool_eval.SHORTHANDS["all"])
    assert "multi_turn_long_context" in itool_eval.bfcl_categories("bfcl:multi_turn")
    with pytest.raises(Exception):
        itool_eval.bfcl_categories("bfcl:multi_turn_nope")
    accuracy = {"simple_python": 0.8, "multiple": 0.6, "parallel": 0.4, "parallel_multiple": 0.2, "irrelevance": 0.9,
                "live_simple": 0.5, "live_multiple": 0.5, "live_parallel": 0.0, "live_parallel_multiple": 0.0,
                "live_irrelevance": 0.7, "live_relevance": 1.0, "multi_turn_base": 0.1, "multi_turn_miss_func": 0.0,
                "multi_turn_miss_param": 0.0, "multi_turn_long_context": 0.1}
    counts = {"live_simple": 2, "live_multiple": 6, "live_parallel": 1, "live_parallel_multiple": 1}
    rows = []
    for cat, acc in accuracy.items():
        n = counts.get(cat, 10)
        rows += [{"id": f"{cat}_{i}", "category": cat, "valid": i < round(acc * n), "error_type": None} for i in range(n)]
    assert "bfcl" not in itool_eval.summarize(rows)  # a task file's summary has no BFCL block
    b = itool_eval.summarize(rows, bfcl=True)["bfcl"]
    assert b["non_live"] == pytest.approx(0.5) and b["live"] == pytest.approx(0.4)  # live: weighted by cases
    assert b["irrelevance"] == pytest.approx(0.8) and b["multi_turn"] == pytest.approx(0.05)
    assert b["overall"] == pytest.approx((0.5 + 0.4 + 0.05) / 3) and b["not_run"] == []


def test_stage_table_shows_bfcl_summary_figures_where_run(tmp_path):
    """run.sh's report (eval.py --report): a stage that ran live and multi-turn categories shows
    BFCL's live, irrelevance, multi-turn and overall figures beside non-live; others leave them blank."""
    def rows(cats):
        return [{"id": f"{c}_{i}", "category": c, "valid": i == 0, "error_type": None if i == 0 else "wrong_value"}
                for c in cats for i in range(2)]
    every = itool_eval.SHORTHANDS["all"]
    for stage, cats in (("base", itool_eval.SHORTHANDS["non_live"]), ("warmup", every)):
        (tmp_path / stage).mkdir()
        with open(tmp_path / stage / "bfcl.summary.json", "w") as f:
            json.dump(itool_eval.summarize(rows(cats), bfcl=True), f)
    table = itool_eval.report(str(tmp_path)).splitlines()
    head = [c.strip() for c in table[0].strip("|").split("|")]
    assert head[-6:] == ["BFCL non-live", "BFCL live", "BFCL irrelevance", "BFCL multi-turn", "BFCL overall (v3)",
                         "errors (synthetic + BFCL)"]
    base, warmup = ([c.strip() for c in line.strip("|").split("|")] for line in table[2:])
    assert base[-6:-1] == ["50.0", "", "", "", ""] and warmup[-6:-1] == ["50.0"] * 5


@needs_bfcl
def test_math_that_would_compute_for_hours_is_refused_before_it_runs():
    world = multiturn.World({"classes": ["MathAPI"], "config": {}, "category": "multi_turn_base"})
    start = time.time()
    # unguarded, these take half a minute here (and a billion digits would take hours)
    got = world.run(multiturn.decode("[power(base=10, exponent=10000000), logarithm(value=3, base=2, precision=200000), "
                                     "square_root(number=2, precision=2000000), power(base=2, exponent=10), "
                                     "square_root(number=16, precision=5), logarithm(value=3, base=2, precision=2e5), "
                                     "logarithm(value=3, base=2, precision='200000')]"))
    assert time.time() - start < 2
    assert [g.split(":")[0] for g in got[:3] + got[5:]] == ["Error during execution"] * 5, got
    assert "power too large" in got[0] and "precision 200000" in got[1]
    assert got[3] == '{"result": 1024}' and got[4] == "{'result': Decimal('4')}"  # within the limits, as before
