"""bench/gpu.sh's Python half: `prepare` packs what the GPU machine lacks into a kit folder;
`stages` times every stage on the default model's architecture (random weights) and a 1.5B
config, and writes the figures with their commands to bench/RESULTS.md.

  python bench/gpu_bench.py prepare --kit runs/gpu-kit
  python bench/gpu_bench.py stages --kit runs/gpu-kit --work runs/gpu --size full
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import RESULTS, ROOT, commit, write_section  # noqa: E402  (bench/results.py)

HEADING = "## bench/gpu.sh: the CUDA paths and their speed"
BFCL = "bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance"
# Qwen2.5-1.5B's shape with the default model's tokenizer (its vocabulary), random weights.
CONFIG_1_5B = {"hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
               "num_key_value_heads": 2, "tie_word_embeddings": True}
SIZES = {  # full: about 5 minutes on one H200; toy: the CPU dry run
    "full": dict(train=96, test=16, warmup_steps=12, batch=8, trees=32, iters=8, new_tokens=64, eval_limit=20,
                 pref_steps=8, big=CONFIG_1_5B),
    "toy": dict(train=8, test=4, warmup_steps=2, batch=2, trees=2, iters=2, new_tokens=8, eval_limit=1,
                pref_steps=2, big={"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "num_key_value_heads": 2, "tie_word_embeddings": True}),
}


def prepare(kit):
    """The default model's config and tokenizer (no weights), BFCL's data, the commit."""
    sys.path.insert(0, ROOT)
    import eval as itool_eval
    import training
    src = training.resolve_model(None)
    os.makedirs(os.path.join(kit, "default"), exist_ok=True)
    for name in os.listdir(src):
        if name != "model.safetensors":
            shutil.copy(os.path.join(src, name), os.path.join(kit, "default", name))
    shutil.rmtree(os.path.join(kit, "bfcl"), ignore_errors=True)
    shutil.copytree(itool_eval.bfcl_data_dir(None), os.path.join(kit, "bfcl"),
                    ignore=shutil.ignore_patterns("*multi_turn*", "*memory*", "*web_search*", "*format_sensitivity*"))
    sha = commit() or ""
    with open(os.path.join(kit, "commit.txt"), "w") as f:
        f.write(sha + "\n")
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(kit) for n in names)
    print(f"{kit}: {size / 2**20:.1f} MiB (commit {sha})")


def random_model(kit, out, overrides=None, dtype="float32"):
    """The default model's architecture (or it with `overrides`), random weights, its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    config = AutoConfig.from_pretrained(os.path.join(kit, "default"))
    for k, v in (overrides or {}).items():
        setattr(config, k, v)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype))
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(os.path.join(kit, "default")).save_pretrained(out)
    return sum(p.numel() for p in model.parameters())


