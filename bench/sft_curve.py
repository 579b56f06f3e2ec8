"""The SFT curve: where plain SFT on synthetic data stops gaining, the model iTool starts from.

    python bench/sft_curve.py                      # runs/plateau/ (hours on 2 CPU cores; resumes)
    python bench/sft_curve.py --curriculum         # and the curriculum warm-up beside the plateau
    python bench/sft_curve.py --curriculum --within-category   # the curriculum ranked within each category
    python bench/sft_curve.py --report-only        # the section and the record from what is on disk
    python bench/sft_curve.py --name plateau2 --plateau-at 500   # the plateau made again, the curve not read

Plain SFT (warmup.py --buckets 1, full fine-tune, lr 5e-5, batches of 4, --max-length 2048, --schedule constant:
the peak lr held after the first epoch's warm-up, since a run read at every point cannot
decay toward an end it does not know) on --train synthetic examples (synth.py, seed 0), read
after 1/8, 1/4, 1/2 and all of the first epoch, then after every further epoch until one adds
less than --min-gain points to the goal score (bench/results.py: the mean over the ten
categories of the synthetic test and BFCL non-live python), at most --max-epochs epochs. Each
read is an evaluation of --curve-limit cases per category on both test sets. The plateau
model is the first checkpoint after which an epoch adds less than --min-gain; if none does,
the last, and the report says the curve did not flatten. Then:

- the plateau model on the whole of both test sets (400 synthetic cases, BFCL's 1240
  non-live python cases): the figures every arm is compared with;
- with --curriculum, the curriculum warm-up (warmup.py's defaults: 3 buckets, a schedule per
  bucket) at the plateau's step count, on every case and paired against the plateau (a call of its
  own, made after the arms of bench/experiments.py, which start from the plateau and need
  not wait for it; never at the same time as them: both rewrite bench/experiments.json); with
  --within-category as well, the curriculum ranked within each category (curriculum-category/),
  so that every stage holds every category.

Layout: RUNS/NAME/data (synth.py), sft/ (the warmup.py run, sft/step-N/ its models),
curriculum/ and curriculum-category/, plateau -> the plateau model, eval/STAGE/{synth,bfcl}.jsonl (eval.py). Every
stage whose output exists is skipped, so running it again resumes. Rows go to
bench/experiments.json as "NAME/STAGE" (`date`, `commit`, `steps`, `start`, `goal`, the
curve's `examples_seen` and `epoch`, both summaries, the per-case results and the model's
`weights_sha256`), and the section `## The SFT curve: runs/NAME` of bench/RESULTS.md is replaced.

--plateau-at N makes the plateau model at a step already found (another run's curve: the same
recipe made again on another machine) and evaluates it, without reading the curve. It is a
new NAME because it is a new model: CPU training is repeatable and exact across pauses at one
thread count, but the float rounding of another thread count or CPU grows, over 500 steps, into
other answers (and warmup.py --buckets 1 takes the data's order since commit 9e9f170, the
perplexity order before). Every row holds its model's `weights_sha256`, which
bench/experiments.py checks.

Simplification: the curve is one run read at its checkpoints, not a run per point (each
point would be its own schedule: 8 runs of up to 5 epochs).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import (BFCL_GOAL, RESULTS, ROOT, case_results, commit, goal_score, latest_date, paired_entry,  # noqa: E402  (bench/results.py)
                     paired_goal, weights_sha256, write_section)

sys.path.insert(0, ROOT)
import common  # noqa: E402

HEADING = "## The SFT curve"
RECORD = os.path.join(ROOT, "bench", "experiments.json")
# --max-length 2048: at warmup.py's 1024, a third of the multiple and parallel_multiple examples (many
# tools in the prompt) would be dropped, and SFT would never see a long prompt
# --save-every 10: a stopped run loses at most 10 steps; resuming is exact, so the weights do not depend on it
SFT_FLAGS = ["--buckets", "1", "--schedule", "constant", "--batch-size", "4", "--max-length", "2048", "--seed", "0",
             "--save-every", "10"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=os.path.join(ROOT, "runs"))
    p.add_argument("--name", default="plateau", help="the run's folder under --runs and its record keys")
    p.add_argument("--model", default=None, help="starting model (default: the embedded SmolLM2-135M-Instruct)")
    p.add_argument("--train", type=int, default=1000, help="synthetic training examples (synth.py, seed 0)")
    p.add_argument("--test", type=int, default=400, help="synthetic test examples")
    p.add_argument("--max-epochs", type=int, default=5)
    p.add_argument("--min-gain", type=float, default=1.0, help="an epoch adding less (goal-score points) ends the curve")
    p.add_argument("--curve-limit", type=int, default=50, help="cases per category at each point of the curve")
    p.add_argument("--full-limit", type=int, default=0, help="cases per category for the plateau model (0 = all)")
    p.add_argument("--warmup-args", default="", help="extra warmup.py flags for every training run (e.g. for tests)")
    p.add_argument("--eval-args", default="", help="extra eval.py flags")
    p.add_argument("--bfcl", default=BFCL_GOAL, help="eval.py --data of the BFCL evaluations")
    p.add_argument("--record", default=RECORD)
    p.add_argument("--results", default=RESULTS, help="RESULTS.md whose section is replaced ('' = none)")
    p.add_argument("--report-only", action="store_true")
    p.add_argument("--plateau-at", type=int, default=0,
                   help="the plateau's step, known from another run of the same recipe: the curve is not read")
    p.add_argument("--curriculum", action="store_true",
                   help="after the plateau (made first if it is not there), the curriculum warm-up at its step count")
    p.add_argument("--within-category", action="store_true",
                   help="with --curriculum: warmup.py --within-category, in curriculum-category/ (row NAME/curriculum-category)")
    args = p.parse_args(argv)
    if args.within_category and not args.curriculum:
        p.error("--within-category needs --curriculum")
    return args


def sh(script, *args):
    cmd = [sys.executable, os.path.join(ROOT, script)] + [str(a) for a in args]
    print("+ " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


class Layout:
    """Where each part of the experiment lives under RUNS/NAME."""

    def __init__(self, args):
        self.root = os.path.join(args.runs, args.name)
        self.data = os.path.join(self.root, "data")
        self.train, self.test = os.path.join(self.data, "train.jsonl"), os.path.join(self.data, "test.jsonl")
        self.sft = os.path.join(self.root, "sft")
        self.curriculum = os.path.join(self.root, "curriculum")
        self.curriculum_category = os.path.join(self.root, "curriculum-category")
        self.plateau = os.path.join(self.root, "plateau")

    def eval(self, stage):
        return os.path.join(self.root, "eval", stage)


def sft_command(args, at):
    return ["--data", at.train, "--out", at.sft, "--epochs", args.max_epochs] + SFT_FLAGS + args.warmup_args.split() + (
        ["--model", args.model] if args.model else [])


def plan(args, at):
    """(steps per epoch, examples seen after each step) of the SFT run: warmup.py's own plan."""
    import training
    import warmup
    wargs = warmup.parse_args([str(a) for a in sft_command(args, at)])
    tokenizer = training.load_tokenizer(training.resolve_model(wargs.model))
    tasks = common.read_tasks(at.train, need_response=True)
    encoded = training.encode_tasks(tokenizer, tasks, at.train, wargs.max_length)
    kept = [i for i, e in enumerate(encoded) if e is not None]
    steps = warmup.plan_steps([kept], [len(e["input_ids"]) if e else 0 for e in encoded], wargs, 1)
    seen = []
    for _, _, micro in steps:
        seen.append((seen[-1] if seen else 0) + sum(len(b) for b in micro))
    return sum(1 for s in steps if s[1] == 0), seen


