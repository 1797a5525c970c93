import Foundation
import FrameTensor
import MediaIO
import TestSupport
import Testing

/// Deterministic pseudo-random bytes (SplitMix64), so lossless tests use busy, non-trivial pixels.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var generator = SeededGenerator(seed: seed)
  return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

/// Writes `data` to the pipe's write end from another thread, then closes it.
final class PipeFeeder: @unchecked Sendable {
  let readFD: Int32
  private let writeFD: Int32
  private let thread: Thread

  init(_ data: [UInt8]) throws {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else {
      throw CommandFailure(command: ["pipe"], status: errno, stderr: "")
    }
    readFD = fds[0]
    writeFD = fds[1]
    let fd = fds[1]
    thread = Thread {
      data.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
          let n = write(fd, raw.baseAddress! + done, min(65536, raw.count - done))
          if n <= 0 { break }  // reader went away
          done += n
        }
      }
      close(fd)
    }
    thread.start()
  }

  deinit { close(readFD) }
}

@Suite struct DecoderBehaviourTests {
  /// Raw RGB written through a lossless codec decodes to exactly the same pixels.
  @Test(arguments: [
    ["-c:v", "ffv1"], ["-c:v", "png"], ["-c:v", "libx264rgb", "-qp", "0"],
  ])
  func losslessRoundTrip(_ codec: [String]) throws {
    let dir = try TemporaryDirectory()
    let (width, height, count) = (24, 18, 7)
    let pixels = pseudoRandomBytes(count: width * height * 3 * count, seed: 42)
    let path = dir.file("lossless.mkv")
    try FFmpegCLI.encodeRGB24(pixels, width: width, height: height, to: path, codec)
    let decoder = try VideoDecoder(path: path)
    let (frames, times) = try decodeAll(decoder, chunk: 2)
    #expect(frames?.shape == [count, height, width, 3])
    #expect(frames?.storage == pixels)
    #expect(times == (0..<count).map { Double($0) / 25 })
    #expect(decoder.info.estimatedFrameCount == count)
    #expect(decoder.info.frameRate == 25)
    #expect(abs((decoder.info.duration ?? 0) - Double(count) / 25) < 0.05)
  }

