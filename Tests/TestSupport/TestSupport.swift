import Foundation
import FrameTensor
import Frames
import MediaIO

/// A fresh directory under the system temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
  public let url: URL
  public var path: String { url.path }

  public init(prefix: String = "flashscan-test") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// The path of `name` inside the directory (nothing is created).
  public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Errors of the ffmpeg/ffprobe command line helpers.
public struct CommandFailure: Error, CustomStringConvertible {
  public var command: [String]
  public var status: Int32
  public var stderr: String

  public init(command: [String], status: Int32, stderr: String) {
    self.command = command
    self.status = status
    self.stderr = stderr
  }

  public var description: String {
    "\(command.joined(separator: " ")) exited \(status): \(stderr.suffix(2000))"
  }
}

/// Runs the ffmpeg and ffprobe command line tools (test media are made by the tests themselves).
public enum FFmpegCLI {
  public static let ffmpegPath = "/usr/bin/ffmpeg"
  public static let ffprobePath = "/usr/bin/ffprobe"

  /// Runs `executable` with `arguments`, optionally feeding `input` on stdin; returns stdout.
  /// Throws `CommandFailure` on a non-zero exit.
  @discardableResult
  public static func execute(_ executable: String, _ arguments: [String], input: [UInt8]? = nil)
    throws
    -> [UInt8]
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let inPipe = input.map { _ in Pipe() }
    if let inPipe {
      process.standardInput = inPipe
    } else {
      process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    // Read stdout and stderr concurrently so neither pipe fills up and blocks the child.
    let errorData = LockedData()
    let errorReader = Thread {
      errorData.set(err.fileHandleForReading.readDataToEndOfFile())
    }
    errorReader.start()
    if let inPipe, let input {
      let writer = Thread {
        inPipe.fileHandleForWriting.write(Data(input))
        try? inPipe.fileHandleForWriting.close()
      }
      writer.start()
    }
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errorData.isSet { usleep(1000) }
    guard process.terminationStatus == 0 else {
      throw CommandFailure(
        command: [executable] + arguments, status: process.terminationStatus,
        stderr: String(decoding: errorData.get(), as: UTF8.self))
    }
    return [UInt8](output)
  }

  /// `ffmpeg -hide_banner -loglevel error -nostdin -y ARGS`; returns stdout.
  @discardableResult
  public static func run(_ arguments: [String], input: [UInt8]? = nil) throws -> [UInt8] {
    let prefix =
      ["-hide_banner", "-loglevel", "error"] + (input == nil ? ["-nostdin"] : []) + ["-y"]
    return try execute(ffmpegPath, prefix + arguments, input: input)
  }

  /// `ffprobe ARGS`; returns stdout as text.
  public static func probe(_ arguments: [String]) throws -> String {
    String(decoding: try execute(ffprobePath, ["-v", "error"] + arguments), as: UTF8.self)
  }

  /// The CLI's reference RGB bytes: `ffmpeg -i PATH -f rawvideo -pix_fmt rgb24 -fps_mode passthrough -`.
  public static func rawRGB24(_ path: String, extraInputArguments: [String] = []) throws -> [UInt8]
  {
    try run(
      extraInputArguments + [
        "-i", path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-fps_mode",
        "passthrough", "-",
      ])
  }

  /// The decoder's raw output in pixel format `pixelFormat` (e.g. `yuv420p`), no conversion when it
  /// is the stream's own format.
  public static func rawVideo(_ path: String, pixelFormat: String) throws -> [UInt8] {
    try run([
      "-i", path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", pixelFormat, "-fps_mode",
      "passthrough", "-",
    ])
  }

  /// Encodes raw `rgb24` frames (F*H*W*3 bytes) with the given output arguments to `path`.
  public static func encodeRGB24(
    _ frames: [UInt8], width: Int, height: Int, rate: String = "25", to path: String,
    _ outputArguments: [String]
  ) throws {
    try run(
      ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(width)x\(height)", "-r", rate, "-i", "-"]
        + outputArguments + [path], input: frames)
  }

  /// Presentation times (seconds) of the first video stream's frames, as ffprobe reports them.
  public static func frameTimes(_ path: String) throws -> [Double] {
    let text = try probe([
      "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of",
      "csv=p=0", path,
    ])
    return text.split(whereSeparator: \.isNewline).compactMap {
      Double(
        $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(
          in: CharacterSet(charactersIn: ",")))
    }
  }
}

/// Thread-safe holder for data read on another thread.
final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data = Data()
  private var done = false
  func set(_ value: Data) {
    lock.lock()
    data = value
    done = true
    lock.unlock()
  }
  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return done
  }
  func get() -> Data {
    lock.lock()
    defer { lock.unlock() }
    return data
  }
}

/// Decodes every frame of `source` into one tensor and the frame times.
public func decodeAll(_ source: some FrameSource, chunk: Int = 16) throws -> (
  frames: Tensor<UInt8>?, times: [Double]
) {
  var parts: [Tensor<UInt8>] = []
  var times: [Double] = []
  while let next = try source.nextChunk(maxFrames: chunk) {
    parts.append(next.frames)
    times += next.times
  }
  return (parts.isEmpty ? nil : Tensor.concatenate(parts), times)
}

/// SplitMix64: a small seeded generator so every random test is reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  public var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The scan engine with one closure stage, in the shape of the chunk pipeline the engine replaced:
/// `work` gets each chunk and the previous chunk's last frame ((1, H, W, C), nil for the first
/// chunk) on the workers, `deliver` the results in order. For the engine's own tests.
public struct ClosurePipeline {
  public let threads: Int
  public let queueDepth: Int

  public init(threads: Int, queueDepth: Int) {
    self.threads = threads
    self.queueDepth = queueDepth
  }

  @discardableResult
  public func run<R: Sendable>(
    source: FrameSource, chunkFrames: Int,
    work: @escaping @Sendable (FrameChunk, Tensor<UInt8>?) -> R,
    deliver: @escaping (R) throws -> Void
  ) throws -> ScanStats {
    let stage = ClosureStage(
      measure: { window in
        work(window.chunk, window.previous.map { $0.frames.slice(($0.count - 1)..<$0.count) })
      },
      consume: { result, _ in try deliver(result) })
    return try ScanEngine(threads: threads, chunkFrames: chunkFrames, queueDepth: queueDepth)
      .run(source, stages: [stage])
  }
}
