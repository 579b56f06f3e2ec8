"""
Preference optimisation on fragment-level pairs: SimPO (default), DPO, IPO, conservative
DPO. The last step of each iTool round (SPEC.md section 1, step 5).

Reads pairs JSONL from prefs.py (`{"id", "messages", "tools", "prefix", "chosen",
"rejected", ...}`). The prompt is the task rendered as a chat prompt plus `prefix` (the
assistant text shared above the fragment, empty with --span full); the loss sees only
the tokens of `chosen` and `rejected`, which are scored in one concatenated forward pass
with log-probs in fp32: each pair is one row, its prompt computed once and followed by
chosen and rejected under a mask that keeps them apart. DPO and IPO need the reference model's log-probs: they are
computed once before training (batched, no gradient) and kept, so no reference model
sits in memory while training; SimPO needs none. LoRA (rank 8, every attention and MLP
linear) is merged into the weights on save, so --out is a plain Hugging Face folder:
the next round's policy.

Published run (the defaults): SimPO, beta 2.5, gamma 0.5, lr 1e-6, 2 epochs, cosine
schedule with 10% warm-up, LoRA rank 8, effective batch 8, no SFT term.

Simplifications: the end-of-turn token is not appended to chosen/rejected (a fragment
usually ends mid-answer); where the tokenizer merges the last prompt character with the
first response character, the merged token counts as response (the shared token prefix
is the prompt). Pairs longer than --max-length (prompt + the longer side) are dropped
and counted, never cut.

--replay DATA (ours): SFT examples replayed beside the pairs. Each micro-batch of pairs brings
as many training examples (task JSONL with a gold `response`, cycled in a seeded order), and
the loss adds their mean token NLL x --replay-weight, the loss SFT trains with. Meant for pairs
that, learned at a full fine-tune's step size, move the model away from what SFT taught on unseen
tasks: SFT's signal stays in every step. Measured on the default model (bench/RESULTS.md,
itool_replay): it kept the answer format, not the choice among the tools offered.
metrics.jsonl logs their NLL per token as `replay/nll`; `tokens` counts them too.

Launch:
  python train_pref.py --model runs/warmup --pairs pairs.jsonl --out runs/iter1
  python train_pref.py --model runs/warmup --pairs pairs.jsonl --out runs/iter1 --replay data/train.jsonl
  torchrun --nproc_per_node 8 train_pref.py --model M --pairs pairs.jsonl --out DIR --loss dpo --beta 0.1
  torchrun --nproc_per_node 8 train_pref.py ... --shard      # FSDP2: parameters and optimizer state sharded
The global batch is --batch-size x --grad-accum x the number of processes.
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F
from tqdm import tqdm

import common
import training
from common import InputError

DEFAULT_BETA = {"simpo": 2.5, "dpo": 0.1, "ipo": 0.1}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Preference optimisation (SimPO, DPO, IPO) on fragment pairs.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default=None, help="policy Hugging Face folder (default: the embedded SmolLM2-135M)")
    p.add_argument("--pairs", required=True, help="pairs JSONL from prefs.py")
    p.add_argument("--out", required=True, help="output folder; an existing one with a checkpoint is resumed")
    # the loss
    p.add_argument("--loss", default="simpo", choices=["simpo", "dpo", "ipo"], help="preference loss")
    p.add_argument("--beta", type=float, default=None, help="inverse temperature (default 2.5 SimPO, 0.1 DPO/IPO)")
    p.add_argument("--gamma", type=float, default=0.5, help="SimPO target reward margin")
    p.add_argument("--label-smoothing", type=float, default=0.0, help="conservative DPO: assumed label noise")
    p.add_argument("--sft-weight", type=float, default=0.0, help="weight of the chosen response's mean NLL")
    p.add_argument("--replay", default=None,
                   help="ours: training tasks JSONL (gold `response`) replayed as SFT beside the pairs, as many "
                        "examples per micro-batch as pairs")
    p.add_argument("--replay-weight", type=float, default=None,
                   help="weight of the replayed examples' mean token NLL (default 1)")
    # optimisation
    p.add_argument("--lr", type=float, default=1e-6, help="peak learning rate")
    p.add_argument("--epochs", type=int, default=2, help="passes over the pairs")
    p.add_argument("--batch-size", type=int, default=8, help="pairs per micro-batch per process")
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step per process")
    p.add_argument("--max-length", type=int, default=1024, help="pairs longer than this (prompt + response) are dropped")
    p.add_argument("--warmup-ratio", type=float, default=0.1, help="share of steps with linear lr warm-up")
    p.add_argument("--weight-decay", type=float, default=0.0, help="AdamW weight decay (matrices only)")
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping (0 = off)")
    p.add_argument("--lora-rank", type=int, default=8, help="LoRA rank on every attention/MLP linear (0 = full)")
    p.add_argument("--lora-alpha", type=float, default=16.0, help="LoRA scaling numerator (scale = alpha/rank)")
    # run
    p.add_argument("--seed", type=int, default=0, help="seed for LoRA init and pair order")
    p.add_argument("--layout", default="packed", choices=["packed", "rows"],
                   help="packed: one row per pair, its prompt once (4-D mask); rows: chosen and rejected as rows "
                        "of their own (2-D mask, flash attention and grouped-query attention kept)")
    training.add_run_args(p)
    training.add_scale_args(p)
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "grad_accum", "max_length"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    training.check_run_args(p, args)
    if not 0 <= args.label_smoothing < 0.5 + 1e-9 or args.lora_rank < 0:
        p.error("--label-smoothing must be in [0, 0.5], --lora-rank >= 0")
    if args.replay_weight is not None and not args.replay:
        p.error("--replay-weight needs --replay")
    args.replay_weight = 1.0 if args.replay_weight is None else args.replay_weight
    if not args.replay_weight > 0:  # nan too
        p.error("--replay-weight must be positive")
    args.beta = DEFAULT_BETA[args.loss] if args.beta is None else args.beta
    if args.beta <= 0:
        p.error("--beta must be positive")
    return args


# ---------------------------------------------------------------------------
# The losses: small pure functions on per-example log-probs (SPEC.md section 4)

def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps,
             beta, label_smoothing=0.0):
    """DPO (Rafailov et al. 2023) with conservative label smoothing e (cDPO).

        h    = (log pi(y_c|x) - log ref(y_c|x)) - (log pi(y_r|x) - log ref(y_r|x))
        loss = -(1 - e) * logsigmoid(beta * h) - e * logsigmoid(-beta * h)

    Log-probs summed over response tokens. Returns per-example losses.
    """
    h = (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)
    return -(1 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)


def ipo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps, beta):
    """IPO (Azar et al. 2023): regress the log-ratio margin onto 1 / (2 beta).

        h    = (log pi(y_c|x) - log ref(y_c|x)) - (log pi(y_r|x) - log ref(y_r|x))
        loss = (h - 1 / (2 * beta))^2

    Log-probs summed over response tokens. Returns per-example losses.
    """
    h = (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)
    return (h - 1 / (2 * beta)) ** 2


def simpo_loss(policy_chosen_avg_logps, policy_rejected_avg_logps, beta, gamma):
    """SimPO (Meng et al. 2024): a length-normalised margin, no reference model.

        loss = -logsigmoid(beta * (avg log pi(y_c|x) - avg log pi(y_r|x)) - gamma)

    Log-probs averaged over response tokens. Returns per-example losses.
    """
    return -F.logsigmoid(beta * (policy_chosen_avg_logps - policy_rejected_avg_logps) - gamma)


def preference_loss(args, sums, counts, ref):
    """Per-pair (loss, chosen reward, rejected reward, chosen logps, rejected logps) for --loss,
    from the concatenated forward's [chosen; rejected] log-prob sums and token counts."""
    n = sums.shape[0] // 2
    avg = sums / counts.clamp(min=1)  # an empty response has log-prob 0, not 0/0
    if args.loss == "simpo":
        pc, pr = avg[:n], avg[n:]
        losses = simpo_loss(pc, pr, args.beta, args.gamma)
        rc = rr = torch.zeros_like(pc)
    else:
        pc, pr = sums[:n], sums[n:]
        rc, rr = ref[:, 0], ref[:, 1]
        losses = (dpo_loss(pc, pr, rc, rr, args.beta, args.label_smoothing) if args.loss == "dpo"
                  else ipo_loss(pc, pr, rc, rr, args.beta))
    if args.sft_weight:
        losses = losses - args.sft_weight * avg[:n]
    return losses, args.beta * (pc - rc).detach(), args.beta * (pr - rr).detach(), pc.detach(), pr.detach()


