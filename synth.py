"""Write synthetic tool-calling tasks in BFCL's Python-call format (train and test splits).

A deterministic simulation of real-world tool use: a catalogue of invented
functions in 30 everyday domains (weather, flights, banking, smart home, ...),
each with a JSON-schema signature and several user phrasings. Every example
asks for calls whose values take a step of thought (numbers written as words,
units to convert, dates to normalise, lists to split, booleans implied by
wording, values stated earlier in the conversation), and optional parameters
are sometimes mentioned and sometimes not, as in BFCL's ground truth.

Writes DIR/train.jsonl and DIR/test.jsonl in the task format of SPEC.md
section 3, with the categories simple, multiple, parallel, parallel_multiple
and irrelevance. The two splits use disjoint function names (about 80/20 of
the catalogue, fixed by hashing the names), distractor tools included. The
same --seed gives byte-identical files.

The catalogue is data: synth_catalogue.json beside this file holds the domains and their
functions, the kinds of value their parameters take (how each is made and said: pools,
counts, stepped values with phrasing templates, identifiers), enumerations, booleans and
the phrasings of requests and answers; this file is the generator, and reads nothing until
main() loads the catalogue (load_catalogue). A new domain is a new entry under "domains"
there, checked by check_catalogue() on every run.

    python synth.py --out data/ [--train 2000 --test 400 --seed 0]
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import re
import sys

from common import CATEGORIES, InputError, format_calls, parse_calls, run_main, task_problem, write_jsonl

CATALOGUE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "synth_catalogue.json")

# Domains whose functions could stand in for each other; an irrelevance example never offers
# a tool from the family of the function its request was written for.
FAMILY = {"banking": "money", "investing": "money", "payments": "money", "email": "comms", "messaging": "comms",
          "social": "comms", "calendar": "planning", "tasks": "planning", "music": "media", "video": "media",
          "events": "media", "news": "media", "maps": "getting_around", "rides": "getting_around",
          "cars": "getting_around", "fitness": "wellbeing", "health": "wellbeing", "cooking": "wellbeing",
          "shopping": "orders", "shipping": "orders", "flights": "travel", "hotels": "travel"}
MIX = {"simple": 0.30, "multiple": 0.25, "parallel": 0.15, "parallel_multiple": 0.15, "irrelevance": 0.15}
TEST_SHARE = 0.2


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Write synthetic BFCL-style tool-calling tasks: DIR/train.jsonl and DIR/test.jsonl.")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--train", type=int, default=2000, help="training examples (default 2000)")
    ap.add_argument("--test", type=int, default=400, help="test examples (default 400)")
    ap.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical files")
    return ap.parse_args(argv)


# ---------------------------------------------------------------------------
# Value generators. Each returns (value, says, alts): the value that goes in the
# call, the ways a user may write it (the first is the plain one) and other
# acceptable values. Enums and booleans are tables of phrasings per value.

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
MONTHS = ("January February March April May June July August September October November "
          "December").split()


def words(n):
    """25 -> 'twenty-five', 2500 -> 'two thousand five hundred'."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return ONES[n // 100] + " hundred" + (" and " + words(n % 100) if n % 100 else "")
    rest = n % 1000
    return words(n // 1000) + " thousand" + ((" and " if rest < 100 else " ") + words(rest) if rest else "")


def ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def num(x):
    """2.0 -> '2', 2.5 -> '2.5'."""
    return f"{x:g}"


def join_words(items, rng):
    if len(items) == 1:
        return items[0]
    last = rng.choice([" and ", ", and "]) if len(items) > 2 else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def say_date(d):
    iso = d.isoformat()
    return iso, [iso, f"{MONTHS[d.month - 1]} {ordinal(d.day)}, {d.year}",
                 f"{d.day} {MONTHS[d.month - 1]} {d.year}", f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}"]


def g_date(cat, rng, state):
    d = datetime.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))
    state["date"] = d
    iso, says = say_date(d)
    return iso, says, []


def g_date_after(cat, rng, state):
    d = state.get("date") or datetime.date(2025, rng.randint(1, 12), rng.randint(1, 20))
    d = d + datetime.timedelta(days=rng.randint(1, 14))
    iso, says = say_date(d)
    return iso, says, []


