#!/usr/bin/env python3
"""flashscan's benchmark driver (run through Scripts/bench; see `Scripts/bench --help`).

Builds flashscan in release mode, generates H.264 test clips under bench-work/ (git-ignored), then
times every tool in ONE interleaved run: each repetition runs every tool once on every clip, in a
rotating order, so a slow spell on a shared machine hurts every tool alike. Each run is a direct
child of this script: wall time from a monotonic clock, CPU time and peak resident memory from
wait4()'s rusage of that child (and of the children it waited for, e.g. the numpy scripts' ffmpeg).
Medians are reported. The numpy references are too slow to run on a whole clip, so they run on a cut
of the same generated video (its first frames), their time is scaled per frame to the whole clip,
and their tables are compared with flashscan's on that cut (relative difference at most 1e-9).
Finally the results go to standard output and to Docs/Benchmarks.md (between the bench markers;
anything else in that file is kept).
"""
import argparse
import datetime
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADING = "## Speed and memory (Scripts/bench)"
BEGIN = "<!-- bench:begin (written by Scripts/bench; edit the script, not this part) -->"
END = "<!-- bench:end -->"

# The test video: moving test pattern (gradients, text, moving shapes, a sweeping clock hand) with
# film-grain-like temporal noise, softened by a slight blur so the encoder sees realistic detail
# (15-20 Mbit/s at 1080p) rather than flat colour or pure noise. The filter is deterministic.
SOURCE = "testsrc2=size={w}x{h}:rate=30,noise=alls=20:allf=t,gblur=sigma=1.2,format=yuv420p"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
RATE = 30


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


# ---------------------------------------------------------------------------------------------
# Machine


