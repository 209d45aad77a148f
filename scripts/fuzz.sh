#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of untrusted bytes (docs/fuzzing.md).
#
#   scripts/fuzz.sh build            build the libFuzzer targets into .build/fuzz (after `swift build -c release`)
#   scripts/fuzz.sh build-if-changed the same, unless no source changed since the last build
#   scripts/fuzz.sh run SECONDS      fuzz each target for SECONDS, print the table, write .build/fuzz/results.tsv
#   scripts/fuzz.sh check            replay each target's seeds and regression inputs for a few seconds (make test)
#
# Targets are built with `swiftc -sanitize=fuzzer,address` (C: clang) outside Package.swift, so the package
# carries no unsafe flags: the Converter sources are compiled once, instrumented, into a static library that
# each Swift harness imports; swift-crypto is linked from the release build's objects (uninstrumented).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build/fuzz"
release="$root/.build/x86_64-unknown-linux-gnu/release"
fixtures="$root/Tests/GoldenOutputs/fixtures"
TARGETS=(safetensors json keras_config stored_zip hdf5_keras png jpeg manifest)

die() { echo "fuzz.sh: error: $*" >&2; exit 1; }

# The seeds of each target: committed fixtures where they exist, plus Fuzz/Corpus/<target> (small
# seeds and every regression input a crash left behind).
seeds() {
    local target=$1
    case $target in
        safetensors) ls "$fixtures"/tiny_{sequential,nested,convs}/expected.safetensors ;;
        stored_zip) ls "$fixtures"/tiny_{sequential,nested}/k3.keras ;;
        hdf5_keras) ls "$fixtures"/tiny_{sequential,nested}/{tfk_full,k3_full,tfk_weights,k3.weights}.h5 \
                       "$fixtures"/special/{truncated,not_keras}.h5 ;;
    esac
    # A target whose seeds are all fixtures has no corpus folder until a crash leaves a regression input there
    # (git keeps no empty folders).
    if [ -d "$root/Fuzz/Corpus/$target" ]; then find "$root/Fuzz/Corpus/$target" -type f; fi
}

build() {
    [ -d "$release/Crypto.build" ] || die "$release has no swift-crypto objects: run 'swift build -c release' first"
    mkdir -p "$out/lib" "$out/bin"
    local crypto=(-Xcc "-fmodule-map-file=$root/.build/checkouts/swift-crypto/Sources/CCryptoBoringSSLShims/include/module.modulemap"
                  -Xcc "-fmodule-map-file=$root/.build/checkouts/swift-crypto/Sources/CCryptoBoringSSL/include/module.modulemap"
                  -I "$release/Modules")
    local hdf5=(-Xcc "-fmodule-map-file=$root/Sources/CHDF5/module.modulemap" -Xcc -I/usr/include/hdf5/serial)
    local objects
    objects=$(find "$release"/{Crypto,CCryptoBoringSSL,CCryptoBoringSSLShims,CryptoBoringWrapper}.build -name '*.o')
    local link=($objects -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lstdc++)
    local swiftc=(swiftc -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -package-name zoo -module-cache-path "$out/ModuleCache")

    # The Converter module, instrumented; -enable-testing so harnesses reach its internal readers.
    "${swiftc[@]}" -enable-testing -module-name Converter -emit-module -emit-module-path "$out/lib/Converter.swiftmodule" \
        -emit-library -static -o "$out/lib/libConverter.a" "${crypto[@]}" "${hdf5[@]}" \
        $(find "$root/Sources/Converter" -name '*.swift')
    for target in safetensors json keras_config stored_zip hdf5_keras; do
        "${swiftc[@]}" -module-name "fuzz_$target" -I "$out/lib" "${crypto[@]}" "${hdf5[@]}" \
            "$root/Fuzz/Targets/FuzzInput.swift" "$root/Fuzz/Targets/$target.swift" \
            "$out/lib/libConverter.a" "${link[@]}" -o "$out/bin/$target" 2> >(grep -iv "cannot export" >&2)
    done
    # The manifest reader lives in Bench, which is too large to instrument whole: its own files and the
    # few it uses are compiled into the harness.
    local bench="$root/Sources/Bench"
    "${swiftc[@]}" -module-name fuzz_manifest "${crypto[@]}" \
        "$bench/Data/Datasets/Manifest.swift" "$bench/Data/Datasets/Dataset.swift" "$bench/Data/DataError.swift" \
        "$bench/Support/"{AtomicFile,ContentHash,ParallelMap,ProgressReporter}.swift \
        "$root/Fuzz/Targets/FuzzInput.swift" "$root/Fuzz/Targets/manifest.swift" \
        $objects -o "$out/bin/manifest" 2> >(grep -iv "cannot export" >&2)
    for format in png jpeg; do
        clang -fsanitize=fuzzer,address -O1 -g -DFUZZ_$(echo $format | tr a-z A-Z) -I "$root/Sources/CImageCodecs/include" \
            "$root/Fuzz/Targets/image_codecs.c" "$root/Sources/CImageCodecs/"{png_codec,jpeg_codec}.c \
            -lpng16 -ljpeg -o "$out/bin/$format"
    done
    touch "$out/built"
    echo "fuzz.sh: built ${#TARGETS[@]} targets into $out/bin"
}

