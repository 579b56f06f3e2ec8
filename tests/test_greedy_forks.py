"""bench/greedy_forks.py: where the greedy path leaves the gold, the pair kept or why not."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import greedy_forks  # noqa: E402

GOLD = '[f(a=1, b="x")]'


def tree(tid, steps):
    """A root, the shared step `[f(a=` (greedy), then below it (text, visits, value, terminal, flag) steps."""
    nodes = [{"id": 0, "parent": None, "text": "", "depth": 0, "visits": 4, "value": 0.0, "prior": 1.0,
              "terminal": False, "fast": 0.0},
             {"id": 1, "parent": 0, "text": "[f(a=", "depth": 1, "visits": 4, "value": 0.0, "prior": 0.9,
              "terminal": False, "fast": 0.0, "greedy": True}]
    for text, visits, value, terminal, flag in steps:
        nodes.append({"id": len(nodes), "parent": 1, "text": text, "depth": 2, "visits": visits, "value": value,
                      "prior": 0.5, "terminal": terminal, "fast": 0.0, flag: True})
    return {"id": tid, "answer": [{"f": {"a": [1], "b": ["x"]}}], "response": GOLD, "nodes": nodes}


def test_each_fork_is_kept_or_named_by_the_first_rule_it_fails():
    trees = [tree("kept", [('1, b="x")]', 1, 1.0, True, "gold"), ('2, b="x")]', 1, -0.5, True, "greedy")]),
             tree("ends", [('1, b="', 1, 0.5, False, "gold"), ('1)]', 1, -0.5, True, "greedy")]),
             tree("highest", [('1, b="', 1, -0.5, False, "gold"), ('7, b="', 1, 0.5, False, "greedy")]),
             tree("gap", [('1, b="', 1, 0.05, False, "gold"), ('7, b="', 1, 0.0, False, "greedy")]),
             tree("right", [('1, b="x")]', 1, 1.0, True, "greedy")]),  # the greedy answer is the gold: no fork
             dict(tree("refusal", [("x", 1, 0.0, True, "greedy")]), answer=[])]  # not a call tree
    above = tree("above", [('1, b="', 1, 0.5, False, "gold"), ('3, b="', 1, -0.5, False, "greedy"),
                           ('1, b="y")]', 1, 0.9, True, "sampled")])
    unlikely = tree("unlikely", [('1, b="', 1, 0.5, False, "gold"), ('7, b="', 1, -0.5, False, "greedy")])
    unlikely["nodes"][3]["prior"] = 0.2
    unlikely_ends = tree("unlikely_ends", [('1, b="', 1, 0.5, False, "gold"), ('1)]', 1, -0.5, True, "greedy")])
    unlikely_ends["nodes"][3]["prior"] = 0.2  # --rejected likely drops it before its ends are looked at
    cut = tree("cut", [('1, b="', 1, 0.5, False, "gold"), ('1, c', 1, -0.5, False, "greedy")])  # its budget's cut
    trees += [above, unlikely, unlikely_ends, cut]
    before = greedy_forks.fork_outcomes(trees, {"kept-n1-r3"}, greedy_kept=False)  # pairs made before greedy_fork
    assert {k: [c[0] for c in v] for k, v in before.items()} == {
        "pair kept": ["kept"], "ends differ (gold name, greedy end)": ["ends"],
        "the greedy step valued highest": ["highest"], "value gap < 0.1": ["gap"],
        "another step valued above the gold's": ["above"],
        "the greedy step less likely than the gold's (--rejected likely)": ["unlikely", "unlikely_ends"],
        "ends differ (gold name, greedy cut)": ["cut"]}
    assert before["pair kept"][0][1:] == ('1, b="x")]', '2, b="x")]')
    # prefs.py now keeps a greedy fork whatever its ends, unless one is cut, and whatever its prior: one not
    # kept is not put down to them
    now = greedy_forks.fork_outcomes(trees, {"kept-n1-r3"})
    assert [c[0] for c in now["another rule (--pairs-per-node, overlap)"]] == ["ends", "unlikely", "unlikely_ends"]
    assert not any("likely" in k for k in now)
    assert [k for k in now if k.startswith("ends differ")] == ["ends differ (gold name, greedy cut)"]


def test_the_greedy_answer_on_the_gold_across_iterations():
    right = tree("right", [('1, b="x")]', 1, 1.0, True, "greedy")])
    wrong = tree("wrong", [('1, b="', 1, 0.5, False, "gold"), ('1)]', 1, -0.5, True, "greedy")])
    plain = tree("plain", [('1, b="x")]', 1, 1.0, True, "gold")])
    del plain["nodes"][1]["greedy"]  # no greedy path: not counted
    refusal = dict(tree("refusal", [("x", 1, 0.0, True, "greedy")]), answer=[])
    assert greedy_forks.greedy_on_gold([right, wrong, plain, refusal]) == {"right": True, "wrong": False}
