"""Does iTool move a model where more SFT no longer does? The arms, each a run.sh run from a
series' start (the plateau model of bench/sft_curve.py, or that model annealed) at equal
optimizer steps, and the report of the record.

    python bench/sft_curve.py                        # first: the plateau model and its evaluation
    python bench/experiments.py                      # every arm (hours each on 2 CPU cores; resumes)
    python bench/experiments.py --only sft_continued,itool
    python bench/experiments.py --series annealed    # the same arms from the plateau annealed
    python bench/experiments.py --report-only --readme README.md   # RESULTS.md, README's table, scaling.svg
    python bench/experiments.py --start plateau2 --curve plateau   # from a plateau made again (sft_curve.py --plateau-at)

RESULTS.md keeps a section per --start; README's table and scaling.svg change only with --readme.

Every arm starts from its series' start on the curve's data (1000 synthetic training
examples, 400 test), runs K=2 iterations with every selected example grown into a tree
(`--select-ratio 0.3`: 300 trees an iteration) and is evaluated once, at the end, on every
case: BFCL's 1240 non-live python cases and the 400 synthetic ones, the cases the start was
evaluated on. Training is the same in every arm: a full fine-tune (`--lora-rank 0`),
preference stages at lr 2e-5 capped at STEPS optimizer steps an iteration (batches of 4), so
that SFT continued (warmup.py from the start, lr 5e-5, K x STEPS steps, batches of 4) is the
equal-step control. Each arm is one run.sh setting
away from the others (ARMS); `+flags` extend the loop settings of ARM_BASE (run.sh's
SMOKE=1 defaults with --smoke).

Two series (SERIES) differ in the start. `plateau`: the plateau model itself, a checkpoint of SFT
at a constant lr. `annealed`: the plateau annealed, which is the first series' control (SFT
continued: a warm-up, then cosine decay to 0), and its own control is SFT continued again. The
first control's gain over the plateau was the anneal, not more SFT: the curve's constant-lr SFT
went on for 250 steps and lost (bench/RESULTS.md, "The control and the lr schedule"), so only the
annealed start is where SFT has finished.

Arms of one series whose mcts.py settings match grow the same first trees, so a later one copies
them, and arms whose trees differ select the same examples, so a later one copies the selection
(share_first_trees). Rows hold the sha256 of the weights they started from and ended with: an arm runs only from the
start its row measured (check_start; rows from before the hash was kept are not checked), and is
paired only with a control from the same weights.
A start made again is a new --start name: the same recipe on another CPU or thread count rounds
otherwise, and after hundreds of steps answers otherwise.

Running (run_arm) only makes run folders and stores each finished arm's figures in the record
(measure); the report reads the record alone (rows, then render_*), so runs made on other
machines, or whose folders are gone, still count.
"""
import argparse
import collections
import html
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import common  # noqa: E402
import prefs  # noqa: E402
import results  # noqa: E402  (bench/results.py)
from results import (CALL_CATEGORIES, GOAL_CATEGORIES, case_results, goal_score, latest_date,  # noqa: E402
                     paired, paired_entry, paired_goal, write_section)
from sft_curve import curriculum_line, curve_table, pct  # noqa: E402  (bench/sft_curve.py)

HEADING = "## Experiments"
RECORD = os.path.join(ROOT, "bench", "experiments.json")
K, STEPS, BATCH = 2, 100, 4
CONTROL = "sft_continued"
REPLICA = "sft_replica"  # the control trained again with another seed: how far training noise alone moves the score
# series: (what its start is, in words); the start's model, evaluation and row key come from start_of
SERIES = {"plateau": "the plateau model", "annealed": "the plateau annealed (SFT continued's model)"}
Start = collections.namedtuple("Start", "key model eval prefix")  # row key, model folder, eval folder, run names
# The loop settings an arm's +flags extend, and an arm that sets none runs with: plain trees, prefs.py's
# default pairs, LoRA at 1e-4. Written out here, not read from run.sh, whose defaults are now the
# best-measured arm's (itool_low_lr): an arm's row keeps meaning the run it measured
ARM_BASE = {"MCTS_ARGS": "--limit 30 --batch-trees 16 --temperature 1.5 --min-p 0.05",
            "PREFS_ARGS": "--pairs-per-node 3",
            "PREF_ARGS": "--lr 1e-4 --batch-size 4 --epochs 3 --max-length 2048"}
# every training stage checkpoints every 10 steps, so that a stopped arm loses little (resuming is
# exact: the weights do not depend on it)
SAVE = "--save-every 10"
# every preference stage: a full fine-tune, as SFT continued trains, capped for equal steps
TRAINING = f"+--lora-rank 0 --lr 2e-5 --max-steps {STEPS} {SAVE}"
# run.sh's sampling without its --limit budget: every selected example grows a tree
MCTS = "--batch-trees 16 --temperature 1.5 --min-p 0.05"
# the tree arms whose pair filter and training the sampling arm may copy, so that only the tree differs:
# when sampling runs, the one measured best from the same start (sampling_as), the first before any is
# (their greedy answer joins sampling's). On whole answers decision keeps refusal-against-call pairs,
# which trees under --compare fragment never give: none keeps the two alike
SAMPLING_FROM = ("itool_greedy", "itool_balanced", "itool_low_lr")
# itool_balanced's trees and pair rules, which the arms after it keep while they change one thing
BALANCED = {"MCTS_ARGS": MCTS + " --gold-sibling --greedy-path",
            "PREFS_ARGS": "+--compare fragment --irrelevance none --rejected likely --end-pairs balanced"}
