"""bench/compare.py: evaluated models on the goal score, each paired against the first."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATS = {"synth": ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance"),
        "bfcl": ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")}


def write_eval(folder, right, ids="abcd"):
    """eval.py's outputs with 4 cases a category; right(split, category, i) says which are valid."""
    os.makedirs(folder)
    for split, cats in CATS.items():
        rows = [{"id": f"{cat}_{c}", "category": cat, "valid": bool(right(split, cat, i))}
                for cat in cats for i, c in enumerate(ids)]
        acc = {cat: sum(r["valid"] for r in rows if r["category"] == cat) / len(ids) for cat in cats}
        summary = {"n": len(rows), "accuracy": sum(r["valid"] for r in rows) / len(rows),
                   "categories": {cat: {"accuracy": a} for cat, a in acc.items()},
                   "non_live": sum(acc[c] for c in cats[:4]) / 4, "irrelevance": acc["irrelevance"]}
        with open(os.path.join(folder, split + ".jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        with open(os.path.join(folder, split + ".summary.json"), "w") as f:
            json.dump(summary, f)


def compare(*argv):
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare.py"), *map(str, argv)],
                          capture_output=True, text=True)


def test_each_folder_is_paired_against_the_first(tmp_path):
    write_eval(tmp_path / "a", lambda s, c, i: c == "irrelevance")  # 2 of 10 categories: 20.0
    # b: irrelevance too, and half of BFCL simple_python (+5.0 on the goal, 2 cases gained)
    write_eval(tmp_path / "b", lambda s, c, i: c == "irrelevance" or (c == "simple_python" and i < 2))
    out = compare(tmp_path / "a", tmp_path / "b", "--names", "ref,new")
    assert out.returncode == 0, out.stderr
    rows = [line.split(" | ") for line in out.stdout.splitlines()[2:]]
    assert rows[0][:2] == ["| ref", "20.0"] and rows[1][:5] == ["| new", "25.0", "20.0", "12.5", "100.0, 100.0"]
    assert rows[1][5].startswith("+5.0 (") and rows[1][6] == "2 / 0 |"


def test_other_cases_or_a_missing_file_is_one_line(tmp_path):
    write_eval(tmp_path / "a", lambda s, c, i: True)
    write_eval(tmp_path / "b", lambda s, c, i: True, ids="abce")
    out = compare(tmp_path / "a", tmp_path / "b")
    assert out.returncode == 2 and out.stderr.strip() == f"error: {tmp_path / 'b'}: not the cases of {tmp_path / 'a'}: no paired comparison"
    out = compare(tmp_path / "a", tmp_path / "nope")
    assert out.returncode == 2 and "nope/synth.summary.json: no such file" in out.stderr and "Traceback" not in out.stderr


def test_a_split_without_a_goal_category_is_named(tmp_path):
    write_eval(tmp_path / "a", lambda s, c, i: True)
    write_eval(tmp_path / "b", lambda s, c, i: True)
    rows = [json.loads(line) for line in (tmp_path / "a" / "bfcl.jsonl").read_text().splitlines()]
    (tmp_path / "a" / "bfcl.jsonl").write_text("".join(json.dumps(dict(r, category="other") if r["category"] == "parallel"
                                                                  else r) + "\n" for r in rows))
    out = compare(tmp_path / "a", tmp_path / "b")
    assert out.returncode == 2 and out.stderr.strip() == f"error: {tmp_path / 'b'}: a split lacks one of the goal score's ten categories"


def test_calls_against_the_gold_count_on_the_synthetic_call_cases(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import compare as compare_module
    golds = {"two": [{"f": {"a": [1]}}, {"f": {"a": [2]}}], "one": [{"f": {"a": [1]}}], "none": []}
    rows = [{"id": "two", "output": "[f(a=1)]"}, {"id": "one", "output": "[f(a=1), f(a=2)]"},
            {"id": "one", "output": "[f(a=1)]"}, {"id": "two", "output": "Sorry, I can't."},
            {"id": "none", "output": "[f(a=1)]"}]  # a case whose gold calls nothing: left out
    assert compare_module.call_counts(rows, golds) == {"fewer": 1, "as many": 1, "more": 1, "not calls": 1}
    write_eval(tmp_path / "a", lambda s, c, i: i < 2)
    write_eval(tmp_path / "b", lambda s, c, i: i < 3)
    data = tmp_path / "test.jsonl"
    tools = [{"name": "f", "description": "f", "parameters": {"type": "object", "properties": {}}}]
    data.write_text("".join(json.dumps({"id": f"{c}_{x}", "messages": [{"role": "user", "content": "?"}], "tools": tools,
                                        "answer": [] if c == "irrelevance" else [{"f": {}}]}) + "\n"
                            for c in CATS["synth"] for x in "abcd"))
    out = compare(tmp_path / "a", tmp_path / "b", "--names", "ref,new", "--data", data)
    assert out.returncode == 0, out.stderr
    # write_eval's rows hold no output: an empty answer calls nothing, fewer than the gold's one call
    assert "ref: synthetic call cases (16) against the gold's number of calls: fewer 16, as many 0, more 0, " \
           "not calls 0" in out.stdout
    data.write_text('{"id": "simple_a", "answer": []}\n')  # not a task: named with its line, no traceback
    bad = compare(tmp_path / "a", "--data", data)
    assert bad.returncode == 2 and "test.jsonl" in bad.stderr and ":1" in bad.stderr and "Traceback" not in bad.stderr