def model_at(args, at, step, total):
    """The SFT model after `step` steps: sft/step-N/ (warmup.py --pause-at), sft/ after the last."""
    folder = at.sft if step == total else os.path.join(at.sft, f"step-{step}")
    if not os.path.isfile(os.path.join(folder, "config.json")):
        sh("warmup.py", *sft_command(args, at), *(["--pause-at", step] if step < total else []))
    if not os.path.isfile(os.path.join(folder, "config.json")):  # e.g. sft/ already past that step
        raise common.InputError(folder, None, f"warmup.py made no model at step {step}")
    return folder


def evaluate(args, at, model, stage, limit):
    """eval.py on both test sets (skipped where its summary exists); {split: summary}."""
    out = at.eval(stage)
    flags = (["--limit", limit] if limit else []) + args.eval_args.split()
    for split, data in (("synth", at.test), ("bfcl", args.bfcl)):
        if not os.path.isfile(os.path.join(out, split + ".summary.json")):
            sh("eval.py", "--model", model, "--data", data, "--out", os.path.join(out, split + ".jsonl"), *flags)
    return read_eval(at, stage)


def read_eval(at, stage):
    got = {}
    for split in ("synth", "bfcl"):
        path = os.path.join(at.eval(stage), split + ".summary.json")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                got[split] = json.load(f)
    return got if len(got) == 2 else None