# ---------------------------------------------------------------------------
# Data

def read_pairs(path):
    """Pair rows, checked: every problem names its line."""
    pairs = []
    for n, row in common.iter_jsonl(path):
        problem = common.task_problem(dict(row, answer=[]))
        for key in ("prefix", "chosen", "rejected"):
            if not problem and not isinstance(row.get(key), str):
                problem = f"pair has no string `{key}`"
        if problem:
            raise InputError(path, n, problem)
        pairs.append(row)
    if not pairs:
        raise InputError(path, None, "no pairs in file")
    return pairs


def encode_side(tokenizer, prompt_ids, prompt, response):
    """{"input_ids", "n_prompt"} for prompt + response; the loss covers what follows the tokens
    shared with the prompt (a token merging the two belongs to the response)."""
    ids = tokenizer(prompt + response, add_special_tokens=False)["input_ids"]
    k = 0
    for a, b in zip(prompt_ids, ids):
        if a != b:
            break
        k += 1
    if k < len(prompt_ids) - 1:  # more than the last token differs: the template is not a prefix
        raise training.BoundaryError("prompt tokens are not a prefix of prompt + response")
    return {"input_ids": ids, "n_prompt": k}


def encode_pairs(tokenizer, pairs, max_length):
    """[(chosen, rejected)] encoded, None for pairs longer than max_length (dropped, counted)."""
    out = []
    for pair in pairs:
        prompt = common.render_prompt(tokenizer, pair) + pair["prefix"]
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        sides = tuple(encode_side(tokenizer, prompt_ids, prompt, pair[k]) for k in ("chosen", "rejected"))
        out.append(None if max(len(s["input_ids"]) for s in sides) > max_length else sides)
    return out


