"""
Warm-up: easy-to-hard curriculum SFT, the first stage of iTool (SPEC.md section 1).

Every training example is scored by the perplexity of its gold response under the starting
model; the examples are sorted by that score and cut into --buckets equal buckets (easy,
medium, hard; --buckets 1 is plain SFT: one bucket in the data's order, nothing scored;
--within-category ranks and cuts each category on its own, so that every bucket holds its
share of every category with at least --buckets examples); the model is fine-tuned on the
buckets in that order, --epochs epochs each (with --cumulative, stage k trains on buckets
1..k). The loss covers the assistant's tokens only (response + end-of-turn). Each stage has
its own learning-rate warm-up and cosine (--schedule stage), as separate SFT runs of the
curriculum would, so the hard bucket is not trained at the tail of one long decay
(--schedule single); AdamW's moments carry over from stage to stage.

Simplifications: perplexity is computed once, with the starting model, and never
re-scored between buckets; buckets are equal-sized cuts of the sorted scores; only the
final assistant turn (the task's `response`) is trained, not assistant turns inside
`messages`; examples longer than --max-length are dropped, not cut; batches are grouped
by length rather than packed.

Outputs, all in --out: the trained model as a plain Hugging Face folder (config.json,
model.safetensors, tokenizer; LoRA is merged in), so later stages take `--model OUT`;
scored.jsonl (the tasks with a "perplexity" field; not with --buckets 1), curriculum.json (the order trained),
metrics.jsonl (one row per optimizer step), checkpoint/ while training. Running again
with the same --out resumes from checkpoint/ and ends with the same weights.

Launch:
  python warmup.py --data data/train.jsonl --out runs/warmup
  python warmup.py --model runs/base --data data/train.jsonl --out runs/warmup --lora-rank 8
  torchrun --nproc_per_node 4 warmup.py --data data/train.jsonl --out runs/warmup
The global batch is --batch-size x --grad-accum x the number of processes.
"""
import argparse
import collections
import math
import os
import time

import common
import training
from common import InputError

