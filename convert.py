"""Convert public tool-use data sets into itool task JSONL (SPEC.md section 3).

    python convert.py --format toolace --input ToolACE/data.json --out data/toolace.jsonl
    python convert.py --format xlam    --input xlam_function_calling_60k.json --out data/xlam.jsonl

ToolACE (ShareGPT style): `{"system": "... [tool JSON list] ...", "conversations":
[{"from": "user"|"assistant"|"tool", "value": ...}]}`; the tools sit inside the system
text (or in a separate `tools` field), assistant calls are written `[f(a=1)]` (tool names that are not Python names,
like `Market Trends API`, become `Market_Trends_API` in tools and calls; JSON's
`true`/`false`/`null` written in a call read as Python's True/False/None). Every
assistant turn that is a list of calls becomes one task whose messages are the turns
before it; an assistant turn in prose that answers a user turn directly (the model
declines or asks for a missing value) becomes an `irrelevance` task. Prose that
summarises a tool result is not a tool-use decision and is skipped.

xLAM (APIGen): `{"query", "tools", "answers"}` with `tools` and `answers` as JSON
strings; parameters are a flat `{name: {type, description, default}}` map with types
like `str`, `List[int]`, `int, optional`, `List[Union[int, float]]`, `Optional[str]`, turned
into JSON-schema objects (a union takes the type its values can all have: ints and floats are
numbers, None makes the parameter optional); a default written as text for a numeric or
boolean parameter (`"10"`) is stored as that value.

`--format tasks` checks and normalises itool task JSONL itself (BFCL-style types such
as `dict` and `float` become JSON schema), so bad rows are found before a long run.

Input may be JSONL or one JSON array; errors name the file and the line where the
record starts. `--skip-bad` counts and skips bad records instead of stopping.
"""
import argparse
import io
import json
import os
import re
import sys
import tokenize

from common import (InputError, format_calls, parse_calls, run_main, task_problem,
                    to_json_schema, write_jsonl)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", required=True, choices=["toolace", "xlam", "tasks"], help="layout of the input records")
    p.add_argument("--input", required=True, help="JSONL, or a JSON array of records")
    p.add_argument("--out", required=True, help="task JSONL to write")
    p.add_argument("--prefix", default=None, help="id prefix (default: the format name)")
    p.add_argument("--skip-bad", action="store_true", help="skip and count bad records instead of exiting 2")
    return p.parse_args(argv)


def iter_records(path):
    """Yield (line, record) from JSONL or from a JSON array, with the line each record starts on."""
    if not os.path.isfile(path):
        raise InputError(path, None, "no such file")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stripped = text.lstrip()
    if not stripped.startswith("["):
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(path, n, f"invalid JSON ({e.msg})") from None
        return
    decoder, pos = json.JSONDecoder(), text.index("[") + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        line = text.count("\n", 0, pos) + 1
        if pos >= len(text):
            raise InputError(path, line, "JSON array is not closed")
        if text[pos] == "]":
            return
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise InputError(path, line, f"invalid JSON ({e.msg})") from None
        yield line, record


def ground_truth(calls, tools):
    """Calls as BFCL ground truth: each given value is the one acceptable value; an optional
    parameter left out may be omitted, or given its declared default."""
    by_name = {t["name"]: t for t in tools}
    answer = []
    for call in calls:
        (name, args), = call.items()
        if name not in by_name:
            raise ValueError(f"call names tool {name!r}, which is not offered")
        params = by_name[name]["parameters"]
        gt = {k: [v] for k, v in args.items()}
        for k, schema in params.get("properties", {}).items():
            if k not in gt and k not in params.get("required", []):
                gt[k] = [""] + ([schema["default"]] if "default" in schema else [])
        answer.append({name: gt})
    return answer


def category(calls, tools):
    names = [n for c in calls for n in c]
    if not names:
        return "irrelevance"
    if len(names) == 1:
        return "simple" if len(tools) == 1 else "multiple"
    return "parallel" if len(set(names)) == 1 and len(tools) == 1 else "parallel_multiple"


def make_task(task_id, tools, messages, calls, response):
    task = {"id": task_id, "category": category(calls, tools), "tools": tools,
            "messages": messages, "answer": ground_truth(calls, tools), "response": response}
    problem = task_problem(task)
    if problem:
        raise ValueError(problem)
    return task


# ---------------------------------------------------------------------------
# ToolACE

ROLE = {"user": "user", "human": "user", "assistant": "assistant", "gpt": "assistant",
        "tool": "tool", "observation": "tool", "function": "tool", "system": "system"}


