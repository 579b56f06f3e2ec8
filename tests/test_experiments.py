"""bench/experiments.py and bench/sft_curve.py: the goal score and its paired interval, the arms'
settings, the record of a finished arm, and the report drawn from the record alone."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import common  # noqa: E402
import experiments  # noqa: E402
import sft_curve  # noqa: E402
import results  # noqa: E402
from results import case_results  # noqa: E402

CATS = {"synth": ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance"),
        "bfcl": ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")}


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
    gain = goal_cases(lambda c, i: c == "simple", lambda c, i: c == "irrelevance")
    assert paired_goal(gain, ref) == {"difference": 10.0, "low": 10.0, "high": 10.0}  # a whole category gained
    assert paired_goal(ref, ref) == {"difference": 0.0, "low": 0.0, "high": 0.0}
    old = {s: {k: v for k, v in c.items() if k != "categories"} for s, c in ref.items()}  # a record made before categories
    assert paired_goal(arm, old) is None
    from results import CALL_CATEGORIES
    calls = paired_goal(arm, ref, categories=CALL_CATEGORIES)  # the lost irrelevance left out: (50 + 100) / 8
    assert calls["difference"] == pytest.approx(18.75) and calls["low"] <= 18.75 <= calls["high"]
    assert paired_goal(gain, ref, categories=CALL_CATEGORIES)["difference"] == pytest.approx(12.5)  # 100 / 8


def summary(split, valid):
    """An eval.py summary of per-case validity {category: [0/1, ...]}."""
    cats = {c: {"n": len(v), "correct": sum(v), "accuracy": sum(v) / len(v)} for c, v in valid.items()}
    rows = [x for v in valid.values() for x in v]
    four = [c for c in CATS[split] if c != "irrelevance"]
    return {"n": len(rows), "accuracy": sum(rows) / len(rows), "categories": cats,
            "non_live": sum(cats[c]["accuracy"] for c in four) / 4, "irrelevance": cats["irrelevance"]["accuracy"]}


def row(valid_of, **fields):
    """A record row whose case c of category cat in split s is valid_of(s, cat, c) (6 cases each)."""
    out = dict(fields, date="2026-12-05", commit="abc1234")
    for split in ("synth", "bfcl"):
        valid = {cat: [int(valid_of(split, cat, i)) for i in range(6)] for cat in CATS[split]}
        out[split] = summary(split, valid)
        out.setdefault("cases", {})[split] = case_results(
            [{"id": f"{cat}_{i}", "category": cat, "valid": bool(v)} for cat, vs in valid.items() for i, v in enumerate(vs)])
    out["goal"] = experiments.goal_score(out["synth"], out["bfcl"])
    return out


def fake_record(path):
    """A curve of three reads, the plateau on every case and three arms."""
    record = {}
    for step, k in ((25, 1), (50, 2), (100, 3)):  # 1, 3 and 3 categories right: goal 10, 30, 30
        record[f"plateau/sft-step-{step}"] = row(lambda s, c, i, k=k: list(CATS[s]).index(c) < k // 2 + (s == "synth"),
                                                 steps=step, start="base", examples_seen=4 * step, epoch=step / 100)
    record["plateau/plateau"] = row(lambda s, c, i: c == "simple", steps=100, start="plateau/sft-step-100",
                                    examples_seen=400, epoch=1, flattened=True)
    record["plateau-sft_continued/warmup"] = row(lambda s, c, i: c == "simple", arm="sft_continued", steps=200,
                                                 start="plateau/plateau")
    # the arm sampling is trained as: simple_python gained on every case (+10 points), a sixth of synthetic multiple (+1.7)
    record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"] = row(
        lambda s, c, i: c in ("simple", "simple_python") or (c == "multiple" and s == "synth" and i == 0),
        arm=experiments.SAMPLING_FROM[0], steps=200, start="plateau/plateau",
        pairs={"iter1": {"n": 3, "errors": {"wrong_value": 2, "none": 1}, "depths": {"1": 3}, "ends": {"end/end": 3}}},
        changes={"n": 60, "changed": 7, "gained": 7, "lost": 0, "moves": [["wrong_value", "right", 7]]},
        refused={"synth": [5, 340], "bfcl": [0, 1000]})
    record["plateau-sampling/iter2"] = row(lambda s, c, i: c == "simple", arm="sampling", steps=200, start="plateau/plateau")
    with open(path, "w") as f:
        json.dump(record, f)


def report(tmp_path, *extra, code=0):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "experiments.py"), "--report-only",
                          "--record", str(tmp_path / "record.json"), "--results", str(tmp_path / "RESULTS.md"),
                          "--svg", str(tmp_path / "scaling.svg"), *extra], capture_output=True, text=True)
    assert out.returncode == code, out.stderr
    return out


def test_report_from_the_record_alone(tmp_path):
    fake_record(tmp_path / "record.json")
    out = report(tmp_path).stdout
    lines = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in out.splitlines() if line.startswith("| ")}
    assert lines["the plateau model"][4:7] == ["10.0", "20.0", "0.0"]  # simple alone: 1 of 10 categories
    label = experiments.ARMS[experiments.SAMPLING_FROM[0]][0]
    tree = lines[label]
    assert tree[3:5] == ["200", "21.7"] and tree[8].startswith("+11.7 (") and tree[9] == "7 / 0 |"
    assert lines[f"sampling pairs, no tree (--search sample), as {experiments.SAMPLING_FROM[0]}"][8].startswith("+0.0 (+0.0 to +0.0)")
    assert "- Goal from the plateau model (an iTool arm 2 points above SFT continued on the goal score, its interval " \
           f"above 0): met by {label}." in out
    assert f"- MCTS pairs against sampling pairs ({experiments.SAMPLING_FROM[0]} against sampling: the same --compare and " \
           "--irrelevance filter and training): +11.7 (" in out and "MCTS ahead." in out
    # the gain is in call categories alone: 11.7 of ten categories is 14.6 of the eight call ones
    assert "iter1 3 pairs (rejected: wrong_value 2, none 1; depth 1 3; ends chosen/rejected end/end 3); on the eight " \
           "call categories against SFT continued +14.6 (" in out and "); 7 of 60 outputs changed" in out
    assert "now right, 0 now wrong; wrong_value -> right 7); call cases answered without a call: synthetic 5 of 340, " \
           "BFCL 0 of 1000." in out
    record = json.loads((tmp_path / "record.json").read_text())
    assert record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"]["paired"]["against"] == "plateau-sft_continued/warmup"
    assert record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"]["paired"]["diff"] == pytest.approx(11.67, abs=0.01)
    assert record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"]["paired_calls"]["diff"] == pytest.approx(14.58, abs=0.01)
    svg = (tmp_path / "scaling.svg").read_text()
    assert svg.count("<circle") == 6  # three curve points x (goal, BFCL non-live)
    assert svg.count("<path transform") == 2 * 3 + 3  # three arms x two figures, and three legend marks
    assert "## Experiments" in (tmp_path / "RESULTS.md").read_text()


def test_a_report_is_dated_by_its_latest_row_not_by_when_it_is_written(tmp_path):
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    record["plateau-sampling/iter2"]["date"] = "2026-12-06"  # the newest measurement
    (tmp_path / "record.json").write_text(json.dumps(record))
    assert report(tmp_path).stdout.startswith("## Experiments from runs/plateau (2026-12-06)\n")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "sft_curve.py"), "--report-only",
                          "--record", str(tmp_path / "record.json"), "--results", ""], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "## The SFT curve: runs/plateau (2026-12-05)\n" in out.stdout  # the curve's rows alone


def test_report_refuses_a_broken_record_or_readme_in_one_line(tmp_path):
    (tmp_path / "record.json").write_text('{"plateau/plateau": {\n')
    err = report(tmp_path, code=2).stderr
    assert err.strip() == f"error: {tmp_path / 'record.json'}:2: not JSON (Expecting property name enclosed in double quotes)"
    fake_record(tmp_path / "record.json")
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    err = report(tmp_path, "--readme", str(readme), code=2).stderr
    assert err.count("\n") == 1 and "markers" in err and not (tmp_path / "RESULTS.md").exists()
    readme.write_text("# x\n\nbefore\n<!-- experiments table: start -->\nold\n<!-- experiments table: end -->\nafter\n")
    report(tmp_path, "--readme", str(readme))
    text = readme.read_text()
    assert text.startswith("# x\n\nbefore\n<!-- experiments table: start -->") and text.endswith("end -->\nafter\n")
    assert "\nold\n" not in text and "| the plateau model | 2026-12-05 | abc1234 | 100 | 10.0 |" in text
    assert "| 50 | 0.5 | 200 | 30.0 |" in text  # the curve's rows beside the arms


def test_report_of_a_curve_without_arms(tmp_path):
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    (tmp_path / "record.json").write_text(json.dumps({k: v for k, v in record.items() if "sft-step" in k}))
    readme = tmp_path / "README.md"
    readme.write_text("<!-- experiments table: start -->\n<!-- experiments table: end -->\n")
    report(tmp_path, "--readme", str(readme))
    text = readme.read_text()
    assert "| 100 | 1 | 400 | 30.0 |" in text and "No arm from the plateau model is measured yet" in text
    assert "the plateau model |" not in text
    svg = (tmp_path / "scaling.svg").read_text()
    assert svg.count("<circle") == 6 and "<path transform" not in svg  # the curve alone


def test_curve_report_names_the_plateau_before_its_full_evaluation(tmp_path):
    """Epochs 1 -> 2 add 0 points: the curve has flattened at step 100 though the plateau model's
    evaluation on every case (row plateau/plateau) is not in the record yet."""
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    curve = {k: v for k, v in record.items() if "sft-step" in k}
    curve["plateau/sft-step-200"] = dict(curve["plateau/sft-step-100"], steps=200, epoch=2)

    def section(rows):
        (tmp_path / "record.json").write_text(json.dumps(rows))
        out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "sft_curve.py"), "--report-only",
                              "--record", str(tmp_path / "record.json"), "--results", ""],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout
    text = section(curve)
    assert "- Plateau: step 100 (epoch 1)" in text and "not in the record yet" in text
    assert "No plateau yet" not in text
    del curve["plateau/sft-step-200"]  # one epoch read: nothing to compare it with
    assert "No plateau yet" in section(curve)


def test_the_annealed_series_starts_from_the_control_and_is_compared_with_its_own(tmp_path):
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    # the annealed start is the plateau series' control (synthetic simple right: 10.0); its own control also gets
    # both irrelevance categories right (30.0), its iTool arm synthetic multiple instead of synthetic irrelevance
    # (30.0: +0.0 against its control, though +20.0 against the plateau series' control)
    record["plateau-annealed-sft_continued/warmup"] = row(lambda s, c, i: c in ("simple", "irrelevance"),
                                                          arm="sft_continued", steps=200, start="plateau-sft_continued/warmup")
    record["plateau-annealed-itool_fragment/iter2"] = row(
        lambda s, c, i: c in ("simple", "multiple") if s == "synth" else c == "irrelevance",
        arm="itool_fragment", steps=200, start="plateau-sft_continued/warmup")
    (tmp_path / "record.json").write_text(json.dumps(record))
    out = report(tmp_path).stdout
    plateau_part, annealed_part = out.split("From the plateau annealed (SFT continued's model):")
    assert "From the plateau model:" in plateau_part and "met by iTool" in plateau_part
    rows = [line.split(" | ") for line in annealed_part.splitlines() if line.startswith("| ")]
    assert rows[1][0] == "| the plateau annealed (SFT continued's model)" and rows[1][4] == "10.0"
    assert rows[2][0] == "| SFT continued (the control)" and rows[2][4] == "30.0"
    assert rows[3][4] == "30.0" and rows[3][8] == "+0.0 (+0.0 to +0.0)"  # against the annealed control, not the plateau's
    assert "- Goal from the plateau annealed (SFT continued's model) (an iTool arm 2 points above SFT continued on " \
           "the goal score, its interval above 0): not met; best iTool, --gold-sibling, --compare fragment, " \
           "--sft-weight 1: +0.0 (" in annealed_part
    assert "annealed: SFT continued" in (tmp_path / "scaling.svg").read_text()

    runs = tmp_path / "runs"
    args = experiments.parse_args(["--runs", str(runs), "--series", "annealed", "--report-only"])
    (runs / "plateau-sft_continued" / "warmup").mkdir(parents=True)
    env = experiments.arm_env(args, "itool_fragment")
    assert env["NAME"] == "plateau-annealed-itool_fragment"
    assert env["MODEL"] == os.path.realpath(runs / "plateau-sft_continued" / "warmup")
    assert env["DATA"] == str(runs / "plateau" / "data")  # the same training data as every arm
    with pytest.raises(common.InputError, match="plateau-sft_continued/eval/warmup: no evaluation of the plateau annealed"):
        experiments.run_arm(args, "itool_fragment")  # its control not evaluated yet: nothing runs
    assert not (runs / "plateau-annealed-itool_fragment").exists()


def test_arms_extend_run_sh_settings_and_grow_every_selected_tree(tmp_path):
    args = experiments.parse_args(["--runs", str(tmp_path), "--report-only"])
    env = experiments.arm_env(args, "itool_fragment")
    assert env["PREFS_ARGS"] == "--pairs-per-node 3 --compare fragment"  # ARM_BASE's, then the arm's flag
    assert "--limit" not in env["MCTS_ARGS"] and "--gold-sibling" in env["MCTS_ARGS"]
    assert env["PREF_ARGS"].endswith("--lora-rank 0 --lr 2e-5 --max-steps 100 --save-every 10 --sft-weight 1")
    assert (env["WARMUP"], env["K"], env["EVAL_LIMIT"]) == ("0", "2", "all")
    assert env["BFCL"] == "bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance"  # the goal's five
    control = experiments.arm_env(args, "sft_continued")
    assert (control["WARMUP"], control["K"]) == ("1", "0") and "--max-steps 200" in control["WARMUP_ARGS"]
    published = experiments.arm_env(args, "published")
    assert "--repetition-penalty 0.75 --reward judge" in published["MCTS_ARGS"]
    replay = experiments.arm_env(args, "itool_replay")  # SFT on the arms' own training data
    assert replay["PREF_ARGS"].endswith(f"--epochs 6 --replay {replay['DATA']}/train.jsonl")
    with pytest.raises(SystemExit):
        experiments.parse_args(["--only", "itool,nope"])


def test_an_arm_runs_as_measured_whatever_run_sh_defaults_to(tmp_path, monkeypatch):
    # run.sh's defaults are itool_low_lr's rules: itool (no PREFS_ARGS of its own) must still run with
    # prefs.py's default pairs, and a caller's environment must not leak into a recorded arm
    args = experiments.parse_args(["--runs", str(tmp_path), "--report-only"])
    monkeypatch.setenv("PREFS_ARGS", "--rejected worst")
    itool = experiments.run_sh_defaults(experiments.arm_env(args, "itool"))
    assert itool["PREFS_ARGS"] == "--pairs-per-node 3"
    assert itool["PREF_ARGS"] == experiments.ARM_BASE["PREF_ARGS"] + " " + experiments.TRAINING[1:]
    assert itool["MCTS_ARGS"] == experiments.MCTS
    # and run.sh's defaults are the best-measured arm's, as each script reads them, but for the tree budget
    # and the arms' equal-step cap and checkpoints
    import mcts, prefs, train_pref
    caller = {k: v for k, v in os.environ.items() if not k.endswith("_ARGS") and k != "SMOKE"}
    run_sh = experiments.run_sh_defaults(caller)
    low_lr = experiments.arm_env(args, "itool_low_lr")
    for key, script, given, differ in [
            ("MCTS_ARGS", mcts, ["--data", "d", "--out", "o"], {"limit"}),
            ("PREFS_ARGS", prefs, ["--trees", "t", "--out", "o"], set()),
            ("PREF_ARGS", train_pref, ["--pairs", "p", "--out", "o"], {"max_steps", "save_every"})]:
        ours, arm = (vars(script.parse_args(given + flags.split())) for flags in (run_sh[key], low_lr[key]))
        assert {k: v for k, v in ours.items() if k not in differ} == {k: v for k, v in arm.items() if k not in differ}
        assert all(ours[k] != arm[k] for k in differ), key
    assert "--lora-rank 0 --lr 5e-6" in run_sh["PREF_ARGS"] and "--irrelevance none" in run_sh["PREFS_ARGS"]


def test_an_arm_takes_iteration_1_trees_grown_with_its_settings(tmp_path):
    import mcts
    args = experiments.parse_args(["--runs", str(tmp_path), "--report-only"])
    model, data = tmp_path / "plateau" / "plateau", tmp_path / "plateau" / "data"
    model.mkdir(parents=True)
    data.mkdir()
    (model / "config.json").write_text("{}")
    (data / "train.jsonl").write_text('{"id": "t1"}\n')
    # what mcts.py stores for run.sh's iteration 1 of itool_fragment (seed 0 + 1, the arm's MCTS_ARGS)
    config = mcts.settings(mcts.parse_args(["--model", os.path.realpath(model), "--data", str(data / "train.jsonl"),
                                            "--out", "-", "--seed", "1", "--batch-trees", "16", "--temperature",
                                            "1.5", "--min-p", "0.05", "--gold-sibling"]))
    grown = tmp_path / "plateau-itool_fragment" / "iter1"
    grown.mkdir(parents=True)
    (grown / "trees.jsonl").write_text('{"id": "t1"}\n')
    (grown / "trees.jsonl.selected.json").write_text(json.dumps({"config": config, "selected": [{"id": "t1"}]}))
    experiments.share_first_trees(args, "itool_decision", experiments.arm_env(args, "itool_decision"))
    took = tmp_path / "plateau-itool_decision" / "iter1"
    assert not (took / "mcts.done").exists() and not (took / "trees.jsonl").exists()  # no marker: still growing
    assert json.loads((took / "trees.jsonl.selected.json").read_text())["selected"] == [{"id": "t1"}]  # its selection
    (took / "trees.jsonl.selected.json").unlink()
    (grown / "mcts.done").touch()
    for name in ("itool_decision", "itool", "sampling", "itool_greedy", "sft_continued"):
        experiments.share_first_trees(args, name, experiments.arm_env(args, name))
    assert (took / "trees.jsonl").read_text() == '{"id": "t1"}\n' and (took / "mcts.done").exists()
    assert (took / "trees.jsonl.selected.json").read_text() == (grown / "trees.jsonl.selected.json").read_text()
    # other tree settings on the same model, data and seed: the selection alone, stored under the arm's own settings
    for other in ("itool", "sampling", "itool_greedy"):
        env = experiments.arm_env(args, other)
        own = mcts.settings(mcts.parse_args(["--model", env["MODEL"], "--data", str(data / "train.jsonl"), "--out", "-",
                                             "--seed", "1"] + env["MCTS_ARGS"].split()))
        folder = tmp_path / f"plateau-{other}" / "iter1"
        saved = json.loads((folder / "trees.jsonl.selected.json").read_text())
        assert saved["config"] == own != config and saved["selected"] == [{"id": "t1"}]
        assert sorted(os.listdir(folder)) == ["trees.jsonl.selected.json"]  # no trees, no marker: it grows its own
    assert not (tmp_path / "plateau-sft_continued" / "iter1").exists()  # no trees at all
    # an arm whose own trees are done keeps them; stored settings that differ (another seed) are not taken
    (took / "trees.jsonl").write_text('{"id": "own"}\n')
    experiments.share_first_trees(args, "itool_decision", experiments.arm_env(args, "itool_decision"))
    assert (took / "trees.jsonl").read_text() == '{"id": "own"}\n'
    env = dict(experiments.arm_env(args, "itool_answer"), SEED="5")  # not even the selection
    experiments.share_first_trees(args, "itool_answer", env)
    assert not (tmp_path / "plateau-itool_answer" / "iter1").exists()


def test_measure_stores_a_finished_arm_with_its_pairs_and_moves(tmp_path):
    runs = tmp_path / "runs"

    def write_eval(folder, outcomes, model=None):  # outcomes: (output, error) per case, the same ids in both splits
        os.makedirs(folder, exist_ok=True)
        for split in ("synth", "bfcl"):
            rows = [{"id": f"{split}-{i}", "category": "simple", "valid": e is None, "error_type": e, "output": o}
                    for i, (o, e) in enumerate(outcomes)]
            with open(os.path.join(folder, split + ".jsonl"), "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            with open(os.path.join(folder, split + ".summary.json"), "w") as f:
                json.dump({"n": len(rows), "categories": {}, **({"model": model} if model else {})}, f)
    write_eval(runs / "plateau" / "eval" / "plateau", [("a", "wrong_value"), ("b", "wrong_value"), ("c", None), ("d", None)])
    run = runs / "plateau-itool"
    # iteration 2 made no pair: its evaluation read iteration 1's model (eval.py's summary names it)
    write_eval(run / "eval" / "iter2", [("[a2()]", None), ("b2", "missing_param"), ("c", None), ("d2", "wrong_value")],
               model=str(run / "iter1" / "model"))
    refusal = "None of the tools can do it"  # ends the answer, but no delimiter says so: only its tree node
    for k, pairs in ((1, [("", '"Paris")]', '"Lyon")]', "wrong_value"), ("[f(", "a=1, ", "b=", None),
                          ("", refusal, "[g(x=1)]", "spurious_call")]), (2, [])):
        os.makedirs(run / f"iter{k}" / "model")
        with open(run / f"iter{k}" / "pairs.jsonl", "w") as f:
            f.writelines(json.dumps({"id": f"irr-n-1-n0-r{i}", "prefix": p, "chosen": c, "rejected": r, "error": e,
                                     "depth": 1}) + "\n" for i, (p, c, r, e) in enumerate(pairs))
        with open(run / f"iter{k}" / "model" / "metrics.jsonl", "w") as f:
            f.writelines('{"step": %d}\n' % i for i in range(3))
    with open(run / "iter1" / "trees.jsonl", "w") as f:  # a tree id with "-n" in it
        f.write(json.dumps({"id": "irr-n-1", "nodes": [{"id": 0, "parent": None, "text": "", "terminal": False},
                                                       {"id": 1, "parent": 0, "text": refusal, "terminal": True}]}) + "\n")
    for folder, weights in ((runs / "plateau" / "plateau", b"start"), (run / "iter1" / "model", b"trained")):
        os.makedirs(folder, exist_ok=True)
        (folder / "model.safetensors").write_bytes(weights)
    args = experiments.parse_args(["--runs", str(runs), "--report-only"])
    record = {}
    experiments.measure(args, "itool", str(run), {"MCTS_ARGS": "x", "PREF_ARGS": "y"}, record)
    got = record["plateau-itool/iter2"]
    assert got["steps"] == 6 and got["start"] == "plateau/plateau" and got["goal"] is None  # no categories: no goal
    # which weights it started from and ended with
    assert got["start_sha256"] == results.weights_sha256(runs / "plateau" / "plateau")
    assert got["weights_sha256"] == results.weights_sha256(run / "iter1" / "model") != got["start_sha256"]
    assert got["refused"] == {"synth": [3, 4], "bfcl": [3, 4]}  # call cases whose output opens no list of calls
    assert got["pairs"]["iter1"] == {"n": 3, "errors": {"none": 1, "spurious_call": 1, "wrong_value": 1},
                                     "depths": {1: 3}, "ends": {"end/end": 2, "next/name": 1}}
    # per split: a gained, b moved between errors, c unchanged, d lost
    assert got["changes"] == {"n": 8, "changed": 6, "gained": 2, "lost": 2, "moves": [
        ["right", "wrong_value", 2], ["wrong_value", "missing_param", 2], ["wrong_value", "right", 2]]}
    got["date"], got["pairs"], got["refused"] = "2026-01-01", {}, None
    experiments.measure(args, "itool", str(run), {"MCTS_ARGS": "x", "PREF_ARGS": "y"}, record)
    assert record["plateau-itool/iter2"]["date"] == "2026-01-01"  # the same cases: the row of the measurement stays
    assert record["plateau-itool/iter2"]["pairs"]["iter1"]["n"] == 3  # its pair labels read again from the files
    assert record["plateau-itool/iter2"]["refused"] == {"synth": [3, 4], "bfcl": [3, 4]}
    # the empty list calls nothing; irrelevance cases are not call cases
    assert experiments.refused([{"category": "simple", "output": " [ ] "}, {"category": "simple", "output": "[f(a=1)]"},
                                {"category": "irrelevance", "output": "No tool fits."},
                                {"category": "multiple", "output": "Sorry."}]) == [2, 3]


def test_curve_points_and_plateau_rule():
    assert sft_curve.curve_points(250, 5) == [31, 62, 125, 250, 500, 750, 1000, 1250]
    # epoch 1 -> 2 adds 3 points, 2 -> 3 adds 0.5: the plateau is epoch 2's checkpoint
    goals = {31: 5.0, 62: 8.0, 125: 12.0, 250: 20.0, 500: 23.0, 750: 23.5}
    assert sft_curve.find_plateau(goals, 250, 1.0) == 500
    assert sft_curve.find_plateau({250: 20.0, 500: 23.0}, 250, 1.0) is None  # still climbing: read on
    assert sft_curve.find_plateau({125: 19.9, 250: 20.0, 500: 20.5}, 250, 1.0) == 250  # half epochs do not count


def test_write_section_replaces_a_section_where_it_stands(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\n## A\n\nold a\n\n## B\n\nb\n")
    results.write_section(str(path), "## A", "## A\n\nnew a\n")
    assert path.read_text() == "# Benchmarks\n\n## A\n\nnew a\n\n## B\n\nb\n"
    results.write_section(str(path), "## B", "## B\n\nnew b\n")
    results.write_section(str(path), "## C", "## C\n\nc\n")
    assert path.read_text() == "# Benchmarks\n\n## A\n\nnew a\n\n## B\n\nnew b\n\n## C\n\nc\n"
    # a heading that begins with another's is its own section, before or after it
    path.write_text("# Benchmarks\n\n## A from x (2026-01-01)\n\nx\n\n## A (2026-01-01)\n\na\n")
    results.write_section(str(path), "## A", "## A (2026-01-02)\n\nnew a\n")
    results.write_section(str(path), "## A from y", "## A from y (2026-01-02)\n\ny\n")
    assert path.read_text() == ("# Benchmarks\n\n## A from x (2026-01-01)\n\nx\n\n## A (2026-01-02)\n\nnew a\n\n"
                                "## A from y (2026-01-02)\n\ny\n")


def test_weights_sha256_names_the_model_not_its_folder(tmp_path):
    for name, files in (("a", {"model.safetensors": b"w"}), ("b", {"model.safetensors": b"w", "config.json": b"{}"}),
                        ("c", {"model.safetensors": b"v"}), ("d", {"config.json": b"{}"})):
        (tmp_path / name).mkdir()
        for f, data in files.items():
            (tmp_path / name / f).write_bytes(data)
    assert results.weights_sha256(tmp_path / "a") == results.weights_sha256(tmp_path / "b")
    assert results.weights_sha256(tmp_path / "a") != results.weights_sha256(tmp_path / "c")
    with pytest.raises(common.InputError, match="no \\*.safetensors weights"):
        results.weights_sha256(tmp_path / "d")


def test_an_arm_refuses_a_start_made_again_and_pairs_only_arms_of_one_start(tmp_path):
    """A start whose weights differ from its row's (the same recipe made again elsewhere) is
    another model: no arm runs from it under the row's name, and a row that started from other
    weights than its control's is shown unpaired."""
    runs = tmp_path / "runs"
    start = runs / "plateau" / "sft" / "step-100"
    os.makedirs(start)
    (start / "model.safetensors").write_bytes(b"rebuilt")
    os.symlink("sft/step-100", runs / "plateau" / "plateau")
    os.makedirs(runs / "plateau" / "eval" / "plateau")
    (runs / "plateau" / "eval" / "plateau" / "bfcl.summary.json").write_text("{}")
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    record["plateau/plateau"]["weights_sha256"] = results.weights_sha256(start)
    (tmp_path / "record.json").write_text(json.dumps(record))
    args = experiments.parse_args(["--runs", str(runs), "--record", str(tmp_path / "record.json"), "--report-only"])
    experiments.check_start(args, experiments.start_of(args, "plateau"))  # the same weights: goes on
    (start / "model.safetensors").write_bytes(b"rebuilt again")
    with pytest.raises(common.InputError, match="is not the model of the record's row plateau/plateau"):
        experiments.run_arm(args, "itool_fragment")
    assert not (runs / "plateau-itool_fragment").exists()

    record["plateau-sft_continued/warmup"]["start_sha256"] = "one"
    record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"]["start_sha256"] = "two"
    (tmp_path / "record.json").write_text(json.dumps(record))
    out = report(tmp_path).stdout
    arm = next(line for line in out.splitlines() if line.startswith(f"| {experiments.ARMS[experiments.SAMPLING_FROM[0]][0]} |"))
    assert arm.endswith("| not paired: other start weights |  |")
    sampling = next(line for line in out.splitlines() if line.startswith(f"| {experiments.ARMS['sampling'][0]} |"))
    assert "not paired" not in sampling and "+0.0 (+0.0 to +0.0)" in sampling  # a row from before the hash: paired
    assert "Goal from the plateau model" not in out  # no arm paired: no verdict
    for key in (f"plateau-{experiments.SAMPLING_FROM[0]}/iter2", "plateau-sampling/iter2"):
        record[key]["start_sha256"] = "one"
    (tmp_path / "record.json").write_text(json.dumps(record))
    out = report(tmp_path).stdout
    assert "not paired" not in out and "not paired" not in (tmp_path / "record.json").read_text()
    assert "Goal from the plateau model" in out