def record_row(args, at, stage, **fields):
    """The record's row of one evaluated stage (its figures, its per-case results); a row whose
    per-case results are those on disk is kept as it is, so that its date and commit stay those
    of the measurement."""
    record = read_record(args.record)
    key = f"{args.name}/{stage}"
    got = read_eval(at, stage)
    if got:
        cases = {s: case_results(common.read_jsonl(os.path.join(at.eval(stage), s + ".jsonl"))) for s in got}
        goal = goal_score(got["synth"], got["bfcl"])
        if goal is None:
            raise common.InputError(at.eval(stage), None, "the goal score needs the five categories of both test sets")
        if record.get(key, {}).get("cases") != cases:
            record[key] = dict(fields, date=time.strftime("%Y-%m-%d"), commit=commit(), goal=goal, synth=got["synth"],
                               bfcl=got["bfcl"], cases=cases,
                               weights_sha256=weights_sha256(os.path.join(ROOT, fields["model"])))
            common.write_json(args.record, dict(sorted(record.items())))
    return record.get(key)


def read_record(path):
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise common.InputError(path, e.lineno, f"not JSON ({e.msg})") from None


def curve_points(per_epoch, max_epochs):
    """Steps at which the curve is read: 1/8, 1/4, 1/2 and all of the first epoch, then each epoch."""
    first = [max(1, round(per_epoch * f)) for f in (1 / 8, 1 / 4, 1 / 2)] + [per_epoch]
    return sorted(set(first)) + [per_epoch * e for e in range(2, max_epochs + 1)]


def find_plateau(goals, per_epoch, min_gain):
    """(plateau step, flattened) from {step: goal}: the first epoch checkpoint e after which the
    next epoch adds less than min_gain points; None while no such pair has been read."""
    epochs = sorted(s for s in goals if s % per_epoch == 0)
    for a, b in zip(epochs, epochs[1:]):
        if goals[b] - goals[a] < min_gain:
            return a
    return None


def read_curve(args, at, per_epoch, seen):
    """Train and read the curve until an epoch adds less than --min-gain: (plateau step, flattened);
    if none does within --max-epochs, the last checkpoint, not flattened."""
    goals = {}
    for step in curve_points(per_epoch, args.max_epochs):
        model = model_at(args, at, step, len(seen))
        evaluate(args, at, model, f"sft-step-{step}", args.curve_limit)
        row = record_row(args, at, f"sft-step-{step}", steps=step, start="base", examples_seen=seen[step - 1],
                         epoch=round(step / per_epoch, 4), model=os.path.relpath(model, ROOT))
        goals[step] = row["goal"]
        print(f"== step {step} (epoch {step / per_epoch:g}): goal {row['goal']:.1f}", file=sys.stderr, flush=True)
        plateau = find_plateau(goals, per_epoch, args.min_gain)
        if plateau is not None:
            return plateau, True
    return max(goals), False


