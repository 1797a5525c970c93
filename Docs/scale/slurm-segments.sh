#!/bin/bash
# One film on many machines with Slurm (Docs/Scale.md): a job array scans segment K of N of the
# film into a part file on a shared file system, and a merge job that starts only when every
# array task succeeded (afterok) joins the parts into the table and the report.
#
# Usage: slurm-segments.sh FILM PARTS_DIR RESULTS_DIR [N]
# FILM must be readable, PARTS_DIR and RESULTS_DIR writable, at the same paths on every node.
set -euo pipefail
film=$1
parts=$2
results=$3
n=${4:-8}
mkdir -p logs "$results"

# The array: task K scans segment K of N. Exit 1 (the film cannot be read or cut) fails the task,
# and with it the merge's dependency.
array=$(sbatch --parsable --job-name=flashscan-segments --array="0-$((n - 1))" \
  --cpus-per-task=8 --mem=8G --time=04:00:00 --requeue \
  --output='logs/flashscan-segments-%A_%a.log' <<SCRIPT
#!/bin/bash
exec flashscan --quiet --threads "\$SLURM_CPUS_PER_TASK" --segment "\$SLURM_ARRAY_TASK_ID/$n" --part-out "$parts" "$film"
SCRIPT
)

# The merge: waits for every task of the array (afterok on the array's id); cancelled by Slurm
# when a task failed (--kill-on-invalid-dep). Exit 3 (a failing film) is a result: mapped to 0.
sbatch --parsable --job-name=flashscan-merge --dependency="afterok:$array" \
  --kill-on-invalid-dep=yes --cpus-per-task=2 --mem=8G --time=01:00:00 \
  --output='logs/flashscan-merge-%j.log' <<SCRIPT
#!/bin/bash
flashscan merge "$parts" -o "$results/film.csv" --report "$results/film.json" --report "$results/film.md" --frames-csv "$results/film-frames.csv" --markers "$results/film.edl" --index "$results/film-index.json"
status=\$?
[ \$status -eq 3 ] && exit 0
exit \$status
SCRIPT
