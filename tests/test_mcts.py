"""mcts.py: the fragment splitter, step priors, UCT selection and backup on hand-built trees,
the AST reward's ordering, deficiency selection, trees grown on the tiny model (structure,
KV-cache reuse against re-running the prompt), the judge reward, resume after a kill."""
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import checker
import common
import training
import engine
import judge
import mcts
import tiny

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
SMALL = ["--iters", "3", "--max-new-tokens", "10", "--step-fragments", "1", "--sim-max-tokens", "24"]
CALL = '[get_weather(city="Paris", unit="celsius")]'


def kids_of(nodes):
    kids = {n["id"]: [] for n in nodes}
    for n in nodes[1:]:
        kids[n["parent"]].append(n["id"])
    return kids


def weather_task(answer=None, category="simple"):
    task = dict(tiny.make_tiny_tasks(1)[0], category=category, tools=tiny.TOOLS)
    task["answer"] = [{"get_weather": {"city": ["Paris"], "unit": ["celsius", ""]}}] if answer is None else answer
    return task


def reward(text, task):
    docs = checker.tool_docs(task)
    return checker.ast_reward(text, task, docs)[0]


def node(i, parent, depth, visits, value, prior=0.5, text="x"):
    return {"id": i, "parent": parent, "text": text, "depth": depth, "visits": visits, "value": value,
            "prior": prior, "terminal": False}


