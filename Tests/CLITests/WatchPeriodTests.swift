import Foundation
import TestSupport
import Testing

@Suite("flashscan watch --report-every: rolling reports", .serialized)
struct WatchPeriodTests {
  /// 25 s of a 32x18 25 fps file, a 5 Hz flash at 3-6 s and at 21-23 s, watched with
  /// `--report-every 10s`: three period reports per format, named by their start, valid against
  /// the schema; their frames and flagged frames add up to the whole watch's; each incident is
  /// in the report of the period its incident-end was written in (the first one 6 s after its
  /// end, in the second period; the last at the end of the file, in the third).
  @Test func periodsAddUpToTheWatch() throws {
    let dir = try TemporaryDirectory(prefix: "watch-periods")
    let clip = dir.file("clip.mkv")
    _ = try FFmpegCLI.run([
      "-v", "error", "-f", "lavfi", "-i",
      "color=c=black:s=32x18:r=25:d=25,format=gray,"
        + "geq=lum='if((between(T\\,3\\,5.99)+between(T\\,21\\,22.99))*lt(mod(N\\,5)\\,2)\\,235\\,16)',"
        + "format=yuv420p",
      "-c:v", "ffv1", "-y", clip,
    ])
    let whole = dir.file("w.json")
    let result = try Flashscan.run([
      "watch", clip, "--status-every", "0", "--report-every", "10s", "--report", whole,
      "--report", dir.file("w.html"),
    ])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
    #expect(
      names == [
        "clip.mkv", "w-00h00m00s.html", "w-00h00m00s.json", "w-00h00m10s.html",
        "w-00h00m10s.json", "w-00h00m20s.html", "w-00h00m20s.json", "w.html", "w.json",
      ], "\(names)")
    let periods = ["w-00h00m00s.json", "w-00h00m10s.json", "w-00h00m20s.json"].map(dir.file)
    let check = try ReportSchemaTests.validate(periods + [whole])
    #expect(check.status == 0, "\(check.output)")

    func load(_ path: String) throws -> [String: Any] {
      let data = try #require(FileManager.default.contents(atPath: path))
      return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
    func frames(_ r: [String: Any]) -> Int? {
      (r["input"] as? [String: Any])?["frameCount"] as? Int
    }
    func flagged(_ r: [String: Any]) -> Int {
      ((r["criteria"] as? [[String: Any]]) ?? []).reduce(0) {
        $0 + ($1["flaggedFrames"] as? Int ?? 0)
      }
    }
    let reports = try periods.map(load)
    let all = try load(whole)
    #expect(reports.map(frames) == [250, 250, 125])
    #expect(frames(all) == 625)
    #expect(reports.map(flagged).reduce(0, +) == flagged(all))
    #expect(flagged(reports[0]) > 0 && flagged(reports[2]) > 0 && flagged(reports[1]) == 0)
    let incidents = reports.map { ($0["incidents"] as? [[String: Any]]) ?? [] }
    #expect(incidents.map(\.count) == [0, 1, 1])
    let allIncidents = (all["incidents"] as? [[String: Any]]) ?? []
    #expect(allIncidents.count == 2)
    #expect(incidents[1].first?["start"] as? Double == allIncidents.first?["start"] as? Double)
    #expect(incidents[2].first?["end"] as? Double == allIncidents.last?["end"] as? Double)
    #expect(
      incidents[2].first?["worstFrameTime"] as? Double
        == allIncidents.last?["worstFrameTime"] as? Double)
    #expect(reports.map { $0["verdict"] as? String } == ["fail", "fail", "fail"])
  }

  @Test func durationsAreParsedStrictly() throws {
    for bad in ["10", "0s", "1.5m", "10x", "-5s", "1d", "s", "1234567s", " 1h"] {
      let r = try Flashscan.run(["watch", "x.mkv", "--report-every", bad, "--report", "r.json"])
      #expect(r.status == 2, "\(bad): \(r.status)")
      #expect(r.stderr.contains("--report-every"), "\(bad): \(r.stderr)")
    }
    let missing = try Flashscan.run(["watch", "x.mkv", "--report-every", "1h"])
    #expect(missing.status == 2 && missing.stderr.contains("needs --report"), "\(missing.stderr)")
  }
}