FULL_LR, LORA_LR = 5e-5, 2e-4


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    def _get_help_string(self, action):  # show only defaults that say something
        return action.help if action.default in (None, False) else super()._get_help_string(action)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Curriculum SFT warm-up (easy to hard by perplexity).", formatter_class=_Help)
    p.add_argument("--model", default=None, help="starting Hugging Face folder (default: the embedded SmolLM2-135M)")
    p.add_argument("--data", required=True, help="training tasks (JSONL with a gold `response`)")
    p.add_argument("--out", required=True, help="output folder; an existing one with a checkpoint is resumed")
    # curriculum
    p.add_argument("--buckets", type=int, default=3, help="equal buckets by perplexity, trained easy to hard")
    p.add_argument("--epochs", type=int, default=1, help="epochs per bucket")
    p.add_argument("--cumulative", action="store_true", help="stage k trains on buckets 1..k instead of bucket k")
    # SPEC ranks the whole set; on synth.py's data that sorts by category: every irrelevance example
    # (a refusal in prose) lands in the last bucket, and the stages before it teach calls only
    p.add_argument("--within-category", action="store_true",
                   help="rank by perplexity within each task category; bucket k joins every category's k-th part "
                        "(each stage holds every category)")
    # optimisation
    p.add_argument("--lr", type=float, default=None, help=f"peak learning rate (default {FULL_LR} full, {LORA_LR} LoRA)")
    p.add_argument("--batch-size", type=int, default=8, help="examples per micro-batch per process")
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step per process")
    p.add_argument("--max-length", type=int, default=1024, help="longer examples are dropped (and counted)")
    p.add_argument("--warmup-ratio", type=float, default=0.1, help="share of steps with linear lr warm-up")
    p.add_argument("--schedule", default="stage", choices=["stage", "single", "constant"],
                   help="stage: each curriculum stage its own warm-up and cosine, as separate SFT runs; "
                        "single: one cosine over all stages; constant: a warm-up over --warmup-ratio of the "
                        "first epoch, then the peak lr held (a learning curve, read at any step)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="AdamW weight decay (matrices only)")
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping (0 = off)")
    p.add_argument("--lora-rank", type=int, default=0, help="LoRA rank on every attention/MLP linear (0 = full)")
    p.add_argument("--lora-alpha", type=float, default=16.0, help="LoRA scaling numerator (scale = alpha/rank)")
    # run
    p.add_argument("--seed", type=int, default=0, help="seed for LoRA init and data order")
    training.add_run_args(p)
    training.add_scale_args(p)
    args = p.parse_args(argv)
    for name in ("buckets", "epochs", "batch_size", "grad_accum", "max_length"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    training.check_run_args(p, args)
    if args.lora_rank < 0 or not 0 <= args.warmup_ratio < 1:
        p.error("--lora-rank must be >= 0, --warmup-ratio in [0, 1)")
    if args.within_category and args.buckets == 1:
        p.error("--within-category ranks within each category: it needs --buckets 2 or more")
    if args.lr is None:
        args.lr = LORA_LR if args.lora_rank else FULL_LR
    return args


RESUME_KEYS = ("buckets", "epochs", "cumulative", "lr", "batch_size", "grad_accum", "max_length", "warmup_ratio", "schedule",
               "weight_decay", "clip", "lora_rank", "lora_alpha", "seed", "max_steps", "dtype", "shard")


def make_buckets(perplexities, indices, n_buckets, categories=None):
    """indices sorted by perplexity (easy first) and cut into n_buckets equal parts (sizes differ by at most 1).
    With categories (one per task), each category is sorted and cut so on its own, and bucket k joins the k-th
    parts: every bucket holds its share of every category (a category of fewer than n_buckets examples is
    in the last buckets only), and bucket sizes differ by up to the number of categories."""
    if categories is not None:
        parts = [make_buckets(perplexities, [i for i in indices if categories[i] == c], n_buckets)
                 for c in sorted({categories[i] for i in indices})]
        return [sorted(sum((part[b] for part in parts), []), key=lambda i: (perplexities[i], i)) for b in range(n_buckets)]
    order = sorted(indices, key=lambda i: (perplexities[i], i))
    return [order[b * len(order) // n_buckets:(b + 1) * len(order) // n_buckets] for b in range(n_buckets)]


def curriculum_stages(buckets, cumulative):
    """What each stage trains on, in order: bucket k, or buckets 1..k when cumulative."""
    return [sum(buckets[:k + 1], []) if cumulative else list(buckets[k]) for k in range(len(buckets))]


def plan_steps(stages, lengths, args, world):
    """Every optimizer step as (stage, epoch, micro-batches): a pure function of data and seed,
    so a resumed run picks up exactly where the checkpoint left off."""
    steps = []
    for s, indices in enumerate(stages):
        for epoch in range(args.epochs):
            batches = training.length_grouped_batches([lengths[i] for i in indices], args.batch_size, args.seed,
                                                    epoch=s * args.epochs + epoch)
            batches = [[indices[j] for j in b] for b in batches]
            per_step = args.grad_accum * world
            steps += [(s, epoch, batches[k:k + per_step]) for k in range(0, len(batches), per_step)]
    return steps[:args.max_steps] if args.max_steps else steps


def describe(buckets, stages, perplexities, tasks, cumulative, steps):
    """curriculum.json's content: buckets with perplexity ranges, and the stages in the order trained."""
    per_stage = [sum(1 for s in steps if s[0] == k) for k in range(len(stages))]
    return {
        "cumulative": cumulative,
        "buckets": [{"bucket": b + 1, "examples": len(ix),
                     "perplexity": [round(perplexities[ix[0]], 4), round(perplexities[ix[-1]], 4)] if perplexities else None,
                     "ids": [tasks[i]["id"] for i in ix]} for b, ix in enumerate(buckets)],
        "order": [{"stage": k + 1, "buckets": list(range(1, k + 2)) if cumulative else [k + 1],
                   "examples": len(stage), "steps": per_stage[k]} for k, stage in enumerate(stages)],
    }


def score_and_bucket(model, tokenizer, tasks, encoded, args):
    """Perplexity of every gold response under the starting model -> scored.jsonl, and the buckets;
    with one bucket there is no order to find, so nothing is scored (perplexities None)."""
    kept = [i for i, e in enumerate(encoded) if e is not None]
    if len(kept) < args.buckets:
        raise InputError(args.data, None, f"{len(kept)} examples within --max-length {args.max_length} "
                                          f"cannot fill {args.buckets} buckets")
    if args.buckets == 1:
        return None, [kept]
    if args.within_category:  # checked before the perplexity pass, which it does not depend on
        sizes = collections.Counter(tasks[i]["category"] for i in kept)
        if max(sizes.values()) < args.buckets:
            raise InputError(args.data, None, f"--within-category: no category has {args.buckets} examples within "
                                              f"--max-length {args.max_length} to fill {args.buckets} buckets")
        for c, n in sorted(sizes.items()):
            if n < args.buckets and training.is_main():
                print(f"warning: category {c} has {n} examples, fewer than --buckets {args.buckets}: "
                      f"it is in the last {n} bucket(s) only")
    perplexities = training.perplexity(model, tokenizer, tasks, args.batch_size)
    bad = [tasks[i]["id"] for i, v in enumerate(perplexities) if not math.isfinite(v)]
    if bad:
        raise training.TrainingDiverged(f"the starting model gives a non-finite perplexity on {len(bad)} examples "
                                      f"(first: {bad[0]!r})")
    if training.is_main():
        common.write_jsonl(os.path.join(args.out, "scored.jsonl"),
                           [dict(t, perplexity=p) for t, p in zip(tasks, perplexities)])
    categories = [t["category"] for t in tasks] if args.within_category else None
    return perplexities, make_buckets(perplexities, kept, args.buckets, categories)


def build_curriculum(args, model, tokenizer, tasks, encoded, saved, world):
    """(perplexities, buckets, steps, curriculum.json content); a resumed run takes the buckets from its
    checkpoint, so that the order never changes mid-run. Rank 0 writes curriculum.json and prints the order."""
    if saved:
        perplexities, buckets = saved["perplexities"], saved["buckets"]
    else:
        perplexities, buckets = score_and_bucket(model, tokenizer, tasks, encoded, args)
    stages = curriculum_stages(buckets, args.cumulative)
    steps = plan_steps(stages, [len(e["input_ids"]) if e else 0 for e in encoded], args, world)
    dropped = sum(e is None for e in encoded)
    curriculum = dict(describe(buckets, stages, perplexities, tasks, args.cumulative, steps),
                      dropped_longer_than_max_length=dropped)
    if training.is_main():
        if dropped:
            print(f"dropped {dropped} of {len(tasks)} examples longer than --max-length {args.max_length}")
        for st in curriculum["order"]:
            b = [curriculum["buckets"][k - 1] for k in st["buckets"]]
            ppl = f"perplexity {b[0]['perplexity'][0]:.3g}-{b[-1]['perplexity'][1]:.3g}, " if perplexities else ""
            # by category: a curriculum that sorts the data by category shows here
            counts = collections.Counter(tasks[i]["category"] for k in st["buckets"] for i in buckets[k - 1])
            print(f"stage {st['stage']}: bucket {'+'.join(map(str, st['buckets']))}, {st['examples']} examples, "
                  f"{ppl}{st['steps']} steps ({', '.join(f'{c} {n}' for c, n in sorted(counts.items()))})")
    return perplexities, buckets, steps, curriculum


def train_step(ddp, micro, encoded, pad_id, run, rank, device):
    """Forward/backward of one optimizer step's micro-batches (this rank's share); returns this rank's
    (summed negative log-likelihood, non-pad tokens, padded tokens) and the step's response tokens."""
    # Normalising by the response tokens of the whole global batch (known to every rank from the
    # plan) makes the gradient the same however the batch is split over ranks and micro-steps;
    # `* world` undoes DDP's averaging over ranks.
    world = run.world
    n_target = sum(len(encoded[i]["input_ids"]) - encoded[i]["n_prompt"] for b in micro for i in b)
    micro_steps = math.ceil(len(micro) / world)
    nll = tokens = padded = 0.0
    for m in range(micro_steps):
        j = m * world + rank
        # A rank left without a micro-batch in the last step still runs one (with nothing to
        # predict) so that every rank joins DDP's gradient all-reduce.
        examples = [encoded[i] for i in micro[j]] if j < len(micro) else [{"input_ids": [pad_id], "n_prompt": 1}]
        ids, attention, mask = (x.to(device) for x in training.pad_batch(examples, pad_id))
        with run.sync(ddp, m, micro_steps):
            sums, _ = ddp(ids, attention, mask)
            loss = -sums.sum() * world / n_target
            loss.backward()
        nll += -sums.sum().item()
        if j < len(micro):
            tokens += attention.sum().item()
            padded += attention.numel()
    return nll, tokens, padded, n_target


def train(args, rank, world, device):
    tasks = common.read_tasks(args.data, need_response=True)
    # the key only when set, so that runs made before the flag existed still resume and count as finished
    run = training.Run(args, RESUME_KEYS + (("within_category",) if args.within_category else ()), args.data, world)
    if run.finished:
        return
    training.set_seed(args.seed)
    model, tokenizer, autocast = training.training_model(args, device)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    encoded = training.encode_tasks(tokenizer, tasks, args.data, args.max_length)
    perplexities, buckets, steps, curriculum = build_curriculum(args, model, tokenizer, tasks, encoded, run.saved, world)
    if training.is_main():
        common.write_json(os.path.join(args.out, "curriculum.json"), curriculum)
    if args.lora_rank:
        training.add_lora(model, args.lora_rank, args.lora_alpha)
    # before the optimizer: FSDP2 replaces the parameters with sharded ones
    ddp = training.wrap(training.LogpModel(model, autocast), model, args, world, device, autocast)
    params, optimizer, scheduler = training.make_optimizer(model, args, len(steps), device, **schedule(args, steps, buckets))

    with run.loop(model, optimizer, scheduler, len(steps), "warm-up") as loop:
        for step in loop:
            stage, epoch, micro = steps[step]
            t0, lr = time.perf_counter(), scheduler.get_last_lr()[0]
            nll, tokens, padded, n_target = train_step(ddp, micro, encoded, pad_id, run, rank, device)
            nll, tokens, padded = training.all_reduce_sum([nll, tokens, padded], device)
            norm = training.clip_gradients(params, args.clip)
            loss = run.check(step + 1, nll / n_target, norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            dt = time.perf_counter() - t0
            run.log({"step": step + 1, "stage": stage + 1, "epoch": epoch + 1, "loss": loss, "lr": lr,
                     "grad_norm": norm, "tokens": int(tokens), "tokens_per_s": tokens / dt,
                     "pad_fraction": 1 - tokens / padded, "seconds": dt},
                    stage=stage + 1, loss=f"{loss:.4f}", lr=f"{lr:.2e}", tok_s=f"{tokens / dt:.0f}")
            run.save(step + 1, {"stage": stage + 1, "epoch": epoch + 1, "perplexities": perplexities, "buckets": buckets},
                     boundary=step + 1 < len(steps) and steps[step + 1][0] != stage)
    run.finish(tokenizer, {})


def schedule(args, steps, buckets):
    """make_optimizer's schedule for --schedule: a warm-up and cosine per curriculum stage (stage),
    one over all steps (single), or the peak lr held after the first epoch's warm-up (constant:
    a run read at any step, a learning curve, cannot decay toward an end it does not know)."""
    if args.schedule == "stage":
        # with one cosine over the stages the hardest stage trains near its tail (about a tenth
        # of the peak lr on average with 3 buckets); per stage, each bucket gets the full schedule
        phases = [sum(1 for s in steps if s[0] == k) for k in range(len(buckets))]
        return {"phases": [p for p in phases if p] or None}
    if args.schedule == "constant":
        return {"hold_after": math.ceil(args.warmup_ratio * sum(1 for s in steps if s[:2] == (0, 0)))}
    return {}


def main():
    args = parse_args()
    if args.plan:
        training.print_plan(args)
        return
    training.launch(train, args)


if __name__ == "__main__":
    common.run_main(main)
