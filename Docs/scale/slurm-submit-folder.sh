#!/bin/bash
# Submits the array, then a step that runs once every task has ended well (afterok) and joins
# the shards' indexes into one, in input order.
set -eu
array=$(sbatch --parsable Docs/scale/slurm-shard-folder.sh)
sbatch --dependency="afterok:${array%%;*}" --job-name=flashscan-index \
  --wrap 'cat /shared/flashscan/index/shard-*.jsonl | sort > /shared/flashscan/index.jsonl'
