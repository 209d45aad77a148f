#!/usr/bin/env bash
# Makes sure the Debian packages Zoo builds and tests against are installed. As root it installs
# what is missing (apt-get); otherwise it prints the exact command to run and fails.
set -euo pipefail

# chromium: the report test renders report.html in headless Chromium (Tests/BenchTests/Report/ReportBrowserTests.swift).
# curl: zoo fetch downloads the published weights with it (Sources/ZooCLI/WeightsDownload.swift).
# qemu-user: scripts/other-cpus.sh runs the release zoo on emulated CPUs without AVX-512 (Haswell) and without
# AVX2 (Nehalem), proving the kernels are chosen when it starts (no illegal instruction).
# slurm-wlm, munge: the sweep test brings up a one-node Slurm cluster (Tests/Slurm/run-sweep.sh).
packages=(libhdf5-dev libopenblas-dev libpng-dev libjpeg-dev pkg-config python3-venv time bc chromium curl qemu-user slurm-wlm munge)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps.sh: missing Debian packages: ${missing[*]}" >&2
  echo "system-deps.sh: install them with:  sudo sh -c '$command'" >&2
  exit 1
fi
echo "system-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
