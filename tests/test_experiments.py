"""bench/experiments.py --report-only: the table, the curve, and the record that keeps a
run's figures after its folder is gone (runs made on different machines add up)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fake_run(runs, name, stage, n_train, synth_acc, non_live, steps):
    """A run folder as run.sh leaves it, with only what the report reads."""
    run = os.path.join(runs, f"exp-{name}")
    os.makedirs(os.path.join(run, "data"), exist_ok=True)
    with open(os.path.join(run, "data", "train.jsonl"), "w") as f:
        f.writelines('{"id": "%d"}\n' % i for i in range(n_train))
    for sub, n in steps.items():
        os.makedirs(os.path.join(run, sub), exist_ok=True)
        with open(os.path.join(run, sub, "metrics.jsonl"), "w") as f:
            f.writelines('{"step": %d}\n' % (i + 1) for i in range(n))
    ev = os.path.join(run, "eval", stage)
    os.makedirs(ev, exist_ok=True)
    with open(os.path.join(ev, "synth.summary.json"), "w") as f:
        json.dump({"n": 10, "accuracy": synth_acc, "errors": {"wrong_value": 2},
                   "categories": {c: {"n": 2, "accuracy": synth_acc} for c in
                                  ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")}}, f)
    with open(os.path.join(ev, "bfcl.summary.json"), "w") as f:
        json.dump({"n": 20, "non_live": non_live, "errors": {"missing_param": 3},
                   "categories": {c: {"n": 4, "accuracy": non_live} for c in
                                  ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")}}, f)


def report(tmp_path, code=0):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "experiments.py"), "--report-only",
                          "--runs", str(tmp_path / "runs"), "--results", str(tmp_path / "RESULTS.md"),
                          "--record", str(tmp_path / "record.json"), "--svg", str(tmp_path / "scaling.svg")],
                         capture_output=True, text=True)
    assert out.returncode == code, out.stderr
    if code:
        return out.stderr
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in out.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| run")}
    svg = tmp_path / "scaling.svg"
    return rows, svg.read_text() if svg.exists() else None


def test_report_keeps_a_gone_runs_figures_from_the_record(tmp_path):
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.25, 0.30, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    fake_run(runs, "itool", "warmup", 8, 0.20, 0.25, {})
    fake_run(runs, "sft_200", "warmup", 16, 0.35, 0.40, {"warmup": 9})
    rows, svg = report(tmp_path)
    assert rows["iTool: warm-up + 2 iterations"][1:5] == ["iter2", "7", "25.0 (n=10)", "30.0"]
    assert rows["SFT, 200% data"][1:5] == ["warmup", "9", "35.0 (n=10)", "40.0"]
    assert "SFT, 25% data" not in rows  # never run, not in the record: no row
    record = json.loads((tmp_path / "record.json").read_text())
    assert set(record) == {"exp-itool/iter2", "exp-itool/warmup", "exp-sft_200/warmup"}
    assert record["exp-sft_200/warmup"]["n_train"] == 16
    assert svg.count("<circle") == 4  # 2 SFT points x (synthetic, BFCL)

    # the machine is gone: the sft_200 folder with it; its row and curve point stay
    shutil.rmtree(os.path.join(runs, "exp-sft_200"))
    date = record["exp-sft_200/warmup"]["date"]
    rows, svg = report(tmp_path)
    assert rows["SFT, 200% data"][1:5] == [f"warmup (measured {date})", "9", "35.0 (n=10)", "40.0"]
    assert svg.count("<circle") == 4

    # a run on disk wins over the record: a rerun replaces its figures
    fake_run(runs, "sft_200", "warmup", 16, 0.45, 0.50, {"warmup": 9})
    rows, _ = report(tmp_path)
    assert rows["SFT, 200% data"][1:5] == ["warmup", "9", "45.0 (n=10)", "50.0"]
    assert json.loads((tmp_path / "record.json").read_text())["exp-sft_200/warmup"]["synth"]["accuracy"] == 0.45


def test_report_rejects_a_broken_record_in_one_line(tmp_path):
    fake_run(str(tmp_path / "runs"), "itool", "iter2", 8, 0.25, 0.30, {"warmup": 4})
    (tmp_path / "record.json").write_text('{"exp-itool/iter2": {\n')
    err = report(tmp_path, code=2)
    assert err.strip() == f"error: {tmp_path / 'record.json'}:2: not JSON (Expecting property name enclosed in double quotes)"
    assert not (tmp_path / "RESULTS.md").exists()


def test_an_ablation_without_pairs_reports_the_model_it_started_from(tmp_path):
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.25, 0.30, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    # no warm-up, and no pair in either iteration: the final model is the base model
    fake_run(runs, "abl_nowarmup", "base", 8, 0.15, 0.0, {})
    for k in (1, 2):
        os.makedirs(os.path.join(runs, "exp-abl_nowarmup", f"iter{k}"))
        open(os.path.join(runs, "exp-abl_nowarmup", f"iter{k}", "pairs.jsonl"), "w").close()
    # pairs in iteration 1 only: run.sh evaluates iteration 1's model as iter2
    fake_run(runs, "abl_judge", "iter2", 8, 0.35, 0.20, {"warmup": 4, "iter1/model": 9})
    os.makedirs(os.path.join(runs, "exp-abl_judge", "iter2"))
    open(os.path.join(runs, "exp-abl_judge", "iter2", "pairs.jsonl"), "w").close()
    with open(os.path.join(runs, "exp-abl_judge", "iter1", "pairs.jsonl"), "w") as f:
        f.write('{"id": "t-n0"}\n')
    rows, _ = report(tmp_path)
    assert rows["iTool, no warm-up"][1:5] == ["base, no pair in iterations 1-2", "0", "15.0 (n=10)", "0.0"]
    assert rows["iTool, --reward judge"][1:5] == ["iter2", "13", "35.0 (n=10)", "20.0"]

    shutil.rmtree(os.path.join(runs, "exp-abl_nowarmup"))
    date = json.loads((tmp_path / "record.json").read_text())["exp-abl_nowarmup/base"]["date"]
    rows, _ = report(tmp_path)
    assert rows["iTool, no warm-up"][1:5] == [f"base (measured {date}), no pair in iterations 1-2", "0",
                                             "15.0 (n=10)", "0.0"]


def write_cases(runs, name, stage, synth, bfcl):
    """eval.py's per-case rows (ids and validity) for one stage of a fake run."""
    ev = os.path.join(runs, f"exp-{name}", "eval", stage)
    for split, valid in (("synth", synth), ("bfcl", bfcl)):
        with open(os.path.join(ev, split + ".jsonl"), "w") as f:
            f.writelines(json.dumps({"id": f"{split}-{i}", "valid": bool(v)}) + "\n" for i, v in enumerate(valid))