ARMS = {  # name: (label, run.sh environment), in the order they run
    CONTROL: ("SFT continued (the control)", {"K": "0", "WARMUP": "1", "WARMUP_ARGS":
              f"--buckets 1 --batch-size {BATCH} --max-length 2048 --epochs {K} --max-steps {K * STEPS} {SAVE}"}),
    "itool_fragment": ("iTool, --gold-sibling, --compare fragment, --sft-weight 1",
                       {"MCTS_ARGS": MCTS + " --gold-sibling", "PREFS_ARGS": "+--compare fragment",
                        "PREF_ARGS": TRAINING + " --sft-weight 1"}),
    # the lever itool_fragment's outputs argue for: its refusal-against-refusal pairs were nearly all the
    # pairs at the answer's first step, and it refused 47 of 340 synthetic call cases
    "itool_decision": ("iTool, as itool_fragment, --irrelevance decision",
                       {"MCTS_ARGS": MCTS + " --gold-sibling", "PREFS_ARGS": "+--compare fragment --irrelevance decision",
                        "PREF_ARGS": TRAINING + " --sft-weight 1"}),
    # decision gives no irrelevance pair under --compare fragment (a finished refusal never ends where a
    # call's first fragment does), so irrelevance is left to the warm-up; answer carries the call down
    # its tree to a finished answer, a refusal against a whole call
    "itool_answer": ("iTool, as itool_fragment, --irrelevance answer",
                     {"MCTS_ARGS": MCTS + " --gold-sibling", "PREFS_ARGS": "+--compare fragment --irrelevance answer",
                      "PREF_ARGS": TRAINING + " --sft-weight 1"}),
    # the call pairs above are mostly not the model's mistakes: at the fork of 135 call pairs its greedy choice
    # took the chosen side 89 times (bench/pair_margins.py); likely keeps a rejected step the model finds at
    # least as likely as the chosen one. Calls alone (none: on these trees the pairs decision keeps): every arm
    # whose pairs preferred a refusal (itool_fragment, itool_answer) learned to refuse calls (47 and 114 of 340
    # synthetic call cases), and from the annealed start SFT has taught irrelevance. About 80-130 pairs an
    # iteration: 6 epochs reach 100 steps
    "itool_likely": ("iTool, as itool_decision, --irrelevance none, --rejected likely",
                     {"MCTS_ARGS": MCTS + " --gold-sibling",
                      "PREFS_ARGS": "+--compare fragment --irrelevance none --rejected likely",
                      "PREF_ARGS": TRAINING + " --sft-weight 1 --epochs 6"}),
    # the likely pairs still come from samples at T 1.5 that may leave the gold where the policy would not;
    # its greedy answer is wrong on 49 of 80 of its hardest training call examples (bench/RESULTS.md), so
    # the tree holds that answer as a path, and its gold sibling where it leaves the gold: a pair at the
    # fork of the policy's own mistake, kept whatever its sides' ends (prefs.greedy_fork: ends had dropped
    # 61 of 146 such forks, the model's own extra and missing parameters)
    "itool_greedy": ("iTool, as itool_likely, --greedy-path",
                     {"MCTS_ARGS": MCTS + " --gold-sibling --greedy-path",
                      "PREFS_ARGS": "+--compare fragment --irrelevance none --rejected likely",
                      "PREF_ARGS": TRAINING + " --sft-weight 1 --epochs 6"}),
    # itool_greedy's pairs at a call's or the list's end moved every answer's end the way they leaned:
    # 8 pairs ending the list against 1 adding a call in iteration 1, and its model ended the list short
    # of the gold at 35 training forks (none before); 40 against 0 the other way in iteration 2, and
    # the final model makes more calls than the gold on 48 of 340 synthetic call cases (the control 18).
    # balanced keeps each way only as often as the other (prefs.balance_ends)
    "itool_balanced": ("iTool, as itool_greedy, --end-pairs balanced",
                       dict(BALANCED, PREF_ARGS=TRAINING + " --sft-weight 1 --epochs 6")),
    # itool_balanced lost 2.2 with the ends balanced; what stayed is value pairs learned to a chosen log-prob
    # per token of -0.007 (2.8 passes at lr 2e-5) that did not carry to unseen values (right -> wrong_value
    # 46, the control 26): a quarter of the step size, the pair rules and the steps unchanged (iteration 1
    # trains on the same trees' pairs)
    "itool_low_lr": ("iTool, as itool_balanced, lr 5e-6",
                     dict(BALANCED, PREF_ARGS=TRAINING.replace("--lr 2e-5", "--lr 5e-6")
                          + " --sft-weight 1 --epochs 6")),
    # itool_low_lr did not lose on calls (+0.3 against the control) but moved few answers, and at lr 2e-5 such
    # pairs cost unseen derived values (itool_balanced: 49.5% wrong, its control 40.6%); 89 of the 110 of its
    # wrong_value pairs whose values differ choose a value the prompt does not spell out. Those dropped, at
    # lr 2e-5: about 85 and 45 pairs an iteration, so 10 epochs reach 100 steps
    "itool_literal": ("iTool, as itool_balanced, --derived drop",
                      dict(BALANCED, PREFS_ARGS=BALANCED["PREFS_ARGS"] + " --derived drop",
                           PREF_ARGS=TRAINING + " --sft-weight 1 --epochs 10")),
    # itool_literal's model lost 8.0 on the synthetic test after its first 100 steps at lr 2e-5, off the pairs'
    # prompts (wrong functions, broken lists): a few hundred pairs learned by heart pull the model away from
    # what SFT taught, and at lr 5e-6 itool_low_lr moved few answers. --replay keeps SFT's loss on the training
    # data in every step (as many examples as pairs), at itool_balanced's step size: against SFT continued at
    # equal steps, what differs is the pairs' preference. {DATA}: the arms' training data
    "itool_replay": ("iTool, as itool_balanced, --replay (SFT examples beside the pairs)",
                     dict(BALANCED, PREF_ARGS=TRAINING + " --sft-weight 1 --epochs 6 --replay {DATA}/train.jsonl")),
    # itool_replay's first model kept the format but called other tools of the catalogue on unseen tasks (multiple
    # 35.0, the control 51.0), none of them in its pairs: a full fine-tune that learns the pairs (lr 2e-5) moves
    # what it was not asked to. A rank-8 update (the published setting) changes less of the model; LoRA is
    # commonly run at about ten times a full fine-tune's lr (whether it learns the pairs: iteration 1's metrics)
    "itool_lora": ("iTool, as itool_balanced, LoRA rank 8 at lr 2e-4",
                   dict(BALANCED, PREF_ARGS=TRAINING.replace("--lora-rank 0 --lr 2e-5", "--lora-rank 8 --lr 2e-4")
                        + " --sft-weight 1 --epochs 6")),
    # itool_low_lr turned 56 of its 80 training forks and moved few unseen answers: 143 pairs of 300 trees, each
    # seen 2.8 times (75, 5.3 times, in iteration 2). The greedy answer's fork alone (mcts.py --iters 0), in every
    # training example (--select-ratio 1): one pair wherever the policy answers a training example wrong, its
    # own mistake, at the cost of a greedy answer; 31 pairs from 64 trees of run.sh's warm-up, so that 100 steps
    # see each pair about once. Pair rules and training as itool_low_lr
    "itool_forks": ("iTool, as itool_low_lr, the greedy answer's fork in every training example",
                    dict(BALANCED, MCTS_ARGS=MCTS + " --gold-sibling --greedy-path --iters 0 --select-ratio 1",
                         PREF_ARGS=TRAINING.replace("--lr 2e-5", "--lr 5e-6") + " --sft-weight 1 --epochs 6")),
    # itool_low_lr lost its 0.2 on BFCL irrelevance (52.1, the control 58.3, the start 51.2): --irrelevance none
    # leaves the call-or-refuse decision to SFT. In itool_forks' first 300 trees the greedy answer calls a tool on
    # 16 of 45 irrelevance examples (`[ship_quote(weight_kg=` where a parameter is missing); decision keeps those
    # forks, the gold's refusal against the model's call, at most the irrelevance trees' share of the pairs, and
    # the reverse forks (the model refusing a call example) stay as in itool_forks: each way as often as the model
    # errs. The same first trees as itool_forks
    "itool_forks_decision": ("iTool, as itool_forks, --irrelevance decision",
                             dict(BALANCED, MCTS_ARGS=MCTS + " --gold-sibling --greedy-path --iters 0 --select-ratio 1",
                                  PREFS_ARGS=BALANCED["PREFS_ARGS"].replace("--irrelevance none",
                                                                             "--irrelevance decision"),
                                  PREF_ARGS=TRAINING.replace("--lr 2e-5", "--lr 5e-6") + " --sft-weight 1 --epochs 6")),
    # the control again with another data order, after the first tree arm: the case-bootstrap interval
    # holds the test's noise, not training's. The plateau made again at other float rounding scored 3.2
    # points above the first (interval +1.3 to +5.0; bench/RESULTS.md), so an arm's difference is read
    # against this one's
    REPLICA: ("SFT continued again, --seed 1 (training noise)", {"K": "0", "WARMUP": "1", "WARMUP_ARGS":
              f"--buckets 1 --batch-size {BATCH} --max-length 2048 --epochs {K} --max-steps {K * STEPS} {SAVE} --seed 1"}),
    # the paper's ablation of MCTS (sampling_arm): as many whole answers as a tree samples, the best against
    # the worst, otherwise as one of SAMPLING_FROM
    "sampling": None,
    # sampling from runs/plateau3's annealed start lost 9.2 on the goal score and tied on the call categories:
    # the worst of 15 samples at T 1.5 was a refusal in prose on 59 of its first 193 pairs, and the model
    # learned to call on irrelevance cases (right -> spurious_call 122). A tree arm's pairs never set a call
    # against a refusal (--rejected likely keeps attempts only; --compare fragment parts them): the worst
    # attempt instead, so that the two arms differ in the tree alone. Its first samples are sampling's
    "sampling_attempt": None,
    "itool": ("iTool, plain trees, prefs.py's default pairs", {"MCTS_ARGS": MCTS, "PREF_ARGS": TRAINING}),
    # the published tree, pairs and SimPO loss (beta 2.5, gamma 0.5): T 1.5 without min-p and with
    # vLLM's repetition penalty 0.75, the judge reward over walked simulations, the worst sibling, summed
    # values, the min-overlap measure; trained as the other arms (the published lr 1e-6 on LoRA rank 8
    # is made for thousands of pairs: here it would move no output in 100 steps)
    "published": ("iTool, the published MCTS, pair and SimPO settings",
                  {"MCTS_ARGS": MCTS + " --min-p 0 --repetition-penalty 0.75 --reward judge --simulate walk",
                   "PREFS_ARGS": "--rejected worst --values sum --overlap min --chosen value", "PREF_ARGS": TRAINING}),
}


