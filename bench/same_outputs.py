"""Do two commits produce the same outputs? Every stage on a fixed small run, its outputs hashed.

    python bench/same_outputs.py                    # fingerprints of the working tree, printed as JSON
    python bench/same_outputs.py --against HEAD~3   # the same at another commit (a git worktree), compared

A refactor that claims "behaviour unchanged" runs this: synth.py's files, warmup.py's and
train_pref.py's weights, mcts.py's trees (apart from their token counters) and prefs.py's
pairs on a tiny random model (seconds),
and eval.py's answers; with --real also mcts.py's trees of the embedded default model on a few
synthetic examples and its answers to a few BFCL cases (minutes: real fragments, the shared
prompt prefix of real prompts). Trees are hashed
without their wall-clock `seconds`. Prints each output's sha256 and, with --against, which
differ; exit status 1 when any does.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]


def tree_shas(path, name, out):
    """Trees hashed in two parts: the rows without their counters (the trees themselves), and the
    counters without the wall-clock `seconds` (tokens fed, which the prompt caching decides)."""
    rows = common.read_jsonl(path)
    stats = [{k: v for k, v in r.pop("stats").items() if k != "seconds"} for r in rows]
    for key, part in (("trees", rows), ("stats", stats)):
        out[f"{name}/{key}"] = hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()[:16]


def fingerprints(code, work, real):
    """{output: sha256} of every stage run with the code in folder `code`, outputs under `work`."""
    env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", PYTHONPATH=code)

    def stage(script, *args):
        subprocess.run([sys.executable, os.path.join(code, script)] + [str(a) for a in args], cwd=code, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    out = {}
    model = os.path.join(work, "tiny")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tiny.py"), model], check=True,
                   stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import tiny
    data = tiny.write_tasks(os.path.join(work, "tasks.jsonl"), tiny.make_tiny_tasks(12) + [
        dict(tiny.make_tiny_tasks(1)[0], id=f"irr-{i}", category="irrelevance", answer=[],
             response="None of the functions can book a table.") for i in range(3)])
    stage("synth.py", "--out", os.path.join(work, "synth"), "--train", 300, "--test", 60, "--seed", 3)
    for name in ("train.jsonl", "test.jsonl"):
        out[f"synth/{name}"] = sha(os.path.join(work, "synth", name))
    stage("warmup.py", "--model", model, "--data", data, "--out", os.path.join(work, "warmup"), "--batch-size", 2,
          "--lr", 1e-3, "--max-length", 8192, "--save-every", 3)
    out["warmup/model.safetensors"] = sha(os.path.join(work, "warmup", "model.safetensors"))
    for flags, name in (([], "mcts"), (["--gold-sibling", "--reward", "judge", "--simulate", "walk"], "mcts-published"),
                        (["--search", "sample", "--repetition-penalty", "0.5"], "mcts-sample")):
        trees = os.path.join(work, name, "trees.jsonl")
        stage("mcts.py", "--model", os.path.join(work, "warmup"), "--data", data, "--out", trees, "--select-ratio", 1,
              "--iters", 3, "--max-new-tokens", 10, "--sim-max-tokens", 24, "--batch-trees", 4, *flags)
        tree_shas(trees, name, out)
        pairs = os.path.join(work, name, "pairs.jsonl")
        stage("prefs.py", "--trees", trees, "--out", pairs, "--min-gap", 0, "--min-chosen", -1, "--max-overlap", 1,
              "--pairs-per-node", 3)
        out[f"{name}/pairs.jsonl"] = sha(pairs)
    for flags, name in (([], "eval"), (["--generate", "padded"], "eval-padded")):
        rows = os.path.join(work, name, "rows.jsonl")
        stage("eval.py", "--model", os.path.join(work, "warmup"), "--data", data, "--out", rows, "--max-new-tokens", 16,
              "--batch-size", 4, *flags)
        out[f"{name}/rows.jsonl"] = sha(rows)
    pairs = os.path.join(work, "mcts", "pairs.jsonl")
    for flags, name in (([], "pref-lora"), (["--lora-rank", 0, "--loss", "dpo", "--sft-weight", 1], "pref-full")):
        stage("train_pref.py", "--model", os.path.join(work, "warmup"), "--pairs", pairs, "--out", os.path.join(work, name),
              "--batch-size", 2, "--lr", 1e-3, "--max-length", 8192, "--save-every", 2, *flags)
        out[f"{name}/model.safetensors"] = sha(os.path.join(work, name, "model.safetensors"))
    if real:
        stage("synth.py", "--out", os.path.join(work, "real"), "--train", 8, "--test", 0, "--seed", 0)
        trees = os.path.join(work, "real", "trees.jsonl")
        stage("mcts.py", "--data", os.path.join(work, "real", "train.jsonl"), "--out", trees, "--select-ratio", 1,
              "--iters", 2, "--batch-trees", 8, "--min-p", 0.05)
        tree_shas(trees, "real", out)
        rows = os.path.join(work, "real", "rows.jsonl")
        stage("eval.py", "--data", "bfcl:simple_python,parallel_multiple,irrelevance", "--limit", 6, "--out", rows)
        out["real/eval-rows.jsonl"] = sha(rows)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--against", help="a commit to compare with (checked out in a temporary git worktree)")
    p.add_argument("--real", action="store_true", help="also trees of the embedded default model")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        here = fingerprints(ROOT, os.path.join(tmp, "here"), args.real)
        print(json.dumps(here, indent=1))
        if not args.against:
            return
        tree = os.path.join(tmp, "against")
        subprocess.run(["git", "worktree", "add", "--detach", tree, args.against], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            there = fingerprints(tree, os.path.join(tmp, "there"), args.real)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, capture_output=True)
    differ = sorted(k for k in here if here[k] != there.get(k))
    print(f"against {args.against}: {len(here) - len(differ)} of {len(here)} outputs identical"
          + (f"; differ: {', '.join(differ)}" if differ else ""))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
