import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Lines of a child's standard output with the monotonic time each arrived.
final class LineCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [(text: String, at: Double)] = []
  private let done = DispatchGroup()

  init(fd: Int32) {
    done.enter()
    let thread = Thread { [self] in
      var pending: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 1 << 16)
      while true {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        let now = monotonicNow()
        pending += buffer[0..<n]
        while let nl = pending.firstIndex(of: 0x0A) {
          let text = String(decoding: pending[..<nl], as: UTF8.self)
          pending.removeSubrange(...nl)
          lock.withLock { lines.append((text, now)) }
        }
      }
      done.leave()
    }
    thread.start()
  }

  var all: [(text: String, at: Double)] { lock.withLock { lines } }

  /// The events so far, parsed, with their arrival times.
  var events: [(json: [String: Any], at: Double)] {
    all.compactMap { line in
      (try? JSONSerialization.jsonObject(with: Data(line.text.utf8)) as? [String: Any]).map {
        ($0, line.at)
      }
    }
  }

  /// Waits (polling, bounded) until an event satisfies `match`; returns it.
  func wait(limit: Double, _ match: ([String: Any]) -> Bool) -> (json: [String: Any], at: Double)? {
    let deadline = monotonicNow() + limit
    while monotonicNow() < deadline {
      if let hit = events.first(where: { match($0.json) }) { return hit }
      usleep(20_000)
    }
    return events.first(where: { match($0.json) })
  }

  func finish() { done.wait() }
}