def g_month(cat, rng, state):
    y, m = rng.choice([2024, 2025]), rng.randint(1, 12)
    return f"{y}-{m:02d}", [f"{y}-{m:02d}", f"{MONTHS[m - 1]} {y}"], []


def g_time(cat, rng, state):
    h, m = rng.randint(7, 21), rng.choice([0, 15, 30, 45])
    h12, ampm = (h - 1) % 12 + 1, "am" if h < 12 else "pm"
    says = [f"{h:02d}:{m:02d}", f"{h12}:{m:02d} {ampm}"]
    if m == 0:
        says += [f"{h12} {ampm}", f"{words(h12)} o'clock in the {'morning' if h < 12 else 'afternoon' if h < 18 else 'evening'}"]
    if m == 30:
        says.append(f"half past {words(h12)} in the {'morning' if h < 12 else 'afternoon' if h < 18 else 'evening'}")
    return f"{h:02d}:{m:02d}", says, []


def dur_says(m):
    h = m / 60
    says = [f"{m} minutes"]
    names = {15: ["a quarter of an hour"], 30: ["half an hour"], 45: ["three quarters of an hour"],
             60: ["an hour", "1 hour"], 90: ["an hour and a half", "1.5 hours"], 120: ["two hours", "2 hours"],
             150: ["two and a half hours", "2.5 hours"], 180: ["three hours", "3 hours"], 240: ["four hours"]}
    return says + names.get(m, [f"{num(h)} hours"] if m % 30 == 0 else [])


def money_says(a):
    if a == int(a):
        return [f"${int(a)}", f"{int(a)} dollars", f"{words(int(a))} dollars"]
    return [f"${a:.2f}", f"{int(a)} dollars and {round(a % 1 * 100)} cents"]


def amount_says(a):
    s = [num(a)]
    if a >= 1000:
        s += [f"{int(a):,}", f"{num(a / 1000)}k"]
    if a == int(a) and a < 10000:
        s.append(words(int(a)))
    return s


def g_phone(cat, rng, state):
    a, b, c = rng.choice([415, 212, 646, 312, 617, 206]), rng.randint(200, 999), rng.randint(1000, 9999)
    v = f"+1{a}{b}{c}"
    return v, [v, f"+1 {a} {b} {c}", f"+1 ({a}) {b}-{c}"], []


def g_coords(cat, rng, state):
    lat, lon = round(rng.uniform(-60, 60), 4), round(rng.uniform(-150, 150), 4)
    return ({"lat": lat, "lon": lon},
            [f"{lat}, {lon}", f"latitude {lat} and longitude {lon}", f"lat {lat} / lon {lon}"], [])


def g_address(cat, rng, state):
    street, city, code = rng.choice(cat["addresses"])
    return ({"street": street, "city": city, "postal_code": code},
            [f"{street}, {city} {code}", f"{street}, {code} {city}", f"{street} in {city}, postal code {code}"], [])


def g_dims(cat, rng, state):
    l, w, h = rng.choice([20, 30, 40, 50, 60]), rng.choice([15, 20, 25, 30]), rng.choice([5, 10, 15, 20])
    return ({"length_cm": l, "width_cm": w, "height_cm": h},
            [f"{l} x {w} x {h} cm", f"{l} cm long, {w} cm wide and {h} cm high",
             f"{num(l / 100)} m by {num(w / 100)} m by {num(h / 100)} m"], [])


def g_pnr(cat, rng, state):
    v = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    return v, [f"booking {v}", f"reservation {v}", f"booking reference {v}"], []


def g_flight(cat, rng, state):
    code, name = rng.choice(cat["airlines"])
    n = rng.randint(10, 2999)
    return f"{code}{n}", [f"{code}{n}", f"{code} {n}", f"{name} flight {n}"], []


def g_username(cat, rng, state):
    v = rng.choice(cat["first_names"]).lower() + rng.choice(["_", ".", ""]) + rng.choice(cat["last_names"]).lower()[:rng.randint(1, 5)]
    return v, [v, "@" + v], []


