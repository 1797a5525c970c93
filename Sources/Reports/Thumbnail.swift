import FrameTensor
import Frames
import Photosensitivity

/// Encodes an (H, W, 3) RGB image as the bytes of a PNG file: MediaIO's `PNGEncoder.encode(rgb:)`
/// (FFmpeg's png encoder). Reports takes it as an argument so that it links no codec itself.
public typealias PNGEncode = @Sendable (Tensor<UInt8>) throws -> [UInt8]

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

  /// The pixels with `box` (source pixels) outlined: a 3 px yellow line between 1 px black
  /// lines, drawn just inside the box, so it shows on dark, bright and red frames alike, and
  /// still when the page shows the thumbnail smaller.
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
      ring(3, (255, 221, 0))
      ring(4, (0, 0, 0))
    }
    return image
  }

  /// The outlined thumbnail as PNG bytes.
  public func png(outlining box: PixelRect?, encoder: PNGEncode) throws -> [UInt8] {
    try encoder(box.map(outlined) ?? pixels)
  }
}

/// The pictures of one incident: the worst frame, and the frame of the run most unlike it in
/// the flashing region (the other state of the flash), so a reader sees what alternates. A
/// white flash's worst frame alone is just a white rectangle; a red flash's may be the dark one.
public struct IncidentPicture: Sendable, Equatable {
  public var worst: Thumbnail
  /// Nil when no frame of the run differed visibly from the worst one.
  public var opposite: Thumbnail?
}

/// Keeps, during the single decoding pass, the frames each incident will show, in bounded memory.
///
/// Feed it every chunk in frame order together with the analysis rows of the same frames
/// (`offer`). It follows the same runs the analysis turns into incidents (consecutive frames
/// flagged for one kind; `IncidentTracker`) and, per open run, keeps only
/// downscaled copies of three frames: the one with the most transitions (then the largest
/// flashing area) so far, which is the incident's `worstFrame`, and the brightest and darkest
/// (for red runs: the most and least red) in the flashing region, from which the picture's
/// `opposite` is chosen when the run ends. Candidates are downscaled once per chunk, not per
/// frame. So at most nine open candidates plus two thumbnails
/// per finished incident are held, for up to `maxIncidents` incidents (later ones get none and
/// are counted in `omitted`).
public struct ThumbnailCollector: Sendable {
  public let parameters: AnalysisParameters
  public let maxWidth: Int
  public let maxIncidents: Int
  /// Finished incidents' pictures by their worst frame's index.
  public private(set) var kept: [Int: IncidentPicture] = [:]
  /// Incidents that finished after `maxIncidents` pictures were already kept.
  public private(set) var omitted = 0

