"""Does iTool work? The experiments, each a run.sh run one setting away from the reference.

    python bench/experiments.py                          # all of them (many hours on 2 CPU cores)
    python bench/experiments.py --only itool,sft_equal   # some; finished runs are reused
    python bench/experiments.py --smoke                  # every experiment on a tiny random model
    EVAL=0 python bench/experiments.py --only itool      # train only; evaluate later (another process)

1. Equal compute: iTool (warm-up + K iterations, the reference run) against SFT continued
   from the same warm-up for exactly the optimizer steps of iTool's preference stages
   (`sft_continued`), and against SFT from scratch for as many steps as the warm-up and
   the preference stages together (`sft_equal`). Each row gets the paired comparison with
   `sft_continued` on the same cases: cases gained and lost, and a bootstrap interval of
   the accuracy difference (bench/results.py's `paired`).
2. Training-gain decay: SFT on 25%, 50%, 100% and 200% of the training data (`sft_25`,
   `sft_50`, the reference warm-up, `sft_200`); accuracy against data size with iTool on
   the same axes, drawn to bench/scaling.svg.
3. Ablations, one flag each: no warm-up (`abl_nowarmup`), random selection
   (`abl_random`), `--reward judge` (`abl_judge`), `--span full` (`abl_fullspan`),
   `--loss dpo` (`abl_dpo`), `--gold-sibling` at the reference's preference steps
   (`itool_gold`), the same with `--sft-weight 1` (`itool_gold_sft`) and as a full fine-tune
   (`itool_gold_sft_full`), and the published MCTS and pair settings together (`abl_published`).

Every run lives in RUNS/PREFIX-NAME/ (run.sh's layout) and is skipped stage by stage
when it exists, so the script resumes. Runs that share a stage with the reference share
its output (symlinks): the base model's evaluation always, the warm-up and its
evaluation for the ablations that start from it, and iteration 1's trees for those that
change only prefs.py or train_pref.py; all use the reference's data. The
settings are run.sh's defaults at a larger scale (SCALE below: 200 training and 100 test
examples, 60 trees per iteration, only the last iteration evaluated) with EVAL_LIMIT=100
(at least 100 cases per category) unless --eval-limit says otherwise; any run.sh variable
set in the environment wins. Writes (replaces) the section `## Experiments` of
bench/RESULTS.md. Run folders may not outlive a machine, so every evaluated stage's figures
are also kept in bench/experiments.json (commit it): a run whose folder is gone keeps its
row, marked with the date it was measured, and runs made on different machines add up
to one table (`--report-only` redraws it).

Simplification: the 200% data is the reference training file plus as many examples
again from synth.py with another seed (same training functions), so that each smaller
set is the head of the next one.
"""
import argparse
import filecmp
import json
import math
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
import eval as itool_eval  # noqa: E402
import results  # noqa: E402  (bench/results.py)
from results import case_results, paired, paired_goal, write_section  # noqa: E402