func monotonicNow() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Loopback streaming helpers: free ports, listening checks, ffmpeg senders.
enum Loopback {
  /// A UDP port on 127.0.0.1 that nothing is bound to right now (bind to 0, read it, close).
  static func freeUDPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
        guard bind(fd, p, length) == 0 else { return -1 }
        return getsockname(fd, p, &length)
      }
    }
    try #require(bound == 0)
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Whether some socket is bound to UDP `port` (/proc/net/udp).
  static func udpBound(_ port: Int) -> Bool {
    let hex = String(format: ":%04X ", port)
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
      guard let text = readText(table) else { continue }
      for line in text.split(separator: "\n").dropFirst() {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count > 1, (fields[1] + " ").hasSuffix(hex) { return true }
      }
    }
    return false
  }

  /// Waits (bounded) until UDP `port` is bound.
  static func waitUntilBound(_ port: Int, limit: Double = 20) -> Bool {
    let deadline = monotonicNow() + limit
    while monotonicNow() < deadline {
      if udpBound(port) { return true }
      usleep(20_000)
    }
    return false
  }

  /// Starts an ffmpeg sender at real time (`-re`): `seconds` of `color` (black) 64x48 at 25 fps, flashing
  /// full-screen white at 5 Hz (two frames in five) from `flash.lowerBound` to
  /// `flash.upperBound` seconds, MPEG-2 without B-frames in MPEG-TS, to `url`.
  static func sender(
    _ url: String, seconds: Int, flash: Range<Double>?, color: String = "black"
  ) throws -> Process {
    var filter = "null"
    if let flash {
      filter =
        "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,\(flash.lowerBound),\(flash.upperBound))*lt(mod(n,5),2)'"
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: FFmpegCLI.ffmpegPath)
    p.arguments = [
      "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
      "color=c=\(color):s=64x48:r=25:d=\(seconds)", "-vf", filter, "-c:v", "mpeg2video", "-bf", "0",
      "-g", "5", "-q:v", "2", "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0",
      "-flush_packets", "1", url,
    ]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    try p.run()
    return p
  }

  /// Waits (bounded) for a process to end; kills it past the limit.
  static func reap(_ p: Process, limit: Double = 30) {
    let deadline = monotonicNow() + limit
    while p.isRunning && monotonicNow() < deadline { usleep(20_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
  }
}

/// A UDP relay on 127.0.0.1 between a sender and flashscan, both ways (SRT answers its caller):
/// it notes when the sender's first datagram arrives, the reference for the latency (with `-re`,
/// the frame at stream time t leaves the sender t seconds after its first).
final class UDPRelay: @unchecked Sendable {
  let port: Int
  private let front: Int32
  private let back: Int32
  private let lock = NSLock()
  private var first: Double?
  private var stopped = false
  private let done = DispatchGroup()

  /// Forwards what arrives on a free port to `target` (127.0.0.1), and the answers back.
  init(target: Int) throws {
    func udpSocket(bindTo port: Int) throws -> (Int32, Int) {
      let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
      try #require(fd >= 0)
      var a = sockaddr_in()
      a.sin_family = sa_family_t(AF_INET)
      a.sin_addr.s_addr = inet_addr("127.0.0.1")
      a.sin_port = in_port_t(UInt16(port)).bigEndian
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let ok = withUnsafeMutablePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
          guard bind(fd, p, length) == 0 else { return -1 }
          return getsockname(fd, p, &length)
        }
      }
      try #require(ok == 0)
      return (fd, Int(UInt16(bigEndian: a.sin_port)))
    }
    (front, port) = try udpSocket(bindTo: 0)
    (back, _) = try udpSocket(bindTo: 0)
    var t = sockaddr_in()
    t.sin_family = sa_family_t(AF_INET)
    t.sin_addr.s_addr = inet_addr("127.0.0.1")
    t.sin_port = in_port_t(UInt16(target)).bigEndian
    let target = t
    done.enter()
    let thread = Thread { [self] in
      var caller = sockaddr_storage()
      var callerLength = socklen_t(0)
      var buffer = [UInt8](repeating: 0, count: 65536)
      let deadline = monotonicNow() + 120
      while !lock.withLock({ stopped }) && monotonicNow() < deadline {
        var fds = [
          pollfd(fd: front, events: Int16(POLLIN), revents: 0),
          pollfd(fd: back, events: Int16(POLLIN), revents: 0),
        ]
        guard poll(&fds, 2, 50) > 0 else { continue }
        if fds[0].revents & Int16(POLLIN) != 0 {
          callerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
          let n = withUnsafeMutablePointer(to: &caller) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
              buffer.withUnsafeMutableBytes {
                recvfrom(front, $0.baseAddress, $0.count, 0, p, &callerLength)
              }
            }
          }
          if n > 0 {
            let now = monotonicNow()
            lock.withLock { if first == nil { first = now } }
            var to = target
            _ = withUnsafePointer(to: &to) {
              $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                buffer.withUnsafeBytes {
                  sendto(back, $0.baseAddress, n, 0, p, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
              }
            }
          }
        }
        if fds[1].revents & Int16(POLLIN) != 0 {
          let n = buffer.withUnsafeMutableBytes { recv(back, $0.baseAddress, $0.count, 0) }
          if n > 0 && callerLength > 0 {
            _ = withUnsafePointer(to: &caller) {
              $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                buffer.withUnsafeBytes { sendto(front, $0.baseAddress, n, 0, p, callerLength) }
              }
            }
          }
        }
      }
      close(front)
      close(back)
      done.leave()
    }
    thread.start()
  }

  /// When the sender's first datagram arrived (monotonic seconds).
  var firstDatagram: Double? { lock.withLock { first } }

  func stop() {
    lock.withLock { stopped = true }
    done.wait()
  }
}

@Suite("flashscan watch on loopback streams", .serialized)
struct WatchStreamTests {
  /// The latency bound of Docs/Live.md: the incident-start line within 1 s of wall time after
  /// the failing frame was sent. The sender sends through a `UDPRelay`, which notes when its
  /// first datagram arrives; with `-re` the frame at stream time t leaves t seconds after the
  /// first, so that time plus the event's `time` is when the failing frame was sent.
  static let latencyBound = 1.0

  func checkLatency(_ hit: (json: [String: Any], at: Double), relay: UDPRelay) throws {
    let time = try #require(hit.json["time"] as? Double)
    let first = try #require(relay.firstDatagram)
    let latency = hit.at - (first + time)
    #expect(latency < Self.latencyBound, "incident-start came \(latency) s after its frame")
  }

