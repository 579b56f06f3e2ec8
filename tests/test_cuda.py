"""The CUDA paths, on a tiny model: bf16 where the GPU runs it natively, LoRA over a bf16 base,
both pair layouts, eval's batched generation. Skipped without a GPU; bench/gpu.sh runs them."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import tiny
import training
from test_train_pref import make_pairs, write_pairs

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]
ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, TOKENIZERS_PARALLELISM="false")


def run(script, args):
    return subprocess.run([sys.executable, str(ROOT / script)] + [str(a) for a in args], capture_output=True,
                          text=True, env=ENV, timeout=300)


def first_row(folder):
    return json.loads((Path(folder) / "metrics.jsonl").read_text().splitlines()[0])


def test_bf16_only_where_native():
    device = torch.device("cuda", 0)
    major = torch.cuda.get_device_capability(device)[0]
    assert training.native_bf16(device) == (major >= 8)
    assert training.pick_device("cuda")[1] == (torch.bfloat16 if major >= 8 else torch.float32)


def test_logps_in_bf16_close_to_fp32(tiny_model_dir):
    model, tok = training.load_model(tiny_model_dir, torch.device("cpu"), torch.float32)
    tasks = tiny.make_tiny_tasks(4)
    examples = [training.encode_example(tok, t, t["response"]) for t in tasks]
    batch = training.pad_batch(examples, tok.pad_token_id)
    cpu, _ = training.response_logps(model, *batch)
    gpu, _ = training.response_logps(model.cuda(), *(x.cuda() for x in batch), dtype=torch.bfloat16)
    assert torch.allclose(gpu.cpu(), cpu, rtol=0.05, atol=0.5)


def test_lora_warmup_on_a_bf16_base(tmp_path, tiny_model_dir):
    data = tiny.write_tasks(tmp_path / "train.jsonl", tiny.make_tiny_tasks(16))
    proc = run("warmup.py", ["--model", tiny_model_dir, "--data", data, "--out", tmp_path / "w", "--lora-rank", "4",
                             "--lr", "1e-2", "--batch-size", "4", "--grad-checkpoint"])
    assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "w" / "run.json").read_text())
    assert record["config"]["dtype"] == "auto" and 0 < record["lora_update_kept_in_bf16"] <= 1
    assert first_row(tmp_path / "w")["loss"] > 0


def test_pair_layouts_agree(tmp_path, tiny_model_dir):
    pairs = write_pairs(tmp_path / "pairs.jsonl", make_pairs(8))
    rows = {}
    for layout in ("packed", "rows"):
        proc = run("train_pref.py", ["--model", tiny_model_dir, "--pairs", pairs, "--out", tmp_path / layout,
                                     "--layout", layout, "--max-steps", "1", "--lr", "1e-3"])
        assert proc.returncode == 0, proc.stderr
        rows[layout] = first_row(tmp_path / layout)
    assert rows["rows"]["loss"] == pytest.approx(rows["packed"]["loss"], rel=0.02)