def test_paired_comparison_against_continued_sft(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from results import case_results, paired
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.5, 0.5, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    fake_run(runs, "sft_continued", "warmup", 8, 0.3, 0.3, {"warmup": 3})
    # 20 cases: iTool gains cases 0-5 and loses case 19
    ref = [0] * 10 + [1] * 10
    arm = [1] * 6 + [0] * 4 + [1] * 9 + [0]
    write_cases(runs, "itool", "iter2", arm[:10], arm[10:])
    write_cases(runs, "sft_continued", "warmup", ref[:10], ref[10:])
    rows, _ = report(tmp_path)
    assert rows["iTool: warm-up + 2 iterations"][-1].startswith("6 / 1, +25.0 (")
    assert rows["SFT continued from the warm-up for iTool's 2 preference stages' steps"][-1].strip(" |") == ""
    # the same figures from the committed record once the folders are gone
    shutil.rmtree(os.path.join(runs, "exp-sft_continued"))
    rows, _ = report(tmp_path)
    assert rows["iTool: warm-up + 2 iterations"][-1].startswith("6 / 1, +25.0 (")
    # the interval: all gains -> above zero; cases that differ -> no comparison
    a = {"s": case_results([{"id": i, "valid": True} for i in range(30)])}
    b = {"s": case_results([{"id": i, "valid": i % 3 == 0} for i in range(30)])}
    got = paired(a, b)
    assert (got["gained"], got["lost"]) == (20, 0) and 0 < got["low"] <= got["difference"] <= got["high"]
    assert paired(a, {"s": case_results([{"id": i + 1, "valid": True} for i in range(30)])}) is None


def goal_cases(synth_valid, bfcl_valid, n=6):
    """{split: case_results} with n cases in each of the ten goal categories."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from results import case_results
    synth = [{"id": f"t-{c}-{i}", "category": c, "valid": synth_valid(c, i)} for c in
             ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance") for i in range(n)]
    bfcl = [{"id": f"{c}_{i}", "category": c, "valid": bfcl_valid(c, i)} for c in
            ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance") for i in range(n)]
    return {"synth": case_results(synth), "bfcl": case_results(bfcl)}


def test_goal_score_counts_every_category_once():
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from results import goal_score

    def summary(accs):
        return {"categories": {c: {"n": 9, "accuracy": a} for c, a in accs.items()}}
    # prose passes irrelevance alone: 2 of 10 categories, not the half that mean(synthetic, non-live) gave it
    prose = goal_score(summary({"simple": 0, "multiple": 0, "parallel": 0, "parallel_multiple": 0, "irrelevance": 1}),
                       summary({"simple_python": 0, "multiple": 0, "parallel": 0, "parallel_multiple": 0,
                                "irrelevance": 1}))
    assert prose == 20.0
    # the synthetic split's case counts do not weigh its categories: each is a tenth
    calls = goal_score(summary({"simple": 1, "multiple": 1, "parallel": 0.5, "parallel_multiple": 0, "irrelevance": 0}),
                       summary({"simple_python": 0.8, "multiple": 0.6, "parallel": 0.1, "parallel_multiple": 0,
                                "irrelevance": 0}))
    assert calls == pytest.approx(100 * (1 + 1 + 0.5 + 0.8 + 0.6 + 0.1) / 10)
    missing = summary({"simple": 1, "multiple": 1, "parallel": 1, "parallel_multiple": 1})  # no irrelevance case
    assert goal_score(missing, summary({"simple_python": 1, "multiple": 1, "parallel": 1, "parallel_multiple": 1,
                                        "irrelevance": 1})) is None


def test_goal_score_comparison_is_stratified_by_category():
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from results import paired_goal
    ref = goal_cases(lambda c, i: False, lambda c, i: c == "irrelevance")
    # the arm: half of the synthetic simple cases (+50 on one category), all of simple_python (+100)
    # and every BFCL irrelevance case lost (-100): (50 + 100 - 100) / 10
    arm = goal_cases(lambda c, i: c == "simple" and i < 3, lambda c, i: c == "simple_python")
    got = paired_goal(arm, ref)
    assert got["difference"] == pytest.approx(5.0) and got["low"] <= 5.0 <= got["high"] and got["low"] < got["high"]
    gain = paired_goal(goal_cases(lambda c, i: c == "simple", lambda c, i: c == "irrelevance"), ref)
    assert gain == {"difference": 10.0, "low": 10.0, "high": 10.0}  # a whole category gained: no case varies
    assert paired_goal(ref, ref) == {"difference": 0.0, "low": 0.0, "high": 0.0}
    old = {s: {k: v for k, v in c.items() if k != "categories"} for s, c in ref.items()}  # a record made before categories
    assert paired_goal(arm, old) is None


def test_readme_table_is_regenerated_between_its_markers(tmp_path):
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.25, 0.30, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nbefore\n<!-- experiments table: start -->\nold\n<!-- experiments table: end -->\nafter\n")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "experiments.py"), "--report-only",
                          "--runs", runs, "--results", str(tmp_path / "RESULTS.md"), "--readme", str(readme),
                          "--record", str(tmp_path / "record.json"), "--svg", str(tmp_path / "scaling.svg")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    text = readme.read_text()
    assert text.startswith("# x\n\nbefore\n<!-- experiments table: start -->") and text.endswith("end -->\nafter\n")
    assert "old" not in text
    assert "| iTool: warm-up + 2 iterations | " in text and "| 7 | 25.0 | 30.0 | 27.5 |" in text
    readme.write_text("# no markers\n")
    (tmp_path / "RESULTS.md").unlink()
    out = subprocess.run(out.args, capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "markers" in out.stderr
    assert not (tmp_path / "RESULTS.md").exists()  # refused before anything was written


def test_report_names_the_pairs_trained_on_and_how_outputs_moved(tmp_path):
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.5, 0.5, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    fake_run(runs, "itool", "warmup", 8, 0.3, 0.3, {})
    for k, labels in ((1, ["wrong_value", "wrong_value", None]), (2, ["missing_param"])):
        with open(os.path.join(runs, "exp-itool", f"iter{k}", "pairs.jsonl"), "w") as f:
            f.writelines(json.dumps({"id": f"p{i}", "error": e}) + "\n" for i, e in enumerate(labels))

    def rows(stage, outcomes):  # outcomes: (output, error) per case
        ev = os.path.join(runs, "exp-itool", "eval", stage)
        for split in ("synth", "bfcl"):
            with open(os.path.join(ev, split + ".jsonl"), "w") as f:
                f.writelines(json.dumps({"id": f"{split}-{i}", "category": "simple", "valid": e is None,
                                         "error_type": e, "output": o}) + "\n" for i, (o, e) in enumerate(outcomes))
    rows("warmup", [("a", "wrong_value"), ("b", "wrong_value"), ("c", None), ("d", None)])
    rows("iter2", [("a2", None), ("b2", "missing_param"), ("c", None), ("d2", "wrong_value")])
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "experiments.py"), "--report-only",
                          "--runs", runs, "--results", str(tmp_path / "RESULTS.md"),
                          "--record", str(tmp_path / "record.json"), "--svg", str(tmp_path / "scaling.svg")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert ("- iTool: warm-up + 2 iterations: pairs trained on (error of the rejected side): "
            "iter1 3 (wrong_value 2, none 1); iter2 1 (missing_param 1)") in out.stdout
    # per split: a gained, b moved between errors, c unchanged, d lost
    assert ("- iTool: warm-up + 2 iterations: outputs that differ from the warm-up's: 6 of 8 cases (2 now right, "
            "2 now wrong); most frequent error moves: right -> wrong_value 2, wrong_value -> missing_param 2, "
            "wrong_value -> right 2") in out.stdout
    again = subprocess.run(out.args, capture_output=True, text=True)  # now the record holds the pairs too
    assert again.returncode == 0 and "- iTool: warm-up + 2 iterations: pairs trained on" in again.stdout
    assert "- SFT, 100% data (the warm-up): pairs trained on" not in again.stdout  # the same folder, no pairs of its own
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["exp-itool/changes"]["changed"] == 6 and record["exp-itool/pairs"]["iter2"]["n"] == 1


def test_continued_sft_counts_the_steps_of_the_warm_up_it_started_from(tmp_path):
    runs = str(tmp_path / "runs")
    fake_run(runs, "itool", "iter2", 8, 0.5, 0.5, {"warmup": 4, "iter1/model": 2, "iter2/model": 1})
    fake_run(runs, "sft_continued", "warmup", 8, 0.3, 0.3, {"warmup": 3})
    fake_run(runs, "sft_equal", "warmup", 8, 0.3, 0.3, {"warmup": 7})
    start = os.path.join(runs, "exp-itool", "warmup")
    for name, model in (("sft_continued", start), ("sft_equal", "")):
        with open(os.path.join(runs, f"exp-{name}", "warmup", "run.json"), "w") as f:
            json.dump({"config": {"model": model}, "steps": 3}, f)
    rows, _ = report(tmp_path)
    assert rows["SFT continued from the warm-up for iTool's 2 preference stages' steps"][2] == "7"  # 4 + 3
    assert rows["SFT, equal optimizer steps"][2] == "7"  # from the base model: its own 7
    assert rows["iTool: warm-up + 2 iterations"][2] == "7"
    with open(os.path.join(runs, "exp-sft_continued", "warmup", "run.json"), "w") as f:
        f.write("{broken\n")
    err = report(tmp_path, code=2)
    assert err.count("\n") == 1 and "run.json" in err and "not JSON" in err
