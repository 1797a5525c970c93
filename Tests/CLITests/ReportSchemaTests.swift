import Foundation
import TestSupport
import Testing

/// Docs/report.schema.json (draft 2020-12) validates real reports, with Python's `jsonschema`
/// (Scripts/setup installs it).
@Suite("report JSON Schema", .serialized)
struct ReportSchemaTests {
  static let schema = LibraryExampleTests.root.appendingPathComponent("Docs/report.schema.json")
    .path

  /// Runs `jsonschema` on `reports`; returns python's exit status and output.
  static func validate(_ reports: [String]) throws -> (status: Int32, output: String) {
    let script = """
      import json, sys
      import jsonschema
      schema = json.load(open(sys.argv[1]))
      jsonschema.Draft202012Validator.check_schema(schema)
      validator = jsonschema.Draft202012Validator(schema)
      bad = 0
      for path in sys.argv[2:]:
          for error in validator.iter_errors(json.load(open(path))):
              print(path, list(error.absolute_path), error.message)
              bad += 1
      sys.exit(1 if bad else 0)
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, schema] + reports
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  @Test(
    "reports of every profile, a pass, an incomplete input and a start timecode validate; a broken one does not"
  )
  func realReports() throws {
    let dir = try TemporaryDirectory(prefix: "cli-schema")
    let sample = LibraryExampleTests.root.appendingPathComponent("Samples/flashing.mp4").path
    var reports: [String] = []
    for profile in ["wcag", "ofcom", "iris"] {
      let path = dir.file("\(profile).json")
      _ = try Flashscan.run([sample, "--profile", profile, "--report", path])
      reports.append(path)
    }
    try ReportEndToEndTests.clip(dir.file("calm.mkv"), flashing: false)
    _ = try Flashscan.run([dir.file("calm.mkv"), "--report", dir.file("calm.json")])
    try QCReportTests.truncate(dir.file("calm.mkv"), to: dir.file("cut.mkv"))
    _ = try Flashscan.run([dir.file("cut.mkv"), "--report", dir.file("cut.json")])
    try StartTimecodeEndToEndTests.clip(
      dir.file("tc.mov"), rate: "30000/1001", timecode: "01:00:00;00")
    _ = try Flashscan.run([dir.file("tc.mov"), "--report", dir.file("tc.json")])
    reports += ["calm.json", "cut.json", "tc.json"].map(dir.file)
    for r in reports { #expect(FileManager.default.fileExists(atPath: r), "\(r)") }
    let doc = try ReportEndToEndTests.json(dir.file("cut.json"))
    #expect(doc["$schema"] as? String == "urn:flashscan:report-schema:2.1")
    #expect(doc["verdict"] as? String == "incomplete")

    let result = try Self.validate(reports)
    #expect(result.status == 0, "\(result.output)")

    // The validator does reject: an unknown verdict and a missing field.
    var broken = doc
    broken["verdict"] = "maybe"
    broken.removeValue(forKey: "summary")
    let data = try JSONSerialization.data(withJSONObject: broken)
    try data.write(to: URL(fileURLWithPath: dir.file("broken.json")))
    let rejected = try Self.validate([dir.file("broken.json")])
    #expect(rejected.status == 1, "\(rejected.output)")
    #expect(
      rejected.output.contains("'maybe'") && rejected.output.contains("'summary'"),
      "\(rejected.output)")
  }
}
