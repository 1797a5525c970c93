import Foundation
import TestSupport
import Testing

/// Issue 13 end to end: a truncated input never passes; incidents of the sample start where its
/// flash starts.
@Suite("QC reports end to end", .serialized)
struct QCReportTests {
  /// `clip`'s first 60 % of bytes at `path`.
  static func truncate(_ clip: String, to path: String) throws {
    let whole = try #require(FileManager.default.contents(atPath: clip))
    #expect(
      FileManager.default.createFile(atPath: path, contents: whole.prefix(whole.count * 6 / 10)))
  }

  @Test(
    "a truncated calm clip is incomplete (JSON verdict, check line, exit 1); a truncated failing one fails"
  )
  func truncated() throws {
    let dir = try TemporaryDirectory(prefix: "cli-incomplete")
    try ReportEndToEndTests.clip(dir.file("calm.mkv"), flashing: false)
    try Self.truncate(dir.file("calm.mkv"), to: dir.file("cut.mkv"))
    let result = try Flashscan.run([dir.file("cut.mkv"), "--report", dir.file("r.json")])
    #expect(result.status == 1, "\(result.stderr)")
    let doc = try ReportEndToEndTests.json(dir.file("r.json"))
    #expect(doc["verdict"] as? String == "incomplete")
    let input = try #require(doc["input"] as? [String: Any])
    #expect(input["complete"] as? Bool == false)
    let frames = try #require(input["frameCount"] as? Int)
    #expect(frames > 0 && frames < 100)
    let summary = try #require(doc["summary"] as? String)
    #expect(summary.hasPrefix("Incomplete: the input could not be read whole"), "\(summary)")
    #expect(summary.contains("(\(frames) frames) were analysed"), "\(summary)")

    let check = try Flashscan.run(["--check", dir.file("cut.mkv")])
    #expect(check.status == 1)
    #expect(check.stdout.hasPrefix("INCOMPLETE\t"), "\(check.stdout)")

    // The whole calm clip passes.
    let whole = try Flashscan.run(["--check", dir.file("calm.mkv")])
    #expect(whole.status == 0 && whole.stdout.hasPrefix("PASS\t"), "\(whole.stdout)")

    // A failure in the part read stays a failure (still exit 1: the input was not read whole).
    try ReportEndToEndTests.clip(dir.file("flash.mkv"), flashing: true)
    try Self.truncate(dir.file("flash.mkv"), to: dir.file("flash-cut.mkv"))
    let failing = try Flashscan.run([dir.file("flash-cut.mkv"), "--report", dir.file("f.json")])
    #expect(failing.status == 1)
    #expect(try ReportEndToEndTests.json(dir.file("f.json"))["verdict"] as? String == "fail")
  }

  @Test("Samples/flashing.mp4: the flash starts at 2.0 s, and so do its incidents")
  func sampleIncidentStart() throws {
    let dir = try TemporaryDirectory(prefix: "cli-sample-incidents")
    let sample = LibraryExampleTests.root.appendingPathComponent("Samples/flashing.mp4").path
    let result = try Flashscan.run([sample, "--report", dir.file("r.json")])
    #expect(result.status == 3, "\(result.stderr)")
    let doc = try ReportEndToEndTests.json(dir.file("r.json"))
    let incidents = try #require(doc["incidents"] as? [[String: Any]])
    let luminance = incidents.filter { $0["kind"] as? String == "luminance" }
    #expect(luminance.count == 1)
    for incident in incidents {
      #expect(incident["start"] as? Double == 2.0, "\(incident)")
      #expect(incident["startTimecode"] as? String == "00:00:02:00")
      #expect(incident["firstFrame"] as? Int == 60)
    }
    let summary = try #require(doc["summary"] as? String)
    #expect(summary.hasSuffix("; \(incidents.count) incidents."), "\(summary)")
  }
}
