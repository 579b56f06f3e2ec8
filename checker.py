"""Checking tool calls, shared by eval.py, mcts.py and prefs.py (no torch): BFCL's eval runner
and AST checker restated (eval.py's accuracy and error classes), and the fragment reward built
on it (mcts.py's `--reward ast`: credit for what is right before the first error, SPEC.md
section 1 as mcts.py's docstring describes it). Model text is parsed with `ast`, never evaluated.
"""
import json
import re

import common

# BFCL's category -> the task category (SPEC.md section 3) that decides how it is checked.
BFCL_CATEGORIES = {
    "simple_python": "simple", "multiple": "multiple", "parallel": "parallel",
    "parallel_multiple": "parallel_multiple", "irrelevance": "irrelevance",
    "live_simple": "simple", "live_multiple": "multiple", "live_parallel": "parallel",
    "live_parallel_multiple": "parallel_multiple", "live_irrelevance": "irrelevance", "live_relevance": "relevance",
}
ERROR_CLASSES = ("parse_error", "wrong_count", "wrong_function", "missing_param",
                 "unexpected_param", "wrong_type", "wrong_value", "spurious_call")
# BFCL's type names -> the Python type a value must have (ast_checker's PYTHON_TYPE_MAPPING).
PY_TYPES = {"string": str, "integer": int, "float": float, "boolean": bool,
            "array": list, "tuple": list, "dict": dict, "any": str}
# Type names a task file may use -> BFCL's names, for the checker.
TO_BFCL_TYPE = {"object": "dict", "dict": "dict", "number": "float", "float": "float", "double": "float",
                "integer": "integer", "int": "integer", "long": "integer", "string": "string", "str": "string",
                "char": "string", "boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
                "tuple": "tuple", "any": "any"}


def to_bfcl_schema(schema):
    """A task's JSON schema with BFCL's type names, which the checker's rules are written in."""
    out = dict(schema)
    t = out.get("type")
    if isinstance(t, list):  # ["string", "null"]
        t = next((x for x in t if x != "null"), None)
    out["type"] = TO_BFCL_TYPE.get(t.lower(), "any") if isinstance(t, str) else "any"
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: to_bfcl_schema(v) if isinstance(v, dict) else v for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = to_bfcl_schema(out["items"])
    return out


def tool_docs(task):
    """The task's tools as the checker reads them (BFCL's type names)."""
    return [dict(t, parameters=to_bfcl_schema(t["parameters"])) for t in task["tools"]]


# ---------------------------------------------------------------------------
# Checking: BFCL's eval runner + ast_checker, restated

def normalize(text):
    """BFCL's string normalisation: drop spaces and ,./-_*^, lower-case, ' -> "."""
    return re.sub(r"[ ,./\-_*^]", "", text).lower().replace("'", '"')


def user_text(task):
    """The user's turns of a task or a pair, joined."""
    return " ".join(m["content"] for m in task["messages"] if m["role"] == "user")


NUMBER = re.compile(r"\d+(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?")  # "1,500" is one number, "4,7" two


def number_text(text):
    """A number as written, a float read as one ("5.0" -> "5", "2.50" -> "2.5"); leading zeros kept ("07")."""
    text = text.replace(",", "").lstrip("-")
    if "." not in text:
        return text
    number = float(text)
    return str(int(number)) if number.is_integer() else repr(number)


