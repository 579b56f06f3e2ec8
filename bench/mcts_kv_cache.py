"""mcts.py with the prompt's KV cache reused against re-running the prompt for every sample,
side by side in one run.

    python bench/mcts_kv_cache.py                        # the warmed-up model in /tmp/itool_bench
    python bench/mcts_kv_cache.py --model runs/report/warmup --data runs/report/data/train.jsonl --examples 100

The policy is the default model after warm-up: run.sh's warm-up (runs/NAME/warmup), or
    python synth.py --out /tmp/itool_bench/data --train 200 --test 100
    python warmup.py --data /tmp/itool_bench/data/train.jsonl --out /tmp/itool_bench/warmup --batch-size 4
Deficiency calibration (mcts.select_examples: perplexity of every example of --data) picks
the examples and the first --limit are grown twice, with the same seed and mcts.py's
published settings: arm A as mcts.py runs by default (the prompt encoded once per tree,
every expansion and simulation continuing from a copy of its KV cache), arm B as with
--no-kv-reuse (prompt + node text run again for every sample). The arms alternate per
tree (A B, then B A, ...) so that load from other processes weighs on both alike.
Reported: model tokens computed per tree (prompt + node text + generated: every position
that goes through the model) and their ratio, seconds per tree (wall, and CPU of this
process) and trees per minute, whether the two arms grew the same trees, and from arm
A's trees with prefs.py's defaults: pairs per tree and per depth of the shared node.
Trees and pairs are kept in --work; the selection is stored there and reused by a rerun.
Writes (replaces) the section `## mcts.py: KV-cache reuse` of bench/RESULTS.md.
"""
import argparse
import os
import platform
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
from results import competing, write_section  # noqa: E402  (bench/results.py)
import mcts  # noqa: E402
import prefs  # noqa: E402

HEADING = "## mcts.py: KV-cache reuse"
BENCH = "/tmp/itool_bench"


def grow(model, tok, task, perplexity, margs, reuse):
    margs.kv_reuse = reuse
    stats = dict(prompt_tokens=0, text_tokens=0, generated_tokens=0, judge_tokens=0)
    wall, cpu = time.perf_counter(), time.process_time()
    nodes = mcts.build_tree(model, tok, task, margs, stats)
    stats.update(model_tokens=stats["prompt_tokens"] + stats["text_tokens"] + stats["generated_tokens"],
                 seconds=time.perf_counter() - wall, cpu_seconds=time.process_time() - cpu)
    return {"id": task["id"], "category": task["category"], "messages": task["messages"], "tools": task["tools"],
            "answer": task["answer"], "perplexity": perplexity, "nodes": nodes, "stats": stats}