def plan_steps(n_kept, kept, args, world, lengths):
    """Every optimizer step as a list of micro-batches of pair indices; a pure function of the
    data and seed, so that a resumed run continues exactly where its checkpoint stopped."""
    steps, per_step = [], args.grad_accum * world
    for epoch in range(args.epochs):
        batches = training.length_grouped_batches([lengths[i] for i in kept], args.batch_size, args.seed, epoch)
        batches = [[kept[j] for j in b] for b in batches]
        steps += [batches[k:k + per_step] for k in range(0, len(batches), per_step)]
    return steps[:args.max_steps] if args.max_steps else steps


def plan_replay(steps, lengths, args):
    """--replay: for every micro-batch of pairs in `steps`, as many replayed examples, taken in turn
    from length-grouped passes over the examples that fit (lengths 0: dropped), each pass seeded as
    the pairs' epochs are; a pure function of the data and seed, so a resumed run replays the same."""
    kept = [i for i, n in enumerate(lengths) if n]
    need, stream, epoch = sum(len(b) for step in steps for b in step), [], 0
    while len(stream) < need:
        batches = training.length_grouped_batches([lengths[i] for i in kept], args.batch_size, args.seed, epoch)
        stream += [kept[j] for b in batches for j in b]
        epoch += 1
    taken = iter(stream)
    return [[[next(taken) for _ in b] for b in step] for step in steps]


def pack_pairs(encoded, indices, pad_id):
    """The pairs as one batch with one row per pair: the prompt once, then chosen, then rejected.
    The prompt is ~95% of a pair's tokens, so computing it once instead of once per side
    nearly halves the work. A 4-D mask hides chosen from rejected and the positions of
    rejected restart after the prompt, so each side sees exactly what it would alone.
    Returns the model inputs and, for every response token, where it is predicted from."""
    parts = []
    for i in indices:
        c, r = encoded[i]
        k = min(c["n_prompt"], r["n_prompt"])  # both sides start with these prompt tokens
        parts.append((c["input_ids"][:k], c["input_ids"][k:], r["input_ids"][k:], c["n_prompt"] - k, r["n_prompt"] - k))
    width = max(len(p) + len(ch) + len(rj) for p, ch, rj, _, _ in parts)
    ids = torch.full((len(parts), width), pad_id, dtype=torch.long)
    pos = torch.zeros((len(parts), width), dtype=torch.long)
    mask = torch.eye(width, dtype=torch.bool).repeat(len(parts), 1, 1, 1)  # padding attends to itself only
    causal = torch.ones(width, width, dtype=torch.bool).tril()
    rows, cols, targets, slots, steps, counted = [], [], [], [], [], []
    for b, (prompt, chosen, rejected, skip_c, skip_r) in enumerate(parts):
        k, a = len(prompt), len(prompt) + len(chosen)
        n = a + len(rejected)
        ids[b, :n] = torch.tensor(prompt + chosen + rejected, dtype=torch.long)
        pos[b, :a] = torch.arange(a)
        pos[b, a:n] = torch.arange(k, k + len(rejected))
        mask[b, 0, :a, :a] = causal[:a, :a]
        mask[b, 0, a:n, :k] = True
        mask[b, 0, a:n, a:n] = causal[:n - a, :n - a]
        for side, (start, tokens, skip) in enumerate(((k, chosen, skip_c), (a, rejected, skip_r))):
            for j, token in enumerate(tokens):
                rows.append(b)
                cols.append(k - 1 if j == 0 else start + j - 1)  # the first token follows the prompt
                targets.append(token)
                slots.append(side * len(parts) + b)  # chosen of every pair first, then rejected
                steps.append(j)
                counted.append(j >= skip)  # a token merging prompt and response is not scored
    index = [torch.tensor(x, dtype=torch.long) for x in (rows, cols, targets, slots, steps)]
    return (ids, pos, mask, *index, torch.tensor(counted, dtype=torch.bool))


