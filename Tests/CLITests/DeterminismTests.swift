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
}