def toolace_tools(record):
    """The tool list: a `tools` field, or the first JSON list of named objects in the system text."""
    if "tools" in record:
        tools = record["tools"]
        tools = json.loads(tools) if isinstance(tools, str) else tools
    else:
        text, decoder, tools = record.get("system", ""), json.JSONDecoder(), None
        for m in re.finditer(r"\[", text):
            try:
                value, _ = decoder.raw_decode(text, m.start())
            except json.JSONDecodeError:
                continue
            if isinstance(value, list) and value and all(isinstance(t, dict) and "name" in t for t in value):
                tools = value
                break
        if tools is None:
            raise ValueError("no tool list found in the system text")
    if not isinstance(tools, list) or not tools:
        raise ValueError("no tools")
    return [dict(t, parameters=to_json_schema(t.get("parameters", {"type": "object", "properties": {}})))
            for t in tools]


def python_name(name):
    """ToolACE names such as 'Market Trends API' cannot appear in a Python call: 'Market_Trends_API'."""
    name = re.sub(r"[^0-9A-Za-z_.]", "_", name.strip())
    return "_" + name if name[:1].isdigit() else name


def rename_tools(tools):
    """Tools with Python-callable names, and a function rewriting call text to match."""
    renames = {t["name"]: python_name(t["name"]) for t in tools if python_name(t["name"]) != t["name"]}
    tools = [dict(t, name=renames.get(t["name"], t["name"])) for t in tools]

    def fix(text):
        for old in sorted(renames, key=len, reverse=True):  # longest first: 'A B C' before 'B C'
            text = re.sub(re.escape(old) + r"\s*\(", renames[old] + "(", text)
        return text
    return tools, fix


JSON_LITERALS = {"true": "True", "false": "False", "null": "None"}


def python_literals(text):
    """ToolACE calls sometimes write JSON's true/false/null (`remote=false`); as Python names they
    would read as the strings "false" etc. Bare names outside strings (not keyword names) become
    True/False/None; text that does not tokenize is returned as it is."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    lines = text.splitlines(keepends=True)
    for k in range(len(tokens) - 1, -1, -1):  # from the end: earlier positions stay valid
        tok = tokens[k]
        after = next((t for t in tokens[k + 1:] if t.type not in (tokenize.NL, tokenize.COMMENT)), None)
        if tok.type == tokenize.NAME and tok.string in JSON_LITERALS and not (after and after.string == "="):
            (row, col), (_, end) = tok.start, tok.end
            lines[row - 1] = lines[row - 1][:col] + JSON_LITERALS[tok.string] + lines[row - 1][end:]
    return "".join(lines)


def convert_toolace(record, rid):
    """One task per assistant decision (calls, or prose answering the user directly)."""
    tools, fix_names = rename_tools(toolace_tools(record))
    tasks, history = [], []
    for i, turn in enumerate(record.get("conversations") or []):
        role = ROLE.get(str(turn.get("from", "")).lower())
        value = turn.get("value")
        if role is None or not isinstance(value, str):
            raise ValueError(f"conversations[{i}] has no known `from` or no string `value`")
        if role == "assistant":
            try:
                calls = parse_calls(python_literals(fix_names(value)))
            except ValueError:
                calls = []
            if calls:
                tasks.append(make_task(f"{rid}-{len(tasks)}", tools, list(history), calls, format_calls(calls)))
            elif history and history[-1]["role"] == "user":
                tasks.append(make_task(f"{rid}-{len(tasks)}", tools, list(history), [], value.strip()))
        history.append({"role": role, "content": value})
    if not tasks:
        raise ValueError("no assistant turn to learn from")
    return tasks


# ---------------------------------------------------------------------------
# xLAM

def split_top(text):
    """'int, List[int, str]' -> ['int', 'List[int, str]']: commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "[(" and 1 or ch in "])" and -1 or 0
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    return [p for p in parts + [text[start:].strip()] if p]


def union_schema(members):
    """One JSON-schema type for a union, as the values can be: None members drop out, numbers
    join as number (integer if all are), identical members stay, else the first member's."""
    schemas = [xlam_type(m)[0] for m in members if m not in ("None", "NoneType", "null")]
    if not schemas:
        return {"type": "string"}
    kinds = {s["type"] for s in schemas}
    if kinds <= {"integer", "number"}:
        return {"type": "integer" if kinds == {"integer"} else "number"}
    return schemas[0]