def fake_stages(monkeypatch, tmp_path, calls):
    """sft_curve's stages faked: warmup.py makes a model (sft/step-N at --pause-at, else its --out, with a
    metrics line per step of --max-steps), eval.py every case right at index 0; 8 steps of 4 examples,
    4 steps an epoch."""
    def sh(script, *args):
        calls.append((script, [str(a) for a in args]))
        if script == "warmup.py":
            folder = args[args.index("--out") + 1]
            folder = os.path.join(folder, f"step-{args[args.index('--pause-at') + 1]}") if "--pause-at" in args else folder
            os.makedirs(folder, exist_ok=True)
            open(os.path.join(folder, "config.json"), "w").write("{}")
            open(os.path.join(folder, "model.safetensors"), "wb").write(b"w")
            if "--max-steps" in args:
                with open(os.path.join(folder, "metrics.jsonl"), "w") as f:
                    f.writelines("{}\n" for _ in range(int(args[args.index("--max-steps") + 1])))
        elif script == "eval.py":
            out = args[args.index("--out") + 1]
            split = os.path.basename(out).split(".")[0]
            cats = CATS[split]
            rows = [{"id": f"{c}_{i}", "category": c, "valid": i == 0} for c in cats for i in range(2)]
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            with open(out.replace(".jsonl", ".summary.json"), "w") as f:
                json.dump(summary(split, {c: [1, 0] for c in cats}), f)
    monkeypatch.setattr(sft_curve, "sh", sh)
    monkeypatch.setattr(sft_curve, "plan", lambda args, at: (4, [4 * (i + 1) for i in range(8)]))
    monkeypatch.setattr(sft_curve, "ROOT", str(tmp_path))


