import Foundation
import TestSupport
import Testing

/// `flashscan FILE --report ...`: the photosensitivity outputs of the built binary (issue 5).
@Suite("flashscan reports end to end", .serialized)
struct ReportEndToEndTests {
  /// 160x90 at 25 fps for 4 s, FFV1 (lossless): mid gray, with a full-screen black/white flash
  /// at 5 Hz from 1 s to 3 s (fails every profile), or with none (passes).
  static func clip(_ path: String, flashing: Bool) throws {
    let enable = flashing ? "between(t,1,2.99)*lt(mod(t,0.2),0.1)" : "0"
    let dark = flashing ? "between(t,1,2.99)*gte(mod(t,0.2),0.1)" : "0"
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "color=0x808080:size=160x90:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=white:size=160x90:rate=25:duration=4",
      "-f", "lavfi", "-i", "color=black:size=160x90:rate=25:duration=4",
      "-filter_complex", "[0][1]overlay=enable='\(enable)'[a];[a][2]overlay=enable='\(dark)'",
      "-c:v", "ffv1", "-pix_fmt", "bgr0", path,
    ])
  }

  static func json(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test("every report format from one run; the table still printed; a fail exits 3")
  func allFormats() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let clip = dir.file("flash clip.mkv")
    try Self.clip(clip, flashing: true)
    let plain = try Flashscan.run([clip])
    #expect(plain.status == 0, "\(plain.stderr)")

    let out = dir.file("out")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let result = try Flashscan.run([
      clip, "--report", "\(out)/r.json", "--report", "\(out)/r.html", "--report", "\(out)/r.md",
      "--frames-csv", "\(out)/frames.csv", "--table",
    ])
    #expect(result.status == 3, "\(result.stderr)")
    #expect(result.stdout == plain.stdout, "the T table is the same with reports (--table)")
    // Without --table a report-first run prints the verdict line instead.
    let first = try Flashscan.run([clip, "--report", dir.file("first.json")])
    #expect(first.status == 3)
    #expect(first.stdout.hasPrefix("FAIL\t\(clip)\t(profile wcag, "), "\(first.stdout)")
    #expect(first.stdout.split(separator: "\n").count == 1)
    // -o keeps the table in its file and prints no verdict line on standard output.
    let file = try Flashscan.run([
      clip, "--report", dir.file("second.json"), "-o", dir.file("t.csv"),
    ])
    #expect(file.stdout.isEmpty && readText(dir.file("t.csv")) == plain.stdout)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        == ["frames.csv", "r.html", "r.json", "r.md"], "no temporary files left")

    let doc = try Self.json("\(out)/r.json")
    #expect(doc["schemaVersion"] as? String == "2.1")
    #expect(doc["verdict"] as? String == "fail")
    #expect(doc["profile"] as? String == "wcag")
    let tool = try #require(doc["tool"] as? [String: Any])
    #expect(tool["name"] as? String == "flashscan")
    let input = try #require(doc["input"] as? [String: Any])
    let sum = String(decoding: try FFmpegCLI.execute("/usr/bin/sha256sum", [clip]), as: UTF8.self)
    #expect(input["sha256"] as? String == String(sum.prefix(64)))
    let size = try FileManager.default.attributesOfItem(atPath: clip)[.size] as? NSNumber
    #expect((input["sizeBytes"] as? NSNumber)?.int64Value == size?.int64Value)
    #expect(input["frameCount"] as? Int == 100)
    #expect(input["width"] as? Int == 160 && input["height"] as? Int == 90)
    #expect(input["codec"] as? String == "ffv1")
    let incidents = try #require(doc["incidents"] as? [[String: Any]])
    #expect(
      incidents.contains {
        $0["kind"] as? String == "luminance" && $0["verdict"] as? String == "fail"
      })

    let html = try String(contentsOfFile: "\(out)/r.html", encoding: .utf8)
    #expect(html.contains("<header class=\"banner fail\""))
    #expect(html.contains("flash clip.mkv"))
    #expect(html.contains("data:image/png;base64,"))
    let md = try String(contentsOfFile: "\(out)/r.md", encoding: .utf8)
    #expect(md.hasPrefix("## flashscan: **FAIL**: flash clip.mkv"))

    // The frames CSV has every frame, T in its `t` column equal to the table's.
    let frames = Table(try String(contentsOfFile: "\(out)/frames.csv", encoding: .utf8))
    let table = Table(plain.stdout)
    #expect(frames.rows.count == 100)
    #expect(frames.header.prefix(4) == ["frame", "time", "t", "flashes_per_second"])
    #expect(frames.column("t").first == "")
    #expect(Array(frames.column("t").dropFirst()) == table.column("T"))
    #expect(frames.column("verdict").contains("fail"))
  }

  @Test("--fail-on: never exits 0, a pass exits 0, an unreadable input stays 1")
  func failOn() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let flash = dir.file("flash.mkv")
    let calm = dir.file("calm.mkv")
    try Self.clip(flash, flashing: true)
    try Self.clip(calm, flashing: false)
    #expect(try Flashscan.run([flash, "--check", "--fail-on", "never"]).status == 0)
    #expect(try Flashscan.run([calm, "--check", "--fail-on", "warning"]).status == 0)
    #expect(try Flashscan.run([calm, "--check"]).status == 0)
    let missing = try Flashscan.run([dir.file("nope.mkv"), flash, "--check"])
    #expect(missing.status == 1, "\(missing.stderr)")
  }

  @Test("--check prints one verdict line per file, in input order, and no table")
  func check() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let flash = dir.file("flash.mkv")
    let calm = dir.file("calm.mkv")
    try Self.clip(flash, flashing: true)
    try Self.clip(calm, flashing: false)
    // Inputs are scanned in sorted order (Docs/CLI.md): calm before flash.
    let result = try Flashscan.run(["--check", flash, calm])
    #expect(result.status == 3)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(result.stdout)")
    #expect(lines.first == "PASS\t\(calm)\t(profile wcag, 0 incidents)")
    #expect(lines.last?.hasPrefix("FAIL\t\(flash)\t(profile wcag, ") == true)
  }

  @Test("--report-dir writes each input's reports under a mirror of the input paths")
  func reportDirectory() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let tree = dir.file("tree")
    try FileManager.default.createDirectory(
      atPath: tree + "/sub", withIntermediateDirectories: true)
    let flash = tree + "/flash.mkv"
    let calm = tree + "/sub/calm.mkv"
    try Self.clip(flash, flashing: true)
    try Self.clip(calm, flashing: false)
    try "not a video".write(toFile: tree + "/sub/broken.mkv", atomically: true, encoding: .utf8)
    let out = dir.file("reports")

    // JSON and Markdown only, two files at once; the broken file gets its error line and no
    // report, the others complete, and the input error decides the exit status (1).
    let result = try Flashscan.run([
      tree, "--report-dir", out, "--report-format", "json", "--report-format", "md", "--jobs", "2",
    ])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.errorLines.contains { $0.contains("broken.mkv") && $0.contains("not a media file") })
    let mirror = out + "/" + tree.split(separator: "/").joined(separator: "/")
    let written = try FileManager.default.subpathsOfDirectory(atPath: out).filter {
      $0.hasSuffix(".json") || $0.hasSuffix(".md") || $0.hasSuffix(".html")
    }
    #expect(written.count == 4, "\(written)")
    #expect(try Self.json(mirror + "/flash.mkv.json")["verdict"] as? String == "fail")
    #expect(try Self.json(mirror + "/sub/calm.mkv.json")["verdict"] as? String == "pass")
    let markdown = try String(contentsOfFile: mirror + "/flash.mkv.md", encoding: .utf8)
    #expect(markdown.contains("**FAIL**"))
    #expect(!FileManager.default.fileExists(atPath: mirror + "/sub/broken.mkv.json"))
    // A report-first run: each good file's verdict line instead of the table.
    #expect(result.stdout.contains("FAIL\t\(flash)\t") && result.stdout.contains("PASS\t\(calm)\t"))

    // With --check and the default formats (JSON and HTML): verdict lines, exit 3 for the fail.
    let checked = try Flashscan.run([flash, calm, "--check", "--report-dir", out])
    #expect(checked.status == 3, "\(checked.stderr)")
    #expect(checked.stdout.split(separator: "\n").count == 2)
    let html = try String(contentsOfFile: mirror + "/flash.mkv.html", encoding: .utf8)
    #expect(html.contains("FAIL"))
    #expect(FileManager.default.fileExists(atPath: mirror + "/sub/calm.mkv.json"))
    #expect(temporaryLeftovers(out).isEmpty, "\(listing(out))")
  }

  @Test("profile and thresholds are applied and echoed")
  func parametersEchoed() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let flash = dir.file("flash.mkv")
    try Self.clip(flash, flashing: true)
    let json = dir.file("r.json")
    // 5 Hz is 10 or 11 transitions in a one-second window: allowing 12 makes it pass.
    let result = try Flashscan.run([
      flash, "--profile", "ofcom", "--max-transitions", "12", "--grid", "24x24", "--report", json,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let doc = try Self.json(json)
    #expect(doc["profile"] as? String == "ofcom")
    #expect(doc["verdict"] as? String == "pass")
    let parameters = try #require(doc["parameters"] as? [String: Any])
    #expect(parameters["maxTransitions"] as? Int == 12)
    #expect(parameters["gridColumns"] as? Int == 24)
    #expect(parameters["flashThreshold"] as? Double == 20)
  }

  @Test("standard input: the report says the hash is not available")
  func standardInput() throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let flash = dir.file("flash.mkv")
    try Self.clip(flash, flashing: true)
    let json = dir.file("r.json")
    let result = try Flashscan.run(["-", "--report", json], stdinFile: flash)
    #expect(result.status == 3, "\(result.stderr)")
    let input = try #require(try Self.json(json)["input"] as? [String: Any])
    #expect(input["path"] as? String == "-")
    #expect(input["sha256"] == nil)
    #expect((input["sha256Note"] as? String)?.contains("standard input") == true)
  }

  @Test(
    "usage errors exit 2",
    arguments: [
      ["--report", "r.txt"], ["--report", "r.json", "IN2"], ["--profile", "ofcom"],
      ["--gray", "luma", "--check"],
      ["--check", "-o", "t.csv"], ["--report", "r.json", "--frames-csv", "r.json"],
      ["--grid", "4", "--check"],
      ["--check", "--min-transitions", "7"], ["--report-format", "md"],
      ["--report-dir", "out", "--report-format", "pdf"],
    ])
  func usage(arguments: [String]) throws {
    let dir = try TemporaryDirectory(prefix: "cli-report")
    let flash = dir.file("flash.mkv")
    try Self.clip(flash, flashing: true)
    let other = dir.file("other.mkv")
    try FileManager.default.copyItem(atPath: flash, toPath: other)
    let args =
      [flash]
      + arguments.map {
        $0 == "IN2" ? other : $0.hasSuffix(".json") || $0.hasSuffix(".txt") ? dir.file($0) : $0
      }
    let result = try Flashscan.run(args)
    #expect(result.status == 2, "\(arguments): \(result.stderr)")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
        "flash.mkv", "other.mkv",
      ])
  }
}
