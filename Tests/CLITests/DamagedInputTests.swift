import Foundation
import TestSupport
import Testing

/// Issue 13, "Incomplete input": a file the decoder lost frames of mid-stream (it went on past
/// the damage) was not read whole either, so it never passes.
@Suite("damaged input mid-stream", .serialized)
struct DamagedInputTests {
  /// 50 frames of H.264 in MPEG-TS, 160x120, and a copy with 512 bytes in the middle set to
  /// 0xFF: the ffmpeg CLI decodes 49 of its frames and logs a decoder error.
  static func clips(in dir: TemporaryDirectory) throws -> (intact: String, damaged: String) {
    let intact = dir.file("intact.ts")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "50", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", intact,
    ])
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: intact)))
    let middle = bytes.count / 2
    bytes.replaceSubrange(middle..<(middle + 512), with: [UInt8](repeating: 0xFF, count: 512))
    let damaged = dir.file("damaged.ts")
    try Data(bytes).write(to: URL(fileURLWithPath: damaged))
    return (intact, damaged)
  }

  @Test(
    "frames lost to a decode error: status partial, verdict incomplete, exit 1, the loss said; the same with any threads"
  )
  func lostFramesAreIncomplete() throws {
    let dir = try TemporaryDirectory(prefix: "cli-damaged")
    let (intact, damaged) = try Self.clips(in: dir)

    let whole = try Flashscan.run([intact, "--report", dir.file("intact.json")])
    #expect(whole.status == 0, "\(whole.stderr)")
    let good = try ReportEndToEndTests.json(dir.file("intact.json"))
    #expect(good["verdict"] as? String == "pass")

    var reference: Flashscan.Result?
    var referenceReport: Data?
    for options in [
      ["--threads", "1"], ["--threads", "4"], ["--threads", "3", "--chunk-frames", "5"],
    ] {
      let report = dir.file("damaged\(options.count)-\(options[1]).json")
      let r = try Flashscan.run(
        options + [damaged, "--report", report, "--index", dir.file("index.csv"), "--table"],
        environment: ReportProvenanceTests.epoch)
      #expect(r.status == 1, "\(options): \(r.stderr)")
      let doc = try ReportEndToEndTests.json(report)
      #expect(doc["verdict"] as? String == "incomplete", "\(options)")
      let input = try #require(doc["input"] as? [String: Any])
      #expect(input["complete"] as? Bool == false)
      let frames = try #require(input["frameCount"] as? Int)
      #expect(frames > 0 && frames < 50, "\(frames) frames decoded")
      let warnings = try #require(input["decodeWarnings"] as? [String])
      #expect(
        warnings.contains {
          $0.contains("could not be decoded")
            || $0.contains("the decoder reported damage near frame")
        }, "\(warnings)")
      let index = try String(contentsOfFile: dir.file("index.csv"), encoding: .utf8)
      #expect(index.contains(",partial,incomplete,"), "\(index)")
      let html = try Data(contentsOf: URL(fileURLWithPath: report))
      if let reference, let referenceReport {
        #expect(r.stdoutBytes == reference.stdoutBytes, "\(options): the table")
        #expect(
          DeterminismTests.timeless(r.errorLines)
            == DeterminismTests.timeless(reference.errorLines),
          "\(options): stderr")
        #expect(html == referenceReport, "\(options): the report, byte for byte")
      } else {
        reference = r
        referenceReport = html
      }
    }
    // The table alone: still exit 1, with the reason on stderr.
    let table = try Flashscan.run([damaged])
    #expect(table.status == 1)
    #expect(table.stderr.contains("damaged.ts"))
  }
}