def test_plateau_at_makes_and_evaluates_the_plateau_without_reading_the_curve(tmp_path, monkeypatch):
    calls = []
    fake_stages(monkeypatch, tmp_path, calls)
    args, at = run_curve(tmp_path, "--name", "again", "--plateau-at", "4")
    assert [c[0] for c in calls] == ["warmup.py", "eval.py", "eval.py"]  # no read of the curve
    assert calls[0][1][-2:] == ["--pause-at", "4"] and "--limit" not in calls[1][1]  # the plateau on every case
    assert os.readlink(at.plateau) == os.path.join("sft", "step-4")
    rows = json.loads((tmp_path / "record.json").read_text())
    assert list(rows) == ["again/plateau"]
    got = rows["again/plateau"]
    assert got["steps"] == 4 and got["examples_seen"] == 16 and got["epoch"] == 1 and got["flattened"] is None
    assert got["plateau_at"] == 4
    assert got["start"] == "base"  # trained from the base model; no curve row of its own
    assert got["weights_sha256"] == results.weights_sha256(os.path.join(at.sft, "step-4"))
    assert "given (--plateau-at), not read from a curve here" in capture_report(args)
    with pytest.raises(common.InputError, match="--plateau-at 9: the run has 8 steps"):
        sft_curve.run(sft_curve.parse_args(["--runs", str(tmp_path / "runs"), "--name", "again", "--plateau-at", "9"]), at)

    # without it, the curve is read (every checkpoint's evaluation alike: epoch 2 adds nothing) and the plateau is epoch 1
    calls.clear()
    args, at = run_curve(tmp_path, "--name", "curve", "--max-epochs", "2")
    paused = [c[1][c[1].index("--pause-at") + 1] if "--pause-at" in c[1] else "end" for c in calls if c[0] == "warmup.py"]
    assert paused == ["1", "2", "4", "end"]  # 1/8 (at least 1), 1/4, 1/2 and 1 epoch, then epoch 2 to its end
    got = json.loads((tmp_path / "record.json").read_text())
    assert sorted(k for k in got if k.startswith("curve/")) == [
        "curve/plateau", "curve/sft-step-1", "curve/sft-step-2", "curve/sft-step-4", "curve/sft-step-8"]
    assert got["curve/plateau"]["steps"] == 4 and got["curve/plateau"]["flattened"] is True
    assert "plateau_at" not in got["curve/plateau"]
    assert got["curve/plateau"]["start"] == "curve/sft-step-4" and os.readlink(at.plateau) == os.path.join("sft", "step-4")