HEADING = "## Experiments"
ABLATIONS = {  # name: (what differs, environment for run.sh on top of the reference's)
    "abl_nowarmup": ("no warm-up", {"WARMUP": "0"}),
    "abl_random": ("random selection", {"MCTS_ARGS": "+--select random"}),
    "abl_judge": ("--reward judge", {"MCTS_ARGS": "+--reward judge"}),
    "abl_fullspan": ("--span full", {"PREFS_ARGS": "+--span full"}),
    "abl_dpo": ("--loss dpo", {"PREF_ARGS": "+--loss dpo"}),
    # the gold sibling gives about 4.5 pairs a tree, 3 epochs of them ~200 steps an iteration: capped
    # at 36, so that its 2 preference stages take the reference run's 72 steps (45 + 27, measured
    # 2026-12-03) and SFT continued stays its equal-step control
    "itool_gold": ("--gold-sibling, 36 preference steps an iteration",
                   {"MCTS_ARGS": "+--gold-sibling", "PREF_ARGS": "+--max-steps 36"}),
    # the published tree and pairs: T 1.5 without min-p, the judge reward over walked simulations,
    # the worst sibling rejected, summed values, the min-overlap measure; 440 pairs in iteration 1
    # (330 planned steps, measured 2026-12-03), capped as itool_gold is
    "abl_published": ("published MCTS and pair settings, 36 preference steps an iteration",
                      {"MCTS_ARGS": "+--min-p 0 --reward judge --simulate walk",
                       "PREFS_ARGS": "+--rejected worst --values sum --overlap min", "PREF_ARGS": "+--max-steps 36"}),
    # the gold sibling's pairs with the chosen side's NLL beside SimPO (the term that kept the
    # answer format in the one-iteration lever runs), at itool_gold's 36 steps an iteration
    "itool_gold_sft": ("--gold-sibling and --sft-weight 1, 36 preference steps an iteration",
                       {"MCTS_ARGS": "+--gold-sibling", "PREF_ARGS": "+--max-steps 36 --sft-weight 1"}),
    # itool_gold_sft with every weight trained, as SFT continued trains them: LoRA rank 8 moves the
    # model less per step than the full fine-tune of its equal-step control; lr 2e-5, not LoRA's 1e-4
    "itool_gold_sft_full": ("--gold-sibling and --sft-weight 1 as a full fine-tune (--lora-rank 0, lr 2e-5), 36 steps an iteration",
                            {"MCTS_ARGS": "+--gold-sibling",
                             "PREF_ARGS": "+--max-steps 36 --sft-weight 1 --lora-rank 0 --lr 2e-5"}),
}
# run.sh's default budget is sized to show the loop in about 30 minutes; reported figures need more
# data, more trees and 100 cases per category. The evaluation of intermediate iterations is
# skipped: at ~3 s a case it would double the cost of every iTool run.
SCALE = {"N_TRAIN": "200", "N_TEST": "100", "MCTS_ARGS": "--limit 60 --batch-trees 16 --temperature 1.5 --min-p 0.05",
         "EVAL_ITERS": "last"}
ALL = ["itool", "sft_equal", "sft_continued", "sft_25", "sft_50", "sft_200"] + list(ABLATIONS)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=os.path.join(ROOT, "runs"), help="run.sh's RUNS folder")
    p.add_argument("--prefix", default="exp", help="run names are PREFIX-itool, PREFIX-sft_equal, ...")
    p.add_argument("--only", default=",".join(ALL), help=f"comma-separated, from: {', '.join(ALL)}")
    p.add_argument("--k", type=int, default=2, help="iTool iterations after the warm-up")
    p.add_argument("--eval-limit", type=int, default=100, help="cases per category of every evaluation")
    p.add_argument("--smoke", action="store_true", help="run.sh's SMOKE=1: a tiny model, minutes in all")
    p.add_argument("--report-only", action="store_true", help="run nothing; tabulate the finished runs")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    p.add_argument("--record", help="every evaluated stage's figures, kept across machines "
                   "(default: bench/experiments.json; with --smoke, RUNS/PREFIX-record.json)")
    p.add_argument("--readme", help="also regenerate the table between README's markers (e.g. README.md)")
    p.add_argument("--svg", help="the scaling curve (default: bench/scaling.svg; with --smoke, RUNS/PREFIX-scaling.svg)")
    args = p.parse_args()
    unknown = set(args.only.split(",")) - set(ALL)
    if unknown:
        p.error(f"unknown experiment(s): {', '.join(sorted(unknown))}")
    return args