def value_source(acceptable, text):
    """Where a gold value comes from: "literal" when some acceptable value (not "", which marks an optional
    parameter) is spelled out in the user's text, else "derived": the model must derive it ("three hours" ->
    180). A number (or a string of digits) is spelled out as one of the text's numbers, whole (7 is not in
    "2026-07-09" nor in "17"); any other value as normalized text within the normalized text."""
    numbers, words = {number_text(n) for n in NUMBER.findall(text)}, normalize(text)
    for value in acceptable:
        if isinstance(value, (int, float)) and not isinstance(value, bool) or \
                isinstance(value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", value):
            if number_text(str(value)) in numbers:
                return "literal"
        elif value != "" and (norm := normalize(str(value))) and norm in words:
            return "literal"
    return "derived"


def _norm_all(seq):
    # Indexing (not iterating) as BFCL does, so a string answer is read character by character.
    return [normalize(seq[j]) if type(seq[j]) is str else seq[j] for j in range(len(seq))]


def _answer_type(values):
    return next((type(v) for v in values if v != ""), None)  # "" marks an optional parameter


def _type_ok(value, values, expected, nested):
    """(passes, is_variable). A value of the gold answer's type passes even when the doc says
    otherwise: BFCL reads that as the model naming a variable. Element types are checked one
    level deep, against some acceptable list."""
    gold_type = _answer_type(values)
    variable = gold_type is not None and gold_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, variable
        for item in values:
            if type(item) is not list or all(_type_ok(v, item, nested, None)[0] for v in value):
                return True, variable
        return False, False
    return (True, True) if gold_type is not None and type(value) is gold_type else (False, False)


def _dict_ok(value, values):
    for gold in values:
        if gold == "":
            continue
        if all(k in gold and (normalize(v) if type(v) is str else v) in _norm_all(gold[k]) for k, v in value.items()) \
                and all(k in value or "" in v for k, v in gold.items()):
            return True
    return False


def _value_ok(value, values, expected, nested, variable):
    if variable:
        return value in values
    if expected is dict:
        return _dict_ok(value, values)
    if expected is list and nested is dict:
        return any(len(value) == len(gold) and all(_dict_ok(value[i], [gold[i]]) for i in range(len(value)))
                   for gold in values)
    if expected is str:
        return normalize(value) in [normalize(v) for v in values if type(v) is str]
    if expected is list:
        return [normalize(v) if type(v) is str else v for v in value] in [_norm_all(g) for g in values]
    return value in values


def check_call(doc, call, gold):
    """Error class of one output call against one gold call and its doc, None when it matches."""
    answers = next(iter(gold.values()))
    if doc["name"] not in call:
        return "wrong_function"
    args = call[doc["name"]]
    props = doc["parameters"]["properties"]
    if any(p not in args for p in doc["parameters"].get("required", [])):
        return "missing_param"
    for name, value in args.items():
        if name not in props or name not in answers:
            return "unexpected_param"
        type_name = props[name]["type"]
        expected = PY_TYPES[type_name]
        nested = None
        if type_name in ("array", "tuple") and "items" in props[name]:
            nested = PY_TYPES[props[name]["items"]["type"]]
        if type_name == "tuple" and type(value) is tuple:
            value = list(value)  # gold answers went through JSON, where tuples become lists
        if type_name == "float" and type(value) is int:
            value = float(value)
        ok, variable = _type_ok(value, answers[name], expected, nested)
        if not ok:
            return "wrong_type"
        if not _value_ok(value, answers[name], expected, nested, variable):
            return "wrong_value"
    if any(p not in args and "" not in values for p, values in answers.items()):
        return "missing_param"
    return None


def _doc(docs, name):
    return next((d for d in docs if d["name"] == name), None)


def check_calls(category, docs, answer, calls):
    """BFCL's dispatch on the category name: `parallel` matches calls in any order (greedily,
    first fit, as BFCL), `multiple` needs as many calls as the answer and checks the first,
    the rest need exactly one call."""
    if "parallel" in category:
        if len(calls) != len(answer):
            return "wrong_count"
        free = list(range(len(calls)))
        for gold in answer:
            doc = _doc(docs, next(iter(gold)))
            errors = []
            for i in free:
                error = check_call(doc, calls[i], gold)
                if error is None:
                    free.remove(i)
                    break
                errors.append(error)
            else:
                # The call that has the right name tells what went wrong; none has it: wrong_function.
                return next((e for e in errors if e != "wrong_function"), "wrong_function")
        return None
    if len(calls) != len(answer if "multiple" in category else [None]):
        return "wrong_count"
    return check_call(_doc(docs, next(iter(answer[0]))), calls[0], answer[0])


def score(case, output):
    """One results row. Irrelevance passes when no call comes out (text that does not parse
    included), relevance when at least one does (BFCL's live_relevance has no answer to check);
    elsewhere text that does not parse is a parse_error."""
    try:
        calls = common.parse_calls(output)
    except ValueError:
        calls = None
    kind = BFCL_CATEGORIES.get(case["category"], case["category"])
    if kind == "irrelevance":
        error = "spurious_call" if calls else None
    elif kind == "relevance":
        error = None if calls else "parse_error" if calls is None else "wrong_count"
    elif calls is None:
        error = "parse_error"
    else:
        try:
            error = check_calls(case["category"], case["docs"], case["task"]["answer"], calls)
        except Exception:  # a gold answer or doc shape that BFCL's checker itself would crash on
            error = "wrong_value"
    return {"id": case["id"], "category": case["category"], "valid": error is None,
            "error_type": error, "output": output}


# ---------------------------------------------------------------------------
# The fragment reward (mcts.py): how much of the gold a possibly unfinished answer gets right

TIERS = {"wrong_value": -0.5, "wrong_type": -0.5, "missing_param": -0.6, "unexpected_param": -0.6,
         "wrong_count": -0.6, "wrong_function": -0.8, "parse_error": -0.7}  # + 0.4 * credit
STRAY = 0.0  # a right answer followed by stray text
CLOSE = {"[": "]", "(": ")", "{": "}"}
REFUSAL = {"cannot", "can't", "cant", "unable", "not", "no", "none", "sorry", "unfortunately", "don't", "doesn't",
           "isn't", "aren't", "lack", "lacks", "missing", "neither", "nor", "unavailable", "impossible",
           "apologize", "without", "only", "please", "provide", "specify", "clarify", "need", "which"}
PLAIN = {"i", "a", "an", "the", "to", "of", "for", "in", "on", "this", "that", "it", "is", "are", "be", "do",
         "with", "any", "these", "those", "function", "functions", "tool", "tools", "given", "provided",
         "available", "here", "your", "you", "me", "my", "request", "question", "help", "required",
         "parameter", "parameters", "information", "can", "able", "there", "such", "task", "use", "call"}


def scan(text, until_closed=False):
    """(open brackets, open quote or None, end) at the end of text; None when a bracket closes the
    wrong one. With until_closed the scan stops after the bracket that closes the first one opened,
    and end is the index just after it (else, and while that bracket is open, end is None)."""
    stack, quote, i = [], None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in CLOSE:
            stack.append(ch)
        elif ch in ")]}":
            if not stack or CLOSE[stack.pop()] != ch:
                return None
            if not stack and until_closed:
                return stack, quote, i + 1
        i += 1
    return stack, quote, None


def read_partial(text):
    """An unfinished answer, closed and parsed: (calls, call_open, value_open, pending), "closed" when
    the list is complete, None when no ending can make it a list of calls. `pending` is a function
    or argument name being written: (kind, name, finished)."""
    body = text.strip("`\n ")
    if not body.startswith("["):
        if body and not re.match(r"[A-Za-z_][\w.]*(\(|$)", body):
            return None
        body = "[" + body  # as BFCL's decoder
    scanned = scan(body)
    if scanned is None:
        return None
    stack, quote, _ = scanned
    if not stack:
        return "closed"
    pending, value_open = None, quote is not None or len(stack) > 2
    if quote is None and len(stack) == 1:  # between calls
        m = re.search(r"(?:^\[|,)\s*([A-Za-z_][\w.]*)?\s*$", body)
        if m:
            pending = ("function", m.group(1) or "", False)
            body = body[:m.start(1)] if m.group(1) else body
        elif not re.search(r"\)\s*$", body):
            return None
    elif quote is None and stack[1] == "(" and len(stack) == 2:  # inside a call's arguments
        m = re.search(r"([A-Za-z_]\w*)\s*=\s*$", body)
        m2 = re.search(r"[(,]\s*([A-Za-z_]\w*)?\s*$", body)
        if m:
            pending, body = ("arg", m.group(1), True), body[:m.start()]
        elif m2:
            pending = ("arg", m2.group(1) or "", False)
            body = body[:m2.start(1)] if m2.group(1) else body
        else:  # a number or name can still grow, a closed string cannot
            value_open = not body.rstrip().endswith(("'", '"'))
    call_open = len(stack) > 1 and stack[1] == "("
    while True:
        try:
            return common.parse_calls(body + (quote or "") + "".join(CLOSE[b] for b in reversed(stack))), \
                call_open, value_open, pending
        except ValueError:
            # Inside a nested value ({"lat": , ["a", "b): cut back to its last "," or bracket and close again.
            cut = max(body.rfind(c, 0, len(body) - 1) for c in ",[{(") + 1  # always shorter
            if len(stack) <= 2 or cut <= 0 or scan(body[:cut]) is None or len(scan(body[:cut])[0]) < 3:
                return None
            body = body[:cut].rstrip(", ")
            stack, quote, _ = scan(body)


def prefix_ok(value, acceptable):
    """Could a value still being written grow into one of the acceptable values?"""
    for v in acceptable:
        if type(value) is str and type(v) is str and normalize(v).startswith(normalize(value)):
            return True
        if type(value) in (int, float) and type(v) in (int, float) and (str(v).startswith(str(value)) or (
                type(value) is float and value.is_integer() and str(v).startswith(str(int(value))))):  # "12."
            return True
        if type(value) is str and type(v) in (bool, type(None)) and str(v).startswith(value):  # breakfast=Fa
            return True
        if type(value) is dict and type(v) is dict and all(k in v and prefix_ok(x, v[k]) for k, x in value.items()):
            return True
        if type(value) is list and type(v) is list and len(value) <= len(v) \
                and all(prefix_ok(a, [b]) for a, b in zip(value, v)):
            return True
    return False


def check(doc, call, gold):
    """eval.py's checker on one call (None when right)."""
    try:
        return check_call(doc, call, gold)
    except Exception:  # a gold or doc shape the checker cannot read, as eval.score
        return "wrong_value"


def check_arg(doc, name, value, params):
    """The checker on one argument of a call still being written: no parameter counts as missing yet."""
    if name not in params:
        return "unexpected_param"
    lenient = dict(doc, parameters=dict(doc["parameters"], required=[]))
    return check(lenient, {doc["name"]: {name: value}}, {doc["name"]: {name: params[name]}})


def call_progress(doc, args, gold, value_open=False, pending=None):
    """(first error or None, fragments right before it) of one call against one gold call."""
    params, done = next(iter(gold.values())), 1.0  # the function name
    for i, (name, value) in enumerate(args.items()):
        error = check_arg(doc, name, value, params)
        if value_open and i == len(args) - 1:  # still being written: at most 1.5, right or not yet
            if error is None or (error in ("wrong_value", "wrong_type") and prefix_ok(value, params[name])):
                return None, done + 1.5
            return error, done + 1  # the name was right
        if error is not None:
            return error, done + (error != "unexpected_param")
        done += 2
    if pending and pending[1]:
        unused = [p for p in params if p not in args]
        if pending[2] and pending[1] in unused:
            done += 1
        elif not pending[2] and any(p.startswith(pending[1]) for p in unused):
            done += 0.5
        else:
            return "unexpected_param", done
    return None, done


def progress(calls, answer, docs, call_open=False, value_open=False, pending=None):
    """(first error or None, fragments done, fragments of the gold + 1) of parsed calls."""
    units = [1 + 2 * len(next(iter(g.values()))) for g in answer]  # a finished right call counts them all
    total, free, done = sum(units) + 1, list(range(len(answer))), 0.0
    for k, call in enumerate(calls):
        (name, args), = call.items()
        doc = next((d for d in docs if d["name"] == name), None)
        if not free:
            return "wrong_count", done, total
        candidates = [g for g in free if next(iter(answer[g])) == name]
        if not candidates or doc is None:
            return "wrong_function", done, total
        if call_open and k == len(calls) - 1:
            tried = [call_progress(doc, args, answer[g], value_open, pending) for g in candidates]
            error, part = max(tried, key=lambda t: (t[0] is None, t[1]))
            return error, done + part, total
        right = [g for g in candidates if check(doc, call, answer[g]) is None]
        if right:
            free.remove(right[0])
            done += units[right[0]]
            continue
        tried = [(call_progress(doc, args, answer[g]), g) for g in candidates]
        (error, part), g = max(tried, key=lambda t: t[0][1])
        return error or check(doc, call, answer[g]), done + part, total
    if pending and pending[0] == "function" and pending[1]:
        if not free:
            return "wrong_count", done, total
        if not any(next(iter(answer[g])).startswith(pending[1]) for g in free):
            return "wrong_function", done, total
        done += 0.5
    return None, done, total


def tier(error, done, total):
    return TIERS[error] + 0.4 * min(done, total - 1) / total


def irrelevance_reward(text, task, final):
    """(reward, error) on a task whose answer is no call: a refusal above any call, word salad low.
    `[]` 1.0; nothing yet or "[" 0.0; a call begun -0.6, a call -0.8; prose with a refusal word
    (cannot, no, sorry, ...) -0.6 + 1.6 x share of distinct words x (0.5 + 0.5 x share of words known
    from the gold refusal, the question and the tools) x min(1, words / 3); without one -0.7."""
    body = text.strip("`\n ")
    if re.fullmatch(r"\[\s*\]", body):
        return 1.0, None
    if body in ("", "["):
        return (0.5, None) if final else (0.0, None)
    try:
        calls = common.parse_calls(text)
    except ValueError:
        calls = None
    if calls:
        return -0.8, "spurious_call"
    if re.match(r"\[\s*[A-Za-z_]|[A-Za-z_][\w.]*\s*\(", body) and read_partial(body) is not None:
        return -0.6, "spurious_call"
    words = re.findall(r"[a-z']+", body.lower())
    if not any(w in REFUSAL for w in words):
        return -0.7, "unparseable"
    known = set(re.findall(r"[a-z']+", " ".join([task["response"], json.dumps(task["tools"])]
                                                 + [m["content"] for m in task["messages"]]).lower()))
    known |= REFUSAL | PLAIN
    q = len(set(words)) / len(words) * (0.5 + 0.5 * sum(w in known for w in words) / len(words))
    return -0.6 + 1.6 * q * min(1.0, len(words) / 3), None


def ast_reward(text, task, docs, final=False):
    """Our verifiable reward of a partial (or, with final, finished) answer: (reward, error class).
    The text is parsed leniently and compared with the gold answer fragment by fragment (a function
    name, an argument name, a value; `credit` = the fragments right before the first error / (the
    gold's fragments + 1)); rewards in [-1, 1]:
       1.0                  score() (BFCL's rules, as eval.py) accepts it as a final answer
       0.1 + 0.8 credit     right so far, unfinished
       0.0                  a right answer followed by stray text
      -0.5 + 0.4 credit     a wrong value or type
      -0.6 + 0.4 credit     an unknown or missing parameter, a call too many or too few
      -0.8 + 0.4 credit     a wrong function
      -0.7 + 0.4 credit     a final answer cut off before it closes
      -1.0                  text that cannot become a list of calls
    Irrelevance (gold []): irrelevance_reward. The error class: score()'s classes, `unparseable`
    for text that cannot become a list of calls, `parse_error` for stray text or a cut-off answer."""
    answer = task["answer"]
    if not answer:
        return irrelevance_reward(text, task, final)
    case = {"id": task["id"], "category": task["category"], "task": task, "docs": docs}
    result = score(case, text)
    if result["valid"]:
        return 1.0, None
    body = text.strip("`\n ")
    scanned = scan(body, until_closed=True) if body.startswith("[") else None
    end = scanned and scanned[2]
    if end is not None and body[end:].strip("`\n "):  # a list, then stray text
        head = body[:end]
        if score(case, head)["valid"]:
            return STRAY, "parse_error"
        reward, error = ast_reward(head, task, docs, final=True)
        return max(-1.0, reward - 0.05), error
    partial = read_partial(text)
    if partial is None:
        return -1.0, "unparseable"
    if partial == "closed":
        try:
            calls = common.parse_calls(text)
        except ValueError:  # closed, and not Python: nothing can follow to mend it
            return -1.0, "unparseable"
        error, done, total = progress(calls, answer, docs)
        return tier(result["error_type"], done, total), result["error_type"]
    error, done, total = progress(partial[0], answer, docs, *partial[1:])
    if error is not None:
        return tier(error, done, total), error
    if final:  # cut off while right so far
        return tier("parse_error", done, total), "parse_error"
    return 0.1 + 0.8 * min(done, total - 1) / total, None


def published_fast_reward(text, task):
    """The published fast reward of a node's text: +0.1 when the text and the gold both hold `)]` or
    both lack it (-0.1 otherwise), plus the word overlap of the two (common.word_overlap) - 0.5."""
    closed = 0.1 if (")]" in text) == (")]" in task["response"]) else -0.1
    return closed + common.word_overlap(task["response"], text) - 0.5