class PairLogps(torch.nn.Module):
    """Summed log-probs and token counts of [chosen; rejected] from one packed forward pass
    (bf16 autocast on CUDA, log-softmax in fp32). A module, so that DDP/FSDP wrap all of it."""

    def __init__(self, lm, dtype=None):
        super().__init__()
        self.lm, self.dtype = lm, dtype

    def forward(self, ids, pos, mask, rows, cols, targets, slots, steps, counted, replay=None):
        body, head = training._body_and_head(self.lm)
        with torch.autocast(ids.device.type, dtype=self.dtype or torch.bfloat16, enabled=self.dtype is not None):
            if body is not None:  # only response positions go through the vocabulary projection
                hidden = body(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=False).last_hidden_state
                logits = head(hidden[rows, cols])
            else:
                logits = self.lm(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=False).logits[rows, cols]
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        # Dense (pair side, token) grids summed by rows: index_add would use atomics (nondeterministic) on CUDA.
        sides = 2 * ids.shape[0] if mask.dim() == 4 else ids.shape[0]  # packed: both sides in a row
        shape = (sides, int(steps.max()) + 1 if len(steps) else 1)
        sums = torch.zeros(shape, device=ids.device).index_put((slots, steps), torch.where(counted, logp, 0.0))
        counts = torch.zeros(shape, dtype=torch.long, device=ids.device).index_put((slots, steps), counted.long())
        if replay is None:
            return sums.sum(1), counts.sum(1)
        # --replay's examples (pad_batch's ids, attention, loss mask) in the same forward: DDP syncs the
        # gradient of one forward per backward
        return (sums.sum(1), counts.sum(1), *training.response_logps(self.lm, *replay, self.dtype))


def reference_logps(model, encoded, kept, args, pad_id, device, autocast=None):
    """Summed log-probs of chosen and rejected under the starting policy, computed once
    (no gradient), shared out over ranks and gathered: a [n_pairs, 2] tensor on CPU."""
    import torch.distributed as dist
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    order = sorted(kept, key=lambda i: len(encoded[i][0]["input_ids"]) + len(encoded[i][1]["input_ids"]))
    batches = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    ref = {}
    scorer = PairLogps(model, autocast)
    model.eval()
    with torch.no_grad():
        for batch in tqdm(batches[rank::world], desc="reference log-probs", disable=not training.is_main()):
            inputs = (pack_pairs if args.layout == "packed" else separate_pairs)(encoded, batch, pad_id)
            sums, _ = scorer(*(x.to(device) for x in inputs))
            for j, i in enumerate(batch):
                ref[i] = (sums[j].item(), sums[len(batch) + j].item())
    model.train()
    if world > 1:
        parts = [None] * world
        dist.all_gather_object(parts, ref)
        ref = {i: v for part in parts for i, v in part.items()}
    table = torch.zeros(len(encoded), 2, dtype=torch.float32)
    for i, v in ref.items():
        table[i] = torch.tensor(v)
    return table


# ---------------------------------------------------------------------------
# Training

RESUME_KEYS = ("loss", "beta", "gamma", "label_smoothing", "sft_weight", "lr", "epochs", "batch_size", "grad_accum",
               "max_length", "warmup_ratio", "weight_decay", "clip", "lora_rank", "lora_alpha", "seed", "max_steps",
               "shard", "dtype")