def run_sh(args, name, **env):
    """One run.sh run; a value starting with + is appended to the variable's default."""
    base = dict(os.environ)
    base.pop("DATA", None)  # the reference makes its data; the others get it explicitly
    base.update(RUNS=args.runs, NAME=f"{args.prefix}-{name}", K=str(args.k),
                SMOKE="1" if args.smoke else "0")
    if not args.smoke:
        base.setdefault("EVAL_LIMIT", str(args.eval_limit))
        for key, value in SCALE.items():
            base.setdefault(key, value)
    defaults = run_sh_defaults(base)
    for key, value in env.items():
        base[key] = (defaults[key] + " " + value[1:]).strip() if value.startswith("+") else value
    print(f"== {name}: " + " ".join(f"{k}={v!r}" for k, v in env.items()), file=sys.stderr)
    t0 = time.time()
    if subprocess.run(["bash", os.path.join(ROOT, "run.sh")], env=base, cwd=ROOT).returncode:
        sys.exit(f"error: the run.sh run {base['NAME']} failed (its messages are above)")
    print(f"== {name} finished in {time.time() - t0:.0f} s", file=sys.stderr)


def run_sh_defaults(env):
    """The settings run.sh would use in environment `env` (`bash run.sh settings`), so '+flag' can extend them."""
    out = subprocess.run(["bash", os.path.join(ROOT, "run.sh"), "settings"], env=dict(env, SETUP="0"), capture_output=True,
                         text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def folder(args, name):
    return os.path.join(args.runs, f"{args.prefix}-{name}")


def share(args, name, *parts, to=None):
    """Link the reference run's output `parts` into run `name` (as `to`, default the same parts),
    so run.sh skips that stage."""
    src, dst = os.path.join(folder(args, "itool"), *parts), os.path.join(folder(args, name), *(to or parts))
    if not os.path.exists(src) and parts[0] == "eval" and os.environ.get("EVAL") == "0":
        return  # evaluations come later (run.sh's EVAL=0); the EVAL=1 run links them
    if not os.path.exists(src):
        raise common.InputError(src, None, "the reference run (itool) has not made this yet")
    if not os.path.lexists(dst):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.symlink(os.path.abspath(src), dst)


def count_lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def optimizer_steps(run, k_max):
    """Optimizer steps of a run: warm-up plus every iteration's preference training."""
    paths = [os.path.join(run, "warmup", "metrics.jsonl")]
    paths += [os.path.join(run, f"iter{k}", "model", "metrics.jsonl") for k in range(1, k_max + 1)]
    return {os.path.relpath(os.path.dirname(p), run): count_lines(p) for p in paths if os.path.isfile(p)}


def steps_before(run):
    """Optimizer steps of the trained model a run's warm-up started from (sft_continued starts
    from the reference's warm-up), 0 when it started from a base model."""
    path = os.path.join(run, "warmup", "run.json")
    if not os.path.isfile(path):
        return 0
    with open(path, encoding="utf-8") as f:
        try:
            start = json.load(f).get("config", {}).get("model") or ""
        except json.JSONDecodeError as e:
            raise common.InputError(path, e.lineno, f"not JSON ({e.msg})") from None
    metrics = os.path.join(start, "metrics.jsonl")
    return count_lines(metrics) if os.path.isfile(metrics) else 0


def scaled_data(args, ref_data, size, name):
    """A data folder with the head `size` rows of the reference training split (extended
    with synth.py --seed 1000 rows past 100%) and the reference test split."""
    out = os.path.join(folder(args, name), "data")
    if os.path.isfile(os.path.join(out, "test.jsonl")):
        return out
    rows = common.read_jsonl(os.path.join(ref_data, "train.jsonl"))
    if size > len(rows):
        extra = os.path.join(args.runs, f"{args.prefix}-extra-data")
        subprocess.run([sys.executable, os.path.join(ROOT, "synth.py"), "--out", extra, "--train",
                        str(size - len(rows)), "--test", "0", "--seed", "1000"], check=True, stdout=subprocess.DEVNULL)
        rows += [dict(r, id="extra-" + r["id"]) for r in common.read_jsonl(os.path.join(extra, "train.jsonl"))]
    os.makedirs(out, exist_ok=True)
    common.write_jsonl(os.path.join(out, "train.jsonl"), rows[:size])
    shutil.copyfile(os.path.join(ref_data, "test.jsonl"), os.path.join(out, "test.jsonl"))
    return out


def stage_eval(run, stage):
    """(synthetic summary, BFCL summary) of one stage of a run, or None while either is missing."""
    got = itool_eval.stage_summaries(os.path.join(run, "eval"), stage)
    return (got["synth"], got["bfcl"]) if len(got) == 2 else None


def run_all(args):
    todo = args.only.split(",")
    ref = folder(args, "itool")
    ref_data = os.path.join(ref, "data")
    # Every other run shares stages with the reference; leaving it out of --only lets another
    # process run it meanwhile (the shared stages must exist by the time they are needed).
    if "itool" in todo:
        run_sh(args, "itool")
    elif not os.path.isfile(os.path.join(ref_data, "test.jsonl")):
        raise common.InputError(ref_data, None, "the reference run (itool) has not made its data yet")
    if "sft_equal" in todo:
        # Plain SFT (one bucket, reshuffled every epoch) for as many steps as iTool took in all;
        # repeating the curriculum would train its easy bucket many times before the hard one.
        if not all(os.path.exists(os.path.join(ref, f"iter{k}", "pairs.jsonl")) for k in range(1, args.k + 1)):
            raise common.InputError(ref, None, f"the reference run has not finished its {args.k} iterations yet")
        steps = sum(optimizer_steps(ref, args.k).values())
        share(args, "sft_equal", "eval", "base")
        # --epochs is only an upper bound (an epoch is at least one step); --max-steps cuts the plan
        run_sh(args, "sft_equal", K="0", DATA=ref_data,
               WARMUP_ARGS=f"+--buckets 1 --epochs {steps} --max-steps {steps}")
    if "sft_continued" in todo:
        # SFT from the warm-up for exactly the optimizer steps of iTool's preference stages
        steps = sum(v for k, v in optimizer_steps(ref, args.k).items() if k != "warmup")
        share(args, "sft_continued", "eval", "warmup", to=("eval", "base"))  # its starting model is the warm-up
        run_sh(args, "sft_continued", K="0", DATA=ref_data, MODEL=os.path.join(ref, "warmup"),
               WARMUP_ARGS=f"+--buckets 1 --epochs {steps} --max-steps {steps}")
    n_train = count_lines(os.path.join(ref_data, "train.jsonl"))
    for name, frac in (("sft_25", 0.25), ("sft_50", 0.5), ("sft_200", 2.0)):
        if name in todo:
            share(args, name, "eval", "base")
            run_sh(args, name, K="0", DATA=scaled_data(args, ref_data, round(frac * n_train), name))
    for name, (_, env) in ABLATIONS.items():
        if name in todo:
            share(args, name, "eval", "base")
            if env.get("WARMUP") != "0":
                share(args, name, "warmup")
                share(args, name, "eval", "warmup")
            if set(env) <= {"PREFS_ARGS", "PREF_ARGS"}:
                # same policy, data and mcts flags: iteration 1's trees are the reference's
                for part in ("trees.jsonl", "trees.jsonl.selected.json", "mcts.done"):
                    share(args, name, "iter1", part)
            run_sh(args, name, DATA=ref_data, **env)


def svg_scaling(points, itool, path):
    """Accuracy (%) against training examples (log scale): SFT as lines, iTool as dots."""
    w, h, left, right, top, bottom = 640, 380, 60, 170, 20, 50
    xs = [n for n, _, _ in points] + ([itool[0]] if itool else [])
    lo, hi = math.log2(min(xs)), math.log2(max(xs))
    X = lambda n: left + (w - left - right) * ((math.log2(n) - lo) / ((hi - lo) or 1))  # noqa: E731
    # the y axis ends at the first multiple of 20% at least 5 points above the best point (ticks every
    # 5% or more), so that a small model's curves are not flat along the bottom
    values = [v for _, *p in points for v in p if v is not None] + [v for v in (itool or ())[1:] if v is not None]
    ymax = min(1.0, math.ceil(5 * (max(values, default=0) + 0.05)) / 5)
    Y = lambda a: top + (h - top - bottom) * (1 - a / ymax)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
           f'font-size="12"><rect width="{w}" height="{h}" fill="white"/>']
    for a in (ymax * i / 4 for i in range(5)):
        out.append(f'<line x1="{left}" y1="{Y(a):.1f}" x2="{w - right}" y2="{Y(a):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 8}" y="{Y(a) + 4:.1f}" text-anchor="end">{100 * a:g}</text>')
    for n in sorted(set(xs)):
        out.append(f'<text x="{X(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">training examples '
               f'(log scale)</text><text x="14" y="{(top + h - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(top + h - bottom) / 2})">accuracy (%)</text>')
    for i, (label, color) in enumerate((("synthetic test", "#1f77b4"), ("BFCL non-live", "#d62728"))):
        line = " ".join(f"{X(n):.1f},{Y(p[i]):.1f}" for n, *p in points if p[i] is not None)
        out.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
        out += [f'<circle cx="{X(n):.1f}" cy="{Y(p[i]):.1f}" r="3" fill="{color}"/>' for n, *p in points
                if p[i] is not None]
        if itool and itool[1 + i] is not None:
            out.append(f'<path d="M{X(itool[0]) - 6:.1f},{Y(itool[1 + i]):.1f} l6,-6 l6,6 l-6,6 z" fill="{color}"/>')
        y = top + 10 + 36 * i
        out.append(f'<line x1="{w - right + 15}" y1="{y}" x2="{w - right + 35}" y2="{y}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{w - right + 40}" y="{y + 4}">SFT, {label}</text>'
                   f'<path d="M{w - right + 19},{y + 18} l6,-6 l6,6 l-6,6 z" fill="{color}"/>'
                   f'<text x="{w - right + 40}" y="{y + 22}">iTool, {label}</text>')
    out.append("</svg>")
    with common.atomic_write(path) as f:
        f.write("\n".join(out) + "\n")


