import Foundation
import FrameTensor
import Frames
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
        // One row of background, and one with the box painted, copied into place.
        var plain = [UInt8](repeating: 0, count: width * 3)
        var boxed = plain
        for x in 0..<width {
          let inBox = box.map { x >= $0.x && x < $0.x + $0.width } ?? false
          let c = inBox ? fg : bg
          (plain[x * 3], plain[x * 3 + 1], plain[x * 3 + 2]) = (bg.0, bg.1, bg.2)
          (boxed[x * 3], boxed[x * 3 + 1], boxed[x * 3 + 2]) = (c.0, c.1, c.2)
        }
        for y in 0..<height {
          let inBox = box.map { y >= $0.y && y < $0.y + $0.height } ?? false
          let row = inBox ? boxed : plain
          row.withUnsafeBufferPointer { src in
            UnsafeMutableRawBufferPointer(
              rebasing: UnsafeMutableRawBufferPointer(out)[(base + y * width * 3)...]
            )
            .copyMemory(from: UnsafeRawBufferPointer(src))
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
      var previous: FrameChunk? = nil
      while let c = try source.nextChunk(maxFrames: chunk) {
        try analyzer.consume(measurer.measure(ChunkWindow(chunk: c, previous: previous)))
        previous = c
      }
      return analyzer.finish()
    }
    return try PhotosensitivityAnalyzer.analyze(
      source, parameters: parameters, engine: ScanEngine(threads: 1, chunkFrames: chunk))
  }
}

/// Where IRIS's test suite lives: `FLASHSCAN_IRIS_DATA`, else `<package>/../shared/peers/iris-testdata`.
enum IrisData {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let path: String = {
    if let env = ProcessInfo.processInfo.environment["FLASHSCAN_IRIS_DATA"], !env.isEmpty {
      return env
    }
    return packageRoot.deletingLastPathComponent().appendingPathComponent(
      "shared/peers/iris-testdata"
    )
    .standardizedFileURL.path
  }()
  static var available: Bool {
    FileManager.default.fileExists(atPath: path + "/videos")
      && FileManager.default.fileExists(atPath: path + "/expected")
  }
  static var underCI: Bool {
    ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false
  }
  /// Run when the data is there, or under CI (where its absence must fail, not skip).
  static var shouldRun: Bool { available || underCI }
  static var skipNote: Comment { "skipped the IRIS comparison: data not found at \(path)" }

  /// An expected CSV as header -> column values.
  static func expected(_ clip: String) throws -> (header: [String], rows: [[String: Double]]) {
    let text = try String(contentsOfFile: "\(path)/expected/\(clip)_RELATIVE.csv", encoding: .utf8)
    let lines = text.split(whereSeparator: \.isNewline).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
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
