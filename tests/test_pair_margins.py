"""bench/pair_margins.py: which side of a pair the model's greedy choice takes at the fork."""
import os
import sys

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