def test_the_curriculum_warmup_runs_beside_a_given_plateau_at_its_step_count(tmp_path, monkeypatch):
    calls = []
    fake_stages(monkeypatch, tmp_path, calls)
    args, at = run_curve(tmp_path, "--name", "again", "--plateau-at", "4", "--curriculum")
    assert [c[0] for c in calls] == ["warmup.py", "eval.py", "eval.py", "warmup.py", "eval.py", "eval.py"]
    cur = calls[3][1]
    assert cur[cur.index("--out") + 1] == at.curriculum and cur[cur.index("--max-steps") + 1] == "4"
    assert "--buckets" not in cur and "--schedule" not in cur  # warmup.py's own curriculum: 3 buckets, a schedule each
    assert cur[cur.index("--epochs") + 1] == "1"  # the plateau's epochs of the whole set, per bucket
    assert all("--limit" not in c[1] for c in calls[4:])  # every case, as the plateau: the two are paired
    got = json.loads((tmp_path / "record.json").read_text())["again/curriculum"]
    assert got["steps"] == 4 and got["start"] == "base" and got["examples_seen"] == 16 and got["epoch"] == 1
    assert got["model"] == os.path.relpath(at.curriculum, str(tmp_path))
    assert got["paired"] == {"against": "again/plateau", "diff": 0.0, "low": 0.0, "high": 0.0}  # the fake evals agree
    assert "- The curriculum warm-up (warmup.py's defaults: 3 buckets by perplexity, easy to hard, a schedule each) at " \
           "the plateau's 4 steps, on all cases: goal score 50.0" in capture_report(args)
    assert "against plain SFT's plateau (50.0): +0.0 (+0.0 to +0.0)." in capture_report(args)
    calls.clear()
    sft_curve.run(args, at)  # every output there: nothing runs again
    assert calls == []

    # ranked within each category: its own folder and row, beside the first; both in the report
    args = sft_curve.parse_args(["--runs", str(tmp_path / "runs"), "--name", "again", "--plateau-at", "4", "--curriculum",
                                 "--within-category", "--record", str(tmp_path / "record.json"), "--results", ""])
    sft_curve.run(args, at)
    assert [c[0] for c in calls] == ["warmup.py", "eval.py", "eval.py"]  # the plateau and the first curriculum kept
    cur = calls[0][1]
    assert cur[cur.index("--out") + 1] == at.curriculum_category and "--within-category" in cur
    assert calls[1][1][calls[1][1].index("--out") + 1] == os.path.join(at.eval("curriculum-category"), "synth.jsonl")
    record = json.loads((tmp_path / "record.json").read_text())
    got = record["again/curriculum-category"]
    assert got["within_category"] is True and got["steps"] == 4 and got["paired"]["against"] == "again/plateau"
    assert "within_category" not in record["again/curriculum"]
    text = capture_report(args)
    assert "- The curriculum warm-up (warmup.py's defaults:" in text
    assert "- The curriculum warm-up (3 buckets by perplexity within each category (--within-category), easy to hard, " \
           "a schedule each) at the plateau's 4 steps" in text
    with pytest.raises(SystemExit):  # alone it would make nothing
        sft_curve.parse_args(["--within-category"])


