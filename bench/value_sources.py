"""Are the wrong values the ones a prompt does not spell out? Values split by where the gold's comes from.

    python bench/value_sources.py --data runs/plateau2/data/test.jsonl runs/plateau2-annealed-sft_continued/eval/warmup runs/plateau2-annealed-itool_balanced/eval/iter2 [--pairs runs/plateau2-annealed-itool_balanced/iter1/pairs.jsonl ...]

A gold value is `literal` when some acceptable value of it is spelled out in the user's words
(checker.value_source: a number as one of the prompt's numbers, whole, so that 7 is not in "2026-07-09"; any
other value as text read by checker.normalize: case, spaces and ,./-_ dropped), else `derived`: the model must
derive it ("three hours" -> 180, "6:15 pm" -> "18:15", "Amsterdam" -> "AMS").

- Each eval folder (its synth.jsonl, eval.py's outputs on --data): every case with one gold call
  answered with one call to the same function; each gold parameter the answer sets, right or wrong
  by checker.check_call on that parameter alone.
- Each --pairs file (prefs.py's output), its wrong_value pairs: the first value where chosen and
  rejected differ (a fragment may start inside a string), literal or derived by the chosen one
  (prefs.pair_source, which `prefs.py --derived drop` filters by).

Torch-free; reads files only.
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import checker  # noqa: E402
import common  # noqa: E402
from checker import user_text, value_source  # noqa: E402
from prefs import pair_source  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folders", nargs="*", help="eval.py output folders (synth.jsonl)")
    p.add_argument("--data", required=True, help="the synthetic test set the folders were evaluated on")
    p.add_argument("--pairs", nargs="*", default=[], help="prefs.py pairs files")
    return p.parse_args(argv)


def answer_values(task, output):
    """[(source, right)] for each scalar gold parameter the output's one call sets (None if not comparable)."""
    if len(task["answer"]) != 1:
        return None
    try:
        calls = common.parse_calls(output)
    except ValueError:
        return None
    (name, gold), = task["answer"][0].items()
    if len(calls) != 1 or name not in calls[0]:
        return None
    doc = next((d for d in checker.tool_docs(task) if d["name"] == name), None)
    if doc is None:
        return None
    text, props, out = user_text(task), doc["parameters"]["properties"], []
    for param, acceptable in gold.items():
        values = [v for v in acceptable if v != ""]
        if param not in calls[0][name] or param not in props or not values or isinstance(values[0], (list, dict)):
            continue
        alone = dict(doc, parameters=dict(doc["parameters"], properties={param: props[param]}, required=[]))
        wrong = checker.check_call(alone, {name: {param: calls[0][name][param]}}, {name: {param: acceptable}})
        out.append((value_source(values, text), wrong is None))
    return out


def main(argv=None):
    args = parse_args(argv)
    tasks = {t["id"]: t for t in common.read_tasks(args.data, need_response=True)}
    print("| eval folder | literal values: right / wrong | wrong % | derived values: right / wrong | wrong % |")
    print("|---|---|---|---|---|")
    for folder in args.folders:
        counts = collections.Counter()
        for _, row in common.iter_jsonl(os.path.join(folder, "synth.jsonl")):
            if row["id"] in tasks:
                counts.update(answer_values(tasks[row["id"]], row.get("output", "")) or [])
        cells = []
        for kind in ("literal", "derived"):
            right, wrong = counts[(kind, True)], counts[(kind, False)]
            cells += [f"{right} / {wrong}", f"{100 * wrong / max(right + wrong, 1):.1f}"]
        print(f"| {folder} | " + " | ".join(cells) + " |")
    if args.pairs:
        print("\n| pairs | wrong_value pairs | chosen value literal | derived | no differing value |")
        print("|---|---|---|---|---|")
    for path in args.pairs:
        kinds = collections.Counter(pair_source(p) for _, p in common.iter_jsonl(path) if p.get("error") == "wrong_value")
        print(f"| {path} | {sum(kinds.values())} | {kinds['literal']} | {kinds['derived']} | {kinds[None]} |")


if __name__ == "__main__":
    common.run_main(main)