  /// UDP MPEG-TS: a 5 Hz flash from 3 s gives incident-start (kind, verdict, on time), then
  /// incident-end; the sender stops (disconnected), a new sender starts (reconnected), and
  /// SIGTERM writes the report of everything watched and exits 143.
  @Test func udpEventsReconnectionAndShutdown() throws {
    let dir = try TemporaryDirectory(prefix: "watch-udp")
    let port = try Loopback.freeUDPPort()
    let url = "udp://127.0.0.1:\(port)"
    let report = dir.file("watch.json")
    let watch = try Flashscan.start(
      ["watch", url, "--read-timeout", "2", "--status-every", "1", "--report", report],
      captureStdout: false)
    var senders: [Process] = []
    defer {
      for s in senders where s.isRunning { kill(s.processIdentifier, SIGKILL) }
      if watch.process.isRunning { watch.signal(SIGKILL) }
    }
    let lines = LineCollector(fd: watch.stdoutPipe.fileHandleForReading.fileDescriptor)
    #expect(Loopback.waitUntilBound(port), "flashscan did not bind \(url)")
    let relay = try UDPRelay(target: port)
    defer { relay.stop() }
    senders.append(
      try Loopback.sender("udp://127.0.0.1:\(relay.port)", seconds: 7, flash: 3..<5.5))

    let start = try #require(
      lines.wait(limit: 20) { $0["event"] as? String == "incident-start" },
      "no incident-start; stderr: \(watch.stderrSoFar)")
    #expect(start.json["kind"] as? String == "luminance")
    #expect(start.json["verdict"] as? String == "fail")
    let time = try #require(start.json["time"] as? Double)
    #expect(time > 3 && time < 4.2, "the window fails within a second of the flash: \(time)")
    try checkLatency(start, relay: relay)
    for key in ["wallClock", "timecode"] { #expect(start.json[key] is String) }

    Loopback.reap(senders[0])
    let end = lines.wait(limit: 15) { $0["event"] as? String == "incident-end" }
    let incident = try #require(end?.json["incident"] as? [String: Any])
    #expect(incident["kind"] as? String == "luminance")
    #expect((incident["start"] as? Double).map { $0 >= 2.9 && $0 < 3.3 } == true)
    #expect((incident["end"] as? Double).map { $0 > 5 && $0 < 6 } == true)
    let gone = lines.wait(limit: 15) { $0["event"] as? String == "disconnected" }
    #expect(gone != nil, "no disconnected event")

    // A new sender on the same port.
    senders.append(try Loopback.sender(url, seconds: 20, flash: nil))
    let back = lines.wait(limit: 20) { $0["event"] as? String == "reconnected" }
    let reconnected = try #require(back, "no reconnected event; stderr: \(watch.stderrSoFar)")
    #expect((reconnected.json["gapSeconds"] as? Double).map { $0 > 0 } == true)
    #expect((reconnected.json["framesLost"] as? Int).map { $0 > 0 } == true)
    let status = lines.wait(limit: 10) {
      $0["event"] as? String == "status" && ($0["connected"] as? Bool) == true
        && (($0["time"] as? Double) ?? 0) > (reconnected.json["time"] as? Double ?? 0)
    }
    let fields = try #require(status?.json)
    for key in ["frames", "fps", "lag", "flashesPerSecond"] {
      #expect(fields[key] is NSNumber, "status lacks \(key)")
    }

    watch.signal(SIGTERM)
    let result = watch.finish()
    lines.finish()
    #expect(result.status == 143, "\(result.stderr)")
    let data = try #require(FileManager.default.contents(atPath: report), "no report on SIGTERM")
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let incidents = try #require(json["incidents"] as? [[String: Any]])
    #expect(incidents.count == 1)
    #expect(incidents.first?["kind"] as? String == "luminance")
    #expect(json["verdict"] as? String == "fail")
    #expect(temporaryLeftovers(dir.path).isEmpty)
  }

