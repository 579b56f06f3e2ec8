"""train_pref.py against TRL (DPOTrainer for DPO, CPOTrainer with loss_type="simpo", cpo_alpha=0 for
SimPO), side by side in one run: throughput, peak memory and first-step losses.

    python bench/train_pref_vs_trl.py                          # DPO and SimPO, 24 pairs, 6 steps of 4 pairs, 1 round
    python bench/train_pref_vs_trl.py --rounds 2 --losses simpo --steps 4 --batch-size 2

TRL is never a dependency of the toolkit: this script keeps it in its own virtual environment,
bench/.venv-trl (git-ignored), which it creates on first use with pinned torch 2.13.0,
transformers 5.23.0, trl 1.16.0 and peft. Run the script itself with the project's Python
(`. .venv/bin/activate`).

Every arm runs in a fresh child process (train_pref.py with the project's Python, TRL with
the TRL environment's), so that each one's peak memory is its own; the arms alternate
(train_pref, TRL, train_pref, TRL, ...) and the load average is recorded.

The same work in both arms:
- pairs: synth.py's training split (seed 0); chosen = the gold `response`, rejected = the same
  response with its first argument value changed (a wrong value); prefix "" (--span full);
  the first --steps x --batch-size pairs that fit in --max-length tokens; prompt = the task
  rendered by the chat template (common.render_prompt), passed to TRL as text;
- tokens: train_pref.py appends no end-of-turn token to chosen/rejected, TRL does (DPOTrainer
  adds EOS text, CPOTrainer the EOS id). The TRL arm removes exactly that EOS (DPOTrainer: strips it
  from TRL's own tokenisation; CPOTrainer: its add_eos_token_if_needed is made a no-op) and then
  checks that every sequence and every loss mask is token for token the one train_pref.py builds;
- batches: train_pref.py's own plan (train_pref.plan_steps: length-grouped, seed 0); TRL gets
  the pairs in that order with train_sampling_strategy="sequential", so each step sees the
  same batch;
- model: the default one (SmolLM2-135M-Instruct) or --model, fp32 on CPU, no gradient
  checkpointing, dropout off; LoRA rank 8, alpha 16, no dropout on q,k,v,o,gate,up,down
  (train_pref.py's own LoRA with --lora-rank 8; TRL with a peft LoraConfig);
- optimisation: AdamW (betas 0.9/0.999, eps 1e-8, no weight decay), lr --lr, cosine schedule
  with ceil(10%) warm-up steps, gradient clipping at 1.0;
- losses: DPO beta 0.1 (reference log-probs precomputed before training in both:
  TRL precompute_ref_log_probs=True); SimPO beta 2.5, gamma 0.5, no SFT term.

train_pref.py runs through its command line (its main(), in-process in the child with the
same arguments), observed from outside: the seconds and tokens of each step come from its
metrics.jsonl rows; the child also notes CPU time and VmHWM when each row is written, and
times reference_logps. TRL is timed by a TrainerCallback (on_step_begin to on_step_end:
forward, backward, clipping, optimizer and scheduler step; its collation happens before
on_step_begin and is not counted, train_pref.py's is). The first step is left out of the rates.
Tokens are the non-pad tokens of the step's chosen and rejected sequences (identical in both
arms; the prompt counts once per side, as TRL computes it, even where train_pref.py computes a
shared prompt once). Peak memory is VmHWM (peak resident set) at the end of the last step; the process's
peak at exit (train_pref.py then merges LoRA and saves the model) is reported too.
The reference log-prob precomputation (DPO) is timed separately and not in the throughput.

Writes (replaces) the section `## train_pref.py vs TRL` of bench/RESULTS.md.
"""
import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
import training  # noqa: E402
from results import write_section  # noqa: E402  (bench/results.py)

HEADING = "## train_pref.py vs TRL"
TRL_VENV = os.path.join(ROOT, "bench", ".venv-trl")
TRL_PINS = ["torch==2.13.0", "transformers==5.23.0", "trl==1.16.0", "peft==0.21.2"]
LORA_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
SETTINGS = {"dpo": {"beta": 0.1, "gamma": 0.0}, "simpo": {"beta": 2.5, "gamma": 0.5}}