def run_curve(tmp_path, *flags):
    """sft_curve.run under tmp_path with its data in place; returns its args and layout."""
    args = sft_curve.parse_args(["--runs", str(tmp_path / "runs"), *flags,
                                 "--record", str(tmp_path / "record.json"), "--results", ""])
    at = sft_curve.Layout(args)
    os.makedirs(at.data)
    open(at.test, "w").close()
    sft_curve.run(args, at)
    return args, at


def capture_report(args):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        sft_curve.report(args)
    return out.getvalue()


def test_sampling_is_trained_as_the_itool_arm_it_names():
    def flags(value):  # the pair filter, without how the rejected side is picked
        words = value.lstrip("+").split()
        return [w for i, w in enumerate(words) if "--rejected" not in words[max(i - 1, 0):i + 1]]
    for name in experiments.SAMPLING_FROM:
        itool, (label, sampling) = experiments.ARMS[name][1], experiments.sampling_arm(name)
        assert label.endswith(f", as {name}") and sampling["TRAINED_AS"] == name
        assert flags(sampling["PREFS_ARGS"]) == flags(itool["PREFS_ARGS"])
        assert sampling["PREF_ARGS"] == itool["PREF_ARGS"]
        assert "--rejected worst" in sampling["PREFS_ARGS"]  # whole answers: the best against the worst
        assert ("--greedy-path" in sampling["MCTS_ARGS"]) == ("--greedy-path" in itool["MCTS_ARGS"])
        assert "--search sample" in sampling["MCTS_ARGS"] and "--search" not in itool["MCTS_ARGS"]
    assert "--end-pairs balanced" in experiments.sampling_arm("itool_balanced")[1]["PREFS_ARGS"]
    assert experiments.ARMS["sampling"] == experiments.sampling_arm(experiments.SAMPLING_FROM[0])  # before the record
    # the worst attempt: as sampling but for the rejected side, so it grows (and copies) sampling's samples
    worst, attempt = experiments.ARMS["sampling"], experiments.ARMS["sampling_attempt"]
    assert attempt[1]["PREFS_ARGS"] == worst[1]["PREFS_ARGS"].replace("--rejected worst", "--rejected attempt")
    others = [{k: v for k, v in arm[1].items() if k != "PREFS_ARGS"} for arm in (attempt, worst)]
    assert others[0] == others[1]
    assert attempt[0] == ("sampling pairs, no tree (--search sample, --rejected attempt), as "
                          f"{experiments.SAMPLING_FROM[0]}")


