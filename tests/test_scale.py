"""training.py at scale, checked on CPU: the memory plan against a hand calculation for a 7B
config, LoRA over a bf16 base, gradient checkpointing, warmup.py sharded with FSDP2 (killed,
resumed, equal to one process), and a core that imports no torch."""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import tiny
import training

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")

# Qwen2.5-7B-Instruct's config.json, the fields that size it.
QWEN_7B = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584,
           "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
           "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 32768,
           "tie_word_embeddings": False, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0}


def run(script, args, nproc=1, env=None):
    launcher = [sys.executable] if nproc == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                    "--nproc_per_node", str(nproc)]
    return subprocess.run(launcher + [str(ROOT / script)] + [str(a) for a in args], capture_output=True, text=True,
                          env=dict(ENV, **(env or {})), timeout=300)


def weights(folder):
    from safetensors.torch import load_file
    return load_file(os.path.join(folder, "model.safetensors"))


def metrics(folder):
    return [json.loads(x) for x in (Path(folder) / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    return tiny.write_tasks(root / "train.jsonl", tiny.make_tiny_tasks(16))


def test_plan_of_a_7b_config_matches_a_hand_calculation(tmp_path):
    from transformers import AutoConfig
    (tmp_path / "config.json").write_text(json.dumps(QWEN_7B))
    config = AutoConfig.from_pretrained(tmp_path)
    h, f, n, kv, v = 3584, 18944, 28, 4 * 128, 152064
    layer = (h * h + h) + 2 * (h * kv + kv) + h * h + 3 * h * f + 2 * h  # q (bias), k, v (bias), o; MLP; 2 norms
    params = n * layer + 2 * v * h + h  # embedding, untied head, final norm
    assert params == pytest.approx(7.62e9, rel=0.01)  # the published 7.61B
    tokens = 2 * 1024
    args = argparse.Namespace(lora_rank=0, lora_alpha=16.0, dtype="bfloat16", shard=True, batch_size=2,
                              max_length=1024, grad_checkpoint=False)
    full = training.memory_plan(config, args, world=8)
    hand = {"parameters": params, "trainable": params, "weights": 4 * params / 8, "gradients": 4 * params / 8,
            "optimizer": 8 * params / 8, "activations": n * 34 * h * tokens + tokens * v * 4}
    for key, value in hand.items():
        assert full[key] == pytest.approx(value, rel=0.10), key
    # LoRA rank 16 on one process: the base in bf16, adapters r x (in + out) per linear in fp32
    args = argparse.Namespace(**dict(vars(args), lora_rank=16, shard=False, grad_checkpoint=True))
    lora = training.memory_plan(config, args, world=8)
    adapters = n * 16 * ((h + h) + 2 * (h + kv) + (h + h) + 2 * (h + f) + (f + h))
    hand = {"trainable": adapters, "weights": 2 * params + 4 * adapters, "gradients": 4 * adapters,
            "optimizer": 8 * adapters, "activations": n * h * tokens * 2 + 34 * h * tokens + tokens * v * 4}
    for key, value in hand.items():
        assert lora[key] == pytest.approx(value, rel=0.10), key
    assert full["weights"] < 4 * params / 4  # sharding divides what it shards
    out = run("train_pref.py", ["--model", tmp_path, "--pairs", tmp_path / "none.jsonl", "--out", tmp_path / "o",
                                "--plan", "8", "--shard", "--lora-rank", "0", "--dtype", "bfloat16"])
    assert out.returncode == 0, out.stderr
    assert "parameters 7.6" in out.stdout and "GiB per rank" in out.stdout and not (tmp_path / "o").exists()


def test_lora_over_a_bf16_base_trains_and_changes_the_saved_weights(tmp_path, tiny_model_dir, data):
    out = tmp_path / "bf16"
    proc = run("warmup.py", ["--model", tiny_model_dir, "--data", data, "--out", out, "--lora-rank", "4",
                             "--dtype", "bfloat16", "--lr", "1e-2", "--batch-size", "4"])
    assert proc.returncode == 0, proc.stderr
    before, after = weights(tiny_model_dir), weights(out)
    assert all(t.dtype == torch.float32 for t in after.values())  # saved in a dtype that keeps the update
    name = "model.layers.0.self_attn.q_proj.weight"
    moved = (after[name] - before[name].bfloat16().float()).abs()
    assert moved.max() > 1e-3  # the adapters trained and were merged
    emb = "model.embed_tokens.weight"  # not adapted: the base as the bf16 run held it
    assert torch.equal(after[emb], before[emb].bfloat16().float())
    record = json.loads((out / "run.json").read_text())
    assert 0 < record["lora_update_kept_in_bf16"] <= 1
    assert all(r["loss"] == r["loss"] for r in metrics(out))


def test_grad_checkpoint_gives_the_same_first_step(tmp_path, tiny_model_dir, data):
    args = ["--model", tiny_model_dir, "--data", data, "--max-steps", "1", "--batch-size", "4"]
    rows = {}
    for name, extra in (("plain", []), ("checkpointed", ["--grad-checkpoint"])):
        proc = run("warmup.py", args + ["--out", tmp_path / name] + extra)
        assert proc.returncode == 0, proc.stderr
        rows[name] = metrics(tmp_path / name)[0]
    for key in ("loss", "grad_norm"):
        assert rows["checkpointed"][key] == pytest.approx(rows["plain"][key], rel=1e-5), key
    pairs = tmp_path / "pairs.jsonl"
    from test_train_pref import make_pairs, write_pairs
    write_pairs(pairs, make_pairs(4))
    for name, extra in (("pref", []), ("pref-checkpointed", ["--grad-checkpoint"])):
        proc = run("train_pref.py", ["--model", tiny_model_dir, "--pairs", pairs, "--out", tmp_path / name,
                                     "--max-steps", "1", "--batch-size", "4", "--lr", "1e-3"] + extra)
        assert proc.returncode == 0, proc.stderr
        rows[name] = metrics(tmp_path / name)[0]
    for key in ("loss", "grad_norm"):
        assert rows["pref-checkpointed"][key] == pytest.approx(rows["pref"][key], rel=1e-5), key


def test_warmup_sharded_resumes_and_matches_one_process(tmp_path, tiny_model_dir, data):
    """warmup.py --shard on 2 CPU processes (gloo), killed after a checkpoint and resumed, ends with
    the weights of one unsharded process with twice the gradient accumulation, and loads."""
    from transformers import AutoModelForCausalLM
    base = ["--model", tiny_model_dir, "--data", data, "--batch-size", "2", "--lr", "1e-3", "--save-every", "1"]
    one = run("warmup.py", base + ["--out", tmp_path / "one", "--grad-accum", "2"])
    assert one.returncode == 0, one.stderr
    out = tmp_path / "shard"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(ROOT / "warmup.py")]
    proc = subprocess.Popen(cmd + [str(a) for a in base + ["--out", out, "--shard"]], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tiny.kill_after_checkpoint(proc, out, 2, timeout=180)
    assert not (out / "config.json").exists(), "run ended before the kill"
    resumed = run("warmup.py", base + ["--out", out, "--shard"], nproc=2)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout
    a, b = weights(tmp_path / "one"), weights(out)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=0, atol=1e-5), k
    AutoModelForCausalLM.from_pretrained(out, use_safetensors=True)


def test_core_imports_no_torch():
    code = "import sys, common, checker, prefs, convert, synth, eval, multiturn; assert 'torch' not in sys.modules, 'torch imported'"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env=dict(ENV, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