def g_email(cat, rng, state):
    v = (f"{rng.choice(cat['first_names']).lower()}.{rng.choice(cat['last_names']).lower()}"
         f"@{rng.choice(['example.com', 'mail.test', 'acme.org'])}")
    return v, [v], []


def g_person(cat, rng, state):
    v = f"{rng.choice(cat['first_names'])} {rng.choice(cat['last_names'])}"
    return v, [v], []


def g_path(cat, rng, state):
    v = f"/{rng.choice(['reports', 'photos', 'projects', 'invoices', 'notes'])}/{rng.choice(cat['files'])}"
    return v, [v], []


# The value generators a kind may name ("fn"), and the phrasing functions ("says" as a name).
FUNCTIONS = {"date": g_date, "date_after": g_date_after, "month": g_month, "time": g_time, "phone": g_phone,
             "coords": g_coords, "address": g_address, "dims": g_dims, "pnr": g_pnr, "flight": g_flight,
             "username": g_username, "email": g_email, "person": g_person, "path": g_path}
SAYS = {"money": money_says, "amount": amount_says, "duration": dur_says}
NAMED_CODES = {"language", "country"}  # users name these ("French"), never write the code ("fr")
# A phrasing template's placeholder: {FORMAT OP ...}, the value taken through the ops (*N, /N, int,
# round, round4), then written in the format (v as is, num, words, comma, fixed2, plural: "s" unless 1).
SAY = re.compile(r"\{(\w+)((?: [^ {}]+)*)\}")
FORMATS = {"v": str, "num": num, "words": words, "comma": lambda x: f"{x:,}", "fixed2": lambda x: f"{x:.2f}",
           "plural": lambda x: "" if x == 1 else "s"}


def say(template, value):
    """A phrasing template written out for one value ("{num /1000}k km", 42000 -> "42k km")."""
    def one(m):
        x = value
        for op in m.group(2).split():
            if op[0] in "*/":
                k = float(op[1:]) if "." in op else int(op[1:])
                x = x * k if op[0] == "*" else x / k
            else:
                x = {"int": int, "round": round, "round4": lambda y: round(y, 4)}[op](x)
        return FORMATS[m.group(1)](x)
    return SAY.sub(one, template)


def value_kind(cat, key, spec):
    """A kind of value from its catalogue entry: {"type", "make" (rng, state) -> (value, phrasings,
    other acceptable values), "hint" (added to descriptions), "ctx" (sentences that state the
    value earlier, phrases that refer back to it), "schema" (extra JSON schema)}."""
    special = spec.get("special", {})
    if "pool" in spec:
        entries = [(x,) if isinstance(x, str) else tuple(x) for x in cat["pools"][spec["pool"]]]

        def make(rng, state):  # an entry is the value itself or (value, other ways to say it)
            item = rng.choice(entries)
            says = list(item[1:] if key in NAMED_CODES else item)
            return item[0], says, list(item[1:]) if key == "city" else []  # a city's other names are right too
    elif "counted" in spec:  # integers written as digits or words, with a noun ('3 nights', 'three nights')
        lo, hi, noun = (spec["counted"] + [""])[:3]

        def make(rng, state):
            n = rng.randint(lo, hi)
            tail = f" {noun if n == 1 else noun + 's'}" if noun else ""
            return n, [f"{n}{tail}", f"{words(n)}{tail}"] + list(special.get(str(n), [])), []
    elif "stepped" in spec:  # a value from a list, its phrasings from templates (plain first)
        says = spec["says"]

        def make(rng, state):
            v = rng.choice(spec["stepped"])
            phrasings = SAYS[says](v) if isinstance(says, str) else [say(t, v) for t in says]
            return v, phrasings + list(special.get(str(v), [])), []
    elif "ident" in spec:  # identifiers such as order numbers: the phrase names the thing ('order ORD-48213')
        prefix, digits, noun = spec["ident"]

        def make(rng, state):
            v = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
            return v, [f"{noun} {v}", f"{noun} #{v}" if noun else v], []
    elif "list" in spec:  # distinct values of another kind, said as 'A, B and C'
        def make(rng, state):
            values, says, size = [], [], rng.randint(2, 4)
            for _ in range(50):
                if len(values) == size:
                    break
                v, s, _a = cat["kinds"][spec["list"]]["make"](rng, state)
                if v not in values:
                    values.append(v)
                    says.append(s)
            return values, [join_words([s[0] for s in says], rng), join_words([rng.choice(s) for s in says], rng)], []
    elif "int_list" in spec:
        lo, hi = spec["int_list"]

        def make(rng, state):
            vals = sorted(rng.sample(range(lo, hi + 1), rng.randint(2, 4)))
            return vals, [join_words([str(v) for v in vals], rng), join_words([words(v) for v in vals], rng)], []
    elif "enum" in spec:  # value -> phrasings
        table = cat["enums"][spec["enum"]]

        def make(rng, state):
            v = rng.choice(list(table))
            return v, list(table[v]), []
    elif "bool" in spec:  # (phrasings for True, phrasings for False)
        pair = cat["bools"][spec["bool"]]

        def make(rng, state):
            v = rng.random() < 0.5
            return v, list(pair[0] if v else pair[1]), []
    else:
        fn = FUNCTIONS[spec["fn"]]

        def make(rng, state):
            return fn(cat, rng, state)
    return {"type": spec["type"], "make": make, "hint": spec.get("hint", ""), "ctx": spec.get("ctx"),
            "schema": spec.get("schema", {})}


