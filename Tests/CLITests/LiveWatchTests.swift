import Foundation
import FrameTensor
import Frames
import Live
import Photosensitivity
import Reports
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A black clip that flashes full-screen white at 5 Hz (two white frames in five at 25 fps)
/// from `flashFrom` to `flashTo` seconds: a general-flash failure under every profile.
func flashingFrames(
  seconds: Double, flashFrom: Double, flashTo: Double, width: Int = 32, height: Int = 24
)
  -> Tensor<UInt8>
{
  let count = Int(seconds * 25)
  let frameBytes = width * height * 3
  var storage = [UInt8](repeating: 0, count: count * frameBytes)
  for n in 0..<count {
    let t = Double(n) / 25
    guard t >= flashFrom && t < flashTo && n % 5 < 2 else { continue }
    for i in 0..<frameBytes { storage[n * frameBytes + i] = 255 }
  }
  return Tensor(shape: [count, height, width, 3], storage: storage)
}

/// The events of a watch written to a file (one JSON object a line).
func readEvents(_ path: String) throws -> [[String: Any]] {
  let text = readText(path) ?? ""
  return try text.split(separator: "\n").map { line in
    try #require(
      JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
  }
}

@Suite("flashscan watch: the live analysis", .serialized)
struct LiveWatchTests {
  /// The watcher on an in-memory clip: incident-start at the frame whose window first fails,
  /// incident-end carrying the same incident record as the JSON report of the whole clip.
  @Test func eventsMatchTheReport() throws {
    let dir = try TemporaryDirectory(prefix: "live-lib")
    let frames = flashingFrames(seconds: 12, flashFrom: 3, flashTo: 6)
    let path = dir.file("events.jsonl")
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    let output = LiveOutput(fd: fd, path: path)
    let parameters = AnalysisParameters(profile: .wcag)
    let watcher = LiveWatcher(
      settings: WatchSettings(parameters: parameters, statusEvery: 0, reconnect: false),
      output: output, shouldStop: { false })
    try watcher.run(connect: { TensorFrameSource(frames: frames, frameRate: 25) })
    close(fd)

    let events = try readEvents(path)
    let names = events.map { $0["event"] as? String ?? "?" }
    #expect(names == ["incident-start", "incident-end"], "\(names)")
    for e in events {
      #expect(e["wallClock"] is String && e["timecode"] is String && e["time"] is Double)
    }

    let whole = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: frames, frameRate: 25), parameters: parameters)
    let document = ReportDocument(
      tool: ToolInfo(version: "test"), input: InputFacts(path: "x"), result: whole)
    try #require(document.incidents.count == 1)
    let expected = document.incidents[0]
    // The start: the first frame the report flags for this kind.
    let firstFlagged = try #require(
      whole.frames.first { parameters.incidentFlag(.luminance, $0) != nil })
    #expect(events[0]["kind"] as? String == "luminance")
    #expect(events[0]["verdict"] as? String == "fail")
    #expect(events[0]["time"] as? Double == firstFlagged.time)
    // The end: the report's record, number and all.
    let record = try #require(events[1]["incident"] as? [String: Any])
    let recordData = try JSONSerialization.data(withJSONObject: record)
    let decoded = try JSONDecoder().decode(IncidentReport.self, from: recordData)
    #expect(decoded == expected)
    #expect(events[1]["time"] as? Double == expected.end)

    // The report of the watch is the report of the clip.
    let joined = try #require(WatchReport.joined(watcher.segments, frameRate: 25))
    #expect(joined.incidents == whole.incidents)
    // A watch keeps no per-frame rows; the criteria (tallied frame by frame) and the frame
    // times are the file's.
    #expect(joined.frames.isEmpty)
    // The pattern criterion too: the watch runs the profile's pattern check as the file's does.
    #expect(joined.criteria.contains { $0.id == .pattern })
    #expect(joined.criteria == whole.criteria)
    #expect(joined.video.frameCount == whole.frames.count)
    #expect(WatchReport.frameTimes(watcher.segments) == whole.frames.map(\.time))
    #expect(joined.verdict == whole.verdict)
  }

  /// Six connections of 0.4 s, each with three transitions (black, white, black, white):
  /// each connection's windows start afresh, so none fails, although the six joined (18
  /// transitions in 2.4 s, and the white-to-black steps across the gaps) would. The report
  /// joins the connections on one timeline.
  @Test func reconnectionRestartsWindows() throws {
    let dir = try TemporaryDirectory(prefix: "live-reconnect")
    let frameBytes = 32 * 24 * 3
    var storage = [UInt8](repeating: 0, count: 10 * frameBytes)
    for n in [2, 3, 4, 8, 9] {
      for i in 0..<frameBytes { storage[n * frameBytes + i] = 255 }
    }
    let clip = Tensor(shape: [10, 24, 32, 3], storage: storage)
    let path = dir.file("events.jsonl")
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let output = LiveOutput(fd: fd, path: path)
    struct Done: Error {}
    let connections = Locked(0)
    let watcher = LiveWatcher(
      settings: WatchSettings(
        parameters: AnalysisParameters(profile: .wcag), statusEvery: 0, reconnect: true,
        backoff: ReconnectBackoff(delays: [0.01], maxAttempts: 1)),
      output: output, shouldStop: { false })
    #expect(throws: Done.self) {
      try watcher.run(connect: {
        let n = connections.withLock { c -> Int in
          c += 1
          return c
        }
        if n > 6 { throw Done() }
        return TensorFrameSource(frames: clip, frameRate: 25)
      })
    }
    close(fd)
    let events = try readEvents(path)
    let names = events.map { $0["event"] as? String ?? "?" }
    #expect(!names.contains("incident-start"), "windows ran across connections: \(names)")
    #expect(names.filter { $0 == "disconnected" }.count == 6, "\(names)")
    #expect(names.filter { $0 == "reconnected" }.count == 5, "\(names)")
    for e in events where e["event"] as? String == "reconnected" {
      #expect(e["gapSeconds"] is Double && e["framesLost"] is Int && e["attempts"] as? Int == 1)
    }
    #expect(watcher.segments.count == 6)
    let joined = try #require(WatchReport.joined(watcher.segments, frameRate: 25))
    #expect(joined.video.frameCount == 60)
    let times = WatchReport.frameTimes(watcher.segments)
    #expect(times.count == 60)
    #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
    #expect(joined.verdict == .pass)
    // The same frames as one stream fail: the restart is what keeps them apart.
    var all: [UInt8] = []
    for _ in 0..<6 { all += storage }
    let continuous = try PhotosensitivityAnalyzer.analyze(
      TensorFrameSource(frames: Tensor(shape: [60, 24, 32, 3], storage: all), frameRate: 25),
      parameters: AnalysisParameters(profile: .wcag))
    #expect(continuous.verdict == .fail)
  }

  @Test func backoffScheduleIsFixed() {
    let b = ReconnectBackoff()
    #expect((0..<7).map(b.delay(attempt:)) == [0.5, 1, 2, 4, 8, 8, 8])
  }
}

