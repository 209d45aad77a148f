#!/usr/bin/env bash
# Writes docs/bad-inputs.md and the README's "Bad inputs tried" table from what actually ran:
#   1. the last `make fuzz` run's table (.build/fuzz/results.tsv): runs and crashes per fuzz target;
#   2. the hostile-input tests (UntrustedSizeTests, HostileHDF5Tests), which note each case they try
#      (Tests/TestSupport/BadInputRecord.swift);
#   3. a sweep of deterministic mutants (scripts/mutants.py) through `zoo convert` and `zoo inspect`, each
#      written with --force onto an existing file that must come out unchanged when the command fails.
# Nobody types a figure in. Needs the release build with tests (make test builds it) and ZOO_PYTHON or python3.
#   MUTANTS=100 (per source file)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
zoo=.build/release/zoo
work=.build/bad-inputs
fixtures=Tests/GoldenOutputs/fixtures
mutants=${MUTANTS:-100}
python=${ZOO_PYTHON:-python3}
die() { echo "bad-inputs.sh: error: $*" >&2; exit 1; }
[ -x "$zoo" ] || die "$zoo is not built: run make test (or swift build -c release) first"
[ -f .build/fuzz/results.tsv ] || die "no fuzz results: run make fuzz first"
rm -rf "$work" && mkdir -p "$work/record"

# 2. The tests, recording each case.
ZOO_BAD_INPUTS_RECORD="$root/$work/record" swift test -c release -Xswiftc -enable-testing --skip-build \
    --filter 'UntrustedSizeTests|HostileHDF5Tests|FileSizeLimitTests|InterruptTests|ConcurrentConvertTests|DeclaredImageSizeTests' > "$work/tests.log" 2>&1 || { tail -n 30 "$work/tests.log"; die "the tests failed"; }

# 3. The mutant sweep. Outcome per mutant: converted (the mutation did not matter), refused (exit 1, one line),
#    or anything else (a signal, another status, several lines) — and whether the earlier output survived.
sweep() {  # class command source suffix
    local class=$1 command=$2 source=$3 suffix=$4
    local folder="$work/mutants/$(basename "$(dirname "$source")")_$(basename "$source")"
    "$python" scripts/mutants.py "$source" "$folder" --count "$mutants" > "$work/list"
    while read -r mutant; do
        local out="$work/out/earlier.$suffix" status=0
        mkdir -p "$work/out" && echo "earlier result" > "$out"
        if [ "$command" = convert ]; then
            SWIFT_BACKTRACE=enable=no timeout -s KILL 120 "$zoo" convert "$mutant" -o "$out" --force --quiet > /dev/null 2> "$work/err" || status=$?
        else
            SWIFT_BACKTRACE=enable=no timeout -s KILL 120 "$zoo" inspect "$mutant" > /dev/null 2> "$work/err" || status=$?
        fi
        local outcome
        if [ "$status" -eq 0 ]; then outcome="converted or read (mutation harmless)"
        elif [ "$status" -eq 1 ] && [ "$(wc -l < "$work/err")" -eq 1 ]; then
            if grep -qE "libhdf5 (crashed|did not finish)" "$work/err"; then outcome="libhdf5 crash or loop, contained: one line, exit 1"
            else outcome="refused: one line, exit 1"; fi
        else outcome="FAILED: exit $status, $(wc -l < "$work/err") lines"; fi
        local lost=0
        [ "$command" = convert ] && [ "$status" -ne 0 ] && ! grep -qx "earlier result" "$out" && lost=1
        [ -n "$(find "$work/out" -name '.*.tmp-*')" ] && lost=1
        printf '%s\t%s\t%s\t%s\n' "$class" "$(basename "$mutant")" "$outcome" "$lost" >> "$work/sweep.tsv"
        rm -rf "$work/out"
    done < "$work/list"
}
: > "$work/sweep.tsv"
for model in tiny_convs tiny_pools tiny_merges; do
    sweep "mutated Keras 2 full-model .h5 (zoo convert)" convert "$fixtures/$model/tfk_full.h5" safetensors
    sweep "mutated Keras 3 full-model .h5 (zoo convert)" convert "$fixtures/$model/k3_full.h5" safetensors
done
sweep "mutated .keras archives (zoo convert)" convert "$fixtures/tiny_nested/k3.keras" safetensors
sweep "mutated safetensors files (zoo inspect)" inspect "$fixtures/tiny_nested/expected.safetensors" safetensors

"$python" - "$work" <<'PY'
import collections, csv, os, re, sys
work = sys.argv[1]
rows = []
# Fuzzing.
with open(".build/fuzz/results.tsv") as handle:
    table = list(csv.reader(handle, delimiter="\t"))
for target, runs, coverage, crashes, contained, slowest in table[1:]:
    result = "no crash" if crashes == "0" else f"{crashes} crash(es): see docs/fuzzing.md"
    if contained != "0":
        result += f"; {contained} inside libhdf5, contained by zoo convert's child process"
    rows.append((f"fuzzing: {target}", f"{int(runs):,} runs (coverage {coverage})", result, "n/a (the readers write nothing)"))
# Tests.
record = collections.defaultdict(list)
path = os.path.join(work, "record", "tests.tsv")
for line in open(path) if os.path.exists(path) else []:
    cls, label, outcome = line.rstrip("\n").split("\t")
    record[cls].append((label, outcome))
for cls, cases in sorted(record.items()):
    outcomes = sorted(set(o for _, o in cases))
    rows.append((f"{cls}: " + "; ".join(label for label, _ in cases), f"{len(cases)} case" + ("s" if len(cases) > 1 else ""), ", ".join(outcomes),
                 "nothing lost (the test checks it)"))
# The sweep.
sweep = collections.defaultdict(collections.Counter)
lost = collections.Counter()
for cls, _, outcome, was_lost in csv.reader(open(os.path.join(work, "sweep.tsv")), delimiter="\t"):
    sweep[cls][outcome] += 1
    lost[cls] += int(was_lost)
for cls, outcomes in sweep.items():
    total = sum(outcomes.values())
    text = "; ".join(f"{n} {o}" for o, n in outcomes.most_common())
    rows.append((cls, f"{total} mutants", text, "nothing lost" if lost[cls] == 0 else f"LOST in {lost[cls]} cases"))

lines = ["| What is tried | Cases or runs | Result (error class, exit code) | Files |", "|---|---|---|---|"]
lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
body = "\n".join(lines)
with open("docs/bad-inputs.md", "w") as handle:
    handle.write("# Bad inputs tried\n\nWritten by `make bad-inputs` (scripts/bad-inputs.sh) from the last `make fuzz` run, the hostile-input "
                 "tests' own record of their cases and a sweep of deterministic mutants through `zoo convert` and `zoo inspect`; "
                 "do not edit by hand. How the fuzzing is set up and what it found: docs/fuzzing.md.\n\n" + body + "\n")
readme = open("README.md").read()
begin, end = "<!-- bad-inputs:begin -->", "<!-- bad-inputs:end -->"
if begin in readme:
    readme = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + body + "\n" + end, readme, flags=re.S)
    open("README.md", "w").write(readme)
failed = any("FAILED" in o for c in sweep.values() for o in c) or any(lost.values())
print(body)
sys.exit(1 if failed else 0)
PY