# ---------------------------------------------------------------------------
# The catalogue (synth_catalogue.json): domains of invented functions, each parameter naming its
# kind of value ("kinds"; every enumeration, boolean and "list_kinds" entry is a kind too). A template
# writes {param} where the value goes, [ ... ] around the words of an optional parameter (kept only
# when that parameter is mentioned), and < ... > around words that an irrelevance example may drop
# to leave a required value missing. `vary` names the parameter a parallel request may list several
# values of ("weather in Paris and Rome").

NO_DEFAULT = object()


def load_catalogue(path=CATALOGUE_PATH):
    """The catalogue as the generator uses it: its tables, "kinds" (key -> value_kind) and "functions"
    (every function with its domain, parameters resolved: `kind`, `default`, `required`)."""
    try:
        with open(path, encoding="utf-8") as f:
            cat = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, f"invalid JSON: {e.msg}") from None
    cat["addresses"], cat["airlines"] = [tuple(a) for a in cat["addresses"]], [tuple(a) for a in cat["airlines"]]
    specs = dict(cat["kinds"])
    specs.update({"list:" + base: {"type": "array", "list": base, "hint": hint, "schema": {"items": {"type": "string"}}}
                  for base, hint in cat["list_kinds"].items()})
    specs.update({k: {"type": "string", "enum": k, "schema": {"enum": list(t)}} for k, t in cat["enums"].items()})
    specs.update({k: {"type": "boolean", "bool": k} for k in cat["bools"]})
    cat["kinds"] = {key: value_kind(cat, key, spec) for key, spec in specs.items()}
    cat["functions"] = []
    for domain, fs in cat["domains"].items():
        for f in fs:
            params = [{"name": p["name"], "gen": p["gen"], "kind": cat["kinds"].get(p["gen"]), "desc": p["desc"],
                       "default": p.get("default", NO_DEFAULT),
                       "required": "default" not in p and not p.get("optional", False)} for p in f["params"]]
            cat["functions"].append({"name": f["name"], "description": f["description"], "params": params,
                                     "templates": f["templates"], "vary": f.get("vary"), "domain": domain})
    return cat


# ---------------------------------------------------------------------------
# Generation

PLACEHOLDER = re.compile(r"\{(\w+)\}")
OPTIONAL = re.compile(r"\[([^\[\]<>]*)\]")
OMISSIBLE = re.compile(r"<([^<>\[\]]*)>")
# A value stated earlier may be referred back to ("in my city") only after a preposition.
REFERABLE = r"\b(?:in|to|from|for|on|into|at|of|with|under|near|by|about|around|within|over|is) \{%s\}"