def run(args, at):
    if not os.path.isfile(at.test):
        sh("synth.py", "--out", at.data, "--train", args.train, "--test", args.test, "--seed", 0)
    per_epoch, seen = plan(args, at)
    total = len(seen)
    if not 0 <= args.plateau_at <= total:
        raise common.InputError(at.train, None, f"--plateau-at {args.plateau_at}: the run has {total} steps")
    if args.plateau_at:  # known from another run of this recipe: the model is made, the curve not read
        plateau, flattened, start = args.plateau_at, None, "base"
    else:
        plateau, flattened = read_curve(args, at, per_epoch, seen)
        start = f"{args.name}/sft-step-{plateau}"
    model = model_at(args, at, plateau, total)
    if os.path.lexists(at.plateau) and os.path.realpath(at.plateau) != os.path.realpath(model):
        raise common.InputError(at.plateau, None, f"points to another model than {model}; move it away")
    if not os.path.lexists(at.plateau):
        os.symlink(os.path.relpath(model, at.root), at.plateau)
    evaluate(args, at, at.plateau, "plateau", args.full_limit)
    record_row(args, at, "plateau", steps=plateau, start=start,
               examples_seen=seen[plateau - 1], epoch=round(plateau / per_epoch, 4), flattened=flattened,
               model=os.path.relpath(model, ROOT), **({"plateau_at": plateau} if args.plateau_at else {}))
    if args.curriculum:
        curriculum(args, at, plateau, per_epoch, seen)


def curriculum(args, at, plateau, per_epoch, seen):
    # the curriculum warm-up at the plateau's step count: as many epochs of each bucket as the plateau
    # has of the whole set (a bucket's epoch is a third of the steps), cut at the plateau's step
    stage, folder = ("curriculum-category", at.curriculum_category) if args.within_category else ("curriculum", at.curriculum)
    if not os.path.isfile(os.path.join(folder, "config.json")):
        sh("warmup.py", "--data", at.train, "--out", folder, "--batch-size", 4, "--max-length", 2048, "--seed", 0,
           "--epochs", max(1, round(plateau / per_epoch)), "--max-steps", plateau, "--save-every", 10,
           *(["--within-category"] if args.within_category else []),
           *args.warmup_args.split(), *(["--model", args.model] if args.model else []))
    evaluate(args, at, folder, stage, args.full_limit)  # the plateau's cases: the two pair
    with open(os.path.join(folder, "metrics.jsonl"), encoding="utf-8") as f:
        steps = sum(1 for line in f if line.strip())
    plain = read_record(args.record).get(f"{args.name}/plateau") or {}
    row = record_row(args, at, stage, steps=steps, start="base", examples_seen=seen[plateau - 1],
                     epoch=round(plateau / per_epoch, 4), model=os.path.relpath(folder, ROOT),
                     **({"within_category": True} if args.within_category else {}))
    g = row and "paired" not in row and plain.get("cases") and paired_goal(row["cases"], plain["cases"])
    if g:
        record = read_record(args.record)
        record[f"{args.name}/{stage}"]["paired"] = paired_entry(g, f"{args.name}/plateau")
        common.write_json(args.record, dict(sorted(record.items())))


def pct(x):
    return "" if x is None else f"{100 * x:.1f}"


def curve_table(curve):
    """The curve's rows as a markdown table."""
    lines = ["| step | epoch | examples seen | goal score | synthetic test | BFCL non-live | irrelevance (synthetic, BFCL) "
             "| measured | commit |", "|---|---|---|---|---|---|---|---|---|"]
    for r in curve:
        lines.append(f"| {r['steps']} | {r['epoch']:g} | {r['examples_seen']} | {r['goal']:.1f} | {pct(r['synth']['accuracy'])} | "
                     f"{pct(r['bfcl']['non_live'])} | {pct(r['synth']['irrelevance'])}, {pct(r['bfcl']['irrelevance'])} "
                     f"| {r['date']} | {r.get('commit') or ''} |")
    return lines