def vm_hwm_mb():
    """Peak resident set size of this process so far, MiB (Linux /proc)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def maxrss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# Data (driver)

def mutate(response):
    """The response with its first argument value made wrong: a string reversed, a number changed."""
    m = re.search(r'=(?:"([^"]+)"|(-?\d+(?:\.\d+)?))', response)
    if not m:
        return None
    if m.group(1) is not None:
        text = m.group(1)
        wrong = text[::-1] if text[::-1] != text else text + "x"
        new = f'="{wrong}"'
    else:
        number = m.group(2)
        new = "=" + (str(float(number) + 1.5) if "." in number else str(int(number) + 7))
    return response[:m.start()] + new + response[m.end():]


def make_pairs(args, folder):
    """Pairs JSONL for both arms: the first steps x batch-size synthetic tasks whose pair fits max-length."""
    import train_pref
    data = os.path.join(folder, "data")
    subprocess.run([sys.executable, os.path.join(ROOT, "synth.py"), "--out", data, "--train", "200", "--test", "20",
                    "--seed", "0"], check=True, stdout=subprocess.DEVNULL)
    tasks = common.read_tasks(os.path.join(data, "train.jsonl"), need_response=True)
    tok = training.load_tokenizer(training.resolve_model(args.model))
    need = args.steps * args.batch_size
    pairs, seen = [], 0
    for task in tasks:
        rejected = mutate(task["response"]) if task["response"].startswith("[") else None
        if rejected is None:
            continue
        seen += 1
        pair = {"id": task["id"], "messages": task["messages"], "tools": task["tools"], "prefix": "",
                "chosen": task["response"], "rejected": rejected}
        if train_pref.encode_pairs(tok, [pair], args.max_length)[0] is not None:
            pairs.append(pair)
        if len(pairs) == need:
            break
    if len(pairs) < need:
        raise common.InputError("synth.py", None, f"only {len(pairs)} pairs within --max-length {args.max_length}")
    path = os.path.join(folder, "pairs.jsonl")
    common.write_jsonl(path, pairs)
    enc = train_pref.encode_pairs(tok, pairs, args.max_length)
    lengths = [len(c["input_ids"]) + len(r["input_ids"]) for c, r in enc]
    resp = [len(s["input_ids"]) - s["n_prompt"] for e in enc for s in e]
    info = (f"{len(pairs)} pairs (the first of {seen} call-answer tasks that fit {args.max_length} tokens), "
            f"pair tokens (chosen + rejected) mean {sum(lengths) / len(lengths):.0f} (min {min(lengths)}, "
            f"max {max(lengths)}), response tokens per side mean {sum(resp) / len(resp):.1f}")
    return path, info


# ---------------------------------------------------------------------------
# The arms (child processes)

def plan(args, encoded):
    """train_pref.py's own step plan: a list of steps, each a list of pair indices."""
    import train_pref
    kept = [i for i, e in enumerate(encoded) if e is not None]
    lengths = [len(e[0]["input_ids"]) + len(e[1]["input_ids"]) if e else 0 for e in encoded]
    ns = argparse.Namespace(epochs=1, batch_size=args.batch_size, seed=0, grad_accum=1, max_steps=args.steps)
    return [[i for micro in step for i in micro] for step in train_pref.plan_steps(len(kept), kept, ns, 1, lengths)]


