"""warmup.py's training loop against a plain Hugging Face Trainer SFT, side by side in one run.

    python bench/warmup_vs_trainer.py                     # synthetic train split, 3 steps of batch 2, A B A B A B
    python bench/warmup_vs_trainer.py --threads 1         # on a shared machine: CPU time is then trustworthy
    python bench/warmup_vs_trainer.py --data data/train.jsonl --steps 10 --batch-size 4 --rounds 1

Both arms get the same model (the default one, or --model), the same batches in the
same order (length-grouped as warmup.py groups them), the same loss (assistant tokens
only, mean over the batch's response tokens), AdamW with the same lr, cosine schedule
with warm-up and clipping, fp32 on CPU (bf16 autocast on CUDA for warmup.py, `bf16=True`
for the Trainer). Arm A runs warmup.py's own step function (`warmup.train_step`, the
optimizer from `warmup.make_optimizer`); arm B is `transformers.Trainer` with a collator
that sets labels to -100 outside the response and a sequential sampler over the same
batches. Timed per optimizer step (forward, backward, clip, optimizer step) in both.
Tokens/s counts the non-pad tokens processed, per wall-clock second and per CPU-second
of the process (the steadier figure on a shared machine). The arms alternate (A B A B ...) so that
load from other processes weighs on both alike; the load average is recorded. The
first-step loss and the weights after the last step are compared as a check that
both arms compute the same thing. Writes (replaces) the section
`## warmup.py vs Hugging Face Trainer` of bench/RESULTS.md.
"""
import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
import training  # noqa: E402
from results import write_section  # noqa: E402  (bench/results.py)
import warmup  # noqa: E402

HEADING = "## warmup.py vs Hugging Face Trainer"


def clock():
    return time.perf_counter(), time.process_time()


def elapsed(start):
    """(wall seconds, CPU seconds of this process) since start; CPU time is what other
    processes on a shared machine disturb least."""
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def run_warmup(model_dir, encoded, batches, args, device):
    """Arm A: warmup.py's step on each batch; returns (seconds per step, losses, final weights)."""
    import torch
    model, tok = training.load_model(model_dir, device, torch.float32)
    opt_args = argparse.Namespace(lr=args.lr, weight_decay=0.0, warmup_ratio=args.warmup_ratio)
    params, optimizer, scheduler = training.make_optimizer(model, opt_args, len(batches), device)
    lm = training.LogpModel(model, training.autocast_dtype(device))
    model.train()
    times, losses = [], []
    for k, batch in enumerate(batches):
        start = clock()
        nll, _, _, n_target = warmup.train_step(lm, [batch], encoded, tok.pad_token_id, 1, 0, device, k + 1)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(elapsed(start))
        losses.append(nll / n_target)
    return times, losses, {n: p.detach().cpu().clone() for n, p in model.named_parameters()}


def run_trainer(model_dir, encoded, batches, args, device):
    """Arm B: a plain transformers.Trainer over the same batches; returns the same as run_warmup."""
    import torch
    from torch.utils.data import SequentialSampler
    from transformers import Trainer, TrainerCallback, TrainingArguments

    class Ordered(Trainer):
        def _get_train_sampler(self, train_dataset=None):
            return SequentialSampler(self.train_dataset)  # our batches, in our order

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.times = []

        def on_step_begin(self, *a, **kw):
            if device.type == "cuda":
                torch.cuda.synchronize()
            self.start = clock()

        def on_step_end(self, *a, **kw):
            if device.type == "cuda":
                torch.cuda.synchronize()
            self.times.append(elapsed(self.start))

    def collate(examples):
        ids, attention, mask = training.pad_batch(examples, tok.pad_token_id)
        return {"input_ids": ids, "attention_mask": attention, "labels": ids.masked_fill(~mask, -100)}

    model, tok = training.load_model(model_dir, device, torch.float32)
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=args.batch_size, max_steps=len(batches),
            learning_rate=args.lr, lr_scheduler_type="cosine", warmup_steps=math.ceil(args.warmup_ratio * len(batches)),
            weight_decay=0.0, max_grad_norm=1.0, optim="adamw_torch", logging_steps=1, save_strategy="no",
            report_to="none", disable_tqdm=True, remove_unused_columns=False, dataloader_pin_memory=False,
            use_cpu=device.type == "cpu", bf16=device.type == "cuda", seed=0)
        trainer = Ordered(model=model, args=targs, train_dataset=[encoded[i] for b in batches for i in b],
                          data_collator=collate, callbacks=[timer])
        trainer.train()
    losses = [r["loss"] for r in trainer.state.log_history if "loss" in r]
    return timer.times, losses, {n: p.detach().cpu().clone() for n, p in model.named_parameters()}


