import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `--index PATH` and `--check --format jsonl` (issue 13): one record per input.
@Suite("batch index", .serialized)
struct BatchIndexTests {
  static func records(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
      try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
  }

  @Test(
    "a mixed batch: every input in the index (csv, json, jsonl), the same records on stdout with --check --format jsonl, verdicts on stderr, exit 1"
  )
  func mixedBatch() throws {
    let dir = try TemporaryDirectory(prefix: "cli-index")
    let root = dir.file("in")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try ReportEndToEndTests.clip(root + "/calm.mkv", flashing: false)
    try ReportEndToEndTests.clip(root + "/flash, 1.mkv", flashing: true)
    try "not a video".write(toFile: root + "/bad.mkv", atomically: true, encoding: .utf8)

    let result = try Flashscan.run([
      "--check", "--format", "jsonl", "--index", dir.file("index.jsonl"), root,
    ])
    // A failed input and a failing verdict: 1 (a failure to read takes precedence over 3).
    #expect(result.status == 1, "\(result.stderr)")
    let index = try String(contentsOfFile: dir.file("index.jsonl"), encoding: .utf8)
    #expect(result.stdout == index, "stdout: \(result.stdout)")
    let records = try Self.records(index)
    #expect(
      records.map { $0["file"] as? String }
        == ["bad.mkv", "calm.mkv", "flash, 1.mkv"].map { root + "/" + $0 })
    #expect(records.map { $0["status"] as? String } == ["failed", "ok", "ok"])
    #expect(records[0]["verdict"] is NSNull && records[0]["incidents"] is NSNull)
    #expect((records[0]["error"] as? String)?.isEmpty == false)
    #expect(records[1]["verdict"] as? String == "pass" && records[1]["incidents"] as? Int == 0)
    #expect(
      records[2]["verdict"] as? String == "fail" && (records[2]["incidents"] as? Int ?? 0) >= 1)
    #expect(records[1]["frames"] as? Int == 100 && records[1]["duration"] as? Double == 4)
    #expect(records[1]["error"] is NSNull)
    for r in records {
      #expect(
        Set(r.keys) == [
          "file", "status", "verdict", "incidents", "frames", "duration", "error", "reports",
        ])
    }
    #expect(result.stderr.contains("\(root)/calm.mkv: ok, 100 frames, 4.000 s, max |T|"))
    #expect(result.stderr.contains(", verdict PASS"))
    #expect(
      result.stderr.contains("\(root)/flash, 1.mkv: ok, 100 frames")
        && result.stderr.contains(", verdict FAIL"))

    // The same run with a JSON and a CSV index, and report files named in the records.
    let reports = dir.file("reports")
    let json = try Flashscan.run([
      "--check", "--index", dir.file("index.json"), "--report-dir", reports, root,
    ])
    #expect(json.status == 1)
    let array = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: dir.file("index.json"))))
        as? [[String: Any]])
    #expect(array.map { $0["status"] as? String } == ["failed", "ok", "ok"])
    let calmReports = try #require(array[1]["reports"] as? [String])
    #expect(!calmReports.isEmpty)
    for path in calmReports { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }

    let csv = try Flashscan.run(["--check", "--index", dir.file("index.csv"), root])
    #expect(csv.status == 1)
    let lines = try String(contentsOfFile: dir.file("index.csv"), encoding: .utf8).split(
      separator: "\n")
    #expect(lines.first == "file,status,verdict,incidents,frames,duration,error,reports")
    #expect(lines.count == 4)
    #expect(lines[2] == "\(root)/calm.mkv,ok,pass,0,100,4.000,,")
    #expect(lines[3].hasPrefix("\"\(root)/flash, 1.mkv\",ok,fail,"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
        "in", "index.csv", "index.json", "index.jsonl", "reports",
      ])
  }

  @Test("--index with another extension is a usage error")
  func badExtension() throws {
    let result = try Flashscan.run(["--index", "/tmp/index.txt", "/nonexistent.mkv"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--index must end in .csv, .json or .jsonl"))
  }

  @Test("after Ctrl-C the index is complete: the inputs not reached are skipped")
  func interrupted() throws {
    let dir = try TemporaryDirectory(prefix: "cli-index-sigint")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 8, seed: 9)
    let later = dir.file("b.mkv")
    try Clips.lossless(later, frames: 8, seed: 10)
    let index = dir.file("index.jsonl")
    // Inputs run in sorted order, standard input first: it gets a whole clip but never ends,
    // so the run is busy on it (one job) when the signal comes, and a.mkv, b.mkv are not reached.
    let running = try Flashscan.start(
      ["--index", index, "--progress", "--jobs", "1", clip, "-", later], pipeStdin: true)
    running.stdinPipe.fileHandleForWriting.write(try Data(contentsOf: URL(fileURLWithPath: clip)))
    #expect(running.waitForStderr { $0.contains("[0/3 files") }, "progress: \(running.stderrSoFar)")
    running.signal(SIGINT)
    let result = running.finish()
    try? running.stdinPipe.fileHandleForWriting.close()
    #expect(result.status == 130, "\(result.stderr)")
    let records = try Self.records(try String(contentsOfFile: index, encoding: .utf8))
    #expect(records.map { $0["file"] as? String } == ["-", clip, later])
    #expect(records.map { $0["status"] as? String } == ["skipped", "skipped", "skipped"])
    #expect(records.allSatisfy { $0["verdict"] is NSNull && $0["frames"] as? Int == 0 })
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
        "a.mkv", "b.mkv", "index.jsonl",
      ])
  }
}