def test_the_ablation_is_read_on_the_call_categories_too(tmp_path):
    """A sampling arm that loses the irrelevance cases alone is behind on the goal score and level on
    the eight call categories; each sampling arm gets its own line, against the arm it was trained as."""
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    tree = record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"]
    record["plateau-sampling/iter2"] = row(lambda s, c, i: c in ("simple", "simple_python", "irrelevance") and (
        c != "irrelevance" or i >= 3) or (c == "multiple" and s == "synth" and i == 0), arm="sampling", steps=200,
                                          start="plateau/plateau")  # the tree arm's calls, half of irrelevance lost
    # sampling_attempt: the fake record's tree-arm cases, read before they are replaced below
    record["plateau-sampling_attempt/iter2"] = dict(tree, arm="sampling_attempt")
    tree_irrelevant = row(lambda s, c, i: c in ("simple", "simple_python", "irrelevance") or (
        c == "multiple" and s == "synth" and i == 0), arm=experiments.SAMPLING_FROM[0], steps=200,
                          start="plateau/plateau")
    record[f"plateau-{experiments.SAMPLING_FROM[0]}/iter2"] = dict(
        tree, **{k: tree_irrelevant[k] for k in ("synth", "bfcl", "cases", "goal")})
    (tmp_path / "record.json").write_text(json.dumps(record))
    out = report(tmp_path).stdout
    lines = [line for line in out.splitlines() if line.startswith("- MCTS pairs against sampling pairs")]
    assert len(lines) == 2, out
    assert lines[0].startswith(f"- MCTS pairs against sampling pairs ({experiments.SAMPLING_FROM[0]} against sampling:")
    assert "+10.0 (" in lines[0] and "on the goal score, MCTS ahead" in lines[0]  # half of two categories: 100 / 10
    assert lines[0].endswith("+0.0 (+0.0 to +0.0) on the eight call categories, no difference beyond noise.")
    assert f"({experiments.SAMPLING_FROM[0]} against sampling_attempt:" in lines[1]
    assert "on the goal score, MCTS ahead" in lines[1] and "on the eight call categories, no difference" in lines[1]
    assert f"| sampling pairs, no tree (--search sample, --rejected attempt), as {experiments.SAMPLING_FROM[0]} |" in out


