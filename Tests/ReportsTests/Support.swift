import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import TestSupport

/// Builds reports the way the scan command does, from in-memory frames or a decoded file.
enum Fixture {
  typealias RGB = (UInt8, UInt8, UInt8)

  /// `count` frames of `width x height` at `rate`: `background` everywhere, and inside `box`
  /// (when given) white/black alternating at `hertz` full cycles a second.
  static func flashing(
    width: Int, height: Int, count: Int, rate: Double, hertz: Double, box: PixelRect?,
    background: RGB = (40, 40, 40), on: RGB = (255, 255, 255), off: RGB = (0, 0, 0)
  ) -> (frames: Tensor<UInt8>, times: [Double]) {
    let times = (0..<count).map { Double($0) / rate }
    let frameSize = width * height * 3
    var storage = [UInt8](repeating: 0, count: frameSize * count)
    for (i, t) in times.enumerated() {
      let lit = Int((t * hertz * 2 + 1e-9).rounded(.down)) % 2 == 0
      let fg = lit ? on : off
      for y in 0..<height {
        for x in 0..<width {
          let inside =
            box.map { x >= $0.x && x < $0.x + $0.width && y >= $0.y && y < $0.y + $0.height }
            ?? true
          let c = inside ? fg : background
          let o = i * frameSize + (y * width + x) * 3
          storage[o] = c.0
          storage[o + 1] = c.1
          storage[o + 2] = c.2
        }
      }
    }
    return (Tensor(shape: [count, height, width, 3], storage: storage), times)
  }

  /// The exam's T table by its definition (../shared/docs/flashinator-spec.md), k = 5, written
  /// plainly: the reports only plot it, the Flashinator's own tests check its engine.
  static func tTable(_ frames: Tensor<UInt8>, times: [Double]) -> TSeries {
    let f = frames.shape[0]
    let pixels = frames.shape[1] * frames.shape[2]
    let s = frames.storage
    func luminance(_ i: Int) -> [Double] {
      (0..<pixels).map { p in
        let o = (i * pixels + p) * 3
        let g = Double(Int(s[o]) + Int(s[o + 1]) + Int(s[o + 2])) / 3
        return 4 * pow(0.2 * g + 1, 2.2)
      }
    }
    var series = TSeries()
    guard f > 1 else { return series }
    var previous = luminance(0)
    for i in 1..<f {
      let current = luminance(i)
      let k = min(5, pixels)
      var top = [Double](repeating: 0, count: k)  // largest brightenings, descending
      var bottom = [Double](repeating: 0, count: k)  // largest darkenings (magnitudes)
      func insert(_ v: Double, _ list: inout [Double]) {
        guard v > list[k - 1] else { return }
        var j = k - 1
        while j > 0 && list[j - 1] < v {
          list[j] = list[j - 1]
          j -= 1
        }
        list[j] = v
      }
      for q in 0..<pixels {
        let d = current[q] - previous[q]
        if d > 0 { insert(d, &top) } else if d < 0 { insert(-d, &bottom) }
      }
      let p = top.reduce(0, +) / Double(k)
      let n = bottom.reduce(0, +) / Double(k)
      series.append(frame: i, time: times[i], t: p > n ? p : (n == 0 ? 0 : -n))
      previous = current
    }
    return series
  }

  /// Analyses `source` chunk by chunk, then feeds the same chunks with their rows to a
  /// `ThumbnailCollector` (the scan command does both in one pass once the analyser hands out
  /// rows as it goes; here the rows come from the finished result).
  static func report(
    source: () throws -> FrameSource, parameters: AnalysisParameters, tSeries: TSeries,
    input: InputFacts, chunk: Int = 16, maxIncidents: Int = 200
  ) throws -> (report: FlashReport, collector: ThumbnailCollector, maxHeld: Int) {
    let result = try PhotosensitivityAnalyzer.analyze(
      try source(), parameters: parameters, engine: ScanEngine(threads: 1, chunkFrames: chunk))
    var collector = ThumbnailCollector(parameters: parameters, maxIncidents: maxIncidents)
    let again = try source()
    var maxHeld = 0
    while let c = try again.nextChunk(maxFrames: chunk) {
      collector.offer(chunk: c, rows: Array(result.frames[c.firstIndex..<(c.firstIndex + c.count)]))
      maxHeld = max(maxHeld, collector.heldFrames)
    }
    collector.finish()
    let report = FlashReport(
      tool: ToolInfo(version: "test"), input: input, result: result, tSeries: tSeries,
      thumbnails: collector)
    return (report, collector, maxHeld)
  }

  /// A report of in-memory frames.
  static func report(
    frames: Tensor<UInt8>, times: [Double], rate: Double, parameters: AnalysisParameters = .wcag,
    path: String = "clip.mkv", chunk: Int = 16, maxIncidents: Int = 200
  ) throws -> (report: FlashReport, collector: ThumbnailCollector, maxHeld: Int) {
    try report(
      source: { TensorFrameSource(frames: frames, times: times, frameRate: rate, path: path) },
      parameters: parameters, tSeries: tTable(frames, times: times),
      input: InputFacts(path: path, sizeBytes: 1234, sha256: String(repeating: "ab", count: 32)),
      chunk: chunk, maxIncidents: maxIncidents)
  }

  /// A report of a video file decoded with `VideoDecoder` (hash and size from the file).
  static func report(file path: String, parameters: AnalysisParameters = .wcag) throws
    -> FlashReport
  {
    let decoded = try decodeAll(try VideoDecoder(path: path))
    let frames = decoded.frames!
    var input = try InputFacts.describing(path: path)
    input.codec = try VideoDecoder(path: path).info.codecName
    return try report(
      source: { try VideoDecoder(path: path) }, parameters: parameters,
      tSeries: tTable(frames, times: decoded.times), input: input
    ).report
  }
}
