"""bench/pair_margins.py: which side of a pair the model's greedy choice takes at the fork."""
import json
import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import common  # noqa: E402
import pair_margins  # noqa: E402
import tiny  # noqa: E402
import training  # noqa: E402


def test_fork_is_the_first_differing_token_after_the_prompt():
    assert pair_margins.fork([1, 2, 3, 4], [1, 2, 5], 1) == 2
    assert pair_margins.fork([1, 2, 3], [1, 2, 3, 4], 1) is None  # one side extends the other


def test_read_pair_names_the_side_the_greedy_choice_takes(tiny_model_dir):
    model, tok = training.load_model(tiny_model_dir, "cpu")
    model.eval()
    pair = {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": tiny.TOOLS[:1], "prefix": "[get_weather(city="}
    prompt = common.render_prompt(tok, pair) + pair["prefix"]
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        ranked = model(input_ids=torch.tensor([ids])).logits[0, -1].argsort(descending=True).tolist()
    # the greedy token and the least likely one, each as text that tokenizes back to itself after the prompt
    texts = [t for t in (tok.decode([k]) for k in ranked)
             if tok(prompt + t, add_special_tokens=False)["input_ids"] == ids + tok(t, add_special_tokens=False)["input_ids"]
             and len(tok(t, add_special_tokens=False)["input_ids"]) == 1]
    greedy = tok.decode([ranked[0]])
    assert texts[0] == greedy, "the tiny model's greedy token must survive a round trip"
    worst = texts[-1]
    assert pair_margins.read_pair(model, tok, dict(pair, chosen=greedy, rejected=worst), "cpu") == ("chosen", True)
    assert pair_margins.read_pair(model, tok, dict(pair, chosen=worst, rejected=greedy), "cpu") == ("rejected", False)
    assert pair_margins.read_pair(model, tok, dict(pair, chosen=worst, rejected=texts[-2]), "cpu")[0] == "neither"


def test_a_pair_whose_prompt_does_not_tokenize_as_a_prefix_is_one_line_naming_it(tiny_model_dir, tmp_path, monkeypatch, capsys):
    pair = {"id": "w", "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": tiny.TOOLS[:1],
            "prefix": "[get_weather(city=", "chosen": "'Paris')]", "rejected": "'Rome')]"}
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(dict(pair, chosen=c)) for c in ("'Paris')]", "'Lyon')]")) + "\n")
    seen = []

    def encode_side(tok, prompt_ids, prompt, response):
        seen.append(response)
        if response == "'Lyon')]":
            raise training.BoundaryError("prompt tokens are not a prefix of prompt + response")
        return real(tok, prompt_ids, prompt, response)

    real = pair_margins.encode_side
    monkeypatch.setattr(pair_margins, "encode_side", encode_side)
    monkeypatch.setattr(sys, "argv", ["pair_margins.py", "--model", str(tiny_model_dir), "--pairs", str(path),
                                      "--results", "", "--device", "cpu"])
    with pytest.raises(SystemExit) as exit:
        common.run_main(pair_margins.main)
    assert exit.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: {path}: pair 2 (id 'w'): prompt tokens are not a prefix of prompt + response"
    assert "'Paris')]" in seen  # the first pair was read before the second stopped the run
