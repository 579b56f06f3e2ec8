"""train_pref.py: the losses against values worked out by hand, gradients reaching only
the policy, learning on a few pairs, DDP against gradient accumulation, kill-and-resume,
bad input, metrics, --replay."""
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import training
import tiny
import train_pref

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")


def t(*values):
    return torch.tensor(values, dtype=torch.float64)


# --------------------------------------------------------------------------- losses by hand
# h = (pc - rc) - (pr - rr).  With pc=-1, pr=-2, rc=rr=-1.5: h = 0.5 + 0.5 = 1.
# beta = 0.5: beta*h = 0.5, -logsigmoid(0.5) = log(1 + e^-0.5) = 0.4740769841801067,
#             -logsigmoid(-0.5) = log(1 + e^0.5) = 0.9740769841801067.

def test_dpo_loss_by_hand():
    loss = train_pref.dpo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=0.5)
    assert loss.item() == pytest.approx(0.4740769841801067, abs=1e-12)
    # conservative DPO, e = 0.5: the mean of both directions
    loss = train_pref.dpo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=0.5, label_smoothing=0.5)
    assert loss.item() == pytest.approx(0.5 * 0.4740769841801067 + 0.5 * 0.9740769841801067, abs=1e-12)
    # beta * h = 0: log 2 whatever the smoothing; the policy matching the reference too
    for e in (0.0, 0.1, 0.5):
        assert train_pref.dpo_loss(t(-3.0), t(-1.0), t(-3.0), t(-1.0), 0.1, e).item() == pytest.approx(math.log(2))
    assert train_pref.dpo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=0.0).item() == pytest.approx(math.log(2))
    # per-example, not reduced
    assert train_pref.dpo_loss(t(-1.0, -3.0), t(-2.0, -1.0), t(-1.5, -3.0), t(-1.5, -1.0), 0.5).shape == (2,)


def test_ipo_loss_by_hand():
    assert train_pref.ipo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=0.5).item() == pytest.approx(0.0)  # h = 1 = 1/(2*0.5)
    assert train_pref.ipo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=0.25).item() == pytest.approx(1.0)  # (1 - 2)^2
    assert train_pref.ipo_loss(t(-2.0), t(-2.0), t(-2.0), t(-2.0), beta=1.0).item() == pytest.approx(0.25)  # (0 - 0.5)^2


def test_simpo_loss_by_hand():
    # 2.5 * (-0.5 - -1.0) - 0.5 = 0.75; -logsigmoid(0.75) = log(1 + e^-0.75)
    assert train_pref.simpo_loss(t(-0.5), t(-1.0), 2.5, 0.5).item() == pytest.approx(math.log(1 + math.exp(-0.75)))
    # equal averages: only the margin gamma remains, -logsigmoid(-0.5)
    assert train_pref.simpo_loss(t(-0.7), t(-0.7), 2.5, 0.5).item() == pytest.approx(0.9740769841801067)
    assert train_pref.simpo_loss(t(-0.7), t(-0.7), 2.5, 0.0).item() == pytest.approx(math.log(2))


def test_empty_response_does_not_divide_by_zero():
    args = train_pref.parse_args(["--pairs", "x", "--out", "y"])
    sums, counts = t(0.0, -2.0), torch.tensor([0, 4])  # chosen empty, rejected 4 tokens
    losses, rc, rr, pc, pr = train_pref.preference_loss(args, sums, counts, None)
    assert torch.isfinite(losses).all() and pc.item() == 0.0 and pr.item() == -0.5


# --------------------------------------------------------------------------- a tiny model

def make_pairs(n=8, seed=0):
    """Pairs on the tiny tasks: the same prefix, the right city against a wrong one."""
    pairs = []
    for i, task in enumerate(tiny.make_tiny_tasks(n, seed)):
        city = task["answer"][0].get("get_weather", {}).get("city", ["Paris"])[0]
        wrong = tiny.CITIES[(tiny.CITIES.index(city) + 3) % len(tiny.CITIES)]
        pairs.append({"id": f"p{i}", "messages": task["messages"], "tools": task["tools"],
                      "prefix": "[get_weather(city=", "chosen": f'"{city}")]', "rejected": f'"{wrong}", unit="kelvin")]',
                      "chosen_value": 0.8, "rejected_value": -0.6})
    return pairs


def write_pairs(path, pairs):
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs))
    return str(path)


def run(args, nproc=1, env=None, wait=True):
    launcher = [sys.executable] if nproc == 1 else [sys.executable, "-m", "torch.distributed.run",
                                                    "--standalone", "--nproc_per_node", str(nproc)]
    cmd = launcher + [str(ROOT / "train_pref.py")] + [str(a) for a in args]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(ENV, **(env or {})))
    return subprocess.run(cmd, capture_output=True, text=True, env=dict(ENV, **(env or {})), timeout=180)