def training_data(args):
    if args.data:
        return args.data
    folder = tempfile.mkdtemp(prefix="itool-bench-")
    subprocess.run([sys.executable, os.path.join(ROOT, "synth.py"), "--out", folder, "--train", "200",
                    "--test", "20", "--seed", "0"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(folder, "train.jsonl")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="Hugging Face folder (default: the embedded SmolLM2-135M)")
    p.add_argument("--data", default=None, help="task JSONL (default: synth.py's training split, 200 tasks)")
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--steps", type=int, default=3, help="optimizer steps per arm and round")
    p.add_argument("--rounds", type=int, default=3, help="A B rounds")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--lr", type=float, default=warmup.FULL_LR)
    p.add_argument("--warmup-ratio", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default); 1 makes "
                   "CPU time a clean measure when other processes share the cores")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = p.parse_args()

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model_dir = training.resolve_model(args.model)
    data = training_data(args)
    tasks = common.read_tasks(data, need_response=True)
    tok = training.load_tokenizer(model_dir)
    encoded = [training.encode_example(tok, t, t["response"], args.max_length) for t in tasks]
    kept = [i for i, e in enumerate(encoded) if e is not None]
    grouped = training.length_grouped_batches([len(encoded[i]["input_ids"]) for i in kept], args.batch_size, seed=0)
    batches = [[kept[j] for j in b] for b in grouped if len(b) == args.batch_size][:args.steps]
    if len(batches) < args.steps or args.steps < 2:
        raise common.InputError(data, None, f"only {len(batches)} full batches within --max-length {args.max_length}")
    tokens = [sum(len(encoded[i]["input_ids"]) for i in b) for b in batches]
    padded = [len(b) * max(len(encoded[i]["input_ids"]) for i in b) for b in batches]

    arms = {"warmup.py": run_warmup, "HF Trainer": run_trainer}
    results = {name: [] for name in arms}
    load_before = os.getloadavg()
    for r in range(args.rounds):
        for name, fn in arms.items():
            times, losses, weights = fn(model_dir, encoded, batches, args, device)
            results[name].append((times, losses, weights))
            print(f"round {r + 1} {name}: steps {', '.join(f'{w:.2f}' for w, _ in times)} s wall, "
                  f"{', '.join(f'{c:.2f}' for _, c in times)} s CPU; losses {[round(x, 4) for x in losses]}",
                  file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    # The first step of every round pays for allocation and cold caches: left out of the rates.
    timed = sum(tokens[1:])
    rate = {}
    for name, runs in results.items():
        wall = [timed / sum(w for w, _ in t[1:]) for t, _, _ in runs]
        cpu = [timed / sum(c for _, c in t[1:]) for t, _, _ in runs]
        rate[name] = (sum(wall) / len(wall), sum(cpu) / len(cpu), wall)
    wa, wb = results["warmup.py"][0][2], results["HF Trainer"][0][2]
    max_diff = max((wa[n] - wb[n]).abs().max().item() for n in wa)
    first = (results["warmup.py"][0][1][0], results["HF Trainer"][0][1][0])
    a, b = rate["warmup.py"], rate["HF Trainer"]
    lines = [
        f"data: {len(kept)} of {len(tasks)} tasks within {args.max_length} tokens; {args.steps} steps of batch "
        f"{args.batch_size} per round (the same length-grouped batches in both arms), {sum(tokens)} non-pad tokens, "
        f"padding {1 - sum(tokens) / sum(padded):.1%}; {args.rounds} rounds A B, first step of each round not timed",
        f"warmup.py: {a[0]:.1f} tokens/s wall (rounds: {', '.join(f'{x:.1f}' for x in a[2])}), "
        f"{a[1]:.1f} tokens per CPU-second",
        f"HF Trainer: {b[0]:.1f} tokens/s wall (rounds: {', '.join(f'{x:.1f}' for x in b[2])}), "
        f"{b[1]:.1f} tokens per CPU-second",
        f"ratio warmup.py / Trainer: {a[0] / b[0]:.2f}x wall, {a[1] / b[1]:.2f}x CPU time",
        f"same computation: first-step loss {first[0]:.4f} vs {first[1]:.4f}; "
        f"max |weight difference| after {args.steps} steps {max_diff:.2e}",
        f"load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f} on {os.cpu_count()} CPUs",
    ]
    print("\n".join(lines))
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
               f"({torch.get_num_threads()} threads), device {device}")
    if device.type == "cuda":
        machine += f" ({torch.cuda.get_device_name()})"
    import datetime
    command = "python bench/warmup_vs_trainer.py " + " ".join(sys.argv[1:])
    section = (f"{HEADING} ({datetime.date.today()})\n\n"
               f"Command: `{command.strip()}`  \nMachine: {machine}  \nModel: {args.model or common.DEFAULT_MODEL_NAME}"
               f"  \nData: {args.data or 'synth.py --train 200 --seed 0, training split'}\n\n"
               + "".join(f"- {line}\n" for line in lines))
    write_section(args.results, HEADING, section)
    print(f"wrote the section to {args.results}", file=sys.stderr)


if __name__ == "__main__":
    common.run_main(main)