def separate_pairs(encoded, indices, pad_id):
    """The pairs as 2 x len(indices) right-padded rows, every chosen side first, then every rejected
    side, each with its own prompt (--layout rows): twice the prompt tokens of pack_pairs, but a plain
    2-D mask, under which SDPA may pick its flash kernels and grouped-query attention stays on.
    Returns what pack_pairs returns, so PairLogps scores either."""
    sides = [encoded[i][0] for i in indices] + [encoded[i][1] for i in indices]
    width = max(len(e["input_ids"]) for e in sides)
    ids = torch.full((len(sides), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sides), width), dtype=torch.long)
    rows, cols, targets, slots, steps, counted = [], [], [], [], [], []
    for b, e in enumerate(sides):
        n, k = len(e["input_ids"]), min(encoded[indices[b % len(indices)]][0]["n_prompt"],
                                        encoded[indices[b % len(indices)]][1]["n_prompt"])
        ids[b, :n] = torch.tensor(e["input_ids"], dtype=torch.long)
        mask[b, :n] = 1
        for j in range(n - k):
            rows.append(b)
            cols.append(k + j - 1)
            targets.append(e["input_ids"][k + j])
            slots.append(b)
            steps.append(j)
            counted.append(j >= e["n_prompt"] - k)
    pos = torch.arange(width).repeat(len(sides), 1)
    index = [torch.tensor(x, dtype=torch.long) for x in (rows, cols, targets, slots, steps)]
    return (ids, pos, mask, *index, torch.tensor(counted, dtype=torch.bool))


def train_step(step_model, micro, encoded, ref, args, pad_id, run, rank, device, replay=None):
    """Forward/backward of one optimizer step's micro-batches (this rank's share); returns the
    sums over this rank's pairs of loss, rewards, accuracies, log-probs, its token count and the
    replayed examples' NLL, then the step's pairs and replayed response tokens. replay: (encoded
    examples, this step's micro-batches of them) under --replay."""
    world = run.world
    n_global = sum(len(b) for b in micro)  # every rank knows the plan, so all normalise alike
    examples, replay_micro = replay or ([], [])
    n_replay = sum(len(examples[i]["input_ids"]) - examples[i]["n_prompt"] for b in replay_micro for i in b)
    micro_steps = math.ceil(len(micro) / world)
    totals = torch.zeros(9, dtype=torch.float64)
    dummy = [({"input_ids": [pad_id, pad_id], "n_prompt": 1},) * 2]
    for m in range(micro_steps):
        j = m * world + rank
        # A rank without a micro-batch in the last step still runs a dummy one (its loss times 0),
        # so that it joins the gradient all-reduce.
        batch = micro[j] if j < len(micro) else []
        layout = pack_pairs if args.layout == "packed" else separate_pairs
        inputs = layout(encoded, batch, pad_id) if batch else layout(dummy, [0], pad_id)
        inputs = [x.to(device) for x in inputs]
        replayed = [examples[i] for i in replay_micro[j]] if replay and batch else [{"input_ids": [pad_id], "n_prompt": 1}]
        with run.sync(step_model, m, micro_steps):
            if replay:
                sums, counts, replay_sums, _ = step_model(
                    *inputs, replay=tuple(x.to(device) for x in training.pad_batch(replayed, pad_id)))
            else:
                sums, counts = step_model(*inputs)
            losses, rc, rr, pc, pr = preference_loss(args, sums, counts, ref[batch].to(device) if batch else
                                                     torch.zeros(1, 2, device=device))
            if not batch:
                losses = losses * 0.0
            loss = losses.sum() * world / n_global  # `* world` undoes the averaging over ranks
            if replay:  # the mean token NLL of the step's replayed examples, as SFT's loss
                loss = loss - args.replay_weight * replay_sums.sum() * world / n_replay
            loss.backward()
        if batch:
            tokens = sum(len(encoded[i][0]["input_ids"]) + len(encoded[i][1]["input_ids"]) for i in batch)
            tokens += sum(len(e["input_ids"]) for e in replayed) if replay else 0
            totals += torch.tensor([losses.sum().item(), rc.sum().item(), rr.sum().item(), (rc > rr).sum().item(),
                                    (rc - rr).sum().item(), pc.sum().item(), pr.sum().item(), tokens,
                                    -replay_sums.sum().item() if replay else 0.0], dtype=torch.float64)
    return totals, n_global, n_replay