def test_sampling_copies_the_best_measured_tree_arm_of_its_start():
    first, second = experiments.SAMPLING_FROM[:2]
    goal = lambda g: {"goal": g}  # noqa: E731
    assert experiments.sampling_as({}, "p") == first  # none measured yet
    assert experiments.sampling_as({f"p-{second}/iter2": goal(30.0)}, "p") == second
    assert experiments.sampling_as({f"p-{first}/iter2": goal(30.0), f"p-{second}/iter2": goal(31.0)}, "p") == second
    assert experiments.sampling_as({f"p-{first}/iter2": goal(31.0), f"p-{second}/iter2": goal(30.0)}, "p") == first
    assert experiments.sampling_as({f"p-{first}/iter2": goal(30.0), f"p-{second}/iter2": goal(30.0)}, "p") == first
    assert experiments.sampling_as({f"q-{second}/iter2": goal(99.0)}, "p") == first  # another start's row
    measured = {f"p-{name}/iter2": goal(30.0 + i) for i, name in enumerate(experiments.SAMPLING_FROM)}
    assert experiments.sampling_as(measured, "p") == experiments.SAMPLING_FROM[-1]  # the best of all of them


def test_a_sampling_row_is_read_against_the_arm_it_was_trained_as(tmp_path):
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    first, second = experiments.SAMPLING_FROM[:2]
    record[f"plateau-{second}/iter2"] = dict(record.pop(f"plateau-{first}/iter2"), arm=second)
    record["plateau-sampling/iter2"]["settings"] = {"TRAINED_AS": second}
    (tmp_path / "record.json").write_text(json.dumps(record))
    out = report(tmp_path).stdout
    assert f"| sampling pairs, no tree (--search sample), as {second} |" in out
    assert f"- MCTS pairs against sampling pairs ({second} against sampling: the same --compare" in out
    assert "+11.7 (" in out.split("MCTS pairs against sampling pairs")[1]


