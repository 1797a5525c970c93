import Foundation
import TestSupport
import Testing

@testable import FlashscanCLI

/// Issue 14: a write failure on standard output (ENOSPC) is not summarised as `ok`.
@Suite("Write failures on standard output", .serialized)
struct OutputFailureTests {
  /// Runs flashscan with standard output on /dev/full (every write fails with ENOSPC). With
  /// `halfOf`, standard input is a pipe that gets the first half of those bytes, then, after
  /// `pause` seconds, its end (never a write after the reader may have gone).
  func runToFullDevice(_ arguments: [String], halfOf input: Data? = nil, pause: Double = 0)
    throws -> (status: Int32, stderr: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Flashscan.binary))
    process.arguments = arguments
    let pipe = input.map { _ in Pipe() }
    process.standardInput = pipe ?? FileHandle.nullDevice
    process.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    let err = Pipe()
    process.standardError = err
    try process.run()
    if let input, let pipe {
      pipe.fileHandleForWriting.write(input.prefix(input.count / 2))
      Thread.sleep(forTimeInterval: pause)
      try pipe.fileHandleForWriting.close()
    }
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

  /// On a pipe the table is flushed every 0.25 s from a timer, so that flush can meet the broken
  /// output before any write of the file's own: the file then stops mid-scan, and it failed on
  /// its output all the same (before, it was summarised as "not run", by timing).
  @Test("a failed periodic flush fails the file that was writing, it is not 'not run'")
  func failedPeriodicFlush() throws {
    let dir = try TemporaryDirectory(prefix: "cli-full-flush")
    let clip = dir.file("a.mkv")
    try Clips.lossless(clip, frames: 240, width: 8, height: 6, seed: 3)
    // Half the clip: its first rows are made and buffered while flashscan waits for more, and
    // the timer's flush meets /dev/full meanwhile. Then end of input.
    let run = try runToFullDevice(
      ["-"], halfOf: try Data(contentsOf: URL(fileURLWithPath: clip)), pause: 1.5)
    let stderr = run.stderr
    let reason = "standard output: No space left on device"
    #expect(run.status == 1)
    #expect(stderr.contains("flashscan: \(reason)\n"), "\(stderr)")
    #expect(stderr.contains(": failed, its output could not be written (\(reason))"), "\(stderr)")
    #expect(!stderr.contains("not run"), "\(stderr)")
    #expect(!stderr.contains(": ok"), "\(stderr)")
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
