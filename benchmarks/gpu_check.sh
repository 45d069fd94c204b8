#!/usr/bin/env bash
# One command for a lent GPU machine: install what is missing, run the GPU benchmark (with a
# sweep of CUDA block sizes and replica counts, what fits), the CPU threads benchmark on the
# machine's cores and the CUDA tests, write one JSON. Sized to finish in under 8 minutes
# (GPU_CHECK_BUDGET_S, default 450 s). From the repository root:
#
#   bash benchmarks/gpu_check.sh                                   # writes $OUT/gpu_check.json (or ./gpu_check.json)
#   GPU_CHECK_STEPS="bench threads" bash benchmarks/gpu_check.sh    # then GPU_CHECK_STEPS=tests in a second call
#
# Measured on an H200 (README, "GPU check"): the benchmark alone takes about 160 s, and the 93
# CUDA tests need more than the rest of 8 minutes (about 300 s with 8 workers and a warm kernel
# cache), so a 15-minute lease runs the check in two calls.
#
# The machine reaches no package index, so what is missing comes from files carried with the
# call (see README, "GPU check"): Warp from the three pieces of ../shared/tools/warp-for-device.sh
# (already joined in /tmp/warpw, or as .warp/p1..p3 in the tree), pure-Python wheels (tomli-w,
# simpy) from .whl/. A step that cannot run is skipped and says why in the JSON; the script
# itself always exits 0 once the JSON is written, so the JSON comes back.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${OUT:-$PWD}
mkdir -p "$out"
json="$out/gpu_check.json"
steps=$(mktemp -d)
py=${PYTHON:-python3}
start=$(date +%s)
budget=${GPU_CHECK_BUDGET_S:-450}  # seconds for the whole check; the tests get what the benchmark leaves
# GPU_CHECK_STEPS: which of bench, threads, tests run (default all three); a lease too short for
# all of them in one call runs them in two calls on the same warm machine (the kernel cache stays)
steps_wanted=" ${GPU_CHECK_STEPS:-bench threads tests} "
want() { [[ "${steps_wanted//,/ }" == *" $1 "* ]]; }

# note STEP STATUS DETAIL: one line per step, gathered into the JSON at the end
note() { printf '%s\t%s\t%s\n' "$1" "$2" "${3//$'\t'/ }" >> "$steps/notes.tsv"; echo "gpu_check: $1: $2 ${3:-}"; }
left() { echo $(( budget - ($(date +%s) - start) )); }
has() { "$py" -c "import $1" >/dev/null 2>&1; }

# 1. The GPU
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L > "$steps/gpu.txt" 2>&1; then
  note gpu ok "$(head -n 1 "$steps/gpu.txt")"
else
  note gpu missing "nvidia-smi found no GPU; CUDA steps will be skipped"
fi

# 2. Warp: installed, else from the carried pieces
if ! has warp; then
  wheel=""
  joined=(/tmp/warpw/warp_lang-*.whl)
  if [ -f "${joined[0]}" ]; then
    wheel=${joined[0]}
  elif ls .warp/p1/part.* .warp/p2/part.* .warp/p3/part.* >/dev/null 2>&1; then
    mkdir -p /tmp/warpw
    wheel=/tmp/warpw/${WARP_WHEEL:-warp_lang-1.19.0-py3-none-manylinux_2_28_x86_64.whl}
    cat .warp/p1/part.* .warp/p2/part.* .warp/p3/part.* > "$wheel"
  elif ls /tmp/warpw/part.* >/dev/null 2>&1; then
    wheel=/tmp/warpw/${WARP_WHEEL:-warp_lang-1.19.0-py3-none-manylinux_2_28_x86_64.whl}
    cat /tmp/warpw/part.* > "$wheel"
  fi
  if [ -n "$wheel" ] && "$py" -m pip install -q --no-deps --no-index "$wheel" > "$steps/warp.log" 2>&1; then
    note warp installed "$wheel"
  else
    note warp missing "no warp-lang and no carried wheel (see ../shared/tools/warp-for-device.sh): $(tail -n 1 "$steps/warp.log" 2>/dev/null)"
  fi
else
  note warp ok "$("$py" -c 'import warp; print(warp.config.version)' 2>/dev/null)"
fi

