"""warmup.py and the shared training machinery, on a tiny model: the loss mask and the
prompt/response boundary, the curriculum order, LoRA merging, kill-and-resume, DDP
against gradient accumulation, bad input and a NaN loss, metrics.jsonl."""
import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import common
import training
import tiny
import warmup

ROOT = Path(__file__).resolve().parents[1]

ENV = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
TRAIN = ["--batch-size", "2", "--epochs", "2", "--lr", "1e-3", "--save-every", "1"]


@pytest.fixture(scope="module")
def fixture(tmp_path_factory, tiny_model_dir):
    """(folder for runs, tiny model folder, 24 training tasks of varied length)."""
    root = tmp_path_factory.mktemp("warmup")
    return root, str(tiny_model_dir), tiny.write_tasks(root / "train.jsonl", tiny.make_tiny_tasks(24))


def run(args, env=None, nproc=1):
    launcher = [sys.executable] if nproc == 1 else [sys.executable, "-m", "torch.distributed.run",
                                                    "--nproc_per_node", str(nproc)]
    return subprocess.run(launcher + [str(ROOT / "warmup.py")] + [str(a) for a in args],
                          capture_output=True, text=True, env=dict(ENV, **(env or {})), timeout=120)


def weights(folder):
    from safetensors.torch import load_file
    return load_file(os.path.join(folder, "model.safetensors"))


def assert_same_weights(a, b, atol=0.0):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.allclose(wa[k], wb[k], rtol=0, atol=atol), (k, (wa[k] - wb[k]).abs().max().item())


@pytest.fixture(scope="module")
def baseline(fixture):
    """One uninterrupted run, shared by the tests that read its outputs."""
    root, model, data = fixture
    out = root / "baseline"
    proc = run(["--model", model, "--data", data, "--out", out] + TRAIN)
    assert proc.returncode == 0, proc.stderr
    return out


def test_loss_mask_covers_response_and_end_of_turn(fixture):
    _, model, _ = fixture
    tok = training.load_tokenizer(model)
    tasks = tiny.make_tiny_tasks(3)
    encoded = [training.encode_example(tok, t, t["response"]) for t in tasks]
    ids, attention, mask = training.pad_batch(encoded, tok.pad_token_id)
    assert tok.pad_token_id == tok.eos_token_id  # so masks must come from lengths
    for i, (t, e) in enumerate(zip(tasks, encoded)):
        n = len(e["input_ids"])
        assert attention[i].sum() == n and attention[i, :n].all()
        assert tok.decode(ids[i][mask[i]]) == t["response"] + "<|im_end|>"
        assert tok.decode(ids[i, :e["n_prompt"]]) == common.render_prompt(tok, t)
        assert not mask[i, n:].any()
    assert training.encode_example(tok, tasks[0], tasks[0]["response"], max_length=10) is None


def test_boundary_assertion_fires_when_response_merges_with_prompt(fixture, tmp_path):
    broken = tiny.make_tiny_tokenizer(common.CHATML_TEMPLATE.replace("assistant\n", "assistant "))
    task = dict(tiny.make_tiny_tasks(1)[0], response="the answer")
    assert len(broken(" the", add_special_tokens=False)["input_ids"]) == 1  # " " + "the" merge into one token
    with pytest.raises(training.BoundaryError, match="do not start with the tokens of the prompt"):
        training.encode_example(broken, task, task["response"])
    data = tmp_path / "t.jsonl"
    data.write_text("\n" + json.dumps(task) + "\n")  # the blank line still counts
    with pytest.raises(common.InputError, match=r"t\.jsonl:2: task 'tiny-0': the tokens of prompt\+response"):
        training.encode_tasks(broken, common.read_tasks(data, need_response=True), data, 1024)


def test_buckets_easy_to_hard_and_cumulative():
    ppl = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0]
    buckets = warmup.make_buckets(ppl, range(7), 3)
    assert buckets == [[1, 5], [3, 0], [4, 6, 2]]
    assert warmup.curriculum_stages(buckets, cumulative=False) == buckets
    assert warmup.curriculum_stages(buckets, cumulative=True) == [[1, 5], [1, 5, 3, 0], [1, 5, 3, 0, 4, 6, 2]]
    tasks = [{"id": i} for i in range(7)]
    info = warmup.describe(buckets, warmup.curriculum_stages(buckets, True), ppl, tasks, True, [(0,), (1,), (2,)])
    assert [o["buckets"] for o in info["order"]] == [[1], [1, 2], [1, 2, 3]]
    assert [b["perplexity"] for b in info["buckets"]] == [[1.0, 2.0], [3.0, 5.0], [7.0, 9.0]]


