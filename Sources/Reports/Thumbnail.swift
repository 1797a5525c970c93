import FrameTensor
import MediaIO
import Photosensitivity

/// A downscaled copy of one video frame, kept to illustrate an incident.
public struct Thumbnail: Sendable, Equatable {
  /// The frame's index and presentation time.
  public var frame: Int
  public var time: Double
  /// (h, w, 3) RGB, at most the collector's `maxWidth` wide, the video's aspect ratio.
  public var pixels: Tensor<UInt8>
  /// The size of the frame it was made from, to map pixel rectangles onto it.
  public var sourceWidth: Int
  public var sourceHeight: Int

  public var width: Int { pixels.shape[1] }
  public var height: Int { pixels.shape[0] }

  /// Box-filters frame `index` of `chunk` (rgb24) down to at most `maxWidth` pixels wide: each
  /// output pixel is the mean of the source pixels it covers, so thin flashing shapes stay visible.
  public init(chunk: FrameChunk, index: Int, maxWidth: Int) {
    precondition(chunk.channels == 3, "thumbnails need rgb24 frames")
    let sw = chunk.width
    let sh = chunk.height
    let w = max(1, min(sw, maxWidth))
    let h = max(1, Int((Double(sh) * Double(w) / Double(sw)).rounded()))
    var out = [UInt8](repeating: 0, count: w * h * 3)
    let frameSize = chunk.frameSize
    chunk.frames.withUnsafeBufferPointer { all in
      let base = index * frameSize
      for oy in 0..<h {
        let y0 = oy * sh / h
        let y1 = max(y0 + 1, (oy + 1) * sh / h)
        for ox in 0..<w {
          let x0 = ox * sw / w
          let x1 = max(x0 + 1, (ox + 1) * sw / w)
          var r = 0
          var g = 0
          var b = 0
          for y in y0..<y1 {
            var o = base + (y * sw + x0) * 3
            for _ in x0..<x1 {
              r += Int(all[o])
              g += Int(all[o + 1])
              b += Int(all[o + 2])
              o += 3
            }
          }
          let n = (y1 - y0) * (x1 - x0)
          let d = (oy * w + ox) * 3
          out[d] = UInt8((r + n / 2) / n)
          out[d + 1] = UInt8((g + n / 2) / n)
          out[d + 2] = UInt8((b + n / 2) / n)
        }
      }
    }
    frame = chunk.firstIndex + index
    time = chunk.times[index]
    pixels = Tensor(shape: [h, w, 3], storage: out)
    sourceWidth = sw
    sourceHeight = sh
  }

  /// `box` (source pixels) in thumbnail pixels, rounded outwards and clamped to the image.
  public func scaled(_ box: PixelRect) -> PixelRect {
    let sx = Double(width) / Double(sourceWidth)
    let sy = Double(height) / Double(sourceHeight)
    let x0 = max(0, min(width - 1, Int((Double(box.x) * sx).rounded(.down))))
    let y0 = max(0, min(height - 1, Int((Double(box.y) * sy).rounded(.down))))
    let x1 = max(x0 + 1, min(width, Int((Double(box.x + box.width) * sx).rounded(.up))))
    let y1 = max(y0 + 1, min(height, Int((Double(box.y + box.height) * sy).rounded(.up))))
    return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
  }

  /// The pixels with `box` (source pixels) outlined: a 2 px yellow line between 1 px black
  /// lines, drawn just inside the box, so it shows on dark, bright and red frames alike.
  public func outlined(_ box: PixelRect) -> Tensor<UInt8> {
    var image = pixels
    let r = scaled(box)
    let w = width
    let h = height
    image.withUnsafeMutableBufferPointer { p in
      func ring(_ inset: Int, _ color: (UInt8, UInt8, UInt8)) {
        let x0 = r.x + inset
        let y0 = r.y + inset
        let x1 = r.x + r.width - 1 - inset
        let y1 = r.y + r.height - 1 - inset
        guard x0 <= x1, y0 <= y1 else { return }
        func set(_ x: Int, _ y: Int) {
          guard x >= 0, y >= 0, x < w, y < h else { return }
          let o = (y * w + x) * 3
          p[o] = color.0
          p[o + 1] = color.1
          p[o + 2] = color.2
        }
        for x in x0...x1 {
          set(x, y0)
          set(x, y1)
        }
        for y in y0...y1 {
          set(x0, y)
          set(x1, y)
        }
      }
      ring(0, (0, 0, 0))
      ring(1, (255, 221, 0))
      ring(2, (255, 221, 0))
      ring(3, (0, 0, 0))
    }
    return image
  }

