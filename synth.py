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

The catalogue (domains, functions, value pools, enumerations, phrasings) is data:
synth_catalogue.json beside this file; this file is the generator. A new domain is a new
entry under "domains" there, checked by check_catalogue() on every run.

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


def read_catalogue(path=CATALOGUE_PATH):
    """The catalogue's JSON: domains, functions, value pools, enumerations, phrasings."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        print(f"error: {path}:{e.lineno}: invalid JSON: {e.msg}", file=sys.stderr)
        raise SystemExit(2) from None


CATALOGUE = read_catalogue()

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


def g_date(rng, state):
    d = datetime.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))
    state["date"] = d
    iso, says = say_date(d)
    return iso, says, []


def g_date_after(rng, state):
    d = state.get("date") or datetime.date(2025, rng.randint(1, 12), rng.randint(1, 20))
    d = d + datetime.timedelta(days=rng.randint(1, 14))
    iso, says = say_date(d)
    return iso, says, []


def g_month(rng, state):
    y, m = rng.choice([2024, 2025]), rng.randint(1, 12)
    return f"{y}-{m:02d}", [f"{y}-{m:02d}", f"{MONTHS[m - 1]} {y}"], []


def g_time(rng, state):
    h, m = rng.randint(7, 21), rng.choice([0, 15, 30, 45])
    h12, ampm = (h - 1) % 12 + 1, "am" if h < 12 else "pm"
    says = [f"{h:02d}:{m:02d}", f"{h12}:{m:02d} {ampm}"]
    if m == 0:
        says += [f"{h12} {ampm}", f"{words(h12)} o'clock in the {'morning' if h < 12 else 'afternoon' if h < 18 else 'evening'}"]
    if m == 30:
        says.append(f"half past {words(h12)} in the {'morning' if h < 12 else 'afternoon' if h < 18 else 'evening'}")
    return f"{h:02d}:{m:02d}", says, []


def counted(lo, hi, noun="", special=None):
    """Integers written as digits or words, with a noun ('3 nights', 'three nights')."""
    def make(rng, state):
        n = rng.randint(lo, hi)
        tail = f" {noun if n == 1 else noun + 's'}" if noun else ""
        says = [f"{n}{tail}", f"{words(n)}{tail}"] + list((special or {}).get(n, []))
        return n, says, []
    return make


def stepped(choices, fmt):
    """A value from `choices`; `fmt(v)` lists its phrasings, plain first."""
    def make(rng, state):
        v = rng.choice(choices)
        return v, fmt(v), []
    return make


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


def g_phone(rng, state):
    a, b, c = rng.choice([415, 212, 646, 312, 617, 206]), rng.randint(200, 999), rng.randint(1000, 9999)
    v = f"+1{a}{b}{c}"
    return v, [v, f"+1 {a} {b} {c}", f"+1 ({a}) {b}-{c}"], []


def g_coords(rng, state):
    lat, lon = round(rng.uniform(-60, 60), 4), round(rng.uniform(-150, 150), 4)
    return ({"lat": lat, "lon": lon},
            [f"{lat}, {lon}", f"latitude {lat} and longitude {lon}", f"lat {lat} / lon {lon}"], [])


ADDRESSES = [tuple(a) for a in CATALOGUE["addresses"]]


def g_address(rng, state):
    street, city, code = rng.choice(ADDRESSES)
    return ({"street": street, "city": city, "postal_code": code},
            [f"{street}, {city} {code}", f"{street}, {code} {city}", f"{street} in {city}, postal code {code}"], [])


def g_dims(rng, state):
    l, w, h = rng.choice([20, 30, 40, 50, 60]), rng.choice([15, 20, 25, 30]), rng.choice([5, 10, 15, 20])
    return ({"length_cm": l, "width_cm": w, "height_cm": h},
            [f"{l} x {w} x {h} cm", f"{l} cm long, {w} cm wide and {h} cm high",
             f"{num(l / 100)} m by {num(w / 100)} m by {num(h / 100)} m"], [])


def g_ident(prefix, digits, noun):
    """Identifiers such as order numbers: the phrase names the thing ('order ORD-48213')."""
    def make(rng, state):
        v = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
        return v, [f"{noun} {v}", f"{noun} #{v}" if noun else v], []
    return make


def g_pnr(rng, state):
    v = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    return v, [f"booking {v}", f"reservation {v}", f"booking reference {v}"], []


AIRLINES = [tuple(a) for a in CATALOGUE["airlines"]]


def g_flight(rng, state):
    code, name = rng.choice(AIRLINES)
    n = rng.randint(10, 2999)
    return f"{code}{n}", [f"{code}{n}", f"{code} {n}", f"{name} flight {n}"], []


def g_username(rng, state):
    v = rng.choice(FIRST).lower() + rng.choice(["_", ".", ""]) + rng.choice(LAST).lower()[:rng.randint(1, 5)]
    return v, [v, "@" + v], []


def g_email(rng, state):
    v = f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@{rng.choice(['example.com', 'mail.test', 'acme.org'])}"
    return v, [v], []


def g_person(rng, state):
    v = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return v, [v], []


def g_path(rng, state):
    v = f"/{rng.choice(['reports', 'photos', 'projects', 'invoices', 'notes'])}/{rng.choice(FILES)}"
    return v, [v], []


FIRST, LAST, FILES = CATALOGUE["first_names"], CATALOGUE["last_names"], CATALOGUE["files"]

# Simple string pools: value -> phrasings (a bare string is its own only phrasing).
POOLS = {k: [tuple(x) if isinstance(x, list) else x for x in v] for k, v in CATALOGUE["pools"].items()}

NAMED_CODES = {"language", "country"}  # users name these ("French"), never write the code ("fr")


def g_pool(key):
    """A value from POOLS[key]: an entry is the value itself or (value, other ways to say it)."""
    def make(rng, state):
        item = rng.choice(POOLS[key])
        item = (item,) if isinstance(item, str) else item
        value, says = item[0], list(item[1:] if key in NAMED_CODES else item)
        # A city's other names ("NYC") are right too; for codes ("LHR") only the code is.
        alts = list(item[1:]) if key == "city" else []
        return value, says, alts
    return make


def g_list(base, lo=2, hi=4):
    """An array of distinct values from another generator, said as 'A, B and C'."""
    def make(rng, state):
        values, says, size = [], [], rng.randint(lo, hi)
        for _ in range(50):
            if len(values) == size:
                break
            v, s, _a = GEN[base]["make"](rng, state)
            if v not in values:
                values.append(v)
                says.append(s)
        plain = join_words([s[0] for s in says], rng)
        other = join_words([rng.choice(s) for s in says], rng)
        return values, [plain, other], []
    return make


def g_int_list(lo, hi):
    def make(rng, state):
        vals = sorted(rng.sample(range(lo, hi + 1), rng.randint(2, 4)))
        return vals, [join_words([str(v) for v in vals], rng), join_words([words(v) for v in vals], rng)], []
    return make


# key -> {"type", "make", "schema" (extra JSON schema), "hint" (added to descriptions), "ctx"}
GEN = {}


def gen(key, type_, make, hint="", ctx=None, **schema):
    GEN[key] = {"type": type_, "make": make, "hint": hint, "ctx": ctx, "schema": schema}


# ctx: (sentences that state the value earlier, phrases that refer back to it later).
# In a sentence, {s} is the value as the user writes it and {v} is the value itself.
gen("city", "string", g_pool("city"), ctx=(["I'm based in {s}.", "I live in {s}.", "FYI, my home city is {s}."],
                                          ["my city", "my home city"]))
gen("airport", "string", g_pool("airport"), "IATA airport code, e.g. 'LHR'.",
    ctx=(["My home airport is {s}.", "I always fly out of {s}."], ["my home airport"]))
gen("currency", "string", g_pool("currency"), "ISO 4217 code, e.g. 'EUR'.",
    ctx=(["I keep my savings in {s}.", "My salary is paid in {s}."], ["my home currency"]))
gen("language", "string", g_pool("language"), "ISO 639-1 code, e.g. 'fr'.",
    ctx=(["My native language is {s}.", "I only read {s}."], ["my native language", "my language"]))
gen("country", "string", g_pool("country"), "ISO 3166-1 alpha-2 code, e.g. 'JP'.",
    ctx=(["I live in {s}.", "I'm based in {s}."], ["my country"]))
gen("ticker", "string", g_pool("ticker"), "Stock ticker symbol, e.g. 'AAPL'.")
gen("crypto", "string", g_pool("crypto"), "Coin symbol, e.g. 'BTC'.")
gen("channel", "string", g_pool("channel"), "Channel name without the '#'.")
gen("username", "string", g_username, "Handle without the leading '@'.")
gen("hashtag", "string", g_pool("hashtag"), "Tag without the '#'.")
gen("folder", "string", g_pool("folder"), "Folder name, e.g. 'Work'.")
POOL_HINTS = CATALOGUE["pool_hints"]
for _key in POOLS:
    if _key not in GEN:
        gen(_key, "string", g_pool(_key), POOL_HINTS.get(_key, ""))
gen("date", "string", g_date, "Format YYYY-MM-DD.", ctx=(["I'm free on {s}.", "Let's plan around {s}.",
                                                         "The date I have in mind is {s}."], ["that day", "that date"]))
gen("date_after", "string", g_date_after, "Format YYYY-MM-DD.")
gen("month", "string", g_month, "Format YYYY-MM.")
gen("time", "string", g_time, "24-hour HH:MM.")
gen("email", "string", g_email, ctx=(["My email address is {s}.", "You can reach me at {s}."],
                                     ["my email address", "my email"]))
gen("person", "string", g_person, "Full name.")
gen("phone", "string", g_phone, "E.164 format, e.g. '+14155550132'.",
    ctx=(["My phone number is {s}.", "My mobile is {s}."], ["my phone", "my mobile number"]))
gen("path", "string", g_path, "Absolute path, e.g. '/reports/q3.pdf'.")
gen("flight", "string", g_flight, "Airline code and number, e.g. 'BA283'.")
gen("booking", "string", g_pnr, "Six-character booking reference.",
    ctx=(["My booking reference is {v}.", "I have a reservation, reference {v}."], ["my booking", "that booking"]))
gen("order_id", "string", g_ident("ORD-", 5, "order"), "Order id, e.g. 'ORD-48213'.",
    ctx=(["My order number is {v}.", "I placed an order, number {v}."], ["my order", "that order"]))
gen("account", "string", g_ident("ACC-", 6, "account"), "Account id, e.g. 'ACC-204918'.",
    ctx=(["My account number is {v}.", "I bank with you, account {v}."], ["my account"]))
gen("tracking", "string", g_ident("TRK", 9, "tracking number"), "Tracking number, e.g. 'TRK482019331'.",
    ctx=(["My tracking number is {v}.", "The shipping email gave tracking number {v}."], ["my parcel", "that parcel"]))
gen("invoice", "string", g_ident("INV-", 5, "invoice"), "Invoice id, e.g. 'INV-00418'.")
gen("pet_id", "string", g_ident("PET-", 4, "pet profile"), "Pet profile id, e.g. 'PET-2231'.")
gen("listing", "string", g_ident("LST-", 5, "listing"), "Listing id, e.g. 'LST-77120'.")
gen("job_id", "string", g_ident("JOB-", 5, "job posting"), "Job posting id, e.g. 'JOB-30112'.")
gen("rx", "string", g_ident("RX-", 6, "prescription"), "Prescription number, e.g. 'RX-448210'.")
gen("count", "integer", counted(2, 9))
gen("guests", "integer", counted(2, 8, "", {2: ["a couple of"]}))
gen("nights", "integer", counted(1, 14, "night", {7: ["a week"], 14: ["two weeks", "a fortnight"]}), "Number of nights.")
gen("days", "integer", counted(1, 14, "day", {7: ["a week"], 14: ["two weeks"]}), "In days.")
gen("weeks", "integer", counted(1, 8, "week", {2: ["a fortnight"]}), "In weeks.")
gen("bags", "integer", counted(1, 3, "checked bag"))
gen("row", "integer", counted(1, 40))
gen("meals", "integer", counted(2, 4))
gen("bedrooms", "integer", counted(1, 5, "bedroom"))
gen("years", "integer", counted(1, 30, "year", {10: ["a decade"]}), "In years.")
gen("age", "integer", counted(18, 80))
gen("body_kg", "number", stepped([52.5, 60.0, 64.0, 71.5, 78.0, 85.0, 92.0], lambda w: [f"{num(w)} kg", f"{num(w)} kilos"]),
    "In kilograms.")
gen("sleep_min", "integer", stepped([300, 360, 390, 420, 450, 480, 540],
                                    lambda m: [f"{m} minutes", f"{num(m / 60)} hours"] + {360: ["six hours"], 420: ["seven hours"],
                                                                                          450: ["seven and a half hours"],
                                                                                          480: ["eight hours"]}.get(m, [])),
    "In minutes.")
gen("daily_kcal", "integer", stepped([1500, 1800, 2000, 2200, 2500, 2800],
                                     lambda c: [f"{c} calories", f"{c:,} kcal", f"{num(c / 1000)}k calories"]))
gen("systolic", "integer", stepped([110, 118, 122, 130, 135, 142], lambda v: [str(v)]))
gen("diastolic", "integer", stepped([70, 75, 78, 82, 85, 90], lambda v: [str(v)]))
gen("speed", "number", stepped([0.75, 1.0, 1.25, 1.5, 2.0],
                               lambda v: [f"{num(v)}x", f"{num(v)}x speed"] + {1.0: ["normal speed"], 2.0: ["double speed"],
                                                                               1.5: ["one and a half times speed"]}.get(v, [])),
    "Playback rate, 1.0 is normal.")
gen("mileage", "integer", stepped([15000, 42000, 60000, 85000, 120000],
                                  lambda k: [f"{k} km", f"{k:,} km", f"{num(k / 1000)}k km", f"{num(k / 1000)} thousand kilometres"]),
    "In kilometres.")
gen("trip_km", "number", stepped([120.0, 250.0, 380.0, 450.0, 600.0, 1000.0],
                                 lambda k: [f"{num(k)} km", f"{num(k)} kilometres"] + (["a thousand kilometres"] if k == 1000 else [])),
    "In kilometres.")
gen("consumption", "number", stepped([4.5, 5.0, 6.2, 7.0, 8.5], lambda v: [f"{num(v)} l/100km", f"{num(v)} litres per 100 km"]),
    "Litres per 100 km.")
gen("kw", "integer", stepped([22, 50, 150, 350], lambda v: [f"{v} kW", f"{v} kilowatts"]), "In kilowatts.")
gen("capacity", "integer", stepped([50, 120, 200, 500, 1500], lambda v: [str(v), f"{v:,}", words(v)]))
gen("home_usd", "number", stepped([150000.0, 250000.0, 320000.0, 450000.0, 600000.0, 875000.0],
                                   lambda v: [f"${int(v):,}", f"{num(v / 1000)}k", f"{num(v / 1000)} thousand dollars"]),
    "In US dollars.")
gen("loan_usd", "number", stepped([5000.0, 8000.0, 12000.0, 25000.0, 40000.0],
                                  lambda v: [f"${int(v):,}", f"{num(v / 1000)}k", f"{words(int(v))} dollars"]),
    "In US dollars.")
gen("rating", "integer", counted(2, 5, "star"), "From 1 to 5.")
gen("limit", "integer", stepped([3, 5, 10, 15, 20, 25], lambda n: [str(n), words(n)] + (["a dozen"] if n == 12 else [])))
gen("year", "integer", stepped(list(range(2015, 2025)), lambda y: [str(y)]))
gen("pct", "number", stepped([0.05, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.3],
                             lambda v: [f"{round(v * 100)}%", f"{round(v * 100)} percent", f"{words(round(v * 100))} percent"]),
    "A fraction, e.g. 0.15 for 15%.")
gen("rate", "number", stepped([0.025, 0.0375, 0.045, 0.05, 0.0625, 0.07, 0.089],
                              lambda v: [f"{num(round(v * 100, 4))}%", f"{num(round(v * 100, 4))} percent"]),
    "A fraction, e.g. 0.05 for 5%.")
gen("pin", "string", stepped(["2580", "1397", "0426", "8812", "5150"], lambda v: [v]))
gen("card4", "string", stepped(["4821", "0937", "1150", "7702", "3398", "6014"], lambda v: [v]), "Last four digits.")
gen("thread", "string", g_ident("THR-", 5, "thread"), "Thread id, e.g. 'THR-20931'.")
gen("level", "integer", stepped([10, 20, 25, 30, 40, 50, 60, 75, 80, 100],
                                lambda n: [f"{n}%", f"{n} percent"] + {50: ["half"], 25: ["a quarter"], 100: ["full"],
                                                                       75: ["three quarters"]}.get(n, [])),
    "Percentage from 0 to 100.")
gen("usd", "number", stepped([15.0, 25.0, 40.0, 60.0, 75.0, 120.0, 250.0, 300.0, 500.0, 800.0, 1200.0, 12.5, 49.99],
                             money_says), "In US dollars.")
gen("amount", "number", stepped([20.0, 50.0, 75.0, 100.0, 150.0, 250.0, 400.0, 1000.0, 1500.0, 2500.0, 12000.0, 62.5],
                                amount_says))
gen("distance_m", "integer", stepped([200, 500, 800, 1000, 1500, 2000, 2500, 3000, 5000, 10000],
                                     lambda m: [f"{m} metres", f"{num(m / 1000)} km",
                                                f"{num(m / 1000)} kilometre{'' if m == 1000 else 's'}"]),
    "In metres.")
gen("distance_km", "number", stepped([3.0, 5.0, 8.0, 10.0, 12.5, 21.1, 42.2],
                                     lambda k: [f"{num(k)} km", f"{num(k * 1000)} metres"]
                                     + ({5.0: ["a 5K"], 10.0: ["a 10K"], 21.1: ["a half marathon"],
                                         42.2: ["a marathon"]}.get(k, []))),
    "In kilometres.")
gen("weight_kg", "number", stepped([0.5, 1.0, 1.2, 2.5, 3.0, 4.5, 12.0, 20.0, 23.0],
                                   lambda w: [f"{num(w)} kg", f"{num(w * 1000)} grams", f"{num(w * 1000)} g"]),
    "In kilograms.")
gen("bag_kg", "number", stepped([15.0, 20.0, 23.0, 32.0], lambda w: [f"{num(w)} kg", f"{num(w)} kilos", f"{num(w * 1000)} grams"]),
    "In kilograms.")
gen("weight_g", "integer", stepped([150, 250, 400, 500, 750, 1000, 1500, 2000],
                                   lambda g: [f"{g} g", f"{num(g / 1000)} kg"] + (["half a kilo"] if g == 500 else [])),
    "In grams.")
gen("volume_ml", "integer", stepped([250, 330, 500, 750, 1000, 1500, 2000],
                                    lambda ml: [f"{ml} ml", f"{num(ml / 1000)} litre{'' if ml == 1000 else 's'}"]
                                    + {500: ["half a litre"], 1000: ["a litre"], 250: ["a quarter litre"]}.get(ml, [])),
    "In millilitres.")
gen("temp_c", "number", stepped([16.0, 18.0, 19.5, 20.0, 21.0, 22.0, 23.5, 25.0],
                                lambda t: [f"{num(t)} degrees", f"{num(t)}°C"] + ([f"{words(int(t))} degrees"] if t == int(t) else [])),
    "In degrees Celsius.")
gen("height_cm", "integer", stepped(list(range(150, 200, 3)), lambda c: [f"{c} cm", f"{c / 100:.2f} m"]), "In centimetres.")
gen("steps", "integer", stepped([5000, 6500, 8000, 10000, 12000, 15000],
                                lambda s: [f"{s} steps", f"{s:,} steps", f"{num(s / 1000)}k steps", f"{words(s)} steps"]))
gen("minutes", "integer", stepped([15, 20, 30, 45, 60, 90, 120, 150, 180, 240], dur_says), "In minutes.")
gen("seconds", "integer", stepped([30, 45, 60, 90, 120, 180, 300, 600],
                                  lambda s: [f"{s} seconds"] + {60: ["a minute"], 90: ["a minute and a half"],
                                                                120: ["two minutes"], 180: ["three minutes"],
                                                                300: ["five minutes"], 600: ["ten minutes"],
                                                                30: ["half a minute"]}.get(s, [])),
    "In seconds.")
gen("coords", "object", g_coords, "Latitude and longitude in decimal degrees.",
    properties={"lat": {"type": "number", "description": "Latitude."},
                "lon": {"type": "number", "description": "Longitude."}}, required=["lat", "lon"])
gen("address", "object", g_address, "Street address split into parts.",
    properties={"street": {"type": "string", "description": "Street and number."},
                "city": {"type": "string", "description": "City."},
                "postal_code": {"type": "string", "description": "Postal code."}},
    required=["street", "city", "postal_code"])
gen("dims", "object", g_dims, "Package size in whole centimetres.",
    properties={"length_cm": {"type": "integer", "description": "Length."},
                "width_cm": {"type": "integer", "description": "Width."},
                "height_cm": {"type": "integer", "description": "Height."}},
    required=["length_cm", "width_cm", "height_cm"])
LIST_HINTS = CATALOGUE["list_hints"]
for _key in ["word", "username", "path", "brand", "room", "place", "movie_t", "menu_item", "ticker", "email", "ingredient",
             "skill", "person", "hashtag", "symptom", "song"]:
    gen("list:" + _key, "array", g_list(_key), LIST_HINTS.get(_key, ""), items={"type": "string"})
gen("zones", "array", g_int_list(1, 8), "Zone numbers.", items={"type": "integer"})

# Enumerations: value -> phrasings. Booleans: (phrasings for True, phrasings for False).
ENUMS = CATALOGUE["enums"]
BOOLS = {k: tuple(v) for k, v in CATALOGUE["bools"].items()}


def enum_gen(table):
    def make(rng, state):
        v = rng.choice(list(table))
        return v, list(table[v]), []
    return make


def bool_gen(pair):
    def make(rng, state):
        v = rng.random() < 0.5
        return v, list(pair[0] if v else pair[1]), []
    return make


for _key, _table in ENUMS.items():
    gen(_key, "string", enum_gen(_table), enum=list(_table))
for _key, _pair in BOOLS.items():
    gen(_key, "boolean", bool_gen(_pair))


# ---------------------------------------------------------------------------
# The catalogue (synth_catalogue.json): domains of invented functions. A parameter names its value
# generator; a template writes {param} where the value goes, [ ... ] around the
# words of an optional parameter (kept only when that parameter is mentioned),
# and < ... > around words that an irrelevance example may drop to leave a
# required value missing. `vary` names the parameter a parallel request may list
# several values of ("weather in Paris and Rome").

NO_DEFAULT = object()


def P(name, gen_key, desc, default=NO_DEFAULT, opt=False):
    return {"name": name, "gen": gen_key, "desc": desc, "default": default,
            "required": default is NO_DEFAULT and not opt}


def F(name, desc, params, templates, vary=None):
    return {"name": name, "description": desc, "params": params, "templates": templates, "vary": vary}


DOMAINS = [(domain, [F(f["name"], f["description"],
                        [P(p["name"], p["gen"], p["desc"], p.get("default", NO_DEFAULT), p.get("optional", False))
                         for p in f["params"]], f["templates"], f.get("vary")) for f in fs])
           for domain, fs in CATALOGUE["domains"].items()]


# ---------------------------------------------------------------------------
# Generation

PLACEHOLDER = re.compile(r"\{(\w+)\}")
OPTIONAL = re.compile(r"\[([^\[\]<>]*)\]")
OMISSIBLE = re.compile(r"<([^<>\[\]]*)>")
# A value stated earlier may be referred back to ("in my city") only after a preposition.
REFERABLE = r"\b(?:in|to|from|for|on|into|at|of|with|under|near|by|about|around|within|over|is) \{%s\}"
CONNECTORS, ACKS = CATALOGUE["connectors"], CATALOGUE["acks"]
NO_TOOL, NO_VALUE = CATALOGUE["no_tool"], CATALOGUE["no_value"]


def functions():
    """Every catalogue function, with its domain, in catalogue order."""
    return [dict(f, domain=d) for d, fs in DOMAINS for f in fs]


def tool_schema(f):
    """The function as a JSON-schema tool (what the prompt shows)."""
    props = {}
    for p in f["params"]:
        g = GEN[p["gen"]]
        # the generator's hint ("Order id, e.g. 'ORD-48213'.") replaces a description it already covers ("Order.")
        covered = g["hint"] and p["desc"].rstrip(".").lower() in g["hint"].lower()
        desc = g["hint"] if covered else " ".join(x for x in (p["desc"], g["hint"]) if x)
        if p["default"] is not NO_DEFAULT:
            desc += f" Default: {json.dumps(p['default'])}."
        props[p["name"]] = {"type": g["type"], "description": desc, **g["schema"]}
    return {"name": f["name"], "description": f["description"],
            "parameters": {"type": "object", "properties": props,
                           "required": [p["name"] for p in f["params"] if p["required"]]}}


def split_catalogue():
    """(train functions, test functions): a fixed ~80/20 split of the names by hash."""
    fns = functions()
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
            vals[p["name"]] = GEN[p["gen"]]["make"](rng, state)
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


def request(rng, f, k=1, context=False):
    """User text asking for k calls of f: (messages, calls, answers)."""
    if k > 1 and f["vary"] and rng.random() < 0.6:
        template = rng.choice(f["templates"])
        vals, mentioned = plan_call(rng, f, template)
        options, make = [vals[f["vary"]]], GEN[param(f, f["vary"])["gen"]]["make"]
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
    referable = [t for t in f["templates"] if any(GEN[p["gen"]]["ctx"] and re.search(REFERABLE % p["name"], t)
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
            known = [n for n in mentioned if GEN[param(f, n)["gen"]]["ctx"] and re.search(REFERABLE % n, template)]
            if known:
                n = rng.choice(known)
                intros, refs = GEN[param(f, n)["gen"]]["ctx"]
                intro = rng.choice(intros).format(s=said[n], v=vals[n][0])
                said[n] = rng.choice(refs)
        texts.append(fill(template, said, mentioned))
        calls.append(call)
        answers.append(answer)
    messages = [{"role": "user", "content": intro}, {"role": "assistant", "content": rng.choice(ACKS)}] if intro else []
    return messages + [{"role": "user", "content": join_requests(rng, texts)}], calls, answers


def join_requests(rng, texts):
    """Several requests in one message, linked the way people write them."""
    out = texts[0]
    for text in texts[1:]:
        link = rng.choice(CONNECTORS)
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


def ex_simple(rng, fns):
    f = rng.choice(fns)
    messages, calls, answers = request(rng, f, context=rng.random() < 0.25)
    return [f], messages, answers, format_calls(calls)


def ex_multiple(rng, fns):
    f = rng.choice(fns)
    messages, calls, answers = request(rng, f, context=rng.random() < 0.2)
    tools = [f] + others(rng, fns, [f], rng.randint(1, 5), f["domain"], same_share=0.5)
    rng.shuffle(tools)
    return tools, messages, answers, format_calls(calls)


def ex_parallel(rng, fns):
    while True:
        f = rng.choice(fns)
        messages, calls, answers = request(rng, f, k=rng.randint(2, 4))
        if len(calls) >= 2:
            return [f], messages, answers, format_calls(calls)


def ex_parallel_multiple(rng, fns):
    first = rng.choice(fns)
    used = [first] + others(rng, fns, [first], rng.randint(1, 2), first["domain"], same_share=0.7)
    ks = [1] * len(used)
    if len(used) < 4 and rng.random() < 0.4:
        ks[rng.randrange(len(used))] = 2
    texts, calls, answers = [], [], []
    for f, k in zip(used, ks):
        m, c, a = request(rng, f, k)
        texts.append(m[-1]["content"])
        calls += c
        answers += a
    tools = used + others(rng, fns, used, rng.randint(0, 2))
    rng.shuffle(tools)
    return tools, [{"role": "user", "content": join_requests(rng, texts)}], answers, format_calls(calls)


def ex_irrelevance(rng, fns):
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
        return tools, [{"role": "user", "content": text}], [], rng.choice(NO_VALUE).format(param=drop, fname=f["name"])
    messages, _calls, _answers = request(rng, f)
    tools = others(rng, fns, [f], rng.randint(1, 3), f["domain"], unrelated=True)
    gist = f["description"][0].lower() + f["description"][1:].rstrip(".")
    return tools, messages, [], rng.choice(NO_TOOL).format(gist=gist)


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


def generate(split, fns, n, rng):
    """n task rows for one split, built only from that split's functions."""
    counts = category_counts(n)
    cats = [c for c in CATEGORIES for _ in range(counts[c])]
    rng.shuffle(cats)
    schemas = {f["name"]: tool_schema(f) for f in fns}
    rows, seen = [], set()
    for i, cat in enumerate(cats):
        for _ in range(20):
            tools, messages, answer, response = BUILDERS[cat](rng, fns)
            key = (messages[-1]["content"], tuple(f["name"] for f in tools))
            if key not in seen:
                break
        seen.add(key)
        row = {"id": f"{split}-{cat}-{i:05d}", "category": cat, "tools": [schemas[f["name"]] for f in tools],
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


def check_catalogue():
    """Raise ValueError naming the first malformed function or template."""
    types = {"string": str, "integer": int, "number": float, "boolean": bool}
    seen = set()
    for f in functions():
        where = f"{os.path.basename(CATALOGUE_PATH)}: {f['name']}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", f["name"]) or f["name"] in seen:
            raise ValueError(f"{where}: name must be unique snake_case")
        seen.add(f["name"])
        if not f["description"].endswith(".") or len(f["templates"]) < 4:
            raise ValueError(f"{where}: needs a description sentence and at least 4 templates")
        names = [p["name"] for p in f["params"]]
        for p in f["params"]:
            g = GEN.get(p["gen"])
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
        if f["vary"] and (f["vary"] not in required or GEN[param(f, f["vary"])["gen"]]["type"] == "boolean"
                          or "enum" in GEN[param(f, f["vary"])["gen"]]["schema"]):
            raise ValueError(f"{where}: vary must name a required, non-enum parameter")
        problem = task_problem({"id": 0, "tools": [tool_schema(f)], "messages": [{"role": "user", "content": "x"}]})
        if problem:
            raise ValueError(f"{where}: {problem}")


def main():
    args = parse_args()
    for flag in ("train", "test"):
        if getattr(args, flag) < 0:
            raise InputError(f"--{flag}", None, "must be a count >= 0")
    check_catalogue()
    train_fns, test_fns = split_catalogue()
    for split, fns, n in (("train", train_fns, args.train), ("test", test_fns, args.test)):
        rows = generate(split, fns, n, random.Random(f"{args.seed}:{split}"))
        write_jsonl(f"{args.out}/{split}.jsonl", rows)
        counts = category_counts(n)
        print(f"{split}: {len(rows)} examples ({', '.join(f'{c} {counts[c]}' for c in CATEGORIES)}), "
              f"{len(fns)} functions")
    print(f"catalogue: {len(DOMAINS)} domains, {len(train_fns) + len(test_fns)} functions "
          f"(train {len(train_fns)}, test {len(test_fns)}); wrote {args.out}/train.jsonl and {args.out}/test.jsonl")


if __name__ == "__main__":
    run_main(main)