# the sampling arms: the rejected side, prefs.py --rejected (worst: the paper's best against worst)
SAMPLING = {"sampling": "worst", "sampling_attempt": "attempt"}


def sampling_arm(name, rejected="worst"):
    """A sampling arm (label, run.sh environment) trained as tree arm `name`: its pair filter with the best
    answer against the worst (`rejected`: prefs.py --rejected), its training, and its greedy answer among
    the samples where its trees hold one (4 examples at once: each asks for 15 rows, and 16 would hold
    ~9 GB of KV on a CPU). TRAINED_AS names `name` in the row's settings."""
    env = ARMS[name][1]
    words = env["PREFS_ARGS"].lstrip("+").split()
    pair_filter = [w for i, w in enumerate(words) if "--rejected" not in (w, words[i - 1] if i else "")]
    return (f"sampling pairs, no tree (--search sample{'' if rejected == 'worst' else ', --rejected ' + rejected}), "
            f"as {name}",
            {"MCTS_ARGS": MCTS + " --search sample --batch-trees 4" + (
                " --greedy-path" if "--greedy-path" in env["MCTS_ARGS"] else ""),
             "PREFS_ARGS": " ".join(["--rejected", rejected] + pair_filter), "PREF_ARGS": env["PREF_ARGS"],
             "TRAINED_AS": name})


def sampling_as(record, prefix):
    """Of SAMPLING_FROM, the arm measured best (goal score) among runs PREFIX-ARM; the first on a tie or
    when none is measured yet."""
    goals = [((record.get(f"{prefix}-{name}/iter{K}") or {}).get("goal"), -i, name)
             for i, name in enumerate(SAMPLING_FROM)]
    return max((g for g in goals if g[0] is not None), default=(None, 0, SAMPLING_FROM[0]))[2]


def trained_as_of(row):
    """The tree arm a sampling arm's row was trained as (rows from before TRAINED_AS: the first)."""
    return (row.get("settings") or {}).get("TRAINED_AS", SAMPLING_FROM[0])


# until main reads the record
ARMS.update({name: sampling_arm(SAMPLING_FROM[0], rejected) for name, rejected in SAMPLING.items()})
SFT_ARMS = {name for name, (_, env) in ARMS.items() if env.get("K") == "0"}  # evaluated after the warm-up
SMOKE = {"MCTS_ARGS": "--limit 2 --iters 2 --max-new-tokens 6 --sim-max-tokens 12",
         "PREFS_ARGS": "--min-gap 0 --min-chosen -1 --max-overlap 1", "PREF_ARGS": "--max-length 8192 --max-steps 2",
         "WARMUP_ARGS": "--max-length 8192 --max-steps 2"}