  /// Variable frame rate: every frame kept, times equal ffprobe's (relative to the first frame).
  @Test(arguments: ["mkv", "mp4"])
  func variableFrameRateTimes(_ container: String) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("vfr.\(container)")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=30:duration=1",
      "-vf",
      "select='not(mod(n\\,3))+eq(n\\,4)+eq(n\\,5)',setpts=N/30/TB+if(gte(N\\,5)\\,0.25\\,0)/TB",
      "-fps_mode", "vfr", "-c:v", "libx264", "-bf", "2", path,
    ])
    let decoder = try VideoDecoder(path: path)
    let (_, times) = try decodeAll(decoder, chunk: 4)
    let probed = try FFmpegCLI.frameTimes(path)
    #expect(times.count == probed.count)
    #expect(probed.count == 12)
    let expected = probed.map { $0 - probed[0] }
    for (t, e) in zip(times, expected) { #expect(abs(t - e) < 1e-6, "\(times) vs \(expected)") }
    // Not constant rate: the gap after frame 4 is longer than the others.
    #expect(times[5] - times[4] > 0.2)
  }

  @Test(arguments: [
    ("mkv", ["-c:v", "libx264"], false),
    ("mp4", ["-c:v", "libx264", "-movflags", "+faststart"], false),
    ("mp4", ["-c:v", "libx264", "-movflags", "+frag_keyframe+empty_moov"], false),
    ("ts", ["-c:v", "libx264"], false),
    ("mp4", ["-c:v", "libx264"], true),
    ("mov", ["-c:v", "libx264"], true),
  ])
  func standardInputMatchesFile(_ container: String, _ arguments: [String], _ spooled: Bool) throws
  {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.\(container)")
    try FFmpegCLI.run(
      [
        "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.8", "-pix_fmt", "yuv420p",
        "-g", "5",
      ] + arguments + [path])
    let fromFile = try decodeAll(try VideoDecoder(path: path))
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let feeder = try PipeFeeder(bytes)
    var spoolPath: String?
    do {
      let decoder = try VideoDecoder(fileDescriptor: feeder.readFD, name: "-")
      spoolPath = decoder.spoolPath
      #expect((spoolPath != nil) == spooled)
      // Unlinked at once, read through its descriptor.
      if let spoolPath { #expect(!FileManager.default.fileExists(atPath: spoolPath)) }
      let fromPipe = try decodeAll(decoder, chunk: 7)
      #expect(decoder.info.path == "-")
      #expect(fromPipe.frames == fromFile.frames)
      #expect(fromPipe.times.count == 20)
      #expect(fromPipe.times == fromFile.times)
      #expect(!decoder.isPartial)
    }
    if let spoolPath { #expect(!FileManager.default.fileExists(atPath: spoolPath)) }
  }

  @Test func missingFile() throws {
    #expect(throws: MediaError.notFound(path: "/nonexistent/clip.mp4")) {
      try VideoDecoder(path: "/nonexistent/clip.mp4")
    }
  }

  @Test func emptyFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("empty.mp4")
    #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    #expect(throws: MediaError.emptyFile(path: path)) { try VideoDecoder(path: path) }
  }

  @Test func textFileIsNotMedia() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("notes.mp4")
    try String(repeating: "just some text, not a video\n", count: 50).write(
      toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try VideoDecoder(path: path)
      Issue.record("a text file opened as video")
    } catch let error as MediaError {
      guard case .notMedia(let p, let reason) = error else {
        Issue.record("expected notMedia, got \(error)")
        return
      }
      #expect(p == path)
      #expect(!reason.isEmpty)
    }
  }

  @Test func audioOnlyHasNoVideoStream() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("tone.m4a")
    try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.3", path])
    #expect(throws: MediaError.noVideoStream(path: path)) { try VideoDecoder(path: path) }
  }

  @Test func streamIndexSelectsAndValidates() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("av.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "sine=duration=0.2", "-f", "lavfi", "-i",
      "testsrc2=size=32x24:rate=25:duration=0.2",
      "-f", "lavfi", "-i", "color=c=red:size=16x16:rate=25:duration=0.2",
      "-map", "0", "-map", "1", "-map", "2", "-c:v", "ffv1", path,
    ])
    let first = try VideoDecoder(path: path)
    #expect(first.info.streamIndex == 1 && first.info.width == 32)
    let second = try VideoDecoder(path: path, options: DecodeOptions(streamIndex: 2))
    #expect(second.info.width == 16)
    let red = try #require(try second.nextChunk(maxFrames: 1))
    let pixel = Array(red.frames.storage.prefix(3))
    #expect(pixel[0] > 240 && pixel[1] < 16 && pixel[2] < 16, "\(pixel)")
    #expect(throws: MediaError.noSuchStream(path: path, index: 0)) {
      try VideoDecoder(path: path, options: DecodeOptions(streamIndex: 0))
    }
    #expect(throws: MediaError.noSuchStream(path: path, index: 7)) {
      try VideoDecoder(path: path, options: DecodeOptions(streamIndex: 7))
    }
  }

  /// A file cut short still yields the frames before the cut, flagged as partial with a warning.
  @Test(arguments: ["mp4", "mkv"])
  func truncatedFileIsPartial(_ container: String) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("whole.\(container)")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2", "-c:v", "libx264", "-g", "10",
      "-movflags", "+faststart", path,
    ])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let cut = dir.file("cut.\(container)")
    try bytes.prefix(bytes.count * 6 / 10).write(to: URL(fileURLWithPath: cut))
    let decoder = try VideoDecoder(path: cut)
    let (frames, times) = try decodeAll(decoder)
    #expect(times.count > 5 && times.count < 50)
    #expect(frames?.shape[0] == times.count)
    #expect(decoder.isPartial)
    #expect(
      decoder.warnings.contains { $0.contains("stopped at frame \(times.count)") },
      "\(decoder.warnings)")
  }

  @Test func pngEncoderRoundTrip() throws {
    let dir = try TemporaryDirectory()
    let (width, height) = (37, 23)
    let image = Tensor(
      shape: [height, width, 3], storage: pseudoRandomBytes(count: width * height * 3, seed: 7))
    let png = try PNGEncoder.encode(rgb: image)
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let path = dir.file("frame.png")
    try Data(png).write(to: URL(fileURLWithPath: path))
    let decoded = try #require(try VideoDecoder(path: path).nextChunk(maxFrames: 4))
    #expect(decoded.count == 1)
    #expect(decoded.frames.storage == image.storage)
  }

  /// A stream whose frame size changes mid-way, with `FrameSizeChanges.keep`: every frame is kept
  /// at its own size, and a chunk never mixes sizes. (By default later frames are scaled to the
  /// first size like the CLI: FrameSizeChangeTests.)
  @Test func sizeChangeStartsANewChunk() throws {
    let dir = try TemporaryDirectory()
    let a = dir.file("a.ts")
    let b = dir.file("b.ts")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v", "mpeg2video", a,
    ])
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=48x32:rate=25:duration=0.2", "-c:v", "mpeg2video", b,
    ])
    let joined = dir.file("joined.ts")
    let data =
      try Data(contentsOf: URL(fileURLWithPath: a)) + Data(contentsOf: URL(fileURLWithPath: b))
    try data.write(to: URL(fileURLWithPath: joined))
    let decoder = try VideoDecoder(
      path: joined, options: DecodeOptions(frameSizeChanges: .keep))
    var shapes: [[Int]] = []
    var total = 0
    while let chunk = try decoder.nextChunk(maxFrames: 4) {
      #expect(chunk.firstIndex == total)
      shapes.append(Array(chunk.frames.shape))
      total += chunk.count
    }
    // The mpeg2 decoder itself loses a frame at the sequence change (ffprobe counts the same).
    let probed = try FFmpegCLI.probe([
      "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of",
      "csv=p=0", joined,
    ])
    let counts = probed.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    #expect(counts.first == total)
    #expect(total >= 9)
    let sizes = shapes.map { Array($0.dropFirst()) }
    #expect(sizes.first == [24, 32, 3] && sizes.last == [32, 48, 3])
    #expect(sizes == sizes.sorted { $0[0] < $1[0] }, "one size change, chunks never mix sizes")
    #expect(shapes.allSatisfy { $0[0] <= 4 })
  }
}

