import Foundation
import TestSupport
import Testing

/// Issue 14, "Same input, same answer": the table and the messages are a function of the input
/// and of the options that define T, never of --threads, --jobs, --chunk-frames or timing.
@Suite("Same input, same answer")
struct DeterminismTests {
  /// A 50-frame 320x240 H.264 clip made by libx264 (its defaults: B-frames, CABAC) with 1 KiB
  /// zeroed in the middle of the file, so some frames are damaged and concealed by the decoder:
  /// the reproduction with `-movflags` none (an MP4 with its index at the end, which
  /// standard input spools), or a stream that a pipe reads as it comes (`+faststart` MP4, `.ts`).
  static func damagedH264(
    in dir: TemporaryDirectory, name: String = "damaged.mp4", extra: [String] = []
  ) throws -> String {
    let path = dir.file(name)
    try FFmpegCLI.run(
      [
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "50", "-c:v",
        "libx264", "-pix_fmt", "yuv420p",
      ] + extra + [path])
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

  /// The lines of stderr about the input (warnings, and why it was not read whole), with the
  /// input's name (the path, or `-`) taken out.
  static func warnings(_ result: Flashscan.Result, name: String) -> [String] {
    result.errorLines.filter { $0.hasPrefix("flashscan: \(name): ") }.map {
      String($0.dropFirst("flashscan: \(name): ".count))
    }
  }

  /// flashscan reading `path`'s bytes from a pipe on standard input (written as it reads).
  static func piped(_ options: [String], _ path: String) throws -> Flashscan.Result {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let running = try Flashscan.start(options + ["-"], pipeStdin: true)
    running.stdinPipe.fileHandleForWriting.write(bytes)
    try running.stdinPipe.fileHandleForWriting.close()
    return running.finish()
  }

  /// The reproduction: the same table bytes and the same stderr (but the speed) with any
  /// --threads, --chunk-frames and --jobs, run after run, and from a pipe.
  @Test func damagedH264GivesTheSameAnswerWhateverTheThreadsJobsAndChunks() throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.damagedH264(in: dir)
    let settings: [[String]] = [
      ["--threads", "1"], ["--threads", "2"], ["--threads", "4", "--chunk-frames", "7"],
      ["--threads", "2", "--chunk-frames", "1"], ["--threads", "4", "--jobs", "2"],
    ]
    var first: (options: [String], result: Flashscan.Result)?
    for round in 0..<2 {
      for options in settings {
        let result = try Flashscan.run(["--detail"] + options + [clip])
        #expect(!result.signaled)
        #expect(result.status == 0 || result.status == 1)
        guard let (firstOptions, reference) = first else {
          #expect(!result.stdout.isEmpty)
          #expect(!Self.warnings(result, name: clip).isEmpty, "the damage is reported")
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
    // Standard input (spooled: the index is at the end) gives the same answer too.
    let reference = try #require(first?.result)
    for options in [["--threads", "1"], ["--threads", "4", "--chunk-frames", "3"]] {
      let piped = try Self.piped(["--detail"] + options, clip)
      #expect(piped.stdoutBytes == reference.stdoutBytes, "a pipe, \(options)")
      #expect(Self.warnings(piped, name: "-") == Self.warnings(reference, name: clip))
      #expect(piped.status == reference.status)
    }
  }

  /// Streams a pipe reads as they come: a frame-threaded decoder that meets the damage starts
  /// again with one thread from the recorded bytes. Table and warnings equal the file's with one
  /// thread, whatever the thread count and chunk size.
  @Test(arguments: ["streamed.mp4", "streamed.ts"])
  func streamedDamagedH264GivesTheSameAnswerFromAPipe(_ name: String) throws {
    let dir = try TemporaryDirectory()
    let clip = try Self.damagedH264(
      in: dir, name: name, extra: name.hasSuffix(".mp4") ? ["-movflags", "+faststart"] : [])
    let reference = try Flashscan.run(["--detail", "--threads", "1", clip])
    #expect(!Self.warnings(reference, name: clip).isEmpty, "the damage is reported")
    let threaded = try Flashscan.run(["--detail", "--threads", "4", "--chunk-frames", "5", clip])
    #expect(threaded.stdoutBytes == reference.stdoutBytes)
    #expect(Self.timeless(threaded.errorLines) == Self.timeless(reference.errorLines))
    var firstPiped: Flashscan.Result?
    for options in [
      ["--threads", "1"], ["--threads", "2"], ["--threads", "4", "--chunk-frames", "3"],
      ["--threads", "3"],
    ] {
      let piped = try Self.piped(["--detail"] + options, clip)
      #expect(piped.stdoutBytes == reference.stdoutBytes, "a pipe, \(options)")
      #expect(
        Self.warnings(piped, name: "-") == Self.warnings(reference, name: clip),
        "a pipe, \(options)")
      #expect(piped.status == reference.status)
      if let firstPiped {
        // The summary too (an MPEG-TS pipe cannot tell the duration a file can).
        #expect(Self.timeless(piped.errorLines) == Self.timeless(firstPiped.errorLines))
      } else {
        firstPiped = piped
      }
    }
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