def curriculum_line(curriculum, plateau):
    """The curriculum warm-up against the plateau (plain SFT at the same steps), in a sentence."""
    p = curriculum.get("paired")
    how = ("3 buckets by perplexity within each category (--within-category), easy to hard, a schedule each"
           if curriculum.get("within_category") else "warmup.py's defaults: 3 buckets by perplexity, easy to hard, a schedule each")
    return (f"The curriculum warm-up ({how}) at "
            f"the plateau's {curriculum['steps']} steps, on all cases: goal score {curriculum['goal']:.1f}, synthetic "
            f"{pct(curriculum['synth']['accuracy'])}, BFCL non-live {pct(curriculum['bfcl']['non_live'])}" + (
                f"; against plain SFT's plateau ({plateau['goal']:.1f}): {p['diff']:+.1f} ({p['low']:+.1f} to "
                f"{p['high']:+.1f})" if p and plateau else "") + ".")


def report(args):
    """The section of RESULTS.md from the record's rows of this run."""
    record = read_record(args.record)
    prefix = f"{args.name}/"
    curve = sorted((r for k, r in record.items() if k.startswith(prefix + "sft-step-")), key=lambda r: r["steps"])
    plateau = record.get(prefix + "plateau")
    curricula = [record[prefix + s] for s in ("curriculum", "curriculum-category") if prefix + s in record]
    if not curve and not plateau:
        raise common.InputError(args.record, None, f"no row {prefix}sft-step-* or {prefix}plateau yet")
    command = "python bench/sft_curve.py" + (f" --name {args.name}" if args.name != "plateau" else "") + (
        f" --plateau-at {plateau['plateau_at']}" if plateau and plateau.get("plateau_at") else "")
    lines = [f"{HEADING}: runs/{args.name} ({latest_date(curve + [plateau] + curricula)})", "",
             f"Command: `{command}` (rows `{prefix}*` of "
             "bench/experiments.json). Plain SFT (`warmup.py --buckets 1 --schedule constant --batch-size 4 --max-length 2048`, full "
             "fine-tune, lr 5e-5) of SmolLM2-135M-Instruct on synth.py's training split" + (
                 ", read at each point on the "
                 f"first {curve[0]['synth']['categories']['simple']['n']} cases of each category of both test sets" if curve
                 else "") + ". Goal score: the mean over the ten categories (bench/results.py).", "",
             *(curve_table(curve) + [""] if curve else [])]
    if plateau:
        lines.append(f"- Plateau: step {plateau['steps']} (epoch {plateau['epoch']:g}); " + (
            f"the next epoch adds less than {args.min_gain:g} point." if plateau.get("flattened") else
            "given (--plateau-at), not read from a curve here." if plateau.get("plateau_at") else
            f"the curve did not flatten within {args.max_epochs} epochs: the last checkpoint."))
        lines.append(f"- The plateau model on all cases ({plateau['synth']['n']} synthetic, {plateau['bfcl']['n']} "
                     f"BFCL): goal score {plateau['goal']:.1f}, synthetic {pct(plateau['synth']['accuracy'])}, BFCL "
                     f"non-live {pct(plateau['bfcl']['non_live'])}, per category " + ", ".join(
                         f"{s} {c} {pct(v['accuracy'])}" for s in ("synth", "bfcl")
                         for c, v in plateau[s]["categories"].items()) + ".")
        lines += ["- " + curriculum_line(c, plateau) for c in curricula]
    else:
        epoch_one = next((r for r in curve if r["epoch"] == 1), None)
        found = epoch_one and find_plateau({r["steps"]: r["goal"] for r in curve}, epoch_one["steps"], args.min_gain)
        lines.append(f"- Plateau: step {found} (epoch {found // epoch_one['steps']}); the next epoch adds less than "
                     f"{args.min_gain:g} point. Its evaluation on every case is not in the record yet." if found else
                     "- No plateau yet: the curve is still being read.")
    section = "\n".join(lines) + "\n"
    print(section)
    if args.results:
        write_section(args.results, f"{HEADING}: runs/{args.name}", section)


def main():
    args = parse_args()
    at = Layout(args)
    if not args.report_only:
        run(args, at)
    report(args)


if __name__ == "__main__":
    common.run_main(main)