def weights(folder):
    from safetensors.torch import load_file
    return load_file(os.path.join(folder, "model.safetensors"))


def assert_same_weights(a, b, atol):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.allclose(wa[k], wb[k], rtol=0, atol=atol), (k, (wa[k] - wb[k]).abs().max().item())


def metrics(folder):
    return [json.loads(line) for line in (Path(folder) / "metrics.jsonl").read_text().splitlines()]


def test_gradients_reach_only_the_policy(tiny_model_dir):
    """Reference log-probs are constants and, under LoRA, only the adapters get gradients."""
    model, tok = training.load_model(tiny_model_dir, torch.device("cpu"), torch.float32)
    encoded = train_pref.encode_pairs(tok, make_pairs(4), 2048)
    args = train_pref.parse_args(["--pairs", "x", "--out", "y", "--loss", "dpo"])
    ref = train_pref.reference_logps(model, encoded, [0, 1, 2, 3], args, tok.pad_token_id, torch.device("cpu"))
    assert not ref.requires_grad
    training.add_lora(model, 4, 8)
    with torch.no_grad():  # non-zero B so that the loss depends on both LoRA factors
        for m in model.modules():
            if isinstance(m, training.LoRALinear):
                m.lora_B.normal_(0, 0.1)
    sums, counts = train_pref.PairLogps(model)(*train_pref.pack_pairs(encoded, [0, 1, 2, 3], tok.pad_token_id))
    losses, *_ = train_pref.preference_loss(args, sums, counts, ref)
    losses.mean().backward()
    for name, p in model.named_parameters():
        if "lora_" in name:
            assert p.grad is not None and p.grad.abs().sum() > 0, name
        else:
            assert p.grad is None and not p.requires_grad, name


def test_packed_pairs_score_each_side_as_alone(tiny_model_dir):
    """One row per pair (prompt once, then chosen, then rejected), and one row per side, give the
    log-probs of the two sides scored as separate sequences, also where a side merges a token
    with the prompt."""
    model, tok = training.load_model(tiny_model_dir, torch.device("cpu"), torch.float32)
    pairs = make_pairs(5)
    pairs[1]["prefix"], pairs[1]["chosen"] = "[get_weather(city=", '"Oslo")]'  # a different city
    pairs[2]["prefix"], pairs[2]["rejected"] = "[get_weather", "(city=\"Lima\")]"
    pairs[3]["chosen"] = ""  # an empty side scores 0 over 0 tokens
    encoded = train_pref.encode_pairs(tok, pairs, 2048)
    sums, counts = train_pref.PairLogps(model)(*train_pref.pack_pairs(encoded, range(5), tok.pad_token_id))
    sides = [encoded[i][0] for i in range(5)] + [encoded[i][1] for i in range(5)]
    alone, n_alone = training.response_logps(model, *training.pad_batch(sides, tok.pad_token_id))
    assert counts.tolist() == n_alone.tolist() and counts[3] == 0
    assert torch.allclose(sums, alone, atol=1e-5)
    # --layout rows: each side a row of its own, the same figures
    rows, n_rows = train_pref.PairLogps(model)(*train_pref.separate_pairs(encoded, list(range(5)), tok.pad_token_id))
    assert n_rows.tolist() == n_alone.tolist()
    assert torch.allclose(rows, alone, atol=1e-5)


@pytest.mark.parametrize("loss", ["simpo", "dpo", "ipo"])
def test_training_raises_reward_accuracy(tmp_path, tiny_model_dir, loss):
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(8))
    out = tmp_path / loss
    proc = run(["--model", tiny_model_dir, "--pairs", pairs, "--out", out, "--loss", loss, "--lr", "3e-3",
                "--epochs", "6", "--batch-size", "4", "--lora-rank", "4"])
    assert proc.returncode == 0, proc.stderr
    rows = metrics(out)
    assert len(rows) == 12 and {"loss", "lr", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
                                "rewards/margins", "logps/chosen", "logps/rejected", "tokens_per_s"} <= rows[0].keys()
    first, last = rows[0], rows[-1]
    assert last["rewards/margins"] > first["rewards/margins"]
    assert last["rewards/accuracies"] > first["rewards/accuracies"] or last["rewards/accuracies"] == 1.0
    assert last["loss"] < first["loss"]
    assert {"config.json", "model.safetensors"} <= set(os.listdir(out)) and not (out / "checkpoint").exists()
    assert not any("lora" in k for k in weights(out))  # merged: a plain Hugging Face folder


