"""The torch-free core of every itool stage: file I/O, tasks, chat rendering, tool-call
text. Models, devices and the training machinery live in training.py.

Everything here is a plain function; stages import what they need:

    from common import read_tasks, write_jsonl, render_prompt

Conventions kept by every stage:
- bad input raises InputError("file", line, "what is wrong"); `run_main` turns
  it into one stderr line `file:line: what is wrong` and exit status 2;
- every output file is written under a temporary name and renamed, so an
  interrupted stage never leaves a half-written file;
- model text is parsed with `ast`, never evaluated.
"""
import ast
import contextlib
import hashlib
import json
import math
import operator
import os
import re
import sys
import tempfile
import warnings

CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")
ROLES = ("system", "user", "assistant", "tool")
DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"

# ChatML, SmolLM2's own format. Kept here so that tiny test tokenizers and any
# model folder lacking a template render prompts exactly like the default model.
# A conversation without a system turn gets SmolLM2's default one.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


# ---------------------------------------------------------------------------
# Errors and entry points

class InputError(Exception):
    """Bad input from the user: reported as `file:line: message`, exit status 2."""

    def __init__(self, path, line, message):
        self.path, self.line, self.message = str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


def run_main(main):
    """Run a stage's main(); bad input ends with one line on stderr and exit 2."""
    try:
        main()
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


# Faults the subprocess tests ask for through the environment (a NaN loss at a training step; a
# pause after each tree mcts.py writes, room to kill it between two); read at one place each.
FAULTS = {"nan_step": "ITOOL_FAULT_NAN_STEP", "tree_delay": "ITOOL_FAULT_TREE_DELAY"}


def fault(name):
    """The value a test set for fault `name` (FAULTS), or None."""
    return os.environ.get(FAULTS[name])


# ---------------------------------------------------------------------------
# Files

def cut_torn_tail(path):
    """Cut an appended file back to its last newline (a kill mid-write leaves a torn last
    line) and return its complete lines as bytes."""
    with open(path, "rb+") as f:
        data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            f.truncate(end)
    return data[:end]


@contextlib.contextmanager
def atomic_write(path, mode="w"):
    """Open a temporary file beside `path`; rename it over `path` only on success."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path, rows):
    with atomic_write(path) as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_json(path, obj):
    with atomic_write(path) as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_settings(args, keys, data_path, **more):
    """What a stored result depends on, kept beside it so that a resumed run can check it: the
    arguments named in `keys`, the data file's sha256 and `more` (the model's path)."""
    return dict({k: getattr(args, k) for k in keys}, data_sha256=file_sha256(data_path), **more)


def check_settings(saved, settings, path, what):
    """InputError at `path` when a stored result (`saved`) was made with other settings, naming them."""
    if saved != settings:
        saved = saved or {}
        changed = sorted(k for k in set(settings) | set(saved) if saved.get(k) != settings.get(k))
        raise InputError(path, None, f"{what} other settings ({', '.join(changed)}); use a new --out")


def iter_jsonl(path):
    """Yield (line_number, object) for each non-blank line; errors name file:line."""
    if not os.path.isfile(path):
        raise InputError(path, None, "no such file")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(path, n, f"invalid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(obj, dict):
                raise InputError(path, n, f"expected a JSON object, got {type(obj).__name__}")
            yield n, obj


def read_jsonl(path):
    return [obj for _, obj in iter_jsonl(path)]


# ---------------------------------------------------------------------------
# Tasks (SPEC.md section 3)

def check_schema(schema, where):
    """A tool's `parameters` must be a JSON-schema object with a `properties` dict."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return f"{where}: `parameters` must be an object schema ({{\"type\": \"object\", ...}})"
    props = schema.get("properties", {})
    if not isinstance(props, dict) or not all(isinstance(p, dict) for p in props.values()):
        return f"{where}: `parameters.properties` must map names to schemas"
    req = schema.get("required", [])
    if not isinstance(req, list) or any(r not in props for r in req):
        return f"{where}: `parameters.required` must list names from `properties`"
    return None


# BFCL and ToolACE write Python-ish type names; chat templates and validators want JSON schema.
SCHEMA_TYPES = {"dict": "object", "object": "object", "float": "number", "number": "number",
                "double": "number", "int": "integer", "integer": "integer", "long": "integer",
                "str": "string", "string": "string", "char": "string", "any": "string",
                "bool": "boolean", "boolean": "boolean", "tuple": "array", "list": "array",
                "array": "array", "null": "null"}


