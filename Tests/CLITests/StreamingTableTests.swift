import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The T table reaches a pipe while the scan runs (issue 16, "The T table streams too").
@Suite("T table rows stream to a pipe", .serialized)
struct StreamingTableTests {
  /// Reads from `fd` until a newline arrives or `limit` seconds pass; returns what was read.
  static func readFirstLine(_ fd: Int32, limit: Double) -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = Date().addingTimeInterval(limit)
    while !received.contains(0x0A) && Date() < deadline {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 100) > 0 else { continue }
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      received += buffer[0..<n]
    }
    return received
  }

  /// Standard input fed in two parts: the first JSON Lines row comes out while flashscan is still
  /// waiting for the second part. Before rows were flushed by time they sat in a 64 KB buffer
  /// until the end (this table is about 12 KB).
  @Test func firstRowArrivesBeforeTheInputEnds() throws {
    let dir = try TemporaryDirectory(prefix: "cli-stream")
    let clip = dir.file("clip.nut")
    let rgb = Clips.frames(count: 400, width: 8, height: 8, seed: 5)
    try FFmpegCLI.encodeRGB24(
      rgb, width: 8, height: 8, rate: "25", to: clip,
      ["-c:v", "ffv1", "-pix_fmt", "gbrp", "-f", "nut"])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
    let running = try Flashscan.start(
      ["--format", "jsonl", "-"], pipeStdin: true, captureStdout: false)
    let input = running.stdinPipe.fileHandleForWriting
    defer { if running.process.isRunning { running.signal(SIGKILL) } }
    // Half the stream: enough frames for several chunks; the rest is held back.
    input.write(bytes.prefix(bytes.count / 2))
    let fd = running.stdoutPipe.fileHandleForReading.fileDescriptor
    let first = Self.readFirstLine(fd, limit: 30)
    #expect(first.contains(0x0A), "no row reached the pipe while the input was still open")
    #expect(running.process.isRunning, "flashscan ended before the rest of its input came")
    // Now the rest: the whole table comes out, one row per delta-frame.
    input.write(bytes.suffix(from: bytes.count / 2))
    try input.close()
    var all = first
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      all += buffer[0..<n]
    }
    let result = running.finish()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(all.filter { $0 == 0x0A }.count == 399)
  }

  /// `flashscan FILE | head -2` on a long file: two rows, then flashscan stops quietly (no
  /// summary, no error), exit 0 through `pipefail`. The wait is bounded so a hang fails the test.
  @Test func headTwoStopsQuietly() throws {
    let dir = try TemporaryDirectory(prefix: "cli-head")
    let clip = dir.file("long.mkv")
    try Clips.lossless(clip, frames: 3000, width: 4, height: 4, seed: 9)
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/bash")
    shell.arguments = [
      "-c", "set -o pipefail; \"$1\" \"$2\" 2>\"$3\" | head -2 >\"$4\"", "sh",
      try #require(Flashscan.binary), clip, dir.file("err"), dir.file("out"),
    ]
    try shell.run()
    let deadline = Date().addingTimeInterval(60)
    while shell.isRunning && Date() < deadline { usleep(20_000) }
    if shell.isRunning { kill(shell.processIdentifier, SIGKILL) }
    shell.waitUntilExit()
    #expect(shell.terminationStatus == 0)
    #expect(readText(dir.file("err")) == "")
    #expect(readText(dir.file("out"))?.split(separator: "\n").count == 2)
  }
}