  /// SRT: flashscan listens, the ffmpeg sender calls; the same flash gives incident-start
  /// within the latency bound; SIGINT writes the report (exit 130).
  @Test func srtIncidentWithinLatencyBound() throws {
    let dir = try TemporaryDirectory(prefix: "watch-srt")
    let port = try Loopback.freeUDPPort()
    let report = dir.file("watch.md")
    let watch = try Flashscan.start(
      [
        "watch", "srt://127.0.0.1:\(port)?mode=listener", "--read-timeout", "2",
        "--status-every", "0", "--report", report,
      ], captureStdout: false)
    var sender: Process?
    defer {
      if let s = sender, s.isRunning { kill(s.processIdentifier, SIGKILL) }
      if watch.process.isRunning { watch.signal(SIGKILL) }
    }
    let lines = LineCollector(fd: watch.stdoutPipe.fileHandleForReading.fileDescriptor)
    #expect(Loopback.waitUntilBound(port), "flashscan is not listening for SRT")
    let relay = try UDPRelay(target: port)
    defer { relay.stop() }
    sender = try Loopback.sender(
      "srt://127.0.0.1:\(relay.port)?mode=caller&latency=20000", seconds: 6, flash: 2..<4)
    let start = try #require(
      lines.wait(limit: 20) { $0["event"] as? String == "incident-start" },
      "no incident-start over SRT; stderr: \(watch.stderrSoFar)")
    #expect(start.json["kind"] as? String == "luminance")
    try checkLatency(start, relay: relay)
    watch.signal(SIGINT)
    let result = watch.finish()
    lines.finish()
    #expect(result.status == 130, "\(result.stderr)")
    let text = try #require(readText(report))
    #expect(text.contains("luminance"))
  }

  /// SRT reconnection: flashscan listens, a first ffmpeg sender (all white, 4 s) calls and
  /// ends (disconnected); a second sender (all black) calls in (reconnected, with the gap and
  /// the frames it lost). The cut from white to black across the gap is a full-screen change
  /// of luminance, but each connection's windows start empty, so it is no transition: no
  /// incident event, and the report (SIGTERM) has no incident.
  @Test func srtReconnectionAfterSenderRestart() throws {
    let dir = try TemporaryDirectory(prefix: "watch-srt-reconnect")
    let port = try Loopback.freeUDPPort()
    let url = "srt://127.0.0.1:\(port)?mode=listener"
    let report = dir.file("watch.json")
    let watch = try Flashscan.start(
      ["watch", url, "--read-timeout", "2", "--status-every", "0.5", "--report", report],
      captureStdout: false)
    var senders: [Process] = []
    defer {
      for s in senders where s.isRunning { kill(s.processIdentifier, SIGKILL) }
      if watch.process.isRunning { watch.signal(SIGKILL) }
    }
    let lines = LineCollector(fd: watch.stdoutPipe.fileHandleForReading.fileDescriptor)
    #expect(Loopback.waitUntilBound(port), "flashscan is not listening for SRT")
    let caller = "srt://127.0.0.1:\(port)?mode=caller&latency=20000"
    senders.append(try Loopback.sender(caller, seconds: 4, flash: nil, color: "white"))
    Loopback.reap(senders[0], limit: 20)
    let gone = try #require(
      lines.wait(limit: 15) { $0["event"] as? String == "disconnected" },
      "no disconnected event; stderr: \(watch.stderrSoFar)")
    #expect((gone.json["frames"] as? Int).map { $0 > 50 } == true, "\(gone.json)")

    // The second sender calls until flashscan listens again (at most 5 callers, each ending
    // on its own when nobody answers; the reconnected event ends the loop).
    var back: (json: [String: Any], at: Double)? = nil
    for _ in 0..<5 where back == nil {
      let sender = try Loopback.sender(caller, seconds: 20, flash: nil, color: "black")
      senders.append(sender)
      let deadline = monotonicNow() + 10
      while back == nil && sender.isRunning && monotonicNow() < deadline {
        back = lines.events.first { $0.json["event"] as? String == "reconnected" }
        usleep(20_000)
      }
    }
    let reconnected = try #require(back, "no reconnected event; stderr: \(watch.stderrSoFar)")
    let gap = try #require(reconnected.json["gapSeconds"] as? Double)
    #expect(gap > 0 && gap < 30, "\(reconnected.json)")
    #expect((reconnected.json["framesLost"] as? Int).map { $0 > 0 } == true)
    #expect((reconnected.json["attempts"] as? Int).map { $0 >= 1 } == true)
    #expect(
      (reconnected.json["time"] as? Double).map { $0 > (gone.json["time"] as? Double ?? 0) }
        == true)
    // The second connection is analysed: a status a second of stream time after it began.
    let after = (reconnected.json["time"] as? Double ?? 0) + 1
    let status = lines.wait(limit: 10) {
      $0["event"] as? String == "status" && ($0["connected"] as? Bool) == true
        && (($0["time"] as? Double) ?? 0) > after
    }
    #expect(status != nil, "no status from the second connection")
    #expect((status?.json["flashesPerSecond"] as? Double) == 0, "\(status?.json ?? [:])")
    watch.signal(SIGTERM)
    let result = watch.finish()
    lines.finish()
    #expect(result.status == 143, "\(result.stderr)")
    let names = lines.events.compactMap { $0.json["event"] as? String }.filter { $0 != "status" }
    #expect(names == ["disconnected", "reconnected"], "\(names)")
    let data = try #require(FileManager.default.contents(atPath: report), "no report on SIGTERM")
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect((json["incidents"] as? [Any])?.isEmpty == true)
    #expect((json["input"] as? [String: Any])?["complete"] as? Bool == false)
  }

  /// --exec: every event but status reaches the command on its stdin; the commands run one at a
  /// time off the analysis thread, so the whole file is analysed (incident-end written) while
  /// the first command still sleeps, and a command past --exec-timeout is killed.
  @Test func execHooksNeverStallTheAnalysis() throws {
    let dir = try TemporaryDirectory(prefix: "watch-exec")
    let clip = dir.file("flash.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=c=black:s=32x24:r=25:d=8", "-vf",
      "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,2,4)*lt(mod(n,5),2)'",
      "-c:v", "ffv1", clip,
    ])
    let hooks = dir.file("hooks.jsonl")
    let done = dir.file("done")
    let command =
      "cat >> '\(hooks)'; sleep 2; date +%s.%N >> '\(done)'; sleep 30"
    let result = try Flashscan.run([
      "watch", clip, "--exec", command, "--exec-timeout", "3", "--status-every", "0",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let events = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(events.map { $0["event"] as? String } == ["incident-start", "incident-end"])
    // Each command got its event's line, whole.
    #expect(readText(hooks) == lines.map { $0 + "\n" }.joined())
    // The first command finished its sleep after the analysis had written incident-end.
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let endWall = try #require(
      (events[1]["wallClock"] as? String).flatMap { formatter.date(from: $0) })
    let firstDone = try #require(
      readText(done)?.split(separator: "\n").first.flatMap { Double($0) })
    #expect(endWall.timeIntervalSince1970 < firstDone)
    // Both were killed in their `sleep 30` (3 s each), not waited for.
    #expect(readText(done)?.split(separator: "\n").count == 2)
  }
  /// curl's answer: the HTTP status code and the body.
  static func curl(_ arguments: [String]) throws -> (code: Int, body: String) {
    let dir = try TemporaryDirectory(prefix: "curl")
    let out = try FFmpegCLI.execute(
      "/usr/bin/curl",
      ["-s", "-m", "10", "-o", dir.file("body"), "-w", "%{http_code}"] + arguments)
    return (Int(String(decoding: out, as: UTF8.self)) ?? -1, readText(dir.file("body")) ?? "")
  }

  /// Prometheus text format: `name{labels} value` lines (comments skipped) to a dictionary.
  static func exposition(_ text: String) -> [String: Double] {
    var values: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...])
      else { continue }
      values[String(line[..<space])] = v
    }
    return values
  }

  /// --metrics: a real HTTP client (curl) reads the Prometheus exposition while a file plays at
  /// real time: frames, fps, lag, flashes per second, incidents by kind and verdict; other
  /// paths 404, other methods 405, an oversized request 400.
  @Test func metricsOverHTTP() throws {
    let dir = try TemporaryDirectory(prefix: "watch-metrics")
    let clip = dir.file("flash.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=c=black:s=32x24:r=25:d=6", "-vf",
      "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,1,3)*lt(mod(n,5),2)'",
      "-c:v", "ffv1", clip,
    ])
    let watch = try Flashscan.start(
      ["watch", clip, "--realtime", "--metrics", "127.0.0.1:0", "--status-every", "0"],
      captureStdout: false)
    defer { if watch.process.isRunning { watch.signal(SIGKILL) } }
    let lines = LineCollector(fd: watch.stdoutPipe.fileHandleForReading.fileDescriptor)
    #expect(watch.waitForStderr(limit: 20) { $0.contains("/metrics") })
    let address = try #require(
      watch.stderrSoFar.split(separator: "\n").first { $0.contains("http://") }
        .flatMap { $0.split(separator: "http://").last }.map(String.init))
    #expect(lines.wait(limit: 20) { $0["event"] as? String == "incident-start" } != nil)
    let scrape = try Self.curl(["http://" + address])
    #expect(scrape.code == 200)
    let values = Self.exposition(scrape.body)
    #expect((values["flashscan_watch_frames_total"] ?? 0) > 25)
    #expect(values["flashscan_watch_incidents_total{kind=\"luminance\",verdict=\"fail\"}"] == 1)
    #expect(values["flashscan_watch_incidents_total{kind=\"red\",verdict=\"fail\"}"] == 0)
    #expect(values["flashscan_watch_connected"] == 1)
    for name in [
      "flashscan_watch_fps", "flashscan_watch_lag_seconds", "flashscan_watch_flashes_per_second",
    ] {
      #expect(values[name] != nil, "no \(name)")
    }
    #expect((values["flashscan_watch_fps"] ?? 0) > 0)
    let base = "http://" + address.replacingOccurrences(of: "/metrics", with: "")
    #expect(try Self.curl([base + "/other"]).code == 404)
    #expect(try Self.curl(["-X", "POST", base + "/metrics"]).code == 405)
    let big = String(repeating: "a", count: 9000)
    #expect(try Self.curl(["-H", "X-Big: " + big, base + "/metrics"]).code == 400)
    let result = watch.finish()
    lines.finish()
    #expect(result.status == 0, "\(result.stderr)")
  }
  /// --webhook: every event but status is POSTed as JSON to an http:// receiver (a Python
  /// http.server that answers each POST after 2 s); the slow receiver never holds the analysis
  /// up (incident-end is written before the first POST is answered). Other schemes are refused
  /// (exit 2); https: WatchWebhookTests.
  @Test func webhookPostsOffTheAnalysisThread() throws {
    let dir = try TemporaryDirectory(prefix: "watch-webhook")
    let clip = dir.file("flash.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=c=black:s=32x24:r=25:d=8", "-vf",
      "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,2,4)*lt(mod(n,5),2)'",
      "-c:v", "ffv1", clip,
    ])
    let received = dir.file("received.jsonl")
    let script = """
      import http.server, sys, time
      class H(http.server.BaseHTTPRequestHandler):
          def do_POST(self):
              body = self.rfile.read(int(self.headers["Content-Length"]))
              kind = self.headers["Content-Type"]
              time.sleep(2)
              with open(sys.argv[1], "a") as f:
                  f.write("%s %.6f %s %s\\n" % (self.path, time.time(), kind, body.decode()))
              self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
          def log_message(self, *a): pass
      s = http.server.HTTPServer(("127.0.0.1", 0), H)
      print(s.server_address[1], flush=True)
      s.serve_forever()
      """
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", "-c", script, received]
    let portPipe = Pipe()
    server.standardOutput = portPipe
    try server.run()
    defer {
      kill(server.processIdentifier, SIGKILL)
      server.waitUntilExit()
    }
    let portLine = LineCollector(fd: portPipe.fileHandleForReading.fileDescriptor)
    let deadline = monotonicNow() + 20
    while portLine.all.isEmpty && monotonicNow() < deadline { usleep(20_000) }
    let port = try #require(
      portLine.all.first.flatMap { Int($0.text) }, "the receiver did not start")

    let result = try Flashscan.run([
      "watch", clip, "--webhook", "http://127.0.0.1:\(port)/hook", "--exec-timeout", "5",
      "--status-every", "0",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let posts = (readText(received) ?? "").split(separator: "\n").map {
      $0.split(separator: " ", maxSplits: 3).map(String.init)
    }
    #expect(posts.count == 2)
    #expect(posts.map { $0.count == 4 ? $0[3] : "" } == lines)
    #expect(posts.allSatisfy { $0.first == "/hook" && $0.count > 2 && $0[2] == "application/json" })
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let end = try #require(
      lines.last.flatMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      })
    let endWall = try #require((end["wallClock"] as? String).flatMap { formatter.date(from: $0) })
    let firstAnswered = try #require(posts.first.flatMap { $0.count > 1 ? Double($0[1]) : nil })
    #expect(endWall.timeIntervalSince1970 < firstAnswered)

    let ftp = try Flashscan.run(["watch", clip, "--webhook", "ftp://127.0.0.1/x"])
    #expect(ftp.status == 2)
    #expect(ftp.stderr.contains("must be an http:// or https:// URL"))
  }
}