def same_pairs(ref, run, k):
    """True when every iteration 1..k of `run` trained on exactly the reference's pairs."""
    paths = [(os.path.join(ref, f"iter{i}", "pairs.jsonl"), os.path.join(run, f"iter{i}", "pairs.jsonl"))
             for i in range(1, k + 1)]
    return all(os.path.isfile(b) and filecmp.cmp(a, b, shallow=False) for a, b in paths)


def final_stage(record, run, k):
    """The stage whose evaluation is the run's final model: iteration k's, unless no iteration
    found a pair (run.sh then trains nothing), when it is the model the iterations started
    from, the warm-up or the base model. A run whose folder is gone: the stage its record kept."""
    if not os.path.isdir(run):
        kept = [s for s in (f"iter{k}", "warmup", "base") if f"{os.path.basename(run)}/{s}" in record]
        return kept[0] if kept else f"iter{k}"
    pairs = [os.path.join(run, f"iter{i}", "pairs.jsonl") for i in range(1, k + 1)]
    if not all(os.path.isfile(p) and os.path.getsize(p) == 0 for p in pairs):
        return f"iter{k}"
    return "warmup" if os.path.exists(os.path.join(run, "warmup")) else "base"


def measured(record, run, stage):
    """({"synth", "bfcl", "steps", "n_train", "date"}, on_disk) of one evaluated stage: read
    from the run folder when its evaluation is there (and stored in `record`), else the
    figures `record` kept from an earlier run (run folders may not outlive the machine),
    else (None, False)."""
    key = f"{os.path.basename(run)}/{stage}"
    got = stage_eval(run, stage)
    if got:
        k = int(stage[4:]) if stage.startswith("iter") else 0
        train = os.path.join(run, "data", "train.jsonl")
        old = record.get(key, {})
        same = old.get("synth") == got[0] and old.get("bfcl") == got[1]
        record[key] = {"synth": got[0], "bfcl": got[1], "date": old["date"] if same else time.strftime("%Y-%m-%d"),
                       "steps": sum(optimizer_steps(run, k).values()) + steps_before(run) if stage != "base" else 0,
                       "n_train": count_lines(train) if os.path.isfile(train) else None}
        rows = {s: os.path.join(run, "eval", stage, s + ".jsonl") for s in ("synth", "bfcl")}
        if all(os.path.isfile(p) for p in rows.values()):  # per case, for the paired comparison
            record[key]["cases"] = {s: case_results(common.read_jsonl(p)) for s, p in rows.items()}
    return record.get(key), bool(got)