# the earlier experiment (a warm-up of one epoch over 200 examples), kept in the record
EARLIER = {"exp-itool/base": "base model (answers in prose)", "exp-itool/warmup": "SFT, 200 examples (its warm-up)", "exp-sft_continued/warmup": "SFT continued",
           "exp-itool/iter2": "iTool, plain trees, prefs.py's default pairs (LoRA)", "exp-itool_gold/iter2": "iTool, --gold-sibling (LoRA)",
           "exp-abl_published/iter2": "iTool, published settings (LoRA)",
           "exp-itool_gold_sft/iter2": "iTool, --gold-sibling --sft-weight 1 (LoRA)",
           "exp-itool_gold_sft_full/iter2": "iTool, --gold-sibling --sft-weight 1 (full fine-tune)"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=os.path.join(ROOT, "runs"), help="run.sh's RUNS folder")
    p.add_argument("--start", default="plateau", help="bench/sft_curve.py's run name: the arms start from its model")
    p.add_argument("--curve", help="the sft_curve.py run whose curve the report draws (default: --start; a start "
                                   "made with --plateau-at has none of its own)")
    p.add_argument("--series", choices=SERIES, default="plateau",
                   help="the arms' start: the plateau model, or the plateau annealed (the plateau series' control)")
    p.add_argument("--only", default=",".join(ARMS), help=f"comma-separated, from: {', '.join(ARMS)}")
    p.add_argument("--report-only", action="store_true", help="run nothing; report the record")
    p.add_argument("--smoke", action="store_true", help="run.sh's SMOKE=1 budgets on top of each arm (a tiny model)")
    p.add_argument("--record", default=RECORD)
    p.add_argument("--results", default=results.RESULTS)
    p.add_argument("--readme", help="also regenerate the table between README's markers (e.g. README.md)")
    p.add_argument("--svg", help="the curve and the arms drawn (default with --readme: bench/scaling.svg, the "
                                 "figure README shows)")
    args = p.parse_args(argv)
    unknown = set(args.only.split(",")) - set(ARMS)
    if unknown:
        p.error(f"unknown arm(s): {', '.join(sorted(unknown))}")
    return args


# ---------------------------------------------------------------------------
# Running

