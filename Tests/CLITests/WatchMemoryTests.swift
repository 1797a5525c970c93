import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A kilobyte figure of a process's /proc status (`VmHWM`, `VmRSS`), nil once it is gone.
func procStatusKB(_ pid: Int32, _ key: String) -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
    return nil
  }
  for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
    return line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
      .first.flatMap { Int($0) }
  }
  return nil
}

/// A process's CPU time (user + system) in clock ticks (/proc/PID/stat), nil once it is gone.
func procCPUTicks(_ pid: Int32) -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = text.lastIndex(of: ")")
  else { return nil }
  // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
  let fields = text[text.index(after: close)...].split(separator: " ")
  guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else {
    return nil
  }
  return user + system
}

@Suite("flashscan watch: memory and CPU stay flat", .serialized)
struct WatchMemoryTests {
  /// Five minutes of a 32x18 stream at 50 fps (15 000 frames, a 2 s flash every 20 s: 15
  /// incidents), read as fast as it decodes: the watch's peak RSS at one minute of stream
  /// time and at the end differ by less than `tolerance` (3 MB). Measured on a debug build:
  /// 0.14 MB (1.2 MB before the watch ran the pattern check); a watch that kept each frame's row (about 360 bytes a frame, and a copy of them all
  /// when its report joined them) grew by 9.4 MB over the same run.
  ///
  /// CPU, in the same run: the CPU time the process spends per frame in the last minute of
  /// stream time must stay within `cpuGrowth` (3x) of the first minute's. Each poll pairs the
  /// process's CPU ticks (/proc/PID/stat) with the frames of the latest status event. This is a
  /// growth check, not a speed assertion: work that grows with the frames watched so far (a list
  /// scanned per frame, say) would make the last minute's figure several times the first's, while
  /// a per-frame cost that stays flat keeps the ratio near 1 (the first minute also pays the
  /// start-up, which only lowers the ratio). Both figures are ratios of CPU time to frames of one
  /// process, so a loaded machine slows both alike; 3x leaves room for a 2-core CI shared with
  /// other jobs (CPU time still rises somewhat under contention: cache misses, the status thread).
  ///
  /// "The end" is the last poll before a status past 290 s of stream time (status events come
  /// about every 2 s of stream time, so the end-of-watch work has not begun): that work
  /// pages in about 5 MB of file-backed pages once (measured: RssFile rises, RssAnon
  /// does not), which is not growth.
  @Test func peakRSSAndCPUAreFlatOverMinutes() throws {
    let cpuGrowth = 3.0
    let tolerance = 3072  // kB
    let dir = try TemporaryDirectory(prefix: "watch-memory")
    let clip = dir.file("long.mkv")
    _ = try FFmpegCLI.run([
      "-v", "error", "-f", "lavfi", "-i",
      "color=c=black:s=32x18:r=50:d=300,format=gray,"
        + "geq=lum='if(lt(mod(T\\,20)\\,2)*lt(mod(N\\,10)\\,4)\\,235\\,16)',format=yuv420p",
      "-c:v", "ffv1", "-y", clip,
    ])
    let report = dir.file("watch.json")
    let watch = try Flashscan.start(
      ["watch", clip, "--status-every", "0.1", "--report", report], captureStdout: false)
    defer { if watch.process.isRunning { watch.signal(SIGKILL) } }
    let pid = watch.process.processIdentifier
    let lines = LineCollector(fd: watch.stdoutPipe.fileHandleForReading.fileDescriptor)

    var atMinute: (kB: Int, streamTime: Double)? = nil
    var last: Int? = nil
    // (CPU ticks, frames, stream time) of each poll that saw a new status event.
    var cpu: [(ticks: Int, frames: Int, time: Double)] = []
    let deadline = monotonicNow() + 60
    var polls = 0
    while watch.process.isRunning && monotonicNow() < deadline && polls < 10_000 {
      polls += 1
      let statusTime = lines.events.last(where: { $0.json["event"] as? String == "status" })
        .flatMap { $0.json["time"] as? Double }
      if let hwm = procStatusKB(pid, "VmHWM"), (statusTime ?? 0) < 290 { last = hwm }
      if let ticks = procCPUTicks(pid),
        let status = lines.events.last(where: { $0.json["event"] as? String == "status" }),
        let frames = status.json["frames"] as? Int, let t = status.json["time"] as? Double,
        frames > (cpu.last?.frames ?? 0)
      {
        cpu.append((ticks, frames, t))
      }
      if atMinute == nil, let hwm = last,
        let status = lines.events.last(where: { $0.json["event"] as? String == "status" }),
        let t = status.json["time"] as? Double, t >= 60
      {
        atMinute = (hwm, t)
      }
      usleep(10_000)
    }
    // Bounded: a watch still running after the loop is killed (and the test fails below).
    if watch.process.isRunning { watch.signal(SIGKILL) }
    let result = watch.finish()
    lines.finish()
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let statuses = lines.events.filter { $0.json["event"] as? String == "status" }
    let minute = try #require(
      atMinute,
      "no status at 60 s of stream time (\(polls) polls, \(statuses.count) status events, last \(statuses.last?.json ?? [:])): \(result.stderr)"
    )
    let end = try #require(last)
    #expect(minute.streamTime < 90, "sampled late: \(minute.streamTime) s")
    let incidents = lines.events.filter { $0.json["event"] as? String == "incident-end" }
    #expect(incidents.count == 15)
    let data = try #require(FileManager.default.contents(atPath: report))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect((json["incidents"] as? [Any])?.count == 15)
    #expect(json["frames"] == nil)
    print("watch peak RSS: \(minute.kB) kB at \(minute.streamTime) s, \(end) kB at the end")
    // CPU per frame: from the start to the first status at 60 s of stream time, and from the
    // first at 240 s to the last sample (the last minute).
    let first = try #require(cpu.first { $0.time >= 60 }, "no CPU sample at 1 min")
    let lastStart = try #require(cpu.first { $0.time >= 240 }, "no CPU sample at 4 min")
    let lastEnd = try #require(cpu.last)
    #expect(lastEnd.frames - lastStart.frames >= 2000, "the last minute was not sampled")
    #expect(first.ticks > 0 && lastEnd.ticks > lastStart.ticks)
    let firstPerFrame = Double(first.ticks) / Double(first.frames)
    let lastPerFrame =
      Double(lastEnd.ticks - lastStart.ticks) / Double(max(1, lastEnd.frames - lastStart.frames))
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    print(
      "watch CPU per frame: \(firstPerFrame / hz * 1e6) µs in the first minute (\(first.frames) frames), \(lastPerFrame / hz * 1e6) µs in the last (\(lastEnd.frames - lastStart.frames) frames)"
    )
    #expect(
      lastPerFrame <= cpuGrowth * firstPerFrame,
      "CPU per frame grew from \(firstPerFrame) to \(lastPerFrame) ticks")
    #expect(
      end - minute.kB < tolerance,
      "peak RSS grew \(end - minute.kB) kB from 1 min (\(minute.kB) kB) to 5 min (\(end) kB)")
  }
}