def report(args):
    ref = folder(args, "itool")
    readme = read_readme(args.readme) if args.readme and not args.smoke else None  # bad markers: before any write
    # Every evaluated stage is also kept in a committed record, so that experiments run on
    # different machines (each a few hours of the 2 cores) add up to one table.
    record_path = args.record or (os.path.join(args.runs, f"{args.prefix}-record.json") if args.smoke
                                  else os.path.join(ROOT, "bench", "experiments.json"))
    record = {}
    if os.path.isfile(record_path):
        with open(record_path, encoding="utf-8") as f:
            try:
                record = json.load(f)
            except json.JSONDecodeError as e:
                raise common.InputError(record_path, e.lineno, f"not JSON ({e.msg})") from None
    final, _ = measured(record, ref, f"iter{args.k}")
    if not final:
        raise common.InputError(ref, None, f"no evaluation of iteration {args.k} of the reference run yet")
    entries = [("base model", ref, "base"), ("SFT, 100% data (the warm-up)", ref, "warmup")]
    entries += [(f"iTool: warm-up + {args.k} iterations", ref, f"iter{args.k}"),
                ("SFT, equal optimizer steps", folder(args, "sft_equal"), "warmup"),
                (f"SFT continued from the warm-up for iTool's {args.k} preference stages' steps",
                 folder(args, "sft_continued"), "warmup")]
    entries += [(f"SFT, {name[4:]}% data", folder(args, name), "warmup") for name in ("sft_25", "sft_50", "sft_200")]
    entries += [(f"iTool, {what}", folder(args, name), final_stage(record, folder(args, name), args.k))
                for name, (what, _) in ABLATIONS.items()]
    cats = list(final["bfcl"]["categories"])
    head = ["run", "stage", "optimizer steps", "synthetic test"] + cats + [
        "BFCL non-live", "errors (synthetic + BFCL)", "mean(synthetic, BFCL non-live)",
        "goal score against SFT continued: difference (95% interval)",
        "against SFT continued, all cases: gained / lost, difference (95% interval)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    short = []  # (label, figures, goal score, paired goal) per row, for README's table
    sft = measured(record, folder(args, "sft_continued"), "warmup")[0] or {}
    for label, run, stage in entries:
        got, on_disk = measured(record, run, stage)
        if not got:
            if os.path.isdir(run):  # started but not finished, or an iteration without pairs
                why = f"{stage}: missing"
                if run != ref and same_pairs(ref, run, args.k):
                    why += f" (its pairs are byte-identical to the reference's in iterations 1-{args.k}: the same model)"
                rows.append("| " + " | ".join([label, why] + [""] * (len(head) - 2)) + " |")
            continue
        when = "" if on_disk else f" (measured {got['date']})"
        if label.startswith("iTool, ") and not stage.startswith("iter"):
            when += f", no pair in iterations 1-{args.k}"
        cells = itool_eval.table_cells({"synth": got["synth"], "bfcl": got["bfcl"]}, cats)
        score = goal_score(got)
        cells.append(f"{100 * score:.1f}" if score is not None else "")
        own = run == folder(args, "sft_continued")
        both = "cases" in got and "cases" in sft and not own
        g = paired_goal(got["cases"], sft["cases"]) if both else None
        cells.append(f"{g['difference']:+.1f} ({g['low']:+.1f} to {g['high']:+.1f})" if g else "")
        vs = paired(got["cases"], sft["cases"]) if both else None
        cells.append(f"{vs['gained']} / {vs['lost']}, {vs['difference']:+.1f} ({vs['low']:+.1f} to {vs['high']:+.1f})"
                     if vs else "")
        rows.append("| " + " | ".join([label, stage + when, str(got["steps"])] + cells) + " |")
        short.append((label, got, score, g))
    curve = []
    for name in ("sft_25", "sft_50", None, "sft_200"):
        got, _ = measured(record, ref if name is None else folder(args, name), "warmup")
        if got and got["n_train"]:
            curve.append((got["n_train"], got["synth"]["accuracy"], got["bfcl"]["non_live"]))
    notes = []  # what the iTool runs trained on and how the outputs moved from the warm-up
    for label, run, stage in entries:
        name = os.path.basename(run)
        if label.startswith("iTool") and os.path.isdir(run):
            pairs = pair_labels(run, args.k)
            if pairs:
                record[f"{name}/pairs"] = pairs
        if record.get(f"{name}/pairs") and stage.startswith("iter"):  # not the base and warm-up rows of the same run
            notes.append(f"- {label}: pairs trained on (error of the rejected side): " + "; ".join(
                f"{it} {p['n']} ({', '.join(f'{e} {c}' for e, c in p['errors'].items()) or 'none'})"
                for it, p in record[f"{name}/pairs"].items()))
        # the model each run started from is the reference's warm-up (or its own, for an ablation)
        continued = run == folder(args, "sft_continued")
        if stage.startswith("iter") or continued:
            start = ref if continued else run
            moved = output_changes(os.path.join(start, "eval", "warmup"), os.path.join(run, "eval", stage))
            if moved:
                record[f"{name}/changes"] = moved
            m = record.get(f"{name}/changes")
            if m:
                notes.append(f"- {label}: outputs that differ from the warm-up's: {m['changed']} of {m['n']} cases "
                             f"({m['gained']} now right, {m['lost']} now wrong); most frequent error moves: "
                             + (", ".join(f"{a} -> {b} {c}" for a, b, c in m["moves"]) or "none"))
    arms = [(label, g) for label, _, _, g in short if label.startswith("iTool") and g]
    if arms:
        met = [label for label, g in arms if g["difference"] >= 2 and g["low"] > 0]
        label, g = max(arms, key=lambda a: a[1]["difference"])
        notes.append("- Goal (an iTool arm at least 2 points above SFT continued on mean(synthetic, BFCL non-live), "
                     "its paired interval above zero): " + (f"met by {', '.join(met)}" if met else
                                                             f"not met; best {label}: {g['difference']:+.1f} "
                                                             f"({g['low']:+.1f} to {g['high']:+.1f})"))
    common.write_json(record_path, dict(sorted(record.items())))
    svg = args.svg or (os.path.join(args.runs, f"{args.prefix}-scaling.svg") if args.smoke
                       else os.path.join(ROOT, "bench", "scaling.svg"))
    if len(curve) >= 2:
        svg_scaling(curve, (final["n_train"], final["synth"]["accuracy"], final["bfcl"]["non_live"]), svg)
    cmd = "python bench/experiments.py" + (" --smoke" if args.smoke else "") + (
        f" --prefix {args.prefix}" if args.prefix not in ("exp", "exp-smoke") else "") + (
        f" --k {args.k}" if args.k != 2 else "") + (f" --eval-limit {args.eval_limit}" if args.eval_limit != 100 else "")
    section = "\n".join([
        f"{HEADING} ({time.strftime('%Y-%m-%d')})", "",
        f"Command: `{cmd}` (runs in {args.runs}/{args.prefix}-*; accuracy in %; optimizer steps of the "
        "warm-up and preference training that made the model)", "",
        *rows, "", *notes, *([""] if notes else []),
        f"Accuracy against training data: `{os.path.relpath(svg, ROOT)}`" if len(curve) >= 2 else
        "Accuracy against training data: not enough SFT runs yet for the curve.", ""])
    print(section)
    if not args.smoke:  # the smoke run checks the plumbing; its numbers mean nothing
        write_section(args.results, HEADING, section)
        if readme is not None:
            write_readme_table(args.readme, readme, short, cmd)


def pair_labels(run, k):
    """{iteration: {"n", "errors": {error label of the rejected side: count}}} of a run's pairs."""
    out = {}
    for i in range(1, k + 1):
        path = os.path.join(run, f"iter{i}", "pairs.jsonl")
        if os.path.isfile(path):
            labels = [r.get("error") or "none" for r in common.read_jsonl(path)]
            out[f"iter{i}"] = {"n": len(labels), "errors": dict(sorted(
                {e: labels.count(e) for e in set(labels)}.items(), key=lambda kv: (-kv[1], kv[0])))}
    return out


def output_changes(before, after):
    """How the outputs moved between two evaluations of the same cases (eval.py's per-case
    rows of both splits): {"n", "changed", "gained", "lost", "moves": [[error before, error
    after, count], ...] (the five most frequent, "right" for no error)}, or None."""
    old, new = {}, {}
    for split in ("synth", "bfcl"):
        for got, folder_ in ((old, before), (new, after)):
            path = os.path.join(folder_, split + ".jsonl")
            if not os.path.isfile(path):
                return None
            got.update({(split, r["id"]): r for r in common.read_jsonl(path)})
    if set(old) != set(new):
        return None
    changed = [key for key in old if old[key]["output"] != new[key]["output"]]
    moves = {}
    for key in changed:
        move = (old[key]["error_type"] or "right", new[key]["error_type"] or "right")
        if move[0] != move[1]:
            moves[move] = moves.get(move, 0) + 1
    top = sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return {"n": len(old), "changed": len(changed),
            "gained": sum(new[key]["valid"] and not old[key]["valid"] for key in changed),
            "lost": sum(old[key]["valid"] and not new[key]["valid"] for key in changed),
            "moves": [[a, b, c] for (a, b), c in top]}


def goal_score(got):
    """The goal score of one row as a fraction (results.goal_score), or None."""
    score = results.goal_score(got["synth"], got["bfcl"])
    return None if score is None else score / 100


README_START, README_END = "<!-- experiments table: start -->", "<!-- experiments table: end -->"


def read_readme(path):
    """README's text, refused in one line when it lacks the table's two markers."""
    text = open(path, encoding="utf-8").read()
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        raise common.InputError(path, None, f"no '{README_START}' ... '{README_END}' markers for the table")
    return text


def write_readme_table(path, text, short, cmd):
    """README's results table, between its two markers, from the same rows as bench/RESULTS.md."""
    a, b = text.find(README_START), text.find(README_END)
    lines = ["| run | measured | optimizer steps | synthetic test | BFCL non-live | mean | against SFT continued "
             "(95% interval) |", "|---|---|---|---|---|---|---|"]
    for label, got, score, g in short:
        pct = lambda x: f"{100 * x:.1f}" if x is not None else "n/a"  # noqa: E731
        lines.append(f"| {label} | {got['date']} | {got['steps']} | {pct(got['synth'].get('accuracy'))} | "
                     f"{pct(got['bfcl'].get('non_live'))} | {pct(score)} | "
                     + (f"{g['difference']:+.1f} ({g['low']:+.1f} to {g['high']:+.1f})" if g else "") + " |")
    body = "\n".join([README_START, f"Generated by `{cmd} --report-only --readme README.md` from "
                      "`bench/experiments.json`.", "", *lines, README_END])
    with common.atomic_write(path) as f:
        f.write(text[:a] + body + text[b + len(README_END):])


def main():
    args = parse_args()
    if args.smoke and args.prefix == "exp":
        args.prefix = "exp-smoke"
    if not args.report_only:
        run_all(args)
    if os.environ.get("EVAL") == "0":
        print("EVAL=0: nothing evaluated yet; run again without it for the evaluations and the table", file=sys.stderr)
        return
    report(args)


if __name__ == "__main__":
    common.run_main(main)