# True when no source of any target changed since the last build (make test then skips the minute of building).
up_to_date() {
    [ -f "$out/built" ] && [ -z "$(find "$root/Sources/Converter" "$root/Sources/CImageCodecs" "$root/Sources/Bench/Data" \
        "$root/Sources/Bench/Support" "$root/Fuzz/Targets" "$root/scripts/fuzz.sh" -newer "$out/built" -print -quit)" ]
}

# Runs one target for $2 seconds over a working corpus seeded afresh; a crash is saved under
# $out/crashes/<target>/ and the target restarted for the time left, so a run counts every crash. A crash or
# hang whose stack is inside libhdf5 is counted apart: Zoo contains those (zoo convert indexes a checkpoint in
# a child process under limits, docs/fuzzing.md) rather than fixes them.
# Leak detection is off (libFuzzer and ASan at exit): Foundation's Data(contentsOf:) leaks one page per empty file, which is not Zoo's.
fuzz_one() {
    local target=$1 seconds=$2 mode=$3
    local corpus="$out/corpus/$target" crashes="$out/crashes/$target" log="$out/logs/$target.log" part="$out/logs/$target.part"
    rm -rf "$corpus" && mkdir -p "$corpus" "$crashes" "$out/logs"
    seeds "$target" | while read -r seed; do cp "$seed" "$corpus/"; done
    local dict=() options=(-timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$crashes/")
    [ -f "$root/Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="$root/Fuzz/Dictionaries/$target.dict")
    # A check is short: an input that takes seconds there is a regression (or, in libhdf5, a contained loop).
    [ "$mode" = check ] && options[0]=-timeout=3
    local start=$SECONDS runs=0 cov=0 slowest=0 crashed=0 contained=0
    : > "$log"
    while [ $((SECONDS - start)) -lt "$seconds" ]; do
        local left=$((seconds - (SECONDS - start))) status=0
        ASAN_OPTIONS=detect_leaks=0 "$out/bin/$target" "${options[@]}" "${dict[@]}" -max_total_time="$left" "$corpus" > "$part" 2>&1 || status=$?
        cat "$part" >> "$log"
        runs=$((runs + $(awk '/stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$part")))
        local slow
        slow=$(awk '/stat::slowest_unit_time_sec:/ { n = $2 } END { print n + 0 }' "$part")
        [ "$slow" -gt "$slowest" ] && slowest=$slow
        [ "$status" -eq 0 ] && break
        # Inside libhdf5: one of the first frames of the report (after the sanitizer's own) is in it.
        if awk '/ERROR: /{ f = 1 } f && /#[0-9]+ / { print; if (++n == 12) exit }' "$part" | grep -q libhdf5; then contained=$((contained + 1)); else crashed=$((crashed + 1)); fi
        [ "$mode" = check ] && break
    done
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$runs" "$cov" "$crashed" "$contained" "${slowest}s"
}

table() {
    local mode=$1 seconds=$2
    [ -x "$out/bin/${TARGETS[-1]}" ] || die "targets not built: run 'scripts/fuzz.sh build'"
    printf 'target\truns\tcoverage\tcrashes\tlibhdf5 crashes (contained)\tslowest input\n' > "$out/results.tsv"
    for target in "${TARGETS[@]}"; do
        fuzz_one "$target" "$seconds" "$mode" >> "$out/results.tsv"
    done
    column -t -s $'\t' "$out/results.tsv"
    local crashes
    crashes=$(awk -F'\t' 'NR > 1 { n += $4 } END { print n + 0 }' "$out/results.tsv")
    if [ "$crashes" -gt 0 ]; then
        echo "fuzz.sh: $crashes crashing input(s), saved under $out/crashes (logs: $out/logs)" >&2
        return 1
    fi
}

case "${1:-}" in
    build) build ;;
    build-if-changed) up_to_date && echo "fuzz.sh: targets up to date" || build ;;
    run) table run "${2:-${FUZZ_SECONDS:-60}}" ;;
    check) table check "${2:-3}" ;;
    *) die "usage: scripts/fuzz.sh build | run [SECONDS] | check [SECONDS]" ;;
esac
