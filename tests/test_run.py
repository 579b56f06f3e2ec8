"""run.sh end to end: SMOKE=1 takes a tiny random model through the whole loop (synth,
eval, warm-up, K x (mcts, prefs, train_pref, eval), the report), then resumes."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_sh(runs, **env):
    env = dict(os.environ, SMOKE="1", SETUP="0", RUNS=str(runs), NAME="smoke",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"], **env)
    return subprocess.run(["bash", str(ROOT / "run.sh")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def test_smoke_loop_then_resume(tmp_path):
    r = run_sh(tmp_path, K="2")
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "smoke"
    report = (out / "report.md").read_text()
    rows = [line.split("|")[1].strip() for line in report.splitlines()[2:]]
    assert rows == ["base", "warmup", "iter1", "iter2"], report
    assert report.splitlines()[0].count("|") >= 6 and "synthetic test" in report
    for k in (1, 2):
        it = out / f"iter{k}"
        assert (it / "mcts.done").exists() and (it / "model" / "model.safetensors").exists()
        trees = [json.loads(line) for line in (it / "trees.jsonl").read_text().splitlines()]
        assert len(trees) == 2 and len({t["id"] for t in trees}) == 2
        assert (it / "pairs.jsonl").read_text().strip()
        assert json.loads((it / "model" / "run.json").read_text())
    # each iteration's policy is the previous stage's model
    policy = [json.loads((out / f"iter{k}" / "trees.jsonl.selected.json").read_text())["config"]["model"]
              for k in (1, 2)]
    assert policy == [str((out / "warmup").resolve()), str((out / "iter1" / "model").resolve())]
    for stage in ("base", "warmup", "iter1", "iter2"):
        assert (out / "eval" / stage / "synth.summary.json").exists()
        assert (out / "eval" / stage / "bfcl.summary.json").exists()

    # Interrupted after iteration 2's pairs: only the stages after them run again.
    (out / "iter2" / "model" / "run.json").unlink()
    for f in (out / "eval" / "iter2").iterdir():
        f.unlink()
    r = run_sh(tmp_path, K="2")
    assert r.returncode == 0, r.stderr[-3000:]
    ran = [line[3:] for line in r.stderr.splitlines() if line.startswith("== ") and " done in " in line]
    assert [s.split(" done in ")[0] for s in ran] == ["iter 2: train_pref", "eval iter2 (synthetic)",
                                                     "eval iter2 (BFCL)"], r.stderr[-3000:]
    assert (out / "report.md").read_text().count("| iter2 |") == 1

    # Other settings do not skip what the old ones made: one line names the output, nothing is touched.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    r = run_sh(tmp_path, K="2", PREFS_ARGS="--min-gap 0 --min-chosen -1 --max-overlap 0.5")
    assert r.returncode == 2 and r.stderr.count("error: ") == 1, r.stderr[-3000:]
    error = [line for line in r.stderr.splitlines() if line.startswith("error: ")][0]
    assert error.startswith(f"error: {out}/iter1/pairs.jsonl was made by `python prefs.py") and "--max-overlap 0.5`" in error
    assert before == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_eval_0_trains_only_then_eval_1_evaluates_what_is_missing(tmp_path):
    r = run_sh(tmp_path, K="1", EVAL="0")
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "smoke"
    assert (out / "iter1" / "model" / "run.json").exists()
    assert not (out / "eval").exists() and not (out / "report.md").exists()
    ran = [line[3:].split(" done in ")[0] for line in r.stderr.splitlines() if " done in " in line]
    assert not [s for s in ran if s.startswith("eval")], ran

    r = run_sh(tmp_path, K="1")
    assert r.returncode == 0, r.stderr[-3000:]
    ran = [line[3:].split(" done in ")[0] for line in r.stderr.splitlines() if " done in " in line]
    assert ran == [f"eval {stage} ({kind})" for stage in ("base", "warmup", "iter1") for kind in ("synthetic", "BFCL")], ran
    rows = [line.split("|")[1].strip() for line in (out / "report.md").read_text().splitlines()[2:]]
    assert rows == ["base", "warmup", "iter1"]

    r = run_sh(tmp_path, K="1", EVAL="yes")
    assert r.returncode == 2 and "EVAL=yes" in r.stderr

    # Iteration 2 finds no pair (its trees and empty pairs are given): with EVAL_ITERS=last the
    # final model is iteration 1's, left unevaluated so far, so it is evaluated as iter2.
    (out / "eval" / "iter1").rename(out / "eval-iter1")  # as if EVAL_ITERS=last had skipped it
    (out / "iter2").mkdir()
    (out / "iter2" / "mcts.done").touch()
    (out / "iter2" / "pairs.jsonl").touch()
    r = run_sh(tmp_path, K="2", EVAL_ITERS="last")
    assert r.returncode == 0, r.stderr[-3000:]
    ran = [line[3:].split(" done in ")[0] for line in r.stderr.splitlines() if " done in " in line]
    assert ran == ["eval iter2 (synthetic)", "eval iter2 (BFCL)"], ran
    assert "iter 2: no pair passed the filters" in r.stderr and not (out / "iter2" / "model").exists()
    assert (out / "eval" / "iter2" / "synth.jsonl").read_text() == (out / "eval-iter1" / "synth.jsonl").read_text()


def test_an_argument_that_is_a_setting_is_refused_not_ignored(tmp_path):
    env = dict(os.environ, SETUP="0", RUNS=str(tmp_path))
    r = subprocess.run(["bash", str(ROOT / "run.sh"), "SMOKE=1"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "unknown argument 'SMOKE=1'" in r.stderr and "SMOKE=1 bash run.sh" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not list(tmp_path.iterdir())
