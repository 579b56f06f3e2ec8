"""synth.py: catalogue size, task format, gold answers, splits, determinism, no BFCL functions."""
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import synth  # noqa: E402
from common import CATEGORIES, parse_calls, task_problem  # noqa: E402

TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "array": list, "object": dict}


def run_synth(out, *args, hashseed="0"):
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    return subprocess.run([sys.executable, os.path.join(ROOT, "synth.py"), "--out", str(out), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    proc = run_synth(out, "--train", "300", "--test", "100", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    return {split: read_rows(out / f"{split}.jsonl") for split in ("train", "test")}, proc.stdout


def test_catalogue_size_and_shape():
    cat = synth.load_catalogue()
    synth.check_catalogue(cat)
    fns = cat["functions"]
    assert len(cat["domains"]) >= 25
    assert len(fns) >= 200
    assert len({f["name"] for f in fns}) == len(fns)
    seen_types = set()
    for f in fns:
        assert len(f["templates"]) >= 4, f["name"]
        tool = synth.tool_schema(f)
        assert tool["description"] and task_problem(
            {"id": 0, "tools": [tool], "messages": [{"role": "user", "content": "x"}]}) is None
        for name, prop in tool["parameters"]["properties"].items():
            assert prop["description"], (f["name"], name)
            assert prop["type"] in TYPES, (f["name"], name)
            seen_types.add(prop["type"] + ("+enum" if "enum" in prop else ""))
            if prop["type"] == "array":
                assert prop["items"]["type"] in TYPES
            if prop["type"] == "object":
                assert prop["properties"]
    assert seen_types >= {"string", "string+enum", "integer", "number", "boolean", "array", "object"}
    assert any(not p["required"] for f in fns for p in f["params"])


def test_cli_prints_counts(data):
    _rows, stdout = data
    assert "30 domains" in stdout or re.search(r"\d+ domains", stdout)
    assert "train: 300 examples" in stdout and "test: 100 examples" in stdout


def test_categories_and_shapes(data):
    rows, _ = data
    for split, n in (("train", 300), ("test", 100)):
        assert len(rows[split]) == n
        counts = synth.category_counts(n)
        assert {c: sum(r["category"] == c for r in rows[split]) for c in CATEGORIES} == counts
        assert all(counts[c] > 0 for c in CATEGORIES)
        ids = [r["id"] for r in rows[split]]
        assert len(set(ids)) == n
        for r in rows[split]:
            assert re.fullmatch(rf"{split}-{r['category']}-\d{{5}}", r["id"])
            assert task_problem(r) is None, (r["id"], task_problem(r))
            json.dumps(r["tools"])  # valid JSON
            n_tools, names = len(r["tools"]), [next(iter(a)) for a in r["answer"]]
            cat = r["category"]
            if cat == "simple":
                assert n_tools == 1 and len(names) == 1
            elif cat == "multiple":
                assert 2 <= n_tools <= 6 and len(names) == 1
            elif cat == "parallel":
                assert n_tools == 1 and 2 <= len(names) <= 4 and len(set(names)) == 1
            elif cat == "parallel_multiple":
                assert n_tools >= 2 and 2 <= len(names) <= 4 and len(set(names)) >= 2
            else:
                assert r["answer"] == [] and r["response"]


def check_value(value, options, prop, where):
    kind = prop["type"]
    assert type(value) is TYPES[kind], (where, value, kind)
    if kind == "object":
        (accepted,) = options
        assert set(value) == set(accepted), where
        for key, v in value.items():
            assert type(v) is TYPES[prop["properties"][key]["type"]] and v in accepted[key], (where, key, v)
        return
    if kind == "array":
        assert all(type(v) is TYPES[prop["items"]["type"]] for v in value), where
    if "enum" in prop:
        assert value in prop["enum"], where
    assert value in options, (where, value, options)
    for o in options:  # acceptable values have the parameter's own type (or "" for "may be omitted")
        assert o == "" or type(o) is TYPES[kind], (where, o)


def test_gold_response_agrees_with_answer(data):
    rows, _ = data
    for r in rows["train"] + rows["test"]:
        if r["category"] == "irrelevance":
            try:
                assert parse_calls(r["response"]) == [], r["id"]
            except ValueError:
                pass
            continue
        tools = {t["name"]: t["parameters"] for t in r["tools"]}
        calls = parse_calls(r["response"])
        assert len(calls) == len(r["answer"]), r["id"]
        for call, gold in zip(calls, r["answer"]):
            (name, args), = call.items()
            (gold_name, accepted), = gold.items()
            assert name == gold_name, r["id"]
            schema = tools[name]
            assert set(accepted) == set(schema["properties"]), r["id"]
            for p in schema["required"]:
                assert p in args and "" not in accepted[p], (r["id"], p)
            for p, v in args.items():
                check_value(v, accepted[p], schema["properties"][p], (r["id"], p))
            for p, options in accepted.items():
                if p not in args:
                    assert "" in options, (r["id"], p)


def test_values_take_thought(data):
    """Many gold values are not copied from the text; some conversations carry the value from
    an earlier turn; optional parameters are sometimes mentioned and sometimes left out."""
    rows, _ = data
    rows = [r for r in rows["train"] if r["category"] != "irrelevance"]
    transformed = multi_turn = omitted = mentioned_optional = 0
    for r in rows:
        text = " ".join(m["content"] for m in r["messages"] if m["role"] == "user")
        calls = [args for c in parse_calls(r["response"]) for args in c.values()]
        literal = [v for args in calls for v in args.values() if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
        transformed += any(str(v) not in text for v in literal)
        multi_turn += len(r["messages"]) > 1
        for gold in r["answer"]:
            for accepted in next(iter(gold.values())).values():
                omitted += accepted[0] == ""
                mentioned_optional += accepted[0] != "" and "" in accepted
    assert transformed > 0.3 * len(rows)
    assert multi_turn > 0.03 * len(rows)
    assert omitted > 0 and mentioned_optional > 0
    assert any(m["role"] == "assistant" for r in rows for m in r["messages"])


def test_splits_share_no_function_names(data):
    rows, _ = data
    train_fns, test_fns = synth.split_catalogue(synth.load_catalogue())
    assert {f["name"] for f in train_fns}.isdisjoint(f["name"] for f in test_fns)
    assert 0.15 <= len(test_fns) / (len(train_fns) + len(test_fns)) <= 0.25
    seen = {split: {t["name"] for r in rows[split] for t in r["tools"]} for split in rows}
    assert seen["train"].isdisjoint(seen["test"])
    assert seen["test"] <= {f["name"] for f in test_fns}
    train_text = "\n".join(json.dumps(r) for r in rows["train"])
    assert not [f["name"] for f in test_fns if f["name"] in train_text]


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    outs = []
    for i, (seed, hashseed) in enumerate([("5", "1"), ("5", "2"), ("6", "1")]):
        proc = run_synth(tmp_path / str(i), "--train", "120", "--test", "40", "--seed", seed, hashseed=hashseed)
        assert proc.returncode == 0, proc.stderr
        outs.append({s: (tmp_path / str(i) / f"{s}.jsonl").read_bytes() for s in ("train", "test")})
    assert outs[0] == outs[1]
    assert outs[0]["train"] != outs[2]["train"] and outs[0]["test"] != outs[2]["test"]


# sha256 of `python synth.py --out d/` (defaults: --train 2000 --test 400 --seed 0). The catalogue
# moving between files or formats must not change a byte; a change to the catalogue or the
# generator that is meant to change the data updates these.
PINNED = {"train": "9d492d525e4625abcd6c5c0e133ca8c3968d4ce34a1922e12ebadc0fb49f4b88",
          "test": "53cd966e40664565e2681f54e4d87500fd3927ab5d8bedba1de28a5c72ba9b33"}


def test_default_output_is_pinned(tmp_path):
    import hashlib
    proc = run_synth(tmp_path)
    assert proc.returncode == 0, proc.stderr
    for split, digest in PINNED.items():
        assert hashlib.sha256((tmp_path / f"{split}.jsonl").read_bytes()).hexdigest() == digest, split


def test_broken_catalogue_names_file_and_line(tmp_path):
    import shutil
    for name in ("synth.py", "common.py"):
        shutil.copy(os.path.join(ROOT, name), tmp_path / name)
    text = open(os.path.join(ROOT, "synth_catalogue.json"), encoding="utf-8").read().splitlines()
    text[5] = text[5] + ","  # a trailing comma the JSON reader rejects
    (tmp_path / "synth_catalogue.json").write_text("\n".join(text), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(tmp_path / "synth.py"), "--out", str(tmp_path / "d")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "synth_catalogue.json:" in proc.stderr


def test_no_bfcl_function_names():
    spec = importlib.util.find_spec("bfcl_eval")  # located, never imported (heavy dependencies)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("bfcl-eval is not installed")
    data_dir = os.path.join(list(spec.submodule_search_locations)[0], "data")
    files = sorted(glob.glob(os.path.join(data_dir, "BFCL_v4_*.json")))
    files += sorted(glob.glob(os.path.join(data_dir, "multi_turn_func_doc", "*.json")))
    assert files, data_dir
    bfcl = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue  # not a JSONL row (e.g. the format-sensitivity index)
                if not isinstance(item, dict):
                    continue
                funcs = item.get("function") or ([item] if "name" in item else [])
                bfcl.update(fn["name"] for fn in funcs if isinstance(fn, dict) and "name" in fn)
    assert len(bfcl) > 500
    clashes = sorted(f["name"] for f in synth.load_catalogue()["functions"] if f["name"] in bfcl)
    assert clashes == []


def test_bad_count_is_a_usage_error(tmp_path):
    proc = run_synth(tmp_path, "--train", "-1")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not os.path.exists(tmp_path / "train.jsonl")


def test_help():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "synth.py"), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--seed" in proc.stdout
