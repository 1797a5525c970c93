#!/bin/bash
# A job array: task K of 16 scans shard K/16 of /shared/videos, writes a JSON and HTML report per
# input under /shared/flashscan/reports and the shard's batch index to
# /shared/flashscan/index/shard-K.jsonl. Submit with Docs/scale/slurm-submit-folder.sh.
#SBATCH --job-name=flashscan-folder
#SBATCH --array=0-15%8
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=flashscan-%A_%a.log
#SBATCH --requeue
set -u
# The array must start at 0 and count the shards (0-15: 16), whatever the %8 throttle.
[ "$SLURM_ARRAY_TASK_MIN" -eq 0 ] || { echo "the array must start at 0" >&2; exit 2; }
K=$SLURM_ARRAY_TASK_ID
N=$SLURM_ARRAY_TASK_COUNT
mkdir -p /shared/flashscan/index
flashscan --threads "$SLURM_CPUS_PER_TASK" --shard "$K/$N" --report-dir /shared/flashscan/reports \
  --index "/shared/flashscan/index/shard-$K.jsonl" --skip-existing /shared/videos
status=$?
# 1 (an input could not be read whole) and 3 (a failing verdict) are results, in the index.
case "$status" in
  0|1|3) exit 0 ;;
  *) exit "$status" ;;
esac
