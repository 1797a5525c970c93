import Foundation
import TestSupport
import Testing

/// Issue 14, "Same input, same answer": the table and the messages are a function of the input
/// and of the options that define T, never of --threads, --jobs, --chunk-frames or timing.
@Suite("Same input, same answer")
struct DeterminismTests {
  /// A 50-frame 320x240 H.264 clip (x264's defaults: B-frames, CABAC) with 1 KiB zeroed in the
  /// middle of the file, so some frames are damaged and concealed by the decoder.
  static func damagedH264(in dir: TemporaryDirectory) throws -> String {
    let path = dir.file("damaged.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "50", "-c:v", "libx264",
      "-pix_fmt", "yuv420p", path,
    ])
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    defer { try? handle.close() }
    let size = try handle.seekToEnd()
    try handle.seek(toOffset: size / 2)
    try handle.write(contentsOf: Data(count: 1024))
    return path
  }

  /// stderr without what depends on time (the speed in the summary).
  static func timeless(_ lines: [String]) -> [String] {
    lines.map { line in
      guard let range = line.range(of: "scanned in ") else { return line }
      return String(line[..<range.lowerBound])
    }
  }

  @Test func damagedH264GivesTheSameAnswerWhateverTheThreadsJobsAndChunks() throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.damagedH264(in: dir)
    let settings: [[String]] = [
      ["--threads", "1"], ["--threads", "2"], ["--threads", "4", "--chunk-frames", "7"],
      ["--threads", "2", "--chunk-frames", "1"], ["--threads", "4", "--jobs", "2"],
      ["--threads", "3"],
    ]
    var first: (options: [String], result: Flashscan.Result)?
    for round in 0..<2 {
      for options in settings {
        let result = try Flashscan.run(["--detail"] + options + [clip])
        #expect(!result.signaled)
        #expect(result.status == 0 || result.status == 1)
        guard let (firstOptions, reference) = first else {
          #expect(!result.stdout.isEmpty)
          first = (options, result)
          continue
        }
        #expect(
          result.stdoutBytes == reference.stdoutBytes,
          "round \(round): the table with \(options) differs from the one with \(firstOptions)")
        #expect(
          Self.timeless(result.errorLines) == Self.timeless(reference.errorLines),
          "round \(round): stderr with \(options) differs from the one with \(firstOptions)")
        #expect(result.status == reference.status)
      }
    }
    // Standard input (streamed, no seeking) gives the same answer too.
    let piped = try Flashscan.run(["--detail", "--threads", "4", "-"], stdinFile: clip)
    #expect(piped.stdoutBytes == first?.result.stdoutBytes)
  }

  /// A truncated MP4 whose last packet the demuxer flags corrupt: a frame-threaded decoder meets
  /// the damage and restarts with one thread, and the corrupt packet must be counted once (found
  /// by Scripts/fuzz: "2 packet(s) flagged corrupt" with --threads 3, "1" with --threads 1).
  @Test func truncatedClipCountsItsCorruptPacketOnce() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let sample = try Data(contentsOf: root.appendingPathComponent("Samples/calm.mp4"))
    let dir = try TemporaryDirectory()
    let clip = dir.file("truncated.mp4")
    try sample.prefix(138_890).write(to: URL(fileURLWithPath: clip))
    let one = try Flashscan.run(["--detail", "--threads", "1", clip])
    #expect(one.status == 1)
    #expect(one.stderr.contains("1 packet(s) flagged corrupt"))
    for options in [["--threads", "3", "--chunk-frames", "5"], ["--threads", "2"]] {
      let other = try Flashscan.run(["--detail"] + options + [clip])
      #expect(other.stdoutBytes == one.stdoutBytes, "\(options)")
      #expect(Self.timeless(other.errorLines) == Self.timeless(one.errorLines), "\(options)")
    }
  }
}