def test_buckets_within_category():
    # ranked over the whole set, the easy bucket holds a alone and the hard one every b
    ppl = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 4.0, 5.0, 40.0]
    cats = ["a", "a", "a", "b", "b", "b", "a", "a", "b"]
    assert warmup.make_buckets(ppl, range(9), 2) == [[0, 1, 2, 6], [7, 3, 4, 5, 8]]
    buckets = warmup.make_buckets(ppl, range(9), 2, cats)
    assert buckets == [[0, 1, 3, 4], [2, 6, 7, 5, 8]]  # each bucket: a's and b's own halves, easy first
    assert [sorted(cats[i] for i in b) for b in buckets] == [["a", "a", "b", "b"], ["a", "a", "a", "b", "b"]]
    # only the indices given (those within --max-length) are bucketed
    assert warmup.make_buckets(ppl, [0, 2, 3, 5, 7], 2, cats) == [[0, 3], [2, 7, 5]]


def test_within_category_run_and_errors(fixture, tmp_path):
    root, model, data = fixture
    out = tmp_path / "within"
    proc = run(["--model", model, "--data", data, "--out", out, "--within-category", "--max-steps", "1"] + TRAIN)
    assert proc.returncode == 0, proc.stderr
    cats = {t["id"]: t["category"] for t in common.read_tasks(data)}
    cur = json.loads((out / "curriculum.json").read_text())
    per_bucket = [sorted(cats[i] for i in b["ids"]) for b in cur["buckets"]]
    share = {c: sum(v == c for v in cats.values()) for c in set(cats.values())}
    assert share == {"parallel": 4, "simple": 20}
    # every bucket a third of each category (4 -> 1, 1, 2; 20 -> 6, 7, 7), where ranking the whole set
    # would put them by perplexity alone
    assert [{c: got.count(c) for c in share} for got in per_bucket] == [
        {"parallel": 1, "simple": 6}, {"parallel": 1, "simple": 7}, {"parallel": 2, "simple": 7}]
    assert "(parallel 1, simple 6)" in proc.stdout and "(parallel 2, simple 7)" in proc.stdout  # printed per stage
    proc = run(["--model", model, "--data", data, "--out", tmp_path / "one", "--within-category", "--buckets", "1"])
    assert proc.returncode == 2 and "needs --buckets 2 or more" in proc.stderr
    one = tmp_path / "one.jsonl"
    tiny.write_tasks(one, [dict(t, category=c) for t, c in zip(tiny.make_tiny_tasks(4), ["simple", "parallel", "multiple",
                                                                                         "irrelevance"])])
    proc = run(["--model", model, "--data", one, "--out", tmp_path / "few", "--within-category", "--buckets", "2"])
    assert proc.returncode == 2 and "no category has 2 examples" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "few" / "scored.jsonl").exists()  # refused before the perplexity pass
    # a category smaller than --buckets: said, and only in the last buckets
    few = tmp_path / "few.jsonl"
    tiny.write_tasks(few, [dict(t, category="irrelevance" if i == 0 else "simple")
                           for i, t in enumerate(tiny.make_tiny_tasks(6))])
    proc = run(["--model", model, "--data", few, "--out", tmp_path / "few-run", "--within-category", "--max-steps", "1"]
               + TRAIN)
    assert proc.returncode == 0, proc.stderr
    assert "warning: category irrelevance has 1 examples, fewer than --buckets 3: it is in the last 1 bucket(s)" in proc.stdout
    cur = json.loads((tmp_path / "few-run" / "curriculum.json").read_text())
    assert "tiny-0" in cur["buckets"][2]["ids"] and [len(b["ids"]) for b in cur["buckets"]] == [1, 2, 3]
    # the flag is a setting of the run: an --out made without it is neither resumed nor taken as finished
    proc = run(["--model", model, "--data", data, "--out", out, "--max-steps", "1"] + TRAIN)
    assert proc.returncode == 2 and "other settings (within_category)" in proc.stderr


def test_run_trains_buckets_in_order(baseline):
    cur = json.loads((baseline / "curriculum.json").read_text())
    scored = {r["id"]: r["perplexity"] for r in map(json.loads, (baseline / "scored.jsonl").read_text().splitlines())}
    assert json.loads((baseline / "run.json").read_text())["completed"] and len(scored) == 24
    assert [len(b["ids"]) for b in cur["buckets"]] == [8, 8, 8]
    ranked = [[scored[i] for i in b["ids"]] for b in cur["buckets"]]
    assert all(r == sorted(r) for r in ranked)
    assert max(ranked[0]) <= min(ranked[1]) and max(ranked[1]) <= min(ranked[2])
    assert [o["buckets"] for o in cur["order"]] == [[1], [2], [3]]
    rows = [json.loads(x) for x in (baseline / "metrics.jsonl").read_text().splitlines()]
    assert [r["stage"] for r in rows] == [1] * 8 + [2] * 8 + [3] * 8  # 8 examples / batch 2 x 2 epochs
    assert not (baseline / "checkpoint").exists()