def tool_schema(f):
    """The function as a JSON-schema tool (what the prompt shows)."""
    props = {}
    for p in f["params"]:
        g = p["kind"]
        # the generator's hint ("Order id, e.g. 'ORD-48213'.") replaces a description it already covers ("Order.")
        covered = g["hint"] and p["desc"].rstrip(".").lower() in g["hint"].lower()
        desc = g["hint"] if covered else " ".join(x for x in (p["desc"], g["hint"]) if x)
        if p["default"] is not NO_DEFAULT:
            desc += f" Default: {json.dumps(p['default'])}."
        props[p["name"]] = {"type": g["type"], "description": desc, **g["schema"]}
    return {"name": f["name"], "description": f["description"],
            "parameters": {"type": "object", "properties": props,
                           "required": [p["name"] for p in f["params"] if p["required"]]}}


def split_catalogue(cat):
    """(train functions, test functions): a fixed ~80/20 split of the names by hash."""
    fns = cat["functions"]
    ranked = sorted(fns, key=lambda f: hashlib.sha256(f["name"].encode()).hexdigest())
    test_names = {f["name"] for f in ranked[:round(len(fns) * TEST_SHARE)]}
    return [f for f in fns if f["name"] not in test_names], [f for f in fns if f["name"] in test_names]


def pick_say(rng, says):
    """The plain phrasing a bit under half the time, otherwise one that takes a step of thought."""
    return says[0] if len(says) == 1 or rng.random() < 0.4 else rng.choice(says[1:])


def plan_call(rng, f, template):
    """Values for every parameter, and which ones the user mentions (required ones always)."""
    state, vals = {}, {}
    for p in f["params"]:
        for _ in range(20):  # two parameters of one kind (origin, destination) get different values
            vals[p["name"]] = p["kind"]["make"](rng, state)
            if not clash(f, vals, p["name"], vals[p["name"]][0]):
                break
    in_template = PLACEHOLDER.findall(template)
    mentioned = [p["name"] for p in f["params"]
                 if p["required"] or (p["name"] in in_template and rng.random() < 0.5)]
    return vals, mentioned


def gold(f, vals, mentioned):
    """(call, answer): the gold call and BFCL's acceptable values per parameter."""
    args, answer = {}, {}
    for p in f["params"]:
        name, default = p["name"], p["default"]
        if name not in mentioned:
            answer[name] = [""] if default is NO_DEFAULT else ["", default]
            continue
        value, _says, alts = vals[name]
        args[name] = value
        if isinstance(value, dict):
            answer[name] = [{k: [v] for k, v in value.items()}]
        else:
            answer[name] = [value] + [a for a in alts if a != value]
            if type(default) is type(value) and default == value:
                answer[name].append("")
    return {f["name"]: args}, {f["name"]: answer}


def fill(template, said, mentioned, drop=None):
    """The user's words: optional segments kept when mentioned, values written out."""
    text = OPTIONAL.sub(lambda m: m.group(1) if all(n in mentioned for n in PLACEHOLDER.findall(m.group(1))) else "",
                        template)
    text = OMISSIBLE.sub(lambda m: "" if drop in PLACEHOLDER.findall(m.group(1)) else m.group(1), text)
    text = PLACEHOLDER.sub(lambda m: said[m.group(1)], text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.?!;:)])", r"\1", text)
    text = re.sub(r"[,;]([.?!])", r"\1", text)
    return articles(re.sub(r"([?!.])\.", r"\1", text))


def articles(text):
    """'a' or 'an' as the next word is said ('an apartment', 'a UV index', 'an SUV')."""
    def pick(m):
        word = m.group(2)
        if word[0].isdigit():
            an = word[0] == "8" or word in ("11", "18")
        elif re.fullmatch(r"[A-Z][A-Z0-9-]+", word):  # read letter by letter
            an = word[0] in "AEFHILMNORSX"
        else:
            an = (word[0] in "aeiouAEIOU" and not word.lower().startswith(("one", "uni", "use", "usu", "eu"))
                  or word.lower().startswith(("hour", "honest", "heir")))
        return m.group(1)[0] + ("n" if an else "") + " " + word
    return re.sub(r"\b([Aa]n?) ([\w-]+)", pick, text)