@Suite("flashscan watch: the pattern check", .serialized)
struct WatchPatternTests {
  /// A 96x72 stream at 25 fps: mid-grey, then stationary full-screen vertical stripes of 4 px
  /// black and 4 px white (12 light-dark pairs) from 1 s to 3.5 s, then grey to 6 s. `watch`
  /// runs the profile's pattern check as a file scan does: under wcag an incident-start of kind
  /// pattern once the stripes have lasted the rule's 0.5 s, an incident-end whose record is the
  /// file scan's, and a report whose pattern criterion and incidents are the scan's.
  @Test func watchReportsPatternIncidentsAsTheScanDoes() throws {
    let dir = try TemporaryDirectory(prefix: "watch-pattern")
    let clip = dir.file("stripes.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i",
      "nullsrc=size=96x72:rate=25:duration=6,format=gray,"
        + "geq=lum='if(between(T\\,1\\,3.49)\\,if(lt(mod(X\\,8)\\,4)\\,16\\,235)\\,128)'",
      "-c:v", "ffv1", clip,
    ])
    let watchReport = dir.file("watch.json")
    let scanReport = dir.file("scan.json")
    let watch = try Flashscan.run([
      "watch", clip, "--status-every", "0", "--report", watchReport,
    ])
    #expect(watch.status == 0, "\(watch.stderr)")
    let scan = try Flashscan.run([clip, "--report", scanReport])
    #expect(scan.status == 0, "\(scan.stderr)")

    let events = try watch.stdout.split(separator: "\n").map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(events.map { $0["event"] as? String } == ["incident-start", "incident-end"])
    let start = try #require(events.first)
    #expect(start["kind"] as? String == "pattern")
    #expect(start["verdict"] as? String == "warning")
    // The run becomes an incident when it has lasted 0.5 s: its 12th frame (1.44 s) ends at 1.48.
    let startTime = try #require(start["time"] as? Double)
    #expect(startTime >= 1.4 && startTime < 1.6, "\(startTime)")

    func json(_ path: String) throws -> [String: Any] {
      let data = try #require(FileManager.default.contents(atPath: path))
      return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
    let fromWatch = try json(watchReport)
    let fromScan = try json(scanReport)
    let scanIncidents = try #require(fromScan["incidents"] as? [[String: Any]])
    #expect(scanIncidents.count == 1)
    #expect(scanIncidents.first?["kind"] as? String == "pattern")
    // The event's record, the watch report's incidents and the scan's: the same.
    let eventRecord = try #require(events.last?["incident"] as? [String: Any])
    #expect(NSDictionary(dictionary: eventRecord).isEqual(to: scanIncidents[0]))
    let watchIncidents = try #require(fromWatch["incidents"] as? [[String: Any]])
    #expect(NSArray(array: watchIncidents).isEqual(to: scanIncidents))
    let pattern = { (report: [String: Any]) in
      (report["criteria"] as? [[String: Any]])?.first { $0["id"] as? String == "pattern" }
    }
    let watchPattern = try #require(pattern(fromWatch))
    #expect(NSDictionary(dictionary: watchPattern).isEqual(to: try #require(pattern(fromScan))))
    #expect((watchPattern["flaggedFrames"] as? Int).map { $0 > 50 } == true)
    #expect(fromWatch["verdict"] as? String == "warning")
    #expect(fromScan["verdict"] as? String == "warning")
  }
}
