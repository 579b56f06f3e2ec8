"""convert.py on records written by hand in ToolACE's and xLAM's published layouts."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from common import parse_calls, read_tasks  # noqa: E402

TOOLACE_SYSTEM = (
    "You are an expert in composing functions. You are given a question and a set of possible functions.\n"
    "Here is a list of functions in JSON format that you can invoke:\n"
    + json.dumps([
        {"name": "Market Trends API", "description": "Get the latest market trends.",
         "parameters": {"type": "dict", "properties": {
             "trend_type": {"description": "Trend type.", "type": "string"},
             "country": {"description": "Country code.", "type": "string", "default": "us"}},
             "required": ["trend_type"]}},
        {"name": "get_ratio", "description": "Ratio of two numbers.",
         "parameters": {"type": "dict", "properties": {
             "a": {"type": "float", "description": "numerator"},
             "b": {"type": "float", "description": "denominator"},
             "pairs": {"type": "array", "items": {"type": "tuple"}, "description": "pairs"}},
             "required": ["a", "b"]}},
    ])
    + ". Should you decide to return the function call(s), put them in the format of [func1(params_name=params_value)]."
)

TOOLACE = [
    {"system": TOOLACE_SYSTEM, "conversations": [
        {"from": "user", "value": "What are the gainers in the UK market today?"},
        {"from": "assistant", "value": '[Market Trends API(trend_type="MARKET_INDEXES", country="gb")]'},
        {"from": "tool", "value": '[{"name": "Market Trends API", "results": {"trends": []}}]'},
        {"from": "assistant", "value": "There are no notable trends in the UK today."},
        {"from": "user", "value": "Divide 3 by 4, and also 10 by 5."},
        {"from": "assistant", "value": "[get_ratio(a=3.0, b=4.0), get_ratio(a=10, b=5)]"},
    ]},
    {"system": TOOLACE_SYSTEM, "conversations": [
        {"from": "user", "value": "Can you compute a ratio for me?"},
        {"from": "assistant", "value": "Sure, which two numbers should I divide?"},
    ]},
]

XLAM = [
    {"id": 7, "query": "Where can I find live giveaways for beta access and games?",
     "answers": json.dumps([{"name": "live_giveaways_by_type", "arguments": {"type": "beta"}},
                            {"name": "live_giveaways_by_type", "arguments": {"type": "game"}}]),
     "tools": json.dumps([{"name": "live_giveaways_by_type", "description": "Retrieve live giveaways.",
                           "parameters": {"type": {"description": "Type of giveaways.", "type": "str", "default": "game"}}}])},
    {"id": 8, "query": "Top 3 players by score, and is 'racecar' a palindrome?",
     "answers": json.dumps([{"name": "top_players", "arguments": {"n": 3, "scores": [1.5, 2]}},
                            {"name": "is_palindrome", "arguments": {"text": "racecar"}}]),
     "tools": json.dumps([
         {"name": "top_players", "description": "Best players.",
          "parameters": {"n": {"description": "How many.", "type": "int"},
                         "scores": {"description": "Scores.", "type": "List[float]"},
                         "league": {"description": "League.", "type": "str, optional"}}},
         {"name": "is_palindrome", "description": "Palindrome check.",
          "parameters": {"text": {"description": "Text.", "type": "str"}}}])},
]


def run_convert(tmp_path, fmt, records, jsonl=False, extra=()):
    src = tmp_path / f"{fmt}.{'jsonl' if jsonl else 'json'}"
    if jsonl:
        src.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        # one record per line inside the array, so record i starts on line i + 2
        src.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    out = tmp_path / f"{fmt}.tasks.jsonl"
    proc = subprocess.run([sys.executable, str(ROOT / "convert.py"), "--format", fmt, "--input", str(src),
                           "--out", str(out), *extra], capture_output=True, text=True)
    return proc, out


def test_toolace(tmp_path):
    proc, out = run_convert(tmp_path, "toolace", TOOLACE)
    assert proc.returncode == 0, proc.stderr
    tasks = read_tasks(out, need_response=True)
    assert [t["category"] for t in tasks] == ["multiple", "parallel_multiple", "irrelevance"]
    first, second, third = tasks
    # BFCL-style types become JSON schema before they reach a chat template
    assert first["tools"][1]["parameters"]["type"] == "object"
    assert first["tools"][1]["parameters"]["properties"]["a"]["type"] == "number"
    assert first["tools"][1]["parameters"]["properties"]["pairs"]["items"]["type"] == "array"
    assert first["messages"] == [{"role": "user", "content": TOOLACE[0]["conversations"][0]["value"]}]
    # the optional parameter given explicitly is the only acceptable value; a left-out one is optional
    assert first["tools"][0]["name"] == "Market_Trends_API"  # a name a Python call can carry
    assert first["answer"] == [{"Market_Trends_API": {"trend_type": ["MARKET_INDEXES"], "country": ["gb"]}}]
    assert second["answer"][0] == {"get_ratio": {"a": [3.0], "b": [4.0], "pairs": [""]}}
    # later decisions keep the whole conversation before them, tool results included
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool", "assistant", "user"]
    assert parse_calls(second["response"]) == [{"get_ratio": {"a": 3.0, "b": 4.0}}, {"get_ratio": {"a": 10, "b": 5}}]
    # prose answering the user directly: a decision not to call
    assert third["answer"] == [] and third["response"].startswith("Sure")


def test_toolace_tools_field_and_jsonl(tmp_path):
    tools = [{"name": "ping", "description": "Ping a host.",
              "parameters": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]}}]
    rec = {"tools": json.dumps(tools), "conversations": [
        {"from": "human", "value": "ping example.org"}, {"from": "gpt", "value": '[ping(host="example.org")]'}]}
    proc, out = run_convert(tmp_path, "toolace", [rec], jsonl=True)
    assert proc.returncode == 0, proc.stderr
    (task,) = read_tasks(out)
    assert task["category"] == "simple" and task["answer"] == [{"ping": {"host": ["example.org"]}}]


def test_xlam(tmp_path):
    proc, out = run_convert(tmp_path, "xlam", XLAM)
    assert proc.returncode == 0, proc.stderr
    a, b = read_tasks(out, need_response=True)
    assert a["id"] == "xlam-7" and a["category"] == "parallel"
    schema = a["tools"][0]["parameters"]
    assert schema == {"type": "object", "required": [],
                      "properties": {"type": {"type": "string", "description": "Type of giveaways.", "default": "game"}}}
    assert a["answer"] == [{"live_giveaways_by_type": {"type": ["beta"]}}, {"live_giveaways_by_type": {"type": ["game"]}}]
    assert b["category"] == "parallel_multiple"
    props = b["tools"][0]["parameters"]["properties"]
    assert props["n"]["type"] == "integer" and props["scores"] == {"type": "array", "items": {"type": "number"}, "description": "Scores."}
    assert b["tools"][0]["parameters"]["required"] == ["n", "scores"]
    assert b["answer"][0] == {"top_players": {"n": [3], "scores": [[1.5, 2]], "league": [""]}}
    assert b["response"] == '[top_players(n=3, scores=[1.5, 2]), is_palindrome(text="racecar")]'


def test_toolace_json_literals_read_as_python(tmp_path):
    tools = [{"name": "Job Search", "description": "Find jobs.", "parameters": {"type": "dict", "properties": {
        "query": {"type": "string"}, "remote": {"type": "boolean"}, "salary_min": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "boolean"}}}, "required": ["query"]}}]
    rec = {"system": "Here is a list of functions in JSON format that you can invoke:\n" + json.dumps(tools) + ".",
           "conversations": [{"from": "user", "value": "Remote-free analyst jobs, any salary"},
                             {"from": "assistant",
                              "value": '[Job Search(query="analyst false positives", remote=false, salary_min=null, '
                                       'tags=[true, false])]'}]}
    proc, out = run_convert(tmp_path, "toolace", [rec])
    assert proc.returncode == 0, proc.stderr
    (task,) = read_tasks(out, need_response=True)
    # JSON's literals are Python's; the same word inside a string stays text
    assert task["answer"] == [{"Job_Search": {"query": ["analyst false positives"], "remote": [False],
                                              "salary_min": [None], "tags": [[True, False]]}}]
    assert task["response"] == ('[Job_Search(query="analyst false positives", remote=False, salary_min=None, '
                                'tags=[True, False])]')


def test_xlam_union_types_and_typed_defaults(tmp_path):
    rec = {"id": 11, "query": "Average of 1, 2.5 and 4, rounded to 2 places; then the top 10 scores.",
           "answers": json.dumps([{"name": "average", "arguments": {"numbers": [1, 2.5, 4], "places": 2}},
                                  {"name": "top_scores", "arguments": {}}]),
           "tools": json.dumps([
               {"name": "average", "description": "Mean of numbers.", "parameters": {
                   "numbers": {"description": "Numbers.", "type": "List[Union[int, float]]"},
                   "places": {"description": "Decimals.", "type": "Optional[int]", "default": "1"},
                   "weight": {"description": "Weight.", "type": "Union[int, float], optional", "default": "0.5"}}},
               {"name": "top_scores", "description": "Best scores.", "parameters": {
                   "n": {"description": "How many.", "type": "int", "default": "10"},
                   "desc": {"description": "Descending.", "type": "bool, optional", "default": "true"},
                   "names": {"description": "Players.", "type": "List[str] | None", "default": ""}}}])}
    proc, out = run_convert(tmp_path, "xlam", [rec])
    assert proc.returncode == 0, proc.stderr
    (task,) = read_tasks(out, need_response=True)
    avg, top = (t["parameters"] for t in task["tools"])
    assert avg["properties"]["numbers"]["type"] == "array" and avg["properties"]["numbers"]["items"] == {"type": "number"}
    assert avg["properties"]["places"]["type"] == "integer" and avg["properties"]["places"]["default"] == 1
    assert avg["properties"]["weight"]["type"] == "number" and avg["properties"]["weight"]["default"] == 0.5
    assert avg["required"] == ["numbers"]
    assert top["properties"]["n"]["default"] == 10 and top["properties"]["desc"]["default"] is True
    assert top["properties"]["names"] == {"type": "array", "items": {"type": "string"}, "description": "Players."}
    assert top["required"] == []
    # the gold answer accepts the typed default as well as leaving it out
    assert task["answer"] == [{"average": {"numbers": [[1, 2.5, 4]], "places": [2], "weight": ["", 0.5]}},
                              {"top_scores": {"n": ["", 10], "desc": ["", True], "names": [""]}}]


@pytest.mark.parametrize("fmt,records,line,message", [
    ("xlam", [XLAM[0], {"id": 9, "query": "x", "tools": "[]", "answers": "[]"}], 3, "must be JSON lists"),
    ("xlam", [XLAM[0], dict(XLAM[1], answers=json.dumps([{"name": "nope", "arguments": {}}]))], 3, "not offered"),
    ("toolace", [TOOLACE[0], {"system": "no tools here", "conversations": []}], 3, "no tool list"),
])
def test_bad_records(tmp_path, fmt, records, line, message):
    proc, out = run_convert(tmp_path, fmt, records)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and message in err
    assert f"{fmt}.json:" in err
    if line:
        assert f"{fmt}.json:{line}:" in err
    assert not out.exists()
    proc, out = run_convert(tmp_path, fmt, records, extra=["--skip-bad"])
    assert proc.returncode == 0 and "skipped 1 bad records" in proc.stderr


def test_malformed_json_names_line(tmp_path):
    src = tmp_path / "x.jsonl"
    src.write_text(json.dumps(XLAM[0]) + "\n{broken\n")
    proc = subprocess.run([sys.executable, str(ROOT / "convert.py"), "--format", "xlam", "--input", str(src),
                           "--out", str(tmp_path / "o.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 2 and f"{src}:2: invalid JSON" in proc.stderr
    assert not (tmp_path / "o.jsonl").exists()