def request(rng, cat, f, k=1, context=False):
    """User text asking for k calls of f: (messages, calls, answers)."""
    if k > 1 and f["vary"] and rng.random() < 0.6:
        template = rng.choice(f["templates"])
        vals, mentioned = plan_call(rng, f, template)
        options, make = [vals[f["vary"]]], param(f, f["vary"])["kind"]["make"]
        for _ in range(30):
            if len(options) == k:
                break
            v = make(rng, {})
            if all(v[0] != o[0] for o in options) and not clash(f, vals, f["vary"], v[0]):
                options.append(v)
        if len(options) >= 2:
            said = {n: pick_say(rng, v[1]) for n, v in vals.items()}
            said[f["vary"]] = join_words([pick_say(rng, o[1]) for o in options], rng)
            pairs = [gold(f, dict(vals, **{f["vary"]: o}), mentioned) for o in options]
            return [{"role": "user", "content": fill(template, said, mentioned)}], [c for c, _ in pairs], [a for _, a in pairs]
    texts, calls, answers = [], [], []
    referable = [t for t in f["templates"] if any(p["kind"]["ctx"] and re.search(REFERABLE % p["name"], t)
                                                  for p in f["params"])]
    for _ in range(20 * k):  # a function with few possible values may allow fewer than k distinct calls
        if len(calls) == k:
            break
        template = rng.choice(referable if context and referable else f["templates"])
        vals, mentioned = plan_call(rng, f, template)
        call, answer = gold(f, vals, mentioned)
        if any(same_required(f, call, c) for c in calls):  # each call asks for something new
            continue
        said = {n: pick_say(rng, v[1]) for n, v in vals.items()}
        intro = None
        if context:
            known = [n for n in mentioned if param(f, n)["kind"]["ctx"] and re.search(REFERABLE % n, template)]
            if known:
                n = rng.choice(known)
                intros, refs = param(f, n)["kind"]["ctx"]
                intro = rng.choice(intros).format(s=said[n], v=vals[n][0])
                said[n] = rng.choice(refs)
        texts.append(fill(template, said, mentioned))
        calls.append(call)
        answers.append(answer)
    messages = [{"role": "user", "content": intro}, {"role": "assistant", "content": rng.choice(cat["acks"])}] if intro else []
    return messages + [{"role": "user", "content": join_requests(rng, cat, texts)}], calls, answers


def join_requests(rng, cat, texts):
    """Several requests in one message, linked the way people write them."""
    out = texts[0]
    for text in texts[1:]:
        link = rng.choice(cat["connectors"])
        first = re.match(r"[A-Za-z]+", text)
        if link and first and first.group() != "I" and first.group()[1:].islower():
            text = text[0].lower() + text[1:]
        out += " " + link + text
    return out


def same_required(f, a, b):
    """Whether two calls of f ask about the same thing (same value of its main parameter)."""
    keys = [f["vary"]] if f["vary"] else [p["name"] for p in f["params"] if p["required"]][:1]
    if not keys:
        return a == b
    return a[f["name"]][keys[0]] == b[f["name"]][keys[0]]


def clash(f, vals, name, value):
    """Whether another parameter of f of the same kind (origin and destination, or a place and a
    list of places) already holds `value`."""
    kind = param(f, name)["gen"].removeprefix("list:")
    mine = value if isinstance(value, list) else [value]
    for p in f["params"]:
        if p["name"] != name and p["name"] in vals and p["gen"].removeprefix("list:") == kind:
            other = vals[p["name"]][0]
            if any(v in (other if isinstance(other, list) else [other]) for v in mine):
                return True
    return False


def param(f, name):
    return next(p for p in f["params"] if p["name"] == name)


def others(rng, fns, exclude, n, domain=None, same_share=0.0, unrelated=False):
    """n distractor functions: from `domain` with probability same_share each, else from other
    domains (other families only when `unrelated`, so that none of them could serve the request)."""
    names = {f["name"] for f in exclude}
    family = FAMILY.get(domain, domain)
    same = [g for g in fns if g["domain"] == domain and g["name"] not in names]
    rest = [g for g in fns if g["domain"] != domain and g["name"] not in names
            and not (unrelated and FAMILY.get(g["domain"], g["domain"]) == family)]
    k_same = min(len(same), sum(rng.random() < same_share for _ in range(n)))
    return rng.sample(same, k_same) + rng.sample(rest, min(len(rest), n - k_same))