# 3. Pure-Python dependencies carried as wheels (.whl/), then twin itself (editable, no index)
if ls .whl/*.whl >/dev/null 2>&1; then
  if "$py" -m pip install -q --no-deps --no-index .whl/*.whl > "$steps/whl.log" 2>&1; then
    note wheels installed "$(printf '%s ' .whl/*.whl)"
  else
    note wheels failed "$(tail -n 1 "$steps/whl.log")"
  fi
fi
missing=""
for m in numpy networkx tomli_w pytest simpy; do has "$m" || missing="$missing $m"; done
[ -n "$missing" ] && note dependencies missing "$missing (tomli_w: scene files; simpy: reference tests)"
here() { [ "$("$py" -c 'import pathlib, twin; print(pathlib.Path(twin.__file__).resolve().parents[1])' 2>/dev/null)" = "$PWD" ]; }
if ! has warp; then
  note twin missing "needs warp"
elif "$py" -m pip install -q --no-deps --no-build-isolation -e . > "$steps/twin.log" 2>&1 && here; then
  note twin installed "from $PWD"
elif here; then
  note twin ok "already installed from $PWD (pip: $(tail -n 1 "$steps/twin.log"))"
else
  note twin missing "$(tail -n 1 "$steps/twin.log")"
fi

# GPU_CHECK_DEVICE=cpu runs the same steps on the CPU (a dry run of this script where no GPU is)
device=${GPU_CHECK_DEVICE:-cuda}
cuda_ready() {
  here || return 1
  [ "$device" = cpu ] && return 0
  grep -q $'^gpu\tok' "$steps/notes.tsv" && "$py" -c "import warp as wp; wp.init(); assert wp.is_cuda_available()" >/dev/null 2>&1
}

# 4. The GPU benchmark first (the number the issue asks for), then every CPU core, then the CUDA tests
bench_limit=$(left)
[ "$bench_limit" -gt "${GPU_BENCH_LIMIT_S:-300}" ] && bench_limit=${GPU_BENCH_LIMIT_S:-300}
if ! want bench; then
  note benchmark skipped "not in GPU_CHECK_STEPS"
elif cuda_ready && [ "$bench_limit" -gt 30 ]; then
  t=$(date +%s)
  # gpu_bench runs ever longer horizons while they fit in its budget (seconds left for SimPy's
  # two replicas after it) and writes its JSON after each, so a slow device still gives figures
  if timeout "$bench_limit" "$py" benchmarks/gpu_bench.py --device "$device" --replicas "${GPU_BENCH_REPLICAS:-10000}" \
       --horizon "${GPU_BENCH_HORIZON_S:-604800}" --budget-s $(( bench_limit - 30 )) \
       --sweep-block-dims "${GPU_BENCH_SWEEP_BLOCK_DIMS-64,128,256}" --sweep-replicas "${GPU_BENCH_SWEEP_REPLICAS-10000,100000}" \
       --simpy-replicas "$(has simpy && echo 2 || echo 0)" --json "$steps/bench.json" > "$out/gpu_bench.log" 2>&1; then
    note benchmark ok "$(( $(date +%s) - t )) s"
  else
    note benchmark failed "exit $? after $(( $(date +%s) - t )) s: $(tail -n 1 "$out/gpu_bench.log")"
  fi
  # the chunk loop from a captured CUDA graph against plain launches: bit-identical, both timed
  graph=$("$py" -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(r.get("graph", "skipped"), "with graph", r.get("wall_s_with_graph"), "s, without", r.get("wall_s_without_graph"), "s")' \
    "$steps/bench.json" 2>&1)
  note graph "${graph%% *}" "benchmark run: ${graph#* }"
else
  note benchmark skipped "no CUDA device usable from Python with twin installed, or no time left ($bench_limit s)"
fi
# every CPU core of this machine (issue 12, item 3): 1, 2, 4, ... threads, bit-identical results
threads_limit=$(left)
[ "$threads_limit" -gt 120 ] && threads_limit=120
if ! want threads; then
  note threads skipped "not in GPU_CHECK_STEPS"
elif here && [ "$threads_limit" -gt 40 ]; then
  t=$(date +%s)
  if timeout "$threads_limit" "$py" benchmarks/bench_threads.py --replicas "${GPU_CHECK_THREADS_REPLICAS:-1600}" \
       --json "$steps/threads.json" > "$out/bench_threads.log" 2>&1; then
    note threads ok "$(( $(date +%s) - t )) s: $(grep -E 'threads: best' "$out/bench_threads.log" | tr '\n' ';')"
  else
    note threads failed "exit $? after $(( $(date +%s) - t )) s: $(tail -n 1 "$out/bench_threads.log")"
  fi
else
  note threads skipped "twin not installed, or no time left ($threads_limit s)"
fi
if ! want tests; then
  note tests skipped "not in GPU_CHECK_STEPS"
elif cuda_ready && has pytest; then
  t=$(date +%s)
  limit=$(left)
  if [ "$limit" -gt 30 ]; then
    read -r -a paths <<< "${GPU_CHECK_TESTS:-tests}"  # test files or folders (default: all)
    # several workers where pytest-xdist is there, a test file per worker: each worker compiles
    # the CUDA kernels its tests need (minutes for the cluster tool with the crew), once for the
    # file, not once per parametrisation on two workers at the same time
    workers=()
    has xdist && workers=(-n "${GPU_CHECK_WORKERS:-16}" --dist loadfile)
    timeout "$limit" "$py" -m pytest -m cuda -v -p no:cacheprovider --continue-on-collection-errors --durations=25 "${workers[@]}" \
      "${paths[@]}" > "$out/pytest_cuda.log" 2>&1
    code=$?
    case $code in 0) status=ok ;; 5) status=none_selected ;; 124) status=timeout ;; *) status=failed ;; esac
    note tests "$status" "exit $code after $(( $(date +%s) - t )) s (log: pytest_cuda.log)"
    # "name PASSED" (one process) or "PASSED tests/...::name" (xdist)
    case $(grep -E 'test_cuda_runs_with_and_without_the_cuda_graph_are_identical' "$out/pytest_cuda.log" \
             | grep -Eo '(PASSED|FAILED|SKIPPED|ERROR)' | head -n 1) in
      *PASSED) note graph_test pass "tests/test_cuda_graph.py (CUDA graph and plain launches bit-identical)" ;;
      *FAILED|*ERROR) note graph_test fail "tests/test_cuda_graph.py: see pytest_cuda.log" ;;
      *) note graph_test not_run "tests/test_cuda_graph.py did not run (selected paths, skip or timeout)" ;;
    esac
  else
    note tests skipped "no time left (${limit} s)"
  fi
else
  note tests skipped "no CUDA device, twin or pytest"
fi

# 5. One JSON: the steps, the benchmark record, the test counts
"$py" - "$steps" "$json" "$out/pytest_cuda.log" "$(( $(date +%s) - start ))" <<'EOF'
import json, os, re, sys
steps, path, log, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
notes = {}
with open(os.path.join(steps, "notes.tsv")) as f:
    for line in f:
        step, status, detail = (line.rstrip("\n").split("\t") + ["", ""])[:3]
        notes[step] = {"status": status, "detail": detail}
record = {"schema": "twin-gpu-check/1", "device": os.environ.get("GPU_CHECK_DEVICE", "cuda"), "seconds": seconds,
          "steps": notes}
for key, name in (("benchmark", "bench.json"), ("threads", "threads.json")):
    if os.path.exists(os.path.join(steps, name)):
        record[key] = json.load(open(os.path.join(steps, name)))
if os.path.exists(log):
    text = open(log, errors="replace").read()
    counts = {k: len(re.findall(rf"(?m) {k}( |$)", text)) for k in ("PASSED", "FAILED", "ERROR", "SKIPPED")}
    summary = [line for line in text.splitlines() if line.startswith("=") and re.search(r" in [0-9.]+s", line)]
    record["tests"] = {**counts, "summary": (summary or text.strip().splitlines() or [""])[-1]}
# the CUDA graph of the chunk loop: "pass"/"fail" from the benchmark's two runs and from the CUDA test
graph = {k: notes[step]["status"] for k, step in (("benchmark", "graph"), ("test", "graph_test")) if step in notes}
graph.update({k: record["benchmark"][k] for k in ("wall_s_with_graph", "wall_s_without_graph")
              if k in record.get("benchmark", {})})
record["graph"] = graph
with open(path, "w") as f:
    json.dump(record, f, indent=1)
print(json.dumps(record, indent=1))
EOF
rm -rf "$steps"
exit 0