def mean(rows, key):
    return sum(r["stats"][key] for r in rows) / len(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=os.path.join(BENCH, "warmup"), help="the warmed-up policy")
    p.add_argument("--data", default=os.path.join(BENCH, "data", "train.jsonl"), help="training tasks")
    p.add_argument("--work", default=os.path.join(BENCH, "mcts"), help="folder for the selection, trees, pairs")
    p.add_argument("--limit", type=int, default=20, help="trees per arm (the hardest selected examples)")
    p.add_argument("--iters", type=int, default=5, help="mcts.py --iters")
    p.add_argument("--examples", type=int, default=None, help="calibrate on the first N examples of --data only")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = common.resolve_model(args.model)
    device, dtype = common.pick_device()
    model, tok = common.load_model(model_dir, device, dtype)
    model.eval()
    tasks = common.read_tasks(args.data, need_response=True)
    os.makedirs(args.work, exist_ok=True)
    data = args.data
    if args.examples:  # perplexity of every example is the slow part on a CPU
        tasks, data = tasks[:args.examples], os.path.join(args.work, "data.jsonl")
        common.write_jsonl(data, tasks)
    by_id = {t["id"]: t for t in tasks}
    out_a, out_b = os.path.join(args.work, "trees.jsonl"), os.path.join(args.work, "trees_no_reuse.jsonl")
    margs = mcts.parse_args(["--model", model_dir, "--data", data, "--out", out_a, "--iters", str(args.iters),
                             "--seed", str(args.seed)])
    load_before, before = os.getloadavg()[0], competing()
    t0 = time.perf_counter()
    every = mcts.select_examples(model, tok, tasks, margs, mcts.settings(margs))
    selected = every[:args.limit]
    select_seconds = time.perf_counter() - t0
    rows = {True: [], False: []}
    for k, s in enumerate(selected):
        for reuse in ((True, False) if k % 2 == 0 else (False, True)):
            rows[reuse].append(grow(model, tok, by_id[s["id"]], s["perplexity"], margs, reuse))
        a, b = rows[True][-1]["stats"], rows[False][-1]["stats"]
        print(f"tree {k + 1}/{len(selected)} {s['id']}: {len(rows[True][-1]['nodes'])} nodes, tokens "
              f"{a['model_tokens']} vs {b['model_tokens']}, seconds {a['seconds']:.1f} vs {b['seconds']:.1f}",
              file=sys.stderr)
    load_after, after = os.getloadavg()[0], competing()
    common.write_jsonl(out_a, rows[True])
    common.write_jsonl(out_b, rows[False])

    pargs = prefs.parse_args(["--trees", out_a, "--out", os.path.join(args.work, "pairs.jsonl")])
    counts = {"candidates": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
    pairs = [q for tree in rows[True] for q in prefs.tree_pairs(tree, pargs, counts)]
    common.write_jsonl(pargs.out, pairs)
    per_depth = {}
    for q in pairs:
        per_depth[q["depth"]] = per_depth.get(q["depth"], 0) + 1

    a, b = rows[True], rows[False]
    n = len(a)
    same = sum(x["nodes"] == y["nodes"] for x, y in zip(a, b))
    prompt_len = sum(len(tok(common.render_prompt(tok, by_id[r["id"]]), add_special_tokens=False)["input_ids"])
                     for r in a) / n
    samples = mean(b, "prompt_tokens") / prompt_len  # arm B runs the prompt once per sample call
    nodes = sum(len(r["nodes"]) for r in a) / n
    tpm = {k: 60 * len(v) / sum(r["stats"]["seconds"] for r in v) for k, v in rows.items()}
    cmd = "python bench/mcts_kv_cache.py" + "".join(
        f" --{k} {v}" for k, v in (("model", args.model), ("data", args.data), ("work", args.work),
                                   ("limit", args.limit), ("iters", args.iters), ("examples", args.examples),
                                   ("threads", args.threads)) if v != p.get_default(k))
    lines = [
        HEADING + f" ({time.strftime('%Y-%m-%d')})", "",
        f"Command: `{cmd}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), device {device}  ",
        f"Policy: {model_dir} (SmolLM2-135M-Instruct after warmup.py)  ",
        f"MCTS: mcts.py defaults (--iters {args.iters} --actions 3 --depth 3 --step-fragments 2 --temperature 1.5 "
        f"--max-new-tokens 50 --c 1.0 --sim-steps 2 --reward ast --seed {args.seed}); the {n} hardest of "
        f"{len(every)} examples selected by "
        f"deficiency from {len(tasks)} ({select_seconds:.0f} s, 0 when the stored selection was reused)", "",
        f"- prompt: {prompt_len:.0f} tokens on average; {samples:.1f} sample calls per tree (expansions and "
        f"simulations that sample), {nodes:.1f} nodes per tree",
        f"- model tokens computed per tree, KV reuse: {mean(a, 'model_tokens'):.0f} (prompt "
        f"{mean(a, 'prompt_tokens'):.0f}, node text {mean(a, 'text_tokens'):.0f}, generated "
        f"{mean(a, 'generated_tokens'):.0f})",
        f"- model tokens computed per tree, prompt re-run: {mean(b, 'model_tokens'):.0f} (prompt "
        f"{mean(b, 'prompt_tokens'):.0f}, node text {mean(b, 'text_tokens'):.0f}, generated "
        f"{mean(b, 'generated_tokens'):.0f})",
        f"- ratio: {mean(b, 'model_tokens') / mean(a, 'model_tokens'):.2f}x fewer tokens with KV reuse",
        f"- seconds per tree: {mean(a, 'seconds'):.1f} vs {mean(b, 'seconds'):.1f} wall "
        f"({mean(b, 'seconds') / mean(a, 'seconds'):.2f}x), {mean(a, 'cpu_seconds'):.1f} vs "
        f"{mean(b, 'cpu_seconds'):.1f} CPU ({mean(b, 'cpu_seconds') / mean(a, 'cpu_seconds'):.2f}x)",
        f"- trees per minute: {tpm[True]:.2f} with KV reuse, {tpm[False]:.2f} with the prompt re-run",
        f"- same trees in both arms: {same} of {n}",
        f"- pairs (prefs.py defaults): {len(pairs)} from {counts['candidates']} candidates, "
        f"{len(pairs) / n:.2f} per tree; dropped: gap {counts['gap']}, overlap {counts['overlap']}, "
        f"chosen value {counts['min_chosen']}",
        "- kept pairs per depth of the shared node: "
        + (", ".join(f"{d}: {c}" for d, c in sorted(per_depth.items())) or "none"),
        f"- load average (1 min) before/after: {load_before:.2f}/{load_after:.2f} on {os.cpu_count()} CPUs; "
        f"competing processes before: {'; '.join(before) or 'none'}; after: {'; '.join(after) or 'none'}",
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    write_section(args.results, HEADING, section)


if __name__ == "__main__":
    common.run_main(main)
