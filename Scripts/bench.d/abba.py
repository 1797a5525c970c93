"""ABBA groups of two commands, for Scripts/bench-ab and Scripts/bench-targets.

Each group runs A B B A and gives the ratios (B1 + B2) / (A1 + A2) of wall time and of CPU time
(user + system of the command's processes), so a drift of the machine's speed slower than a
group cancels out.
"""
import os, subprocess, sys, time


def timed(command, name, env=None, cwd=None):
    """Runs `command` (an argv list, or a shell line when a string) with its output discarded and
    returns (wall, CPU) seconds; exits naming `name` when it fails."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, shell=isinstance(command, str), cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"{name} failed (exit {done.returncode}): "
                 f"{done.stderr.decode(errors='replace').strip()[-400:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def groups(run_a, run_b, reps):
    """`reps` groups A B B A of the two callables (each returns (wall, CPU)): the groups' wall
    ratios, CPU ratios and A's wall times."""
    walls, cpus, a_walls = [], [], []
    for _ in range(reps):
        a1, b1, b2, a2 = run_a(), run_b(), run_b(), run_a()
        walls.append((b1[0] + b2[0]) / max(a1[0] + a2[0], 1e-9))
        cpus.append((b1[1] + b2[1]) / max(a1[1] + a2[1], 1e-9))
        a_walls += [a1[0], a2[0]]
    return walls, cpus, a_walls
