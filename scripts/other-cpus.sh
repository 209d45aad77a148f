#!/usr/bin/env bash
# One binary for every x86-64: runs the release `zoo` on CPUs this machine is not, under qemu-user's emulation,
# and checks that no Swift code was compiled for AVX (only the C kernels of CKernels may hold AVX instructions,
# and they run only when cpuid says so). Run by `make test`; `scripts/other-cpus.sh [BUILD_DIR]`.
#   Haswell (AVX2 and FMA, no AVX-512): picks the avx2 kernels and passes tiny_vgg's parity check against Keras;
#     ZOO_CPU=avx512 is refused in one line.
#   Nehalem (SSE4.2, no AVX): picks the generic kernels and passes the same check; no illegal instruction.
# qemu 7.2 emulates AVX2 and FMA but not AVX-512, so the avx512 path is checked natively by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build/release}
zoo="$build/zoo"
fixtures=Tests/GoldenOutputs/fixtures/tiny_vgg
command -v qemu-x86_64 > /dev/null || { echo "other-cpus.sh: qemu-x86_64 is missing; run scripts/system-deps.sh (package qemu-user)" >&2; exit 1; }
[ -x "$zoo" ] || { echo "other-cpus.sh: $zoo is missing; build it with: swift build -c release" >&2; exit 1; }

fail() { echo "other-cpus.sh: $*" >&2; exit 1; }

# The Swift modules' object files: no ymm or zmm register anywhere (SIMD types would use them under -march flags).
for module in Tensor Converter Zoo Training Bench ZooCLI; do
  objects=("$build/$module.build"/*.o)
  [ -e "${objects[0]}" ] || fail "no object files in $build/$module.build"
  count=$(objdump -d --no-show-raw-insn "${objects[@]}" | grep -c -E '%[yz]mm' || true)
  [ "$count" -eq 0 ] || fail "$module's Swift code uses $count AVX instructions: it must build for baseline x86-64"
done
for object in CPUSelection KernelsGeneric; do
  count=$(objdump -d --no-show-raw-insn "$build/CKernels.build/$object.c.o" | grep -c -E '%[yz]mm' || true)
  [ "$count" -eq 0 ] || fail "CKernels' $object.c uses $count AVX instructions outside the AVX kernels"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$zoo" convert "$fixtures/k3.keras" --output "$work/tiny_vgg.safetensors" --quiet > /dev/null

# qemu warns about host features its TCG lacks (pcid, x2apic, ...); those lines say nothing about zoo.
emulate() {
  local cpu=$1; shift
  qemu-x86_64 -cpu "$cpu" "$zoo" "$@" 2> >(grep -v "TCG doesn't support requested feature" >&2)
}

check_cpu() {
  local cpu=$1 path=$2
  local version
  version=$(emulate "$cpu" --version) || fail "$cpu: zoo --version failed (status $?)"
  grep -q "^kernels: $path (" <<< "$version" || fail "$cpu: expected the $path kernels, got: $(grep '^kernels' <<< "$version")"
  emulate "$cpu" verify "$work/tiny_vgg.safetensors" --golden "$fixtures/activations.safetensors" > "$work/verify-$cpu.txt" 2>&1 \
    || { cat "$work/verify-$cpu.txt" >&2; fail "$cpu: tiny_vgg does not match Keras on the $path kernels"; }
  echo "other-cpus.sh: $cpu: $(grep '^cpu:' <<< "$version"), $path kernels, tiny_vgg matches Keras"
}

check_cpu Haswell avx2
check_cpu Nehalem generic

refusal=$(ZOO_CPU=avx512 emulate Haswell --version 2>&1 >/dev/null) && fail "Haswell: ZOO_CPU=avx512 was accepted"
[ "$(wc -l <<< "$refusal")" -eq 1 ] && grep -q "^zoo: ZOO_CPU=avx512, but this CPU" <<< "$refusal" \
  || fail "Haswell: ZOO_CPU=avx512 should be refused in one line, got: $refusal"
echo "other-cpus.sh: Haswell: ZOO_CPU=avx512 refused: $refusal"