def arm_train_pref(args):
    """train_pref.py's main() with CLI arguments, observed: metrics rows, CPU time, VmHWM, reference time."""
    import torch
    import train_pref
    if args.threads:
        torch.set_num_threads(args.threads)
    out = os.path.join(args.workdir, f"train_pref-{args.loss}")
    s = SETTINGS[args.loss]
    argv = ["--model", training.resolve_model(args.model), "--pairs", args.pairs, "--out", out, "--loss", args.loss,
            "--beta", str(s["beta"]), "--gamma", str(s["gamma"]), "--lr", str(args.lr),
            "--batch-size", str(args.batch_size), "--max-steps", str(args.steps), "--epochs", "1",
            "--max-length", str(args.max_length), "--lora-rank", "8", "--lora-alpha", "16",
            "--save-every", "1000", "--device", "cpu", "--seed", "0"]
    seen = {"cpu": [], "hwm": [], "ref_s": None, "ref": None}

    original_log = training.MetricsLog.log

    def log(self, row):  # called right after each step (its `seconds` already measured)
        seen["cpu"].append(time.process_time())
        seen["hwm"].append(vm_hwm_mb())
        return original_log(self, row)

    original_ref = train_pref.reference_logps

    def reference_logps(*a, **kw):
        t0 = time.perf_counter()
        table = original_ref(*a, **kw)
        seen["ref_s"] = time.perf_counter() - t0
        seen["ref"] = table.tolist()
        return table

    training.MetricsLog.log = log
    train_pref.reference_logps = reference_logps
    sys.argv = ["train_pref.py"] + argv
    cpu0 = time.process_time()
    train_pref.main()
    rows = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    cpu = [b - a for a, b in zip([cpu0] + seen["cpu"][:-1], seen["cpu"])]
    return {"arm": "train_pref", "command": "python train_pref.py " + " ".join(argv),
            "losses": [r["loss"] for r in rows], "seconds": [r["seconds"] for r in rows],
            "tokens": [r["tokens"] for r in rows], "cpu_seconds": cpu, "peak_train_mb": seen["hwm"][-1],
            "peak_exit_mb": maxrss_mb(), "ref_seconds": seen["ref_s"], "ref_logps": seen["ref"],
            "threads": torch.get_num_threads()}