def test_metrics_per_step(baseline):
    rows = [json.loads(x) for x in (baseline / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 25))
    for r in rows:
        assert {"loss", "lr", "tokens_per_s", "pad_fraction"} <= r.keys()
        assert r["loss"] > 0 and r["tokens_per_s"] > 0 and 0 <= r["pad_fraction"] < 1
    # each stage its own schedule (--schedule stage): 8 steps, 1 of warm-up, so every stage's
    # first step runs at half the peak and its second at the peak
    lrs = [r["lr"] for r in rows]
    assert lrs[0] == lrs[8] == lrs[16] == pytest.approx(1e-3 / 2)
    assert lrs[1] == lrs[9] == lrs[17] == pytest.approx(1e-3) and max(lrs) == pytest.approx(1e-3)
    assert rows[-1]["loss"] < rows[0]["loss"]


def test_schedule_per_stage_against_single():
    def lrs(phases):
        args = argparse.Namespace(lr=1.0, weight_decay=0.0, warmup_ratio=0.1)
        _, optimizer, scheduler = training.make_optimizer(torch.nn.Linear(2, 2), args, 24, torch.device("cpu"), phases)
        out = []
        for _ in range(24):
            out.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        return out
    single, stage = lrs(None), lrs([8, 8, 8])
    assert single[0] == pytest.approx(1 / 4) and single[3] == pytest.approx(1.0)  # 3 warm-up steps of 24
    assert sum(single[16:]) / 8 < 0.15  # the hard bucket near the end of one cosine
    assert stage[:8] == stage[8:16] == stage[16:] and stage[0] == pytest.approx(0.5) and stage[1] == 1.0
    assert sum(stage[16:]) / 8 > 0.5
    assert stage[7] > 0 and stage[8] > stage[7]  # the next stage starts again


def test_response_logps_matches_full_logits(fixture):
    _, model_dir, _ = fixture
    model, tok = training.load_model(model_dir, torch.device("cpu"), torch.float32)
    encoded = [training.encode_example(tok, t, t["response"]) for t in tiny.make_tiny_tasks(4)]
    ids, attention, mask = training.pad_batch(encoded, tok.pad_token_id)
    sums, counts = training.response_logps(model, ids, attention, mask)
    logp = torch.log_softmax(model(input_ids=ids, attention_mask=attention).logits[:, :-1], -1)
    full = (logp.gather(-1, ids[:, 1:, None]).squeeze(-1) * mask[:, 1:]).sum(1)
    assert torch.allclose(sums, full, atol=1e-4)
    assert counts.tolist() == [len(e["input_ids"]) - e["n_prompt"] for e in encoded]