  /// The outlined thumbnail as PNG bytes (FFmpeg's png encoder).
  public func png(outlining box: PixelRect?) throws -> [UInt8] {
    try PNGEncoder.encode(rgb: box.map(outlined) ?? pixels)
  }
}

/// Keeps, during the single decoding pass, the frame each incident will show, in bounded memory.
///
/// Feed it every chunk in frame order together with the analysis rows of the same frames
/// (`offer`). It follows the same runs the analysis turns into incidents (consecutive frames
/// flagged for one kind; `PhotosensitivityAnalyzer.makeIncidents`) and, per open run, keeps only
/// a downscaled copy of the frame with the most transitions (then the largest flashing area) so
/// far: at most three open candidates plus one thumbnail per finished incident, up to
/// `maxIncidents` of them (later incidents get none and are counted in `omitted`).
public struct ThumbnailCollector: Sendable {
  public let parameters: AnalysisParameters
  public let maxWidth: Int
  public let maxIncidents: Int
  /// Finished incidents' thumbnails by frame index.
  public private(set) var kept: [Int: Thumbnail] = [:]
  /// Incidents that finished after `maxIncidents` thumbnails were already kept.
  public private(set) var omitted = 0

  struct OpenRun: Sendable {
    var lastFrame: Int
    var score: (Int, Double)
    var best: Thumbnail
  }
  var open: [IncidentKind: OpenRun] = [:]
  var finishedRuns = 0

  public init(parameters: AnalysisParameters, maxWidth: Int = 320, maxIncidents: Int = 200) {
    precondition(maxWidth >= 1 && maxIncidents >= 0)
    self.parameters = parameters
    self.maxWidth = maxWidth
    self.maxIncidents = maxIncidents
  }

  /// The next chunk of frames (rgb24) and the analysis rows of some or all of its frames, in
  /// frame order. Rows must arrive in frame order across calls, each one with the chunk that
  /// holds its pixels.
  public mutating func offer(chunk: FrameChunk, rows: [FrameRow]) {
    for row in rows {
      let i = row.frame - chunk.firstIndex
      precondition(i >= 0 && i < chunk.count, "row \(row.frame) is not in the chunk")
      for kind in IncidentKind.allCases {
        guard let transitions = flagged(kind, row) else {
          close(kind)
          continue
        }
        let score = (transitions, row.flashingAreaShare)
        if var run = open[kind], run.lastFrame == row.frame - 1 {
          if score > run.score {
            run.score = score
            run.best = Thumbnail(chunk: chunk, index: i, maxWidth: maxWidth)
          }
          run.lastFrame = row.frame
          open[kind] = run
        } else {
          close(kind)
          open[kind] = OpenRun(
            lastFrame: row.frame, score: score,
            best: Thumbnail(chunk: chunk, index: i, maxWidth: maxWidth))
        }
      }
    }
  }

  /// Ends the open runs (call once after the last chunk).
  public mutating func finish() {
    for kind in IncidentKind.allCases { close(kind) }
  }

  /// The thumbnail of frame `frame`, when it was kept.
  public func thumbnail(frame: Int) -> Thumbnail? { kept[frame] }

  /// Frames held right now (finished plus open candidates): the memory bound in numbers.
  public var heldFrames: Int { kept.count + open.count }

  mutating func close(_ kind: IncidentKind) {
    guard let run = open.removeValue(forKey: kind) else { return }
    finishedRuns += 1
    if kept[run.best.frame] != nil { return }
    if kept.count < maxIncidents {
      kept[run.best.frame] = run.best
    } else {
      omitted += 1
    }
  }

  /// The transitions that rank a row within a run of `kind`, or nil when the row is not part of
  /// such a run. Mirrors the analysis: the extended result (code 2) belongs to `extended`, codes
  /// 3 (fail) and 1 (the 4 to 6 band, a warning only under iris) to their own kind.
  func flagged(_ kind: IncidentKind, _ row: FrameRow) -> Int? {
    switch kind {
    case .luminance:
      return row.luminanceResult != 2 && severity(row.luminanceResult) > .pass
        ? row.luminanceTransitions : nil
    case .red:
      return row.redResult != 2 && severity(row.redResult) > .pass ? row.redTransitions : nil
    case .extended:
      return (row.luminanceResult == 2 || row.redResult == 2) && parameters.extendedVerdict > .pass
        ? max(row.luminanceTransitions, row.redTransitions) : nil
    }
  }

  func severity(_ code: Int) -> Verdict {
    switch code {
    case 3: return .fail
    case 2: return parameters.extendedVerdict
    case 1: return parameters.warnOnTransitionBand ? .warning : .pass
    default: return .pass
    }
  }
}
