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

    python synth.py --out data/ [--train 2000 --test 400 --seed 0]
"""
import argparse
import datetime
import hashlib
import json
import random
import re

from common import CATEGORIES, InputError, format_calls, parse_calls, run_main, task_problem, write_jsonl

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


ADDRESSES = [("12 Rue de Rivoli", "Paris", "75001"), ("221 Baker Street", "London", "NW1 6XE"),
             ("45 Elm Avenue", "Toronto", "M4B 1B3"), ("8 Via Roma", "Milan", "20121"),
             ("300 Pine Street", "Seattle", "98101"), ("17 Kastanienallee", "Berlin", "10435"),
             ("9 George Street", "Sydney", "2000"), ("64 Calle Mayor", "Madrid", "28013"),
             ("1200 Market Street", "San Francisco", "94102"), ("5 Dame Street", "Dublin", "D02 X285")]


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


AIRLINES = [("AF", "Air France"), ("BA", "British Airways"), ("LH", "Lufthansa"), ("DL", "Delta"),
            ("UA", "United"), ("KL", "KLM"), ("IB", "Iberia"), ("QF", "Qantas"), ("AC", "Air Canada")]


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


FIRST = ["Maria", "James", "Aisha", "Chen", "Lucas", "Sofia", "Omar", "Yuki", "Elena", "Noah", "Priya",
         "Mateo", "Hannah", "Kwame", "Ingrid", "Ravi", "Chloe", "Diego", "Fatima", "Leo"]
LAST = ["Lopez", "Smith", "Khan", "Wang", "Martin", "Rossi", "Haddad", "Tanaka", "Novak", "Brown", "Patel",
        "Garcia", "Muller", "Mensah", "Larsen", "Iyer", "Dubois", "Silva", "Rahman", "Costa"]
FILES = ["q3_summary.pdf", "budget_2025.xlsx", "team_photo.jpg", "roadmap.docx", "notes.txt", "invoice_118.pdf"]

# Simple string pools: value -> phrasings (a bare string is its own only phrasing).
POOLS = {
    "city": ["Paris", "Lyon", "Berlin", "Rome", "Madrid", "Lisbon", "Tokyo", "Osaka", "Seoul", "Toronto",
             "Chicago", "Denver", "Austin", "Sydney", "Cape Town", "Nairobi", "Mumbai", "Istanbul", "Prague",
             "Vienna", "Oslo", "Dublin", "Edinburgh", "Buenos Aires", "Lima", "Montreal", "Seattle", "Boston",
             "Singapore", ("New York", "NYC", "New York City"), ("Los Angeles", "LA"), ("San Francisco", "SF")],
    "airport": [("LHR", "London Heathrow", "Heathrow"), ("CDG", "Paris Charles de Gaulle", "Charles de Gaulle"),
                ("JFK", "New York JFK", "JFK in New York"), ("HND", "Tokyo Haneda", "Haneda"),
                ("FRA", "Frankfurt airport"), ("AMS", "Amsterdam Schiphol", "Schiphol"), ("MAD", "Madrid Barajas"),
                ("FCO", "Rome Fiumicino", "Fiumicino"), ("SFO", "San Francisco International"),
                ("ORD", "Chicago O'Hare", "O'Hare"), ("SIN", "Singapore Changi", "Changi"),
                ("YYZ", "Toronto Pearson"), ("LIS", "Lisbon airport"), ("BCN", "Barcelona El Prat"),
                ("DXB", "Dubai International"), ("SYD", "Sydney airport")],
    "currency": [("USD", "US dollars"), ("EUR", "euros"), ("GBP", "British pounds", "pounds sterling"),
                 ("JPY", "Japanese yen", "yen"), ("CHF", "Swiss francs"), ("CAD", "Canadian dollars"),
                 ("AUD", "Australian dollars"), ("INR", "Indian rupees"), ("MXN", "Mexican pesos"),
                 ("SEK", "Swedish kronor"), ("BRL", "Brazilian reais"), ("KRW", "South Korean won")],
    "language": [("fr", "French"), ("de", "German"), ("es", "Spanish"), ("it", "Italian"), ("pt", "Portuguese"),
                 ("ja", "Japanese"), ("ko", "Korean"), ("zh", "Chinese"), ("nl", "Dutch"), ("sv", "Swedish"),
                 ("pl", "Polish"), ("tr", "Turkish"), ("ar", "Arabic"), ("hi", "Hindi"), ("en", "English")],
    "country": [("JP", "Japan"), ("DE", "Germany"), ("FR", "France"), ("BR", "Brazil"), ("CA", "Canada"),
                ("IN", "India"), ("KE", "Kenya"), ("MX", "Mexico"), ("ES", "Spain"), ("AU", "Australia"),
                ("IT", "Italy"), ("NO", "Norway"), ("KR", "South Korea"), ("GB", "the United Kingdom", "the UK")],
    "ticker": [("AAPL", "Apple"), ("MSFT", "Microsoft"), ("NVDA", "Nvidia"), ("TSLA", "Tesla"),
               ("AMZN", "Amazon"), ("GOOGL", "Alphabet"), ("META", "Meta"), ("NFLX", "Netflix"),
               ("KO", "Coca-Cola"), ("DIS", "Disney"), ("NKE", "Nike"), ("INTC", "Intel")],
    "crypto": [("BTC", "Bitcoin"), ("ETH", "Ethereum"), ("SOL", "Solana"), ("ADA", "Cardano"),
               ("DOGE", "Dogecoin"), ("XRP", "Ripple")],
    "channel": [(c, "#" + c, f"the {c} channel") for c in ["design", "marketing", "backend", "general",
                                                             "support", "random", "releases", "hiring"]],
    "last_name": LAST,
    "song": ["Blue Horizon", "Midnight Train", "Paper Planes", "Golden Hour", "City Lights", "Slow Dancing",
             "Northern Sky", "Ocean Eyes", "Run Away", "Summer Rain"],
    "artist": ["Adele", "Coldplay", "Daft Punk", "Billie Eilish", "Stromae", "Arctic Monkeys", "Norah Jones",
               "Kendrick Lamar", "Fleetwood Mac", "Rosalia"],
    "playlist": ["Morning Run", "Focus Flow", "Sunday Chill", "Road Trip", "Dinner Party", "Workout Mix"],
    "podcast": ["The Daily Brief", "Science Hour", "History Untold", "Money Matters", "Tech Talk Weekly"],
    "movie": ["The Silent Coast", "Orbit", "Last Summer in Rome", "The Iron Garden", "Night Shift",
              "Paper Moon Rising", "Echoes", "The Long Road"],
    "show": ["Crown Street", "The Lab", "Northern Lights", "Kitchen Wars", "Deep Space Nine Lives"],
    "dish": ["lasagna", "chicken curry", "pad thai", "mushroom risotto", "banana bread", "lentil soup",
             "beef tacos", "shakshuka", "apple pie", "miso ramen"],
    "ingredient": ["eggs", "spinach", "garlic", "tomatoes", "chickpeas", "rice", "tofu", "salmon",
                   "mushrooms", "lemons", "basil", "potatoes", "onions", "feta"],
    "restaurant": ["La Piazza", "Sakura House", "The Green Fork", "Le Petit Zinc", "Casa Lola", "Blue Ginger",
                   "The Oak Room", "Taqueria Sol"],
    "hotel": ["Hotel Lumiere", "The Grand Harbour", "Casa del Sol", "Park View Inn", "The Linden",
              "Seaside Suites"],
    "product": ["Bluetooth speaker", "standing desk", "espresso machine", "smartwatch", "yoga mat",
                "mechanical keyboard", "air purifier", "hiking backpack", "electric kettle", "desk lamp"],
    "brand": ["Sony", "Bose", "Logitech", "Philips", "Adidas", "Samsung", "Dyson", "Patagonia"],
    "job_title": ["data analyst", "backend engineer", "product designer", "nurse", "accountant",
                  "marketing manager", "electrician", "teacher"],
    "skill": ["Python", "SQL", "Figma", "project management", "Excel", "Kubernetes", "copywriting", "Spanish"],
    "topic": ["electric cars", "climate policy", "space exploration", "the housing market", "AI regulation",
              "the World Cup", "renewable energy", "interest rates"],
    "team_name": ["Platform", "Growth", "Design", "Data Science", "Customer Success", "Mobile"],
    "project": ["Apollo", "Website Redesign", "Q3 Launch", "Data Migration", "Onboarding Revamp"],
    "task_title": ["update the pricing page", "review the contract", "fix the login bug", "prepare the demo",
                   "book the venue", "write release notes", "call the supplier"],
    "event_title": ["Team standup", "Budget review", "Dentist appointment", "Lunch with Sam", "Quarterly planning",
                    "Yoga class", "Parent-teacher meeting"],
    "message": ["I'm running ten minutes late", "Can we move our call to Friday?", "The report is ready",
                "Happy birthday!", "Don't forget the tickets", "Dinner is at 8", "Thanks for your help today"],
    "subject": ["Project update", "Invoice question", "Meeting notes", "Weekend plans", "Contract draft",
                "Welcome aboard"],
    "search_text": ["invoice", "flight confirmation", "password reset", "newsletter", "receipt", "contract"],
    "phrase": ["Where is the train station?", "Thank you very much", "I would like a coffee, please",
               "How much does this cost?", "The meeting starts at nine", "Nice to meet you"],
    "word": ["serendipity", "ephemeral", "ubiquitous", "resilience", "melancholy", "gregarious"],
    "place": ["the Louvre", "Central Park", "the Colosseum", "Shibuya Crossing", "the Sydney Opera House",
              "the Brandenburg Gate", "Table Mountain", "the Golden Gate Bridge"],
    "venue": ["Madison Square Garden", "the O2 Arena", "the Royal Albert Hall", "Red Rocks", "the Apollo"],
    "event_kind": ["jazz concert", "comedy show", "basketball game", "theatre play", "food festival"],
    "pet_name": ["Biscuit", "Luna", "Max", "Pepper", "Milo", "Nala", "Rocky", "Coco"],
    "coat": ["black", "white", "ginger", "brown", "grey", "tabby", "black and white"],
    "room": ["living room", "kitchen", "bedroom", "office", "hallway", "garage"],
    "car_model": ["Toyota Corolla", "Tesla Model 3", "VW Golf", "Ford Explorer", "Honda Civic", "Kia Niro"],
    "medication": ["ibuprofen", "amoxicillin", "vitamin D", "metformin", "loratadine", "omeprazole"],
    "symptom": ["headache", "sore throat", "back pain", "fever", "cough", "skin rash"],
    "doctor_kind": [("dermatologist", "skin doctor"), ("dentist",), ("cardiologist", "heart specialist"),
                    ("pediatrician", "children's doctor"), ("physiotherapist", "physio"), ("podiatrist", "foot doctor")],
    "neighborhood": ["Le Marais", "Brooklyn Heights", "Kreuzberg", "Shoreditch", "Gracia", "Trastevere"],
    "hashtag": [(t, "#" + t) for t in ["throwback", "travel", "foodie", "mondaymotivation", "sunset", "bookclub"]],
    "caption": ["Best brunch in town", "Finally made it to the summit", "New week, new goals",
                "Look who turned five today", "Sunday reading list"],
    "folder": [(f, f"my {f} folder", f"the {f} folder") for f in ["Archive", "Receipts", "Travel", "Work", "Family"]],
    "device": ["living room lamp", "porch light", "kitchen speaker", "bedroom heater", "coffee machine",
               "robot vacuum"],
    "note": ["buy more coffee beans", "renew passport before June", "call mom on Sunday",
             "bring charger to the office", "water the plants"],
    "invoice_item": ["web design", "consulting", "logo design", "copy editing", "photography session"],
    "cancel_reason": ["my plans changed", "the trip was postponed", "I found a cheaper option", "there's a family emergency"],
    "menu_item": ["club sandwich", "Caesar salad", "pot of tea", "fruit plate", "cheeseburger", "chocolate cake",
                  "bottle of sparkling water"],
    "calendar_name": ["work", "personal", "family"],
    "event_ref": [("EVT-" + c, f"event EVT-{c}") for c in ["1042", "2210", "3187", "4551", "5098", "6623"]],
    "age_rating": [("PG", "PG"), ("PG-13", "PG-13"), ("12", "age 12"), ("16", "age 16")],
    "screen": ["living room TV", "bedroom TV", "projector", "kitchen display"],
    "movie_t": ["The Silent Coast", "Orbit", "Crown Street", "Night Shift", "The Lab", "Echoes"],
    "gym_class": ["spin class", "yoga flow", "HIIT", "pilates", "boxing", "aqua aerobics"],
    "brand_store": ["Tesco", "Whole Foods", "Aldi", "Carrefour", "the farmers market"],
    "vaccine": ["flu", "tetanus", "measles", "hepatitis B", "COVID-19"],
    "door": ["front door", "back door", "garage door", "side gate"],
    "stop": ["Central Station", "Union Square", "Alexanderplatz", "Gare du Nord", "King's Cross", "Shibuya Station"],
    "line": [("U2", "the U2", "line U2"), ("M1", "metro line 1", "the M1"), ("Red Line", "the red line"), ("S7", "the S7")],
    "ride_ref": [("RIDE-" + c, f"ride RIDE-{c}") for c in ["2291", "4410", "7315", "8806", "9032"]],
    "maps_list": ["Favorites", "Want to go", "Restaurants", "Weekend trips"],
    "sku": [(c, f"item {c}", f"product {c}") for c in ["SKU-10482", "SKU-22931", "SKU-30817", "SKU-47702", "SKU-58120"]],
    "coupon": [(c, c.lower()) for c in ["SPRING20", "WELCOME10", "FREESHIP", "SAVE15", "VIP2025"]],
    "task_ref": [("TASK-" + c, f"task TASK-{c}", f"ticket TASK-{c}") for c in ["101", "214", "387", "452", "596", "730"]],
    "sprint": ["Sprint 14", "Sprint 15", "Sprint 21", "Sprint 30"],
    "url": ["https://news.example.com/climate-deal", "https://example.org/ai-rules", "https://daily.example.net/markets-today",
            "https://example.com/space-launch", "https://example.org/housing-report"],
    "foreign": ["Wo ist der Bahnhof?", "Je voudrais un cafe", "Donde esta la playa?", "Obrigado pela ajuda",
                "Dank je wel", "Buongiorno a tutti"],
    "typo_text": ["I recieve the package tomorow", "Their going to the libary", "We was late for the meating",
                  "Its a beatiful day"],
    "script_text": ["Привет", "こんにちは", "Ευχαριστώ", "مرحبا", "안녕하세요"],
    "claim": ["the Great Wall of China is visible from space", "goldfish have a three-second memory",
              "lightning never strikes the same place twice", "bats are blind", "humans use only 10% of their brains"],
    "new_folder": ["Taxes 2025", "Kitchen Remodel", "Client Work", "Wedding Photos", "Old Projects"],
    "goal_name": ["Holiday Fund", "New Car", "Emergency Fund", "Wedding", "House Deposit"],
    "bank_payee": ["City Power", "Metro Water", "Greenfield Rentals", "FastNet Broadband", "Oakwood Gym"],
}

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
POOL_HINTS = {"task_ref": "Task id, e.g. 'TASK-101'.", "event_ref": "Event id, e.g. 'EVT-1042'.",
              "sku": "Product id, e.g. 'SKU-10482'.", "ride_ref": "Ride id, e.g. 'RIDE-2291'.",
              "line": "Line name, e.g. 'U2'.", "url": "Full URL."}
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
LIST_HINTS = {"ticker": "Ticker symbols, e.g. ['AAPL', 'MSFT'].", "username": "Handles without the leading '@'.",
              "path": "Absolute paths.", "hashtag": "Tags without the '#'."}
for _key in ["word", "username", "path", "brand", "room", "place", "movie_t", "menu_item", "ticker", "email", "ingredient",
             "skill", "person", "hashtag", "symptom", "song"]:
    gen("list:" + _key, "array", g_list(_key), LIST_HINTS.get(_key, ""), items={"type": "string"})
gen("zones", "array", g_int_list(1, 8), "Zone numbers.", items={"type": "integer"})

# Enumerations: value -> phrasings. Booleans: (phrasings for True, phrasings for False).
ENUMS = {
    "temp_unit": {"celsius": ["in Celsius", "in °C", "in degrees Celsius"],
                  "fahrenheit": ["in Fahrenheit", "in °F", "in degrees Fahrenheit"]},
    "pollutant": {"pm25": ["PM2.5", "fine particles"], "pm10": ["PM10", "coarse particles"],
                  "ozone": ["ozone", "O3"], "no2": ["nitrogen dioxide", "NO2"]},
    "severity": {"minor": ["minor"], "moderate": ["moderate", "medium"], "severe": ["severe", "serious"]},
    "cabin": {"economy": ["economy", "economy class", "coach"], "premium_economy": ["premium economy"],
              "business": ["business class", "business"], "first": ["first class"]},
    "seat_type": {"window": ["a window seat", "a seat by the window"], "aisle": ["an aisle seat"],
                  "middle": ["a middle seat"]},
    "refund": {"original_payment": ["to my card", "to the original payment method"],
               "voucher": ["as a travel voucher", "as credit for a future trip"]},
    "shop_refund": {"original_payment": ["to my card", "to the original payment method"],
                    "store_credit": ["as store credit", "as a gift card"]},
    "room_type": {"single": ["a single room"], "double": ["a double room", "a room with a double bed"],
                  "twin": ["a twin room", "a room with two beds"], "suite": ["a suite"]},
    "cuisine": {"italian": ["Italian"], "japanese": ["Japanese", "sushi"], "mexican": ["Mexican", "taco"],
                "indian": ["Indian", "curry"], "french": ["French"], "thai": ["Thai"],
                "vegetarian": ["vegetarian", "meat-free"]},
    "price_level": {"budget": ["cheap", "budget", "inexpensive"], "moderate": ["mid-range", "moderately priced"],
                    "upscale": ["fancy", "upscale", "high-end"]},
    "meal": {"breakfast": ["breakfast"], "lunch": ["lunch"], "dinner": ["dinner"]},
    "account_type": {"checking": ["checking", "current"], "savings": ["savings"], "credit": ["credit card"]},
    "txn_kind": {"debit": ["outgoing", "money out", "spending"], "credit": ["incoming", "money in", "deposits"]},
    "card_action": {"freeze": ["freeze", "temporarily block"], "unfreeze": ["unfreeze", "unblock"],
                    "cancel": ["cancel", "permanently cancel"]},
    "order_side": {"buy": ["buy", "purchase"], "sell": ["sell"]},
    "order_type": {"market": ["at market price", "at market"], "limit": ["as a limit order", "with a limit order"]},
    "chart_range": {"1d": ["today", "the past day"], "5d": ["the past five days", "this week"],
                    "1m": ["the past month", "the last 30 days"], "6m": ["the past six months", "the last half year"],
                    "1y": ["the past year", "the last twelve months"], "5y": ["the past five years"]},
    "split_mode": {"equal": ["equally", "evenly"], "exact": ["by exact amounts"]},
    "email_folder": {"inbox": ["my inbox", "the inbox"], "sent": ["sent mail", "my sent folder"],
                     "archive": ["the archive", "archived mail"], "spam": ["spam", "the junk folder"]},
    "importance": {"low": ["low importance", "not urgent"], "normal": ["normal importance"],
                   "high": ["high importance", "urgent", "marked important"]},
    "recurrence": {"none": ["just once", "as a one-off"], "daily": ["every day", "daily"],
                   "weekly": ["every week", "weekly"], "monthly": ["every month", "monthly"]},
    "reminder": {"10m": ["10 minutes before", "ten minutes ahead"],
                 "1h": ["an hour before", "60 minutes ahead"], "1d": ["a day before", "the day before"]},
    "status": {"available": ["available", "online"], "busy": ["busy", "do not disturb"], "away": ["away"]},
    "music_genre": {"jazz": ["jazz"], "rock": ["rock"], "classical": ["classical"], "hip_hop": ["hip hop", "rap"],
                    "electronic": ["electronic", "EDM"], "pop": ["pop"], "lofi": ["lo-fi", "lofi"]},
    "repeat_mode": {"off": ["turn repeat off", "stop repeating"], "one": ["repeat this song", "loop the track"],
                    "all": ["repeat the whole queue", "loop everything"]},
    "quality": {"480p": ["480p", "standard definition"], "720p": ["720p", "HD"], "1080p": ["1080p", "full HD"],
                "2160p": ["4K", "2160p", "ultra HD"]},
    "movie_genre": {"comedy": ["comedy", "funny"], "horror": ["horror", "scary"],
                    "drama": ["drama"], "documentary": ["documentary"], "sci_fi": ["sci-fi", "science fiction"],
                    "animation": ["animated", "cartoon"]},
    "diet": {"vegetarian": ["vegetarian", "meat-free"], "vegan": ["vegan", "plant-based"],
             "gluten_free": ["gluten-free", "coeliac-friendly"], "keto": ["keto", "low-carb"]},
    "difficulty": {"easy": ["easy", "simple"], "medium": ["medium", "moderate"], "hard": ["hard", "challenging"]},
    "activity": {"running": ["run", "jog"], "cycling": ["bike ride", "cycling session"], "swimming": ["swim"],
                 "walking": ["walk"], "yoga": ["yoga session"]},
    "intensity": {"low": ["light", "easy"], "moderate": ["moderate"], "high": ["intense", "hard"]},
    "hvac_mode": {"heat": ["heating", "heat"], "cool": ["cooling", "air conditioning"], "auto": ["auto", "automatic"],
                  "off": ["off"]},
    "light_color": {"warm_white": ["warm white", "soft warm white"], "cool_white": ["cool white", "daylight white"],
                    "red": ["red"], "blue": ["blue"], "green": ["green"], "purple": ["purple"]},
    "lock_action": {"lock": ["lock"], "unlock": ["unlock", "open"]},
    "ride_type": {"standard": ["a standard ride", "a regular car"], "xl": ["an XL car", "a large car"],
                  "premium": ["a premium car", "a luxury ride"], "shared": ["a shared ride", "a pool ride"]},
    "travel_mode": {"driving": ["by car", "driving"], "walking": ["on foot", "walking"],
                    "cycling": ["by bike", "cycling"], "transit": ["by public transport", "by bus or train"]},
    "poi_kind": {"pharmacy": ["pharmacy", "chemist"], "gas_station": ["gas station", "petrol station"],
                 "cafe": ["cafe", "coffee shop"], "supermarket": ["supermarket", "grocery store"],
                 "hospital": ["hospital", "emergency room"], "parking": ["car park", "parking garage"]},
    "sort_by": {"price_asc": ["cheapest first", "lowest price first"], "price_desc": ["most expensive first"],
                "rating": ["best rated first", "top rated first"], "newest": ["newest first", "latest first"]},
    "condition": {"new": ["new", "brand-new"], "used": ["used", "second-hand"], "refurbished": ["refurbished"]},
    "ship_speed": {"standard": ["standard shipping", "regular delivery"], "express": ["express shipping", "fast delivery"],
                   "overnight": ["overnight delivery", "next-day delivery"]},
    "return_reason": {"damaged": ["it arrived damaged", "it's broken"], "wrong_item": ["it's the wrong item"],
                      "too_small": ["it's too small"], "not_needed": ["I don't need it anymore", "I changed my mind"]},
    "file_format": {"pdf": ["PDF", "a PDF"], "docx": ["Word", "a Word document"], "csv": ["CSV", "a spreadsheet CSV"],
                    "txt": ["plain text"]},
    "permission": {"view": ["view-only", "read-only"], "comment": ["comment", "commenting"],
                   "edit": ["edit", "full editing"]},
    "priority": {"low": ["low priority", "whenever"], "medium": ["medium priority", "normal priority"],
                 "high": ["high priority", "important"], "urgent": ["urgent", "top priority", "critical"]},
    "task_status": {"todo": ["to do", "not started"], "in_progress": ["in progress", "being worked on"],
                    "done": ["done", "finished", "complete"]},
    "audience": {"public": ["public", "everyone"], "followers": ["followers only", "just my followers"],
                 "close_friends": ["close friends", "my close friends list"]},
    "news_category": {"business": ["business"], "sports": ["sports"], "technology": ["tech", "technology"],
                      "science": ["science"], "health": ["health"], "politics": ["politics"]},
    "formality": {"formal": ["formal", "polite"], "informal": ["casual", "informal"]},
    "definition_kind": {"definition": ["definition", "meaning"], "synonyms": ["synonyms", "similar words"],
                        "antonyms": ["antonyms", "opposites"], "examples": ["example sentences", "usage examples"]},
    "listing_type": {"rent": ["to rent", "for rent"], "sale": ["for sale", "to buy"]},
    "property_type": {"apartment": ["an apartment", "a flat"], "house": ["a house"], "studio": ["a studio"],
                      "townhouse": ["a townhouse"]},
    "employment": {"full_time": ["full-time"], "part_time": ["part-time"], "contract": ["contract", "freelance"],
                   "internship": ["internship"]},
    "interview_kind": {"phone": ["phone", "phone screen"], "video": ["video call", "video"], "onsite": ["on-site", "in-person"]},
    "leave_kind": {"vacation": ["vacation", "holiday"], "sick": ["sick leave", "sick days"], "parental": ["parental leave"]},
    "species": {"dog": ["dog", "puppy"], "cat": ["cat", "kitten"], "rabbit": ["rabbit"], "bird": ["bird", "parrot"]},
    "pet_service": {"grooming": ["grooming", "a groom"], "walking": ["dog walking", "a walk"],
                    "boarding": ["boarding", "a pet hotel stay"], "checkup": ["a checkup", "a vet visit"]},
    "car_class": {"economy": ["economy", "a small car"], "compact": ["compact"], "suv": ["SUV"],
                  "van": ["van", "minivan"], "luxury": ["luxury", "premium"]},
    "fuel": {"petrol": ["petrol", "gasoline"], "diesel": ["diesel"], "electric": ["electric", "EV"],
             "hybrid": ["hybrid"]},
    "event_type": {"concert": ["a concert", "a gig"], "theatre": ["a play", "some theatre"], "sports": ["a sports match", "a game"],
                   "comedy": ["a comedy show", "some stand-up"], "festival": ["a festival"]},
    "ticket_tier": {"general": ["general admission", "standard"], "vip": ["VIP"], "balcony": ["balcony"]},
    "visit_kind": {"in_person": ["in person", "at the clinic"], "video": ["video", "online"], "phone": ["phone"]},
    "dose_unit": {"mg": ["mg", "milligrams"], "ml": ["ml", "millilitres"], "tablet": ["tablets", "pills"]},
    "measure_system": {"metric": ["metric", "in metric units"], "imperial": ["imperial", "in cups and ounces"]},
    "metric": {"pe_ratio": ["P/E ratio", "price-to-earnings"], "dividend_yield": ["dividend yield"],
               "market_cap": ["market cap", "company size"], "revenue_growth": ["revenue growth"]},
    "direction": {"above": ["on the way up", "rising"], "below": ["on the way down", "falling"]},
    "cook_unit": {"grams": ["grams", "g"], "ounces": ["ounces", "oz"], "cups": ["cups"], "tablespoons": ["tablespoons", "tbsp"],
                  "millilitres": ["millilitres", "ml"], "teaspoons": ["teaspoons", "tsp"]},
    "fit_goal": {"lose": ["lose weight", "slim down"], "maintain": ["maintain my weight", "stay the same"],
                 "gain": ["gain weight", "bulk up"]},
    "window": {"morning": ["in the morning", "before noon"], "afternoon": ["in the afternoon", "after lunch"],
               "evening": ["in the evening", "after 6 pm"]},
    "social_metric": {"followers": ["followers", "follower growth"], "likes": ["likes"], "comments": ["comments"],
                      "reach": ["reach", "impressions"]},
    "attending": {"yes": ["I'm going", "count me in"], "no": ["I can't make it", "I'm not going"],
                  "maybe": ["maybe", "I might come"]},
    "sleep_quality": {"poor": ["badly", "poorly"], "fair": ["okay", "fairly well"], "good": ["well", "great"]},
}
BOOLS = {
    "nonstop": (["nonstop only", "direct flights only"], ["connections are fine", "a layover is fine"]),
    "breakfast": (["with breakfast included", "breakfast included"], ["room only, no breakfast", "without breakfast"]),
    "pets_ok": (["I'm bringing my dog", "pet-friendly please"], ["no pets needed"]),
    "outdoor": (["a table outside", "outdoor seating"], ["a table indoors", "indoor seating"]),
    "purge": (["delete what they already sent", "remove their old emails too"], ["keep their old emails"]),
    "reply_all": (["reply to everyone", "include everyone on the thread"], ["reply only to the sender", "just the sender"]),
    "auto_save": (["save automatically every month", "set up automatic monthly transfers"],
                  ["I'll add money manually", "no automatic transfers"]),
    "open_now": (["open right now", "currently open"], ["open or not", "whether or not they're open now"]),
    "notify": (["notify them", "let them know"], ["don't notify them", "don't tell them"]),
    "attachments": (["with attachments", "including attachments"], ["without attachments"]),
    "unread": (["unread only", "only the unread ones"], ["read or unread", "all of them, read or not"]),
    "shuffle": (["on shuffle", "shuffled"], ["in order", "without shuffle"]),
    "public": (["make it public", "visible to everyone"], ["make it private", "keep it private"]),
    "subtitles": (["with subtitles", "subtitles on"], ["no subtitles", "subtitles off"]),
    "avoid_tolls": (["avoiding tolls", "no toll roads"], ["toll roads are fine"]),
    "access_only": (["only lift and step-free access problems", "just accessibility issues"], ["all kinds of problems", "every disruption"]),
    "gift_wrap": (["gift-wrapped", "as a gift with wrapping"], ["no gift wrap"]),
    "signature": (["signature required", "someone must sign for it"], ["no signature needed", "leave it at the door"]),
    "insured": (["insured", "with insurance"], ["uninsured", "without insurance"]),
    "overwrite": (["overwrite any existing file", "replace it if it exists"], ["don't overwrite anything", "keep existing files"]),
    "recursive": (["including subfolders", "recursively"], ["top level only", "not in subfolders"]),
    "pinned": (["pin it", "pin it to the top"], ["don't pin it", "no pinning"]),
    "remote": (["remote", "work from home"], ["on-site", "in the office"]),
    "verified": (["verified purchases only"], ["all reviews"]),
    "insurance": (["with full insurance", "fully insured"], ["basic coverage only", "no extra insurance"]),
    "include_weekends": (["including weekends"], ["weekdays only", "excluding weekends"]),
    "draft": (["save it as a draft", "as a draft for now"], ["publish it right away", "post it now"]),
    "urgent": (["it's urgent", "urgent"], ["no rush", "not urgent"]),
    "accepting": (["accepting new patients", "taking new patients"],
                  ["even if they aren't taking new patients", "new patients or not"]),
    "ebike": (["electric bikes only", "an e-bike"], ["any bike", "a normal bike is fine"]),
    "permanent": (["delete permanently", "skip the trash"], ["move to trash", "keep them in the trash"]),
    "report": (["report them", "report the account"], ["don't report them", "no need to report"]),
    "slow": (["slowly", "at slow speed"], ["at normal speed"]),
    "dry_run": (["as a dry run", "just simulate it"], ["for real", "actually do it"]),
}


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
# The catalogue: domains of invented functions. A parameter names its value
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


DOMAINS = [
    ("weather", [
        F("weather_daily_forecast", "Get the daily weather forecast for a city.",
          [P("city", "city", "City name."), P("date", "date", "Day to forecast."),
           P("unit", "temp_unit", "Temperature unit.", "celsius")],
          ["What's the weather forecast for {city} on {date}[ {unit}]?",
           "Will it be sunny in {city} on {date}? Show me the forecast[ {unit}].",
           "I need the forecast for {date} in {city}[, temperatures {unit}].",
           "What will the weather be like< in {city}> on {date}[ {unit}]?"], vary="city"),
        F("weather_current", "Get the current weather conditions in a city.",
          [P("city", "city", "City name."), P("unit", "temp_unit", "Temperature unit.", "celsius")],
          ["How warm is it in {city} right now[ {unit}]?", "What are the current conditions in {city}?[ Temperatures {unit}, please.]",
           "Current weather for {city}[ {unit}] please.", "Is it raining in {city} at the moment?",
           "What's it like outside right now< in {city}>[ {unit}]?"], vary="city"),
        F("weather_air_quality", "Get the air quality index for a city.",
          [P("city", "city", "City name."), P("pollutant", "pollutant", "Pollutant to report.", "pm25")],
          ["How's the air quality in {city}[ for {pollutant}]?", "Check air pollution levels in {city}[, specifically {pollutant}].",
           "Is the air safe to breathe in {city} today?[ I care about {pollutant}.]",
           "Air quality report for {city}[ ({pollutant})], please."], vary="city"),
        F("weather_uv_index", "Get the forecast UV index for a city and day.",
          [P("city", "city", "City name."), P("date", "date", "Day of the forecast.")],
          ["What will the UV index be in {city} on {date}?", "Do I need sunscreen in {city} on {date}? Check the UV index.",
           "UV forecast for {city}, {date}.", "How strong will the sun be on {date} in {city}?",
           "What's the UV index< in {city}> on {date}?"], vary="city"),
        F("weather_sun_times", "Get sunrise and sunset times for a city on a day.",
          [P("city", "city", "City name."), P("date", "date", "Day.")],
          ["When does the sun rise and set in {city} on {date}?", "Sunrise and sunset times for {city} on {date}, please.",
           "What time is sunset in {city} on {date}?", "I want to catch the sunrise in {city} on {date}; when is it?"], vary="date"),
        F("weather_rain_history", "Get the total rainfall in a city over a date range.",
          [P("city", "city", "City name."), P("start_date", "date", "First day."), P("end_date", "date_after", "Last day.")],
          ["How much rain fell in {city} between {start_date} and {end_date}?",
           "Total rainfall in {city} from {start_date} to {end_date}?",
           "Give me the precipitation total for {city}, {start_date} through {end_date}.",
           "Was {city} wet from {start_date} until {end_date}? Show me the rainfall."], vary="city"),
        F("weather_alerts", "List active weather warnings for a city.",
          [P("city", "city", "City name."), P("min_severity", "severity", "Lowest severity to include.", "minor")],
          ["Are there any weather warnings for {city}[ that are at least {min_severity}]?",
           "List active weather alerts in {city}[, {min_severity} or worse].",
           "Any storm alerts for {city}?[ Only {min_severity} and above.]",
           "Check {city} for weather alerts[ of {min_severity} severity or higher]."], vary="city"),
        F("weather_pollen_forecast", "Get the pollen forecast for a city.",
          [P("city", "city", "City name."), P("days", "count", "Number of days ahead.", 1)],
          ["What's the pollen count in {city}[ for the next {days} days]?",
           "My allergies are acting up. How bad is the pollen in {city}[ over the next {days} days]?",
           "Pollen forecast for {city}[, {days} days ahead].", "Check pollen levels in {city}[ for {days} days]."], vary="city"),
    ]),
    ("flights", [
        F("flights_search", "Search flights between two airports on a date.",
          [P("origin", "airport", "Departure airport."), P("destination", "airport", "Arrival airport."),
           P("date", "date", "Departure day."), P("passengers", "count", "Number of travellers.", 1),
           P("cabin", "cabin", "Cabin class.", "economy"), P("nonstop", "nonstop", "Only direct flights.", False)],
          ["Find flights from {origin} to {destination} on {date}[ for {passengers} passengers][ in {cabin}][, {nonstop}].",
           "I need to fly {origin} to {destination} on {date}[, {passengers} of us][, {cabin}][; {nonstop}].",
           "Search for a flight to {destination} from {origin} departing {date}[ in {cabin}][, {nonstop}].",
           "Any flights< from {origin}> to {destination} on {date}[ for {passengers} people]?"], vary="destination"),
        F("flights_status", "Get the live status of a flight.",
          [P("flight", "flight", "Flight number."), P("date", "date", "Departure day.")],
          ["Is {flight} on time on {date}?", "What's the status of {flight} on {date}?",
           "Check whether {flight} departing {date} is delayed.", "Has {flight} on {date} been cancelled?"], vary="flight"),
        F("flights_select_seat", "Choose a seat type on a booked flight.",
          [P("booking_ref", "booking", "Booking reference."), P("seat", "seat_type", "Seat type."),
           P("row", "row", "Preferred row number.", opt=True)],
          ["For {booking_ref}, give me {seat}[ in row {row}].", "I'd like {seat} on {booking_ref}[, row {row} if possible].",
           "Change my seat on {booking_ref} to {seat}[ around row {row}].", "Please assign {seat}< for {booking_ref}>[ in row {row}]."]),
        F("flights_add_baggage", "Add checked bags to a flight booking.",
          [P("booking_ref", "booking", "Booking reference."), P("bags", "bags", "Number of checked bags."),
           P("max_weight_kg", "bag_kg", "Weight allowance per bag.", 23.0)],
          ["Add {bags} to {booking_ref}[, up to {max_weight_kg} each].", "I need {bags} on {booking_ref}[ with an allowance of {max_weight_kg} each].",
           "Can you put {bags} on {booking_ref}?[ Each weighs about {max_weight_kg}.]",
           "Please add {bags}< to {booking_ref}>[, {max_weight_kg} per bag]."]),
        F("flights_cancel_booking", "Cancel a flight booking and choose the refund method.",
          [P("booking_ref", "booking", "Booking reference."), P("refund_to", "refund", "Where the refund goes.", "original_payment")],
          ["Cancel {booking_ref}[ and refund {refund_to}].", "I can't travel anymore, please cancel {booking_ref}[; refund it {refund_to}].",
           "Please drop {booking_ref}[ and send the refund {refund_to}].", "Please cancel my flight<, {booking_ref}>[, refund {refund_to}]."]),
        F("flights_fare_alert", "Alert the user when a route's fare drops below a price.",
          [P("origin", "airport", "Departure airport."), P("destination", "airport", "Arrival airport."),
           P("max_price", "usd", "Price threshold.")],
          ["Alert me when flights from {origin} to {destination} drop below {max_price}.",
           "Set a fare alert for {origin} to {destination} under {max_price}.",
           "Watch prices from {origin} to {destination} and tell me if it goes under {max_price}.",
           "Notify me if a ticket from {origin} to {destination} costs less than {max_price}."], vary="destination"),
        F("flights_online_checkin", "Check a passenger in online for a booked flight.",
          [P("booking_ref", "booking", "Booking reference."), P("last_name", "last_name", "Passenger's last name.")],
          ["Check me in for {booking_ref}; the last name is {last_name}.", "Online check-in for {booking_ref}, passenger surname {last_name}.",
           "Do the check-in on {booking_ref} under the name {last_name}.", "Check in {last_name}< on {booking_ref}>."]),
        F("flights_airport_lounges", "List lounges at an airport.",
          [P("airport", "airport", "Airport."), P("open_now", "open_now", "Only lounges open now.", False)],
          ["Which lounges are there at {airport}[, {open_now}]?", "Find me an airport lounge at {airport}[ {open_now}].",
           "I have a long layover at {airport}. Any lounges[ {open_now}]?", "List the lounges at {airport}[ {open_now}]."], vary="airport"),
    ]),
    ("hotels", [
        F("hotels_search", "Search hotels in a city for given dates.",
          [P("city", "city", "City name."), P("check_in", "date", "Arrival day."), P("nights", "nights", "Length of stay."),
           P("guests", "count", "Number of guests.", 2), P("min_stars", "rating", "Minimum star rating.", opt=True)],
          ["Find a hotel in {city} from {check_in} for {nights}[ for {guests} guests][, at least {min_stars}].",
           "I need somewhere to stay in {city}: arriving {check_in}, staying {nights}[, {guests} people][, {min_stars} minimum].",
           "Search hotels in {city}, check-in {check_in}, {nights}[, {guests} adults][, rated {min_stars} or more].",
           "Find me a hotel<, arriving {check_in},> for {nights} in {city}[ for {guests} guests]."], vary="city"),
        F("hotels_book_room", "Book a room type at a hotel.",
          [P("hotel", "hotel", "Hotel name."), P("room", "room_type", "Room type."), P("check_in", "date", "Arrival day."),
           P("nights", "nights", "Length of stay."), P("breakfast", "breakfast", "Include breakfast.", False)],
          ["Book {room} at {hotel} from {check_in} for {nights}[, {breakfast}].",
           "Reserve {room} at {hotel}, checking in {check_in}, {nights}[, {breakfast}].",
           "I'd like {room} at {hotel} for {nights} starting {check_in}[, {breakfast}].",
           "Get me {room} at {hotel} for {nights}< from {check_in}>[, {breakfast}]."]),
        F("hotels_cancel_stay", "Cancel a hotel reservation.",
          [P("booking_ref", "booking", "Booking reference."), P("reason", "cancel_reason", "Reason for cancelling.", opt=True)],
          ["Cancel the hotel stay under {booking_ref}[; reason: {reason}].", "Please cancel {booking_ref} at the hotel[, the reason is: {reason}].",
           "I won't make it, cancel hotel {booking_ref}[ ({reason})].", "Call off the hotel stay<, {booking_ref}>."]),
        F("hotels_request_late_checkout", "Ask a hotel for a late checkout time.",
          [P("booking_ref", "booking", "Booking reference."), P("time", "time", "Requested checkout time.")],
          ["Can I check out late, at {time}, on {booking_ref}?", "Request checkout at {time} for {booking_ref}.",
           "For {booking_ref}, I'd like to leave at {time} instead of noon.", "Ask the hotel to let me check out at {time}<, {booking_ref}>."]),
        F("hotels_get_reviews", "Get guest reviews for a hotel.",
          [P("hotel", "hotel", "Hotel name."), P("limit", "limit", "Number of reviews.", 10),
           P("sort", "sort_by", "Review order.", "newest")],
          ["Show me reviews of {hotel}[, {limit} of them][, {sort}].", "What do guests say about {hotel}?[ Give me {limit} reviews][, {sort}].",
           "Pull up[ {limit}] reviews for {hotel}[ sorted {sort}].", "Read me reviews of {hotel}[, {sort}]."], vary="hotel"),
        F("hotels_room_service", "Order room service to a hotel room.",
          [P("room_number", "row", "Room number."), P("items", "list:menu_item", "Items to order."),
           P("time", "time", "Delivery time.", opt=True)],
          ["Send {items} to room {room_number}[ at {time}].", "Room {room_number} here: could we get {items}[ around {time}]?",
           "Order {items} for room {room_number}[, delivered at {time}].", "Room service please: {items}< to room {room_number}>."]),
        F("hotels_find_near_landmark", "Find hotels near a landmark.",
          [P("landmark", "place", "Landmark name."), P("radius_m", "distance_m", "Search radius.", 1000),
           P("max_price", "usd", "Max nightly price.", opt=True)],
          ["Find hotels near {landmark}[ within {radius_m}][ under {max_price} a night].",
           "Where can I stay close to {landmark}?[ Max {radius_m} away.][ Budget {max_price} per night.]",
           "Hotels around {landmark}[, {radius_m} radius][, no more than {max_price}].",
           "I want a hotel by {landmark}[ within {radius_m}][ for less than {max_price} per night]."], vary="landmark"),
        F("hotels_loyalty_points", "Get a guest's hotel loyalty points balance.",
          [P("email", "email", "Member email.")],
          ["How many hotel points does {email} have?", "Check the loyalty balance for {email}.",
           "What's the reward points balance on the account {email}?", "Look up hotel rewards points for {email}."]),
    ]),
]

DOMAINS += [
    ("dining", [
        F("dining_find_restaurants", "Find restaurants in a city by cuisine.",
          [P("city", "city", "City name."), P("cuisine", "cuisine", "Type of food."),
           P("price", "price_level", "Price range.", opt=True), P("outdoor", "outdoor", "Needs outdoor seating.", False)],
          ["Find {cuisine} restaurants in {city}[, something {price}][ with {outdoor}].",
           "Where can I get {cuisine} food in {city}?[ Something {price}, please.][ We'd like {outdoor}.]",
           "Recommend a[ {price}] {cuisine} place in {city}[, {outdoor}].",
           "I'm craving {cuisine}< in {city}>. Any good spots[, {outdoor}]?"], vary="city"),
        F("dining_reserve_table", "Reserve a table at a restaurant.",
          [P("restaurant", "restaurant", "Restaurant name."), P("date", "date", "Day of the booking."),
           P("time", "time", "Arrival time."), P("party_size", "guests", "Number of diners."),
           P("outdoor", "outdoor", "Sit outside.", False)],
          ["Book a table at {restaurant} for {party_size} people on {date} at {time}[, {outdoor}].",
           "Reserve {restaurant} on {date}, {time}, for {party_size} people[; we'd prefer {outdoor}].",
           "Can you get us a table for {party_size} people at {restaurant} at {time} on {date}?[ Ideally {outdoor}.]",
           "Table for {party_size} people at {restaurant}< at {time}> on {date}, please[, {outdoor}]."]),
        F("dining_cancel_reservation", "Cancel a restaurant reservation.",
          [P("booking_ref", "booking", "Reservation to cancel."), P("notify_guests", "notify", "Tell the other guests.", True)],
          ["Cancel my dinner reservation, {booking_ref}[, and {notify_guests}].",
           "We can't make it tonight. Please cancel {booking_ref}[ and {notify_guests}].",
           "Drop the restaurant {booking_ref}[, {notify_guests}].", "Cancel the table<, {booking_ref}>[ and {notify_guests}]."]),
        F("dining_order_delivery", "Order food for delivery from a restaurant.",
          [P("restaurant", "restaurant", "Restaurant name."), P("items", "list:menu_item", "Dishes to order."),
           P("address", "address", "Delivery address."), P("tip", "pct", "Tip for the courier.", opt=True)],
          ["Order {items} from {restaurant} to {address}[ with a {tip} tip].",
           "Get {items} delivered from {restaurant} to {address}[; tip {tip}].",
           "I'd like {restaurant} to deliver {items} to {address}[, and add a {tip} tip].",
           "Deliver {items} from {restaurant}< to {address}>[, tip {tip}]."]),
        F("dining_menu_lookup", "Get a restaurant's menu, optionally filtered by diet.",
          [P("restaurant", "restaurant", "Restaurant name."), P("diet", "diet", "Dietary filter.", opt=True),
           P("meal", "meal", "Which menu.", "dinner")],
          ["Show me the[ {meal}] menu at {restaurant}[, {diet} options only].",
           "What's on the[ {meal}] menu at {restaurant}?[ I eat {diet}.]",
           "I'd like to see {restaurant}'s menu[ for {meal}].[ Only {diet} dishes.]",
           "Pull up {restaurant}'s[ {meal}] menu[, filtered to {diet}]."], vary="restaurant"),
        F("dining_gift_card", "Buy a restaurant gift card for someone.",
          [P("restaurant", "restaurant", "Restaurant name."), P("value", "usd", "Card value."), P("recipient", "email", "Who receives it."),
           P("message", "caption", "Message on the card.", opt=True)],
          ["Buy a gift card worth {value} for {restaurant} and send it to {recipient}[ with the message \"{message}\"].",
           "Send {recipient} a {restaurant} gift card worth {value}[; write \"{message}\"].",
           "I'd like to gift {recipient} {value} to spend at {restaurant}[, note: {message}].",
           "Get a {restaurant} voucher of {value}< for {recipient}>[ saying \"{message}\"]."]),
        F("dining_waitlist_join", "Join a restaurant's walk-in waitlist.",
          [P("restaurant", "restaurant", "Restaurant name."), P("party_size", "guests", "Number of diners."),
           P("phone", "phone", "Number to text when ready.")],
          ["Put us on the waitlist at {restaurant}, {party_size} people, text {phone}.",
           "Join the {restaurant} queue for {party_size} people; my number is {phone}.",
           "Add a party of {party_size} people to the wait list at {restaurant} and notify {phone}.",
           "We're {party_size} people waiting for {restaurant}; send the alert to {phone}."]),
        F("dining_rate_restaurant", "Post a star rating for a restaurant.",
          [P("restaurant", "restaurant", "Restaurant name."), P("stars", "rating", "Rating."),
           P("comment", "caption", "Short comment.", opt=True)],
          ["Give {restaurant} {stars}[ with the comment \"{comment}\"].", "Rate {restaurant} {stars}[ and write: {comment}].",
           "I'd give {restaurant} {stars}.[ Add the note \"{comment}\".]", "Leave a review of {stars} for {restaurant}[: \"{comment}\"]."],
          vary="restaurant"),
    ]),
    ("banking", [
        F("bank_get_balance", "Get the balance of a bank account.",
          [P("account_id", "account", "Account to check."), P("account_type", "account_type", "Which balance.", "checking")],
          ["What's the balance on {account_id}[ ({account_type})]?", "How much money is in {account_id}?[ The {account_type} one.]",
           "Check the[ {account_type}] balance for {account_id}.", "Show me how much is left in[ the {account_type} part of] {account_id}."],
          vary="account_id"),
        F("bank_transfer_between_accounts", "Move money between two of the user's accounts.",
          [P("from_account", "account", "Source account."), P("to_account", "account", "Destination account."),
           P("amount", "usd", "Amount to move."), P("date", "date", "Transfer day.", opt=True)],
          ["Transfer {amount} from {from_account} to {to_account}[ on {date}].",
           "Move {amount} out of {from_account} into {to_account}[, scheduled for {date}].",
           "Please send {amount} from {from_account} over to {to_account}[ on {date}].",
           "Shift {amount}< from {from_account}> to {to_account}[ on {date}]."]),
        F("bank_list_transactions", "List recent transactions on an account.",
          [P("account_id", "account", "Account."), P("month", "month", "Month to list."),
           P("kind", "txn_kind", "Only debits or credits.", opt=True), P("min_amount", "usd", "Smallest amount to include.", opt=True)],
          ["List the transactions on {account_id} for {month}[, {kind} only][, over {min_amount}].",
           "Show me activity in {account_id} during {month}[, just {kind}][, only above {min_amount}].",
           "What went through {account_id} in {month}?[ Only {kind}.][ Skip anything under {min_amount}.]",
           "Pull the {month} statement lines for {account_id}[, {kind} only]."]),
        F("bank_card_control", "Freeze, unfreeze or cancel a bank card.",
          [P("card_last4", "card4", "Last four digits of the card."), P("action", "card_action", "What to do.")],
          ["Please {action} my card ending in {card_last4}.", "I lost my wallet, {action} the card ending {card_last4}.",
           "Could you {action} card {card_last4}?", "Can you {action} the card< ending in {card_last4}>?"]),
        F("bank_pay_bill", "Pay a bill to a saved payee.",
          [P("payee", "bank_payee", "Saved payee name."), P("amount", "usd", "Amount."), P("date", "date", "Payment day."),
           P("from_account", "account", "Account to pay from.", opt=True)],
          ["Pay {payee} {amount} on {date}[ from {from_account}].", "Schedule a payment of {amount} to {payee} for {date}[ using {from_account}].",
           "Send {payee} their {amount} on {date}[, take it from {from_account}].",
           "Set up a bill payment of {amount} to {payee}< on {date}>[ out of {from_account}]."]),
        F("bank_savings_goal", "Create a savings goal with a target and deadline.",
          [P("name", "goal_name", "Goal name."), P("target", "usd", "Target amount."), P("deadline", "date", "Target day."),
           P("auto_save", "auto_save", "Save automatically each month.", False)],
          ["Create a savings goal called {name} for {target} by {deadline}[, {auto_save}].",
           "I want to save {target} for {name} by {deadline}[; {auto_save}].",
           "Start a goal, {name}, target {target}, deadline {deadline}[, {auto_save}].",
           "Set up a savings pot for {name}: {target}< by {deadline}>[, {auto_save}]."]),
        F("bank_loan_estimate", "Estimate the monthly payment of a loan.",
          [P("principal", "loan_usd", "Amount borrowed."), P("annual_rate", "rate", "Yearly interest rate."),
           P("years", "years", "Loan term.")],
          ["What would I pay monthly on a loan of {principal} at {annual_rate} over {years}?",
           "Estimate payments for borrowing {principal} at {annual_rate} interest for {years}.",
           "If I borrow {principal} for {years} at {annual_rate} a year, what's the monthly cost?",
           "Loan quote: {principal}, {annual_rate} APR, {years}."]),
        F("bank_find_atm", "Find nearby ATMs of the user's bank.",
          [P("location", "coords", "Where to search around."), P("radius_m", "distance_m", "Search radius.", 1000)],
          ["Find an ATM near {location}[ within {radius_m}].", "Any cash machines around {location}?[ No further than {radius_m}.]",
           "I need cash. I'm at {location}[; search {radius_m} around].", "Closest ATMs to {location}[ within {radius_m}], please."],
          vary="location"),
    ]),
    ("investing", [
        F("stocks_quote", "Get the latest price of a stock.",
          [P("symbol", "ticker", "Ticker.")],
          ["What's {symbol} trading at?", "Price check on {symbol}, please.", "How much is a share of {symbol} right now?",
           "Give me the latest quote for {symbol}."], vary="symbol"),
        F("stocks_price_history", "Get a stock's price history over a period.",
          [P("symbol", "ticker", "Ticker."), P("range", "chart_range", "Time window.", "1m")],
          ["How has {symbol} done[ over {range}]?", "Show me {symbol}'s price history[ for {range}].",
           "Chart {symbol}[ over {range}].", "What did {symbol} do[ during {range}]?"], vary="symbol"),
        F("stocks_place_order", "Place a stock buy or sell order.",
          [P("symbol", "ticker", "Ticker."), P("side", "order_side", "Buy or sell."), P("shares", "count", "Number of shares."),
           P("order_type", "order_type", "Order type.", "market")],
          ["Please {side} {shares} shares of {symbol}[ {order_type}].", "I want to {side} {shares} {symbol} shares[ {order_type}].",
           "Place an order to {side} {shares} shares of {symbol}[ {order_type}].",
           "Go ahead and {side} {shares} shares<, {symbol},>[ {order_type}]."]),
        F("stocks_compare", "Compare key metrics of several stocks.",
          [P("symbols", "list:ticker", "Tickers to compare."), P("metric", "metric", "Metric to compare.", "pe_ratio")],
          ["Compare {symbols}[ by {metric}].", "How do {symbols} stack up[ on {metric}]?",
           "Put {symbols} side by side[ on {metric}].", "Which is better value among {symbols}?[ Use {metric}.]"]),
        F("crypto_price", "Get the price of a cryptocurrency in a currency.",
          [P("coin", "crypto", "Coin."), P("currency", "currency", "Quote currency.", "USD")],
          ["What's {coin} worth[ in {currency}]?", "Price of {coin}[ in {currency}] right now?",
           "How much is one {coin}[ in {currency}]?", "Check the {coin} price[ in {currency}]."], vary="coin"),
        F("portfolio_rebalance", "Rebalance a portfolio to target stock weights.",
          [P("account_id", "account", "Brokerage account."), P("symbols", "list:ticker", "Tickers to hold in equal weight."),
           P("dry_run", "dry_run", "Only simulate.", True)],
          ["Rebalance {account_id} into equal parts of {symbols}[, {dry_run}].",
           "Split {account_id} evenly across {symbols}[ {dry_run}].",
           "I want {account_id} to hold {symbols} in equal weight[; {dry_run}].",
           "Even out my holdings in {symbols}< for {account_id}>[, {dry_run}]."]),
        F("stocks_dividends", "List dividend payments of a stock since a year.",
          [P("symbol", "ticker", "Ticker."), P("since_year", "year", "First year to include.", opt=True)],
          ["What dividends has {symbol} paid[ since {since_year}]?", "Show {symbol}'s dividend history[ from {since_year} on].",
           "List {symbol} dividend payments[ starting {since_year}].", "Does {symbol} pay a dividend?[ Go back to {since_year}.]"],
          vary="symbol"),
        F("stocks_set_alert", "Alert the user when a stock crosses a price.",
          [P("symbol", "ticker", "Ticker."), P("price", "usd", "Trigger price."),
           P("direction", "direction", "Trigger when the price goes above or below.", "above")],
          ["Alert me when {symbol} hits {price}[ ({direction})].", "Tell me if {symbol} moves past {price}[ ({direction})].",
           "Set a price alert on {symbol} at {price}[, {direction}].", "Ping me at {price} on {symbol}[ ({direction})]."]),
    ]),
    ("payments", [
        F("pay_send_money", "Send money to a contact.",
          [P("recipient", "person", "Contact name."), P("amount", "usd", "Amount."), P("note", "caption", "Message for the recipient.", opt=True)],
          ["Send {recipient} {amount}[ with the note \"{note}\"].", "Pay {recipient} {amount}[, message: {note}].",
           "Can you transfer {amount} to {recipient}?[ Add \"{note}\".]", "Send {amount}< to {recipient}>[ and write \"{note}\"]."],
          vary="recipient"),
        F("pay_request_money", "Request money from a contact.",
          [P("from_person", "person", "Who should pay."), P("amount", "usd", "Amount."),
           P("reason", "invoice_item", "What it is for.", opt=True)],
          ["Request {amount} from {from_person}[ for {reason}].", "Ask {from_person} to pay me {amount}[ for the {reason}].",
           "Remind {from_person} they owe me {amount}[ for {reason}] and send a payment request.",
           "Send a payment request of {amount}< to {from_person}>[ for {reason}]."], vary="from_person"),
        F("pay_convert_money", "Convert an amount between two currencies.",
          [P("amount", "amount", "Amount to convert."), P("from_currency", "currency", "Source currency."),
           P("to_currency", "currency", "Target currency.")],
          ["Convert {amount} {from_currency} to {to_currency}.", "How much is {amount} {from_currency} in {to_currency}?",
           "What do I get for {amount} {from_currency} in {to_currency}?", "Change {amount} {from_currency} into {to_currency}."],
          vary="to_currency"),
        F("pay_create_invoice", "Create an invoice for a client.",
          [P("client_email", "email", "Client's email."), P("item", "invoice_item", "Service billed."), P("amount", "usd", "Amount."),
           P("due_date", "date", "Payment due day.", opt=True)],
          ["Invoice {client_email} {amount} for {item}[, due {due_date}].",
           "Create an invoice: {item}, {amount}, to {client_email}[, payable by {due_date}].",
           "Bill {client_email} for {item}, {amount}[, due on {due_date}].",
           "Make an invoice of {amount} for {item}< to {client_email}>[ due {due_date}]."]),
        F("pay_refund_invoice", "Refund a paid invoice fully or partly.",
          [P("invoice_id", "invoice", "Invoice to refund."), P("amount", "usd", "Amount to refund; omit for a full refund.", opt=True)],
          ["Refund {invoice_id}[, {amount} only].", "Issue a[ {amount}] refund for {invoice_id}.",
           "The client complained; refund {invoice_id}[ by {amount}].", "Give money back on {invoice_id}[, {amount}]."]),
        F("pay_exchange_rate", "Get the exchange rate between two currencies on a day.",
          [P("base", "currency", "Base currency."), P("quote", "currency", "Quote currency."), P("date", "date", "Day.", opt=True)],
          ["What's the {base} to {quote} rate[ on {date}]?", "Exchange rate from {base} into {quote}[ for {date}]?",
           "How many {quote} per {base}[ on {date}]?", "Give me the {base}/{quote} rate[ as of {date}]."], vary="quote"),
        F("pay_split_expense", "Split a shared expense among friends.",
          [P("amount", "usd", "Total spent."), P("people", "list:person", "Friends to split with."),
           P("mode", "split_mode", "How to split.", "equal")],
          ["Split {amount} with {people}[ {mode}].", "I paid {amount} for dinner with {people}; divide it[ {mode}].",
           "Share an expense of {amount} among {people}[, {mode}].", "Charge {people} for the trip, {amount} in total[, split {mode}]."]),
        F("pay_subscription_cancel", "Cancel a recurring payment.",
          [P("merchant", "bank_payee", "Merchant."), P("effective", "date", "Last billing day.", opt=True)],
          ["Cancel my subscription to {merchant}[ from {effective}].", "Stop paying {merchant} every month[ after {effective}].",
           "End the {merchant} recurring payment[ on {effective}].", "I'm done with {merchant}; cancel it[ as of {effective}]."],
          vary="merchant"),
    ]),
    ("email", [
        F("mail_send", "Send an email.",
          [P("to", "list:email", "Recipients."), P("subject", "subject", "Subject line."), P("body", "message", "Message text."),
           P("importance", "importance", "Importance flag.", "normal")],
          ["Email {to} with the subject \"{subject}\" saying \"{body}\"[, {importance}].",
           "Send a mail to {to}: subject {subject}, body: {body}[, {importance}].",
           "Write to {to} about \"{subject}\" and tell them \"{body}\"[, {importance}].",
           "Send \"{body}\"< to {to}> with subject \"{subject}\"[ as {importance}]."]),
        F("mail_search", "Search the user's mailbox.",
          [P("query", "search_text", "Words to look for."), P("folder", "email_folder", "Folder to search.", "inbox"),
           P("unread_only", "unread", "Only unread mail.", False), P("limit", "limit", "Maximum results.", 10)],
          ["Find emails about {query}[ in {folder}][, {unread_only}][, up to {limit}].",
           "Search[ {folder}] for \"{query}\"[, {unread_only}].",
           "Look for any {query} mails[ in {folder}][, just {limit} of them].",
           "Do I have an email with {query} in it?[ Check {folder}.][ Show {unread_only}.]"], vary="query"),
        F("mail_reply", "Reply to an email thread.",
          [P("thread_id", "thread", "Thread to answer."), P("body", "message", "Reply text."),
           P("reply_all", "reply_all", "Reply to everyone on the thread.", False)],
          ["Reply to {thread_id} with \"{body}\"[ ({reply_all})].", "Answer {thread_id}: {body}[; {reply_all}].",
           "Send \"{body}\" as a reply on {thread_id}[, {reply_all}].", "Respond \"{body}\"< to {thread_id}>[ and {reply_all}]."]),
        F("mail_forward", "Forward an email thread to new recipients.",
          [P("thread_id", "thread", "Thread to forward."), P("to", "list:email", "New recipients."),
           P("include_attachments", "attachments", "Forward the attachments too.", True)],
          ["Forward {thread_id} to {to}[ {include_attachments}].", "Send {thread_id} on to {to}[, {include_attachments}].",
           "Pass {thread_id} along to {to}[ {include_attachments}].", "Forward that mail<, {thread_id},> to {to}[ {include_attachments}]."]),
        F("mail_set_auto_reply", "Turn on an out-of-office reply between two days.",
          [P("start", "date", "First day away."), P("end", "date_after", "Last day away."), P("message", "message", "Auto-reply text.")],
          ["Set an out-of-office from {start} to {end} saying \"{message}\".",
           "I'm away {start} until {end}; auto-reply with \"{message}\".",
           "Turn on my vacation responder between {start} and {end}: \"{message}\".",
           "Auto-reply \"{message}\"< from {start}> until {end}."]),
        F("mail_move_to_folder", "Move emails from a sender into a folder.",
          [P("sender", "email", "Sender address."), P("folder", "folder", "Target folder.")],
          ["Move all mail from {sender} into {folder}.", "File everything {sender} sent me under {folder}.",
           "Put {sender}'s emails in {folder}.", "Sort emails from {sender} into {folder}."], vary="sender"),
        F("mail_block_sender", "Block a sender and send future mail to spam.",
          [P("sender", "email", "Address to block."), P("delete_existing", "purge", "Also delete existing mail from them.", False)],
          ["Block {sender}[ and {delete_existing}].", "Stop emails from {sender}[, and {delete_existing}].",
           "I keep getting junk from {sender}. Block them[ and {delete_existing}].", "Add {sender} to my blocked list[; {delete_existing}]."],
          vary="sender"),
        F("mail_schedule_send", "Schedule an email to send later.",
          [P("to", "email", "Recipient."), P("subject", "subject", "Subject line."), P("date", "date", "Send day."),
           P("time", "time", "Send time.")],
          ["Schedule an email to {to} titled \"{subject}\" for {date} at {time}.",
           "Send {to} the \"{subject}\" mail on {date} at {time}.",
           "Queue a message with subject {subject} to {to}, going out {date} at {time}.",
           "Email {to} about {subject} on {date}< at {time}>."]),
    ]),
]

DOMAINS += [
    ("calendar", [
        F("cal_create_event", "Create a calendar event.",
          [P("title", "event_title", "Event title."), P("date", "date", "Day of the event."), P("start", "time", "Start time."),
           P("duration_min", "minutes", "Length of the event.", 60), P("repeat", "recurrence", "How often it repeats.", "none"),
           P("reminder", "reminder", "When to remind.", opt=True)],
          ["Add \"{title}\" to my calendar on {date} at {start}[ for {duration_min}][, {repeat}][, remind me {reminder}].",
           "Put {title} in the calendar: {date}, {start}[, lasting {duration_min}][, {repeat}].",
           "Schedule {title} for {date} at {start}[, {duration_min} long][, {repeat}][, and remind me {reminder}].",
           "Create an event called {title} on {date}< at {start}>[ for {duration_min}][, {repeat}]."]),
        F("cal_list_events", "List calendar events on a day.",
          [P("date", "date", "Day to list."), P("calendar", "calendar_name", "Which calendar.", "personal")],
          ["What's on my calendar for {date}[ in the {calendar} calendar]?", "Show my[ {calendar}] events on {date}.",
           "Am I free on {date}?[ Check my {calendar} calendar.]", "List everything I have on {date}[ ({calendar} calendar)]."],
          vary="date"),
        F("cal_find_free_slot", "Find a free slot shared by several people.",
          [P("attendees", "list:email", "People who must attend."), P("date", "date", "Day to search."),
           P("duration_min", "minutes", "Length needed.")],
          ["Find {duration_min} on {date} when {attendees} are all free.",
           "When can I meet {attendees} for {duration_min} on {date}?",
           "Look for a free slot of {duration_min} on {date} for {attendees}.",
           "Is there a common gap of {duration_min}< on {date}> for {attendees}?"]),
        F("cal_invite", "Invite people to an existing event.",
          [P("event_id", "event_ref", "Event to share."), P("invitees", "list:email", "People to invite."),
           P("notify", "notify", "Send invitation emails.", True)],
          ["Invite {invitees} to {event_id}[ and {notify}].", "Add {invitees} as guests on {event_id}[, {notify}].",
           "Share {event_id} with {invitees}[; {notify}].", "Send an invite for {event_id}< to {invitees}>[, {notify}]."]),
        F("cal_move_event", "Move an event to a new day and time.",
          [P("event_id", "event_ref", "Event to move."), P("new_date", "date", "New day."), P("new_start", "time", "New start time.")],
          ["Move {event_id} to {new_date} at {new_start}.", "Reschedule {event_id} for {new_date}, {new_start}.",
           "Push {event_id} to {new_start} on {new_date}.", "Can you shift {event_id} to {new_date}< at {new_start}>?"]),
        F("cal_delete_event", "Delete an event from the calendar.",
          [P("event_id", "event_ref", "Event to delete."), P("notify", "notify", "Tell the guests.", True)],
          ["Delete {event_id} from my calendar[ and {notify}].", "Remove {event_id}[, {notify}].",
           "Cancel {event_id}[; {notify}].", "Get rid of {event_id} in my calendar[ and {notify}]."], vary="event_id"),
        F("cal_set_working_hours", "Set the user's working hours.",
          [P("start", "time", "Start of the work day."), P("end", "time", "End of the work day."),
           P("include_weekends", "include_weekends", "Apply to weekends too.", False)],
          ["Set my working hours from {start} to {end}[, {include_weekends}].",
           "I work {start} until {end}[, {include_weekends}]; update my calendar.",
           "Change my availability to {start}-{end}[ {include_weekends}].",
           "My work day now runs from {start}< to {end}>[, {include_weekends}]."]),
        F("cal_world_clock", "Get the current local time in a city.",
          [P("city", "city", "City name.")],
          ["What time is it in {city}?", "Current local time in {city}, please.", "Tell me the time in {city} right now.",
           "Is it late in {city}? What's the time there?"], vary="city"),
    ]),
    ("messaging", [
        F("chat_send_message", "Send a chat message to a person.",
          [P("to", "person", "Recipient."), P("text", "message", "Message text."), P("urgent", "urgent", "Mark as urgent.", False)],
          ["Message {to}: \"{text}\"[ ({urgent})].", "Tell {to} \"{text}\"[, {urgent}].", "Send {to} a text saying \"{text}\"[; {urgent}].",
           "Text \"{text}\"< to {to}>[, {urgent}]."], vary="to"),
        F("chat_post_channel", "Post a message in a team channel.",
          [P("channel", "channel", "Channel."), P("text", "message", "Message text."), P("pin", "pinned", "Pin the message.", False)],
          ["Post \"{text}\" in {channel}[ and {pin}].", "Write \"{text}\" to {channel}[; {pin}].",
           "Share in {channel}: {text}[ ({pin})].", "Drop a note in {channel} saying \"{text}\"[, {pin}]."], vary="channel"),
        F("chat_create_group", "Create a group chat with members.",
          [P("name", "team_name", "Group name."), P("members", "list:person", "People to add.")],
          ["Make a group chat called {name} with {members}.", "Start a group {name} and add {members}.",
           "Create the {name} group for {members}.", "Set up a chat named {name}< with {members}>."]),
        F("chat_set_status", "Set the user's chat status.",
          [P("status", "status", "Presence status."), P("minutes", "minutes", "How long to keep it.", opt=True)],
          ["Set my status to {status}[ for {minutes}].", "Mark me as {status}[ for the next {minutes}].",
           "Change my presence to {status}[, {minutes}].", "I'm {status}[ for {minutes}]; update my status."]),
        F("chat_search_messages", "Search chat history for a phrase.",
          [P("query", "search_text", "Words to find."), P("channel", "channel", "Channel to search.", opt=True),
           P("since", "date", "Earliest day.", opt=True)],
          ["Search chats for \"{query}\"[ in {channel}][ since {since}].", "Find messages mentioning {query}[ in {channel}][ after {since}].",
           "Did anyone say {query}[ in {channel}][ since {since}]?", "Look up {query} in the chat history[ of {channel}]."], vary="query"),
        F("chat_mute_conversation", "Mute notifications from a conversation.",
          [P("channel", "channel", "Conversation to mute."), P("hours", "count", "Hours to mute.", 8)],
          ["Mute {channel}[ for {hours} hours].", "Silence {channel}[ for the next {hours} hours].",
           "Stop notifications from {channel}[ for {hours} hours].", "I need quiet. Mute {channel}[, {hours} hours]."], vary="channel"),
        F("sms_send", "Send an SMS to a phone number.",
          [P("phone", "phone", "Recipient number."), P("text", "message", "Message text.")],
          ["Text {phone}: \"{text}\".", "Send an SMS to {phone} saying \"{text}\".", "SMS \"{text}\" to {phone}.",
           "Send \"{text}\" by text message< to {phone}>."], vary="phone"),
        F("chat_schedule_message", "Schedule a chat message for later.",
          [P("to", "person", "Recipient."), P("text", "message", "Message text."), P("date", "date", "Send day."),
           P("time", "time", "Send time.")],
          ["Send {to} \"{text}\" on {date} at {time}.", "Schedule a message to {to} for {date}, {time}: \"{text}\".",
           "At {time} on {date}, message {to} \"{text}\".", "Queue \"{text}\" for {to}< on {date}> at {time}."]),
    ]),
    ("music", [
        F("music_play_song", "Play a song, optionally by a given artist.",
          [P("song", "song", "Song title."), P("artist", "artist", "Performer.", opt=True)],
          ["Play the song {song}[ by {artist}].", "Put on the track {song}[ from {artist}].", "I want to hear the song {song}[ by {artist}].",
           "Can you play {song}, the song[ by {artist}]?"], vary="song"),
        F("music_play_genre", "Play a mix of a music genre.",
          [P("genre", "music_genre", "Genre."), P("minutes", "minutes", "How long to play.", opt=True),
           P("shuffle", "shuffle", "Shuffle tracks.", True)],
          ["Play some {genre}[ for {minutes}][, {shuffle}].", "Put on {genre} music[ {shuffle}][ for {minutes}].",
           "I'm in the mood for {genre}[ for the next {minutes}].", "Start a {genre} mix[, {shuffle}]."]),
        F("music_create_playlist", "Create a playlist with songs.",
          [P("name", "playlist", "Playlist name."), P("songs", "list:song", "Songs to add."),
           P("public", "public", "Visible to others.", False)],
          ["Make a playlist called {name} with {songs}[ and {public}].", "Create \"{name}\" containing {songs}[; {public}].",
           "New playlist {name}: {songs}[, {public}].", "Put {songs} in a new playlist< named {name}>[ and {public}]."]),
        F("music_add_to_queue", "Add songs to the play queue.",
          [P("songs", "list:song", "Songs to queue.")],
          ["Queue up {songs}.", "Add {songs} to the queue.", "After this, play {songs}.", "Line up {songs} next."]),
        F("music_artist_top_tracks", "Get an artist's most popular tracks.",
          [P("artist", "artist", "Artist."), P("limit", "limit", "Number of tracks.", 10)],
          ["What are {artist}'s top[ {limit}] songs?", "Show the most popular tracks by {artist}[, top {limit}].",
           "Give me {artist}'s hits[, {limit} of them].", "List the best[ {limit}] {artist} tracks."], vary="artist"),
        F("music_set_volume", "Set the speaker volume.",
          [P("level", "level", "Volume.")],
          ["Set the volume to {level}.", "Turn the music to {level}.", "Volume at {level}, please.", "Change the volume to {level}."]),
        F("music_set_repeat", "Set the repeat mode of the player.",
          [P("mode", "repeat_mode", "Repeat mode.")],
          ["Please {mode}.", "Can you {mode}?", "I'd like to {mode}.", "Hey, {mode}."]),
        F("music_find_concerts", "Find upcoming concerts by an artist near a city.",
          [P("artist", "artist", "Artist."), P("city", "city", "City name."), P("month", "month", "Month to search.", opt=True)],
          ["Is {artist} playing in {city}[ in {month}]?", "Find {artist} concerts near {city}[ during {month}].",
           "When does {artist} perform in {city}[ in {month}]?", "Any {artist} gigs< in {city}>[ around {month}]?"], vary="city"),
    ]),
    ("video", [
        F("video_search_movies", "Search movies by genre and release year.",
          [P("genre", "movie_genre", "Genre."), P("year", "year", "Release year.", opt=True),
           P("min_rating", "rating", "Minimum rating.", opt=True)],
          ["Find me a {genre} movie[ from {year}][ rated {min_rating} or more].",
           "Recommend some {genre} films[ released in {year}][ with at least {min_rating}].",
           "I want to watch a {genre} film[ from {year}].", "Search for {genre} movies[ that came out in {year}][, {min_rating} minimum]."]),
        F("video_play_title", "Play a movie or show on the TV.",
          [P("title", "movie", "Title."), P("quality", "quality", "Stream quality.", "1080p"),
           P("subtitles", "subtitles", "Show subtitles.", False)],
          ["Play the movie {title}[ in {quality}][, {subtitles}].", "Put on the film {title}[, {quality}][, {subtitles}].",
           "Start streaming {title}[ at {quality}][, {subtitles}].", "I want to watch {title}[ in {quality}][, {subtitles}]."], vary="title"),
        F("video_episode_guide", "List episodes of a TV show season.",
          [P("show", "show", "Show title."), P("season", "count", "Season number.")],
          ["List the episodes of {show} season {season}.", "What's in season {season} of {show}?",
           "Show me the episode guide for {show}, season {season}.", "Episodes of {show}< season {season}>, please."], vary="show"),
        F("video_add_watchlist", "Add titles to the user's watchlist.",
          [P("titles", "list:movie_t", "Titles to add.")],
          ["Add {titles} to my watchlist.", "Save {titles} for later.", "Put {titles} on my list.", "I want to watch {titles} someday; add them."]),
        F("video_showtimes", "Get cinema showtimes for a movie in a city.",
          [P("title", "movie", "Movie title."), P("city", "city", "City name."), P("date", "date", "Day.")],
          ["When is {title} showing in {city} on {date}?", "Showtimes for {title} in {city}, {date}.",
           "Where can I see {title} in {city} on {date}?", "Find cinema times for {title} on {date}< in {city}>."], vary="city"),
        F("video_rent_movie", "Rent a movie for a number of days.",
          [P("title", "movie", "Movie title."), P("days", "days", "Rental length.", 2), P("quality", "quality", "Video quality.", "1080p")],
          ["Rent {title}[ for {days}][ in {quality}].", "I'd like to rent {title}[, {quality}][, {days}].",
           "Get me a rental of {title}[ for {days}].", "Rent {title} for tonight[ in {quality}]."], vary="title"),
        F("video_parental_lock", "Set a PIN-protected age limit on the TV.",
          [P("max_age", "age_rating", "Highest age rating allowed."), P("pin", "pin", "Four-digit PIN.")],
          ["Lock anything above {max_age} with PIN {pin}.", "Set parental controls to {max_age}, PIN {pin}.",
           "Only allow up to {max_age}; the code is {pin}.", "Block content rated above {max_age}< with PIN {pin}>."]),
        F("video_cast_to_device", "Cast the current video to a screen.",
          [P("device", "screen", "Target screen."), P("volume", "level", "Volume on the target.", opt=True)],
          ["Cast this to the {device}[ at {volume} volume].", "Send the video to the {device}[, volume {volume}].",
           "Play this on the {device}[ at {volume}].", "Move playback to the {device}[ with volume at {volume}]."]),
    ]),
]

DOMAINS += [
    ("cooking", [
        F("recipe_find_by_ingredients", "Search recipes by ingredients on hand.",
          [P("ingredients", "list:ingredient", "Ingredients to use."), P("diet", "diet", "Dietary restriction.", opt=True),
           P("max_minutes", "minutes", "Maximum total time.", opt=True)],
          ["What can I cook with {ingredients}?[ It has to be {diet}.][ I have {max_minutes} at most.]",
           "Find a recipe using {ingredients}[, {diet}][, ready within {max_minutes}].",
           "I've got {ingredients} in the fridge. Any[ {diet}] recipes[ under {max_minutes}]?",
           "Suggest a dish with {ingredients}[ that takes less than {max_minutes}]."]),
        F("recipe_scale", "Scale a recipe to a number of servings.",
          [P("dish", "dish", "Recipe name."), P("servings", "count", "Servings wanted."),
           P("units", "measure_system", "Measurement system.", "metric")],
          ["Scale the {dish} recipe to {servings} servings[, {units}].", "I need {dish} for {servings} people[, {units}].",
           "Adjust {dish} to serve {servings}[ and give amounts {units}].", "Make the {dish} recipe feed {servings}[ ({units})]."],
          vary="dish"),
        F("recipe_nutrition", "Get the nutrition facts of a dish per serving.",
          [P("dish", "dish", "Dish name."), P("portion_g", "weight_g", "Portion size.", opt=True)],
          ["How many calories are in {dish}[ for a portion of {portion_g}]?", "Nutrition facts for {dish}[, {portion_g} serving].",
           "Is {dish} healthy? Show me the nutrients[ per {portion_g}].", "What's the protein and fat in {dish}[ ({portion_g})]?"],
          vary="dish"),
        F("kitchen_set_timer", "Start a kitchen timer.",
          [P("seconds", "seconds", "Timer length."), P("label", "dish", "What the timer is for.", opt=True)],
          ["Set a timer for {seconds}[ for the {label}].", "Start a countdown of {seconds}[ for the {label}].",
           "Time {seconds}[ for my {label}], please.", "Remind me in {seconds}[ to check the {label}]."], vary="seconds"),
        F("kitchen_convert_measure", "Convert a cooking quantity between units.",
          [P("quantity", "amount", "Amount to convert."), P("from_unit", "cook_unit", "Unit of the amount."),
           P("to_unit", "cook_unit", "Unit wanted.")],
          ["How many {to_unit} is {quantity} {from_unit}?", "Convert {quantity} {from_unit} to {to_unit}.",
           "What's {quantity} {from_unit} in {to_unit}?", "I need {quantity} {from_unit} expressed in {to_unit}."]),
        F("grocery_add_items", "Add items to the grocery list.",
          [P("items", "list:ingredient", "Items to add."), P("store", "brand_store", "Store to shop at.", opt=True)],
          ["Add {items} to my grocery list[ for {store}].", "Put {items} on the shopping list[; I'll get them at {store}].",
           "I need {items}[ from {store}].", "Remember to buy {items}[ at {store}]."]),
        F("recipe_substitute", "Suggest a substitute for an ingredient.",
          [P("ingredient", "ingredient", "Ingredient to replace."), P("diet", "diet", "Diet the substitute must fit.", opt=True)],
          ["What can I use instead of {ingredient}[ that is {diet}]?", "I'm out of {ingredient}. Any substitute[ that's {diet}]?",
           "Suggest a replacement for {ingredient}[, {diet}].", "Swap out {ingredient}[ for something {diet}]."], vary="ingredient"),
        F("meal_plan_week", "Plan meals for a number of days under a calorie target.",
          [P("days", "days", "Days to plan."), P("daily_calories", "daily_kcal", "Calories per day."),
           P("diet", "diet", "Diet.", opt=True)],
          ["Plan my meals for {days} at {daily_calories} a day[, {diet}].",
           "Make a[ {diet}] meal plan for {days} with {daily_calories} daily.",
           "I want to eat {daily_calories} per day for {days}[, {diet}]. Plan it.",
           "Create a meal plan<, {days},> at {daily_calories} per day[, {diet}]."]),
    ]),
    ("fitness", [
        F("fit_log_workout", "Log a workout.",
          [P("activity", "activity", "Activity."), P("minutes", "minutes", "Duration."), P("date", "date", "Day of the workout."),
           P("intensity", "intensity", "Effort level.", "moderate")],
          ["Log a {activity} of {minutes} on {date}[, {intensity}].", "I did a {activity} for {minutes} on {date}[; it was {intensity}].",
           "Record a {activity} lasting {minutes} for {date}[ at {intensity} effort].",
           "Add my {activity}< on {date}>: {minutes}[, {intensity}]."]),
        F("fit_log_run", "Log a run with distance and time.",
          [P("distance_km", "distance_km", "Distance run."), P("minutes", "minutes", "Time taken."),
           P("date", "date", "Day of the run.", opt=True)],
          ["I ran {distance_km} in {minutes}[ on {date}]. Log it.", "Log a run: {distance_km}, {minutes}[, {date}].",
           "Record a run of {distance_km}, time {minutes}[, on {date}].", "Save a run of {distance_km}< in {minutes}>[ for {date}]."]),
        F("fit_set_step_goal", "Set a daily step goal.",
          [P("steps", "steps", "Steps per day.")],
          ["Set my daily goal to {steps}.", "I want to walk {steps} a day.", "Change my step target to {steps}.",
           "Aim for {steps} daily from now on."]),
        F("fit_log_water", "Log water the user drank.",
          [P("volume_ml", "volume_ml", "Amount drunk."), P("time", "time", "When.", opt=True)],
          ["I drank {volume_ml} of water[ at {time}].", "Log {volume_ml} of water[ at {time}].",
           "Add {volume_ml} to my water intake[ for {time}].", "Record {volume_ml} of water[, {time}]."], vary="volume_ml"),
        F("fit_log_weight", "Log a body weight measurement.",
          [P("weight_kg", "body_kg", "Body weight."), P("date", "date", "Day measured.", opt=True)],
          ["I weighed {weight_kg}[ on {date}].", "Log my weight: {weight_kg}[, {date}].",
           "Record a weigh-in of {weight_kg}[ for {date}].", "Save {weight_kg} as my weight[ on {date}]."]),
        F("fit_calorie_target", "Compute a daily calorie target from body data.",
          [P("weight_kg", "body_kg", "Body weight."), P("height_cm", "height_cm", "Height."), P("age", "age", "Age in years."),
           P("goal", "fit_goal", "Goal.", "maintain")],
          ["How many calories should I eat? I'm {age}, {height_cm} tall and weigh {weight_kg}[; I want to {goal}].",
           "Calorie target for someone {age} years old, {height_cm}, {weight_kg}[, aiming to {goal}].",
           "I'm {height_cm} tall, {weight_kg}, age {age}. What's my daily calorie need[ to {goal}]?",
           "Work out my calories: {weight_kg}, {height_cm}< tall, {age} years old>[, goal: {goal}]."]),
        F("fit_book_class", "Book a spot in a gym class.",
          [P("class_name", "gym_class", "Class."), P("date", "date", "Day."), P("time", "time", "Start time.")],
          ["Book me into {class_name} on {date} at {time}.", "Reserve a spot in {class_name} at {time} on {date}.",
           "Sign me up for {class_name}, {date}, {time}.", "Get me a place in {class_name} at {time}< on {date}>."]),
        F("fit_log_sleep", "Log last night's sleep.",
          [P("minutes", "sleep_min", "Time asleep."), P("quality", "sleep_quality", "How well the user slept.", opt=True)],
          ["I slept {minutes} last night[ and slept {quality}].", "Log {minutes} of sleep[; I slept {quality}].",
           "Record my sleep: {minutes}[, slept {quality}].", "Last night I got {minutes} of sleep[, quality: slept {quality}]."]),
    ]),
    ("health", [
        F("health_find_doctor", "Find doctors of a specialty near a city.",
          [P("specialty", "doctor_kind", "Medical specialty."), P("city", "city", "City name."),
           P("accepts_new", "accepting", "Only doctors taking new patients.", False)],
          ["Find a {specialty} in {city}[, {accepts_new}].", "I need a {specialty} near {city}[, {accepts_new}].",
           "Any good {specialty} in {city}[, {accepts_new}]?", "Look up a {specialty}< in {city}>[, {accepts_new}]."], vary="city"),
        F("health_book_appointment", "Book a medical appointment.",
          [P("doctor", "person", "Doctor's name."), P("date", "date", "Day."), P("time", "time", "Time."),
           P("visit", "visit_kind", "Visit type.", "in_person")],
          ["Book an appointment with Dr. {doctor} on {date} at {time}[, {visit}].",
           "I need to see Dr. {doctor} on {date} at {time}[ ({visit})].",
           "Schedule me with Dr. {doctor}, {date}, {time}[ ({visit})].",
           "Get me a slot with Dr. {doctor}< on {date}> at {time}[, {visit}]."]),
        F("health_refill_prescription", "Request a prescription refill at a pharmacy.",
          [P("rx_number", "rx", "Prescription."), P("pharmacy_city", "city", "City of the pharmacy.", opt=True)],
          ["Refill {rx_number}[ at the pharmacy in {pharmacy_city}].", "I'm running low; please refill {rx_number}[, pick up in {pharmacy_city}].",
           "Request a refill for {rx_number}[ at my {pharmacy_city} pharmacy].", "Order a refill of {rx_number}[ to collect in {pharmacy_city}]."]),
        F("health_med_reminder", "Create a medication reminder.",
          [P("medication", "medication", "Medicine."), P("dose", "count", "Amount per dose."), P("dose_unit", "dose_unit", "Unit of the dose."),
           P("time", "time", "Daily time.")],
          ["Remind me to take {dose} {dose_unit} of {medication} every day at {time}.",
           "Set a daily {time} reminder for {medication}, {dose} {dose_unit}.",
           "I take {dose} {dose_unit} of {medication} at {time}; remind me daily.",
           "Daily reminder: {medication}, {dose} {dose_unit}< at {time}>."]),
        F("health_symptom_check", "Check symptoms and suggest a level of care.",
          [P("symptoms", "list:symptom", "Symptoms."), P("days", "days", "How long they have lasted."), P("age", "age", "Patient age.", opt=True)],
          ["I've had {symptoms} for {days}[ and I'm {age}]. Should I see a doctor?",
           "Check these symptoms: {symptoms}, lasting {days}[, age {age}].",
           "What should I do about {symptoms}? It's been {days}[; I'm {age} years old].",
           "After {days} of {symptoms}[ at age {age}], how serious is it?"]),
        F("health_log_blood_pressure", "Log a blood pressure reading.",
          [P("systolic", "systolic", "Systolic pressure in mmHg."), P("diastolic", "diastolic", "Diastolic pressure in mmHg."),
           P("time", "time", "Time of the reading.", opt=True)],
          ["Log blood pressure {systolic} over {diastolic}[ at {time}].", "My BP was {systolic}/{diastolic}[ at {time}]; record it.",
           "Save a reading of {systolic}/{diastolic}[, {time}].", "Blood pressure today: {systolic} over {diastolic}[ at {time}]."]),
        F("health_vaccine_record", "Get the user's vaccination record.",
          [P("person", "person", "Patient name."), P("vaccine", "vaccine", "Vaccine to show.", opt=True)],
          ["Show the vaccination record for {person}[, {vaccine} only].", "When did {person} last get vaccinated[ against {vaccine}]?",
           "Pull up {person}'s immunisations[ for {vaccine}].", "Check {person}'s vaccine history[ for {vaccine}]."], vary="person"),
        F("health_bmi", "Compute body mass index.",
          [P("weight_kg", "body_kg", "Body weight."), P("height_cm", "height_cm", "Height.")],
          ["What's my BMI? I weigh {weight_kg} and I'm {height_cm} tall.", "BMI for {weight_kg} at {height_cm}?",
           "Compute body mass index: {height_cm}, {weight_kg}.", "I'm {height_cm} and {weight_kg}; calculate my BMI."]),
    ]),
]

DOMAINS += [
    ("smart_home", [
        F("home_set_thermostat", "Set the thermostat temperature and mode.",
          [P("temperature", "temp_c", "Target temperature."), P("mode", "hvac_mode", "Heating or cooling mode.", "auto"),
           P("room", "room", "Room to control.", opt=True)],
          ["Set the thermostat to {temperature}[ on {mode}][ in the {room}].", "Make it {temperature}[ in the {room}][, {mode}].",
           "I'm cold. Put the heating to {temperature}[ in the {room}].", "Change the temperature to {temperature}[, mode {mode}]."],
          vary="temperature"),
        F("home_lights", "Turn lights on or set their brightness and colour.",
          [P("room", "room", "Room."), P("brightness", "level", "Brightness.", 100), P("color", "light_color", "Colour.", opt=True)],
          ["Turn on the {room} lights[ at {brightness}][ in {color}].", "Set the {room} lights[ to {brightness}][, {color}].",
           "Lights in the {room}[ at {brightness}][, colour {color}], please.", "Brighten the {room}[ to {brightness}][ in {color}]."],
          vary="room"),
        F("home_lights_off", "Turn off lights in rooms.",
          [P("rooms", "list:room", "Rooms.")],
          ["Turn off the lights in the {rooms}.", "Switch off the {rooms} lights.", "Lights off in the {rooms}, please.",
           "Kill the lights in the {rooms}."]),
        F("home_lock_door", "Lock or unlock a door.",
          [P("door", "door", "Door."), P("action", "lock_action", "Lock or unlock.")],
          ["Please {action} the {door}.", "Can you {action} the {door}?", "I need you to {action} the {door}.",
           "Remote {action} for the {door}, please."], vary="door"),
        F("home_run_vacuum", "Start the robot vacuum in given rooms.",
          [P("rooms", "list:room", "Rooms to clean."), P("passes", "count", "Cleaning passes.", 1)],
          ["Vacuum the {rooms}[, {passes} passes].", "Start the robot vacuum in the {rooms}[ and go over it {passes} times].",
           "Clean the {rooms} floors[ with {passes} passes].", "Send the vacuum to the {rooms}[, {passes} times]."]),
        F("home_sprinkler", "Water garden zones for a duration.",
          [P("zones", "zones", "Zones to water."), P("minutes", "minutes", "Watering time per zone.")],
          ["Water zones {zones} for {minutes}.", "Run the sprinklers on zones {zones}, {minutes} each.",
           "Turn on irrigation in zones {zones} for {minutes}.", "Sprinklers<, zones {zones},> for {minutes}, please."]),
        F("home_energy_usage", "Get household electricity usage for a month.",
          [P("month", "month", "Month."), P("device", "device", "Single device to report.", opt=True)],
          ["How much electricity did we use in {month}[ on the {device}]?", "Show energy usage for {month}[ for the {device}].",
           "What was our power consumption in {month}?[ Just the {device}.]", "Energy report for {month}[, {device} only]."], vary="month"),
        F("home_schedule_device", "Switch a device on at a time for a duration.",
          [P("device", "device", "Device."), P("time", "time", "Start time."), P("minutes", "minutes", "How long it stays on.", opt=True)],
          ["Turn on the {device} at {time}[ for {minutes}].", "Schedule the {device} to start at {time}[, running {minutes}].",
           "At {time}, switch on the {device}[ for {minutes}].", "Have the {device} come on at {time}[ and stay on {minutes}]."]),
    ]),
    ("rides", [
        F("ride_request", "Request a ride to a destination.",
          [P("pickup", "address", "Pickup address."), P("dropoff", "place", "Destination."), P("ride", "ride_type", "Ride type.", "standard"),
           P("seats", "count", "Seats needed.", 1)],
          ["Get me a ride from {pickup} to {dropoff}[, {ride}][ for {seats} people].",
           "I need a car from {pickup} to {dropoff}[; {ride}][, {seats} seats].",
           "Book a ride to {dropoff}, pick me up at {pickup}[, {ride}].",
           "Order a car to {dropoff}< from {pickup}>[, {ride}][ for {seats} of us]."]),
        F("ride_fare_estimate", "Estimate the fare between two places.",
          [P("origin", "place", "Start."), P("destination", "place", "End."), P("ride", "ride_type", "Ride type.", "standard")],
          ["How much is a ride from {origin} to {destination}[ in {ride}]?", "Estimate the fare from {origin} to {destination}[ for {ride}].",
           "What would {origin} to {destination} cost[ with {ride}]?", "Price a trip from {origin} to {destination}[, {ride}]."],
          vary="destination"),
        F("transit_next_departures", "Get next public transport departures from a stop.",
          [P("stop", "stop", "Stop or station name."), P("line", "line", "Only this line.", opt=True), P("limit", "limit", "Number of departures.", 5)],
          ["When's the next departure from {stop}[ on {line}]?", "Show the next[ {limit}] trains from {stop}[, {line} only].",
           "What leaves {stop} soon[ on {line}]?", "Departures from {stop}[, next {limit}][ for {line}]."], vary="stop"),
        F("transit_service_alerts", "Get disruptions on a transit line.",
          [P("line", "line", "Transit line."), P("date", "date", "Day to check.", opt=True),
           P("accessible", "access_only", "Only report lift and step-free access issues.", False)],
          ["Are there any disruptions on {line}[ on {date}]?[ Report {accessible}.]", "Is {line} running normally[ on {date}]?[ Report {accessible}.]",
           "Check service alerts for {line}[ for {date}][; report {accessible}].", "Any delays on {line}[ on {date}]?"], vary="line"),
        F("ride_cancel", "Cancel a requested ride.",
          [P("ride_id", "ride_ref", "Ride to cancel."), P("reason", "cancel_reason", "Why.", opt=True)],
          ["Cancel {ride_id}[ because {reason}].", "Call off {ride_id}[; {reason}].", "I don't need {ride_id} anymore[, {reason}].",
           "Please cancel the ride<, {ride_id}>."]),
        F("bike_share_find", "Find shared bikes near a point.",
          [P("location", "coords", "Where."), P("radius_m", "distance_m", "Search radius.", 500), P("electric", "ebike", "Electric bikes only.", False)],
          ["Find a bike near {location}[ within {radius_m}][, {electric}].", "Any shared bikes around {location}[, {electric}]?",
           "I'm at {location}. Where's the closest bike[ within {radius_m}]?", "Locate rental bikes near {location}[, {radius_m} radius]."]),
        F("transit_buy_pass", "Buy a public transport pass.",
          [P("city", "city", "City."), P("days", "days", "Validity."), P("riders", "count", "Number of passes.", 1)],
          ["Buy a transit pass for {city} valid for {days}[, {riders} of them].", "I need a {city} travel card for {days}[ for {riders} people].",
           "Get me a public transport pass in {city} valid {days}[; {riders} passes].",
           "Purchase a pass for {days}< in {city}>[, {riders} people]."]),
        F("parking_reserve", "Reserve a parking spot near a place.",
          [P("place", "place", "Destination."), P("date", "date", "Day."), P("hours", "count", "Hours to park.")],
          ["Reserve parking near {place} on {date} for {hours} hours.", "Book a parking spot by {place}, {date}, {hours} hours.",
           "I'll drive to {place} on {date}; hold a space for {hours} hours.", "Find and reserve {hours} hours of parking< near {place}> on {date}."]),
    ]),
    ("maps", [
        F("maps_directions", "Get directions between two places.",
          [P("origin", "place", "Start."), P("destination", "place", "End."), P("mode", "travel_mode", "How to travel.", "driving"),
           P("avoid_tolls", "avoid_tolls", "Avoid toll roads.", False)],
          ["Directions from {origin} to {destination}[ {mode}][, {avoid_tolls}].", "How do I get from {origin} to {destination}[ {mode}]?",
           "Route from {origin} to {destination}[, {mode}][, {avoid_tolls}], please.",
           "Take me to {destination}< from {origin}>[ {mode}][, {avoid_tolls}]."], vary="destination"),
        F("maps_geocode", "Get coordinates of an address.",
          [P("address", "address", "Address.")],
          ["What are the coordinates of {address}?", "Geocode {address}.", "Where exactly is {address} on the map?",
           "Give me lat and long for {address}."]),
        F("maps_reverse_geocode", "Get the address at coordinates.",
          [P("location", "coords", "Point to look up.")],
          ["What's the address at {location}?", "Where is {location}?", "Reverse geocode {location}.",
           "Which street is at {location}?"], vary="location"),
        F("maps_nearby", "Find places of a kind near coordinates.",
          [P("kind", "poi_kind", "Kind of place."), P("location", "coords", "Around this point."), P("radius_m", "distance_m", "Search radius.", 1000),
           P("open_now", "open_now", "Only places open now.", False)],
          ["Find a {kind} near {location}[ within {radius_m}][, {open_now}].", "Is there a {kind} close to {location}[, {open_now}]?",
           "I'm at {location} and need a {kind}[ within {radius_m}].", "Nearest {kind}< to {location}>[, {radius_m} max][, {open_now}]?"]),
        F("maps_travel_time", "Estimate travel time between two places at a departure time.",
          [P("origin", "place", "Start."), P("destination", "place", "End."), P("depart_at", "time", "Departure time."),
           P("mode", "travel_mode", "How to travel.", "driving")],
          ["How long from {origin} to {destination} if I leave at {depart_at}[ {mode}]?",
           "Travel time {origin} to {destination} at {depart_at}[, {mode}]?",
           "If I set off at {depart_at}, when do I reach {destination} from {origin}[ {mode}]?",
           "Estimate the trip from {origin} to {destination}< leaving {depart_at}>[ {mode}]."]),
        F("maps_distance_matrix", "Get distances from one place to several others.",
          [P("origin", "place", "Start."), P("destinations", "list:place", "Places to measure to.")],
          ["How far is {origin} from {destinations}?", "Distances from {origin} to {destinations}, please.",
           "Measure the distance from {origin} to each of {destinations}.", "From {origin}, how far are {destinations}?"]),
        F("maps_save_place", "Save a place to a named list.",
          [P("place", "place", "Place."), P("list_name", "maps_list", "List to save to.", "Favorites")],
          ["Save {place}[ to my {list_name} list].", "Bookmark {place}[ in {list_name}].", "Add {place} to my places[ under {list_name}].",
           "Star {place}[ on the {list_name} list]."], vary="place"),
        F("maps_traffic", "Get live traffic near a place.",
          [P("place", "place", "Area."), P("radius_m", "distance_m", "Area radius.", 2000)],
          ["How's the traffic around {place}[ within {radius_m}]?", "Any jams near {place}[, {radius_m} radius]?",
           "Check traffic by {place}[ for {radius_m} around].", "Is it busy on the roads near {place}?"], vary="place"),
    ]),
]

DOMAINS += [
    ("shopping", [
        F("shop_search_products", "Search the store catalogue.",
          [P("query", "product", "What to look for."), P("max_price", "usd", "Highest price.", opt=True),
           P("condition", "condition", "Item condition.", "new"), P("sort", "sort_by", "Result order.", "rating")],
          ["Search for {query}[ under {max_price}][, {condition}][, {sort}].", "Find me a good {query}[ for less than {max_price}][, sorted {sort}].",
           "I'm shopping for a {query}[; budget {max_price}][; {condition} is fine].", "Show me[ {condition}] {query} listings[ below {max_price}][, {sort}]."],
          vary="query"),
        F("shop_add_to_cart", "Add a product to the cart.",
          [P("product_id", "sku", "Product."), P("quantity", "count", "How many.", 1), P("gift_wrap", "gift_wrap", "Gift-wrap it.", False)],
          ["Add {product_id} to my cart[, {quantity} of them][, {gift_wrap}].", "Put[ {quantity} of] {product_id} in the basket[, {gift_wrap}].",
           "I'll take {product_id}[, {quantity} units][, {gift_wrap}].", "Cart {product_id}[, quantity {quantity}]."]),
        F("shop_track_price", "Watch a product and alert on a price drop.",
          [P("product_id", "sku", "Product."), P("target_price", "usd", "Alert when at or below this price.")],
          ["Tell me when {product_id} drops to {target_price}.", "Watch {product_id} and alert me under {target_price}.",
           "Price alert on {product_id} at {target_price}.", "Let me know if {product_id} gets down to {target_price}."]),
        F("shop_return_item", "Start a return for an order.",
          [P("order_id", "order_id", "Order."), P("reason", "return_reason", "Why it is returned."),
           P("refund", "shop_refund", "Refund method.", "original_payment")],
          ["I want to return {order_id} because {reason}[; refund {refund}].", "Start a return on {order_id}: {reason}[, refund {refund}].",
           "Return {order_id}, {reason}[. Send the money {refund}].", "Please process a return<, {order_id},> since {reason}[; refund {refund}]."]),
        F("shop_order_status", "Get the status of an order.",
          [P("order_id", "order_id", "Order.")],
          ["Where is {order_id}?", "What's the status of {order_id}?", "Has {order_id} shipped yet?", "Any update on {order_id}?"],
          vary="order_id"),
        F("shop_reviews", "Get customer reviews of a product.",
          [P("product_id", "sku", "Product."), P("min_stars", "rating", "Lowest rating shown.", opt=True),
           P("verified_only", "verified", "Verified purchases only.", False)],
          ["Show reviews for {product_id}[ with at least {min_stars}][, {verified_only}].",
           "What do buyers say about {product_id}?[ Only {min_stars} and up.][ Show {verified_only}.]",
           "Read me the reviews of {product_id}[, {verified_only}].", "Reviews of {product_id}[, {min_stars} minimum], please."],
          vary="product_id"),
        F("shop_apply_coupon", "Apply a coupon code to the cart.",
          [P("code", "coupon", "Coupon code.")],
          ["Apply the coupon {code}.", "Use code {code} on my cart.", "I have a discount code: {code}.", "Redeem {code} at checkout."]),
        F("shop_compare_prices", "Compare prices of a product across brands.",
          [P("product", "product", "Product type."), P("brands", "list:brand", "Brands to compare.")],
          ["Compare {product} prices from {brands}.", "Which is cheaper for {product}: {brands}?",
           "Price check {product} across {brands}.", "Show {product} from {brands} side by side."]),
    ]),
    ("shipping", [
        F("ship_track_parcel", "Track a parcel.",
          [P("tracking_number", "tracking", "Parcel to track.")],
          ["Track {tracking_number}.", "Where is {tracking_number} now?", "Any news on {tracking_number}?",
           "When will {tracking_number} arrive?"], vary="tracking_number"),
        F("ship_quote", "Quote shipping cost for a package.",
          [P("weight_kg", "weight_kg", "Package weight."), P("dimensions", "dims", "Package size."), P("to_country", "country", "Destination country."),
           P("speed", "ship_speed", "Service level.", "standard")],
          ["How much to ship a box weighing {weight_kg} and measuring {dimensions} to {to_country}[ with {speed}]?",
           "Quote for a parcel of {weight_kg}, {dimensions}, going to {to_country}[, {speed}].",
           "I'm sending {weight_kg} in a box {dimensions} to {to_country}. Price[ for {speed}]?",
           "Shipping cost: {weight_kg}, size {dimensions}< to {to_country}>[, {speed}]."]),
        F("ship_create_label", "Create a shipping label.",
          [P("to_address", "address", "Delivery address."), P("weight_kg", "weight_kg", "Package weight."),
           P("signature", "signature", "Require a signature.", False), P("insured", "insured", "Insure the parcel.", False)],
          ["Make a label to {to_address} for {weight_kg}[, {signature}][, {insured}].",
           "Create a shipping label: {to_address}, {weight_kg}[; {signature}][; {insured}].",
           "Print a label for a parcel of {weight_kg} to {to_address}[, {signature}].",
           "Ship {weight_kg}< to {to_address}>[, {insured}][, {signature}]."]),
        F("ship_schedule_pickup", "Schedule a courier pickup.",
          [P("address", "address", "Pickup address."), P("date", "date", "Pickup day."), P("parcels", "count", "Number of parcels.", 1)],
          ["Schedule a pickup at {address} on {date}[ for {parcels} parcels].", "Have a courier collect from {address} on {date}[; {parcels} boxes].",
           "Book a collection at {address} for {date}[, {parcels} packages].", "Pick up[ {parcels} parcels] from {address}< on {date}>."]),
        F("ship_redirect", "Redirect a parcel to a new address.",
          [P("tracking_number", "tracking", "Parcel."), P("new_address", "address", "New address.")],
          ["Redirect {tracking_number} to {new_address}.", "Send {tracking_number} to {new_address} instead.",
           "Change the delivery address of {tracking_number} to {new_address}.", "Reroute {tracking_number}< to {new_address}>."]),
        F("ship_hold_at_locker", "Hold a parcel at a pickup locker.",
          [P("tracking_number", "tracking", "Parcel."), P("locker_city", "city", "City of the locker.")],
          ["Hold {tracking_number} at a locker in {locker_city}.", "Send {tracking_number} to a pickup locker in {locker_city}.",
           "I won't be home; put {tracking_number} in a {locker_city} locker.", "Deliver {tracking_number} to a locker< in {locker_city}>."]),
        F("ship_customs_form", "Prepare a customs declaration.",
          [P("contents", "product", "What the parcel holds."), P("value", "usd", "Declared value."), P("to_country", "country", "Destination country.")],
          ["Fill a customs form for {contents} worth {value} going to {to_country}.",
           "Declare {contents}, value {value}, shipping to {to_country}.",
           "I'm sending {contents} to {to_country}; declared value {value}.",
           "Customs paperwork: {contents}, {value}< to {to_country}>."]),
        F("ship_delivery_window", "Choose a delivery time window for a parcel.",
          [P("tracking_number", "tracking", "Parcel."), P("date", "date", "Delivery day."), P("window", "window", "Time window.")],
          ["Deliver {tracking_number} on {date} {window}.", "For {tracking_number}, pick {date}, {window}.",
           "Can {tracking_number} arrive on {date} {window}?", "Set the delivery of {tracking_number} to {date}< {window}>."]),
    ]),
    ("files", [
        F("files_upload", "Upload a local file to cloud storage.",
          [P("path", "path", "File to upload."), P("folder", "folder", "Destination folder."), P("overwrite", "overwrite", "Replace an existing file.", False)],
          ["Upload {path} to {folder}[, {overwrite}].", "Put {path} in {folder}[ and {overwrite}].",
           "Back up {path} into {folder}[; {overwrite}].", "Copy {path} to the cloud< in {folder}>[, {overwrite}]."]),
        F("files_share", "Share a file with people.",
          [P("path", "path", "File to share."), P("emails", "list:email", "People."), P("permission", "permission", "Access level.", "view")],
          ["Share {path} with {emails}[ with {permission} access].", "Give {emails}[ {permission}] access to {path}.",
           "Send {path} to {emails}[, {permission} access].", "Let {emails} open {path}[ with {permission} rights]."]),
        F("files_search", "Search files by name.",
          [P("query", "search_text", "Text in the file name."), P("folder", "folder", "Folder to search.", opt=True),
           P("recursive", "recursive", "Search subfolders.", True)],
          ["Find files named {query}[ in {folder}][, {recursive}].", "Search for {query}[ under {folder}][ {recursive}].",
           "Where's my {query} file?[ Look in {folder}.]", "Look for {query} documents[ in {folder}][, {recursive}]."], vary="query"),
        F("files_convert", "Convert a document to another format.",
          [P("path", "path", "File to convert."), P("to_format", "file_format", "Target format.")],
          ["Convert {path} to {to_format}.", "Turn {path} into {to_format}.", "I need {path} as {to_format}.",
           "Export {path} as {to_format}."], vary="path"),
        F("files_delete", "Delete files.",
          [P("paths", "list:path", "Files to delete."), P("permanent", "permanent", "Skip the trash.", False)],
          ["Delete {paths}[, {permanent}].", "Remove {paths}[ and {permanent}].", "Trash {paths}[; {permanent}].",
           "Get rid of {paths}[, {permanent}]."]),
        F("files_create_folder", "Create a folder.",
          [P("name", "new_folder", "Folder name."), P("parent", "folder", "Parent folder.", opt=True)],
          ["Create a folder called {name}[ inside {parent}].", "Make a new {name} folder[ under {parent}].",
           "New folder: {name}[, in {parent}].", "Add a folder named {name}[ to {parent}]."]),
        F("files_storage_usage", "Get storage used per folder.",
          [P("folder", "folder", "Folder.", opt=True)],
          ["How much storage am I using[ in {folder}]?", "Show my disk usage[ for {folder}].",
           "Am I running out of space?[ Check {folder}.]", "Storage report[ for {folder}], please."]),
        F("files_restore_version", "Restore a previous version of a file.",
          [P("path", "path", "File."), P("date", "date", "Day of the version to restore.")],
          ["Restore {path} to the version from {date}.", "Roll {path} back to {date}.",
           "Bring back the {date} copy of {path}.", "I need {path} as it was on {date}."]),
    ]),
]

DOMAINS += [
    ("tasks", [
        F("task_create", "Create a task in a project.",
          [P("title", "task_title", "What to do."), P("project", "project", "Project."), P("due", "date", "Due day.", opt=True),
           P("priority", "priority", "Priority.", "medium")],
          ["Add a task to {title} in {project}[, due {due}][, {priority}].", "Create a {project} task: {title}[ by {due}][, {priority}].",
           "Remind the team to {title} for {project}[ before {due}][; it's {priority}].",
           "New task< for {project}>: {title}[, due {due}][, {priority}]."]),
        F("task_assign", "Assign a task to a person.",
          [P("task_id", "task_ref", "Task."), P("assignee", "email", "Person to assign.")],
          ["Assign {task_id} to {assignee}.", "Give {task_id} to {assignee}.", "Let {assignee} own {task_id}.",
           "Hand {task_id}< over to {assignee}>."]),
        F("task_update_status", "Change a task's status.",
          [P("task_id", "task_ref", "Task."), P("status", "task_status", "New status.")],
          ["Mark {task_id} as {status}.", "Set {task_id} to {status}.", "Update: {task_id} is {status} now.",
           "Move {task_id} to {status}."]),
        F("task_list", "List tasks in a project by status.",
          [P("project", "project", "Project."), P("status", "task_status", "Only this status.", opt=True), P("assignee", "email", "Only this person's tasks.", opt=True)],
          ["What tasks are[ {status}] in {project}[ for {assignee}]?", "List the {project} tasks[ that are {status}][ assigned to {assignee}].",
           "Show me {project}'s[ {status}] work items.", "Pull up the task list for {project}[, only {status}][, assigned to {assignee}]."], vary="project"),
        F("task_log_time", "Log hours spent on a task.",
          [P("task_id", "task_ref", "Task."), P("minutes", "minutes", "Time spent."), P("date", "date", "Day worked.", opt=True)],
          ["Log {minutes} on {task_id}[ for {date}].", "I spent {minutes} on {task_id}[ on {date}].",
           "Record {minutes} against {task_id}[, {date}].", "Track {minutes} for {task_id}[ on {date}]."]),
        F("task_add_comment", "Comment on a task.",
          [P("task_id", "task_ref", "Task."), P("text", "message", "Comment.")],
          ["Comment on {task_id}: \"{text}\".", "Add a note to {task_id} saying \"{text}\".", "Write \"{text}\" on {task_id}.",
           "Reply on {task_id} with \"{text}\"."]),
        F("task_create_sprint", "Create a sprint with start day and length.",
          [P("name", "sprint", "Sprint name."), P("start", "date", "First day."), P("weeks", "weeks", "Length.", 2)],
          ["Create {name} starting {start}[, {weeks} long].", "Start a new sprint, {name}, on {start}[ for {weeks}].",
           "Set up {name} from {start}[, lasting {weeks}].", "Plan {name}< to begin {start}>[, {weeks}]."]),
        F("task_set_reminder", "Set a personal reminder.",
          [P("text", "note", "What to remember."), P("date", "date", "Day."), P("time", "time", "Time.", "09:00")],
          ["Remind me to {text} on {date}[ at {time}].", "Set a reminder for {date}[ at {time}]: {text}.",
           "Don't let me forget to {text} on {date}[, {time}].", "On {date}[ at {time}], remind me: {text}."]),
    ]),
    ("social", [
        F("social_post", "Publish a post with optional hashtags.",
          [P("text", "caption", "Post text."), P("hashtags", "list:hashtag", "Hashtags.", opt=True), P("audience", "audience", "Who can see it.", "public"),
           P("draft", "draft", "Save as draft instead of posting.", False)],
          ["Post \"{text}\"[ with {hashtags}][ for {audience}][ and {draft}].", "Share \"{text}\" on my feed[, tagged {hashtags}][, {audience}].",
           "Write a post: {text}[. Tags: {hashtags}][. Audience: {audience}][. Please {draft}].",
           "Put up \"{text}\"[ to {audience}][, {draft}]."]),
        F("social_follow", "Follow accounts.",
          [P("usernames", "list:username", "Accounts to follow.")],
          ["Follow {usernames}.", "Start following {usernames}.", "Add {usernames} to the people I follow.", "I want to follow {usernames}."]),
        F("social_search_posts", "Search recent posts by hashtag.",
          [P("hashtag", "hashtag", "Tag."), P("limit", "limit", "Maximum posts.", 20), P("since", "date", "Earliest day.", opt=True)],
          ["Show posts tagged {hashtag}[ since {since}][, top {limit}].", "What's trending under {hashtag}?[ Show {limit}.]",
           "Find {hashtag} posts[ from {since} on].", "Search {hashtag}[, {limit} results][ after {since}]."], vary="hashtag"),
        F("social_dm", "Send a direct message to an account.",
          [P("username", "username", "Recipient."), P("text", "message", "Message.")],
          ["DM {username}: \"{text}\".", "Send {username} a private message saying \"{text}\".",
           "Message {username} directly: {text}.", "Slide into {username}'s DMs with \"{text}\"."], vary="username"),
        F("social_schedule_post", "Schedule a post.",
          [P("text", "caption", "Post text."), P("date", "date", "Publish day."), P("time", "time", "Publish time.")],
          ["Schedule \"{text}\" for {date} at {time}.", "Post \"{text}\" on {date} at {time}.",
           "Publish {text} at {time} on {date}.", "Queue the post \"{text}\"< for {date}> at {time}."]),
        F("social_block_user", "Block an account.",
          [P("username", "username", "Account to block."), P("report", "report", "Also report it.", False)],
          ["Block {username}[ and {report}].", "I don't want to see {username} again; block them[, {report}].",
           "Block the account {username}[; {report}].", "Stop {username} from contacting me[ and {report}]."], vary="username"),
        F("social_account_stats", "Get follower and engagement stats for a month.",
          [P("month", "month", "Month."), P("metric", "social_metric", "Metric.", "followers")],
          ["How did my account do in {month}[ on {metric}]?", "Show my {month} stats[ for {metric}].",
           "Give me[ {metric}] numbers for {month}.", "What were my[ {metric}] figures in {month}?"], vary="month"),
        F("social_update_bio", "Update the profile bio.",
          [P("bio", "caption", "New bio text."), P("link", "url", "Website link.", opt=True)],
          ["Change my bio to \"{bio}\"[ and add {link}].", "Update my profile: \"{bio}\"[, link {link}].",
           "Set my bio as {bio}[ with the link {link}].", "New bio: \"{bio}\"[. Website: {link}]."]),
    ]),
    ("news", [
        F("news_headlines", "Get top headlines in a category and country.",
          [P("category", "news_category", "Section."), P("country", "country", "Country.", opt=True), P("limit", "limit", "Number of stories.", 10)],
          ["What are the top {category} headlines[ in {country}]?", "Give me[ {limit}] {category} stories[ from {country}].",
           "Latest {category} news[ in {country}][, {limit} items].", "Any big {category} news today[ in {country}]?"]),
        F("news_search", "Search news articles on a topic.",
          [P("topic", "topic", "Topic."), P("since", "date", "Earliest day.", opt=True), P("language", "language", "Article language.", "en")],
          ["Find news about {topic}[ since {since}][ in {language}].", "What's the latest on {topic}?[ Articles in {language}.]",
           "Search articles on {topic}[ published after {since}].", "Any coverage of {topic}[ from {since}][ in {language}]?"], vary="topic"),
        F("news_summarize", "Summarise a news article from its link.",
          [P("url", "url", "Article link."), P("sentences", "count", "Summary length in sentences.", 3)],
          ["Summarise {url}[ in {sentences} sentences].", "Give me the gist of {url}[, {sentences} sentences max].",
           "TL;DR of {url}[ in {sentences} sentences], please.", "What does {url} say?[ Keep it to {sentences} sentences.]"], vary="url"),
        F("news_subscribe_topic", "Subscribe to alerts on a topic.",
          [P("topic", "topic", "Topic."), P("frequency", "recurrence", "How often.", "daily")],
          ["Send me news about {topic}[ {frequency}].", "Subscribe me to {topic} alerts[, {frequency}].",
           "Keep me posted on {topic}[ {frequency}].", "Follow {topic} for me[ and update me {frequency}]."], vary="topic"),
        F("podcast_play", "Play the latest episode of a podcast.",
          [P("podcast", "podcast", "Podcast."), P("speed", "speed", "Playback speed.", 1.0)],
          ["Play the latest {podcast} episode[ at {speed}].", "Put on the podcast {podcast}[, {speed}].",
           "Start the newest episode of {podcast}[ at {speed}].", "I want to listen to the podcast {podcast}[ at {speed}]."], vary="podcast"),
        F("podcast_search", "Search podcasts on a topic.",
          [P("topic", "topic", "Topic."), P("max_minutes", "minutes", "Longest episode length.", opt=True)],
          ["Find podcasts about {topic}[ under {max_minutes}].", "Any good shows on {topic}[ shorter than {max_minutes}]?",
           "Recommend a podcast on {topic}[, episodes under {max_minutes}].", "Search podcasts: {topic}[, max {max_minutes}]."], vary="topic"),
        F("news_save_article", "Save an article to read later.",
          [P("url", "url", "Article link."), P("folder", "folder", "Reading list folder.", opt=True)],
          ["Save {url} for later[ in {folder}].", "Bookmark {url}[ under {folder}].", "Add {url} to my reading list[ in {folder}].",
           "Keep {url} to read later[, {folder}]."], vary="url"),
        F("news_fact_check", "Check a claim against fact-checking sources.",
          [P("claim", "claim", "Claim to check."), P("limit", "limit", "Sources to return.", 3)],
          ["Is it true that {claim}?[ Give me {limit} sources.]", "Fact-check this: \"{claim}\"[, with {limit} sources].",
           "Someone told me {claim}. Is that right?", "Verify the claim that {claim}[; show {limit} sources]."], vary="claim"),
    ]),
]

DOMAINS += [
    ("language", [
        F("lang_translate", "Translate text into a target language.",
          [P("text", "phrase", "Text to translate."), P("target", "language", "Target language."),
           P("formality", "formality", "Register.", opt=True)],
          ["Translate \"{text}\" into {target}[, {formality}].", "How do you say \"{text}\" in {target}?[ Keep it {formality}.]",
           "Put \"{text}\" in {target}[, in a {formality} tone].", "What's \"{text}\"< in {target}>?[ Make it {formality}.]"],
          vary="target"),
        F("lang_detect", "Detect the language of a text.",
          [P("text", "foreign", "Text.")],
          ["What language is \"{text}\"?", "Detect the language of: {text}", "Which language is this: \"{text}\"?",
           "Identify the language in \"{text}\"."], vary="text"),
        F("lang_define_word", "Look up a word in the dictionary.",
          [P("word", "word", "Word."), P("kind", "definition_kind", "What to return.", "definition")],
          ["Look up \"{word}\"[ and give me the {kind}].", "What does {word} mean?[ Give me the {kind}.]",
           "Define {word}[; I want the {kind}].", "Dictionary: {word}[, the {kind} please]."], vary="word"),
        F("lang_practice_session", "Start a language practice session.",
          [P("language", "language", "Language to practise."), P("minutes", "minutes", "Session length."),
           P("level", "difficulty", "Difficulty.", "medium")],
          ["Start a {language} lesson of {minutes}[ at {level} level].",
           "I want to practise {language} for {minutes}[, {level}].", "Quiz me in {language} for {minutes}[; make it {level}].",
           "Run a {language} practice session<, {minutes},>[ at {level} difficulty]."]),
        F("lang_spell_check", "Check spelling and grammar of a text.",
          [P("text", "typo_text", "Text to check."), P("language", "language", "Language of the text.", "en")],
          ["Check the spelling of \"{text}\"[ ({language})].", "Proofread this[ {language}] sentence: {text}",
           "Any mistakes in \"{text}\"?[ It's in {language}.]", "Fix the grammar: \"{text}\"[, {language}]."]),
        F("lang_transliterate", "Write a text in Latin script.",
          [P("text", "script_text", "Text in its original script.")],
          ["Transliterate \"{text}\" into Latin letters.", "How is \"{text}\" written in the Latin alphabet?",
           "Romanise {text}.", "Spell \"{text}\" with English letters."], vary="text"),
        F("lang_pronounce", "Play the pronunciation of a word in a language.",
          [P("word", "word", "Word."), P("language", "language", "Accent to use.", "en"), P("slow", "slow", "Slow playback.", False)],
          ["How do you pronounce {word}[ in {language}][, {slow}]?", "Say {word} out loud[ with a {language} accent][, {slow}].",
           "Play the pronunciation of {word}[ ({language})].", "Pronounce {word} for me[, {slow}]."], vary="word"),
        F("lang_flashcards", "Create flashcards for words in a language.",
          [P("words", "list:word", "Words."), P("language", "language", "Language of the translations.")],
          ["Make flashcards for {words} with {language} translations.", "Create {language} flashcards for {words}.",
           "I want to learn {words} in {language}; build flashcards.", "Flashcards: {words}< in {language}>."]),
    ]),
    ("real_estate", [
        F("homes_search", "Search homes to rent or buy in a city.",
          [P("city", "city", "City name."), P("listing", "listing_type", "Rent or buy."), P("bedrooms", "bedrooms", "Minimum bedrooms.", opt=True),
           P("property", "property_type", "Property type.", opt=True)],
          ["Find homes {listing} in {city}[ with at least {bedrooms}][; ideally {property}].",
           "I'm looking for a place {listing} in {city}[, {bedrooms} or more][, preferably {property}].",
           "Show homes {listing} in {city}[, {bedrooms} minimum].[ I want {property}.]",
           "Any listings {listing}< in {city}>[ with {bedrooms}]?"], vary="city"),
        F("homes_schedule_viewing", "Book a viewing of a listing.",
          [P("listing_id", "listing", "Listing."), P("date", "date", "Day."), P("time", "time", "Time.")],
          ["Book a viewing of {listing_id} on {date} at {time}.", "I'd like to see {listing_id} on {date}, {time}.",
           "Schedule a tour of {listing_id} for {time} on {date}.", "Can I visit {listing_id}< on {date}> at {time}?"]),
        F("homes_mortgage_quote", "Quote a mortgage payment.",
          [P("price", "home_usd", "Home price."), P("down_payment", "pct", "Down payment share."), P("years", "years", "Term."),
           P("rate", "rate", "Interest rate.", opt=True)],
          ["Mortgage on a home costing {price} with {down_payment} down over {years}[ at {rate}]?",
           "What would I pay for a house at {price}, {down_payment} deposit, {years}[, {rate} interest]?",
           "Quote a mortgage over {years} for {price} with {down_payment} down[ at {rate}].",
           "Monthly cost of buying at {price}< with {down_payment} down> over {years}[ at {rate}]?"]),
        F("homes_estimate_value", "Estimate the market value of a property.",
          [P("address", "address", "Property address."), P("bedrooms", "bedrooms", "Bedrooms.", opt=True)],
          ["What's {address} worth[ with {bedrooms}]?", "Estimate the value of {address}[; it has {bedrooms}].",
           "How much could I sell {address} for?", "Value my home at {address}[, {bedrooms}]."]),
        F("homes_neighborhood_info", "Get facts about a neighbourhood.",
          [P("neighborhood", "neighborhood", "Neighbourhood."), P("city", "city", "City.")],
          ["Tell me about {neighborhood} in {city}.", "What's it like living in {neighborhood}, {city}?",
           "Is {neighborhood} in {city} a good area?", "Neighbourhood info for {neighborhood}< in {city}>."]),
        F("homes_save_listing", "Save a listing to favourites.",
          [P("listing_id", "listing", "Listing."), P("note", "note", "Private note.", opt=True)],
          ["Save {listing_id}[ with the note \"{note}\"].", "Favourite {listing_id}[; note: {note}].",
           "Keep {listing_id} on my shortlist[, note \"{note}\"].", "Bookmark {listing_id}[ and note \"{note}\"]."], vary="listing_id"),
        F("homes_contact_agent", "Message the agent of a listing.",
          [P("listing_id", "listing", "Listing."), P("message", "message", "Message."), P("phone", "phone", "Callback number.", opt=True)],
          ["Message the agent for {listing_id}: \"{message}\"[, call me at {phone}].",
           "Contact whoever lists {listing_id} and say \"{message}\"[; my number is {phone}].",
           "Ask the agent of {listing_id}: {message}[. Reach me on {phone}].",
           "Send \"{message}\" to the agent< for {listing_id}>[, callback {phone}]."]),
        F("homes_rental_apply", "Apply to rent a listing.",
          [P("listing_id", "listing", "Listing."), P("move_in", "date", "Move-in day."), P("occupants", "count", "People living there."),
           P("pets", "pets_ok", "Bringing pets.", False)],
          ["Apply for {listing_id}, moving in {move_in}, {occupants} people[; {pets}].",
           "Send a rental application for {listing_id}: {occupants} occupants from {move_in}[, {pets}].",
           "We'd like to rent {listing_id} from {move_in}, {occupants} of us[; {pets}].",
           "Apply to rent {listing_id}< from {move_in}> for {occupants} people[, {pets}]."]),
    ]),
    ("jobs", [
        F("jobs_search", "Search job postings.",
          [P("title", "job_title", "Job title."), P("city", "city", "City."), P("employment", "employment", "Contract type.", opt=True),
           P("remote", "remote", "Remote work.", False)],
          ["Find {title} jobs in {city}[, {employment}][, {remote}].", "Any[ {employment}] {title} openings in {city}[, {remote}]?",
           "I'm looking for work as a {title} in {city}[; {employment}].", "Search for {title} roles< in {city}>[, {remote}]."], vary="city"),
        F("jobs_apply", "Apply to a job posting with a resume file.",
          [P("job_id", "job_id", "Posting."), P("resume_path", "path", "Resume file."), P("cover_note", "message", "Short cover note.", opt=True)],
          ["Apply to {job_id} with {resume_path}[ and the note \"{cover_note}\"].", "Submit {resume_path} for {job_id}[; note: {cover_note}].",
           "Send my resume {resume_path} to {job_id}[ saying \"{cover_note}\"].", "Apply for {job_id}< using {resume_path}>."]),
        F("jobs_salary_benchmark", "Get typical salary for a role in a city.",
          [P("title", "job_title", "Job title."), P("city", "city", "City."), P("years_experience", "years", "Experience.", opt=True)],
          ["What does a {title} earn in {city}[ with {years_experience} of experience]?",
           "Typical salary for a {title} in {city}[, {years_experience} experience]?",
           "Salary range for {title} jobs in {city}[ at {years_experience}]?", "How much do {title}s make in {city}?"], vary="city"),
        F("hr_request_leave", "Request time off.",
          [P("kind", "leave_kind", "Type of leave."), P("start", "date", "First day off."), P("end", "date_after", "Last day off.")],
          ["Request {kind} from {start} to {end}.", "I need {kind} between {start} and {end}.", "Book {kind}, {start} through {end}.",
           "Put in for {kind}< from {start}> until {end}."]),
        F("hr_schedule_interview", "Schedule an interview with a candidate.",
          [P("candidate", "person", "Candidate."), P("date", "date", "Day."), P("time", "time", "Time."),
           P("format", "interview_kind", "Interview format.", "video")],
          ["Set up an interview with {candidate} on {date} at {time}[ ({format})].",
           "Schedule {candidate} for an interview on {date}, {time}[, {format}].",
           "Book {candidate}'s interview at {time} on {date}[ ({format})].",
           "Interview {candidate}< on {date}> at {time}[, {format}]."]),
        F("hr_payslip", "Get the user's payslip for a month.",
          [P("month", "month", "Month."), P("format", "file_format", "File format.", "pdf")],
          ["Get my payslip for {month}[ as {format}].", "Send me the {month} pay slip[ in {format}].",
           "Where's my salary statement for {month}?[ In {format}, please.]", "Download my {month} payslip[, {format}]."], vary="month"),
        F("hr_team_directory", "Look up people in a team.",
          [P("team", "team_name", "Team."), P("city", "city", "Office city.", opt=True)],
          ["Who's on the {team} team[ in {city}]?", "List {team} members[ based in {city}].", "Show the {team} directory[ for {city}].",
           "Who works in {team}[ at the {city} office]?"], vary="team"),
        F("jobs_skill_match", "Rank job postings by fit for a list of skills.",
          [P("skills", "list:skill", "Skills."), P("title", "job_title", "Job title.", opt=True)],
          ["Which jobs fit someone with {skills}[ as a {title}]?", "Match my skills ({skills}) to openings[ for {title}].",
           "I know {skills}. What roles suit me[ as a {title}]?", "Rank postings for {skills}[, {title} only]."]),
    ]),
]

DOMAINS += [
    ("pets", [
        F("pet_book_service", "Book a pet service.",
          [P("pet_id", "pet_id", "Pet."), P("service", "pet_service", "Service."), P("date", "date", "Day."),
           P("time", "time", "Time.", opt=True)],
          ["Book {service} for {pet_id} on {date}[ at {time}].", "Schedule {pet_id} for {service} on {date}[, {time}].",
           "I need {service} for {pet_id} on {date}[ around {time}].", "Arrange {service}< for {pet_id}> on {date}[ at {time}]."]),
        F("pet_find_vet", "Find vets near a city.",
          [P("city", "city", "City."), P("species", "species", "Animal.", opt=True), P("open_now", "open_now", "Open now.", False)],
          ["Find a vet in {city}[ for my {species}][, {open_now}].", "Any vets near {city}[ that treat a {species}]?",
           "I need a vet in {city}[, {open_now}].", "Vet clinics in {city}[ for a {species}][, {open_now}]?"], vary="city"),
        F("pet_feeding_schedule", "Set a pet's feeding schedule.",
          [P("pet_id", "pet_id", "Pet."), P("grams", "weight_g", "Food per meal."), P("times", "meals", "Meals per day.")],
          ["Feed {pet_id} {grams} per meal, {times} times a day.", "Set {pet_id}'s food to {grams}, {times} meals daily.",
           "Make sure {pet_id} gets {grams} {times} times a day.",
           "Schedule {times} meals a day of {grams}< for {pet_id}>."]),
        F("pet_adopt_search", "Search pets available for adoption.",
          [P("species", "species", "Animal."), P("city", "city", "City."),
           P("max_age_years", "count", "Oldest age in years.", opt=True)],
          ["I want to adopt a {species} in {city}[, under {max_age_years} years old].",
           "Show {species} adoptions near {city}[, no older than {max_age_years}].",
           "Find a {species} to adopt in {city}[, at most {max_age_years} years old].",
           "Any {species} up for adoption< in {city}>[ younger than {max_age_years}]?"],
          vary="city"),
        F("pet_log_weight", "Log a pet's weight.",
          [P("pet_id", "pet_id", "Pet."), P("weight_kg", "weight_kg", "Weight."), P("date", "date", "Day.", opt=True)],
          ["Log that {pet_id} weighs {weight_kg}[ as of {date}].",
           "Record {weight_kg} for {pet_id}[ on {date}].", "Weigh-in for {pet_id}: {weight_kg}[, {date}].",
           "Save {pet_id}'s weight as {weight_kg}[ for {date}]."]),
        F("pet_vaccine_due", "List a pet's upcoming vaccinations.",
          [P("pet_id", "pet_id", "Pet.")],
          ["Which vaccines are due for {pet_id}?", "When does {pet_id} need the next shots?", "Check {pet_id}'s vaccination schedule.",
           "Is {pet_id} up to date on vaccines?"], vary="pet_id"),
        F("pet_register_profile", "Create a pet profile.",
          [P("name", "pet_name", "Pet's name."), P("species", "species", "Animal."), P("birth_date", "date", "Date of birth."),
           P("color", "coat", "Coat or plumage colour.", opt=True)],
          ["Register my {species} {name}, born {birth_date}[, {color}].", "Create a profile for {name}, a {species} born on {birth_date}[; colour {color}].",
           "Add {name} the {species}[ ({color})], birthday {birth_date}.", "New pet: {name}, {species}< born {birth_date}>[, {color}]."]),
        F("pet_sitter_search", "Find pet sitters for a date range.",
          [P("city", "city", "City."), P("start", "date", "First day."), P("end", "date_after", "Last day."), P("species", "species", "Animal.")],
          ["Find a sitter for my {species} in {city} from {start} to {end}.", "I need someone to watch my {species} in {city}, {start} until {end}.",
           "Pet sitters in {city} for a {species}, {start} through {end}?", "Who can look after my {species}< in {city}> from {start} to {end}?"]),
    ]),
    ("cars", [
        F("car_rental_search", "Search rental cars at a pickup city.",
          [P("city", "city", "Pickup city."), P("pickup", "date", "Pickup day."), P("dropoff", "date_after", "Return day."),
           P("car_class", "car_class", "Car class.", opt=True), P("insurance", "insurance", "Full insurance.", False)],
          ["Rent a car in {city} from {pickup} to {dropoff}[, {car_class}][, {insurance}].",
           "I need a rental car in {city}[ ({car_class})], {pickup} until {dropoff}[; {insurance}].",
           "Find car hire in {city} for {pickup} through {dropoff}[, {insurance}].",
           "Any rental cars< in {city}> from {pickup} to {dropoff}[, {car_class}]?"], vary="city"),
        F("car_service_booking", "Book a car service at a garage.",
          [P("model", "car_model", "Car model."), P("date", "date", "Day."), P("mileage_km", "mileage", "Current mileage.", opt=True)],
          ["Book a service for my {model} on {date}[; it has {mileage_km} on it].", "My {model} needs servicing on {date}[, {mileage_km} on the clock].",
           "Schedule maintenance for the {model}, {date}[, mileage {mileage_km}].", "Service the {model}< on {date}>[ at {mileage_km}]."]),
        F("car_find_charger", "Find EV charging stations near coordinates.",
          [P("location", "coords", "Where."), P("min_kw", "kw", "Minimum power.", opt=True), P("radius_m", "distance_m", "Radius.", 5000)],
          ["Find a charger near {location}[ with at least {min_kw}][ within {radius_m}].", "Where can I charge near {location}?[ {min_kw} or more.]",
           "EV charging around {location}[, {radius_m} radius].", "Nearest fast charger to {location}[, {min_kw} minimum]?"], vary="location"),
        F("car_fuel_cost", "Estimate fuel cost of a trip.",
          [P("distance_km", "trip_km", "Trip length."), P("l_per_100km", "consumption", "Fuel use."), P("fuel", "fuel", "Fuel type.", "petrol")],
          ["What will {distance_km} cost in fuel at {l_per_100km}[ on {fuel}]?", "Fuel cost for driving {distance_km}, car uses {l_per_100km}[, {fuel}].",
           "I'm driving {distance_km}; my car does {l_per_100km}. How much fuel money[ for {fuel}]?",
           "Estimate fuel spend: {distance_km}< at {l_per_100km}>[, {fuel}]."]),
        F("car_remote_climate", "Pre-heat or cool the car cabin.",
          [P("temperature", "temp_c", "Cabin temperature."), P("minutes", "minutes", "Run time.", 15)],
          ["Warm up the car to {temperature}[ for {minutes}].", "Set the car cabin to {temperature}[, run it {minutes}].",
           "Pre-condition the car at {temperature}[ for {minutes}].", "Get the car to {temperature}[ over {minutes}]."]),
        F("car_locate", "Show where the car is parked.",
          [P("model", "car_model", "Car model.")],
          ["Where did I park the {model}?", "Locate my {model}.", "Find the {model} on the map.", "Show the {model}'s location."], vary="model"),
        F("car_check_recalls", "Check safety recalls for a model and year.",
          [P("model", "car_model", "Car model."), P("year", "year", "Model year.")],
          ["Any recalls for the {year} {model}?", "Check safety recalls on a {model} from {year}.",
           "Is my {year} {model} affected by a recall?", "Recall check: {model}< model year {year}>."], vary="model"),
        F("car_trade_in_value", "Estimate a car's trade-in value.",
          [P("model", "car_model", "Car model."), P("year", "year", "Model year."), P("mileage_km", "mileage", "Mileage.")],
          ["What's my {year} {model} with {mileage_km} worth as a trade-in?", "Trade-in value for a {model}, {year}, {mileage_km}?",
           "How much would a dealer give for a {year} {model} with {mileage_km}?", "Value my {model}< from {year}> with {mileage_km}."]),
    ]),
    ("events", [
        F("events_search", "Search events in a city on a date.",
          [P("city", "city", "City."), P("date", "date", "Day."), P("kind", "event_type", "Event type.", opt=True),
           P("max_price", "usd", "Highest ticket price.", opt=True)],
          ["What's on in {city} on {date}[? Preferably {kind}][, under {max_price}]?",
           "Find events in {city} on {date}[, ideally {kind}][ below {max_price}].",
           "Anything fun in {city} on {date}?[ I'd like {kind}.]", "Events in {city}< on {date}>[, {kind}][, max {max_price}]?"], vary="city"),
        F("events_buy_tickets", "Buy tickets for an event.",
          [P("event_id", "event_ref", "Event."), P("quantity", "count", "Tickets."), P("tier", "ticket_tier", "Ticket tier.", "general")],
          ["Buy {quantity} tickets for {event_id}[, {tier}].", "Get me {quantity}[ {tier}] tickets to {event_id}.",
           "I want {quantity} seats at {event_id}[ in {tier}].", "Purchase {quantity} tickets< for {event_id}>[, {tier}]."]),
        F("events_create", "Create a public event listing.",
          [P("title", "event_kind", "Event name."), P("venue", "venue", "Venue."), P("date", "date", "Day."),
           P("capacity", "capacity", "Maximum attendees.", opt=True)],
          ["Create an event: {title} at {venue} on {date}[, capacity {capacity}].", "List a {title} at {venue} for {date}[ with room for {capacity}].",
           "Set up a {title} at {venue}, {date}[, max {capacity} people].", "Announce a {title}< at {venue}> on {date}[, {capacity} guests]."]),
        F("events_rsvp", "RSVP to an event.",
          [P("event_id", "event_ref", "Event."), P("attending", "attending", "Going or not."), P("guests", "count", "Extra guests.", 0)],
          ["RSVP to {event_id}: {attending}[, plus {guests} guests].", "For {event_id}, {attending}[; bringing {guests} friends].",
           "Reply to {event_id} that {attending}[ with {guests} guests].", "Mark {event_id}: {attending}[, {guests} extra]."]),
        F("events_venue_info", "Get information about a venue.",
          [P("venue", "venue", "Venue.")],
          ["Tell me about {venue}.", "What's {venue} like?", "How do I get to {venue} and what's the capacity?",
           "Venue details for {venue}, please."], vary="venue"),
        F("events_resell_tickets", "Resell tickets at a price.",
          [P("event_id", "event_ref", "Event."), P("quantity", "count", "Tickets."), P("price_each", "usd", "Price per ticket.")],
          ["Resell {quantity} tickets for {event_id} at {price_each} each.", "List {quantity} tickets for {event_id} at {price_each} apiece.",
           "Sell {quantity} tickets to {event_id}, {price_each} per ticket.", "Put {quantity} tickets< for {event_id}> up for {price_each} each."]),
        F("events_seating_plan", "Show the seating plan and free seats of an event.",
          [P("event_id", "event_ref", "Event."), P("tier", "ticket_tier", "Only this tier.", opt=True)],
          ["Show me the seating plan for {event_id}[, {tier} section].", "Which seats are still free at {event_id}[ in {tier}]?",
           "Seat map for {event_id}[, just {tier}], please.", "What's left at {event_id}[ in the {tier} area]?"], vary="event_id"),
        F("events_waitlist", "Join the waitlist for a sold-out event.",
          [P("event_id", "event_ref", "Event."), P("email", "email", "Where to send the alert."), P("quantity", "count", "Tickets wanted.", 1)],
          ["Put me on the waitlist for {event_id}, email {email}[, {quantity} tickets].",
           "It's sold out: notify {email} about {event_id} if seats free up[ ({quantity} tickets)].",
           "Join the waitlist for {event_id} with {email}[ for {quantity}].", "Waitlist me for {event_id}< at {email}>[, {quantity} seats]."]),
    ]),
]


# ---------------------------------------------------------------------------
# Generation

PLACEHOLDER = re.compile(r"\{(\w+)\}")
OPTIONAL = re.compile(r"\[([^\[\]<>]*)\]")
OMISSIBLE = re.compile(r"<([^<>\[\]]*)>")
# A value stated earlier may be referred back to ("in my city") only after a preposition.
REFERABLE = r"\b(?:in|to|from|for|on|into|at|of|with|under|near|by|about|around|within|over|is) \{%s\}"
CONNECTORS = ["Also, ", "Then ", "And ", "After that, ", "Plus, ", "", ""]
ACKS = ["Got it.", "Noted, thanks.", "Okay, I'll keep that in mind.", "Thanks, good to know."]
NO_TOOL = ["None of the provided functions can {gist}.",
           "The available functions cannot {gist}, so I can't help with this request.",
           "I can't do that: none of the given tools can {gist}."]
NO_VALUE = ["The request does not give the required parameter '{param}' of {fname}; please provide it.",
            "I need a value for '{param}' to call {fname}, but the question does not mention it.",
            "Missing required information: {fname} needs '{param}', which the request does not state."]


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
        where = f"synth.py: {f['name']}"
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
