"""eval.py's generation modes side by side on the same cases: continuous batching over cached
prompts (--generate rows, the default) against model.generate on padded batches (--generate
padded), and their outputs compared.

    python bench/eval_batching.py --model runs/dev/warmup --limit 16
    python bench/eval_batching.py --data runs/dev/data/test.jsonl --limit 40 --rows 16

Both modes decode greedily with eval.py's defaults (--batch-size prompts per padded batch, --rows
rows decoded at once, --max-new-tokens). The
modes take turns chunk by chunk (--chunk cases in one mode, then the same cases in the other),
so that load from other processes weighs on both alike; a one-case warm-up runs first. Prints
cases/s of each, their ratio and how many outputs are identical, and writes (replaces) the
section `## eval.py: continuous batching against padded batches` of bench/RESULTS.md.
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import RESULTS, commit, competing, write_section  # noqa: E402  (bench/results.py)
import checker  # noqa: E402
import common  # noqa: E402
import training  # noqa: E402
import eval as itool_eval  # noqa: E402

HEADING = "## eval.py: continuous batching against padded batches"
MODES = ("padded", "rows")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="default: the embedded SmolLM2-135M-Instruct")
    p.add_argument("--data", default="bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance")
    p.add_argument("--limit", type=int, default=16, help="cases per category")
    p.add_argument("--batch-size", type=int, default=itool_eval.PADDED_BATCH, help="prompts per padded batch (eval.py's default)")
    p.add_argument("--rows", type=int, default=itool_eval.ROWS, help="rows decoded at once (eval.py's default)")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--chunk", type=int, default=40, help="cases per turn of each mode")
    p.add_argument("--results", default=RESULTS)
    args = p.parse_args()

    import torch
    cases = itool_eval.limit_cases(itool_eval.load_cases(args.data), args.limit)
    model, tok = training.load_model(args.model)
    prompts = [common.render_prompt(tok, c["task"]) for c in cases]
    lengths = [len(tok(x, add_special_tokens=False)["input_ids"]) for x in prompts]
    for mode in MODES:  # warm-up
        itool_eval.generate(model, tok, prompts[:1], 4, 1, progress=False, mode=mode)

    load_before, before = os.getloadavg()[0], competing()
    outputs, seconds = {m: [] for m in MODES}, dict.fromkeys(MODES, 0.0)
    for start in range(0, len(prompts), args.chunk):
        chunk = prompts[start:start + args.chunk]
        for mode in MODES:
            t0 = time.perf_counter()
            size = args.rows if mode == "rows" else args.batch_size
            outputs[mode] += itool_eval.generate(model, tok, chunk, args.max_new_tokens, size,
                                                 progress=False, mode=mode)
            seconds[mode] += time.perf_counter() - t0
        print(f"{start + len(chunk)}/{len(prompts)}: " + ", ".join(f"{m} {seconds[m]:.1f} s" for m in MODES),
              file=sys.stderr, flush=True)
    load_after, after = os.getloadavg()[0], competing()
    n = len(cases)
    same = sum(a == b for a, b in zip(outputs["padded"], outputs["rows"]))
    new_tokens = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outputs["padded"]) / n
    valid = {m: sum(checker.score(c, o)["valid"] for c, o in zip(cases, outputs[m])) for m in MODES}
    rows = [f"| {m} | {seconds[m]:.1f} | {n / seconds[m]:.3f} | {seconds['padded'] / seconds[m]:.2f}x | "
            f"{100 * valid[m] / n:.1f} |" for m in MODES]
    sha = commit()
    command = "python bench/eval_batching.py " + " ".join(sys.argv[1:])
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
               f"({torch.get_num_threads()} threads), device {model.device}")
    section = "\n".join([
        f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit {sha})", "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine}  ",
        f"Model: {args.model or common.DEFAULT_MODEL_NAME}; cases: {n} from {args.data} (first {args.limit} per "
        f"category), prompt tokens mean {sum(lengths) / n:.0f} (min {min(lengths)}, max {max(lengths)}), "
        f"{new_tokens:.1f} new tokens per case on average (at most {args.max_new_tokens}), greedy, "
        f"--batch-size {args.batch_size} (padded), --rows {args.rows}; modes alternate in chunks of {args.chunk} cases", "",
        "| --generate | seconds | cases/s | speed-up | valid % |", "|---|---|---|---|---|", *rows, "",
        f"Identical outputs: {same} of {n}. Load average (1 min) before/after: {load_before:.2f}/{load_after:.2f}; "
        f"competing processes before: {'; '.join(before) or 'none'}; after: {'; '.join(after) or 'none'}.", ""])
    print(section)
    write_section(args.results, HEADING, section)


if __name__ == "__main__":
    common.run_main(main)