  struct Candidate: Sendable {
    var level: Double
    var frame: Int
    /// Nil while the frame is in the chunk being offered: it is downscaled once, when the
    /// chunk's rows are done (or the run ends), so a run whose best frame changes often still
    /// costs one downscale per chunk, not one per frame.
    var thumbnail: Thumbnail?
  }
  struct OpenRun: Sendable {
    var best: Candidate
    var highest: Candidate
    var lowest: Candidate
  }
  var open: [IncidentKind: OpenRun] = [:]
  /// The analysis's own incident rule, followed frame by frame (made at the first chunk, which
  /// gives the frame size).
  var tracker: IncidentTracker?

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
    var made: [Int: Thumbnail] = [:]
    var tracker =
      self.tracker
      ?? IncidentTracker(parameters: parameters, width: chunk.width, height: chunk.height)
    self.tracker = nil  // one reference while it grows
    defer { self.tracker = tracker }
    for row in rows {
      let i = row.frame - chunk.firstIndex
      precondition(i >= 0 && i < chunk.count, "row \(row.frame) is not in the chunk")
      for (kind, step) in zip(IncidentKind.allCases, tracker.add(row)) {
        switch step {
        case .idle:
          continue
        case .closed:
          close(kind, chunk: chunk, made: &made)
          continue
        case .opened, .extended:
          break
        }
        let box = row.region ?? PixelRect(x: 0, y: 0, width: chunk.width, height: chunk.height)
        let level = Self.level(chunk: chunk, index: i, box: box, red: kind == .red)
        let here = Candidate(level: level, frame: row.frame, thumbnail: nil)
        if case .extended(let newWorst) = step, var run = open[kind] {
          if newWorst { run.best = here }
          if level > run.highest.level { run.highest = here }
          if level < run.lowest.level { run.lowest = here }
          open[kind] = run
        } else {
          open[kind] = OpenRun(best: here, highest: here, lowest: here)
        }
      }
    }
    for kind in IncidentKind.allCases {
      guard var run = open[kind] else { continue }
      materialize(&run.best, chunk: chunk, made: &made)
      materialize(&run.highest, chunk: chunk, made: &made)
      materialize(&run.lowest, chunk: chunk, made: &made)
      open[kind] = run
    }
  }

  /// Gives a pending candidate its thumbnail from `chunk` (shared between candidates of a frame).
  func materialize(_ c: inout Candidate, chunk: FrameChunk, made: inout [Int: Thumbnail]) {
    guard c.thumbnail == nil else { return }
    if let t = made[c.frame] {
      c.thumbnail = t
    } else {
      let t = Thumbnail(chunk: chunk, index: c.frame - chunk.firstIndex, maxWidth: maxWidth)
      made[c.frame] = t
      c.thumbnail = t
    }
  }

  /// Ends the open runs (call once after the last chunk).
  public mutating func finish() {
    for kind in IncidentKind.allCases { close(kind) }
  }

  /// The picture of the incident whose worst frame is `frame`, when it was kept.
  public func picture(frame: Int) -> IncidentPicture? { kept[frame] }

  /// Distinct frames held right now (finished pictures plus open candidates): the memory bound.
  public var heldFrames: Int {
    var frames = Set<Int>()
    for p in kept.values {
      frames.insert(p.worst.frame)
      if let o = p.opposite { frames.insert(o.frame) }
    }
    for r in open.values {
      frames.formUnion([r.best.frame, r.highest.frame, r.lowest.frame])
    }
    return frames.count
  }

  mutating func close(_ kind: IncidentKind) {
    var none: [Int: Thumbnail] = [:]
    close(kind, chunk: nil, made: &none)
  }

  /// Ends `kind`'s open run and keeps its picture. `chunk` holds the frames of candidates still
  /// pending (nil after `offer` returned: none are pending then).
  mutating func close(_ kind: IncidentKind, chunk: FrameChunk?, made: inout [Int: Thumbnail]) {
    guard var run = open.removeValue(forKey: kind) else { return }
    if let chunk {
      materialize(&run.best, chunk: chunk, made: &made)
      materialize(&run.highest, chunk: chunk, made: &made)
      materialize(&run.lowest, chunk: chunk, made: &made)
    }
    guard let worst = run.best.thumbnail else { return }
    if kept[worst.frame] != nil { return }
    guard kept.count < maxIncidents else {
      omitted += 1
      return
    }
    let up = run.highest.level - run.best.level
    let down = run.best.level - run.lowest.level
    let other = up >= down ? run.highest : run.lowest
    // Less than 8 levels (of 255) apart looks the same on a thumbnail.
    let opposite = abs(other.level - run.best.level) >= 8 ? other.thumbnail : nil
    kept[worst.frame] = IncidentPicture(worst: worst, opposite: opposite)
  }

  /// A frame's mean brightness (Rec. 709 weights on the 8-bit values) or, for red runs, its
  /// mean redness `R - (G + B) / 2`, inside `box`, from at most 64 x 64 sampled pixels.
  static func level(chunk: FrameChunk, index: Int, box: PixelRect, red: Bool) -> Double {
    let x0 = max(0, box.x)
    let y0 = max(0, box.y)
    let x1 = min(chunk.width, box.x + box.width)
    let y1 = min(chunk.height, box.y + box.height)
    guard x1 > x0, y1 > y0 else { return 0 }
    let sx = max(1, (x1 - x0) / 64)
    let sy = max(1, (y1 - y0) / 64)
    let base = index * chunk.frameSize
    let width = chunk.width
    var sum = 0.0
    var n = 0
    chunk.frames.withUnsafeBufferPointer { p in
      for y in stride(from: y0, to: y1, by: sy) {
        for x in stride(from: x0, to: x1, by: sx) {
          let o = base + (y * width + x) * 3
          let r = Double(p[o])
          let g = Double(p[o + 1])
          let b = Double(p[o + 2])
          sum += red ? r - (g + b) / 2 : 0.2126 * r + 0.7152 * g + 0.0722 * b
          n += 1
        }
      }
    }
    return sum / Double(n)
  }
}
