"""bench/value_sources.py: gold values the prompt spells out against those the model must derive."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import checker  # noqa: E402
import prefs  # noqa: E402
import value_sources  # noqa: E402

TOOL = {"name": "fit_log_run", "description": "Log a run.",
        "parameters": {"type": "object", "properties": {
            "distance_km": {"type": "number", "description": "Distance."},
            "minutes": {"type": "integer", "description": "Duration."},
            "date": {"type": "string", "description": "Day."}}, "required": ["distance_km", "minutes"]}}


def task(i, words, answer):
    return {"id": f"t{i}", "category": "simple", "tools": [TOOL], "messages": [{"role": "user", "content": words}],
            "answer": [{"fit_log_run": answer}], "response": "[fit_log_run()]"}


def test_a_value_is_literal_only_when_the_prompt_spells_it():
    words = checker.user_text(task(0, "Log a 5K run, three hours, on 2026-07-09.", {}))
    assert checker.value_source([5.0], words) == "literal"  # a whole float read as an integer
    assert checker.value_source(["2026-07-09"], words) == "literal"
    assert checker.value_source([180], words) == "derived"  # "three hours"
    assert checker.value_source(["", 180], words) == "derived"  # "" (optional) is no value


def test_a_number_is_literal_only_as_a_whole_number_of_the_prompt():
    words = checker.user_text(task(0, "Water zones 4, 7 and 12 on 2026-07-09 for 1,500 seconds at 2.50 l/min.", {}))
    assert [checker.value_source([v], words) for v in (7, "4", 12, 1500, 2.5, "2.5", 2026)] == ["literal"] * 7
    # inside another number: by chance, not spelled out (a substring test reads all four as literal)
    assert [checker.value_source([v], words) for v in (9, 1, 50, 500)] == ["derived"] * 4
    assert checker.value_source([7], checker.user_text(task(1, "Set it to 17.", {}))) == "derived"
    assert checker.value_source(["Zones"], words) == "literal"  # text: as normalized text


def test_answer_values_checks_each_parameter_alone():
    t = task(0, "Log a 5K run, three hours.", {"distance_km": [5.0], "minutes": [180], "date": ["", "today"]})
    got = value_sources.answer_values(t, '[fit_log_run(distance_km=5, minutes=90)]')
    assert sorted(got) == [("derived", False), ("literal", True)]  # date unset: not counted
    assert value_sources.answer_values(t, "I can't") is None
    assert value_sources.answer_values(t, "[fit_log_run(distance_km=5), fit_log_run(distance_km=5)]") is None


def test_a_pair_is_read_at_its_first_differing_value():
    pair = {"messages": [{"role": "user", "content": "Water zones 4 and 7 for three hours."}], "error": "wrong_value"}
    assert prefs.pair_source(dict(pair, chosen="7], minutes=180)]", rejected="7], minutes=90)]")) == "derived"
    assert prefs.pair_source(dict(pair, chosen='4", zone="', rejected='5", zone="')) == "literal"  # starts in a string
    assert prefs.pair_source(dict(pair, chosen="7])]", rejected="7], minutes=")) is None


def test_the_script_prints_both_tables(tmp_path):
    tasks = [task(0, "Log a 5K run, three hours.", {"distance_km": [5.0], "minutes": [180]}),
             task(1, "Log a 10K run, 45 minutes.", {"distance_km": [10.0], "minutes": [45]})]
    data, folder = tmp_path / "test.jsonl", tmp_path / "eval"
    data.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    folder.mkdir()
    (folder / "synth.jsonl").write_text(
        json.dumps({"id": "t0", "output": "[fit_log_run(distance_km=5.0, minutes=180)]"}) + "\n"
        + json.dumps({"id": "t1", "output": "[fit_log_run(distance_km=1.0, minutes=45)]"}) + "\n")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps(dict(tasks[0], chosen="180)]", rejected="90)]", error="wrong_value")) + "\n"
                     + json.dumps(dict(tasks[0], chosen="180)]", rejected="180, date=", error="wrong_count")) + "\n")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "value_sources.py"), "--data", str(data),
                          str(folder), "--pairs", str(pairs)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"| {folder} | 2 / 1 | 33.3 | 1 / 0 | 0.0 |" in out.stdout  # 5.0 and 45 right, 1.0 wrong; 180 right
    assert f"| {pairs} | 1 | 0 | 1 | 0 |" in out.stdout
