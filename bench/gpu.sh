#!/usr/bin/env bash
# The CUDA paths in one command, within 8 minutes on one GPU; figures go to bench/RESULTS.md.
#
#   bash bench/gpu.sh prepare    # on the CPU machine: runs/gpu-kit/ (the default model's config and
#                                # tokenizer, BFCL's data files; about 16 MB)
#   bash bench/gpu.sh            # on the GPU machine, with its python3 as it is (no .venv, no gguf, no bfcl-eval)
#   CPU=1 bash bench/gpu.sh      # the dry run on a CPU: the same steps at toy sizes
#
# With the device tool: run(command="bash bench/gpu.sh", carry=["runs/gpu-kit"]); what the
# machine writes under $OUT comes back: $OUT/RESULTS.md holds the new section.
#
# Steps: (1) the tests marked cuda; (2) SMOKE=1 run.sh, the whole loop on a tiny model; (3) the
# default model's architecture with random weights (its GGUF does not travel) through every stage
# in bf16, timed: warm-up and train_pref tokens/s (packed pairs against separate rows), mcts trees/min,
# eval cases/s; (4) a 1.5B config's train_pref tokens/s, LoRA, both pair layouts.
set -euo pipefail
cd "$(dirname "$0")/.."
{  # read whole before it runs: editing the file mid-run is safe
KIT=${KIT:-runs/gpu-kit}
WORK=${WORK:-runs/gpu}
PY=${PY:-python3}

if [ "${1:-}" = prepare ]; then
    PY=${PY_PREPARE:-.venv/bin/python}
    exec "$PY" bench/gpu_bench.py prepare --kit "$KIT"
fi

[ -f "$KIT/default/tokenizer.json" ] || { echo "error: $KIT: run 'bash bench/gpu.sh prepare' first" >&2; exit 2; }
rm -rf "$WORK"; mkdir -p "$WORK/bin"
PY=$(cd "$(dirname "$(command -v "$PY")")" && pwd)/$(basename "$PY")
printf '#!/bin/sh\nexec "%s" "$@"\n' "$PY" > "$WORK/bin/python"   # run.sh calls `python`; the GPU machine has python3
chmod +x "$WORK/bin/python"
export PATH="$PWD/$WORK/bin:$PATH"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
t0=$SECONDS
if [ "${CPU:-0}" = 1 ]; then SIZE=toy; else SIZE=full; fi

echo "== tests marked cuda" >&2
{ timeout 240 "$PY" -m pytest -q -m cuda tests/test_cuda.py 2>&1 || true; } | tail -3 | tee "$WORK/tests.txt"

echo "== SMOKE=1 run.sh" >&2
SMOKE=1 SETUP=0 RUNS="$WORK" EVAL_ARGS="--max-new-tokens 8 --bfcl-dir $KIT/bfcl" timeout 240 bash run.sh > "$WORK/smoke.log" 2>&1 && echo "smoke: ok" | tee "$WORK/smoke.txt" || echo "smoke: failed (tail of $WORK/smoke.log below)" | tee "$WORK/smoke.txt"
tail -5 "$WORK/smoke.log" >&2

echo "== the stages, timed ($SIZE)" >&2
"$PY" bench/gpu_bench.py stages --kit "$KIT" --work "$WORK" --size "$SIZE" --elapsed "$((SECONDS - t0))"
if [ -n "${OUT:-}" ]; then cp bench/RESULTS.md "$OUT/RESULTS.md"; cp -r "$WORK"/*.txt "$OUT"/ 2>/dev/null || true; fi
echo "== done in $((SECONDS - t0)) s" >&2
exit 0
}
