#!/usr/bin/env bash
# One shard of a Fusebench sweep, for array jobs (docs/scale-out.md): under Slurm (SLURM_ARRAY_TASK_ID,
# 1-based, of SLURM_ARRAY_TASK_COUNT) or in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based, of
# SHARDS). Each shard writes OUTDIR/shard-<i>; a task started again (requeued, preempted, retried)
# continues its own journal. When all are done: fusebench merge OUTDIR/shard-* --out OUTDIR/merged
#
# Usage: run-shard.sh PROFILE OUTDIR
#   FUSEBENCH         the command (default: npx fusebench)
#   FUSEBENCH_DEVICE  the torch device (default: auto, the task's GPU where it has one)
set -euo pipefail
profile="${1:?usage: run-shard.sh PROFILE OUTDIR}"
out="${2:?usage: run-shard.sh PROFILE OUTDIR}"
if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  index="$SLURM_ARRAY_TASK_ID"
  count="${SHARDS:-${SLURM_ARRAY_TASK_COUNT:?submit it as an array job: sbatch --array=1-N}}"
elif [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  index=$((JOB_COMPLETION_INDEX + 1))
  count="${SHARDS:?set SHARDS to the completions of the Job}"
else
  echo "run-shard.sh: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set: run it as an array job (docs/scale-out.md)" >&2
  exit 2
fi
shard_out="$out/shard-$index"
resume=()
if compgen -G "$shard_out/*.sweep.ndjson" > /dev/null; then resume=(--resume); fi
read -r -a fusebench <<< "${FUSEBENCH:-npx fusebench}"
exec "${fusebench[@]}" sweep "$profile" --shard "$index/$count" --device "${FUSEBENCH_DEVICE:-auto}" --out "$shard_out" "${resume[@]}"