def train(args, rank, world, device):
    pairs = read_pairs(args.pairs)
    tasks = common.read_tasks(args.replay, need_response=True) if args.replay else None
    # the replay keys only when set, so that runs made before --replay still resume and count as finished
    replay_keys = {"replay_sha256": common.file_sha256(args.replay), "replay_weight": args.replay_weight} if tasks else {}
    run = training.Run(args, RESUME_KEYS, args.pairs, world, more=replay_keys)
    if run.finished:
        return
    training.set_seed(args.seed)
    model, tokenizer, autocast = training.training_model(args, device)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    encoded, kept, steps = plan(args, tokenizer, pairs, world)
    replay_steps, examples = None, None
    if tasks:
        examples = training.encode_tasks(tokenizer, tasks, args.replay, args.max_length)
        fit = sum(e is not None for e in examples)
        if not fit:
            raise InputError(args.replay, None, f"no example fits in --max-length {args.max_length}")
        if training.is_main():
            print(f"--replay: {len(tasks)} examples; {len(tasks) - fit} dropped as longer than --max-length")
        replay_steps = plan_replay(steps, [len(e["input_ids"]) if e else 0 for e in examples], args)
    if args.loss == "simpo":
        ref = torch.zeros(len(pairs), 2)
    elif run.saved:
        ref = torch.tensor(run.saved["reference_logps"], dtype=torch.float32)
    else:
        ref = reference_logps(model, encoded, kept, args, pad_id, device, autocast)
    if args.lora_rank:
        training.add_lora(model, args.lora_rank, args.lora_alpha)
    # before the optimizer: FSDP2 replaces the parameters with sharded ones
    step_model = training.wrap(PairLogps(model, autocast), model, args, world, device, autocast)
    params, optimizer, scheduler = training.make_optimizer(model, args, len(steps), device)

    with run.loop(model, optimizer, scheduler, len(steps), args.loss) as loop:
        for step in loop:
            t0, lr = time.perf_counter(), scheduler.get_last_lr()[0]
            totals, n, n_replay = train_step(step_model, steps[step], encoded, ref, args, pad_id, run, rank, device,
                                             (examples, replay_steps[step]) if replay_steps else None)
            loss, rc, rr, acc, margin, pc, pr, tokens, replay_nll = training.all_reduce_sum(totals.tolist(), device)
            norm = training.clip_gradients(params, args.clip)
            loss = run.check(step + 1, loss, norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            dt = time.perf_counter() - t0
            run.log({"step": step + 1, "loss": loss / n, "lr": lr, "rewards/chosen": rc / n,
                     "rewards/rejected": rr / n, "rewards/accuracies": acc / n, "rewards/margins": margin / n,
                     "logps/chosen": pc / n, "logps/rejected": pr / n, "grad_norm": norm,
                     "tokens": int(tokens), "tokens_per_s": tokens / dt, "seconds": dt,
                     **({"replay/nll": replay_nll / n_replay} if replay_steps else {})},
                    loss=f"{loss / n:.4f}", acc=f"{acc / n:.2f}", margin=f"{margin / n:.3f}")
            run.save(step + 1, {"dropped_pairs": len(pairs) - len(kept),
                                "reference_logps": ref.tolist() if args.loss != "simpo" else None})
    run.finish(tokenizer, {"pairs": len(pairs), "dropped_longer_than_max_length": len(pairs) - len(kept),
                           **({"replayed_examples": sum(map(len, sum(replay_steps, [])))} if replay_steps else {})})


def plan(args, tokenizer, pairs, world):
    """(encoded pairs, indices of those kept within --max-length, the optimizer steps)."""
    try:
        encoded = encode_pairs(tokenizer, pairs, args.max_length)
    except training.BoundaryError as e:
        raise InputError(args.pairs, None, str(e)) from None
    kept = [i for i, e in enumerate(encoded) if e is not None]
    if training.is_main():
        print(f"{len(pairs)} pairs; {len(pairs) - len(kept)} dropped as longer than --max-length {args.max_length}")
    if not kept:
        raise InputError(args.pairs, None, f"no pair fits in --max-length {args.max_length}")
    lengths = [len(e[0]["input_ids"]) + len(e[1]["input_ids"]) if e else 0 for e in encoded]
    return encoded, kept, plan_steps(len(kept), kept, args, world, lengths)


def main():
    args = parse_args()
    if args.plan:
        # a packed row holds prompt, chosen and rejected; --replay adds a row of its own per pair
        training.print_plan(args, rows_per_example=3 if args.replay else 2)
        return
    training.launch(train, args)


if __name__ == "__main__":
    common.run_main(main)