def to_json_schema(schema):
    """Copy of a parameter schema with BFCL-style types (dict, float, tuple, any) mapped to
    JSON-schema types, recursively through properties and items."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    t = out.get("type")
    if isinstance(t, str):
        out["type"] = SCHEMA_TYPES.get(t.lower(), t)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: to_json_schema(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = to_json_schema(out["items"])
    return out


def task_problem(task):
    """What is wrong with a task row, or None. Shared by every reader of task JSONL."""
    if not isinstance(task.get("id"), (str, int)):
        return "task has no `id`"
    if task.get("category", "simple") not in CATEGORIES:
        return f"unknown category {task.get('category')!r} (expected one of {', '.join(CATEGORIES)})"
    tools = task.get("tools")
    if not isinstance(tools, list) or not tools:
        return "task has no `tools` (a non-empty list of function schemas)"
    names = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            return f"tools[{i}] has no `name`"
        problem = check_schema(tool.get("parameters"), f"tool {tool['name']!r}")
        if problem:
            return problem
        names.append(tool["name"])
    messages = task.get("messages")
    if not isinstance(messages, list) or not messages:
        return "task has no `messages` (a non-empty list of {role, content})"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            return f"messages[{i}] must be {{\"role\": {'|'.join(ROLES)}, \"content\": str}}"
    answer = task.get("answer", [])
    if not isinstance(answer, list):
        return "`answer` must be a list of {function: {param: [values]}}"
    for call in answer:
        if not isinstance(call, dict) or len(call) != 1:
            return "each `answer` entry must be {function: {param: [values]}}"
        (fname, params), = call.items()
        if fname not in names:
            return f"answer names tool {fname!r}, which is not offered (tools: {', '.join(names)})"
        if not isinstance(params, dict) or not all(isinstance(v, list) for v in params.values()):
            return f"answer for {fname!r} must map each parameter to a list of acceptable values"
    if "response" in task and not isinstance(task["response"], str):
        return "`response` must be a string"
    return None


def read_tasks(path, need_response=False):
    """Read and validate task JSONL; the first bad row raises InputError(file, line)."""
    tasks, seen = [], set()
    for n, task in iter_jsonl(path):
        problem = task_problem(task)
        if problem is None and need_response and not task.get("response"):
            problem = "task has no gold `response` (needed for training)"
        if problem is None and task["id"] in seen:
            problem = f"duplicate id {task['id']!r}"
        seen.add(task.get("id"))
        if problem:
            raise InputError(path, n, problem)
        task.setdefault("category", "simple")
        task.setdefault("answer", [])
        tasks.append(task)
    if not tasks:
        raise InputError(path, None, "no tasks in file")
    return tasks


# ---------------------------------------------------------------------------
# Tool-call text: BFCL's Python-call format, written and parsed

# Where an answer's fragments end (SPEC.md: MCTS expansion): after these delimiters, kept on the left.
FRAGMENT_ENDS = {"open": "(", "name": "=", "next": ", ", "sentence": ". "}
# a value's opening brackets and quote, right after a delimiter (`=["`): SmolLM2's tokenizer writes
# `="`, `=["` and `={"` as one token, so a step cut at `=` holds them (mcts.token_steps, prefs.end_kind)
OPENING = r"[\[{]*[\"']?"


def fragments(text):
    """Split after "(", "=", ", " and ". ", delimiters kept on the left."""
    return [f for f in re.split(r"(?<=\()|(?<==)|(?<=, )|(?<=\. )", text) if f]


def py_literal(value):
    """A value as Python source, the way a call's argument is written."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("non-finite float in a call")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # double quotes, valid Python
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} in a call")


def format_call(name, args):
    return f"{name}(" + ", ".join(f"{k}={py_literal(v)}" for k, v in args.items()) + ")"


def format_calls(calls):
    """[{name: {arg: value}}, ...] -> '[f(a=1), g(b="x")]' (empty list -> '[]')."""
    return "[" + ", ".join(format_call(n, a) for c in calls for n, a in c.items()) + "]"


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitOr: operator.or_,
           ast.BitXor: operator.xor, ast.BitAnd: operator.and_}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
_FOLD_LIMIT = 100_000  # elements or bits: past this BFCL's eval would still answer, we refuse


def power_too_large(a, b):
    """Whether the integer power a**b would have more than _FOLD_LIMIT bits."""
    return isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b * a.bit_length() > _FOLD_LIMIT


def _guard(op, a, b):
    """Refuse operations whose result would be enormous (`"x" * 10**9`, `2**10**9`)."""
    if isinstance(op, ast.Mult):
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and len(seq) * n > _FOLD_LIMIT:
                raise ValueError("repetition too large")
    if isinstance(op, ast.Pow) and power_too_large(a, b):
        raise ValueError("power too large")
    if isinstance(op, ast.LShift) and isinstance(b, int) and b > _FOLD_LIMIT:
        raise ValueError("shift too large")