def arm_trl(args):
    """TRL's DPOTrainer (DPO) or CPOTrainer (SimPO) on the same pairs, batches and settings."""
    import torch
    import train_pref
    import trl
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = training.resolve_model(args.model)
    model, tok = training.load_model(model_dir, torch.device("cpu"), torch.float32)
    pairs = train_pref.read_pairs(args.pairs)
    encoded = train_pref.encode_pairs(tok, pairs, args.max_length)
    steps = plan(args, encoded)
    order = [i for step in steps for i in step]
    rows = [{"pair": i, "prompt": common.render_prompt(tok, pairs[i]) + pairs[i]["prefix"],
             "chosen": pairs[i]["chosen"], "rejected": pairs[i]["rejected"]} for i in order]
    linears = {n.rsplit(".", 1)[-1] for n, m in model.named_modules()
               if type(m) is torch.nn.Linear and m is not model.get_output_embeddings()}
    assert linears == set(LORA_MODULES), linears  # what train_pref's add_lora wraps
    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, bias="none", target_modules=LORA_MODULES,
                      task_type="CAUSAL_LM")
    s = SETTINGS[args.loss]
    seen = {"wall": [], "cpu": [], "hwm": [], "losses": [], "ref_s": None, "loop": []}

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *a, **kw):
            self.t0 = (time.perf_counter(), time.process_time())

        def on_step_end(self, *a, **kw):
            now = (time.perf_counter(), time.process_time())
            seen["wall"].append(now[0] - self.t0[0])
            seen["cpu"].append(now[1] - self.t0[1])
            seen["hwm"].append(vm_hwm_mb())
            seen["loop"].append(now[0])

    common_kw = dict(
        output_dir=os.path.join(args.workdir, f"trl-{args.loss}"), per_device_train_batch_size=args.batch_size,
        max_steps=args.steps, learning_rate=args.lr, lr_scheduler_type="cosine",
        warmup_steps=math.ceil(0.1 * args.steps), weight_decay=0.0, adam_beta1=0.9, adam_beta2=0.999,
        adam_epsilon=1e-8, max_grad_norm=1.0, optim="adamw_torch", logging_steps=1, save_strategy="no",
        eval_strategy="no", report_to="none", disable_tqdm=True, dataloader_num_workers=0,
        dataloader_pin_memory=False, use_cpu=True, bf16=False, fp16=False, gradient_checkpointing=False,
        seed=0, train_sampling_strategy="sequential", max_length=args.max_length, beta=s["beta"],
        disable_dropout=True)
    eos = tok.eos_token_id

    if args.loss == "dpo":
        class DPO(trl.DPOTrainer):
            def _prepare_dataset(self, dataset, *a, **kw):
                # TRL's own tokenisation, less the EOS it appends to chosen/rejected (train_pref.py adds none)
                ds = super()._prepare_dataset(dataset, *a, **kw)
                cut = lambda ids: ids[:-1] if ids and ids[-1] == eos else ids  # noqa: E731
                return ds.map(lambda ex: {"chosen_ids": cut(ex["chosen_ids"]), "rejected_ids": cut(ex["rejected_ids"])})

            def _precompute_ref_logps(self, *a, **kw):
                t0 = time.perf_counter()
                out = super()._precompute_ref_logps(*a, **kw)
                seen["ref_s"] = time.perf_counter() - t0
                return out

            def compute_loss(self, *a, **kw):
                loss = super().compute_loss(*a, **kw)
                seen["losses"].append(loss.item())
                return loss

        config = trl.DPOConfig(loss_type=["sigmoid"], precompute_ref_log_probs=True, **common_kw)
        trainer = DPO(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tok,
                      peft_config=lora, callbacks=[StepTimer()])
        ds = trainer.train_dataset
        got = [(list(p) + list(c), list(p) + list(r), len(p)) for p, c, r in
               zip(ds["prompt_ids"], ds["chosen_ids"], ds["rejected_ids"])]
        ref = {i: (c, r) for i, c, r in zip(ds["pair"], ds["ref_chosen_logps"], ds["ref_rejected_logps"])}
    else:
        from trl.experimental import cpo
        from trl.experimental.cpo import cpo_trainer
        cpo_trainer.add_eos_token_if_needed = lambda eos_id, chosen, rejected: (chosen, rejected)

        class CPO(cpo.CPOTrainer):
            def compute_loss(self, *a, **kw):
                loss = super().compute_loss(*a, **kw)
                seen["losses"].append(loss.item())
                return loss

        config = cpo.CPOConfig(loss_type="simpo", cpo_alpha=0.0, simpo_gamma=s["gamma"], remove_unused_columns=False,
                               **common_kw)
        trainer = CPO(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tok,
                      peft_config=lora, callbacks=[StepTimer()])
        ds = trainer.train_dataset
        got = [(c, r, sum(1 for x in lab if x == -100)) for c, r, lab in
               zip(ds["chosen_input_ids"], ds["rejected_input_ids"], ds["chosen_labels"])]
        bad_mask = [k for k, lab in enumerate(ds["rejected_labels"]) if sum(1 for x in lab if x == -100) != got[k][2]]
        assert not bad_mask, f"chosen/rejected prompt lengths differ in rows {bad_mask}"
        ref = None
    # The same tokens and loss masks as train_pref.py's encode_pairs, pair by pair
    mismatched = [i for (c, r, n), i in zip(got, order)
                  if c != encoded[i][0]["input_ids"] or r != encoded[i][1]["input_ids"]
                  or n != encoded[i][0]["n_prompt"] or n != encoded[i][1]["n_prompt"]]
    assert not mismatched, f"TRL's tokens differ from train_pref.py's for pairs {mismatched}"
    assert trainer.args.gradient_checkpointing is False and trainer.args.bf16 is False
    trainer.train()
    tokens = [sum(len(encoded[i][0]["input_ids"]) + len(encoded[i][1]["input_ids"]) for i in step) for step in steps]
    logged = [r["loss"] for r in trainer.state.log_history if "loss" in r]
    loop = [b - a for a, b in zip(seen["loop"], seen["loop"][1:])]
    return {"arm": "TRL", "trainer": type(trainer).__mro__[1].__name__, "trl": trl.__version__,
            "losses": seen["losses"], "logged_losses": logged, "seconds": seen["wall"], "tokens": tokens,
            "cpu_seconds": seen["cpu"], "peak_train_mb": seen["hwm"][-1], "peak_exit_mb": maxrss_mb(),
            "ref_seconds": seen["ref_s"], "loop_seconds": loop, "threads": torch.get_num_threads(),
            "ref_logps": [list(ref[i]) for i in range(len(pairs))] if ref else None, "tokens_checked": len(got)}


