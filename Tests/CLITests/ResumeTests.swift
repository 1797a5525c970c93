import Foundation
import TestSupport
import Testing

/// `--skip-existing` with `--report-dir` and `--output-dir` (issue 13): an input is done only when
/// every output it asks for exists.
@Suite("resume with --skip-existing", .serialized)
struct ResumeTests {
  @Test("an input is skipped only when its table and every report exist")
  func resume() throws {
    let dir = try TemporaryDirectory(prefix: "cli-resume")
    let root = dir.file("in")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try ReportEndToEndTests.clip(root + "/a.mkv", flashing: false)
    try ReportEndToEndTests.clip(root + "/b.mkv", flashing: false)
    let tables = dir.file("tables")
    let reports = dir.file("reports")
    let args = [
      "--output-dir", tables, "--report-dir", reports, "--skip-existing", "--index",
      dir.file("index.jsonl"), root,
    ]
    let first = try Flashscan.run(args)
    #expect(first.status == 0, "\(first.stderr)")
    func statuses() throws -> [String?] {
      try BatchIndexTests.records(String(contentsOfFile: dir.file("index.jsonl"), encoding: .utf8))
        .map { $0["status"] as? String }
    }
    #expect(try statuses() == ["ok", "ok"])
    func reportFiles() throws -> [String] {
      try FileManager.default.subpathsOfDirectory(atPath: reports).filter {
        $0.hasSuffix(".json") || $0.hasSuffix(".html")
      }.sorted()
    }
    let made = try reportFiles()
    #expect(made.count == 4, "\(made)")

    // Everything exists: both skipped, nothing rewritten.
    let again = try Flashscan.run(args)
    #expect(again.status == 0)
    #expect(try statuses() == ["skipped", "skipped"])
    #expect(again.stderr.contains("\(root)/a.mkv: skipped (its outputs exist)"), "\(again.stderr)")

    // a.mkv's HTML report is missing (as after an interrupted run): a.mkv runs again, b.mkv not.
    let aHTML = try #require(made.first { $0.contains("a.mkv") && $0.hasSuffix(".html") })
    try FileManager.default.removeItem(atPath: reports + "/" + aHTML)
    let resumed = try Flashscan.run(args)
    #expect(resumed.status == 0)
    #expect(try statuses() == ["ok", "skipped"])
    #expect(try reportFiles() == made)

    // b.mkv's table is missing: it runs again.
    let bTable = try #require(
      try FileManager.default.subpathsOfDirectory(atPath: tables).first {
        $0.hasSuffix("b.mkv.csv")
      })
    try FileManager.default.removeItem(atPath: tables + "/" + bTable)
    _ = try Flashscan.run(args)
    #expect(try statuses() == ["skipped", "ok"])

    // --report-dir alone (the tables to standard output) resumes too.
    let reportOnly = try Flashscan.run([
      "--report-dir", reports, "--skip-existing", "--index", dir.file("index.jsonl"), root,
    ])
    #expect(reportOnly.status == 0, "\(reportOnly.stderr)")
    #expect(try statuses() == ["skipped", "skipped"])

    let bad = try Flashscan.run(["--skip-existing", root])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("--skip-existing needs --output-dir or --report-dir"))
  }
}
