"""prefs.py on hand-built trees: chosen/rejected by mean value, shared context and prefix,
--span step against full, each filter, tree validation; and on trees grown by mcts.py."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import common
import prefs
import tiny

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]


def node(i, parent, text, visits, value, depth=None, error=None):
    return {"id": i, "parent": parent, "text": text, "depth": depth, "visits": visits, "value": value,
            "prior": 0.5, "terminal": False, "error": error}


def make_tree(tid="t", kids_of_root=None, kids_of_1=None):
    """Root with three children (1 is the best), node 1 with two children."""
    nodes = [node(0, None, "", 5, 2.0, 0)]
    for text, visits, value in kids_of_root or [("[get_weather(city=", 3, 2.4), ("[get_time(tz=", 0, -0.8),
                                                 ("[convert(amount=", 1, 0.0)]:
        nodes.append(node(len(nodes), 0, text, visits, value, 1))
    for text, visits, value, *error in kids_of_1 or [('"Paris")]', 1, 2.0), ('"Berlin")]', 1, -0.8)]:
        nodes.append(node(len(nodes), 1, text, visits, value, 2, *error))
    return {"id": tid, "messages": MESSAGES, "tools": tiny.TOOLS[:1], "answer": [], "perplexity": 3.0, "nodes": nodes}


def run(trees, tmp_path, *flags):
    path = tmp_path / "trees.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in trees))
    out = tmp_path / "pairs.jsonl"
    args = prefs.parse_args(["--trees", str(path), "--out", str(out)] + list(flags))
    counts = {"candidates": 0, "no_attempt": 0, "gap": 0, "overlap": 0, "min_chosen": 0}
    pairs = [p for t in prefs.read_trees(str(path)) for p in prefs.tree_pairs(t, args, counts)]
    return pairs, {k: v for k, v in counts.items() if k != "no_attempt" or v}


def test_pairs_share_context_and_prefix_and_differ_in_the_step(tmp_path):
    pairs, counts = run([make_tree()], tmp_path)
    assert counts == {"candidates": 2, "gap": 0, "overlap": 0, "min_chosen": 0}
    root, deep = pairs
    assert root["id"] == "t-n0-r2" and root["prefix"] == "" and root["depth"] == 0
    assert (root["chosen"], root["rejected"]) == ("[get_weather(city=", "[get_time(tz=")
    assert root["chosen_value"] == pytest.approx(0.6) and root["rejected_value"] == pytest.approx(-0.8)  # value/(N+1)
    assert deep["id"] == "t-n1-r5" and deep["prefix"] == "[get_weather(city=" and deep["depth"] == 1
    assert (deep["chosen"], deep["rejected"]) == ('"Paris")]', '"Berlin")]')
    for p in pairs:
        assert p["messages"] == MESSAGES and p["tools"] == tiny.TOOLS[:1] and p["chosen"] != p["rejected"]
    full, _ = run([make_tree()], tmp_path, "--span", "full")
    assert [p["prefix"] for p in full] == ["", ""]
    assert full[1]["chosen"] == '[get_weather(city="Paris")]' and full[1]["rejected"] == '[get_weather(city="Berlin")]'
    assert [p["prefix"] + p["chosen"] for p in full] == [p["prefix"] + p["chosen"] for p in pairs]


def test_each_filter_drops_what_it_should(tmp_path):
    small_gap = make_tree("gap", kids_of_1=[("a=1", 1, 1.0), ("b=2", 1, 0.9)])  # 0.5 vs 0.45
    same_words = make_tree("overlap", kids_of_1=[('"Paris")]', 1, 2.0), ('"paris")]', 1, -0.8)])
    low = make_tree("low", kids_of_1=[("a=1", 1, -0.8, "wrong_value"), ("b=2", 1, -1.6, "wrong_value")])  # chosen -0.4
    pairs, counts = run([small_gap, same_words, low], tmp_path)
    assert counts == {"candidates": 6, "gap": 1, "overlap": 1, "min_chosen": 1}
    assert sorted(p["id"] for p in pairs) == ["gap-n0-r2", "low-n0-r2", "overlap-n0-r2"]
    _, loose = run([small_gap, same_words, low], tmp_path, "--min-gap", "0.01", "--max-overlap", "1",
                   "--min-chosen", "-1")
    assert loose == {"candidates": 6, "gap": 0, "overlap": 0, "min_chosen": 0}
    assert prefs.overlap("a b c", "a b d") == pytest.approx(0.5) and prefs.overlap("", "") == 1.0


def test_single_children_give_no_pair(tmp_path):
    tree = make_tree(kids_of_root=[("x", 1, 0.5)], kids_of_1=[("y", 0, 0.1)])
    assert run([tree], tmp_path) == ([], {"candidates": 0, "gap": 0, "overlap": 0, "min_chosen": 0})


@pytest.mark.parametrize("breakage, message", [
    (lambda t: t["nodes"][2].update(parent=7), "parent 7 does not precede it"),
    (lambda t: t["nodes"][4].update(depth=1), "depth 1 is not its parent's + 1"),
    (lambda t: t["nodes"][1].pop("value"), "missing or mistyped `value`"),
    (lambda t: t.pop("messages"), "no `messages`"),
    (lambda t: t["nodes"][0].update(parent=0), "must be the root"),
])
def test_bad_trees_name_file_and_line(tmp_path, breakage, message):
    bad = make_tree("b")
    breakage(bad)
    path = tmp_path / "trees.jsonl"
    path.write_text(json.dumps(make_tree()) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(common.InputError, match=f"{re.escape(str(path))}:2: .*{re.escape(message)}"):
        prefs.read_trees(str(path))


def test_cli_prints_counts_and_writes_pairs_from_mcts_trees(tmp_path, tiny_model_dir):
    import mcts
    import torch
    data = tiny.write_tasks(tmp_path / "train.jsonl", tiny.make_tiny_tasks(4))
    trees = tmp_path / "trees.jsonl"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        mcts.main(["--model", str(tiny_model_dir), "--data", data, "--out", str(trees), "--select-ratio", "1",
                   "--iters", "3", "--max-new-tokens", "8"])
    finally:
        torch.set_num_threads(threads)
    out = tmp_path / "pairs.jsonl"
    proc = subprocess.run([sys.executable, str(ROOT / "prefs.py"), "--trees", str(trees), "--out", str(out),
                           "--min-gap", "0", "--min-chosen", "-1"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "trees 4, nodes" in proc.stdout and "candidate pairs" in proc.stdout and "per depth" in proc.stdout
    assert "per error of the rejected side" in proc.stdout
    tasks = {t["id"]: t for t in common.read_tasks(data)}
    rows = common.read_jsonl(out)
    assert rows  # three samples per expansion at temperature 1.5 give siblings
    for p in rows:
        tree_id = p["id"].rsplit("-n", 1)[0]
        assert p["error"] in {"none", "unparseable", "parse_error", "wrong_function", "missing_param",
                              "unexpected_param", "wrong_value", "wrong_type", "wrong_count", "spurious_call"}
        assert p["messages"] == tasks[tree_id]["messages"] and p["tools"] == tasks[tree_id]["tools"]
        assert p["chosen_value"] >= p["rejected_value"] and p["chosen"] != p["rejected"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    proc = subprocess.run([sys.executable, str(ROOT / "prefs.py"), "--trees", str(bad), "--out", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: {bad}:1: tree has no `messages`"


def test_a_tie_pairs_two_different_children_and_fails_the_gap(tmp_path):
    tree = make_tree(kids_of_root=[("x=1", 0, -1.0), ("y=2", 0, -1.0), ("z=3", 0, -1.0)], kids_of_1=[("a", 0, 0.0)])
    pairs, counts = run([tree], tmp_path, "--min-gap", "0", "--min-chosen", "-1")
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [("x=1", "y=2")]
    assert run([tree], tmp_path)[1] == {"candidates": 1, "gap": 1, "overlap": 0, "min_chosen": 0}


def test_rejected_is_the_lowest_attempt_and_labelled_with_its_error(tmp_path):
    nodes = [node(0, None, "", 6, 1.0, 0),
             node(1, 0, "[get_weather(city=", 2, 1.5, 1),                     # chosen, 0.5
             node(2, 0, "#@ salad", 0, -1.0, 1, error="unparseable"),          # the worst, not an attempt
             node(3, 0, "[get_time(tz=", 1, -1.2, 1, error="wrong_function"),  # -0.6
             node(4, 0, "[get_weather(town=", 1, -1.0, 1, error="unexpected_param"),  # -0.5
             node(5, 0, "[get_weather(c", 1, 0.0, 1),                          # 0.0, right so far
             node(6, 5, 'ity="Berlin")]', 0, -0.4, 2, error="wrong_value")]
    tree = {"id": "t", "messages": MESSAGES, "tools": tiny.TOOLS[:1], "answer": [], "nodes": nodes}
    pairs, counts = run([tree], tmp_path)
    assert [(p["chosen"], p["rejected"], p["error"]) for p in pairs] == [
        ("[get_weather(city=", "[get_time(tz=", "wrong_function")]
    worst, _ = run([tree], tmp_path, "--rejected", "worst")  # published: gibberish is the worst sibling
    assert [(p["rejected"], p["error"]) for p in worst] == [("#@ salad", "unparseable")]
    many, _ = run([tree], tmp_path, "--pairs-per-node", "5")  # every attempt that passes the filters
    assert [(p["rejected"], p["error"]) for p in many] == [
        ("[get_time(tz=", "wrong_function"), ("[get_weather(town=", "unexpected_param"),
        ("[get_weather(c", "wrong_value")]  # right so far: labelled by the weakest answer below it
    assert len({p["id"] for p in many}) == 3
    only_salad = dict(tree, nodes=nodes[:3])
    assert run([only_salad], tmp_path) == ([], {"candidates": 1, "no_attempt": 1, "gap": 0, "overlap": 0,
                                                 "min_chosen": 0})


def test_published_values_and_overlap(tmp_path):
    # sums: 3.0 (4 visits) against 1.0 (0 visits); means 0.6 against 1.0
    tree = make_tree(kids_of_root=[("a=1", 4, 3.0), ("b=2", 0, 1.0)], kids_of_1=[("x", 0, 0.0)])
    mean, _ = run([tree], tmp_path)
    assert (mean[0]["chosen"], mean[0]["chosen_value"]) == ("b=2", 1.0)
    summed, _ = run([tree], tmp_path, "--values", "sum")
    assert (summed[0]["chosen"], summed[0]["chosen_value"], summed[0]["rejected_value"]) == ("a=1", 3.0, 1.0)
    assert prefs.overlap("a b c d", "a b", "min") == 1.0 and prefs.overlap("a b c d", "a b") == 0.5
    assert prefs.overlap("f(x=1)", "f(x=2)", "min") == 0.0  # whitespace words: one word each, different


def test_means_of_backed_up_rewards_and_a_right_chosen_step(tmp_path):
    # two children with the same outcomes (-0.4 per visit) but other visit counts tie: no pair
    nodes = [node(0, None, "", 12, 0.0, 0), dict(node(1, 0, "[f(a=", 10, 0.4 - 4.0, 1), fast=0.4),
             dict(node(2, 0, "[f(b=", 1, 0.4 - 0.4, 1), fast=0.4)]
    tree = {"id": "t", "messages": MESSAGES, "tools": tiny.TOOLS[:1], "answer": [], "nodes": nodes}
    assert prefs.mean_value(nodes[1]) == pytest.approx(-0.4) == prefs.mean_value(nodes[2])
    assert run([tree], tmp_path)[1]["gap"] == 1
    # a right step whose play-outs went wrong (-0.5) against a wrong function (-0.8): kept, unless
    # only the value may pass --min-chosen (published)
    nodes = [node(0, None, "", 4, 0.0, 0), dict(node(1, 0, "[get_weather(city=", 2, 0.3 - 1.0, 1), fast=0.3),
             dict(node(2, 0, "[get_time(tz=", 2, -0.8 - 1.6, 1, error="wrong_function"), fast=-0.8)]
    tree["nodes"] = nodes
    pairs, _ = run([tree], tmp_path)
    assert [(p["chosen"], p["rejected"], p["chosen_value"]) for p in pairs] == [
        ("[get_weather(city=", "[get_time(tz=", -0.5)]
    assert run([tree], tmp_path, "--chosen", "value")[0] == []


def fragment_tree(tid, kids, answer=None, response=""):
    """A root whose children are (text, visits, value, terminal, error)."""
    nodes = [node(0, None, "", 5, 0.0, 0)]
    for text, visits, value, terminal, error in kids:
        nodes.append(dict(node(len(nodes), 0, text, visits, value, 1, error), terminal=terminal))
    return {"id": tid, "messages": MESSAGES, "tools": tiny.TOOLS[:1], "answer": answer if answer is not None else
            [{"get_weather": {"city": ["Paris"]}}], "response": response, "perplexity": 3.0, "nodes": nodes}


def test_end_kinds():
    assert prefs.end_kind('[f(a=1)]', False) == prefs.end_kind("Sorry, no.", True) == "end"
    assert prefs.end_kind('[f(a=1, ', False) == "next" and prefs.end_kind('[f(a=', False) == "name"
    assert prefs.end_kind('[f(', False) == "open" and prefs.end_kind("I can't. ", False) == "sentence"
    assert prefs.end_kind('[f(a="Par', False) == "cut"
    # a value's opening quote or brackets, one token with `=` in SmolLM2's tokenizer, keep the delimiter's kind
    assert prefs.end_kind('[f(a="', False) == prefs.end_kind('[f(a=["', False) == prefs.end_kind('[f(a={"', False) == "name"
    assert prefs.end_kind('[f(a=["x", "', False) == "next" and prefs.end_kind('[f("', False) == "open"
    assert prefs.end_kind('[f(a="x"', False) == prefs.end_kind('[f(a=""', False) == "cut"  # a closed string is not
    # `, ` whose space the next token holds: a step cut there ends at the comma
    assert prefs.end_kind('[f(a=1,', False) == prefs.end_kind('[f(a="x"),', False) == "next"
    # a `]` ends the answer only where it closes the list of calls: not a list value's, nor one in a string
    assert prefs.end_kind('[f(a=[1, 2]', False) == prefs.end_kind('[f(a="x]', False) == "cut"
    assert prefs.end_kind('[f(a=[1, 2])]', False) == prefs.end_kind('[f(a="x]", b=\'it\\\'s\')]', False) == "end"
    assert prefs.end_kind('```\n[f(a=1)]\n```', False) == prefs.end_kind('[]', False) == "end"


def test_compare_fragment_keeps_the_greedy_fork_whatever_its_ends(tmp_path):
    gold = '[get_weather(city="Paris")]'
    kids = [(gold, 2, 1.8, True, None), ('[get_weather(city="Paris", unit="', 1, -0.6, False, "unexpected_param")]
    sampled = fragment_tree("sampled", kids, response=gold)
    assert run([sampled], tmp_path, "--compare", "fragment")[0] == []  # a sample's extra parameter: other ends
    fork = fragment_tree("fork", kids, response=gold)
    fork["nodes"][2]["greedy"] = True  # the model's own extra parameter
    pairs, counts = run([fork], tmp_path, "--compare", "fragment")
    assert [(p["chosen"], p["rejected"], p["error"]) for p in pairs] == [(gold, kids[1][0], "unexpected_param")]
    assert counts["greedy_fork_ends"] == 1 and counts.get("end", 0) == 0
    cut = fragment_tree("cut", [kids[0], ('[get_weather(city="Paris", un', 1, -0.6, False, "unexpected_param")],
                        response=gold)
    cut["nodes"][2]["greedy"] = True  # a greedy answer cut by its token budget: not the model's own end
    assert run([cut], tmp_path, "--compare", "fragment")[0] == []
    fork["nodes"][1]["text"] = '[get_weather(city="Lyon")]'  # the chosen side off the gold: the rule holds again
    assert run([fork], tmp_path, "--compare", "fragment")[0] == []
    fork["nodes"][1]["text"], fork["response"] = gold, kids[1][0] + 'celsius")]'  # the greedy step on the gold: no fork
    assert run([fork], tmp_path, "--compare", "fragment")[0] == []


def test_compare_fragment_pairs_sides_that_end_at_the_same_point(tmp_path):
    call = fragment_tree("call", [('[get_weather(city="Paris")]', 2, 1.8, True, None),
                                  ('[get_weather(city="Paris", unit="', 1, -0.9, False, "unexpected_param"),
                                  ('[get_weather(city="Lyon")]', 1, -0.5, True, "wrong_value")])
    pairs, counts = run([call], tmp_path)
    assert [p["rejected"] for p in pairs] == ['[get_weather(city="Paris", unit="']  # the lowest: also teaches length
    pairs, counts = run([call], tmp_path, "--compare", "fragment")
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [('[get_weather(city="Paris")]', '[get_weather(city="Lyon")]')]
    cut = fragment_tree("cut", [('[get_weather(city="Par', 1, 0.5, False, None),
                                ('[get_weather(city="Ly', 1, -0.5, False, "wrong_value")])
    pairs, counts = run([cut], tmp_path, "--compare", "fragment")
    assert pairs == [] and counts["end"] == 1  # two samples cut mid-value: no common point
    quoted = fragment_tree("quoted", [('[get_weather(city="Paris", unit="', 1, 0.5, False, None),
                                      ('[get_weather(city="Lyon", unit="', 1, -0.5, False, "wrong_value")])
    pairs, counts = run([quoted], tmp_path, "--compare", "fragment")
    assert [p["rejected"] for p in pairs] == ['[get_weather(city="Lyon", unit="']  # both end before a value
    nested = fragment_tree("nested", [('[get_weather(city="Paris", unit="', 1, 0.5, False, None),
                                      ('[get_weather(city="', 1, -0.5, False, "wrong_value")])
    pairs, counts = run([nested], tmp_path, "--compare", "fragment")
    assert pairs == [] and counts["end"] == 1  # the same kind of end, but the rejected side is the chosen's prefix


def test_compare_fragment_chooses_an_acceptable_refusal(tmp_path):
    gold = "I can't do that: none of the given tools can book a table."
    prose = "You'll see a json data point below, specifically point 67 that's calling the get_weather function."
    irr = fragment_tree("irr", [(prose, 1, 0.9, True, None),
                                ("I can't do that: none of the given tools can book it.", 1, 0.5, True, None),
                                ('[get_weather(city="Paris")]', 1, -0.8, True, "spurious_call")], answer=[], response=gold)
    pairs, _ = run([irr], tmp_path)
    assert pairs[0]["chosen"] == prose  # valued highest: a refusal word later on, and no call
    pairs, _ = run([irr], tmp_path, "--compare", "fragment")
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [("I can't do that: none of the given tools can book it.",
                                                              '[get_weather(city="Paris")]')]
    assert prefs.acceptable("[]", {"error": None}, gold) and prefs.acceptable("I can't", {"error": None}, gold)
    assert not prefs.acceptable("Jeep', items=", {"error": None}, gold)
    assert not prefs.acceptable("I can't do that: [f()]", {"error": "spurious_call"}, gold)
    only_prose = fragment_tree("prose", [(prose, 1, 0.9, True, None), ('[get_weather(city="Paris")]', 1, -0.8, True,
                                                                       "spurious_call")], answer=[], response=gold)
    pairs, counts = run([only_prose], tmp_path, "--compare", "fragment")
    assert pairs == [] and counts["refusal"] == 1


def test_compare_fragment_keeps_irrelevance_pairs_to_their_share(tmp_path):
    gold = "None of the functions can book a table."
    calls = [fragment_tree(f"call{i}", [('[get_weather(city="Paris")]', 1, 0.9, True, None),
                                        ('[get_weather(city="Lyon")]', 1, -0.5, True, "wrong_value")]) for i in range(3)]
    irrs = [fragment_tree(f"irr{i}", [("None of the functions can do that.", 1, 0.9 - i / 10, True, None),
                                      ('[get_weather(city="Paris")]', 1, -0.8, True, "spurious_call")], answer=[],
                          response=gold) for i in range(3)]
    trees = calls + irrs[:1]  # one irrelevance tree of four: a quarter of the pairs at most
    path = tmp_path / "trees.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in calls + irrs))
    out = tmp_path / "pairs.jsonl"
    proc = subprocess.run([sys.executable, str(ROOT / "prefs.py"), "--trees", str(path), "--out", str(out),
                           "--compare", "fragment"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    kept = [p["id"] for p in common.read_jsonl(out)]
    assert kept == ["call0-n0-r2", "call1-n0-r2", "call2-n0-r2", "irr0-n0-r2", "irr1-n0-r2", "irr2-n0-r2"]  # share 1/2
    path.write_text("".join(json.dumps(t) + "\n" for t in trees + [calls[0]]))
    proc = subprocess.run([sys.executable, str(ROOT / "prefs.py"), "--trees", str(path), "--out", str(out),
                           "--compare", "fragment"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sum(p["id"].startswith("irr") for p in common.read_jsonl(out)) == 1  # 1/5 of the trees: 1 of 4 call pairs
    assert "irrelevance pairs over their trees' share 0" in proc.stdout


def test_irrelevance_decision_sets_a_refusal_against_a_call_never_two_refusals(tmp_path):
    gold = "I can't do that: none of the given tools can book a table."
    refusals = fragment_tree("words", [("I can't do that: none of the given tools can book it.", 1, 0.9, True, None),
                                       ("None of the provided functions can book it.", 1, 0.2, True, None)],
                             answer=[], response=gold)
    decision = fragment_tree("decision", [("I can't do that: none of the given tools can book it.", 1, 0.9, True, None),
                                          ("None of the provided functions can book it.", 1, 0.2, True, None),
                                          ("[]", 1, 0.5, True, None),
                                          ('[get_weather(city="Paris")]', 1, 0.6, True, "spurious_call")],
                             answer=[], response=gold)
    call = fragment_tree("call", [('[get_weather(city="Paris")]', 1, 0.9, True, None),
                                  ("I can't do that.", 1, -0.8, True, "wrong_count")])
    pairs, counts = run([refusals, decision, call], tmp_path, "--compare", "fragment")
    assert [p["id"] for p in pairs] == ["words-n0-r2", "decision-n0-r2", "call-n0-r2"]  # refusal against refusal
    pairs, counts = run([refusals, decision, call], tmp_path, "--compare", "fragment", "--irrelevance", "decision")
    assert [(p["id"], p["rejected"]) for p in pairs] == [("decision-n0-r4", '[get_weather(city="Paris")]'),
                                                        ("call-n0-r2", "I can't do that.")]  # trees of calls: as before
    assert counts["wording"] == 1  # the tree whose only other side is a refusal


def test_irrelevance_none_keeps_no_pair_of_an_irrelevance_tree_even_where_both_sides_end(tmp_path):
    gold = "I can't do that: none of the given tools can book a table."
    # whole answers, as --search sample gives them: the refusal and the call both end
    sampled = fragment_tree("sampled", [("I can't do that: none of the given tools can book it.", 1, 0.9, True, None),
                                        ('[get_weather(city="Paris")]', 1, -0.6, True, "spurious_call")],
                            answer=[], response=gold)
    call = fragment_tree("call", [('[get_weather(city="Paris")]', 1, 0.9, True, None),
                                  ('[get_weather(city="Rome")]', 1, -0.8, True, "wrong_value")])
    flags = ("--compare", "fragment", "--irrelevance")
    assert [p["id"] for p in run([sampled, call], tmp_path, *flags, "decision")[0]] == ["sampled-n0-r2", "call-n0-r2"]
    pairs, counts = run([sampled, call], tmp_path, *flags, "none")
    assert [p["id"] for p in pairs] == ["call-n0-r2"] and counts["irrelevance_trees"] == 1
    out = tmp_path / "cli.jsonl"
    cli = subprocess.run([sys.executable, str(ROOT / "prefs.py"), "--trees", str(tmp_path / "trees.jsonl"),
                          "--out", str(out), *flags, "none"], capture_output=True, text=True)
    assert cli.returncode == 0 and "--irrelevance none dropped: irrelevance trees 1" in cli.stdout, cli.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["call-n0-r2"]


def test_irrelevance_answer_carries_the_call_down_to_a_finished_answer(tmp_path):
    gold = "I can't do that: none of the given tools can book a table."
    tree = fragment_tree("carry", [("I can't do that: none of the given tools can book it.", 3, 2.4, True, None),
                                   ('[get_weather(city=', 4, -2.0, False, "spurious_call"),
                                   ("None of the provided functions can book it.", 1, 0.2, True, None)],
                         answer=[], response=gold)
    for text, visits, value, terminal in [('"Paris")]', 1, -0.6, True), ('"Rome", ', 2, -1.4, False),
                                          ('"Oslo")]', 1, -0.9, True)]:
        parent = 2 if len(tree["nodes"]) < 6 else 5  # two finished answers below node 2, a third below node 5
        tree["nodes"].append(dict(node(len(tree["nodes"]), parent, text, visits, value, tree["nodes"][parent]["depth"] + 1),
                                  terminal=terminal, error="spurious_call"))
    pairs, counts = run([tree], tmp_path, "--compare", "fragment", "--irrelevance", "decision")
    assert pairs == [] and counts["end"] == 1  # the call's own step is cut: no pair compares one fragment
    pairs, counts = run([tree], tmp_path, "--compare", "fragment", "--irrelevance", "answer")
    # the lowest-valued finished answer below the call: node 6 ("Oslo", mean -0.45) under node 5, not node 4 (-0.3)
    assert [(p["id"], p["prefix"], p["rejected"], p["error"]) for p in pairs] == [
        ("carry-n0-r6", "", '[get_weather(city="Rome", "Oslo")]', "spurious_call")]
    assert pairs[0]["rejected_value"] == -0.4 and counts["carried"] == 1  # the call's own value (-2.0 / 5), not Oslo's
    # a call whose subtree never finished is not carried and still fails the end rule
    cut = json.loads(json.dumps(tree))
    for n in cut["nodes"][4:]:
        n["terminal"], n["text"] = False, n["text"].replace(")]", ", ")
    assert run([cut], tmp_path, "--compare", "fragment", "--irrelevance", "answer")[0] == []
    # trees of calls are as before
    call = fragment_tree("call", [('[get_weather(city="Paris")]', 1, 0.9, True, None),
                                  ("I can't do that.", 1, -0.8, True, "wrong_count")])
    assert [p["id"] for p in run([call], tmp_path, "--compare", "fragment", "--irrelevance", "answer")[0]] == ["call-n0-r2"]


def test_rejected_likely_keeps_a_mistake_the_model_finds_as_likely_as_the_chosen_step(tmp_path):
    tree = fragment_tree("t", [('[get_weather(city="Paris")]', 2, 1.8, True, None),
                               ('[get_weather(city="Lyon")]', 1, -0.8, True, "wrong_value"),
                               ('[get_weather(city="Rome")]', 1, -0.6, True, "wrong_value")])
    for n, prior in zip(tree["nodes"][1:], (0.5, 0.2, 0.6)):  # Lyon: only a hot sample; Rome: the model's own
        n["prior"] = prior
    assert [p["id"] for p in run([tree], tmp_path)[0]] == ["t-n0-r2"]  # attempt: the lowest-valued
    pairs, counts = run([tree], tmp_path, "--rejected", "likely")
    assert [p["id"] for p in pairs] == ["t-n0-r3"]
    tree["nodes"][3]["prior"] = 0.4  # no mistake as likely as the chosen step: no pair
    pairs, counts = run([tree], tmp_path, "--rejected", "likely")
    assert pairs == [] and counts["unlikely"] == 1
    tree["nodes"][3]["greedy"] = True  # the model's greedy answer: its own mistake whatever its prior
    pairs, counts = run([tree], tmp_path, "--rejected", "likely")
    assert [p["id"] for p in pairs] == ["t-n0-r3"] and "unlikely" not in counts


def test_parting_names_where_two_sides_part():
    assert prefs.parting('1, b="', '1)]') == "adds a parameter / closes the call"
    assert prefs.parting('1)]', '1, b="') == "closes the call / adds a parameter"
    assert prefs.parting('x")]', 'x"), g(') == "ends the list / adds a call"
    assert prefs.parting('x"), g(', 'x")]') == "adds a call / ends the list"
    assert prefs.parting('7, b="', '1, b="') == "a value or a name"
    assert prefs.parting('[g(', '[f(') == "a value or a name"


def test_end_pairs_balanced_keeps_each_way_as_often_as_the_other(tmp_path):
    def pair(pid, chosen, rejected, gap):
        return {"id": pid, "prefix": '[f(a=1', "chosen": chosen, "rejected": rejected, "chosen_value": 0.5,
                "rejected_value": 0.5 - gap}
    closes, adds = ")]", ', b="'
    pairs = [pair("c1", closes, adds, 0.2), pair("v1", '2)]', '3)]', 0.9),  # rejected adds a parameter: 3 ways
             pair("c2", closes, adds, 0.9), pair("c3", closes, adds, 0.5),
             pair("a1", adds, closes, 0.3),  # rejected closes the call: 1
             pair("l1", '), f(', ')]', 0.4), pair("l2", '), f(', ')]', 0.8)]  # rejected ends the list, never the reverse
    counts = {}
    kept = prefs.balance_ends(pairs, counts)
    # one each way at the call's end (the largest gap), none at the list's end, values untouched, order kept
    assert [p["id"] for p in kept] == ["v1", "c2", "a1"] and counts["end_pairs"] == 4
    # through the command line: a tree of the model's own extra parameter (a greedy fork) and no opposite
    gold = '[get_weather(city="Paris")]'
    fork = fragment_tree("fork", [(gold, 2, 1.8, True, None),
                                  ('[get_weather(city="Paris", unit="', 1, -0.6, False, "unexpected_param")],
                         response=gold)
    fork["nodes"][2]["greedy"] = True
    (tmp_path / "trees.jsonl").write_text(json.dumps(fork) + "\n")
    out = tmp_path / "pairs.jsonl"
    base = [sys.executable, str(ROOT / "prefs.py"), "--trees", str(tmp_path / "trees.jsonl"), "--out", str(out),
            "--compare", "fragment"]
    subprocess.run(base, check=True, capture_output=True, cwd=ROOT)
    assert len(common.read_jsonl(str(out))) == 1
    r = subprocess.run(base + ["--end-pairs", "balanced"], check=True, capture_output=True, text=True, cwd=ROOT)
    assert common.read_jsonl(str(out)) == [] and "over the other way's count 1" in r.stdout


def test_derived_drop_keeps_value_pairs_whose_chosen_value_the_user_spells_out(tmp_path, capsys):
    kids = [('[get_weather(city="Paris")]', 2, 1.8, True, None), ('[get_weather(city="Lyon")]', 1, -0.8, True, "wrong_value")]
    spelled = fragment_tree("spelled", kids)  # "Weather in Paris?"
    derived = dict(fragment_tree("derived", kids), messages=[{"role": "user", "content": "Weather in the French capital?"}])
    count = fragment_tree("count", [('[get_weather(city="Paris")]', 2, 1.8, True, None),
                                    ('[get_weather(city="Lyon"), get_weather(city="Rome")]', 1, -0.8, True, "wrong_count")])
    count["messages"] = derived["messages"]  # a derived value first differs, but not a value pair: kept
    path, out = tmp_path / "trees.jsonl", tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in (spelled, derived, count)))
    prefs.main(["--trees", str(path), "--out", str(out)])
    assert [p["id"].split("-")[0] for p in common.read_jsonl(str(out))] == ["spelled", "derived", "count"]
    assert "--derived" not in capsys.readouterr().out
    prefs.main(["--trees", str(path), "--out", str(out), "--derived", "drop"])
    assert [p["id"].split("-")[0] for p in common.read_jsonl(str(out))] == ["spelled", "count"]
    assert "--derived drop dropped: wrong_value pairs choosing a value the user's words do not spell out 1" in capsys.readouterr().out
