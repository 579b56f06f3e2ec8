"""eval.py's multi-turn conversations side by side on the same cases: a conversation's KV cache
kept across its steps and turns (only new tokens fed), against encoding the whole conversation
again at every step, as a prompting harness that re-renders the chat does.

    python bench/eval_multiturn.py --model runs/plateau/plateau --cases 8

The cases are the --cases of --category whose first prompt is shortest (the default model's
context is 8192 tokens, and BFCL's system prompt with the docs of two classes is 7,700 at the
median: short ones last several turns). Both arms decode greedily with --rows conversations at
once; the cached arm runs first, then the other, and a one-case warm-up before both. Prints
cases/s of each, their ratio, how many transcripts are identical, and steps per case, and
writes (replaces) the section `## eval.py: multi-turn conversations, kept KV against encoding
again` of bench/RESULTS.md.
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import RESULTS, commit, competing, write_section  # noqa: E402  (bench/results.py)
import multiturn  # noqa: E402
import training  # noqa: E402
import eval as itool_eval  # noqa: E402

HEADING = "## eval.py: multi-turn conversations, kept KV against encoding again"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="default: the embedded SmolLM2-135M-Instruct")
    p.add_argument("--category", default="multi_turn_base", choices=multiturn.CATEGORIES)
    p.add_argument("--cases", type=int, default=8, help="the cases with the shortest first prompts")
    p.add_argument("--rows", type=int, default=8, help="conversations decoded at once")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--results", default=RESULTS)
    args = p.parse_args()

    model, tok = training.load_model(args.model)
    all_cases = multiturn.load(itool_eval.bfcl_data_dir(None), args.category)

    def first_prompt(case):
        text = tok.apply_chat_template([multiturn.system_message(case)] + multiturn.turn_messages(case, 0),
                                       tokenize=False, add_generation_prompt=True)
        return len(tok(text, add_special_tokens=False)["input_ids"])
    lengths = {c["id"]: first_prompt(c) for c in all_cases}
    cases = sorted(all_cases, key=lambda c: (lengths[c["id"]], c["id"]))[:args.cases]
    for cache in (True, False):  # warm-up
        multiturn.conversations(model, tok, cases[:1], 4, 1, cache=cache, progress=False)

    load_before, before = os.getloadavg()[0], competing()
    out, seconds = {}, {}
    for cache in (True, False):
        t0 = time.perf_counter()
        out[cache] = multiturn.conversations(model, tok, cases, args.max_new_tokens, args.rows, cache=cache)
        seconds[cache] = time.perf_counter() - t0
    load_after, after = os.getloadavg()[0], competing()

    same = sum(out[True][c["id"]] == out[False][c["id"]] for c in cases)
    steps = [sum(len(s) for s in out[True][c["id"]][0]) for c in cases]
    turns = [len(out[True][c["id"]][0]) for c in cases]
    overflow = sum(out[True][c["id"]][1] == "context_overflow" for c in cases)
    verdicts = [multiturn.check(c, out[True][c["id"]][0]) if not out[True][c["id"]][1] else (False, "context_overflow")
                for c in cases]
    rate = {k: len(cases) / v for k, v in seconds.items()}
    sha = commit()
    import torch
    lines = [
        f"{HEADING} ({time.strftime('%Y-%m-%d')}, commit {sha})", "",
        f"Command: `python bench/eval_multiturn.py {' '.join(sys.argv[1:])}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), device {model.device}  ",
        f"Model: {args.model or 'SmolLM2-135M-Instruct'}; cases: the {len(cases)} of {args.category} with the shortest "
        f"first prompts ({min(lengths[c['id']] for c in cases)}-{max(lengths[c['id']] for c in cases)} tokens); greedy, "
        f"{args.rows} conversations at once, at most {args.max_new_tokens} new tokens a step", "",
        "| arm | seconds | cases/s | ratio |", "|---|---|---|---|",
        f"| whole conversation encoded again at every step | {seconds[False]:.1f} | {rate[False]:.4f} | 1.00x |",
        f"| KV kept across steps and turns (eval.py) | {seconds[True]:.1f} | {rate[True]:.4f} | "
        f"{rate[True] / rate[False]:.2f}x |", "",
        f"- transcripts identical: {same} of {len(cases)}",
        f"- steps per case: {', '.join(map(str, steps))} (turns reached: {', '.join(map(str, turns))}); "
        f"{overflow} cases ended outgrowing the model's context; valid: {sum(v for v, _ in verdicts)} of {len(cases)}",
        f"- load average (1 min) before/after: {load_before:.2f}/{load_after:.2f}; competing processes before: "
        f"{'; '.join(before) or 'none'}; after: {'; '.join(after) or 'none'}", ""]
    section = "\n".join(lines)
    print(section)
    write_section(args.results, HEADING, section)


if __name__ == "__main__":
    main()