@Suite struct StandardInputTests {
  /// An MP4 with media data before its (missing) index is spooled, fails to open, and leaves no
  /// temporary file behind.
  @Test func failedSpoolLeavesNoFile() throws {
    let spool = try TemporaryDirectory()
    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
      let size = UInt32(8 + payload.count)
      return withUnsafeBytes(of: size.bigEndian, Array.init) + Array(type.utf8) + payload
    }
    let bytes =
      box("ftyp", Array("isom\0\0\u{2}\0isomiso2".utf8))
      + box("mdat", pseudoRandomBytes(count: 100_000, seed: 3))
    let feeder = try PipeFeeder(bytes)
    #expect(throws: MediaError.self) {
      try VideoDecoder(
        fileDescriptor: feeder.readFD, options: DecodeOptions(spoolDirectory: spool.path))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty)
  }

  /// A spooled input goes to the requested directory, is unlinked at once (so even a killed
  /// process leaves nothing there) and still decodes in full.
  @Test func spoolDirectoryIsUsedAndCleaned() throws {
    let dir = try TemporaryDirectory()
    let spool = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v", "libx264", path,
    ])
    let feeder = try PipeFeeder(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    do {
      let decoder = try VideoDecoder(
        fileDescriptor: feeder.readFD, options: DecodeOptions(spoolDirectory: spool.path))
      #expect(decoder.spoolPath?.hasPrefix(spool.path + "/") == true)
      #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty)
      #expect(try decodeAll(decoder).times.count == 5)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty)
  }

  /// Standard input redirected from a regular file is read in place (seekable): a moov-at-end
  /// MP4 needs no spooling.
  @Test func regularFileDescriptorIsNotSpooled() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v", "libx264", path,
    ])
    let fd = open(path, O_RDONLY)
    #expect(fd >= 0)
    defer { close(fd) }
    let decoder = try VideoDecoder(fileDescriptor: fd)
    #expect(decoder.spoolPath == nil)
    #expect(try decodeAll(decoder).frames?.storage == (try FFmpegCLI.rawRGB24(path)))
  }

  /// A named pipe given as a path is read like standard input (a moov-at-end MP4 is spooled).
  @Test func namedPipePath() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mp4")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v", "libx264", path,
    ])
    let fifo = dir.file("fifo")
    #expect(mkfifo(fifo, 0o600) == 0)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let writer = Thread {
      let fd = open(fifo, O_WRONLY)
      guard fd >= 0 else { return }
      bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
          let n = write(fd, raw.baseAddress! + done, raw.count - done)
          if n <= 0 { break }
          done += n
        }
      }
      close(fd)
    }
    writer.start()
    let decoder = try VideoDecoder(path: fifo)
    #expect(decoder.spoolPath != nil)
    #expect(decoder.info.path == fifo)
    #expect(try decodeAll(decoder).frames?.storage == (try FFmpegCLI.rawRGB24(path)))
  }

  @Test func emptyStandardInput() throws {
    let feeder = try PipeFeeder([])
    #expect(throws: MediaError.emptyFile(path: "-")) {
      try VideoDecoder(fileDescriptor: feeder.readFD, name: "-")
    }
  }

  @Test func garbageOnStandardInputIsNotMedia() throws {
    let feeder = try PipeFeeder(Array(String(repeating: "plain text\n", count: 500).utf8))
    do {
      _ = try VideoDecoder(fileDescriptor: feeder.readFD, name: "-")
      Issue.record("text on stdin opened as video")
    } catch let error as MediaError {
      guard case .notMedia(path: "-", _) = error else {
        Issue.record("expected notMedia, got \(error)")
        return
      }
    }
  }

  /// `-` reads file descriptor 0 (temporarily replaced by a pipe in this test).
  @Test func dashReadsDescriptorZero() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v", "ffv1", path,
    ])
    let feeder = try PipeFeeder(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    let saved = dup(0)
    #expect(saved >= 0)
    dup2(feeder.readFD, 0)
    defer {
      dup2(saved, 0)
      close(saved)
    }
    let decoder = try VideoDecoder(path: "-")
    let fromStdin = try decodeAll(decoder)
    #expect(decoder.info.path == "-")
    #expect(fromStdin.frames?.storage == (try FFmpegCLI.rawRGB24(path)))
  }

  /// Chunks stay within maxChunkBytes (but hold at least one frame) and lose no frame.
  @Test func chunkByteLimit() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("clip.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.4", "-c:v", "ffv1", path,
    ])
    let frameBytes = 32 * 24 * 3
    let decoder = try VideoDecoder(
      path: path, options: DecodeOptions(maxChunkBytes: frameBytes * 3 + 1))
    var counts: [Int] = []
    while let chunk = try decoder.nextChunk(maxFrames: 8) { counts.append(chunk.count) }
    #expect(counts == [3, 3, 3, 1])
    let tiny = try VideoDecoder(path: path, options: DecodeOptions(maxChunkBytes: 1))
    #expect(try tiny.nextChunk(maxFrames: 8)?.count == 1)
  }
}

