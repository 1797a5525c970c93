import Foundation
import Photosensitivity
import Reports
import Testing

@Suite("report provenance: creation time, reproduce command, video link")
struct ProvenanceTests {
  @Test("SOURCE_DATE_EPOCH gives the creation time; unset, the clock does; malformed, an error")
  func creationTime() throws {
    let fixed = try ReportTime.creationDate(
      environment: ["SOURCE_DATE_EPOCH": "1700000000"], now: { Date(timeIntervalSince1970: 5) })
    #expect(ReportTime.iso8601(fixed) == "2023-11-14T22:13:20Z")
    let clock = try ReportTime.creationDate(
      environment: [:], now: { Date(timeIntervalSince1970: 86_400.75) })
    #expect(ReportTime.iso8601(clock) == "1970-01-02T00:00:00Z")
    #expect(
      ReportTime.iso8601(try ReportTime.creationDate(environment: ["SOURCE_DATE_EPOCH": "0"]))
        == "1970-01-01T00:00:00Z")
    for bad in ["", "-1", "1.5", "12abc", " 1", "253402300800", "99999999999999999999"] {
      #expect(throws: ReportTimeError.self, "'\(bad)'") {
        try ReportTime.creationDate(environment: ["SOURCE_DATE_EPOCH": bad])
      }
    }
  }

  @Test("shell quoting: safe words as they are, anything else in single quotes, ' as '\\''")
  func shellQuote() {
    #expect(ReproduceCommand.shellQuote("clip_1.mp4") == "clip_1.mp4")
    #expect(ReproduceCommand.shellQuote("a b.mp4") == "'a b.mp4'")
    #expect(ReproduceCommand.shellQuote("it's.mp4") == "'it'\\''s.mp4'")
    #expect(ReproduceCommand.shellQuote("$(rm -rf x)") == "'$(rm -rf x)'")
    #expect(ReproduceCommand.shellQuote("") == "''")
    #expect(ReproduceCommand.shellQuote("café.mp4") == "'café.mp4'")
  }

  @Test(
    "the reproduce command: options first, `--` before a name starting with -, defaults left out")
  func reproduceCommand() {
    let wcag = AnalysisParameters(profile: .wcag)
    #expect(
      ReproduceCommand.command(path: "in/a b.mp4", parameters: wcag)
        == "flashscan --profile wcag --report reproduced.json 'in/a b.mp4'")
    #expect(
      ReproduceCommand.command(path: "-x.mp4", parameters: wcag)
        == "flashscan --profile wcag --report reproduced.json -- -x.mp4")
    #expect(
      ReproduceCommand.command(path: "-", parameters: wcag)
        == "flashscan --profile wcag --report reproduced.json -")
    var p = AnalysisParameters(profile: .ofcom)
    p.maxTransitions = 8
    p.leadingEdgeExemptionSeconds = nil
    p.redRules = [.classic, .chromaticity]
    #expect(
      ReproduceCommand.command(path: "v.mkv", parameters: p)
        == "flashscan --profile ofcom --red-rules classic chromaticity --max-transitions 8"
        + " --leading-edge 0 --report reproduced.json v.mkv")
    // A parameter no option sets is said, not silently dropped.
    var q = wcag
    q.displayModel.gamma = 2.4
    #expect(ReproduceCommand.arguments(for: q).complete == false)
    #expect(
      ReproduceCommand.command(path: "v.mkv", parameters: q).hasSuffix(
        "# plus parameters no option sets (see \"parameters\"): not reproduced"))
  }

  @Test("the video link is relative to the report's folder and percent-encoded")
  func relativeVideoURL() {
    let cwd = "/work/runs"
    #expect(
      ReportVideo.relativeURL(reportPath: "r.html", videoPath: "a b.mp4", currentDirectory: cwd)
        == "a%20b.mp4")
    #expect(
      ReportVideo.relativeURL(
        reportPath: "reports/x/r.html", videoPath: "clips/it's #1?.mp4", currentDirectory: cwd)
        == "../../clips/it%27s%20%231%3F.mp4")
    #expect(
      ReportVideo.relativeURL(
        reportPath: "/tmp/out/r.html", videoPath: "./clips/../v.mkv", currentDirectory: cwd)
        == "../../work/runs/v.mkv")
    #expect(
      ReportVideo.relativeURL(reportPath: "/r.html", videoPath: "/a:b/ü.mp4", currentDirectory: cwd)
        == "a%3Ab/%C3%BC.mp4")
    #expect(
      ReportVideo.relativeURL(
        reportPath: "clips/r.html", videoPath: "clips/100%.mp4", currentDirectory: cwd)
        == "100%25.mp4")
  }
}