def test_lora_wrapped_equals_merged_and_reloaded(fixture, tmp_path):
    from transformers import AutoModelForCausalLM
    _, model_dir, _ = fixture
    model, tok = training.load_model(model_dir, torch.device("cpu"), torch.float32)
    training.add_lora(model, rank=4, alpha=8)
    wrapped = [n for n, m in model.named_modules() if isinstance(m, training.LoRALinear)]
    assert len(wrapped) == 2 * 7  # q k v o gate up down, per layer; never lm_head
    assert all(n.endswith("lora_A") or n.endswith("lora_B") for n, p in model.named_parameters() if p.requires_grad)
    torch.manual_seed(1)
    for m in model.modules():
        if isinstance(m, training.LoRALinear):
            torch.nn.init.normal_(m.lora_B, std=0.05)  # B = 0 would make the test vacuous
    ids = torch.tensor([tok("<|im_start|>user\nWhat is the weather in Paris?", add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        before = model(input_ids=ids).logits
        plain = AutoModelForCausalLM.from_pretrained(model_dir)(input_ids=ids).logits
        assert not torch.allclose(before, plain, atol=1e-3)
        training.merge_lora(model)
        assert not any(isinstance(m, training.LoRALinear) for m in model.modules())
        assert torch.allclose(model(input_ids=ids).logits, before, atol=1e-5)
        training.save_model(str(tmp_path), model, tok)
        assert not any("lora" in k for k in weights(tmp_path))
        reloaded = AutoModelForCausalLM.from_pretrained(tmp_path, use_safetensors=True)
        assert torch.allclose(reloaded(input_ids=ids).logits, before, atol=1e-5)


def test_killed_run_resumes_to_same_weights(fixture, baseline):
    root, model, data = fixture
    out = root / "killed"
    cmd = [sys.executable, str(ROOT / "warmup.py"), "--model", model, "--data", data, "--out", str(out)] + TRAIN
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = tiny.kill_after_checkpoint(proc, out, 5, timeout=60)
    assert proc.returncode == -signal.SIGKILL and not (out / "config.json").exists(), "run ended before the kill"
    assert 5 <= killed_at < 24
    resumed = run(["--model", model, "--data", data, "--out", out] + TRAIN)
    assert resumed.returncode == 0, resumed.stderr
    assert f"at step {killed_at} of 24" in resumed.stdout
    assert_same_weights(out, baseline)
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 25))  # steps redone after the checkpoint are not doubled


def test_ddp_two_processes_equals_double_grad_accum(fixture):
    root, model, data = fixture
    # Batch 3 over 8-example buckets leaves one rank without a micro-batch in each bucket's last step.
    args = ["--model", model, "--data", data, "--batch-size", "3", "--lr", "1e-3", "--save-every", "100"]
    ddp = run(args + ["--out", root / "ddp", "--grad-accum", "1"], nproc=2)
    assert ddp.returncode == 0, ddp.stderr
    single = run(args + ["--out", root / "single", "--grad-accum", "2"])
    assert single.returncode == 0, single.stderr
    assert_same_weights(root / "ddp", root / "single", atol=1e-5)
    rows = [[json.loads(x) for x in (root / d / "metrics.jsonl").read_text().splitlines()] for d in ("ddp", "single")]
    assert len(rows[0]) == 6
    # Adam and clipping hide a wrong gradient scale from the weights; the logged norms do not.
    for key in ("loss", "grad_norm", "tokens"):
        assert [r[key] for r in rows[0]] == pytest.approx([r[key] for r in rows[1]], rel=1e-5), key


def test_bad_jsonl_line_exits_2_with_file_line(fixture, tmp_path):
    _, model, data = fixture
    bad = tmp_path / "bad.jsonl"
    lines = Path(data).read_text().splitlines()
    bad.write_text("\n".join(lines[:3] + ['{"id": "x", "tools": [}'] + lines[3:]) + "\n")
    proc = run(["--model", model, "--data", bad, "--out", tmp_path / "out"])
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert f"{bad}:4: invalid JSON" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_nan_loss_stops_and_keeps_last_checkpoint(fixture, tmp_path):
    _, model, data = fixture
    out = tmp_path / "out"
    proc = run(["--model", model, "--data", data, "--out", out] + TRAIN, env={common.FAULTS["nan_step"]: "3"})
    assert proc.returncode == 1
    assert "loss is nan at step 3" in proc.stderr and "checkpoint of step 2 is kept" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2
    assert all(torch.isfinite(w).all() for w in weights(out / "checkpoint").values())
    assert not (out / "model.safetensors").exists()


def test_pause_snapshot_and_constant_schedule(fixture, tmp_path):
    """--pause-at writes the model at that step beside a checkpoint that goes on to the weights of
    an uninterrupted run; --schedule constant holds the peak lr after the first epoch's warm-up."""
    _, model, data = fixture
    flags = TRAIN + ["--buckets", "1", "--schedule", "constant", "--warmup-ratio", "0.25"]
    whole, paused = tmp_path / "whole", tmp_path / "paused"
    first = run(["--model", model, "--data", data, "--out", whole] + flags)
    assert first.returncode == 0, first.stderr
    proc = run(["--model", model, "--data", data, "--out", paused, "--pause-at", 4] + flags)
    assert proc.returncode == 0, proc.stderr
    snapshot = paused / "step-4"
    assert "paused at step 4 of 24" in proc.stdout and not (paused / "config.json").exists()
    assert_same_weights(snapshot, paused / training.CHECKPOINT_DIR)  # the model as it is at step 4
    assert training.load_model(str(snapshot))[0] is not None
    later = run(["--model", model, "--data", data, "--out", paused, "--pause-at", 2] + flags)
    assert later.returncode == 2 and "past --pause-at 2" in later.stderr
    proc = run(["--model", model, "--data", data, "--out", paused] + flags)
    assert proc.returncode == 0, proc.stderr
    assert_same_weights(paused, whole)
    lrs = [r["lr"] for r in common.read_jsonl(whole / "metrics.jsonl")]
    assert len(lrs) == 24 and lrs[:3] == pytest.approx([1e-3 / 4, 2e-3 / 4, 3e-3 / 4])  # 12 steps an epoch: 3 warm up
    assert lrs[3:] == pytest.approx([1e-3] * 21)
    # --buckets 1 is plain SFT: one bucket in the data's order, and no perplexity pass to find an order
    assert not (whole / "scored.jsonl").exists() and "perplexity" not in first.stderr
    cur = json.loads((whole / "curriculum.json").read_text())
    tasks = common.read_jsonl(data)
    assert cur["buckets"] == [{"bucket": 1, "examples": len(tasks), "perplexity": None, "ids": [t["id"] for t in tasks]}]
