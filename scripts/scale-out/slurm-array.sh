#!/usr/bin/env bash
#SBATCH --job-name=fusebench
#SBATCH --array=1-4
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=fusebench-%A_%a.log
# A Fusebench sweep as a Slurm array job, one shard and one GPU per task (docs/scale-out.md).
# From the repository: sbatch --array=1-N scripts/scale-out/slurm-array.sh PROFILE OUTDIR
# (the array's size is the shard count); then: npx fusebench merge OUTDIR/shard-* --out OUTDIR/merged
set -euo pipefail
# Slurm runs a copy of this file: the repository is where it was submitted from.
exec bash "${SLURM_SUBMIT_DIR:-.}/scripts/scale-out/run-shard.sh" "$@"