def _fold(node):
    """The value Python gives an expression built only from literals and operators.
    BFCL decodes an argument that is a BinOp with `eval`; on literals (`2*3`, `"a" + "b"`,
    `[0] * 3`, `-1 + 2`) this gives the same value without evaluating anything. Names,
    calls and attributes are refused (BFCL's eval mostly fails on them too)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_fold(node.operand))
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_fold(v) for v in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_fold(k): _fold(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _fold(node.left), _fold(node.right)
        _guard(node.op, a, b)
        return _BINOPS[type(node.op)](a, b)
    raise ValueError(f"unsupported expression {ast.unparse(node)!r}")


def decode_value(node):
    """One argument value, with BFCL's decoding rules (names become strings, etc.); nothing is
    evaluated (literal arithmetic is folded)."""
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        # BFCL negates the operand's literal value whatever the operator is.
        if not isinstance(node.operand, ast.Constant):
            raise ValueError("unsupported unary operand")
        return -node.operand.value
    if isinstance(node, ast.List):
        return [decode_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(decode_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking is not a value")
        return {decode_value(k): decode_value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp):
        return _fold(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return ast.unparse(node) if not node.keywords else _call(node)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"
    raise ValueError(f"unsupported value {type(node).__name__}")


def call_name(node):
    """The dotted name a call node calls (`a.b.f` for `a.b.f(...)`), as BFCL reads it."""
    parts, f = [], node.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def _call(node):
    return {call_name(node): {kw.arg: decode_value(kw.value) for kw in node.keywords}}


def parse_calls(text):
    """Model text -> [{name: {arg: value}}] following BFCL's prompting decoder
    (strip backticks, add missing brackets, `ast.parse`); raises ValueError
    when the text is not a list of calls. Nothing is ever evaluated."""
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    try:
        with warnings.catch_warnings():  # model text like `1st` would print a SyntaxWarning per case
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip().strip("'"), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        raise ValueError(f"not Python: {e}") from None
    body = tree.body
    if isinstance(body, ast.Call):
        elems = [body]
    elif isinstance(body, (ast.List, ast.Tuple, ast.Set)):
        elems = body.elts
    else:
        raise ValueError("not a list of calls")
    calls = []
    for elem in elems:
        if not isinstance(elem, ast.Call):
            raise ValueError("list element is not a call")
        try:
            calls.append(_call(elem))
        except Exception as e:  # any failure to read an argument (1/0, -"x", {[]: 1}) is a decode failure, as in BFCL
            raise ValueError(f"bad argument: {type(e).__name__}: {e}") from None
    return calls


# ---------------------------------------------------------------------------
# Chat rendering: BFCL's default prompting format (SPEC.md section 2)

_BFCL_SYSTEM = (
    # BFCL joins persona and task with no space; kept verbatim so that prompts match BFCL's.
    "You are an expert in composing functions."
    "You are given a question and a set of possible functions. Based on the question, you will need "
    "to make one or more function/tool calls to achieve the purpose. If none of the functions can be "
    "used, point it out. If the given question lacks the parameters required by the function, also "
    "point it out.\n\n"
    "You should only return the function calls in your response.\n\n"
    "If you decide to invoke any of the function(s), you MUST put it in the format of "
    "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]. "
    " You SHOULD NOT include any other text in the response.\n\n"
    "At each turn, you should try your best to complete the tasks requested by the user within the "
    "current turn. Continue to output functions to call until you have fulfilled the user's request "
    "to the best of your ability. Once you have no more functions to call, the system will consider "
    "the current turn complete and proceed to the next turn or task.\n\n"
    "Here is a list of functions in json format that you can invoke.\n{functions}\n"
)


def word_overlap(a, b):
    """The published word overlap of two texts: |A and B| / min(|A|, |B|) over their sets of
    whitespace-separated words; 1.0 for two texts without words, 0.0 for one."""
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / min(len(wa), len(wb)) if wa and wb else float(wa == wb)


def system_prompt(tools):
    """BFCL's system prompt (classic style, Python calls, JSON docs) for these tools."""
    return _BFCL_SYSTEM.replace("{functions}", json.dumps(tools, indent=4))


def chat_messages(task):
    """The task's conversation with the tools placed in the system turn, as BFCL does
    (a task's own system turn is appended after the tool prompt)."""
    messages = [dict(m) for m in task["messages"]]
    sys_text = system_prompt(task["tools"])
    if messages[0]["role"] == "system":
        messages[0]["content"] = sys_text + "\n\n" + messages[0]["content"]
    else:
        messages.insert(0, {"role": "system", "content": sys_text})
    return messages


def render_prompt(tokenizer, task):
    """The prompt text up to and including the assistant header."""
    return tokenizer.apply_chat_template(chat_messages(task), tokenize=False, add_generation_prompt=True)


def end_of_turn(tokenizer):
    """Text that closes an assistant turn under the tokenizer's template."""
    return tokenizer.eos_token or ""
