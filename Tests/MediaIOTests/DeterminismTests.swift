import Foundation
import FrameTensor
import MediaIO
import TestSupport
import Testing

/// Issue 14: a damaged stream decodes to the same frames and warnings whatever the decoder thread
/// count and timing (frame threading restarts with one thread once it meets damage).
@Suite struct DecoderDeterminismTests {
  /// A 320x240 H.264 clip (x264's defaults: B-frames, CABAC) as MPEG-TS or MP4 (index first, so a
  /// pipe streams it), with 1 KiB zeroed in the middle of the file.
  static func damagedH264(_ path: String, frames: Int = 50) throws -> [UInt8] {
    var arguments = [
      "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "\(frames)", "-c:v",
      "libx264", "-pix_fmt", "yuv420p",
    ]
    if path.hasSuffix(".mp4") { arguments += ["-movflags", "+faststart"] }
    try FFmpegCLI.run(arguments + [path])
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let middle = bytes.count / 2
    bytes.replaceSubrange(middle..<(middle + 1024), with: [UInt8](repeating: 0, count: 1024))
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return bytes
  }

  struct Decoded: Equatable {
    var frames: Tensor<UInt8>?
    var times: [Double]
    var warnings: [String]
    var isPartial: Bool
  }

  static func decode(_ decoder: VideoDecoder, chunk: Int) throws -> Decoded {
    let all = try decodeAll(decoder, chunk: chunk)
    return Decoded(
      frames: all.frames, times: all.times, warnings: decoder.warnings,
      isPartial: decoder.isPartial)
  }

  /// `bytes` decoded from a pipe (streamed: neither an MP4 with its index last nor seekable).
  static func decodePiped(
    _ bytes: [UInt8], name: String, threads: Int, chunk: Int, spoolDirectory: String? = nil
  ) throws -> Decoded {
    let feeder = try PipeFeeder(bytes)
    return try withExtendedLifetime(feeder) {
      try decode(
        try VideoDecoder(
          fileDescriptor: feeder.readFD, name: name,
          options: DecodeOptions(decoderThreads: threads, spoolDirectory: spoolDirectory)),
        chunk: chunk)
    }
  }

  /// The reproduction and its streamed variants: each decodes to the same frames, times
  /// and warnings from the file and from a pipe (recorded, then replayed for the one-thread
  /// restart), whatever the decoder thread count and chunk size, run after run.
  @Test(arguments: ["mp4", "ts"])
  func damagedH264DecodesTheSameWhateverTheThreads(_ container: String) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("damaged.\(container)")
    let bytes = try Self.damagedH264(path)
    let reference = try Self.decode(
      try VideoDecoder(path: path, options: DecodeOptions(decoderThreads: 1)), chunk: 16)
    #expect(reference.times.count > 10)
    #expect(
      reference.warnings.contains { $0.contains("could not be decoded") || $0.contains("corrupt") })
    let pipeReference = try Self.decodePiped(bytes, name: path, threads: 1, chunk: 16)
    #expect(pipeReference == reference, "a pipe, one decoder thread")
    for round in 0..<3 {
      for threads in [2, 3, 4, 6, 8] {
        let fromFile = try Self.decode(
          try VideoDecoder(path: path, options: DecodeOptions(decoderThreads: threads)),
          chunk: 1 + (round * 5 + threads) % 9)
        #expect(fromFile == reference, "round \(round): from the file, \(threads) decoder threads")
        let fromPipe = try Self.decodePiped(
          bytes, name: path, threads: threads, chunk: 1 + (round * 3 + threads) % 7)
        #expect(fromPipe == reference, "round \(round): from a pipe, \(threads) decoder threads")
      }
    }
  }

  /// A pipe whose bytes cannot be recorded (no temporary file can be made) is decoded with one
  /// thread from the start: the same answer, not the threads' one.
  @Test func aPipeThatCannotBeRecordedIsDecodedWithOneThread() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("damaged.ts")
    let bytes = try Self.damagedH264(path)
    let reference = try Self.decodePiped(bytes, name: path, threads: 1, chunk: 16)
    for threads in [2, 4] {
      let unrecorded = try Self.decodePiped(
        bytes, name: path, threads: threads, chunk: 5, spoolDirectory: dir.file("missing"))
      #expect(unrecorded == reference, "\(threads) decoder threads")
    }
  }
}