@Suite struct CorruptInputTests {
  /// Damage in the middle of a Matroska file: the frames before it come back (the same frames as
  /// the CLI's), the result is partial and the warnings name where decoding stopped.
  @Test func damagedMatroskaIsPartial() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("whole.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=1", "-c:v", "ffv1", "-slicecrc",
      "1", path,
    ])
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    for i in (bytes.count / 2)..<(bytes.count / 2 + 3000) { bytes[i] = bytes[i] &* 7 &+ 13 }
    let damaged = dir.file("damaged.mkv")
    try Data(bytes).write(to: URL(fileURLWithPath: damaged))
    let decoder = try VideoDecoder(path: damaged)
    let (frames, times) = try decodeAll(decoder)
    #expect(times.count > 3 && times.count < 25)
    #expect(frames?.storage == (try FFmpegCLI.rawRGB24(damaged)))
    #expect(decoder.isPartial)
    #expect(
      decoder.warnings.contains { $0.hasPrefix("decoding stopped at frame \(times.count):") },
      "\(decoder.warnings)")
  }

  /// Not even one frame decodable: decodeFailed, not an empty result.
  @Test func nothingDecodableThrows() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("whole.mkv")
    try FFmpegCLI.run([
      "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4", "-c:v", "ffv1", "-slicecrc",
      "1", path,
    ])
    let decoder = try VideoDecoder(path: path)
    let first = try #require(try decoder.nextChunk(maxFrames: 1))
    #expect(first.count == 1)
    // Keep the header (everything before the first frame's data) and garble every frame.
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let header = bytes.count / 8
    for i in header..<bytes.count { bytes[i] = bytes[i] &* 7 &+ 13 }
    let garbled = dir.file("garbled.mkv")
    try Data(bytes).write(to: URL(fileURLWithPath: garbled))
    do {
      let broken = try VideoDecoder(path: garbled)
      _ = try broken.nextChunk(maxFrames: 4)
      Issue.record("garbled frames decoded")
    } catch let error as MediaError {
      guard case .decodeFailed(let p, let reason) = error else {
        Issue.record("expected decodeFailed, got \(error)")
        return
      }
      #expect(p == garbled)
      #expect(!reason.isEmpty)
    }
  }
}