def test_the_replica_is_the_control_again_and_reads_as_training_noise(tmp_path):
    args = experiments.parse_args(["--runs", str(tmp_path), "--report-only"])
    control, replica = (experiments.arm_env(args, name) for name in (experiments.CONTROL, experiments.REPLICA))
    assert replica["WARMUP_ARGS"] == control["WARMUP_ARGS"] + " --seed 1"  # run.sh puts its --seed before these
    assert replica["NAME"] == "plateau-sft_replica" and experiments.stage_of(experiments.REPLICA) == "warmup"
    fake_record(tmp_path / "record.json")
    record = json.loads((tmp_path / "record.json").read_text())
    arm = experiments.ARMS[experiments.SAMPLING_FROM[0]][0]  # +11.7 against the control (fake_record)

    def verdict(gains):  # the replica right where the control is, and on every case of `gains`
        record["plateau-sft_replica/warmup"] = row(lambda s, c, i: c == "simple" or c in gains, arm=experiments.REPLICA,
                                                   steps=200, start="plateau/plateau")
        (tmp_path / "record.json").write_text(json.dumps(record))
        return [line for line in report(tmp_path).stdout.splitlines() if line.startswith("- ")]
    lines = verdict({"simple_python"})
    assert "- Training noise: SFT continued again, --seed 1 (training noise) against SFT continued: +10.0 (+10.0 to " \
           "+10.0), one draw of it; an arm's difference within ±10.0 is no larger than that one." in lines
    assert any(line.startswith(f"- Goal from the plateau model") and f"met by {arm}; beyond training noise: {arm}."
               in line for line in lines)
    lines = verdict({"simple_python", "parallel_multiple"})  # +20: the arm's +11.7 is within it
    assert any(f"met by {arm}; beyond training noise: none." in line for line in lines)
    assert not any(line.startswith("- Goal") and "SFT continued again" in line for line in lines)  # never an iTool arm


def test_the_figure_changes_only_with_readme_or_an_svg_path(tmp_path, monkeypatch):
    fake_record(tmp_path / "record.json")
    drawn = []
    monkeypatch.setattr(experiments, "svg_scaling", lambda curve, marks, path: drawn.append(path))
    base = ["--report-only", "--record", str(tmp_path / "record.json"), "--results", str(tmp_path / "RESULTS.md")]
    experiments.report(experiments.parse_args(base + ["--start", "plateau"]))
    assert drawn == []  # RESULTS.md's section alone: README's figure stays with README's table
    experiments.report(experiments.parse_args(base + ["--svg", str(tmp_path / "a.svg")]))
    readme = tmp_path / "README.md"
    readme.write_text("<!-- experiments table: start -->\n<!-- experiments table: end -->\n")
    experiments.report(experiments.parse_args(base + ["--readme", str(readme)]))
    assert drawn == [str(tmp_path / "a.svg"), os.path.join(ROOT, "bench", "scaling.svg")]


def test_the_figure_legend_names_every_arm_in_full(tmp_path):
    import re
    curve = [{"examples_seen": n, "goal": g, "bfcl": {"non_live": g / 100}} for n, g in ((100, 20.0), (200, 30.0))]
    row = {"goal": 31.0, "bfcl": {"non_live": 0.25}}
    # two labels alike in their first 30 characters, one with a character XML escapes
    labels = ["annealed: iTool, as itool_fragment, --irrelevance answer",
              "annealed: iTool, as itool_fragment, --irrelevance decision", "iTool <LoRA> & SimPO"]
    marks = [(label, 400 + i, row) for i, label in enumerate(labels * 4)]
    path = tmp_path / "scaling.svg"
    experiments.svg_scaling(curve, marks, str(path))
    svg = path.read_text()
    legend = re.findall(r"<text y=\"[\d.]+\">(.*?)</text>", svg)
    shown = [" ".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", entry)) for entry in legend]
    assert shown == [label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for label in labels * 4]
    # twelve entries, most of two lines: the canvas grew past the plot's 400 to hold the last one's last line
    height = int(re.search(r'<svg [^>]*height="(\d+)"', svg).group(1))
    last = max(float(y) for y in re.findall(r"<text y=\"([\d.]+)\">", svg))
    assert 400 < height and last + 14 * (legend[-1].count("<tspan") - 1) < height