def irrelevance_task(i):
    return dict(tiny.make_tiny_tasks(1)[0], id=f"irr-{i}", category="irrelevance", answer=[],
                response="None of the functions can book a table.")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tiny model runs many small matmuls: one thread is far faster than two on a busy machine."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """10 tasks that call a tool and 3 that do not."""
    root = tmp_path_factory.mktemp("mcts")
    tasks = tiny.make_tiny_tasks(10) + [irrelevance_task(i) for i in range(3)]
    return root, tiny.write_tasks(root / "train.jsonl", tasks)


@pytest.fixture(scope="module")
def policy(tiny_model_dir):
    model, tok = training.load_model(str(tiny_model_dir), "cpu")
    return model.eval(), tok


# ---------------------------------------------------------------------------
# Pure pieces

def test_fragments():
    assert common.fragments(CALL) == ['[get_weather(', 'city=', '"Paris", ', 'unit=', '"celsius")]']
    assert common.fragments("It is sunny. Take a hat. ") == ["It is sunny. ", "Take a hat. "]
    assert common.fragments("") == []


def token_texts(tok, ids):
    return [tok.decode([i]) for i in ids]


def test_token_steps_end_on_token_boundaries_the_tokenizer_gives_back():
    tok = tiny.make_tiny_tokenizer()
    ids = tok(CALL, add_special_tokens=False)["input_ids"]
    assert '="' in token_texts(tok, ids)  # this tokenizer merges `="`, as SmolLM2's does
    for start in range(3):
        for k in (1, 2, 3):
            steps, whole = mcts.token_steps(tok, "", [], ids, start, 3, k)
            assert whole and "".join(t for t, _ in steps) == CALL and sum(len(i) for _, i in steps) == len(ids)
            assert len(steps) == min(3 - start, len(steps))
            text, path = "", []
            for step_text, step_ids in steps:  # every cut: the text so far, tokenized alone, is the tokens so far
                text, path = text + step_text, path + list(step_ids)
                assert tok(text, add_special_tokens=False)["input_ids"] == path
    steps, _ = mcts.token_steps(tok, "", [], ids, 0, 5, 1)
    # a cut after `=` would fall inside `="`: the nearest boundary is after it (the later one on a tie)
    assert [t for t, _ in steps] == ['[get_weather(', 'city="', 'Paris",', ' unit="', 'celsius")]']
    # below a node: the path's tokens come first, and the pieces still re-tokenize exactly
    head = tok('[get_weather(city="', add_special_tokens=False)["input_ids"]
    steps, whole = mcts.token_steps(tok, '[get_weather(city="', head, ids[len(head):], 1, 3, 2)
    assert whole and [t for t, _ in steps] == ['Paris", unit="', 'celsius")]']
    # a sample the tokenizer would not write (`=` then `"` where it writes `="`): no cut inside the
    # stretch that does not re-tokenize, and an end that does not is cut back to the last one that does
    eq, quote = tok("=", add_special_tokens=False)["input_ids"], tok('"', add_special_tokens=False)["input_ids"]
    city = tok("[get_weather(city", add_special_tokens=False)["input_ids"]
    odd = city + eq + quote + tok("Paris", add_special_tokens=False)["input_ids"]
    steps, whole = mcts.token_steps(tok, "", [], odd, 0, 3, 1)
    assert not whole and "".join(t for t, _ in steps) == "[get_weather(city="
    assert mcts.token_steps(tok, "", [], eq + quote, 0, 3, 1) == ([("=", eq)], False)
    assert mcts.token_steps(tok, "", [], [], 0, 3, 1) == ([], True)


def test_token_steps_cut_past_a_token_that_holds_the_delimiter_and_a_value_opening():
    tok = tiny.make_tiny_tokenizer(extra=['[get_weather(city=["Paris", "Rome"])]'] * 50)
    text = '[get_weather(city=["Paris", "Rome"])]'
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert '=["' in token_texts(tok, ids)  # one token, as in SmolLM2's tokenizer
    steps, whole = mcts.token_steps(tok, "", [], ids, 0, 5, 1)
    # the nearest boundary to `city=` is before the `=`: the cut goes past `=["` instead, so that the
    # step ends after its delimiter (prefs.end_kind: "name"), not inside the parameter's name
    assert whole and [t for t, _ in steps][:2] == ["[get_weather(", 'city=["']
    assert "".join(t for t, _ in steps) == text
    plain = tok('[get_weather(city="Paris")]', add_special_tokens=False)["input_ids"]  # `="`: as before
    assert [t for t, _ in mcts.token_steps(tok, "", [], plain, 0, 5, 1)[0]][:2] == ["[get_weather(", 'city="']


def test_sampling_filters():
    import torch
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    args = mcts.parse_args(["--data", "-", "--out", "-", "--temperature", "1"])
    logp, kept = engine.sampling_logps(logits, args)
    assert torch.allclose(logp, kept) and torch.allclose(logp.exp().sum(), torch.tensor(1.0))
    args.top_p = 0.7  # 0.5 + 0.3 reach 0.7: the two most likely stay
    assert torch.isfinite(engine.sampling_logps(logits, args)[1]).tolist() == [[True, True, False, False]]
    args.top_p, args.min_p = 1.0, 0.25  # at least a quarter of the most likely's 0.5
    assert torch.isfinite(engine.sampling_logps(logits, args)[1]).tolist() == [[True, True, True, False]]


def test_repetition_penalty_as_vllm_applies_it():
    import torch
    logits = torch.tensor([2.0, -1.0, 3.0, -4.0])
    got = engine.repetition_penalty(logits, torch.tensor([0, 1]), 0.75)  # tokens 0 and 1 were seen
    assert torch.allclose(got, torch.tensor([2.0 / 0.75, -0.75, 3.0, -4.0]))  # < 1: seen tokens grow likelier
    assert torch.equal(engine.repetition_penalty(logits, torch.tensor([0, 1]), 1.0), logits)
    assert torch.allclose(engine.repetition_penalty(logits, torch.tensor([2]), 2.0), torch.tensor([2.0, -1.0, 1.5, -4.0]))


def test_uct_selection_on_a_hand_built_tree():
    nodes = [node(0, None, 0, 10, 3.0),
             node(1, 0, 1, 4, 2.0, prior=0.2),   # 0.4 + 0.2 * sqrt(ln 10 / 5) = 0.5357
             node(2, 0, 1, 1, 1.0, prior=0.5),   # 0.5 + 0.5 * sqrt(ln 10 / 2) = 1.0365
             node(3, 0, 1, 0, -0.5, prior=0.9),  # -0.5 + 0.9 * sqrt(ln 10) = 0.8657
             node(4, 0, 1, 2, 2.4, prior=0.1),   # 0.8 + 0.1 * sqrt(ln 10 / 3) = 0.8876
             node(5, 2, 2, 0, 0.3), node(6, 2, 2, 0, 0.2), node(7, 2, 2, 0, 0.1), node(8, 2, 2, 0, 0.0)]
    kids = kids_of(nodes)
    assert mcts.uct(nodes[2], nodes[0], 1.0) == pytest.approx(0.5 + 0.5 * math.sqrt(math.log(10) / 2))
    assert mcts.select(nodes, kids, actions=3, depth=3, c=1.0) == 5  # root -> 2 (4 children > 3) -> 5
    assert mcts.select(nodes, kids, actions=3, depth=1, c=1.0) == 2  # node 2 is not above depth 1
    assert mcts.select(nodes, kids, actions=4, depth=3, c=1.0) == 0  # 4 children, not more than 4: widen the root
    assert mcts.select(nodes, kids, actions=3, depth=3, c=0.0) == 4  # no exploration: highest mean value


def test_backup_adds_a_visit_and_the_reward_up_to_the_root():
    nodes = [node(0, None, 0, 2, 0.5), node(1, 0, 1, 1, 0.2), node(2, 1, 2, 0, 0.3), node(3, 0, 1, 1, -1.0)]
    mcts.backup(nodes, 2, 0.7)
    assert [(n["visits"], n["value"]) for n in nodes] == [(3, pytest.approx(1.2)), (2, pytest.approx(0.9)),
                                                          (1, pytest.approx(1.0)), (1, -1.0)]
    assert mcts.path_text([dict(n, text=t) for n, t in zip(nodes, ["", "[f(", "a=1)]", "x"])], 2) == "[f(a=1)]"


def test_ast_reward_orders_right_prefix_wrong_value_wrong_function():
    task = weather_task()
    assert reward(CALL, task) == 1.0
    assert reward('[get_weather(city="Paris")]', task) == 1.0  # unit is optional
    right = reward('[get_weather(city="Paris", ', task)
    wrong_value = reward('[get_weather(city="Berlin", ', task)
    wrong_function = reward('[get_time(', task)
    garbage = reward("sunny ))) [", task)
    assert 0 < right < 1 and wrong_value < 0 and right > wrong_value > wrong_function > garbage
    assert garbage == -1.0 and checker.ast_reward("sunny ))) [", task, checker.tool_docs(task))[1] == "unparseable"
    # a longer right prefix scores higher, never reaching 1 before the checker accepts it
    prefixes = ["", "[get_wea", "[get_weather(", "[get_weather(ci", "[get_weather(city=", '[get_weather(city="Pa',
                '[get_weather(city="Paris", ']
    scores = [reward(p, task) for p in prefixes]
    assert scores == sorted(scores) and len(set(scores)) == len(scores) and max(scores) < 1
    assert reward('[get_weather(town="Paris", ', task) < 0  # unknown parameter
    assert reward('[get_weather(city="Paris", unit="kelvin")]', task) < 0


def test_ast_reward_credits_what_is_right_before_the_first_error():
    task = weather_task([{"get_weather": {"city": ["Paris"], "unit": ["celsius"]}}])  # both required here
    docs = checker.tool_docs(task)
    r = {name: checker.ast_reward(text, task, docs, final=True) for name, text in {
        "right": CALL,
        "stray": CALL + " The weather there is mild.",
        "stray_brackets": CALL + " ]) (see [1]",  # what follows the list is not scanned
        "extra_param": '[get_weather(city="Paris", unit="celsius", tz="CET")]',
        "missing_param": '[get_weather(city="Paris")]',
        "wrong_second_value": '[get_weather(city="Paris", unit="kelvin")]',
        "wrong_first_value": '[get_weather(city="Berlin", unit="celsius")]',
        "extra_call": CALL[:-1] + ', get_time(tz="CET")]',
        "wrong_function": '[get_time(tz="CET")]',
        "cut_off": '[get_weather(city="Paris", unit="cel',
        "gibberish": "fpublication ReferenceCommunicationDecimal",
    }.items()}
    assert r["right"] == (1.0, None)
    assert r["stray"] == (0.0, "parse_error")  # a right call followed by stray text: above every wrong call
    assert r["stray_brackets"] == r["stray"]
    assert all(r["stray"][0] > v[0] for k, v in r.items() if k not in ("right", "stray", "stray_brackets"))
    assert r["missing_param"][0] > r["wrong_function"][0] and r["missing_param"][1] == "missing_param"
    assert r["extra_param"][0] > r["missing_param"][0]  # more of the gold right: not a tie
    assert r["wrong_second_value"][0] > r["wrong_first_value"][0]
    assert r["extra_call"][1] == "wrong_count" and r["extra_call"][0] > r["wrong_function"][0]
    assert r["cut_off"][1] == "parse_error" and r["cut_off"][0] > r["wrong_function"][0]
    assert r["gibberish"] == (-1.0, "unparseable")
    assert checker.ast_reward('[get_weather(city="Paris", unit="cel', task, docs)[0] > 0  # unfinished, not final
    for v, _ in r.values():
        assert -1 <= v <= 1


def test_ast_reward_parallel_and_irrelevance():
    task = weather_task([{"get_weather": {"city": ["Paris"]}}, {"get_time": {"tz": ["CET"]}}], "parallel")
    both = '[get_time(tz="CET"), get_weather(city="Paris")]'
    assert reward(both, task) == 1.0  # any order
    assert 0 < reward('[get_time(tz="CET"), get_wea', task) < 1
    assert reward('[get_weather(city="Paris")]', task) < 0  # one call missing
    assert reward(both[:-1] + ", get_time(tz=", task) < 0  # one call too many
    irr = dict(weather_task([], "irrelevance"), response="None of these tools can book a table.")
    assert reward("None of these tools can book a table.", irr) == 1.0
    assert reward("", irr) == 0.0
    # a plain refusal and `[]` (which BFCL passes) above any call; word salad far from 1.0
    calls = [reward(c, irr) for c in ("[get_wea", CALL, '[get_time(tz="CET")]')]
    for refusal in ("I cannot do this.", "[]", "Sorry, no tool here can book that.", "Please provide a city."):
        assert reward(refusal, irr) > max(calls) + 0.5, refusal
    assert reward("[]", irr) == 1.0 and reward(CALL, irr) < reward("[get_wea", irr)
    for salad in ("the the the", "[7dog(name=", "Smithin execute US patterned services task", "@@ ..."):
        assert reward(salad, irr) <= -0.6, salad
    assert reward("None", irr) < reward("None of these tools can book a table.", irr)
    assert checker.ast_reward("the the the", irr, checker.tool_docs(irr))[1] == "unparseable"
    assert checker.ast_reward(CALL, irr, checker.tool_docs(irr))[1] == "spurious_call"


def test_every_prefix_of_a_gold_answer_scores_positive_and_non_decreasing():
    tool = {"name": "find", "description": "", "parameters": {"type": "object", "properties": {
        "where": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
        "tags": {"type": "array", "items": {"type": "string"}}, "fast": {"type": "boolean"},
        "limit": {"type": "integer"}}, "required": ["where"]}}
    nested = dict(tiny.make_tiny_tasks(1)[0], tools=[tool], answer=[{"find": {
        "where": [{"lat": [12.5], "lon": [-3.25]}], "tags": [["cafe", "open now"]], "fast": [False],
        "limit": [150, ""]}}], response='[find(where={"lat": 12.5, "lon": -3.25}, tags=["cafe", "open now"], '
                                      'fast=False, limit=150)]')
    for task in tiny.make_tiny_tasks(10) + [nested]:
        gold, previous = task["response"], 0.0
        assert reward(gold, task) == 1.0
        for k in range(len(gold)):
            score = reward(gold[:k], task)
            assert previous <= score < 1 or score == 1.0, (gold[:k], score, previous)
            previous = score if score < 1 else previous
    assert reward('[find(where={"lat": 12.4', nested) < 0 < reward('[find(where={"lat": 12.', nested)
    assert reward('[find(where={"lat": 12.5}, tags=["cafe", "closed', nested) < 0


# ---------------------------------------------------------------------------
# On the tiny model

def grow(policy, tasks, extra=(), batch=None):
    """Trees for tasks, grown --batch-trees at a time as mcts.main does."""
    model, tok = policy
    args = mcts.parse_args(["--data", "-", "--out", "-", "--batch-trees", str(batch or len(tasks))]
                           + SMALL + list(extra))
    trees = {}
    mcts.grow(model, tok, tasks, args, {tok.eos_token_id}, trees.__setitem__)
    return [trees[k] for k in range(len(tasks))]


def check_structure(tree, tok, iters, walk=False):
    nodes = tree.nodes
    kids = kids_of(nodes)
    assert nodes[0]["parent"] is None and [n["depth"] for n in nodes].count(0) == 1  # one root
    assert nodes[0]["visits"] == iters if walk else nodes[0]["visits"] >= iters  # greedy: one score per sample
    for n in nodes[1:]:
        assert n["parent"] < n["id"] and n["depth"] == nodes[n["parent"]]["depth"] + 1 <= 3
        assert n["text"] and 0 < n["prior"] <= 1 and -1 <= n["fast"] <= 1
        # token-true steps: the parent's path tokens begin this node's, both tokenized alone as fed
        mine = tok(mcts.path_text(nodes, n["id"]), add_special_tokens=False)["input_ids"]
        above = tok(mcts.path_text(nodes, n["parent"]), add_special_tokens=False)["input_ids"]
        assert mine[:len(above)] == above and len(mine) > len(above) and mine == tree.ctx.ids[n["id"]]
    for n in nodes:
        assert n["visits"] >= sum(nodes[k]["visits"] for k in kids[n["id"]])  # every backup passes the parent
        assert abs(n["value"] - n["fast"]) <= n["visits"] + 1e-6  # rewards in [-1, 1], one per visit
        texts = [nodes[k]["text"] for k in kids[n["id"]]]
        assert len(texts) == len(set(texts))  # identical steps are merged
        if "outcome" in n:
            assert -1 <= n["outcome"] <= 1 and n["visits"] >= 1


def test_tree_structure_and_kv_reuse_matches_rerunning_the_prompt(policy):
    tok = policy[1]
    task = tiny.make_tiny_tasks(3)[2]
    reused, = grow(policy, [task])
    rerun, = grow(policy, [task], ["--no-kv-reuse"])
    check_structure(reused, tok, 3)
    assert len(reused.nodes) > 3 and max(n["depth"] for n in reused.nodes) >= 2
    assert any("outcome" in n for n in reused.nodes)  # greedy play-outs scored new text
    assert reused.nodes == rerun.nodes
    s1, s2 = reused.stats, rerun.stats
    assert s1["generated_tokens"] == s2["generated_tokens"] and s1["prompt_tokens"] < s2["prompt_tokens"]
    again, = grow(policy, [task])
    assert again.nodes == reused.nodes  # seeded: reruns and resumes grow the same tree
    other, = grow(policy, [task], ["--seed", "1"])
    assert other.nodes != reused.nodes
    assert len({n["text"] for n in reused.nodes if n["parent"] == 0}) >= 2  # the samples of one expansion differ
    walk, = grow(policy, [task], ["--simulate", "walk"])
    check_structure(walk, tok, 3, walk=True)
    assert not any("outcome" in n for n in walk.nodes)


def test_batched_trees_keep_the_invariants_of_unbatched_ones(policy):
    tok = policy[1]
    tasks = tiny.make_tiny_tasks(5)
    one = grow(policy, tasks, batch=1)
    together = grow(policy, tasks, batch=5)
    for a, b in zip(one, together):
        check_structure(a, tok, 3)
        check_structure(b, tok, 3)
        assert a.task["id"] == b.task["id"]
        # each tree its own generator: the first expansion draws the same samples in a batch
        assert [n["text"] for n in a.nodes if n["parent"] == 0] == [n["text"] for n in b.nodes if n["parent"] == 0]
    assert sum(t.stats["generated_tokens"] for t in one) > 0


def test_gold_sibling_joins_the_children_of_gold_prefixes(policy):
    tok = policy[1]
    tasks = tiny.make_tiny_tasks(3)
    for tree in grow(policy, tasks, ["--gold-sibling"]):
        check_structure(tree, tok, 3)
        nodes, gold = tree.nodes, tree.task["response"]
        golds = [n for n in nodes if n.get("gold")]
        assert golds and all(0 < n["prior"] <= 1 for n in golds)
        for n in golds:
            assert gold.startswith(mcts.path_text(nodes, n["id"]))
        # the root's path is a gold prefix: the gold's first step is among its children
        assert any(gold.startswith(nodes[k]["text"]) for k in kids_of(nodes)[0])


def test_greedy_path_puts_the_policy_s_own_answer_in_the_tree(policy):
    model, tok = policy
    tasks = tiny.make_tiny_tasks(3)
    prompts = [tok(common.render_prompt(tok, t), add_special_tokens=False)["input_ids"] for t in tasks]
    answers = [tok.decode(a) for a in engine.greedy(model, prompts, 24, {tok.eos_token_id})]
    plain = grow(policy, tasks, ["--gold-sibling"])
    assert not any("greedy" in n for tree in plain for n in tree.nodes)  # without the flag: trees as before
    for tree, answer in zip(grow(policy, tasks, ["--gold-sibling", "--greedy-path"]), answers):
        check_structure(tree, tok, 3)
        nodes, kids, gold = tree.nodes, kids_of(tree.nodes), tree.task["response"]
        chain = [n for n in nodes if n.get("greedy")]
        # one chain from the root, whose path is the policy's greedy answer
        assert chain and chain[0]["parent"] == 0 and not any(n.get("gold") for n in chain)
        assert [n["parent"] for n in chain[1:]] == [n["id"] for n in chain[:-1]]
        assert answer.startswith(mcts.path_text(nodes, chain[-1]["id"]))
        # where it leaves the gold, the gold's own step is its sibling
        fork = max([0] + [n["id"] for n in chain if gold.startswith(mcts.path_text(nodes, n["id"]))])
        if not gold.startswith(answer):
            assert any(nodes[k].get("gold") and not nodes[k].get("greedy") for k in kids[fork])


def test_greedy_path_is_a_setting_only_when_on_and_needs_greedy_play_outs(data, tiny_model_dir, capsys):
    base = ["--model", str(tiny_model_dir), "--data", str(data[1]), "--out", "-"]
    assert "greedy_path" not in mcts.settings(mcts.parse_args(base))  # selections stored before it stay valid
    assert mcts.settings(mcts.parse_args(base + ["--greedy-path"]))["greedy_path"] is True
    with pytest.raises(SystemExit):
        mcts.parse_args(base + ["--greedy-path", "--simulate", "walk"])
    assert "--greedy-path scores its steps with greedy play-outs" in capsys.readouterr().err
    mcts.parse_args(base + ["--greedy-path", "--simulate", "walk", "--search", "sample"])  # no play-outs there
    # a stored selection made with it names the setting when resumed without it
    with pytest.raises(common.InputError, match=r"other settings \(greedy_path\)"):
        common.check_settings(mcts.settings(mcts.parse_args(base + ["--greedy-path"])),
                              mcts.settings(mcts.parse_args(base)), "x.selected.json", "made with")


def test_no_round_with_greedy_path_grows_the_fork_alone(policy, data, tiny_model_dir, capsys):
    tok = policy[1]
    tasks = tiny.make_tiny_tasks(4)
    forks = 0
    for tree in grow(policy, tasks, ["--gold-sibling", "--greedy-path", "--iters", "0"]):
        nodes, kids, gold = tree.nodes, kids_of(tree.nodes), tree.task["response"]
        assert all(n.get("greedy") or n.get("gold") for n in nodes[1:])  # no sampled step
        assert tree.stats["generated_tokens"] > 0 and nodes[0]["visits"] >= 1
        answer = mcts.path_text(nodes, max(n["id"] for n in nodes if n.get("greedy")))
        if not gold.startswith(answer):  # the greedy answer leaves the gold: its step and the gold's, one fork
            fork, = [i for i, k in kids.items() if len(k) == 2]
            assert sorted(bool(nodes[k].get("gold")) for k in kids[fork]) == [False, True]
            forks += 1
    assert forks  # the tiny policy answers some task wrong
    base = ["--model", str(tiny_model_dir), "--data", str(data[1]), "--out", "-", "--iters", "0"]
    for flags in ([], ["--greedy-path", "--search", "sample"]):
        with pytest.raises(SystemExit):
            mcts.parse_args(base + flags)
        assert "--iters 0 only with --greedy-path" in capsys.readouterr().err


def test_greedy_path_shares_the_gold_s_fragments_in_one_step_then_forks(policy):
    model, tok = policy
    task = dict(tiny.make_tiny_tasks(1)[0], response='[get_weather(city="Quito")]')
    args = mcts.parse_args(["--data", "-", "--out", "-", "--gold-sibling", "--greedy-path"] + SMALL)
    t = mcts.new_tree(model, tok, task, args, {})
    walk = mcts.greedy_path(tok, t, args, mcts.scorers(model, tok, t, args, {tok.eos_token_id}))
    req, = next(walk)
    assert req.generator is None and req.node == 0  # greedy, from the root
    tokens = tok('[get_weather(city="Lima")]', add_special_tokens=False)["input_ids"]
    req.rows = [(tokens, [-0.1] * len(tokens), True, None)]
    with pytest.raises(StopIteration):
        walk.send(None)
    nodes, kids = t.nodes, kids_of(t.nodes)
    # the shared fragments, one step (cut where the tiny tokenizer allows: its `="` is one token)
    fork, = kids[0]
    shared = nodes[fork]["text"]
    assert shared in ('[get_weather(city=', '[get_weather(city="')
    below = {shared + nodes[k]["text"]: nodes[k] for k in kids[fork]}
    lima, quito = below['[get_weather(city="Lima")]'], below['[get_weather(city="Quito")]']
    assert lima.get("greedy") and lima["terminal"] and not lima.get("gold")
    assert quito.get("gold") and not quito.get("greedy")
    assert nodes[fork].get("greedy") and abs(nodes[fork]["prior"] - math.exp(-0.1)) < 1e-9


def test_published_judge_and_fast_reward(policy):
    import torch
    task = tiny.make_tiny_tasks(1)[0]
    tree, = grow(policy, [task], ["--reward", "judge", "--iters", "2"])
    check_structure(tree, policy[1], 2)
    assert tree.stats["judge_tokens"] > 0
    model, tok = policy
    rewards = [judge.reward(model, tok, text, task, dict(judge_tokens=0), torch.Generator().manual_seed(0),
                            {tok.eos_token_id}) for text in (task["response"], "zzz")]
    # at most 7 tokens, each a letter's probability at most once: within 7 x the weights' range
    assert all(-7 * 0.5 <= r <= 7 * 0.25 for r in rewards)
    # the judge grades what the tokenizer reads as letters: a model that always answers "(A)" earns A's weight
    letter_a = tok("A", add_special_tokens=False)["input_ids"]
    assert judge.WEIGHTS == {"A": 0.25, "B": 0.025, "C": -0.25, "D": -0.5}
    assert len(letter_a) == 1
    # published fast reward: `)]` agreement +-0.1, plus word overlap - 0.5
    gold = task["response"]
    assert checker.published_fast_reward(gold, task) == pytest.approx(0.6)
    assert checker.published_fast_reward("zzz qqq", task) == pytest.approx(-0.1 + 0 - 0.5)
    assert common.word_overlap("a b c d", "a b") == 1.0 and common.word_overlap("", "") == 1.0


def test_repetition_penalty_changes_the_samples_and_is_part_of_the_settings(policy):
    task = tiny.make_tiny_tasks(3)[2]
    tok = policy[1]
    plain, = grow(policy, [task])
    copied, = grow(policy, [task], ["--repetition-penalty", "0.1"])  # the tiny model's logits are small: a strong one
    check_structure(copied, tok, 3)
    assert [n["text"] for n in plain.nodes] != [n["text"] for n in copied.nodes]
    seen = set(tok(common.render_prompt(tok, task), add_special_tokens=False)["input_ids"])

    def copied_share(tree):  # of the sampled steps' tokens, those already in the prompt
        ids = [i for n in tree.nodes[1:] for i in tok(n["text"], add_special_tokens=False)["input_ids"]]
        return sum(i in seen for i in ids) / len(ids)
    assert copied_share(copied) > copied_share(plain)
    args = mcts.parse_args(["--data", __file__, "--out", "-", "--repetition-penalty", "0.75"])
    assert mcts.settings(args)["repetition_penalty"] == 0.75


def test_sample_search_keeps_whole_answers_as_children_of_the_root(policy):
    tok = policy[1]
    tasks = tiny.make_tiny_tasks(2)
    trees = grow(policy, tasks, ["--search", "sample", "--iters", "2", "--actions", "3"])
    for tree in trees:
        nodes = tree.nodes
        assert tree.stats["samples"] == 6 and nodes[0]["visits"] == 6  # --iters x --actions answers
        assert all(n["parent"] == 0 and n["depth"] == 1 for n in nodes[1:])
        assert sum(n["visits"] for n in nodes[1:]) == 6 and len({n["text"] for n in nodes[1:]}) == len(nodes) - 1
        for n in nodes[1:]:  # each scored as a final answer: the mean of its visits is that reward
            final = checker.ast_reward(n["text"], tree.task, checker.tool_docs(tree.task), True)[0]
            assert (n["value"] - n["fast"]) / n["visits"] == pytest.approx(final)
    again = grow(policy, tasks, ["--search", "sample", "--iters", "2", "--actions", "3"])
    assert [t.nodes for t in again] == [t.nodes for t in trees]  # seeded: a rerun draws the same answers
    model, tok = policy
    prompts = [tok(common.render_prompt(tok, t), add_special_tokens=False)["input_ids"] for t in tasks]
    answers = [tok.decode(a) for a in engine.greedy(model, prompts, 24, {tok.eos_token_id})]
    with_greedy = grow(policy, tasks, ["--search", "sample", "--iters", "2", "--actions", "3", "--greedy-path"])
    for tree, plain, answer in zip(with_greedy, trees, answers):
        assert tree.stats["samples"] == 7 and tree.nodes[0]["visits"] == 7  # the same six, and the greedy answer
        assert {n["text"] for n in plain.nodes[1:]} | {answer} == {n["text"] for n in tree.nodes[1:]}
        assert [n["text"] for n in tree.nodes if n.get("greedy")] == [answer]


def test_deficiency_selection_per_group_and_reuse(data, policy):
    root, path = data
    model, tok = policy
    tasks = common.read_tasks(path, need_response=True)
    out = str(root / "select" / "trees.jsonl")
    args = mcts.parse_args(["--data", path, "--out", out])
    config = mcts.settings(args)
    selected = mcts.select_examples(model, tok, tasks, args, config)
    ppl = training.perplexity(model, tok, tasks)
    by_group = {"call": [s for s in selected if s["group"] == "call"],
                "no_call": [s for s in selected if s["group"] == "no_call"]}
    assert len(by_group["call"]) == 3 and len(by_group["no_call"]) == 1  # ceil(0.3 * 10), ceil(0.3 * 3)
    calls = sorted((p for t, p in zip(tasks, ppl) if t["answer"]), reverse=True)
    assert [s["perplexity"] for s in by_group["call"]] == pytest.approx(calls[:3])
    assert [s["perplexity"] for s in by_group["no_call"]] == pytest.approx(
        sorted((p for t, p in zip(tasks, ppl) if not t["answer"]), reverse=True)[:1])
    assert [s["group"] for s in selected] == ["call", "call", "no_call", "call"]  # in proportion, 3:1
    assert os.path.isfile(out + ".selected.json")
    assert mcts.select_examples(None, None, tasks, args, config) == selected  # read back, no model needed
    with pytest.raises(common.InputError, match="other settings"):
        mcts.select_examples(None, None, tasks, args, dict(config, iters=9))
    rargs = mcts.parse_args(["--data", path, "--out", str(root / "random.jsonl"), "--select", "random"])
    chosen = mcts.select_examples(model, tok, tasks, rargs, mcts.settings(rargs))
    assert sorted(s["group"] for s in chosen) == sorted(s["group"] for s in selected)


def run(args, env=None):
    return subprocess.Popen([sys.executable, str(ROOT / "mcts.py")] + [str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(ENV, **(env or {})))


@pytest.mark.parametrize("batch", [1, 3])
def test_resume_after_kill_leaves_no_duplicate_tree(data, tiny_model_dir, tmp_path, batch):
    _, path = data
    out = tmp_path / "trees.jsonl"
    cmd = ["--model", tiny_model_dir, "--data", path, "--out", out, "--select-ratio", "0.5",
           "--batch-trees", str(batch)] + SMALL
    proc = run(cmd, {common.FAULTS["tree_delay"]: "60"})
    deadline = time.time() + 120
    while not (out.exists() and out.read_text().count("\n") >= 1) and time.time() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_text().count("\n") == 1
    with open(out, "a") as f:
        f.write('{"id": "tiny-3", "nodes": [{"id": 0, "te')  # a torn line, as if killed mid-write
    mcts.main([str(a) for a in cmd])  # resumes: drops the torn line, grows the rest
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    selected = json.loads(Path(str(out) + ".selected.json").read_text())["selected"]
    assert [r["id"] for r in rows] == [s["id"] for s in selected] and len(rows) == 7  # 5 + 2, each once
    # one at a time: the same trees as an uninterrupted run; together, trees of the same shape (the
    # batches a resumed run forms differ, and with them the float rounding of the samples)
    whole = tmp_path / "whole.jsonl"
    mcts.main([str(a) for a in cmd[:5]] + [str(whole)] + [str(a) for a in cmd[6:]])
    uninterrupted = [json.loads(line) for line in whole.read_text().splitlines()]
    assert [r["id"] for r in uninterrupted] == [r["id"] for r in rows]
    if batch == 1:
        assert [r["nodes"] for r in rows] == [r["nodes"] for r in uninterrupted]
    for r in rows:
        assert r["nodes"][0]["parent"] is None and r["nodes"][0]["visits"] >= 3 and r["stats"]["batch_trees"] == batch
        assert all(n["depth"] == r["nodes"][n["parent"]]["depth"] + 1 for n in r["nodes"][1:])
    mcts.main([str(a) for a in cmd])  # nothing left to do
    assert out.read_text().count("\n") == 7


def test_limit_and_bad_input(data, tiny_model_dir, tmp_path):
    _, path = data
    out = tmp_path / "t.jsonl"
    mcts.main(["--model", tiny_model_dir, "--data", path, "--out", str(out), "--limit", "2"] + SMALL)
    assert out.read_text().count("\n") == 2
    bad = tmp_path / "bad.jsonl"
    lines = Path(path).read_text().splitlines()
    bad.write_text("\n".join(lines[:2] + ['{"id": "x", "tools": []}']) + "\n")
    with pytest.raises(common.InputError, match=f"^{bad}:3: task has no `tools`"):
        mcts.main(["--model", tiny_model_dir, "--data", str(bad), "--out", str(tmp_path / "b.jsonl")])
    bad.write_text("\n".join(lines[:2] + [lines[1]]) + "\n")
    with pytest.raises(common.InputError, match=f"^{bad}:3: duplicate id"):
        mcts.main(["--model", tiny_model_dir, "--data", str(bad), "--out", str(tmp_path / "b.jsonl")])


def test_interleave_keeps_every_head_in_proportion():
    # 51 call and 9 no-call examples (the experiments' selection): a budget of 12 trees
    # gets 2 no-call ones, not the 9 that perplexity order put first
    calls, refusals = [f"c{i}" for i in range(51)], [f"n{i}" for i in range(9)]
    merged = mcts.interleave([calls, refusals])
    assert sorted(merged) == sorted(calls + refusals)
    assert [x for x in merged if x[0] == "c"] == calls and [x for x in merged if x[0] == "n"] == refusals
    for n in range(1, 61):
        assert abs(sum(x[0] == "n" for x in merged[:n]) - n * 9 / 60) <= 1, n
    assert sum(x[0] == "n" for x in merged[:12]) == 2
    assert mcts.interleave([[], ["a"]]) == ["a"]


def test_pair_rewards_counts_pairs_the_ast_reward_orders_each_way(tmp_path):
    task = weather_task()
    (tmp_path / "train.jsonl").write_text(json.dumps(task) + "\n")
    base = {"messages": task["messages"], "tools": task["tools"], "chosen_value": 0.5, "rejected_value": -1.0,
            "depth": 0, "prefix": ""}
    pairs = [dict(base, id=f"{task['id']}-n1", chosen=CALL, rejected="Paris is nice"),
             dict(base, id=f"{task['id']}-n2", chosen="Paris is nice", rejected=CALL),
             dict(base, id=f"{task['id']}-n3", chosen="Paris is nice", rejected="so is Rome")]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    script = str(ROOT / "bench" / "pair_rewards.py")
    r = subprocess.run([sys.executable, script, str(tmp_path / "pairs.jsonl"), str(tmp_path / "train.jsonl")],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "3 pairs: agree 1, disagree 1, tie 1, chosen -1.0 2, rejected -1.0 2"

    (tmp_path / "train.jsonl").write_text(json.dumps(dict(task, id="other")) + "\n")
    r = subprocess.run([sys.executable, script, str(tmp_path / "pairs.jsonl"), str(tmp_path / "train.jsonl")],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {tmp_path / 'pairs.jsonl'}: pair ")
    assert len(r.stderr.strip().splitlines()) == 1