def ex_simple(rng, cat, fns):
    f = rng.choice(fns)
    messages, calls, answers = request(rng, cat, f, context=rng.random() < 0.25)
    return [f], messages, answers, format_calls(calls)


def ex_multiple(rng, cat, fns):
    f = rng.choice(fns)
    messages, calls, answers = request(rng, cat, f, context=rng.random() < 0.2)
    tools = [f] + others(rng, fns, [f], rng.randint(1, 5), f["domain"], same_share=0.5)
    rng.shuffle(tools)
    return tools, messages, answers, format_calls(calls)


def ex_parallel(rng, cat, fns):
    while True:
        f = rng.choice(fns)
        messages, calls, answers = request(rng, cat, f, k=rng.randint(2, 4))
        if len(calls) >= 2:
            return [f], messages, answers, format_calls(calls)


def ex_parallel_multiple(rng, cat, fns):
    first = rng.choice(fns)
    used = [first] + others(rng, fns, [first], rng.randint(1, 2), first["domain"], same_share=0.7)
    ks = [1] * len(used)
    if len(used) < 4 and rng.random() < 0.4:
        ks[rng.randrange(len(used))] = 2
    texts, calls, answers = [], [], []
    for f, k in zip(used, ks):
        m, c, a = request(rng, cat, f, k)
        texts.append(m[-1]["content"])
        calls += c
        answers += a
    tools = used + others(rng, fns, used, rng.randint(0, 2))
    rng.shuffle(tools)
    return tools, [{"role": "user", "content": join_requests(rng, cat, texts)}], answers, format_calls(calls)


def ex_irrelevance(rng, cat, fns):
    f = rng.choice(fns)
    gappy = [t for t in f["templates"] if OMISSIBLE.search(t)]
    if gappy and rng.random() < 0.5:
        template = rng.choice(gappy)
        drop = PLACEHOLDER.findall(rng.choice(OMISSIBLE.findall(template)))[0]
        vals, mentioned = plan_call(rng, f, template)
        said = {n: pick_say(rng, v[1]) for n, v in vals.items()}
        tools = [f] + others(rng, fns, [f], rng.randint(0, 2), f["domain"], unrelated=True)
        rng.shuffle(tools)
        text = fill(template, said, mentioned, drop=drop)
        return tools, [{"role": "user", "content": text}], [], rng.choice(cat["no_value"]).format(param=drop, fname=f["name"])
    messages, _calls, _answers = request(rng, cat, f)
    tools = others(rng, fns, [f], rng.randint(1, 3), f["domain"], unrelated=True)
    gist = f["description"][0].lower() + f["description"][1:].rstrip(".")
    return tools, messages, [], rng.choice(cat["no_tool"]).format(gist=gist)


BUILDERS = {"simple": ex_simple, "multiple": ex_multiple, "parallel": ex_parallel,
            "parallel_multiple": ex_parallel_multiple, "irrelevance": ex_irrelevance}


def category_counts(n):
    """Examples per category for n rows, following MIX (largest remainders)."""
    raw = {c: n * MIX[c] for c in CATEGORIES}
    counts = {c: int(raw[c]) for c in CATEGORIES}
    by_remainder = sorted(CATEGORIES, key=lambda c: (-(raw[c] - counts[c]), CATEGORIES.index(c)))
    for c in by_remainder[:n - sum(counts.values())]:
        counts[c] += 1
    return counts


def generate(split, cat, fns, n, rng):
    """n task rows for one split, built only from that split's functions."""
    counts = category_counts(n)
    categories = [c for c in CATEGORIES for _ in range(counts[c])]
    rng.shuffle(categories)
    schemas = {f["name"]: tool_schema(f) for f in fns}
    rows, seen = [], set()
    for i, category in enumerate(categories):
        for _ in range(20):
            tools, messages, answer, response = BUILDERS[category](rng, cat, fns)
            key = (messages[-1]["content"], tuple(f["name"] for f in tools))
            if key not in seen:
                break
        seen.add(key)
        row = {"id": f"{split}-{category}-{i:05d}", "category": category, "tools": [schemas[f["name"]] for f in tools],
               "messages": messages, "answer": answer, "response": response}
        check_row(row)
        rows.append(row)
    return rows