def child(args):
    fn = arm_train_pref if args.arm == "train_pref" else arm_trl
    result = fn(args)
    with open(args.result, "w") as f:
        json.dump(result, f)


# ---------------------------------------------------------------------------
# Driver

def ensure_trl_venv():
    """bench/.venv-trl with TRL, made on first use (never the project's environment)."""
    python = os.path.join(TRL_VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run(["python3", "-m", "venv", TRL_VENV], check=True)
    ok = subprocess.run([python, "-c", "import trl, peft, torch, transformers; "
                         "assert (torch.__version__.split('+')[0], transformers.__version__, trl.__version__) == "
                         "('2.13.0', '5.23.0', '1.16.0')"], capture_output=True)
    if ok.returncode:
        subprocess.run([python, "-m", "pip", "install", "-q"] + TRL_PINS, check=True)
    return python


def wait_for_load(limit, max_wait):
    """Sleep-poll until the 1-minute load average is at most `limit`, for at most max_wait seconds."""
    start = time.time()
    while os.getloadavg()[0] > limit and time.time() - start < max_wait:
        time.sleep(15)
    return time.time() - start, os.getloadavg()[0]


def run_arm(python, arm, loss, args, folder, pairs):
    result = os.path.join(folder, f"{arm}-{loss}-{time.monotonic_ns()}.json")
    cmd = [python, os.path.abspath(__file__), "--arm", arm, "--loss", loss, "--pairs", pairs, "--workdir",
           tempfile.mkdtemp(dir=folder), "--result", result, "--steps", str(args.steps),
           "--batch-size", str(args.batch_size), "--max-length", str(args.max_length), "--lr", str(args.lr),
           "--threads", str(args.threads)] + (["--model", args.model] if args.model else [])
    env = dict(os.environ, TQDM_DISABLE="1", PYTHONWARNINGS="ignore", TRANSFORMERS_VERBOSITY="error",
               HF_DATASETS_DISABLE_PROGRESS_BARS="1", HF_HUB_OFFLINE="1")
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise SystemExit(f"arm {arm} {loss} failed")
    out = json.load(open(result))
    out["process_seconds"] = time.perf_counter() - t0
    out["load_start"] = load
    return out


def rates(r):
    """(pairs/s, tokens/s, tokens per CPU-second) over the steps after the first."""
    wall, cpu, tokens = sum(r["seconds"][1:]), sum(r["cpu_seconds"][1:]), sum(r["tokens"][1:])
    pairs = r["batch_size"] * (len(r["seconds"]) - 1)
    return pairs / wall, tokens / wall, tokens / cpu


def source_version(path):
    """The last commit of a file, and whether the working copy differs from it."""
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = git("log", "-1", "--format=%h", "--", path) or "uncommitted"
    return commit + (" + uncommitted changes" if git("status", "--porcelain", "--", path) else "")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="Hugging Face folder (default: the embedded SmolLM2-135M)")
    p.add_argument("--losses", default="dpo,simpo", help="comma-separated: dpo, simpo")
    p.add_argument("--steps", type=int, default=6, help="optimizer steps per arm (the first is not timed)")
    p.add_argument("--batch-size", type=int, default=4, help="pairs per step")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-6)
    p.add_argument("--rounds", type=int, default=1, help="rounds of train_pref, TRL per loss")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads in each arm (0 = torch's default)")
    p.add_argument("--load-limit", type=float, default=1.5, help="wait before a round while the load is above this")
    p.add_argument("--max-wait", type=float, default=600, help="longest wait for the load, seconds per round")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    # child mode
    p.add_argument("--arm", choices=["train_pref", "trl"], help=argparse.SUPPRESS)
    p.add_argument("--loss", choices=["dpo", "simpo"], help=argparse.SUPPRESS)
    p.add_argument("--pairs", help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.arm:
        return child(args)
    if args.steps < 2:
        p.error("--steps must be at least 2 (the first step is not timed)")

    import torch
    trl_python = ensure_trl_venv()
    trl_version = subprocess.run([trl_python, "-c", "import trl, peft; print(trl.__version__, peft.__version__)"],
                                 capture_output=True, text=True, check=True).stdout.split()
    folder = tempfile.mkdtemp(prefix="itool-trl-bench-")
    pairs, data_info = make_pairs(args, folder)
    losses = [x.strip() for x in args.losses.split(",") if x.strip()]
    results = {(loss, arm): [] for loss in losses for arm in ("train_pref", "TRL")}
    loads, waited = [], []
    start = time.perf_counter()
    for r in range(args.rounds):
        for loss in losses:
            w, load = wait_for_load(args.load_limit, args.max_wait)
            waited.append(w)
            loads.append(load)
            for arm, python in (("train_pref", sys.executable), ("TRL", trl_python)):
                out = run_arm(python, "train_pref" if arm == "train_pref" else "trl", loss, args, folder, pairs)
                out["batch_size"] = args.batch_size
                results[(loss, arm)].append(out)
                pr, tr, tc = rates(out)
                print(f"round {r + 1} {loss} {arm}: losses {[round(x, 5) for x in out['losses']]}, steps "
                      f"{', '.join(f'{s:.1f}' for s in out['seconds'])} s, {tr:.1f} tokens/s, peak "
                      f"{out['peak_train_mb']:.0f} MB (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]
    total = time.perf_counter() - start

    def mean(xs):
        return sum(xs) / len(xs)

    header = ("| loss | arm | first-step loss | pairs/s | tokens/s | tokens/CPU-s | peak RSS MB (training) "
              "| peak RSS MB (process) | ref. log-probs s |")
    table = [header, "|" + "---|" * (header.count("|") - 1)]
    summary, checks = [], []
    for loss in losses:
        row = {}
        for arm in ("train_pref", "TRL"):
            runs = results[(loss, arm)]
            rs = [rates(x) for x in runs]
            row[arm] = dict(pairs=mean([x[0] for x in rs]), tokens=mean([x[1] for x in rs]),
                            cpu=mean([x[2] for x in rs]), peak=max(x["peak_train_mb"] for x in runs),
                            exit=max(x["peak_exit_mb"] for x in runs), first=runs[0]["losses"][0],
                            ref=[x["ref_seconds"] for x in runs if x["ref_seconds"] is not None],
                            rounds=[x[1] for x in rs])
            d = row[arm]
            ref = f"{mean(d['ref']):.1f}" if d["ref"] else "-"
            name = arm if arm == "train_pref" else f"TRL {runs[0]['trainer']}"
            table.append(f"| {loss} | {name} | {d['first']:.6f} | {d['pairs']:.3f} | {d['tokens']:.1f} | "
                         f"{d['cpu']:.1f} | {d['peak']:.0f} | {d['exit']:.0f} | {ref} |")
        a, b = row["train_pref"], row["TRL"]
        rel = abs(a["first"] - b["first"]) / max(abs(b["first"]), 1e-12)
        summary.append(f"{loss}: train_pref / TRL throughput {a['tokens'] / b['tokens']:.2f}x wall "
                       f"(rounds: train_pref {', '.join(f'{x:.1f}' for x in a['rounds'])}, TRL "
                       f"{', '.join(f'{x:.1f}' for x in b['rounds'])} tokens/s), {a['cpu'] / b['cpu']:.2f}x per "
                       f"CPU-second; peak memory {a['peak'] / b['peak']:.2f}x (training), "
                       f"{a['exit'] / b['exit']:.2f}x (whole process)")
        tp, tt = results[(loss, "train_pref")][0], results[(loss, "TRL")][0]
        n = min(len(tp["losses"]), len(tt["losses"]))
        worst = max(abs(x - y) / max(abs(y), 1e-12) for x, y in zip(tp["losses"][:n], tt["losses"][:n]))
        check = (f"{loss}: first-step loss {a['first']:.6f} vs {b['first']:.6f} (relative difference {rel:.1e}, "
                 f"{'agree' if rel <= 1e-4 else 'DISAGREE'}); all {n} step losses within {worst:.1e} relative; "
                 f"tokens and loss masks of all {tt['tokens_checked']} pairs identical")
        if loss == "dpo":
            check += " (at step 1 the policy is the reference, so any correct DPO gives ln 2: the later steps and the"\
                     " reference log-probs are the real check)"
        if tp["ref_logps"] and tt["ref_logps"]:
            diff = max(abs(x - y) for u, v in zip(tp["ref_logps"], tt["ref_logps"]) for x, y in zip(u, v))
            check += f"; reference log-probs max |difference| {diff:.1e} over {len(tp['ref_logps'])} pairs"
        checks.append(check)
    goal = []
    for loss in losses:
        a = [rates(x)[1] for x in results[(loss, "train_pref")]]
        b = [rates(x)[1] for x in results[(loss, "TRL")]]
        ratio = mean(a) / mean(b)
        mem = max(x["peak_train_mb"] for x in results[(loss, "train_pref")]) / \
            max(x["peak_train_mb"] for x in results[(loss, "TRL")])
        goal.append(f"{loss} {'met' if ratio >= 1.3 and mem <= 1.0 else 'NOT met'} ({ratio:.2f}x, memory {mem:.2f}x)")
    tp = results[(losses[0], "train_pref")][0]
    lines = [
        f"data: {data_info}; {args.steps} steps of {args.batch_size} pairs per arm (train_pref.py's length-grouped "
        f"plan, the same batches in both), the first step not timed; {args.rounds} round(s) per loss, arms "
        f"alternating train_pref, TRL",
        f"settings: LoRA rank 8 / alpha 16 on q,k,v,o,gate,up,down (train_pref.py's own; TRL via peft "
        f"{trl_version[1]}), fp32, no gradient checkpointing, AdamW lr {args.lr:g} cosine with warm-up, clip 1.0; "
        f"DPO beta 0.1 with precomputed reference log-probs; SimPO beta 2.5, gamma 0.5, cpo_alpha 0",
        *summary,
        *checks,
        f"goal (>= 1.3x TRL's throughput at no more memory): {'; '.join(goal)}",
        f"load average (1 min) at the start of each arm: "
        f"{', '.join(f'{loss} {arm} {x:.2f}' for (loss, arm), runs in results.items() for x in [r['load_start'] for r in runs])}; "
        f"after: {load_after:.2f}; waited {sum(waited):.0f} s for the load (limit {args.load_limit}, at most "
        f"{args.max_wait:.0f} s per round); bench wall time {total / 60:.1f} min",
    ]
    print("\n".join(table))
    print("\n".join(lines))
    import datetime
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({tp['threads']} threads "
               f"per arm), device cpu; TRL {trl_version[0]}, transformers 5.23.0")
    command = ". .venv/bin/activate && python bench/train_pref_vs_trl.py " + " ".join(sys.argv[1:])
    section = (f"{HEADING} ({datetime.date.today()})\n\n"
               f"Command: `{command.strip()}`  \nMachine: {machine}  \n"
               f"Model: {args.model or common.DEFAULT_MODEL_NAME}; train_pref.py at {source_version('train_pref.py')}, "
               f"common.py at {source_version('common.py')}  \n"
               f"train_pref arm: `{tp['command'].replace(folder, '$TMP')}`\n\n"
               + "\n".join(table) + "\n\n" + "".join(f"- {line}\n" for line in lines))
    write_section(args.results, HEADING, section)
    print(f"wrote the section to {args.results}", file=sys.stderr)
    import shutil
    shutil.rmtree(folder, ignore_errors=True)  # pairs, metrics and the saved models of both arms


if __name__ == "__main__":
    common.run_main(main)
