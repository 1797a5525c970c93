"""Frames and times of a video's first (or chosen) video stream, read through the ffmpeg CLI.

Shared by the reference scripts in this folder. The RGB is exactly what
`ffmpeg -i FILE -map 0:v:0 -f rawvideo -pix_fmt rgb24 -fps_mode passthrough -` writes (every
decoded frame, none dropped or duplicated), the same bytes flashscan analyses; the times are
ffprobe's per-frame presentation times, counted from the stream's first frame.
"""
import json
import subprocess
import sys

import numpy as np


def probe(path, stream="v:0"):
    """(width, height, [time of each frame in seconds from the first frame])."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
         "stream=width,height:frame=pts_time,best_effort_timestamp_time", "-of", "json", path],
        check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    s = info["streams"][0]
    times = []
    for f in info.get("frames", []):
        t = f.get("pts_time", f.get("best_effort_timestamp_time"))
        times.append(float(t) if t not in (None, "N/A") else float("nan"))
    if times:
        t0 = times[0]
        times = [t - t0 for t in times]
    return int(s["width"]), int(s["height"]), times


def chunks(path, width, height, chunk_frames=16, stream="v:0"):
    """Yields uint8 arrays of shape (n, height, width, 3), n <= chunk_frames, in order."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:" + stream,
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-fps_mode", "passthrough", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    frame_bytes = width * height * 3
    try:
        while True:
            data = proc.stdout.read(frame_bytes * chunk_frames)
            if not data:
                break
            n = len(data) // frame_bytes
            if n * frame_bytes != len(data):
                sys.exit("ffmpeg: truncated frame")
            yield np.frombuffer(data, dtype=np.uint8).reshape(n, height, width, 3)
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            sys.exit("ffmpeg failed on " + path)


def number(x):
    """The shortest text that reads back to the same double; 0 (never -0) and no trailing .0."""
    x = float(x)
    if x == 0:
        return "0"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def print_rows(rows, out=sys.stdout, detail=False):
    """rows: iterable of (frame, time, T, P, N) -> CSV `frame,time,T` (plus `pos,neg` with detail)."""
    out.write("frame,time,T,pos,neg\n" if detail else "frame,time,T\n")
    for frame, time, t, p, n in rows:
        cells = [str(frame), number(time), number(t)]
        if detail:
            cells += [number(p), number(-n)]
        out.write(",".join(cells) + "\n")
