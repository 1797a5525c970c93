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

/// The source's start timecode offsets the report's and the frames CSV's timecodes.
@Suite("start timecode end to end", .serialized)
struct StartTimecodeEndToEndTests {
  /// Black with a white 5 Hz flash from 1 s to 3 s, 4 s, FFV1, with `timecode`.
  static func clip(_ path: String, rate: String, timecode: String) throws {
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=black:size=64x48:rate=\(rate):duration=4",
      "-f", "lavfi", "-i", "color=white:size=64x48:rate=\(rate):duration=4",
      "-filter_complex", "[0][1]overlay=enable='between(t,1,2.99)*lt(mod(t,0.2),0.1)'",
      "-timecode", timecode, "-c:v", "ffv1", path,
    ])
  }

  @Test("a .mov tmcd track at 01:00:00;00 (29.97, drop-frame) and an .mkv tag at 10:00:00:00 (25)")
  func offsets() throws {
    let dir = try TemporaryDirectory(prefix: "cli-timecode")
    let cases = [
      ("tc.mov", "30000/1001", "01:00:00;00", "01:00:01;00", "01:00:00;01"),
      ("tc.mkv", "25", "10:00:00:00", "10:00:01:00", "10:00:00:01"),
    ]
    for (name, rate, start, incidentStart, secondFrame) in cases {
      try Self.clip(dir.file(name), rate: rate, timecode: start)
      let result = try Flashscan.run([
        dir.file(name), "--report", dir.file(name + ".json"), "--frames-csv",
        dir.file(name + ".csv"), "--markers", dir.file(name + ".edl"),
      ])
      #expect(result.status == 3, "\(result.stderr)")
      let doc = try ReportEndToEndTests.json(dir.file(name + ".json"))
      let input = try #require(doc["input"] as? [String: Any])
      #expect(input["startTimecode"] as? String == start)
      let incidents = try #require(doc["incidents"] as? [[String: Any]])
      let first = try #require(incidents.first)
      #expect(first["startTimecode"] as? String == incidentStart, "\(name): \(first)")
      let lines = try String(contentsOfFile: dir.file(name + ".csv"), encoding: .utf8)
        .split(separator: "\n")
      #expect(lines[0].hasSuffix(",timecode"))
      #expect(lines[1].hasSuffix(",\(start)") && lines[2].hasSuffix(",\(secondFrame)"))
      // The EDL: one one-frame event at the incident's start (hand-computed above and the frame
      // after it), its duration in frames from the report's frame range.
      let edl = try String(contentsOfFile: dir.file(name + ".edl"), encoding: .utf8)
      let next = name.hasSuffix(".mov") ? "01:00:01;01" : "10:00:01:01"
      let frames = try #require(first["lastFrame"] as? Int) + 1 - (first["firstFrame"] as? Int ?? 0)
      #expect(
        edl.hasPrefix(
          "TITLE: flashscan \(name)\nFCM: \(name.hasSuffix(".mov") ? "DROP FRAME" : "NON-DROP FRAME")\n\n"
        ))
      #expect(
        edl.contains(
          "001  001      V     C        \(incidentStart) \(next) \(incidentStart) \(next)\n |C:ResolveColorRed |M:FAIL luminance flash #1: "
        ), "\(edl)")
      #expect(edl.contains(" |D:\(frames)\n"), "\(edl)")
    }
  }
}