def timed(cmd, log):
    t0 = time.perf_counter()
    with open(log, "w") as f:
        proc = subprocess.run([sys.executable] + cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    dt = time.perf_counter() - t0
    if proc.returncode:
        tail = open(log).read()[-2000:]
        raise SystemExit(f"error: {' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return dt


def tokens_per_s(folder):
    rows = [json.loads(x) for x in open(os.path.join(folder, "metrics.jsonl"))]
    return statistics.median(r["tokens_per_s"] for r in rows[1:] or rows)  # the first step warms the kernels up


def timing_pairs(data, out):
    """Pairs for timing only: the gold response against it with its last value changed."""
    rows = []
    for line in open(data):
        t = json.loads(line)
        if t["category"] == "irrelevance":
            continue
        rows.append({"id": t["id"], "messages": t["messages"], "tools": t["tools"], "prefix": "",
                     "chosen": t["response"], "rejected": t["response"][:-3] + "9)]"})
    with open(out, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return out


def stages(args):
    import torch
    s = SIZES[args.size]
    w = args.work
    rows, cmds = [], []

    def run(name, cmd, log):
        cmds.append(f"`python {' '.join(str(c) for c in cmd)}`")
        return timed([str(c) for c in cmd], os.path.join(w, log))

    model = os.path.join(w, "default-random")
    n_params = random_model(args.kit, model)
    data = os.path.join(w, "data")
    run("synth", ["synth.py", "--out", data, "--train", s["train"], "--test", s["test"]], "synth.log")
    train = os.path.join(data, "train.jsonl")
    warm = os.path.join(w, "warmup")
    run("warmup", ["warmup.py", "--model", model, "--data", train, "--out", warm, "--batch-size", s["batch"],
                   "--max-steps", s["warmup_steps"], "--save-every", 1000], "warmup.log")
    rows.append(("warmup.py, full fine-tune (fp32 master weights, --dtype auto)", f"{tokens_per_s(warm):.0f} train tokens/s"))
    warm_lora = os.path.join(w, "warmup-lora")
    run("warmup lora", ["warmup.py", "--model", model, "--data", train, "--out", warm_lora, "--batch-size", s["batch"],
                        "--max-steps", s["warmup_steps"], "--lora-rank", 16, "--grad-checkpoint", "--save-every", 1000],
        "warmup-lora.log")
    rows.append(("warmup.py, LoRA 16 (base in the --dtype auto compute dtype), --grad-checkpoint", f"{tokens_per_s(warm_lora):.0f} train tokens/s"))
    trees = os.path.join(w, "trees.jsonl")
    dt = run("mcts", ["mcts.py", "--model", warm, "--data", train, "--out", trees, "--limit", s["trees"],
                      "--batch-trees", 16, "--iters", s["iters"], "--max-new-tokens", s["new_tokens"],
                      "--sim-max-tokens", 2 * s["new_tokens"], "--temperature", 1.5, "--min-p", 0.05], "mcts.log")
    n_trees = sum(1 for _ in open(trees))
    rows.append((f"mcts.py, {n_trees} trees, 16 together (selection included)", f"{n_trees / dt * 60:.1f} trees/min"))
    pairs = os.path.join(w, "pairs.jsonl")
    run("prefs", ["prefs.py", "--trees", trees, "--out", pairs, "--min-gap", 0, "--min-chosen", -1, "--max-overlap", 1,
                  "--rejected", "worst"], "prefs.log")
    timing = timing_pairs(train, os.path.join(w, "timing-pairs.jsonl"))
    for layout in ("packed", "rows"):
        out = os.path.join(w, f"pref-{layout}")
        run(f"train_pref {layout}", ["train_pref.py", "--model", warm, "--pairs", timing, "--out", out, "--layout", layout,
                                     "--max-steps", s["pref_steps"], "--batch-size", s["batch"], "--lr", "1e-4"],
            f"pref-{layout}.log")
        rows.append((f"train_pref.py, SimPO, LoRA 8, --layout {layout}", f"{tokens_per_s(out):.0f} train tokens/s"))
    if os.path.getsize(pairs):
        run("train_pref on the tree pairs", ["train_pref.py", "--model", warm, "--pairs", pairs, "--out",
                                              os.path.join(w, "pref-trees"), "--max-steps", 2], "pref-trees.log")
    ev = os.path.join(w, "eval.jsonl")
    dt = run("eval", ["eval.py", "--model", warm, "--data", BFCL, "--limit", s["eval_limit"], "--bfcl-dir",
                      os.path.join(args.kit, "bfcl"), "--out", ev, "--max-new-tokens", 4 * s["new_tokens"]], "eval.log")
    n_cases = sum(1 for _ in open(ev))
    rows.append((f"eval.py, {n_cases} BFCL cases (model load included)", f"{n_cases / dt:.2f} cases/s"))
    big = os.path.join(w, "big-random")
    n_big = random_model(args.kit, big, s["big"], dtype="bfloat16")
    for layout in ("packed", "rows"):
        out = os.path.join(w, f"big-{layout}")
        run(f"big {layout}", ["train_pref.py", "--model", big, "--pairs", timing, "--out", out, "--layout", layout,
                              "--lora-rank", 16, "--max-steps", s["pref_steps"], "--batch-size", s["batch"],
                              "--lr", "1e-4"], f"big-{layout}.log")
        rows.append((f"train_pref.py, {n_big / 1e9:.2f}B config, LoRA 16, --layout {layout}",
                     f"{tokens_per_s(out):.0f} train tokens/s"))

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    sha = open(os.path.join(args.kit, "commit.txt")).read().strip()
    tests = open(os.path.join(w, "tests.txt")).read().strip().splitlines()[-1:] if os.path.exists(
        os.path.join(w, "tests.txt")) else ["not run"]
    smoke = open(os.path.join(w, "smoke.txt")).read().strip() if os.path.exists(os.path.join(w, "smoke.txt")) else "not run"
    lines = [f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit {sha}, size {args.size})", "",
             f"Command: `bash bench/gpu.sh`{' (CPU=1: the dry run, toy sizes)' if args.size == 'toy' else ''}  ",
             f"Machine: {device}, torch {torch.__version__}, {platform.machine()}  ",
             f"Models: the default model's architecture ({n_params / 1e6:.0f}M) and a {n_big / 1e9:.2f}B config, "
             "random weights (speed only).  ",
             f"Tests marked cuda: {tests[0] if tests else 'no output'}; SMOKE=1 run.sh: {smoke}.",
             *(["", "This is the CPU dry run of the script: these figures say it runs, not how fast a GPU is; "
                "bench/gpu.sh has not run on a GPU."] if not torch.cuda.is_available() else []), "",
             "| what | figure |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    lines += ["", "Stage commands: " + "; ".join(cmds), ""]
    write_section(RESULTS, HEADING, "\n".join(lines))
    print("\n".join(lines))
    print(f"bench/gpu.sh stages: {time.perf_counter() - T0 + args.elapsed:.0f} s in all", file=sys.stderr)


T0 = time.perf_counter()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["prepare", "stages"])
    p.add_argument("--kit", default="runs/gpu-kit")
    p.add_argument("--work", default="runs/gpu")
    p.add_argument("--size", default="full", choices=sorted(SIZES))
    p.add_argument("--elapsed", type=float, default=0.0, help="seconds gpu.sh spent before this step")
    args = p.parse_args()
    if args.what == "prepare":
        prepare(args.kit)
    else:
        stages(args)


if __name__ == "__main__":
    main()