def check_row(row):
    """Guard against catalogue mistakes: the row is a valid task and its gold response reads back
    as calls (none for irrelevance) naming the answer's functions."""
    problem = task_problem(row)
    if problem:
        raise ValueError(f"{row['id']}: {problem}")
    try:
        calls = parse_calls(row["response"])
    except ValueError:
        calls = None
    names = [next(iter(c)) for c in calls or []]
    if names != [next(iter(a)) for a in row["answer"]] or (calls is None) != (row["category"] == "irrelevance"):
        raise ValueError(f"{row['id']}: gold response {row['response']!r} does not match its answer")


def check_catalogue(cat, path=CATALOGUE_PATH):
    """Raise ValueError naming the first malformed function or template."""
    types = {"string": str, "integer": int, "number": float, "boolean": bool}
    seen = set()
    for f in cat["functions"]:
        where = f"{os.path.basename(path)}: {f['name']}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", f["name"]) or f["name"] in seen:
            raise ValueError(f"{where}: name must be unique snake_case")
        seen.add(f["name"])
        if not f["description"].endswith(".") or len(f["templates"]) < 4:
            raise ValueError(f"{where}: needs a description sentence and at least 4 templates")
        names = [p["name"] for p in f["params"]]
        for p in f["params"]:
            g = p["kind"]
            if g is None or not p["desc"]:
                raise ValueError(f"{where}.{p['name']}: unknown generator {p['gen']!r} or no description")
            d = p["default"]
            if d is not NO_DEFAULT and (type(d) is not types.get(g["type"]) or d not in g["schema"].get("enum", [d])):
                raise ValueError(f"{where}.{p['name']}: default {d!r} does not fit its type")
        required = [p["name"] for p in f["params"] if p["required"]]
        for t in f["templates"]:
            outside = PLACEHOLDER.findall(OPTIONAL.sub("", t))
            inside = [n for seg in OPTIONAL.findall(t) for n in PLACEHOLDER.findall(seg)]
            all_names = PLACEHOLDER.findall(t)
            if sorted(outside) != sorted(required) or any(n in required or n not in names for n in inside) \
                    or len(set(all_names)) != len(all_names) or re.search(r"[\[\]<>]", OMISSIBLE.sub("", OPTIONAL.sub("", t))):
                raise ValueError(f"{where}: template {t!r} must hold each required parameter once outside [ ] "
                                 "and optional ones only inside [ ]")
            for seg in OMISSIBLE.findall(t):
                if len(PLACEHOLDER.findall(seg)) != 1:
                    raise ValueError(f"{where}: < > segment {seg!r} must hold exactly one required parameter")
        if f["vary"] and (f["vary"] not in required or param(f, f["vary"])["kind"]["type"] == "boolean"
                          or "enum" in param(f, f["vary"])["kind"]["schema"]):
            raise ValueError(f"{where}: vary must name a required, non-enum parameter")
        problem = task_problem({"id": 0, "tools": [tool_schema(f)], "messages": [{"role": "user", "content": "x"}]})
        if problem:
            raise ValueError(f"{where}: {problem}")


def main():
    args = parse_args()
    for flag in ("train", "test"):
        if getattr(args, flag) < 0:
            raise InputError(f"--{flag}", None, "must be a count >= 0")
    cat = load_catalogue()
    check_catalogue(cat)
    train_fns, test_fns = split_catalogue(cat)
    for split, fns, n in (("train", train_fns, args.train), ("test", test_fns, args.test)):
        rows = generate(split, cat, fns, n, random.Random(f"{args.seed}:{split}"))
        write_jsonl(f"{args.out}/{split}.jsonl", rows)
        counts = category_counts(n)
        print(f"{split}: {len(rows)} examples ({', '.join(f'{c} {counts[c]}' for c in CATEGORIES)}), "
              f"{len(fns)} functions")
    print(f"catalogue: {len(cat['domains'])} domains, {len(train_fns) + len(test_fns)} functions "
          f"(train {len(train_fns)}, test {len(test_fns)}); wrote {args.out}/train.jsonl and {args.out}/test.jsonl")


if __name__ == "__main__":
    run_main(main)
