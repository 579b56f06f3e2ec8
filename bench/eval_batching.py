"""Batched against one-at-a-time generation in eval.py, on the same cases, in one run.

    python bench/eval_batching.py                      # 32 cases of bfcl:simple_python, 64 new tokens
    python bench/eval_batching.py --n 64 --batch-size 32 --model out/iter1

Runs `eval.generate` on the default model (or --model) with --batch-size and with batch
size 1, prints cases/s of each and their ratio, counts the cases whose greedy outputs
agree, and appends a section to bench/RESULTS.md with the command, the machine and the
numbers. A one-prompt warm-up runs first so neither timing pays for it. The two modes
alternate chunk by chunk (one batch, then the same cases one at a time), so that load
from other processes on a shared machine weighs on both alike; the load average is
recorded too.
"""
import argparse
import datetime
import os
import platform
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
import eval as itool_eval  # noqa: E402


def timed(model, tok, prompts, args, batch_size):
    start = time.perf_counter()
    out = itool_eval.generate(model, tok, prompts, args.max_new_tokens, batch_size, progress=False)
    return out, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None)
    p.add_argument("--data", default="bfcl:simple_python")
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()

    import torch
    cases = itool_eval.load_cases(args.data)[:args.n]
    model, tok = common.load_model(args.model)
    prompts = [common.render_prompt(tok, c["task"]) for c in cases]
    lengths = [len(tok(x, add_special_tokens=False)["input_ids"]) for x in prompts]
    itool_eval.generate(model, tok, prompts[:1], 4, 1, progress=False)  # warm-up

    load_before = os.getloadavg()
    batched, single, t_batched, t_single = [], [], 0.0, 0.0
    for start in range(0, len(prompts), args.batch_size):
        chunk = prompts[start:start + args.batch_size]
        out, t = timed(model, tok, chunk, args, args.batch_size)
        batched += out
        t_batched += t
        out, t = timed(model, tok, chunk, args, 1)
        single += out
        t_single += t
        print(f"{start + len(chunk)}/{len(prompts)}: batched {t_batched:.1f} s, one at a time {t_single:.1f} s",
              file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    same = sum(a == b for a, b in zip(batched, single))
    valid = sum(itool_eval.score(c, o)["valid"] for c, o in zip(cases, batched))
    n = len(cases)
    lines = [
        f"cases: {n} from {args.data}, prompt tokens mean {sum(lengths) / n:.0f} (min {min(lengths)}, max {max(lengths)}), "
        f"max new tokens {args.max_new_tokens}, greedy",
        f"batched (batch {args.batch_size}): {t_batched:.1f} s, {n / t_batched:.3f} cases/s",
        f"one at a time (batch 1): {t_single:.1f} s, {n / t_single:.3f} cases/s",
        f"speed-up: {t_single / t_batched:.2f}x",
        f"identical outputs: {same}/{n}; valid (batched): {valid}/{n}",
        f"load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f} on {os.cpu_count()} CPUs",
    ]
    print("\n".join(lines))

    device = str(model.device)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
               f"({torch.get_num_threads()} threads), device {device}")
    if device.startswith("cuda"):
        machine += f" ({torch.cuda.get_device_name()})"
    command = "python bench/eval_batching.py " + " ".join(sys.argv[1:])
    section = (f"\n## eval.py: batched vs one-at-a-time generation ({datetime.date.today()})\n\n"
               f"Command: `{command.strip()}`  \nMachine: {machine}  \nModel: {args.model or common.DEFAULT_MODEL_NAME}\n\n"
               + "".join(f"- {line}\n" for line in lines))
    old = open(args.results, encoding="utf-8").read() if os.path.exists(args.results) else "# Benchmarks\n"
    with common.atomic_write(args.results) as f:
        f.write(old.rstrip("\n") + "\n" + section)
    print(f"appended to {args.results}", file=sys.stderr)


if __name__ == "__main__":
    common.run_main(main)
