import Foundation
import FrameTensor
import MediaIO
import Photosensitivity
import Testing

/// Frames for the tests: synthetic tensors built directly (lossless, exact), and real clips
/// decoded to rgb24.
enum Clips {
  /// A solid RGB colour.
  typealias RGB = (UInt8, UInt8, UInt8)

  /// Frames of `width x height` at `times`: each frame is `background(t)` with the optional
  /// rectangle `box` painted `foreground(t)`.
  static func make(
    width: Int, height: Int, times: [Double], box: PixelRect? = nil,
    background: (Double) -> RGB, foreground: (Double) -> RGB = { _ in (0, 0, 0) }
  ) -> Tensor<UInt8> {
    let frameSize = width * height * 3
    var storage = [UInt8](repeating: 0, count: frameSize * times.count)
    storage.withUnsafeMutableBufferPointer { out in
      for (i, t) in times.enumerated() {
        let bg = background(t)
        let fg = foreground(t)
        let base = i * frameSize
        for y in 0..<height {
          for x in 0..<width {
            let inside =
              box.map { x >= $0.x && x < $0.x + $0.width && y >= $0.y && y < $0.y + $0.height }
              ?? false
            let c = inside ? fg : bg
            let o = base + (y * width + x) * 3
            out[o] = c.0
            out[o + 1] = c.1
            out[o + 2] = c.2
          }
        }
      }
    }
    return Tensor(shape: [times.count, height, width, 3], storage: storage)
  }

  /// `count` timestamps at a constant `rate`.
  static func times(count: Int, rate: Double) -> [Double] {
    (0..<count).map { Double($0) / rate }
  }

  /// A square wave of `hertz` full cycles a second: true in the first half of each cycle.
  /// Evaluated with a small tolerance so frame times like 3/24 land on the intended side.
  static func squareWave(_ t: Double, hertz: Double) -> Bool {
    let phase = t * hertz * 2 + 1e-9
    return Int(phase.rounded(.down)) % 2 == 0
  }

  static func analyze(
    _ frames: Tensor<UInt8>, times: [Double], rate: Double?, parameters: AnalysisParameters,
    chunk: Int = 16
  ) throws -> PhotosensitivityResult {
    let source = TensorFrameSource(frames: frames, times: times, frameRate: rate ?? 25)
    if rate == nil {
      // Variable frame rate: the analyser is told no nominal rate.
      let measurer = PhotosensitivityMeasurer(
        width: frames.shape[2], height: frames.shape[1], parameters: parameters)
      var analyzer = PhotosensitivityAnalyzer(
        width: frames.shape[2], height: frames.shape[1], frameRate: nil, parameters: parameters)
      var previous: Tensor<UInt8>? = nil
      while let c = try source.nextChunk(maxFrames: chunk) {
        analyzer.consume(measurer.measure(chunk: c, previous: previous))
        previous = c.frames.item(c.count - 1)
      }
      return analyzer.finish()
    }
    return try PhotosensitivityAnalyzer.analyze(source, parameters: parameters, chunkSize: chunk)
  }
}

/// Real clips through the ffmpeg CLI: `ffmpeg -i F -f rawvideo -pix_fmt rgb24 -fps_mode
/// passthrough -` for pixels, ffprobe for size, rate and presentation times.
enum FFmpegCLI {
  struct Decoded {
    var frames: Tensor<UInt8>
    var times: [Double]
    var width: Int
    var height: Int
    var frameRate: Double
  }

  static func run(_ tool: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CLIError(message: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return data
  }

  struct CLIError: Error, CustomStringConvertible { var message: String; var description: String { message } }

  static func decode(_ path: String) throws -> Decoded {
    let stream = String(
      decoding: try run(
        "ffprobe",
        ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate",
         "-of", "default=nw=1", path]), as: UTF8.self)
    var fields: [String: String] = [:]
    for line in stream.split(separator: "\n") {
      let kv = line.split(separator: "=", maxSplits: 1)
      if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
    }
    let width = Int(fields["width"] ?? "") ?? 0
    let height = Int(fields["height"] ?? "") ?? 0
    let rateParts = (fields["avg_frame_rate"] ?? "0/1").split(separator: "/").compactMap { Double($0) }
    let rate = rateParts.count == 2 && rateParts[1] != 0 ? rateParts[0] / rateParts[1] : 0
    let pts = String(
      decoding: try run(
        "ffprobe",
        ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time",
         "-of", "csv=p=0", path]), as: UTF8.self)
    let raw = pts.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
    let pixels = try run(
      "ffmpeg",
      ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-fps_mode", "passthrough", "-"])
    let frameSize = width * height * 3
    let count = frameSize > 0 ? pixels.count / frameSize : 0
    let first = raw.first ?? 0
    var times = raw.prefix(count).map { $0 - first }
    while times.count < count { times.append(Double(times.count) / max(rate, 1)) }
    return Decoded(
      frames: Tensor(shape: [count, height, width, 3], storage: [UInt8](pixels.prefix(count * frameSize))),
      times: times, width: width, height: height, frameRate: rate)
  }
}

/// Where IRIS's test suite lives: `FLASHSCAN_IRIS_DATA`, else `<package>/../shared/peers/iris-testdata`.
enum IrisData {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let path: String = {
    if let env = ProcessInfo.processInfo.environment["FLASHSCAN_IRIS_DATA"], !env.isEmpty { return env }
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/peers/iris-testdata")
      .standardizedFileURL.path
  }()
  static var available: Bool {
    FileManager.default.fileExists(atPath: path + "/videos")
      && FileManager.default.fileExists(atPath: path + "/expected")
  }
  static var underCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }
  /// Run when the data is there, or under CI (where its absence must fail, not skip).
  static var shouldRun: Bool { available || underCI }
  static var skipNote: Comment { "skipped the IRIS comparison: data not found at \(path)" }

  /// An expected CSV as header -> column values.
  static func expected(_ clip: String) throws -> (header: [String], rows: [[String: Double]]) {
    let text = try String(contentsOfFile: "\(path)/expected/\(clip)_RELATIVE.csv", encoding: .utf8)
    let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
    let header = lines[0].split(separator: ",").map(String.init)
    var rows: [[String: Double]] = []
    for line in lines.dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      var row: [String: Double] = [:]
      for (name, value) in zip(header, cells) { row[name] = Double(value) }
      rows.append(row)
    }
    return (header, rows)
  }
}
