#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, and a small zoo bench sweep through it (docs/sweeps.md, "Proof").
# Called by Tests/BenchTests/Sweep/SlurmSweepTests.swift, which then compares the merged report with the one-process
# report written here too. Needs root (CI runs as root); installs slurm-wlm and munge when missing
# (scripts/system-deps.sh), starts munged, slurmctld and slurmd, stops them on exit.
#
#   Tests/Slurm/run-sweep.sh ZOO WORK      ZOO: the zoo executable; WORK: an empty folder for everything
#
# WORK/single: the one-process report; WORK/sweep/report: the merged one. Any failure exits non-zero with the
# reason (a scheduler that cannot start is a failure, never a skip).
set -euo pipefail
die() { echo "run-sweep.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: run-sweep.sh ZOO WORK"
zoo="$1" work="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" -eq 0 ] || die "needs root to start munged, slurmctld and slurmd (CI runs as root); run the test as root"
"$root/scripts/system-deps.sh" || die "scripts/system-deps.sh could not install slurm-wlm and munge"
for program in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch squeue sinfo; do
  command -v "$program" >/dev/null || die "$program is missing after scripts/system-deps.sh (packages slurm-wlm, munge)"
done

state="$work/slurm"
mkdir -p "$state"/{state,spool,log} /etc/slurm /run/munge
pids=()
# slurmd can linger after SIGTERM once slurmctld is gone: ask both to shut down first, give each daemon 10 s, then
# SIGKILL it, so the test never leaves one running nor waits on it.
stop() {
  scontrol shutdown >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap stop EXIT

# munge: the key once per machine, the daemon as the munge user with a pid file we can stop it by.
if [ ! -f /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
mkdir -p /var/log/munge /var/lib/munge
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
  su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/zoo-test.pid" || die "munged did not start (see /var/log/munge/munged.log)"
  pids+=("$(cat /run/munge/zoo-test.pid)")
fi
munge -n | unmunge >/dev/null || die "munge does not work: $(munge -n 2>&1 | unmunge 2>&1 | tail -n 1)"

host="$(hostname -s)"
memory=$(( $(free -m | awk '/Mem:/{print $2}') - 2000 ))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=zoo
SlurmctldHost=$host
SlurmUser=root
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -c || die "slurmctld did not start: $(tail -n 5 "$state/log/slurmctld.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$state/slurmctld.pid")")
/usr/sbin/slurmd || die "slurmd did not start: $(tail -n 5 "$state/log/slurmd.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$state/slurmd.pid")")
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %T | grep -q idle || die "the node is not idle: $(sinfo 2>&1); slurmd log: $(tail -n 5 "$state/log/slurmd.log")"

# The sweep: the quick vgg16-tb recipe, clean protocol, 2 seeds, 2 folds: 4 runs and a latency task.
# One dataset folder for the sweep and the one-process run: the records' manifest digest names the folder.
"$zoo" data synth tb --out "$work/tb" --count 48 > /dev/null
selection=(--quick --recipes vgg16-tb --recipe-dir "$root/Benchmarks/recipes" --protocol clean --seeds 2 --folds 2 --data "tb=$work/tb")
"$zoo" bench plan "${selection[@]}" --out "$work/plan.json" --emit slurm --parallel 2 --shared "$work/sweep" \
  --task-cpus 1 --task-memory-mb 1500 --task-minutes 10
tasks=$(grep -c '"index"' "$work/plan.json")
wait_for() { # job id: until squeue no longer lists it
  for _ in $(seq 600); do [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0; sleep 1; done
  die "job $1 did not end in 10 minutes: $(squeue)"
}
status_of() { cat "$work"/sweep/out/tasks/"$(printf %04d "$1")"-*/status.json 2>/dev/null | grep -o '"state" : "[a-z]*"' | cut -d'"' -f4; }

# The emitted submission: the array (task 1 made to fail once) and the merge job after it (afterany).
fail=1
submitted=$(ZOO_FAIL_TASK_ONCE=$fail "$work/plan-slurm-submit.sh")
echo "$submitted"
array=$(echo "$submitted" | sed -n 's/^array job \([0-9]*\).*/\1/p')
merge=$(echo "$submitted" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
[ -n "$array" ] && [ -n "$merge" ] || die "slurm-submit.sh printed no job ids: $submitted"
wait_for "$array"
wait_for "$merge"
[ "$(status_of $fail)" = failed ] || die "task $fail should have failed once (test hook), its status is '$(status_of $fail)'"
for index in $(seq 0 $((tasks - 1))); do
  [ "$index" = "$fail" ] || [ "$(status_of "$index")" = finished ] || die "task $index: status '$(status_of "$index")'; log: $(tail -n 20 "$work"/sweep/logs/task-"$index"-*.out)"
done
grep -q "task $fail (.*): failed" "$work/sweep/report/merge.md" || die "the first merge does not name failed task $fail: $(cat "$work/sweep/report/merge.md")"

# The failed index resubmitted alone (it resumes), then the merge again after it.
again=$(sbatch --parsable --array=$fail "$work/plan-slurm-array.sbatch"); again=${again%%;*}
merge=$(sbatch --parsable --dependency=afterany:"$again" "$work/plan-slurm-merge.sbatch"); merge=${merge%%;*}
wait_for "$again"
wait_for "$merge"
[ "$(status_of $fail)" = finished ] || die "task $fail did not finish when resubmitted: $(tail -n 20 "$work"/sweep/logs/task-$fail-"$again".out)"
grep -q "resuming\|already in results.jsonl" "$work"/sweep/out/tasks/"$(printf %04d $fail)"-*/task.log || die "task $fail did not resume"
grep -q "Every task finished once" "$work/sweep/report/merge.md" || die "the second merge is incomplete: $(cat "$work/sweep/report/merge.md")"

# The same sweep in one process, for the comparison.
"$zoo" bench "${selection[@]}" --quiet --out "$work/single" --feature-cache "$work/single-features" > "$work/single.log" 2>&1 \
  || die "the one-process run failed: $(tail -n 20 "$work/single.log")"
echo "run-sweep.sh: merged report $work/sweep/report, one-process report $work/single"