def xlam_type(t):
    """xLAM's typing text -> (JSON schema, optional): 'List[Union[int, float]], optional' ->
    ({"type": "array", "items": {"type": "number"}}, True)."""
    t = str(t).strip()
    optional = bool(re.search(r",\s*optional$", t))
    t = re.sub(r",\s*optional$", "", t).strip()
    m = re.match(r"^(?:typing\.)?(\w+)\[(.*)\]$", t)
    outer, args = (m.group(1), split_top(m.group(2))) if m else (t, [])
    if outer == "Optional":
        return union_schema(args), True
    if outer == "Union" or ("|" in t and not m):
        members = args if outer == "Union" else [x.strip() for x in t.split("|")]
        schema = union_schema(members)
        return schema, optional or any(x in ("None", "NoneType") for x in members)
    if outer.lower() in ("list", "tuple", "set", "sequence", "iterable", "frozenset"):
        return {"type": "array", "items": xlam_type(args[0])[0] if args else {"type": "string"}}, optional
    if outer.lower() in ("dict", "mapping"):
        return {"type": "object"}, optional
    if outer in ("Any", "any"):
        return {"type": "string"}, optional
    return {"type": to_json_schema({"type": t})["type"] if t else "string"}, optional


def typed_default(value, schema):
    """A default given as text for a numeric or boolean parameter ('10', '0.5', 'true') as that value."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if schema["type"] == "integer" and re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if schema["type"] == "number" and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)
    if schema["type"] == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value


def xlam_tool(tool):
    props, required = {}, []
    for name, spec in (tool.get("parameters") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        schema, optional = xlam_type(spec.get("type", "string"))
        if spec.get("description"):
            schema["description"] = spec["description"]
        if "default" in spec and spec["default"] not in (None, ""):
            schema["default"] = typed_default(spec["default"], schema)
            optional = True
        props[name] = schema
        if not optional:
            required.append(name)
    return {"name": tool["name"], "description": tool.get("description", ""),
            "parameters": {"type": "object", "properties": props, "required": required}}


def convert_xlam(record, rid):
    """One task per record: the query, its tools, its answers as the gold calls."""
    def field(key):
        value = record.get(key)
        return json.loads(value) if isinstance(value, str) else value
    tools, answers = field("tools"), field("answers")
    if not isinstance(tools, list) or not tools or not isinstance(answers, list):
        raise ValueError("`tools` and `answers` must be JSON lists")
    if not isinstance(record.get("query"), str):
        raise ValueError("`query` must be a string")
    tools = [xlam_tool(t) for t in tools]
    calls = [{a["name"]: a.get("arguments") or {}} for a in answers]
    response = format_calls(calls) if calls else "None of the provided functions can be used for this request."
    return [make_task(rid, tools, [{"role": "user", "content": record["query"]}], calls, response)]


# ---------------------------------------------------------------------------
# itool tasks: checked and normalised (BFCL types mapped), e.g. before a long run

def convert_tasks(record, rid):
    """A task row as it is, with its tool schemas in JSON-schema types, or why it is not one."""
    task = dict(record)
    if isinstance(task.get("tools"), list):
        task["tools"] = [dict(t, parameters=to_json_schema(t.get("parameters"))) if isinstance(t, dict) else t
                         for t in task["tools"]]
    problem = task_problem(task)
    if problem:
        raise ValueError(problem)
    return [task]


CONVERTERS = {"toolace": convert_toolace, "xlam": convert_xlam, "tasks": convert_tasks}


def main(argv=None):
    args = parse_args(argv)
    convert, prefix = CONVERTERS[args.format], args.prefix or args.format
    tasks, bad, seen = [], 0, set()
    for line, record in iter_records(args.input):
        try:
            if not isinstance(record, dict):
                raise ValueError("record is not a JSON object")
            rid = f"{prefix}-{record['id']}" if record.get("id") is not None else f"{prefix}-{line}"
            new = convert(record, rid)
            if any(t["id"] in seen for t in new):
                raise ValueError(f"duplicate id {new[0]['id']!r}")
        except (ValueError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
            if not args.skip_bad:
                raise InputError(args.input, line, str(e).splitlines()[0] if str(e) else type(e).__name__) from None
            bad += 1
            continue
        seen.update(t["id"] for t in new)
        tasks.extend(new)
    if not tasks:
        raise InputError(args.input, None, "no task could be made from this file")
    write_jsonl(args.out, tasks)
    counts = {c: sum(t["category"] == c for t in tasks) for c in sorted({t["category"] for t in tasks})}
    print(f"wrote {len(tasks)} tasks to {args.out} ({', '.join(f'{k} {v}' for k, v in counts.items())}); "
          f"skipped {bad} bad records", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
