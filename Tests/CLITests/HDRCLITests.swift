import Foundation
import TestSupport
import Testing

/// `--profile bt1702` and HDR inputs through the built binary (issue 11).
@Suite("HDR inputs and the bt1702 profile end to end", .serialized)
struct HDRCLITests {
  /// 64x36 at 24 fps for 2 s, 10-bit PQ (BT.2020), FFV1: a gray flickering at 4 Hz between two
  /// levels far apart.
  static func pqClip(_ path: String) throws {
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=0x606060:size=64x36:rate=24:duration=2",
      "-f", "lavfi", "-i", "color=0xC0C0C0:size=64x36:rate=24:duration=2",
      "-filter_complex", "[0][1]overlay=enable='lt(mod(t,0.25),0.125)',format=yuv420p10le",
      "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc",
      "-color_range", "tv", "-c:v", "ffv1", path,
    ])
  }

  static func json(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test("an SDR profile on PQ input runs and warns in the report, the check line and the summary")
  func sdrProfileWarns() throws {
    let dir = try TemporaryDirectory(prefix: "cli-hdr")
    let clip = dir.file("pq.mkv")
    try Self.pqClip(clip)
    let check = try Flashscan.run([clip, "--check"])
    #expect(check.status == 3, "\(check.stderr)")
    #expect(
      check.stdout.contains("warning: HDR input, SDR-relative figures (use --profile bt1702)"))
    #expect(check.stderr.contains("warning: HDR input measured with an SDR profile"))

    let report = dir.file("r.json")
    let run = try Flashscan.run([clip, "--profile", "ofcom", "--report", report])
    #expect(run.status == 3, "\(run.stderr)")
    let doc = try Self.json(report)
    let warnings = try #require(doc["warnings"] as? [String])
    #expect(warnings.count == 1 && warnings[0].contains("--profile bt1702"))
    #expect((doc["summary"] as? String)?.contains("Warning: the video is HDR") == true)
  }

  @Test("bt1702: colour facts in JSON and HTML, cd/m2 per frame in the CSV, no warning")
  func bt1702Report() throws {
    let dir = try TemporaryDirectory(prefix: "cli-hdr")
    let clip = dir.file("pq.mkv")
    try Self.pqClip(clip)
    let run = try Flashscan.run([
      clip, "--profile", "bt1702", "--report", dir.file("r.json"), "--report", dir.file("r.html"),
      "--frames-csv", dir.file("f.csv"), "--hlg-peak", "1000",
    ])
    #expect(run.status == 3, "\(run.stderr)")
    #expect(!run.stderr.contains("warning"))
    let doc = try Self.json(dir.file("r.json"))
    #expect(doc["warnings"] == nil)
    let input = try #require(doc["input"] as? [String: Any])
    #expect(input["transfer"] as? String == "smpte2084")
    #expect(input["primaries"] as? String == "bt2020")
    #expect(input["matrix"] as? String == "bt2020nc")
    #expect(input["range"] as? String == "tv")
    #expect(input["bitDepth"] as? Int == 10)
    #expect(input["hdr"] as? Bool == true)
    let html = try String(contentsOfFile: dir.file("r.html"), encoding: .utf8)
    #expect(
      html.contains("smpte2084 transfer, bt2020 primaries, bt2020nc matrix, tv range, 10-bit, HDR"))
    let csv = try String(contentsOfFile: dir.file("f.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n")
    let header = lines.first?.split(separator: ",").map(String.init) ?? []
    let column = try #require(header.firstIndex(of: "luminance_cd_m2"))
    let levels = lines.dropFirst().compactMap {
      let cells = $0.split(separator: ",", omittingEmptySubsequences: false)
      return cells.count > column ? cells[column] : nil
    }
    .compactMap { Double($0) }
    #expect(levels.count == 48)
    // 0x60 and 0xC0 as PQ signals: far apart in cd/m2 (about 30 and 1,000).
    #expect((levels.min() ?? 0) > 10 && (levels.min() ?? 0) < 100 && (levels.max() ?? 0) > 500)
  }

  @Test("--hlg-peak needs the bt1702 profile and a sane value")
  func hlgPeakValidation() throws {
    let dir = try TemporaryDirectory(prefix: "cli-hdr")
    let clip = dir.file("pq.mkv")
    try Self.pqClip(clip)
    let wrongProfile = try Flashscan.run([clip, "--check", "--hlg-peak", "500"])
    #expect(wrongProfile.status == 2)
    #expect(wrongProfile.stderr.contains("--hlg-peak needs --profile bt1702"))
    let zero = try Flashscan.run([clip, "--check", "--profile", "bt1702", "--hlg-peak", "0"])
    #expect(zero.status == 2)
  }
}
