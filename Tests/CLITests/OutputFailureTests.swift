import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 14: a write failure on standard output (ENOSPC) is not summarised as `ok`.
@Suite("Write failures on standard output", .serialized)
struct OutputFailureTests {
  /// Runs flashscan with standard output on /dev/full (every write fails with ENOSPC).
  func runToFullDevice(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Flashscan.binary))
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    let err = Pipe()
    process.standardError = err
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  @Test("a write failure on standard output is not summarised as ok")
  func fullStandardOutput() throws {
    let dir = try TemporaryDirectory(prefix: "cli-full")
    let root = dir.file("in")
    try makeFolder(root)
    try clipNamed(root + "/a.mkv", in: dir)
    try clipNamed(root + "/b.mkv", seed: 2, in: dir)
    let reason = "standard output: No space left on device"

    let one = try runToFullDevice([root + "/a.mkv"])
    #expect(one.status == 1)
    #expect(one.stderr.contains("flashscan: \(reason)\n"), "\(one.stderr)")
    #expect(
      one.stderr.contains("\(root)/a.mkv: failed, its output could not be written (\(reason))"),
      "\(one.stderr)")
    #expect(!one.stderr.contains(": ok"), "\(one.stderr)")

    let batch = try runToFullDevice([root])
    #expect(batch.status == 1)
    #expect(batch.stderr.contains("total: 2 files: 0 ok, 1 failed, 1 not run"), "\(batch.stderr)")
    #expect(!batch.stderr.contains(": ok"), "\(batch.stderr)")
    #expect(batch.stderr.contains("a.mkv: failed, its output could not be written"))
  }

  @Test func summaryNamesTheOutputError() {
    var file = FileReport(path: "a.mkv")
    file.status = .failed
    file.outputError = "standard output: No space left on device"
    #expect(
      SummaryText.fileLine(file)
        == "a.mkv: failed, its output could not be written (standard output: No space left on device)"
    )
  }
}
