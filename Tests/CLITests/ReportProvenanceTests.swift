import ArgumentParser
import Foundation
import Photosensitivity
import Reports
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 13, "Reports a person can act on": when a report was made, by which build, and the
/// command that makes it again.
@Suite("report provenance end to end", .serialized)
struct ReportProvenanceTests {
  static let epoch = ["SOURCE_DATE_EPOCH": "1700000000"]

  @Test(
    "createdAt is now in UTC, or SOURCE_DATE_EPOCH, which makes every format the same bytes run after run"
  )
  func createdAt() throws {
    let dir = try TemporaryDirectory(prefix: "cli-created")
    let clip = dir.file("calm.mkv")
    try ReportEndToEndTests.clip(clip, flashing: false)
    let formats = ["json", "html", "md"]
    func run(_ name: String, environment: [String: String]) throws -> Flashscan.Result {
      try Flashscan.run(
        [clip] + formats.flatMap { ["--report", dir.file("\(name).\($0)")] },
        environment: environment)
    }
    let before = Date().timeIntervalSince1970.rounded(.down)
    let now = try run("now", environment: [:])
    let after = Date().timeIntervalSince1970
    #expect(now.status == 0, "\(now.stderr)")
    let doc = try ReportEndToEndTests.json(dir.file("now.json"))
    let created = try #require(doc["createdAt"] as? String)
    let parsed = try #require(ISO8601DateFormatter().date(from: created), "\(created)")
    #expect(created.hasSuffix("Z") && created.count == 20, "\(created)")
    #expect(parsed.timeIntervalSince1970 >= before && parsed.timeIntervalSince1970 <= after)

    for name in ["a", "b"] {
      let r = try run(name, environment: Self.epoch)
      #expect(r.status == 0, "\(r.stderr)")
    }
    for f in formats {
      let a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a.\(f)")))
      let b = try Data(contentsOf: URL(fileURLWithPath: dir.file("b.\(f)")))
      #expect(a == b, "\(f): the same bytes with SOURCE_DATE_EPOCH")
      #expect(String(decoding: a, as: UTF8.self).contains("2023-11-14T22:13:20Z"), "\(f)")
    }
    let fixed = try ReportEndToEndTests.json(dir.file("a.json"))
    #expect(fixed["createdAt"] as? String == "2023-11-14T22:13:20Z")
    // The tool: the version, and the commit only when the build was told it (Scripts/package;
    // these tests run a plain debug build, which the HTML and Markdown say).
    let tool = try #require(fixed["tool"] as? [String: Any])
    #expect(tool["version"] as? String == BuildInfo.version)
    #expect(tool["commit"] as? String == BuildInfo.commit)
    let html = try String(contentsOfFile: dir.file("a.html"), encoding: .utf8)
    let md = try String(contentsOfFile: dir.file("a.md"), encoding: .utf8)
    let toolLine = "flashscan \(BuildInfo.version) (commit \(BuildInfo.commit ?? "unknown"))"
    #expect(html.contains(toolLine) && md.contains(toolLine))
    #expect(md.contains("| Created | 2023-11-14T22:13:20Z |"))

    // A malformed value is refused before any work: one line, exit 2, no report.
    let bad = try Flashscan.run(
      [clip, "--report", dir.file("bad.json")], environment: ["SOURCE_DATE_EPOCH": "yesterday"])
    #expect(bad.status == 2)
    #expect(bad.errorLines.first?.contains("SOURCE_DATE_EPOCH=yesterday") == true, "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.file("bad.json")))
  }

  @Test(
    "the reproduce command of -it's a \"clip\" (1).mkv runs through /bin/sh and writes the same report"
  )
  func reproduceRunsAsWritten() throws {
    let dir = try TemporaryDirectory(prefix: "cli-reproduce")
    let name = "-it's a \"clip\" (1).mkv"
    try ReportEndToEndTests.clip(dir.file(name), flashing: true)
    let original = try Flashscan.run(
      [
        "--profile", "ofcom", "--max-transitions", "8", "--red-rules", "classic", "chromaticity",
        "--grid", "24x16", "--report", "original.json", "--", name,
      ], cwd: dir.path, environment: Self.epoch)
    #expect(original.status == 3, "\(original.stderr)")
    let doc = try ReportEndToEndTests.json(dir.file("original.json"))
    let command = try #require(doc["reproduce"] as? String)
    #expect(
      command
        == "flashscan --profile ofcom --red-rules classic chromaticity --max-transitions 8"
        + " --grid 24x16 --report reproduced.json -- '-it'\\''s a \"clip\" (1).mkv'")

    let binary = try #require(Flashscan.binary)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    var environment = ProcessInfo.processInfo.environment.merging(Self.epoch) { $1 }
    environment["PATH"] =
      URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":"
      + (environment["PATH"] ?? "/usr/bin:/bin")
    process.environment = environment
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 3)
    #expect(String(decoding: stdout, as: UTF8.self) == original.stdout, "the same verdict line")
    let reproduced = try Data(contentsOf: URL(fileURLWithPath: dir.file("reproduced.json")))
    let first = try Data(contentsOf: URL(fileURLWithPath: dir.file("original.json")))
    #expect(reproduced == first, "the same report, byte for byte")
    #expect(doc["verdict"] as? String == "fail")
  }

  @Test("every option the reproduce command writes parses back into the same parameters")
  func optionsRoundTrip() throws {
    var cases: [AnalysisParametersCase] = []
    for profile in Profile.allCases {
      cases.append(.init(profile: profile, change: { _ in }))
    }
    cases.append(
      .init(profile: .wcag) {
        $0.flashThreshold = 0.125
        $0.darkThreshold = 0.75
        $0.redRules = [.saturationChange]
        $0.redSaturationRatio = 0.7
        $0.redThreshold = 25
        $0.redChromaticityDistance = 0.3
        $0.redMinimumLuminance = 1e-05
        $0.maxTransitions = 9
        $0.minTransitions = 3
        $0.windowSeconds = 0.5
        $0.extendedWindowSeconds = 6
        $0.extendedSeconds = 3.5
        $0.extendedVerdict = .fail
        $0.fieldAreaReading = .fullField
        $0.gridColumns = 12
        $0.gridRows = 9
      })
    cases.append(
      .init(profile: .ofcom) {
        $0.screenAreaShare = 0.3
        $0.leadingEdgeExemptionSeconds = nil
      })
    cases.append(
      .init(profile: .iris) {
        $0.irisFrameRate = 24
        $0.leadingEdgeExemptionSeconds = 0.5
        $0.patterns = PatternRule.enabledRule(for: .iris, displayModel: $0.displayModel)
      })
    let hlg = try ReportOptions.parse(
      ["--profile", "bt1702", "--hlg-peak", "600", "--report", "r.json"]
    ).parameters()
    #expect(hlg.bt1702Display?.hlgPeak == 600)
    cases.append(.init(profile: .bt1702) { $0 = hlg })
    for c in cases {
      var p = AnalysisParameters(profile: c.profile)
      c.change(&p)
      let (options, complete) = ReproduceCommand.arguments(for: p)
      #expect(complete, "\(options)")
      let parsed = try ReportOptions.parse(options + ["--report", "r.json"])
      #expect(parsed.parameters() == p, "\(options)")
    }
  }

  struct AnalysisParametersCase {
    var profile: Profile
    var change: (inout AnalysisParameters) -> Void
  }
}