def run_sh_defaults(env):
    """The settings run.sh would use in environment `env` (`bash run.sh settings`)."""
    out = subprocess.run(["bash", os.path.join(ROOT, "run.sh"), "settings"], env=dict(env, SETUP="0"),
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def start_of(args, series):
    """Where a series' arms start (Start): the plateau model of bench/sft_curve.py's run START (runs
    START-ARM), or the plateau series' control's model (runs START-annealed-ARM)."""
    if series == "plateau":
        at = os.path.join(args.runs, args.start)
        return Start(f"{args.start}/plateau", os.path.join(at, "plateau"), os.path.join(at, "eval", "plateau"), args.start)
    at = os.path.join(args.runs, f"{args.start}-{CONTROL}")
    return Start(f"{args.start}-{CONTROL}/warmup", os.path.join(at, "warmup"), os.path.join(at, "eval", "warmup"),
                 f"{args.start}-{series}")


def arm_env(args, name):
    """run.sh's environment for one arm; a value starting with + is appended to ARM_BASE's (with --smoke:
    to run.sh's SMOKE=1 defaults)."""
    start = start_of(args, args.series)
    env = dict(os.environ, RUNS=args.runs, NAME=f"{start.prefix}-{name}", MODEL=os.path.realpath(start.model),
               DATA=os.path.join(args.runs, args.start, "data"), WARMUP="0", K=str(K), EVAL_ITERS="last", EVAL_LIMIT="all",
               BFCL=results.BFCL_GOAL)  # the goal score's five categories, whatever run.sh's default
    env.update(dict(SMOKE="1", EVAL_LIMIT="1") if args.smoke else ARM_BASE)
    defaults = run_sh_defaults(env)
    for key, value in ARMS[name][1].items():
        value = value.replace("{DATA}", env["DATA"])
        env[key] = (defaults[key] + " " + value[1:]).strip() if value.startswith("+") else value
        if args.smoke and key in SMOKE:  # the arm's flags, then the tiny budgets
            env[key] += " " + SMOKE[key]
    return env


def check_start(args, start):
    """Stop before an arm when the start model on disk is not the one its row measured: a start
    made again (the same recipe on another machine or thread count) is another model, and its
    arms would be paired against the first one's rows."""
    row = read_record(args.record).get(start.key) or {}
    if row.get("weights_sha256") and row["weights_sha256"] != results.weights_sha256(start.model):
        raise common.InputError(start.model, None, f"is not the model of the record's row {start.key} (its weights "
                                "differ): give this start another name (bench/sft_curve.py --name NEW --plateau-at "
                                "STEP, then --start NEW)")


def run_arm(args, name):
    """One arm's run.sh run; its starting model's evaluation is the start's (linked, not made again)."""
    env = arm_env(args, name)
    run = os.path.join(args.runs, env["NAME"])
    base = start_of(args, args.series).eval
    if not os.path.isfile(os.path.join(base, "bfcl.summary.json")):
        raise common.InputError(base, None, f"no evaluation of {SERIES[args.series]} yet: run bench/sft_curve.py "
                                "first" + (f", then this script's {CONTROL} arm" if args.series != "plateau" else ""))
    check_start(args, start_of(args, args.series))
    os.makedirs(os.path.join(run, "eval"), exist_ok=True)
    if not os.path.lexists(os.path.join(run, "eval", "base")):
        os.symlink(os.path.abspath(base), os.path.join(run, "eval", "base"))
    print(f"== {name}: " + " ".join(f"{k}={env[k]!r}" for k in ARMS[name][1]), file=sys.stderr, flush=True)
    share_first_trees(args, name, env)
    t0 = time.time()
    if subprocess.run(["bash", os.path.join(ROOT, "run.sh")], env=env, cwd=ROOT).returncode:
        sys.exit(f"error: the run.sh run {env['NAME']} failed (its messages are above)")
    print(f"== {name} finished in {time.time() - t0:.0f} s", file=sys.stderr)
    return run, env


def share_first_trees(args, name, env):
    """Copy iteration 1's selection and trees from an arm of the same series whose mcts.py run stored
    the settings this arm's would (mcts.settings: the model, the data's hash, the seed and every tree
    flag); they are then the same trees, about an hour saved on 2 cores. The marker goes last, so
    an interrupted copy is made again. Failing that, the selection alone from an arm whose stored
    settings agree on what it depends on (mcts.SELECTION), stored under this arm's settings: the
    deficiency scores of every training example, about 20 minutes."""
    mine = os.path.join(args.runs, env["NAME"], "iter1")
    if name in SFT_ARMS or env.get("WARMUP") == "1" or os.path.exists(os.path.join(mine, "mcts.done")):
        return
    import mcts  # torch: only where an arm runs
    seed = int(run_sh_defaults(env)["SEED"]) + 1  # run.sh's iteration k grows its trees with SEED + k
    config = mcts.settings(mcts.parse_args(["--model", env["MODEL"], "--data", os.path.join(env["DATA"], "train.jsonl"),
                                            "--out", "-", "--seed", str(seed)] + env["MCTS_ARGS"].split()))
    stored = {}  # other arm -> (its iteration 1's folder, the selection stored there)
    for other in ARMS:
        folder = os.path.join(args.runs, f"{start_of(args, args.series).prefix}-{other}", "iter1")
        if other != name and os.path.isfile(os.path.join(folder, "trees.jsonl.selected.json")):
            with open(os.path.join(folder, "trees.jsonl.selected.json"), encoding="utf-8") as f:
                stored[other] = folder, json.load(f)
    for other, (done, saved) in stored.items():
        if saved.get("config") != config or not os.path.isfile(os.path.join(done, "mcts.done")):
            continue
        os.makedirs(mine, exist_ok=True)
        for f in ("trees.jsonl.selected.json", "trees.jsonl"):
            shutil.copyfile(os.path.join(done, f), os.path.join(mine, f + ".tmp"))
            os.replace(os.path.join(mine, f + ".tmp"), os.path.join(mine, f))
        open(os.path.join(mine, "mcts.done"), "w").close()
        print(f"== {name}: iteration 1's trees are {other}'s (grown with the same settings): copied from {done}",
              file=sys.stderr, flush=True)
        return
    if os.path.exists(os.path.join(mine, "trees.jsonl.selected.json")):
        return
    for other, (done, saved) in stored.items():
        if all((saved.get("config") or {}).get(k) == config[k] for k in mcts.SELECTION):
            os.makedirs(mine, exist_ok=True)
            common.write_json(os.path.join(mine, "trees.jsonl.selected.json"),
                              {"config": config, "selected": saved["selected"], "selection_of": done})
            print(f"== {name}: iteration 1's selection is {other}'s (the same model, data and seed): copied from "
                  f"{done}", file=sys.stderr, flush=True)
            return


def count_lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def stage_of(name):
    """The stage whose evaluation is an arm's result: the warm-up of an SFT arm, else the last iteration."""
    return "warmup" if name in SFT_ARMS else f"iter{K}"


def measure(args, name, run, env, record):
    """Store a finished arm's row in the record: figures, per-case results, steps, the pairs it
    trained on and how its outputs moved from the start model's. A row whose per-case results
    are those on disk keeps its date and commit (those of the measurement)."""
    stage = stage_of(name)
    start = start_of(args, args.series)
    folder = os.path.join(run, "eval", stage)
    got = {s: os.path.join(folder, s + ".jsonl") for s in ("synth", "bfcl")}
    key = f"{os.path.basename(run)}/{stage}"
    if not all(os.path.isfile(p) for p in got.values()):
        print(f"== {name}: no evaluation of {stage} in {run} (no pair in any iteration leaves the start model, "
              "whose evaluation is the start's): nothing recorded", file=sys.stderr)
        return
    rows = {s: common.read_jsonl(p) for s, p in got.items()}
    if record.get(key, {}).get("cases") == {s: case_results(r) for s, r in rows.items()}:
        # read from the run's files, whatever code measured the row
        record[key].update(pairs=pair_labels(run), refused={s: refused(r) for s, r in rows.items()})
        return
    summaries = {}
    for s in got:
        with open(os.path.join(folder, s + ".summary.json"), encoding="utf-8") as f:
            summaries[s] = json.load(f)
    metrics = [os.path.join(run, "warmup", "metrics.jsonl")] if name in SFT_ARMS else [
        os.path.join(run, f"iter{k}", "model", "metrics.jsonl") for k in range(1, K + 1)]
    # the model the evaluation read (an iteration without pairs evaluates the model before it)
    model = summaries["synth"].get("model") or os.path.join(run, "warmup" if name in SFT_ARMS else f"iter{K}/model")
    record[key] = {
        "arm": name, "date": time.strftime("%Y-%m-%d"), "commit": results.commit(), "start": start.key,
        "start_sha256": results.weights_sha256(start.model), "weights_sha256": results.weights_sha256(model),
        "steps": sum(count_lines(p) for p in metrics if os.path.isfile(p)),
        "goal": goal_score(summaries["synth"], summaries["bfcl"]), "synth": summaries["synth"], "bfcl": summaries["bfcl"],
        "cases": {s: case_results(r) for s, r in rows.items()},
        "settings": {k: env[k] for k in ARMS[name][1]},
        "pairs": pair_labels(run), "changes": output_changes(start.eval, folder),
        "refused": {s: refused(r) for s, r in rows.items()}}


def refused(rows):
    """[answered without a call, cases] over one split's call cases (all but irrelevance): how far a
    preference for refusing reached the cases that need a call. No call: text that opens no list,
    or the empty list."""
    calls = [r for r in rows if r.get("category") != "irrelevance"]
    texts = [str(r.get("output", "")).strip() for r in calls]
    return [sum(not t.startswith("[") or t.replace(" ", "") == "[]" for t in texts), len(calls)]


def finished_texts(path):
    """{(tree id, answer text so far)} of the tree nodes whose answer ended (`terminal`), so that a
    finished refusal, which no delimiter marks, counts as ended; empty without the trees file."""
    if not os.path.isfile(path):
        return set()
    done = set()
    for tree in common.read_jsonl(path):
        texts = prefs.answer_texts(tree["nodes"])
        done.update((str(tree["id"]), texts[n["id"]]) for n in tree["nodes"] if n["terminal"])
    return done


def pair_labels(run):
    """{iteration: {"n", "errors", "depths", "ends"}} of a run's pairs: the error of the rejected side,
    the depth of the shared node, and where the two sides end (prefs.end_kind, chosen/rejected; a
    side ends where its tree node is terminal)."""
    out = {}
    for k in range(1, K + 1):
        path = os.path.join(run, f"iter{k}", "pairs.jsonl")
        if not os.path.isfile(path):
            continue
        pairs = common.read_jsonl(path)
        done = finished_texts(os.path.join(run, f"iter{k}", "trees.jsonl"))
        tally = lambda values: dict(sorted({v: values.count(v) for v in set(values)}.items(),  # noqa: E731
                                           key=lambda kv: (-kv[1], str(kv[0]))))

        def end(p, side):
            text, tree = p["prefix"] + p[side], str(p.get("id", "")).rsplit("-n", 1)[0]
            return prefs.end_kind(text, (tree, text) in done)
        ends = [f"{end(p, 'chosen')}/{end(p, 'rejected')}" for p in pairs]
        out[f"iter{k}"] = {"n": len(pairs), "errors": tally([p.get("error") or "none" for p in pairs]),
                           "depths": tally([p.get("depth") for p in pairs]), "ends": tally(ends)}
    return out


def output_changes(before, after):
    """How the outputs moved between two evaluations of the same cases (eval.py's rows of both
    splits): {"n", "changed", "gained", "lost", "moves": [[error before, error after, count], ...]
    (the five most frequent, "right" for no error)}, or None when the cases differ."""
    old, new = {}, {}
    for split in ("synth", "bfcl"):
        for got, folder in ((old, before), (new, after)):
            path = os.path.join(folder, split + ".jsonl")
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
    return {"n": len(old), "changed": len(changed),
            "gained": sum(new[key]["valid"] and not old[key]["valid"] for key in changed),
            "lost": sum(old[key]["valid"] and not new[key]["valid"] for key in changed),
            "moves": [[a, b, c] for (a, b), c in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]}


# ---------------------------------------------------------------------------
# The record, as rows

def read_record(path):
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        try:
            record = json.load(f)
        except json.JSONDecodeError as e:
            raise common.InputError(path, e.lineno, f"not JSON ({e.msg})") from None
    if not isinstance(record, dict):
        raise common.InputError(path, 1, "expected an object of rows")
    return record


def arm_rows(record, prefix):
    """A series' arms' rows (label, key, row; runs named PREFIX-ARM), each with `paired` against
    the series' SFT continued filled in, unless both name their start weights and these differ
    (a row from before start_sha256 was recorded is taken to share them)."""
    control = record.get(f"{prefix}-{CONTROL}/warmup")
    out = []
    for name, (label, _) in ARMS.items():
        key = f"{prefix}-{name}/{stage_of(name)}"
        row = record.get(key)
        if not row:
            continue
        if name in SAMPLING:  # the label of the arm it was trained as
            label = sampling_arm(trained_as_of(row), SAMPLING[name])[0]
        ours, theirs = row.get("start_sha256"), (control or {}).get("start_sha256")
        if name != CONTROL and control and ours and theirs and ours != theirs:
            row["paired"], row["paired_calls"], row["gained_lost"] = None, None, None
            row["unpaired"] = "not paired: other start weights"
        elif name != CONTROL and control:
            row.pop("unpaired", None)
            against = f"{prefix}-{CONTROL}/warmup"  # the goal score, and its eight call categories alone
            row["paired"] = paired_entry(paired_goal(row["cases"], control["cases"]), against)
            row["paired_calls"] = paired_entry(paired_goal(row["cases"], control["cases"], categories=CALL_CATEGORIES),
                                               against)
            vs = paired(row["cases"], control["cases"])
            row["gained_lost"] = [vs["gained"], vs["lost"]] if vs else None
        elif name != CONTROL:  # no control in the record: nothing to pair with
            for k in ("paired", "paired_calls", "gained_lost", "unpaired"):
                row.pop(k, None)
        out.append((label, key, row))
    return out


def earlier_rows(record):
    """The earlier experiment's rows, their goal score recomputed where per-category figures exist."""
    out = []
    for key, label in EARLIER.items():
        row = record.get(key)
        if row:
            row["goal"] = goal_score(row["synth"], row["bfcl"])
            out.append((label, key, row))
    return out


def verdict(arms, start):
    """In one series (arms from `start`, in words), as sentences: the training noise (the replica
    against the control), then the goal's two checks."""
    tree = [(label, r) for label, key, r in arms if r.get("paired") and r["arm"] not in SFT_ARMS | set(SAMPLING)]
    by_arm = {r["arm"]: r for _, _, r in arms}
    noise = (by_arm.get(REPLICA) or {}).get("paired")
    lines = []
    if noise:
        lines.append(f"- Training noise: {ARMS[REPLICA][0]} against SFT continued: {noise['diff']:+.1f} "
                     f"({noise['low']:+.1f} to {noise['high']:+.1f}), one draw of it; an arm's difference "
                     f"within ±{abs(noise['diff']):.1f} is no larger than that one.")
    if tree:
        met = [label for label, r in tree if r["paired"]["diff"] >= 2 and r["paired"]["low"] > 0]
        label, best = max(tree, key=lambda a: a[1]["paired"]["diff"])
        p = best["paired"]
        lines.append(f"- Goal from {start} (an iTool arm 2 points above SFT continued on the goal score, its "
                     "interval above 0): "
                     + (f"met by {', '.join(met)}" if met else
                        f"not met; best {label}: {p['diff']:+.1f} ({p['low']:+.1f} to {p['high']:+.1f})")
                     + (("; beyond training noise: " + (", ".join(
                         lb for lb, r in tree if lb in met and r["paired"]["diff"] > abs(noise["diff"])) or "none"))
                        if noise and met else "") + ".")
        for sampling in SAMPLING:
            trained_as = trained_as_of(by_arm.get(sampling) or {})
            starts = {by_arm[a].get("start_sha256") for a in (sampling, trained_as) if a in by_arm} - {None}
            if sampling in by_arm and trained_as in by_arm and len(starts) <= 1:
                # both: a pair rule may teach the call/no-call decision (irrelevance) where the tree's does not
                reads = []
                for cats, what in ((GOAL_CATEGORIES, "the goal score"), (CALL_CATEGORIES, "the eight call categories")):
                    g = paired_goal(by_arm[trained_as]["cases"], by_arm[sampling]["cases"], categories=cats)
                    if g:
                        reads.append(f"{g['difference']:+.1f} ({g['low']:+.1f} to {g['high']:+.1f}) on {what}, " + (
                            "MCTS ahead" if g["low"] > 0 else "sampling ahead" if g["high"] < 0
                            else "no difference beyond noise"))
                if reads:
                    lines.append(f"- MCTS pairs against sampling pairs ({trained_as} against {sampling}: the same "
                                 f"--compare and --irrelevance filter and training): {'; '.join(reads)}.")
    return lines


# ---------------------------------------------------------------------------
# Rendering

def goal(row):
    return "n/a" if row.get("goal") is None else f"{row['goal']:.1f}"


def render_arms(arms, start, start_row):
    head = ["run", "measured", "commit", "steps", "goal score", "synthetic test", "BFCL non-live",
            "irrelevance (synthetic, BFCL)", "against SFT continued: goal difference (95% interval)",
            "cases gained / lost"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, _, r in ([(start, None, start_row)] if start_row else []) + arms:
        p, gl = r.get("paired"), r.get("gained_lost")
        lines.append("| " + " | ".join([
            label, r["date"], r.get("commit") or "", str(r["steps"]), goal(r), pct(r["synth"]["accuracy"]),
            pct(r["bfcl"]["non_live"]), f"{pct(r['synth']['irrelevance'])}, {pct(r['bfcl']['irrelevance'])}",
            f"{p['diff']:+.1f} ({p['low']:+.1f} to {p['high']:+.1f})" if p else r.get("unpaired", ""),
            f"{gl[0]} / {gl[1]}" if gl else ""]) + " |")
    return lines


def reading(label, r):
    """One arm in a line: what it trained on and how its outputs moved."""
    parts = []
    for it, p in (r.get("pairs") or {}).items():
        top = lambda d: ", ".join(f"{k} {v}" for k, v in list(d.items())[:4])  # noqa: E731
        parts.append(f"{it} {p['n']} pairs (rejected: {top(p['errors'])}; depth {top(p['depths'])}; "
                     f"ends chosen/rejected {top(p['ends'])})")
    c = r.get("paired_calls")
    if c:  # the goal score without irrelevance, which prose passes and the call arms do not train
        parts.append(f"on the eight call categories against SFT continued {c['diff']:+.1f} ({c['low']:+.1f} to "
                     f"{c['high']:+.1f})")
    m = r.get("changes")
    if m:
        parts.append(f"{m['changed']} of {m['n']} outputs changed from the start's ({m['gained']} now right, "
                     f"{m['lost']} now wrong; " + (", ".join(f"{a} -> {b} {c}" for a, b, c in m["moves"]) or "no move")
                     + ")")
    if r.get("refused"):
        parts.append("call cases answered without a call: " + ", ".join(
            f"{name} {r['refused'][s][0]} of {r['refused'][s][1]}" for s, name in (("synth", "synthetic"), ("bfcl", "BFCL"))
            if s in r["refused"]))
    return f"- {label}: " + "; ".join(parts) + "." if parts else f"- {label}: no details recorded."


def render_earlier(earlier):
    lines = ["| run | measured | steps | goal score (ten categories) | synthetic test | BFCL non-live |",
             "|---|---|---|---|---|---|"]
    for label, _, r in earlier:
        lines.append(f"| {label} | {r['date']} | {r['steps']} | {goal(r)} | {pct(r['synth'].get('accuracy'))} | "
                     f"{pct(r['bfcl'].get('non_live'))} |")
    return lines


def svg_scaling(curve, marks, path):
    """The goal score and BFCL non-live (%) against examples seen (log scale): the SFT curve as
    lines, each arm a marker (label, examples its start and its own steps saw, row)."""
    w, h, left, right, top, bottom = 700, 400, 60, 230, 20, 50
    # the legend's labels wrapped to the right margin (cut, two arms read alike); the canvas grows to hold them
    legend = [textwrap.wrap(label, 30) or [""] for label, *_ in marks]
    canvas = max(h, top + 60 + sum(14 * len(lines) + 4 for lines in legend))
    def figures(r):
        return r.get("goal"), None if r["bfcl"].get("non_live") is None else 100 * r["bfcl"]["non_live"]
    points = [(r["examples_seen"], *figures(r)) for r in curve]
    marks = [(label, at, *figures(r)) for label, at, r in marks]
    xs = [x for x, *_ in points] + [at for _, at, *_ in marks]
    lo, hi = math.log2(min(xs)), math.log2(max(xs))
    X = lambda n: left + (w - left - right) * ((math.log2(n) - lo) / ((hi - lo) or 1))  # noqa: E731
    top_value = max((v for _, *vs in points + [m[1:] for m in marks] for v in vs if v is not None), default=0)
    ymax = min(100.0, 20 * math.ceil((top_value + 5) / 20))
    Y = lambda a: top + (h - top - bottom) * (1 - a / ymax)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{canvas}" font-family="sans-serif" '
           f'font-size="12"><rect width="{w}" height="{canvas}" fill="white"/>']
    for a in (ymax * i / 4 for i in range(5)):
        out.append(f'<line x1="{left}" y1="{Y(a):.1f}" x2="{w - right}" y2="{Y(a):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 8}" y="{Y(a) + 4:.1f}" text-anchor="end">{a:g}</text>')
    for n in sorted(set(xs)):
        out.append(f'<text x="{X(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">training examples seen '
               f'(log scale)</text><text x="14" y="{(top + h - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(top + h - bottom) / 2})">%</text>')
    shapes = ["M-5,-5 h10 v10 h-10 z", "M0,-6 l6,6 l-6,6 l-6,-6 z", "M0,-6 l6,10 h-12 z", "M-6,0 h12 M0,-6 v12",
              "M-5,-5 l10,10 M-5,5 l10,-10", "M-4,-6 h8 l-4,12 z"]
    for i, (label, color) in enumerate((("goal score", "#1f77b4"), ("BFCL non-live", "#d62728"))):
        line = " ".join(f"{X(x):.1f},{Y(p[i]):.1f}" for x, *p in points if p[i] is not None)
        out.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
        out += [f'<circle cx="{X(x):.1f}" cy="{Y(p[i]):.1f}" r="3" fill="{color}"/>' for x, *p in points
                if p[i] is not None]
        for j, (_, x, *v) in enumerate(marks):
            if v[i] is None:
                continue
            out.append(f'<path transform="translate({X(x):.1f},{Y(v[i]):.1f})" d="{shapes[j % len(shapes)]}" '
                       f'fill="none" stroke="{color}" stroke-width="1.5"/>')
        y = top + 10 + 18 * i
        out.append(f'<line x1="{w - right + 15}" y1="{y}" x2="{w - right + 35}" y2="{y}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{w - right + 40}" y="{y + 4}">SFT curve, {label}</text>')
    y = top + 60
    for j, lines in enumerate(legend):
        text = "".join(f'<tspan x="{w - right + 40}" dy="{0 if k == 0 else 14}">{html.escape(line)}</tspan>'
                       for k, line in enumerate(lines))
        out.append(f'<path transform="translate({w - right + 25},{y})" d="{shapes[j % len(shapes)]}" fill="none" '
                   f'stroke="#333" stroke-width="1.5"/><text y="{y + 4}">{text}</text>')
        y += 14 * len(lines) + 4
    out.append("</svg>")
    with common.atomic_write(path) as f:
        f.write("\n".join(out) + "\n")


README_START, README_END = "<!-- experiments table: start -->", "<!-- experiments table: end -->"


def read_readme(path):
    """README's text, refused in one line when it lacks the table's two markers."""
    text = open(path, encoding="utf-8").read()
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        raise common.InputError(path, None, f"no '{README_START}' ... '{README_END}' markers for the table")
    return text


def write_readme(path, text, body):
    a, b = text.find(README_START), text.find(README_END)
    with common.atomic_write(path) as f:
        f.write(text[:a] + "\n".join([README_START, *body, README_END]) + text[b + len(README_END):])


def report(args):
    readme = read_readme(args.readme) if args.readme else None  # bad markers: before any write
    record = read_record(args.record)
    curve = sorted((r for k, r in record.items() if k.startswith(f"{args.curve or args.start}/sft-step-")),
                   key=lambda r: r["steps"])
    plateau = record.get(f"{args.start}/plateau")
    curricula = [record[f"{args.start}/{s}"] for s in ("curriculum", "curriculum-category") if f"{args.start}/{s}" in record]
    series = []  # (start in words, its table, readings and verdict) of the series with a row to show
    shown = []  # the rows the section's tables show: its date is their latest
    marks, seen = [], (plateau["examples_seen"] if plateau else curve[-1]["examples_seen"] if curve else 0)
    for i, (name, words) in enumerate(SERIES.items()):
        start = start_of(args, name)
        arms = arm_rows(record, start.prefix)
        if not arms and not (name == "plateau" and plateau):
            continue
        # a series' arms saw what its start saw (the plateau's examples, and the annealing control's) and their own steps
        at = seen + (i + 1) * K * STEPS * BATCH
        marks += [(label if name == "plateau" else f"{name}: {label}", at, r) for label, _, r in arms]
        shown += [record.get(start.key)] + [r for _, _, r in arms]
        series.append((words, render_arms(arms, words, record.get(start.key)),
                       [reading(label, r) for label, _, r in arms] + verdict(arms, words)))
    earlier = earlier_rows(record)
    if not (curve or series or earlier):
        raise common.InputError(args.record, None, "no row to report")
    svg = args.svg or (os.path.join(ROOT, "bench", "scaling.svg") if args.readme else None)
    if curve and svg:  # README's figure changes with README's table only
        svg_scaling(curve, marks, svg)
    flags = (f" --start {args.start}" if args.start != "plateau" else "") + (f" --curve {args.curve}" if args.curve else "")
    cmd = f"python bench/experiments.py{flags} --report-only --readme README.md"
    section = "\n".join([
        f"{HEADING} from runs/{args.start} ({latest_date(shown + [r for _, _, r in earlier])})", "",
        f"Command: `python bench/experiments.py{flags} [--series annealed]` (arms in runs/{args.start}-*), then `{cmd}`. "
        f"Every arm starts from its series' start (the plateau model of `bench/sft_curve.py`, or the plateau annealed: "
        f"the plateau series' SFT continued) and trains {K} x {STEPS} optimizer steps as a full fine-tune "
        f"(preference stages lr 2e-5, SFT continued lr 5e-5, batches of {BATCH}); all cases of both test sets; "
        "goal score: the mean over the ten categories (bench/results.py); intervals: stratified bootstrap of the "
        "paired difference against the series' SFT continued.", "",
        *[line for words, table, notes in series for line in
          [f"From {words}:", "", *table, "", *notes, ""]],
        "The earlier experiment (a warm-up of one epoch over 200 examples; 100 cases per category), its goal "
        "score recomputed over the ten categories:", "", *render_earlier(earlier), ""])
    print(section)
    write_section(args.results, f"{HEADING} from runs/{args.start}", section)
    common.write_json(args.record, dict(sorted(record.items())))
    if readme is not None:
        write_readme(args.readme, readme, [
            f"Generated by `{cmd}` from `bench/experiments.json`.", "",
            *(["The SFT curve (`python bench/sft_curve.py`; 50 cases per category at each point):", "",
               *curve_table(curve), ""] if curve else []),
            *[line for c in curricula for line in (curriculum_line(c, plateau), "")],
            *([line for words, table, _ in series for line in [f"The arms from {words} (all cases):", "", *table, ""]]
              if series else ["No arm from the plateau model is measured yet: `python bench/experiments.py` runs them "
                              "once `bench/sft_curve.py` has found the plateau.", ""]),
            "The earlier experiment (a warm-up of one epoch over 200 examples; 100 cases per category), its goal "
            "score recomputed over the ten categories:", "", *render_earlier(earlier)])


def main():
    args = parse_args()
    if not args.report_only:
        for name in args.only.split(","):
            if name in SAMPLING:
                ARMS[name] = sampling_arm(sampling_as(read_record(args.record), start_of(args, args.series).prefix),
                                          SAMPLING[name])
            run, env = run_arm(args, name)
            record = read_record(args.record)
            measure(args, name, run, env, record)
            common.write_json(args.record, dict(sorted(record.items())))
    report(args)


if __name__ == "__main__":
    common.run_main(main)
