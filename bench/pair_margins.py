"""Are a run's preference pairs the model's own mistakes? (the reading of an arm that moved nothing)

    python bench/pair_margins.py --model runs/plateau/plateau --pairs runs/plateau-itool_decision/iter1/pairs.jsonl

For each pair, with the model that was to train on it (the iteration's start model):
- at the fork, the first token where chosen and rejected differ, which side the model's greedy
  choice (argmax) takes: `chosen` (it already answers right there), `rejected` (the pair holds
  the mistake the model makes) or `neither` (the rejected side was a sampling accident, and so
  was the chosen side unless the model's choice is a third token);
- which side has the higher mean log-prob per token (SimPO's implicit reward before training).
Counts per kind of pair (the rejected side's error label), one line each, and the totals. A
preference stage can only fix what the model does: pairs whose fork the model already takes
the chosen way, or would take neither way, teach it little about its own answers.
Reads files and runs forwards only (no generation): the prompt once a pair, then each side.
"""
import argparse
import copy
import os
import random
import sys
import time

import torch
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
import training  # noqa: E402
from train_pref import encode_side, read_pairs  # noqa: E402
from results import RESULTS, commit, write_section  # noqa: E402  (bench/results.py)


def fork(chosen, rejected, start):
    """The first position at or after `start` where two token lists differ (None if one is a prefix of the other)."""
    for i in range(start, min(len(chosen), len(rejected))):
        if chosen[i] != rejected[i]:
            return i
    return None


@torch.no_grad()
def predictions(model, sides, shared, device):
    """For each side, logits[j] predicting side[shared + j]: the prompt's `shared` tokens run once,
    each side's rest from a copy of their KV cache."""
    out = model(input_ids=torch.tensor([sides[0][:shared]], device=device), use_cache=True)
    preds = []
    for ids in sides:
        rest = model(input_ids=torch.tensor([ids[shared:]], device=device),
                     past_key_values=copy.deepcopy(out.past_key_values), use_cache=True)
        preds.append(torch.cat([out.logits[0, -1:], rest.logits[0, :-1]]).float())
    return preds


def mean_logp(pred, ids, shared, start):
    """Mean log-prob per token of ids[start:]; pred[j] predicts ids[shared + j]."""
    logp = torch.log_softmax(pred[start - shared:], dim=-1)
    return logp.gather(-1, torch.tensor(ids[start:], device=pred.device).unsqueeze(-1)).mean().item()


def read_pair(model, tok, pair, device):
    """(greedy side at the fork, chosen's mean log-prob > rejected's) for one pair."""
    prompt = common.render_prompt(tok, pair) + pair["prefix"]
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    c, r = (encode_side(tok, prompt_ids, prompt, pair[k]) for k in ("chosen", "rejected"))
    shared = max(1, min(c["n_prompt"], r["n_prompt"]))
    pred_c, pred_r = predictions(model, (c["input_ids"], r["input_ids"]), shared, device)
    better = (mean_logp(pred_c, c["input_ids"], shared, c["n_prompt"])
              > mean_logp(pred_r, r["input_ids"], shared, r["n_prompt"]))
    i = fork(c["input_ids"], r["input_ids"], shared)
    if i is None:
        return "neither", better
    greedy = pred_c[i - shared].argmax().item()
    return ("chosen" if greedy == c["input_ids"][i] else "rejected" if greedy == r["input_ids"][i] else "neither"), better


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="the model the pairs were to train (the iteration's start)")
    p.add_argument("--pairs", required=True, help="pairs.jsonl from prefs.py")
    p.add_argument("--limit", type=int, help="read this many pairs, drawn at random (seed 0)")
    p.add_argument("--device", default=None)
    p.add_argument("--results", default=RESULTS, help="the section is replaced here ('' for none)")
    args = p.parse_args()
    pairs = list(enumerate(read_pairs(args.pairs), 1))  # (number in the file, pair)
    if args.limit and args.limit < len(pairs):
        pairs = random.Random(0).sample(pairs, args.limit)
    device, dtype = training.pick_device(args.device)
    model, tok = training.load_model(args.model, device, dtype)
    model.eval()
    rows = {}  # error label -> [pairs, greedy chosen, greedy rejected, greedy neither, chosen more likely]
    for number, pair in tqdm(pairs, desc="pairs"):
        try:
            side, better = read_pair(model, tok, pair, device)
        except training.BoundaryError as e:
            raise common.InputError(args.pairs, None, f"pair {number} (id {pair.get('id')!r}): {e}") from None
        for key in (pair.get("error") or "none", "all"):
            row = rows.setdefault(key, [0, 0, 0, 0, 0])
            row[0] += 1
            row[{"chosen": 1, "rejected": 2, "neither": 3}[side]] += 1
            row[4] += better
    sha = commit()
    cmd = f"python bench/pair_margins.py --model {args.model} --pairs {args.pairs}" + (f" --limit {args.limit}" if args.limit else "")
    lines = [f"## Pair margins: {args.pairs} ({time.strftime('%Y-%m-%d')})", "",
             f"Command: `{cmd}` (commit {sha}). {len(pairs)} pairs read with the model they were to train. "
             "At the fork (the first token where the two sides differ) the model's greedy choice takes the chosen "
             "side, the rejected side, or neither; and which side has the higher mean log-prob per token.", "",
             "| rejected side's error | pairs | greedy: chosen | greedy: rejected | greedy: neither | chosen more likely |",
             "|---|---|---|---|---|---|"]
    for key, (n, gc, gr, gn, b) in sorted(rows.items(), key=lambda kv: (kv[0] == "all", -kv[1][0])):
        lines.append(f"| {key} | {n} | {gc} | {gr} | {gn} | {b} ({100 * b / n:.0f}%) |")
    print("\n".join(lines))
    if args.results:
        write_section(args.results, lines[0].split(" (")[0], "\n".join(lines) + "\n")


if __name__ == "__main__":
    common.run_main(main)