def test_ddp_matches_gradient_accumulation(tmp_path, tiny_model_dir):
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(12))
    common_args = ["--model", tiny_model_dir, "--pairs", pairs, "--loss", "dpo", "--lr", "1e-3", "--batch-size", "2",
                   "--epochs", "1"]
    one = run(common_args + ["--out", tmp_path / "one", "--grad-accum", "2"])
    assert one.returncode == 0, one.stderr
    two = run(common_args + ["--out", tmp_path / "two", "--grad-accum", "1"], nproc=2)
    assert two.returncode == 0, two.stderr
    assert_same_weights(tmp_path / "one", tmp_path / "two", atol=2e-6)
    a, b = metrics(tmp_path / "one"), metrics(tmp_path / "two")
    assert [r["loss"] for r in a] == pytest.approx([r["loss"] for r in b], rel=1e-5)


def test_kill_and_resume_ends_with_same_weights(tmp_path, tiny_model_dir):
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(16))
    base = ["--model", tiny_model_dir, "--pairs", pairs, "--loss", "dpo", "--lr", "1e-3", "--batch-size", "2",
            "--epochs", "2", "--save-every", "1"]
    full = run(base + ["--out", tmp_path / "full"])
    assert full.returncode == 0, full.stderr
    out = tmp_path / "killed"
    proc = run(base + ["--out", out], wait=False)
    killed_at = tiny.kill_after_checkpoint(proc, out, 4, timeout=120)
    assert proc.returncode == -signal.SIGKILL and not (out / "config.json").exists(), "run ended before the kill"
    resumed = run(base + ["--out", out])
    assert resumed.returncode == 0, resumed.stderr
    assert f"at step {killed_at} of 16" in resumed.stdout
    assert_same_weights(tmp_path / "full", out, atol=0)
    assert [r["step"] for r in metrics(out)] == list(range(1, 17))  # redone steps are not logged twice


def test_long_pairs_dropped_and_counted(tmp_path, tiny_model_dir):
    pairs = make_pairs(6)
    pairs[2]["chosen"] = pairs[2]["chosen"] + " padding" * 400
    path = write_pairs(tmp_path / "pairs.jsonl", pairs)
    proc = run(["--model", tiny_model_dir, "--pairs", path, "--out", tmp_path / "o", "--max-length", "700",
                "--max-steps", "1"])
    assert proc.returncode == 0, proc.stderr
    assert "6 pairs; 1 dropped as longer than --max-length 700" in proc.stdout


@pytest.mark.parametrize("line,message", [
    ('{"id": "x", "messages": [{"role": "user", "content": "hi"}], "tools": []}', "no `tools`"),
    ('{"id": "x", "messages": [{"role": "user", "content": "hi"}], "tools": ' + json.dumps(tiny.TOOLS)
     + ', "prefix": "", "chosen": "[f()]"}', "no string `rejected`"),
    ("{not json", "invalid JSON"),
])
def test_bad_pairs_exit_2(tmp_path, tiny_model_dir, line, message):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(make_pairs(1)[0]) + "\n" + line + "\n")
    proc = run(["--model", tiny_model_dir, "--pairs", path, "--out", tmp_path / "o"])
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert f"{path}:2: " in proc.stderr and message in proc.stderr
    assert not (tmp_path / "o" / "config.json").exists()


