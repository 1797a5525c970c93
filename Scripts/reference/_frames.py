"""Shared helpers for the reference flashinators: frames from an ffmpeg pipe, frame times, CSV output.

Frames are exactly what `ffmpeg -i CLIP -f rawvideo -pix_fmt rgb24 -` writes (the bytes flashscan's
default mode analyses; ../../../shared/docs/flashinator-spec.md, "Input"), read a chunk at a time so
a long video never has to fit in memory.
"""
import json
import subprocess
import sys

import numpy as np


def probe(path):
    """(width, height, presentation times in seconds from the first frame) of the first video stream."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-show_entries", "packet=pts_time", "-of", "json", path],
        check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    stream = info["streams"][0]
    pts = sorted(float(p["pts_time"]) for p in info.get("packets", []) if p.get("pts_time") not in (None, "N/A"))
    times = [t - pts[0] for t in pts] if pts else []
    return int(stream["width"]), int(stream["height"]), times


def chunks(path, width, height, chunk_frames):
    """Yields (n, H, W, 3) uint8 arrays of consecutive frames."""
    frame_bytes = width * height * 3
    proc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout=subprocess.PIPE, bufsize=0)
    try:
        while True:
            buf = bytearray(frame_bytes * chunk_frames)
            view = memoryview(buf)
            got = 0
            while got < len(buf):
                n = proc.stdout.readinto(view[got:])
                if not n:
                    break
                got += n
            frames = got // frame_bytes
            if frames == 0:
                break
            yield np.frombuffer(buf, dtype=np.uint8, count=frames * frame_bytes).reshape(frames, height, width, 3)
            if got < len(buf):
                break
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            raise SystemExit(f"ffmpeg failed on {path}")


def shortest(x):
    """Shortest text that reads back as the same double; -0 prints as 0."""
    if x == 0:
        return "0"
    return repr(float(x))


def run(table_of, argv, chunk_frames=8):
    """CLI: CLIP [--top-k K] -> `frame,time,T` CSV on stdout. `table_of(frames, k)` maps an
    (n, H, W, 3) chunk that starts with the previous chunk's last frame to n - 1 T values."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--chunk-frames", type=int, default=chunk_frames)
    args = parser.parse_args(argv)
    width, height, times = probe(args.clip)
    out = sys.stdout
    out.write("frame,time,T\n")
    previous = None
    index = 0
    for chunk in chunks(args.clip, width, height, args.chunk_frames):
        frames = chunk if previous is None else np.concatenate([previous, chunk])
        t = table_of(frames, args.top_k)
        first = index + (1 if previous is None else 0)
        for i, value in enumerate(t):
            frame = first + i
            time = times[frame] if frame < len(times) else float("nan")
            out.write(f"{frame},{shortest(time)},{shortest(value)}\n")
        index += len(chunk)
        previous = chunk[-1:].copy()