def machine():
    info = {}
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = model
    info["cores"] = os.cpu_count()
    info["flags"] = cpu_flags()
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        info["memory"] = "?"
    info["os"] = f"{platform.system()} {platform.release()}"
    info["ffmpeg"] = sh(["ffmpeg", "-version"]).splitlines()[0]
    try:
        text = subprocess.run(["swift", "--version"], text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout
        info["swift"] = next((l for l in text.splitlines() if "Swift version" in l), text.strip() or "?")
    except (subprocess.CalledProcessError, FileNotFoundError):
        info["swift"] = "?"
    info["python"] = platform.python_version()
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        info["numpy"] = "missing"
    return info


def cpu_flags():
    """The CPU's feature flags (/proc/cpuinfo), as a set."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# The kernel paths of the region sums (FLASHSCAN_CPU, Docs/Benchmarks.md) and the CPU flags each
# needs; `generic` runs everywhere.
KERNEL_PATHS = [("generic", set()), ("avx2", {"avx2"}), ("avx512", {"avx512f", "avx512bw", "avx512vbmi"})]
# The flags worth naming beside the figures: the vector units the kernels, FFmpeg and BoringSSL's
# SHA-256 choose between.
SHOWN_FLAGS = ["sse2", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "bmi2", "avx512f", "avx512bw",
               "avx512vbmi", "sha_ni", "asimd", "sha2"]


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ---------------------------------------------------------------------------------------------
# Clips


class Clip:
    def __init__(self, name, width, height, frames, work):
        self.name = name
        self.width = width
        self.height = height
        self.frames = frames
        self.path = os.path.join(work, f"{name}-{width}x{height}-{frames}f.mp4")

    @property
    def seconds(self):
        return self.frames / RATE

    @property
    def label(self):
        return f"{self.height}p, {self.seconds:g} s ({self.frames} frames)"


def generate(clip):
    """Encodes `clip` unless it already exists (the file name holds every parameter)."""
    if os.path.exists(clip.path):
        return
    log(f"bench: generating {clip.path} ...")
    tmp = clip.path + ".tmp.mp4"
    source = SOURCE.format(w=clip.width, h=clip.height)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
         "-frames:v", str(clip.frames), *X264, tmp], check=True)
    os.replace(tmp, clip.path)


def clip_info(path):
    out = sh(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
              "stream=codec_name,width,height,bit_rate,nb_frames", "-of", "default=nw=1", path])
    return dict(line.split("=", 1) for line in out.split())


# ---------------------------------------------------------------------------------------------
# Running and measuring


class Tool:
    """One timed command. `argv` is run directly (no shell); `shown` is the command as a user
    would type it. `cut` tools run on the clip's cut and are scaled per frame."""

    def __init__(self, key, label, argv, shown, stdout=None, cut=False, reps=None, ok_codes=(0,), env=None):
        self.ok_codes = ok_codes
        self.env = env
        self.key = key
        self.label = label
        self.argv = argv
        self.shown = shown
        self.stdout = stdout
        self.cut = cut
        self.reps = reps


def measure(argv, stdout_path=None, env=None):
    """(wall s, cpu s, peak RSS KiB, exit status, minor page faults) of one run; `env`: variables
    added to this script's environment. Every run gets SOURCE_DATE_EPOCH=0, so the reports' createdAt
    is the same in every run and the checks can compare the JSON reports byte for byte."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(os.devnull, "wb")
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env={**os.environ, "SOURCE_DATE_EPOCH": "0", **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
        err.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode, usage.ru_minflt


def read_csv(path):
    rows = []
    with open(path) as f:
        header = f.readline().strip()
        if header != "frame,time,T":
            raise ValueError(f"{path}: header {header!r}")
        for line in f:
            frame, t, value = line.strip().split(",")
            rows.append((int(frame), float(t), float(value)))
    return rows


def compare(reference, other, rel=1e-9):
    """None if the tables agree (same frames, times to 1e-5 s, T to `rel`), else the first problem."""
    a = read_csv(reference)
    b = read_csv(other)
    if len(a) != len(b):
        return f"{len(b)} rows, flashscan has {len(a)}"
    worst = 0.0
    for (fa, ta, va), (fb, tb, vb) in zip(a, b):
        if fa != fb:
            return f"frame {fb} where flashscan has {fa}"
        if abs(ta - tb) > 1e-5:
            return f"frame {fa}: time {tb} vs {ta}"
        scale = max(abs(va), abs(vb))
        diff = abs(va - vb)
        if scale > 0:
            worst = max(worst, diff / scale)
        if diff > rel * scale:
            return f"frame {fa}: T {vb!r} vs flashscan {va!r}"
    return None if a else "empty table"


# ---------------------------------------------------------------------------------------------
# Report


def fmt_s(x):
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(
        prog="Scripts/bench",
        description="Times flashscan against the FFmpeg decode floors, the exam's numpy and FFmpeg's "
        "photosensitivity filter on generated 720p/1080p H.264 clips, and writes Docs/Benchmarks.md.")
    ap.add_argument("--quick", action="store_true",
                    help="one repetition, numpy on 30 frames, no 720p: a smoke run (~3 min once clips exist)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5; --quick 1)")
    ap.add_argument("--numpy-reps", type=int, default=None,
                    help="repetitions of the slow tools: numpy and the long clip (default 3)")
    ap.add_argument("--numpy-frames", type=int, default=None,
                    help="frames of the cut the numpy scripts are timed on (default 100; --quick 30)")
    ap.add_argument("--seconds", type=int, default=20, help="length of the 720p/1080p clips (default 20)")
    ap.add_argument("--work", default=os.path.join(ROOT, "bench-work"), help="work directory (default bench-work/)")
    ap.add_argument("--doc", default=os.path.join(ROOT, "Docs", "Benchmarks.md"),
                    help="document to (re)write (default Docs/Benchmarks.md)")
    ap.add_argument("--no-doc", action="store_true", help="do not write the document")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    ap.add_argument("--baseline", metavar="BINARY",
                    help="another flashscan (e.g. a release build of an earlier commit) timed beside this one "
                         "on the main clips, T table and --report, with targets: within 3%% of its wall time, "
                         "no more memory")
    ap.add_argument("--hdr", action="store_true",
                    help="only the HDR row: a 1080p 10-bit HEVC PQ clip, --report --profile bt1702 against "
                         "the T table alone (target: at most 1.5x the wall time); prints, does not write the document")
    ap.add_argument("--hdr-frames", type=int, default=150, help="frames of the HDR clip (default 150)")
    ap.add_argument("--iris-patterns", action="store_true",
                    help="only the iris-patterns rows: --report --profile iris --patterns (IRIS's pattern "
                         "algorithm) against --report --profile iris and the T table alone, on a 480x270 and "
                         "a 1920x1080 clip; prints, does not write the document")
    ap.add_argument("--iris-frames", type=int, default=100, help="frames of the iris-patterns clips (default 100)")
    ap.add_argument("--decode-limit", action="store_true",
                    help="only the decode-limit rows (issue 17): the T table against the decode-only floor "
                         "(ffmpeg -i F -f null -) on a 3.5 Mb/s 1080p H.264 clip and on the 16 Mb/s 1080p clip "
                         "(target: at most 1.15x the floor's wall time on both); prints, does not write the document")
    args = ap.parse_args()
    reps = args.reps or (1 if args.quick else 5)
    slow_reps = min(reps, args.numpy_reps or (1 if args.quick else 3))
    cut_frames = args.numpy_frames or (30 if args.quick else 100)
    if args.seconds < 1 or cut_frames < 2:
        ap.error("clips need at least 2 frames")

    os.makedirs(args.work, exist_ok=True)
    info = machine()
    log(f"bench: {info['cpu']}, {info['cores']} cores, {info['memory']}; load {loadavg()}")

    if not args.no_build:
        log("bench: swift build -c release ...")
        subprocess.run(["swift", "build", "-c", "release", "--product", "flashscan"], cwd=ROOT, check=True)
    bindir = sh(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).strip()
    flashscan = os.path.join(bindir, "flashscan")
    if not os.access(flashscan, os.X_OK):
        sys.exit(f"bench: {flashscan} is missing (build first)")
    has_report = "--report" in sh([flashscan, "scan", "--help"])
    # Since the report-first change, a run with --report prints the T table only with --table:
    # the report rows ask for it, so they write the same table as the plain run.
    table = ["--table"] if "--table" in sh([flashscan, "scan", "--help"]) else []

    if args.hdr:
        return run_hdr(args, flashscan, info, reps)
    if args.iris_patterns:
        return run_iris_patterns(args, flashscan, info, reps)
    if args.decode_limit:
        return run_decode_limit(args, flashscan, info, reps)

    frames = args.seconds * RATE
    c1080 = Clip("main", 1920, 1080, frames, args.work)
    c720 = Clip("main", 1280, 720, frames, args.work)
    long1080 = Clip("long", 1920, 1080, 3 * frames, args.work)
    # The cut is the same deterministic source, so its first frames are the clip's first frames.
    cut1080 = Clip("cut", 1920, 1080, cut_frames, args.work)
    cut720 = Clip("cut", 1280, 720, cut_frames, args.work)
    main_clips = [c1080] if args.quick else [c1080, c720]
    cuts = {c1080.path: cut1080, c720.path: cut720}
    for clip in [*main_clips, long1080, *(cuts[c.path] for c in main_clips)]:
        generate(clip)

    ref = os.path.join(ROOT, "Scripts", "reference")
    staff_py = os.path.join(ref, "flashinator_staff.py")
    part_py = os.path.join(ref, "flashinator_partition.py")
    have_numpy = info["numpy"] != "missing" and os.path.exists(staff_py) and os.path.exists(part_py)
    if not have_numpy:
        log("bench: numpy or Scripts/reference/flashinator_{staff,partition}.py missing: no numpy rows")

    out = lambda *p: os.path.join(args.work, "out", *p)
    os.makedirs(out(), exist_ok=True)
    ff = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]

    def tools_for(clip):
        rel = os.path.relpath(clip.path, ROOT)
        tag = f"{clip.name}{clip.height}"
        t = [
            Tool("fs", "flashscan", [flashscan, "--quiet", clip.path], f"flashscan {rel}",
                 stdout=out(f"{tag}-fs.csv")),
            Tool("luma", "flashscan --gray luma", [flashscan, "--quiet", "--gray", "luma", clip.path],
                 f"flashscan --gray luma {rel}", stdout=out(f"{tag}-luma.csv")),
            Tool("rgb", "floor: ffmpeg decode + rgb24", [*ff, "-i", clip.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                 f"ffmpeg -i {rel} -f rawvideo -pix_fmt rgb24 - >/dev/null"),
            Tool("null", "floor: ffmpeg decode only", [*ff, "-i", clip.path, "-f", "null", "-"],
                 f"ffmpeg -i {rel} -f null -"),
        ]
        if clip.name == "long":
            return [t[0], t[2]]
        t.append(Tool("photo", "ffmpeg photosensitivity filter",
                      [*ff, "-i", clip.path, "-vf", "photosensitivity=bypass=1", "-f", "null", "-"],
                      f"ffmpeg -i {rel} -vf photosensitivity=bypass=1 -f null -"))
        if has_report:
            t.append(Tool("report", "flashscan --report (T + photosensitivity analysis + patterns)",
                          [flashscan, "--quiet", *table, "--report", out(f"{tag}-report.json"), clip.path],
                          f"flashscan {rel} --report out.json", stdout=out(f"{tag}-report-t.csv"),
                          ok_codes=(0, 3)))  # 3: the verdict was fail (--fail-on's default)
            t.append(Tool("ofcom", "flashscan --report --profile ofcom (T + flashes + patterns)",
                          [flashscan, "--quiet", *table, "--profile", "ofcom", "--report",
                           out(f"{tag}-ofcom.json"), clip.path],
                          f"flashscan {rel} --profile ofcom --report out.json", ok_codes=(0, 3)))
            t.append(Tool("bt1702", "flashscan --report --profile bt1702 (T + flashes + patterns)",
                          [flashscan, "--quiet", *table, "--profile", "bt1702", "--report",
                           out(f"{tag}-bt1702.json"), clip.path],
                          f"flashscan {rel} --profile bt1702 --report out.json", ok_codes=(0, 3)))
        if has_report and clip is c1080:
            for name, needs in KERNEL_PATHS:
                if not needs <= info["flags"]:
                    continue  # this CPU lacks the path (flashscan would warn and run the best one)
                t.append(Tool(f"report-{name}", f"flashscan --report, FLASHSCAN_CPU={name}",
                              [flashscan, "--quiet", *table, "--report", out(f"{tag}-report-{name}.json"), clip.path],
                              f"FLASHSCAN_CPU={name} flashscan {rel} --report out.json",
                              stdout=out(f"{tag}-report-{name}-t.csv"), ok_codes=(0, 3),
                              env={"FLASHSCAN_CPU": name}))
        if args.baseline:
            base = os.path.abspath(args.baseline)
            t.append(Tool("base", "baseline flashscan", [base, "--quiet", clip.path],
                          f"{args.baseline} {rel}", stdout=out(f"{tag}-base.csv")))
            t.append(Tool("basereport", "baseline flashscan --report",
                          [base, "--quiet", "--report", out(f"{tag}-base-report.json"), clip.path],
                          f"{args.baseline} {rel} --report out.json", ok_codes=(0, 3)))
        if have_numpy:
            cut = cuts[clip.path]
            crel = os.path.relpath(cut.path, ROOT)
            t.append(Tool("staff", "numpy, course staff's (full sort)", ["python3", staff_py, cut.path],
                          f"python3 Scripts/reference/flashinator_staff.py {crel}",
                          stdout=out(f"{tag}-staff.csv"), cut=True, reps=slow_reps))
            t.append(Tool("part", "numpy, table + np.partition", ["python3", part_py, cut.path],
                          f"python3 Scripts/reference/flashinator_partition.py {crel}",
                          stdout=out(f"{tag}-part.csv"), cut=True, reps=slow_reps))
        return t

    clips = [*main_clips, long1080]
    plan = {c.path: tools_for(c) for c in clips}
    results = {(c.path, t.key): [] for c in clips for t in plan[c.path]}
    failures = []
    load_before = loadavg()
    started = time.time()
    for rep in range(reps):
        for clip in clips:
            tools = plan[clip.path]
            shift = rep % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                limit = slow_reps if (tool.reps or clip.name == "long") else reps
                if rep >= limit:
                    continue
                wall, cpu, rss, code, faults = measure(tool.argv, tool.stdout, tool.env)
                log(f"bench: rep {rep + 1}/{reps} {clip.height}p {clip.name:4} {tool.label:52} "
                    f"{wall:7.2f} s wall {cpu:7.2f} s cpu {rss / 1024:7.1f} MiB")
                if code not in tool.ok_codes:
                    failures.append(f"{tool.shown}: exit status {code}")
                results[(clip.path, tool.key)].append((wall, cpu, rss, faults))
    elapsed = time.time() - started
    load_after = loadavg()

    # Correctness: flashscan's full tables have one row per delta-frame; the numpy tables equal
    # flashscan's on the cut.
    checks = []
    for clip in clips:
        for tool in plan[clip.path]:
            if tool.key in ("fs", "luma") and tool.stdout:
                n = len(read_csv(tool.stdout))
                ok = n == clip.frames - 1
                checks.append((f"{tool.label} on {clip.label}: {n} rows", ok))
        report = next((t for t in plan[clip.path] if t.key == "report"), None)
        if report:
            fs_csv = next(t.stdout for t in plan[clip.path] if t.key == "fs")
            same = open(fs_csv).read() == open(report.stdout).read()
            verdict = "?"
            try:
                import json

                with open(out(f"{clip.name}{clip.height}-report.json")) as f:
                    verdict = json.load(f).get("verdict", "?")
            except (OSError, ValueError):
                pass
            checks.append((f"flashscan --report on {clip.label} prints the same T table as flashscan "
                           f"(report verdict: {verdict})", same))
        for forced in (t for t in plan[clip.path] if t.key.startswith("report-")):
            fs_csv = next(t.stdout for t in plan[clip.path] if t.key == "fs")
            default_json = out(f"{clip.name}{clip.height}-report.json")
            forced_json = out(f"{clip.name}{clip.height}-{forced.key}.json")
            same_table = open(fs_csv, "rb").read() == open(forced.stdout, "rb").read()
            same_report = os.path.exists(default_json) and os.path.exists(forced_json) and \
                open(default_json, "rb").read() == open(forced_json, "rb").read()
            checks.append((f"{forced.label} on {clip.label}: the same T table as flashscan and the same "
                           f"JSON report, byte for byte, as the default path's", same_table and same_report))
        base = next((t for t in plan[clip.path] if t.key == "base"), None)
        if base:
            fs_csv = next(t.stdout for t in plan[clip.path] if t.key == "fs")
            checks.append((f"the baseline prints the same T table as flashscan on {clip.label}",
                           open(fs_csv, "rb").read() == open(base.stdout, "rb").read()))
        if have_numpy and clip.name == "main":
            cut = cuts[clip.path]
            fs_cut = out(f"cut{cut.height}-fs.csv")
            subprocess.run([flashscan, "--quiet", cut.path], stdout=open(fs_cut, "w"), check=True)
            for tool in plan[clip.path]:
                if tool.cut:
                    problem = compare(fs_cut, tool.stdout)
                    checks.append((f"{tool.label} equals flashscan on the {cut.height}p cut "
                                   f"({cut.frames} frames, T to 1e-9 relative)"
                                   + (f": {problem}" if problem else ""), problem is None))
    for text, ok in checks:
        log(f"bench: check {'ok  ' if ok else 'FAIL'} {text}")

    # Tables
    def stat(clip, key):
        runs = results.get((clip.path, key), [])
        if not runs:
            return None
        wall = median([r[0] for r in runs])
        cpu = median([r[1] for r in runs])
        rss = median([r[2] for r in runs]) / 1024
        faults = median([r[3] for r in runs])
        tool = next(t for t in plan[clip.path] if t.key == key)
        if tool.cut:
            scale = clip.frames / cuts[clip.path].frames
            wall *= scale
            cpu *= scale
        return {"wall": wall, "cpu": cpu, "rss": rss, "faults": faults, "n": len(runs), "tool": tool}

    lines = []
    lines.append(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by "
                 f"`Scripts/bench{' --quick' if args.quick else ''}` "
                 f"({reps} interleaved repetitions, numpy and the long clip {slow_reps}; medians; "
                 f"{elapsed / 60:.1f} min of timing).")
    lines.append("")
    lines.append("### Machine")
    lines.append("")
    lines.append(f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}; {info['os']}")
    shown = [f for f in SHOWN_FLAGS if f in info["flags"]]
    lacking = [f for f in SHOWN_FLAGS if f not in info["flags"]]
    lines.append(f"- CPU features (/proc/cpuinfo): {' '.join(shown) or 'none of those below'}; "
                 f"not present: {' '.join(lacking) or '-'}. Region-sum paths run here: "
                 + ", ".join(n for n, needs in KERNEL_PATHS if needs <= info["flags"])
                 + f"; the default (`FLASHSCAN_CPU` unset) is the last of them.")
    lines.append(f"- {info['ffmpeg']}")
    lines.append(f"- {info['swift']}")
    lines.append(f"- Python {info['python']}, numpy {info['numpy']}")
    lines.append(f"- Load average (1, 5, 15 min) before timing: {load_before}; after: {load_after}. "
                 "A load above the core count means other work shared the CPU: wall times then "
                 "stretch, CPU times much less.")
    lines.append("")
    lines.append("### Clips")
    lines.append("")
    lines.append("Generated into `bench-work/` (git-ignored), 30 fps H.264 (libx264 `-preset veryfast -crf 23`, "
                 "yuv420p) from the deterministic FFmpeg source")
    lines.append(f"`{SOURCE.format(w='W', h='H')}`: a moving test pattern with film-grain noise.")
    lines.append("")
    lines.append("| clip | frames | bit rate |")
    lines.append("|---|---|---|")
    for clip in [*clips, *(cuts[c.path] for c in main_clips if have_numpy)]:
        ci = clip_info(clip.path)
        rate = int(ci.get("bit_rate", "0") or 0) / 1e6
        lines.append(f"| `{os.path.relpath(clip.path, ROOT)}` | {clip.frames} | {rate:.1f} Mbit/s |")
    lines.append("")

    verdicts = []
    for clip in clips:
        fs = stat(clip, "fs")
        if not fs:
            continue
        lines.append(f"### {clip.label}" + (" (memory-growth check)" if clip.name == "long" else ""))
        lines.append("")
        lines.append("| tool | wall s | CPU s | peak RSS MiB | page faults | wall / flashscan | RSS / flashscan |")
        lines.append("|---|---|---|---|---|---|---|")
        for tool in plan[clip.path]:
            s = stat(clip, tool.key)
            if not s:
                continue
            mark = " *" if tool.cut else ""
            lines.append(f"| {tool.label}{mark} | {fmt_s(s['wall'])} | {fmt_s(s['cpu'])} | {s['rss']:.0f} | "
                         f"{s['faults']:.0f} | {s['wall'] / fs['wall']:.2f}x | {s['rss'] / fs['rss']:.2f}x |")
        if any(t.cut for t in plan[clip.path]):
            cut = cuts[clip.path]
            lines.append("")
            lines.append(f"\\* timed on the first {cut.frames} frames (`{os.path.relpath(cut.path, ROOT)}`) and "
                         f"scaled by {clip.frames}/{cut.frames} to the whole clip; the RSS is the cut's.")
        lines.append("")

    # Targets (1080p)
    fs = stat(c1080, "fs")
    tgt = []

    def target(text, value, limit, ok):
        tgt.append((text, value, limit, ok))

    rgb, null, luma = stat(c1080, "rgb"), stat(c1080, "null"), stat(c1080, "luma")
    if fs and rgb:
        target("flashscan wall / rgb24 decode floor wall", f"{fs['wall'] / rgb['wall']:.3f}x", "<= 1.10x",
               fs["wall"] / rgb["wall"] <= 1.10)
        target("(same in CPU time)", f"{fs['cpu'] / rgb['cpu']:.3f}x", "(information)", None)
    if luma and null:
        target("flashscan --gray luma wall / decode-only floor wall", f"{luma['wall'] / null['wall']:.3f}x",
               "<= 1.10x", luma["wall"] / null["wall"] <= 1.10)
        target("(same in CPU time)", f"{luma['cpu'] / null['cpu']:.3f}x", "(information)", None)
    numpy_stats = [s for s in (stat(c1080, "staff"), stat(c1080, "part")) if s]
    if fs and numpy_stats:
        fastest = min(numpy_stats, key=lambda s: s["wall"])
        target(f"speed-up over the faster numpy ({fastest['tool'].label})",
               f"{fastest['wall'] / fs['wall']:.1f}x", ">= 20x", fastest["wall"] / fs["wall"] >= 20)
    if fs and rgb:
        target("flashscan peak RSS / rgb24 floor's", f"{fs['rss']:.0f} / {rgb['rss']:.0f} MiB = "
               f"{fs['rss'] / rgb['rss']:.3f}x", "<= 1.25x", fs["rss"] / rgb["rss"] <= 1.25)
    lfs = stat(long1080, "fs")
    if fs and lfs:
        growth = lfs["rss"] / fs["rss"] - 1
        target(f"peak RSS growth, {long1080.seconds:g} s vs {c1080.seconds:g} s clip",
               f"{lfs['rss']:.0f} vs {fs['rss']:.0f} MiB = {growth * 100:+.1f}%", "< +10%", growth < 0.10)
    rep = stat(c1080, "report")
    photo = stat(c1080, "photo")
    if rep and fs:
        target("flashscan --report wall / flashscan wall", f"{rep['wall'] / fs['wall']:.3f}x", "<= 1.5x",
               rep["wall"] / fs["wall"] <= 1.5)
    ofcom = stat(c1080, "ofcom")
    if ofcom and fs:
        target("flashscan --report --profile ofcom (patterns included) wall / flashscan wall",
               f"{ofcom['wall'] / fs['wall']:.3f}x", "<= 1.5x", ofcom["wall"] / fs["wall"] <= 1.5)
    bt = stat(c1080, "bt1702")
    if bt and fs:
        target("flashscan --report --profile bt1702 (patterns included) wall / flashscan wall",
               f"{bt['wall'] / fs['wall']:.3f}x", "<= 1.5x", bt["wall"] / fs["wall"] <= 1.5)
    if rep and photo:
        target("flashscan --report wall / photosensitivity filter wall",
               f"{rep['wall'] / photo['wall']:.3f}x", "< 1x", rep["wall"] < photo["wall"])
    elif photo and fs:
        target("(no --report yet) flashscan T table wall / photosensitivity filter wall",
               f"{fs['wall'] / photo['wall']:.2f}x", "(information)", None)

    for name, limit in (("avx2", 1.15), ("generic", 1.3), ("avx512", None)):
        forced = stat(c1080, f"report-{name}")
        if not (forced and fs):
            continue
        ratio = forced["wall"] / fs["wall"]
        target(f"FLASHSCAN_CPU={name} flashscan --report wall / flashscan wall", f"{ratio:.3f}x",
               f"<= {limit}x" if limit else "(information)", ratio <= limit if limit else None)
        target("(same in CPU time)", f"{forced['cpu'] / fs['cpu']:.3f}x", "(information)", None)
        if photo:
            target(f"FLASHSCAN_CPU={name} flashscan --report wall / photosensitivity filter wall",
                   f"{forced['wall'] / photo['wall']:.3f}x", "< 1x", forced["wall"] < photo["wall"])
    for name, needs in KERNEL_PATHS:
        if has_report and not needs <= info["flags"]:
            target(f"FLASHSCAN_CPU={name} rows", "not run: this CPU lacks " + " ".join(sorted(needs - info["flags"])),
                   "", None)

    base, basereport = stat(c1080, "base"), stat(c1080, "basereport")
    if fs and base:
        target("flashscan wall / baseline's", f"{fs['wall'] / base['wall']:.3f}x", "<= 1.03x",
               fs["wall"] / base["wall"] <= 1.03)
        target("flashscan peak RSS / baseline's", f"{fs['rss']:.0f} / {base['rss']:.0f} MiB", "<= 1x",
               fs["rss"] <= base["rss"])
        target("flashscan page faults / baseline's", f"{fs['faults']:.0f} / {base['faults']:.0f}", "<= 1x",
               fs["faults"] <= base["faults"])
    if rep and basereport:
        target("flashscan --report wall / baseline --report's", f"{rep['wall'] / basereport['wall']:.3f}x",
               "<= 1.03x", rep["wall"] / basereport["wall"] <= 1.03)
        target("flashscan --report peak RSS / baseline's", f"{rep['rss']:.0f} / {basereport['rss']:.0f} MiB",
               "<= 1x", rep["rss"] <= basereport["rss"])
    lines.append(f"### Targets ({c1080.label})")
    lines.append("")
    lines.append("| target | measured | limit | met |")
    lines.append("|---|---|---|---|")
    for text, value, limit, ok in tgt:
        lines.append(f"| {text} | {value} | {limit} | {'' if ok is None else ('yes' if ok else '**no**')} |")
    lines.append("")
    lines.append("### Checks")
    lines.append("")
    for text, ok in checks:
        lines.append(f"- {'ok' if ok else '**FAILED**'}: {text}")
    for f in failures:
        lines.append(f"- **FAILED**: {f}")
    lines.append("")
    lines.append("### Commands")
    lines.append("")
    lines.append("Each command runs directly (no shell; the floors' output goes to /dev/null, flashscan's table "
                 "and the numpy tables to files under `bench-work/out/`), with `-nostdin -hide_banner -loglevel "
                 "error` added to the ffmpeg commands and `--quiet` to flashscan's. Peak RSS is `ru_maxrss` from "
                 "`wait4` (the largest of the process and the children it waited for); CPU time is user + system "
                 "of the process and those children.")
    lines.append("")
    lines.append("```sh")
    seen = set()
    for clip in clips:
        for tool in plan[clip.path]:
            if tool.shown not in seen:
                seen.add(tool.shown)
                lines.append(tool.shown)
    lines.append("```")
    lines.append("")
    lines.append("Reproduce with `Scripts/bench` (about 15 minutes on 2 cores once the clips exist; generating "
                 "them the first time takes a few minutes more) or `Scripts/bench --quick`.")
    section = "\n".join(lines) + "\n"

    print()
    print(HEADING + "\n")
    print(section)
    if not args.no_doc:
        write_doc(args.doc, section)
        log(f"bench: wrote {os.path.relpath(args.doc, ROOT)}")
    bad = failures or any(not ok for _, ok in checks)
    sys.exit(1 if bad else 0)


def run_hdr(args, flashscan, info, reps):
    """The bt1702 profile on a 1080p 10-bit HEVC PQ clip against the T table alone."""
    table = ["--table"] if "--table" in sh([flashscan, "scan", "--help"]) else []
    if args.hdr_frames < 2:
        sys.exit("bench: --hdr-frames needs at least 2")
    path = os.path.join(args.work, f"hdr-pq10-1920x1080-{args.hdr_frames}f.mkv")
    if not os.path.exists(path):
        log(f"bench: generating {path} ...")
        tmp = path + ".tmp.mkv"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", SOURCE.format(w=1920, h=1080), "-frames:v", str(args.hdr_frames),
             "-pix_fmt", "yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-crf", "22",
             "-x265-params", "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
             "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
             "-color_range", "tv", tmp], check=True)
        os.replace(tmp, path)
    rel = os.path.relpath(path, ROOT)
    report = os.path.join(args.work, "hdr-report.json")
    tools = [
        Tool("t", "T table alone", [flashscan, "--quiet", path], f"flashscan --quiet {rel}"),
        Tool("bt1702", "--report --profile bt1702",
             [flashscan, "--quiet", *table, path, "--report", report, "--profile", "bt1702"],
             f"flashscan --quiet {rel} --report r.json --profile bt1702", ok_codes=(0, 3)),
        Tool("wcag", "--report (wcag, 8-bit path)",
             [flashscan, "--quiet", *table, path, "--report", report],
             f"flashscan --quiet {rel} --report r.json", ok_codes=(0, 3)),
    ]
    results = {t.key: [] for t in tools}
    for r in range(reps):
        for t in tools:
            wall, cpu, rss, code, _ = measure(t.argv)
            if code not in t.ok_codes:
                sys.exit(f"bench: {t.shown} exited {code}")
            results[t.key].append((wall, cpu, rss))
            log(f"bench: rep {r + 1} {t.label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss // 1024} MiB")
    print(f"HDR clip: {rel} (1920x1080, {args.hdr_frames} frames, HEVC yuv420p10le, smpte2084/bt2020)")
    print(f"CPU: {info['cpu']}, {info['cores']} cores; {reps} interleaved repetitions, medians")
    print("| command | wall s | CPU s | peak RSS MiB |")
    print("|---|---|---|---|")
    for t in tools:
        rows = results[t.key]
        print(f"| `{t.shown}` | {median([x[0] for x in rows]):.2f} | {median([x[1] for x in rows]):.2f} "
              f"| {median([x[2] for x in rows]) / 1024:.0f} |")
    base = median([x[0] for x in results["t"]])
    ratio = median([x[0] for x in results["bt1702"]]) / base
    print(f"bt1702 report / T table alone, wall: {ratio:.2f}x (target at most 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")
    return 0


def run_iris_patterns(args, flashscan, info, reps):
    """IRIS's pattern algorithm (--profile iris --patterns) against the iris report without it and
    the T table alone: at 480 px wide IRIS's detector works at the frame's size, at 1080p at
    960x540 (IRIS halves frames wider than 480)."""
    table = ["--table"] if "--table" in sh([flashscan, "scan", "--help"]) else []
    if args.iris_frames < 2:
        sys.exit("bench: --iris-frames needs at least 2")
    for w, h in ((480, 270), (1920, 1080)):
        path = os.path.join(args.work, f"iris-{w}x{h}-{args.iris_frames}f.mkv")
        if not os.path.exists(path):
            log(f"bench: generating {path} ...")
            tmp = path + ".tmp.mkv"
            subprocess.run(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                 "-i", SOURCE.format(w=w, h=h), "-frames:v", str(args.iris_frames),
                 "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", tmp],
                check=True)
            os.replace(tmp, path)
        rel = os.path.relpath(path, ROOT)
        report = os.path.join(args.work, "iris-report.json")
        tools = [
            Tool("t", "T table alone", [flashscan, "--quiet", path], f"flashscan --quiet {rel}"),
            Tool("iris", "--report --profile iris",
                 [flashscan, "--quiet", *table, path, "--report", report, "--profile", "iris"],
                 f"flashscan --quiet {rel} --report r.json --profile iris", ok_codes=(0, 3)),
            Tool("irisp", "--report --profile iris --patterns",
                 [flashscan, "--quiet", *table, path, "--report", report, "--profile", "iris", "--patterns"],
                 f"flashscan --quiet {rel} --report r.json --profile iris --patterns", ok_codes=(0, 3)),
        ]
        results = {t.key: [] for t in tools}
        for r in range(reps):
            for t in tools:
                wall, cpu, rss, code, _ = measure(t.argv)
                if code not in t.ok_codes:
                    sys.exit(f"bench: {t.shown} exited {code}")
                results[t.key].append((wall, cpu, rss))
                log(f"bench: rep {r + 1} {t.label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss // 1024} MiB")
        print(f"iris-patterns clip: {rel} ({w}x{h}, {args.iris_frames} frames, H.264)")
        print(f"CPU: {info['cpu']}, {info['cores']} cores; load {loadavg()}; {reps} interleaved repetitions, medians")
        print("| command | wall s | CPU s | peak RSS MiB |")
        print("|---|---|---|---|")
        for t in tools:
            rows = results[t.key]
            print(f"| `{t.shown}` | {median([x[0] for x in rows]):.2f} | {median([x[1] for x in rows]):.2f} "
                  f"| {median([x[2] for x in rows]) / 1024:.0f} |")
        base = median([x[0] for x in results["t"]])
        for key in ("iris", "irisp"):
            print(f"{key} / T table alone, wall: {median([x[0] for x in results[key]]) / base:.2f}x")
        print()


# The low-bit-rate clip of the decode-limit rows: the main clips' source, x264 at an average of
# 3.5 Mbit/s (where decoding is cheap, so what flashscan adds to it shows).
LOW_RATE_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3500k", "-maxrate", "3500k",
                 "-bufsize", "7000k", "-pix_fmt", "yuv420p"]


def run_decode_limit(args, flashscan, info, reps):
    """The T table against the decode-only floor on a 3.5 Mb/s and the 16 Mb/s 1080p clip."""
    frames = args.seconds * RATE
    load_before = loadavg()
    main = Clip("main", 1920, 1080, frames, args.work)
    generate(main)
    low = Clip("low3500k", 1920, 1080, frames, args.work)
    if not os.path.exists(low.path):
        log(f"bench: generating {low.path} ...")
        tmp = low.path + ".tmp.mp4"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", SOURCE.format(w=1920, h=1080), "-frames:v", str(frames), *LOW_RATE_X264, tmp],
            check=True)
        os.replace(tmp, low.path)
    ff = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]
    tools = []
    for clip in [low, main]:
        rel = os.path.relpath(clip.path, ROOT)
        tools += [
            (clip, Tool("fs", "T table", [flashscan, "--quiet", clip.path], f"flashscan --quiet {rel}")),
            (clip, Tool("null", "floor: decode only", [*ff, "-i", clip.path, "-f", "null", "-"],
                        f"ffmpeg -i {rel} -f null -")),
        ]
    results = {(c.path, t.key): [] for c, t in tools}
    for r in range(reps):
        for clip, t in tools:
            wall, cpu, rss, code, _ = measure(t.argv)
            if code not in t.ok_codes:
                sys.exit(f"bench: {t.shown} exited {code}")
            results[(clip.path, t.key)].append((wall, cpu, rss))
            log(f"bench: rep {r + 1} {t.shown}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss // 1024} MiB")
    print(f"CPU: {info['cpu']}, {info['cores']} cores; {reps} interleaved repetitions, medians; "
          f"load average (1, 5, 15 min) before: {load_before}; after: {loadavg()}")
    print("| clip | bit rate | command | wall s | CPU s | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for clip, t in tools:
        rows = results[(clip.path, t.key)]
        rate = int(clip_info(clip.path).get("bit_rate", "0")) / 1e6
        print(f"| {clip.label} | {rate:.1f} Mbit/s | `{t.shown}` | {median([x[0] for x in rows]):.2f} "
              f"| {median([x[1] for x in rows]):.2f} | {median([x[2] for x in rows]) / 1024:.0f} |")
    met = True
    for clip in [low, main]:
        fs = results[(clip.path, "fs")]
        null = results[(clip.path, "null")]
        ratio = median([x[0] for x in fs]) / median([x[0] for x in null])
        cpu_ratio = median([x[1] for x in fs]) / median([x[1] for x in null])
        ok = ratio <= 1.15
        met = met and ok
        print(f"{os.path.relpath(clip.path, ROOT)}: T table / decode-only floor, wall {ratio:.3f}x "
              f"(target at most 1.15x: {'met' if ok else 'NOT met'}); CPU time {cpu_ratio:.3f}x")
    return 0


def write_doc(path, section):
    """Replaces the bench part of `path` (between the markers, under HEADING), keeping everything
    else; other scripts (Scripts/bench-nn) own other `## ` sections of the same file."""
    block = f"{BEGIN}\n{section}{END}\n"
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = ("# Benchmarks\n\nHow fast flashscan runs and how much memory it takes, against the tools people "
                "would otherwise use. The section below is regenerated by `Scripts/bench`.\n\n")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        tail = tail.lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + HEADING + "\n\n" + block
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