def test_fsdp2_shard_resumes_and_matches_one_process(tmp_path, tiny_model_dir):
    """--shard on 2 CPU processes (gloo), killed after a checkpoint and resumed, ends with the
    weights of one unsharded process with twice the gradient accumulation."""
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(16))
    base = ["--model", tiny_model_dir, "--pairs", pairs, "--loss", "simpo", "--lr", "1e-3", "--batch-size", "2",
            "--epochs", "2", "--save-every", "1"]
    one = run(base + ["--out", tmp_path / "one", "--grad-accum", "2"])
    assert one.returncode == 0, one.stderr
    out = tmp_path / "shard"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(ROOT / "train_pref.py")]
    proc = subprocess.Popen(cmd + [str(a) for a in base + ["--out", out, "--shard"]], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tiny.kill_after_checkpoint(proc, out, 2, timeout=120)  # the launcher and both ranks
    assert not (out / "config.json").exists(), "run ended before the kill"
    resumed = run(base + ["--out", out, "--shard"], nproc=2)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout
    assert_same_weights(tmp_path / "one", out, atol=1e-6)


# --------------------------------------------------------------------------- --replay

def test_plan_replay_cycles_through_every_example_that_fits():
    args = train_pref.parse_args(["--pairs", "x", "--out", "y", "--batch-size", "3", "--seed", "1"])
    steps = [[[0, 1, 2], [3, 4, 5]], [[6, 7]], [[8, 9, 10]]]  # 11 pairs in micro-batches
    lengths = [5, 0, 7, 9, 4]  # example 1 did not fit
    plan = train_pref.plan_replay(steps, lengths, args)
    assert [[len(b) for b in step] for step in plan] == [[3, 3], [2], [3]]
    stream = [i for step in plan for b in step for i in b]
    # every example that fits once per pass, in a seeded order, before any comes again
    assert sorted(stream[:4]) == sorted(stream[4:8]) == [0, 2, 3, 4] and len(set(stream[8:])) == 3
    assert plan == train_pref.plan_replay(steps, lengths, args)
    assert plan != train_pref.plan_replay(steps, lengths, train_pref.parse_args(
        ["--pairs", "x", "--out", "y", "--batch-size", "3", "--seed", "2"]))


def test_replay_keeps_sft_resumes_and_splits_over_ranks(tmp_path, tiny_model_dir):
    """--replay trains the replayed examples' NLL beside the pairs, more with a larger weight, while the
    pairs are still learned; a paused run goes on to the same weights; two processes (DDP, and FSDP2
    with the model called twice in a forward) match one with twice the accumulation, a rank left with
    only a dummy micro-batch in each epoch's last step."""
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(6))  # 3 micro-batches an epoch
    tasks = tiny.make_tiny_tasks(10, seed=7)  # 12 replayed: the second pass begins
    replay = tiny.write_tasks(tmp_path / "replay.jsonl", tasks)
    base = ["--model", tiny_model_dir, "--pairs", pairs, "--lr", "2e-3", "--lora-rank", "0", "--batch-size", "2",
            "--epochs", "2"]
    one = ["--grad-accum", "2", "--replay", replay]
    for name, extra, nproc in [("alone", ["--grad-accum", "2"], 1), ("one", one, 1),
                               ("heavy", one + ["--replay-weight", "4"], 1), ("two", ["--replay", replay], 2),
                               ("shard", ["--replay", replay, "--shard"], 2)]:
        proc = run(base + extra + ["--out", tmp_path / name], nproc=nproc)
        assert proc.returncode == 0, proc.stderr
    paused = base + one + ["--out", tmp_path / "paused"]
    for extra in (["--pause-at", "2"], []):
        proc = run(paused + extra)
        assert proc.returncode == 0, proc.stderr
    assert "resuming" in proc.stdout
    assert_same_weights(tmp_path / "one", tmp_path / "paused", atol=0)
    assert_same_weights(tmp_path / "one", tmp_path / "two", atol=2e-6)
    assert_same_weights(tmp_path / "one", tmp_path / "shard", atol=1e-6)
    rows = metrics(tmp_path / "one")
    assert len(rows) == 4 and all(r["replay/nll"] > 0 for r in rows) and "replay/nll" not in metrics(tmp_path / "alone")[0]
    assert [r["replay/nll"] for r in rows] == pytest.approx([r["replay/nll"] for r in metrics(tmp_path / "two")], rel=1e-5)
    assert rows[-1]["rewards/margins"] > rows[0]["rewards/margins"]  # the pairs are learned beside the replay
    record = json.loads((tmp_path / "one" / "run.json").read_text())
    assert record["replayed_examples"] == 12 and record["config"]["replay_weight"] == 1.0
    nll = {}
    for name in ("alone", "one", "heavy"):
        model, tok = training.load_model(str(tmp_path / name), torch.device("cpu"), torch.float32)
        nll[name] = sum(math.log(p) for p in training.perplexity(model, tok, tasks))
    # ignoring the weight would give "heavy" the weights of "one" (Adam and clipping keep the gap small)
    assert nll["heavy"] < nll["one"] - 0.2 and nll["one"] < nll["alone"] - 1.0, nll


def test_bad_replay_exits_2(tmp_path, tiny_model_dir):
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(2))
    task = tiny.make_tiny_tasks(1)[0]
    path = tmp_path / "replay.jsonl"
    path.write_text(json.dumps(task) + "\n" + json.dumps(dict(task, id="t2", response="")) + "\n")
    proc = run(["--model", tiny_model_dir, "--pairs", pairs, "--out", tmp_path / "o", "--replay", path])
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert f"{path}:2: " in proc.stderr and "no gold `response`" in proc.stderr
    assert not (tmp_path / "o" / "config.json").exists()


@pytest.mark.parametrize("flags,message", [(["--replay-weight", "2"], "--replay-weight needs --replay"),
                                           (["--replay", "r", "--replay-weight", "nan"], "must be positive")])
def test_bad_replay_flags(flags, message, capsys):
    with pytest.raises(SystemExit) as e:
        train_pref.parse_args(["--pairs", "x", "--out", "y"] + flags)
    assert e.value.code == 2 and message in capsys.readouterr().err
