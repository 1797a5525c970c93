import CPatternKernels
import Foundation
import Frames

/// One tile of the pattern detector's image whose spectrum has a dominant spatial frequency
/// (Docs/Patterns.md, "Method").
public struct PatternTile: Sendable, Equatable {
  /// 0: the working image; 1: the working image halved (coarser stripes).
  public var level: Int
  /// The tile's position in its level's grid of 32 x 32 tiles.
  public var column: Int
  public var row: Int
  /// The strongest frequency bin (cycles per tile; `ky > 0`, or `ky == 0` and `kx > 0`).
  public var kx: Int
  public var ky: Int
  /// Phase (radians) of the tile's Fourier coefficient at that bin: moving stripes move it.
  public var phase: Float
  /// Light minus dark 8-bit luma of the tile's pattern quadrants.
  public var contrast: Float

  public init(
    level: Int, column: Int, row: Int, kx: Int, ky: Int, phase: Float, contrast: Float
  ) {
    self.level = level
    self.column = column
    self.row = row
    self.kx = kx
    self.ky = ky
    self.phase = phase
    self.contrast = contrast
  }
}

/// A connected patch of tiles with stripes of about the same period: one pattern.
public struct PatternRegion: Sendable, Equatable {
  /// Share of the screen it covers.
  public var areaShare: Double
  /// Light-dark pairs along the stripes' normal across the region (fractional).
  public var pairs: Double
  /// Stripe period (one light plus one dark stripe) in source pixels.
  public var periodPixels: Double
  /// Direction of the stripes, degrees counter-clockwise from horizontal (0 = horizontal
  /// stripes, 90 = vertical), of the region's mean orientation.
  public var orientationDegrees: Double
  /// How well its tiles agree on that orientation (0...1; rings, spirals and checkerboards
  /// are low).
  public var coherence: Double
  /// Mean 8-bit luma of its light and of its dark stripes.
  public var light: Double
  public var dark: Double
  /// Its bounding box in source pixels.
  public var box: PixelRect
  /// Indices into the frame's `tiles` of the tiles it is made of.
  public var tiles: [Int]

  public init(
    areaShare: Double, pairs: Double, periodPixels: Double, orientationDegrees: Double,
    coherence: Double, light: Double, dark: Double, box: PixelRect, tiles: [Int]
  ) {
    self.areaShare = areaShare
    self.pairs = pairs
    self.periodPixels = periodPixels
    self.orientationDegrees = orientationDegrees
    self.coherence = coherence
    self.light = light
    self.dark = dark
    self.box = box
    self.tiles = tiles
  }
}

/// One frame's pattern measure: the pixel work's result, small enough to keep.
public struct PatternFrameMeasure: Sendable {
  public var index: Int
  public var time: Double
  public var tiles: [PatternTile]
  public var regions: [PatternRegion]
  /// IRIS's method (`rule.method == .iris`): the frame's detection; tiles and regions are empty.
  public var iris: IrisPatternFrame? = nil

  public init(
    index: Int, time: Double, tiles: [PatternTile], regions: [PatternRegion],
    iris: IrisPatternFrame? = nil
  ) {
    self.index = index
    self.time = time
    self.tiles = tiles
    self.regions = regions
    self.iris = iris
  }
}

/// The pattern detector's per-pixel work (runs on the scan engine's workers): a pure function
/// of each frame. Luma is box-filtered down to the working image (longer side about
/// `rule.workingSize`), which and its half are cut into 32 x 32 tiles; each tile's windowed 2-D
/// FFT gives its dominant frequency, each 16 x 16 quadrant is tested for that frequency, and
/// quadrants that agree are joined into regions whose light-dark pairs are counted.
public struct PatternMeasurer: Sendable {
  public let width: Int
  public let height: Int
  public let rule: PatternRule
  /// Source pixels per working pixel along each axis.
  public let scale: Int
  /// The working image's size (source size / scale, rounded down).
  public let workingWidth: Int
  public let workingHeight: Int
  let fft: FFT32
  let hann: [Float]
  /// IRIS's detector, under `rule.method == .iris`.
  public let iris: IrisPatternDetector?
  /// The workspaces of finished `measure` calls, for the next ones (shared by the copies of
  /// this measurer, which all have its sizes).
  let workspaces = WorkspacePool()

  public init(width: Int, height: Int, rule: PatternRule) {
    self.width = width
    self.height = height
    self.rule = rule
    let longer = max(width, height, 1)
    let target = max(rule.workingSize, 32)
    scale = max(1, (longer + target - 1) / target)
    workingWidth = width / scale
    workingHeight = height / scale
    fft = FFT32()
    iris =
      rule.method == .iris
      ? IrisPatternDetector(
        width: width, height: height, minStripes: rule.minPairs,
        areaProportion: rule.stationaryAreaShare, lightThreshold: rule.lightThreshold) : nil
    hann = (0..<32).map { Float(0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / 32)) }
  }

  /// Every frame of the window's chunk (the previous frame is not needed: motion is followed
  /// in `PatternAnalyzer`).
  public func measure(_ window: ChunkWindow) throws -> [PatternFrameMeasure] {
    let chunk = window.chunk
    guard chunk.width == width, chunk.height == height else {
      throw PhotosensitivityError.frameMismatch(
        frame: chunk.firstIndex,
        reason:
          "pattern stage set up for \(width)x\(height), frame is \(chunk.width)x\(chunk.height)")
    }
    guard chunk.channels == 3 || chunk.channels == 1 else {
      throw PhotosensitivityError.frameMismatch(
        frame: chunk.firstIndex, reason: "pattern stage needs rgb24 or luma frames")
    }
    var out: [PatternFrameMeasure] = []
    out.reserveCapacity(chunk.count)
    if let iris {
      let frameSize = chunk.frameSize
      chunk.frames.withUnsafeBufferPointer { all in
        guard let base = all.baseAddress else { return }
        for f in 0..<chunk.count {
          out.append(
            PatternFrameMeasure(
              index: chunk.firstIndex + f, time: chunk.times[f], tiles: [], regions: [],
              iris: iris.detect(base + f * frameSize, channels: chunk.channels)))
        }
      }
      return out
    }
    let work = workspaces.take() ?? Workspace(measurer: self)
    defer { workspaces.give(work) }
    let frameSize = chunk.frameSize
    // Last frame first: the stages before this one read the chunk's frames in order, so the
    // last ones are the likeliest still to be in the cache. Each frame is measured on its own;
    // the results are returned in frame order.
    chunk.frames.withUnsafeBufferPointer { all in
      guard let base = all.baseAddress else { return }
      for f in (0..<chunk.count).reversed() {
        out.append(
          measureFrame(
            base + f * frameSize, channels: chunk.channels, index: chunk.firstIndex + f,
            time: chunk.times[f], work: work))
      }
    }
    out.reverse()
    return out
  }

  /// Workspaces kept between `measure` calls: each call takes one for itself (or makes one)
  /// and gives it back when done, so a scan allocates and page-faults in the level images once
  /// per worker thread rather than once per chunk. A workspace is only ever used by the one call
  /// that took it; every buffer is written before it is read within a frame (`measureFrame`),
  /// so results do not depend on which workspace a call gets.
  final class WorkspacePool: Sendable {
    private let free = Locked<[Workspace]>([])
    /// Workspaces kept at most (more than the scan engine's worker threads).
    static let limit = 16

    func take() -> Workspace? { free.withLock { $0.popLast() } }

    func give(_ work: Workspace) {
      free.withLock { list in
        if list.count < Self.limit { list.append(work) }
      }
    }
  }

  /// Buffers for the frames of one `measure` call at a time (raw memory: the per-pixel loops
  /// run without bounds checks; every index is derived from the sizes set here).
  final class Workspace {
    let level0: UnsafeMutablePointer<Float>
    let level1: UnsafeMutablePointer<Float>
    let paddedWidth0: Int
    let paddedHeight0: Int
    let width1: Int
    let height1: Int
    let paddedWidth1: Int
    let paddedHeight1: Int
    /// One block row's samples summed over its rows (at most `scale` x 255 each).
    let rowSums: UnsafeMutablePointer<UInt32>
    let re = UnsafeMutablePointer<Float>.allocate(capacity: 1024)
    let im = UnsafeMutablePointer<Float>.allocate(capacity: 1024)
    let power = UnsafeMutablePointer<Float>.allocate(capacity: 1024)
    let raw = UnsafeMutablePointer<Float>.allocate(capacity: 1024)
    /// A regular tile's row and column phasors (`analyzeTile`).
    let trig = UnsafeMutablePointer<Float>.allocate(capacity: 64)
    let count0: Int
    let count1: Int
    let sumCount: Int

    init(measurer m: PatternMeasurer) {
      paddedWidth0 = Self.padded(m.workingWidth)
      paddedHeight0 = Self.padded(m.workingHeight)
      width1 = m.workingWidth / 2
      height1 = m.workingHeight / 2
      paddedWidth1 = Self.padded(width1)
      paddedHeight1 = Self.padded(height1)
      count0 = paddedWidth0 * paddedHeight0
      count1 = paddedWidth1 * paddedHeight1
      sumCount = max(m.workingWidth * m.scale * 3, 1)
      level0 = .allocate(capacity: count0)
      level0.initialize(repeating: 0, count: count0)
      level1 = .allocate(capacity: count1)
      level1.initialize(repeating: 0, count: count1)
      rowSums = .allocate(capacity: sumCount)
      rowSums.initialize(repeating: 0, count: sumCount)
      for p in [re, im, power, raw] { p.initialize(repeating: 0, count: 1024) }
      trig.initialize(repeating: 0, count: 64)
    }

    deinit {
      level0.deallocate()
      level1.deallocate()
      rowSums.deallocate()
      for p in [re, im, power, raw, trig] { p.deallocate() }
    }

    static func padded(_ n: Int) -> Int { max(32, (n + 31) / 32 * 32) }
  }

  /// The candidate a 16 x 16 cell of the working image got from a tile quadrant.
  struct CellLabel {
    var share: Float
    var tile: Int
    var period: Double  // working pixels
    var normal: Double  // radians, image coordinates (y down)
    var light: Float
    var dark: Float
  }

  func measureFrame(
    _ frame: UnsafePointer<UInt8>, channels: Int, index: Int, time: Double,
    work: Workspace
  ) -> PatternFrameMeasure {
    let w0 = workingWidth
    let h0 = workingHeight
    guard w0 >= 16, h0 >= 16 else {
      return PatternFrameMeasure(index: index, time: time, tiles: [], regions: [])
    }
    downscale(frame, channels: channels, work: work)
    halve(work: work)

    let cellsX = work.paddedWidth0 / 16
    let cellsY = work.paddedHeight0 / 16
    var cells = [CellLabel?](repeating: nil, count: cellsX * cellsY)
    var tiles: [PatternTile] = []

    for level in 0..<2 {
      let (lw, lh, pw, ph) =
        level == 0
        ? (w0, h0, work.paddedWidth0, work.paddedHeight0)
        : (work.width1, work.height1, work.paddedWidth1, work.paddedHeight1)
      guard lw >= 16, lh >= 16 else { continue }
      let factor = level == 0 ? 1 : 2
      for ty in 0..<(ph / 32) {
        for tx in 0..<(pw / 32) {
          guard
            let found = analyzeTile(
              level: level, x: tx * 32, y: ty * 32, stride: pw, work: work)
          else { continue }
          // (Stripes fine enough for level 0 are left to it: `analyzeTile` gives no level-1
          // finding for them, since level 1 labels cells in blocks of 32 working pixels and
          // would spread a pattern's area beyond its edges.)
          let tileIndex = tiles.count
          var lightSum: Float = 0
          var darkSum: Float = 0
          var n: Float = 0
          for q in 0..<4 where found.quadrants[q] != nil {
            let quad = found.quadrants[q]!
            let qx = tx * 2 + q % 2
            let qy = ty * 2 + q / 2
            // Quadrant (qx, qy) of this level covers working cells qx*factor ..< (qx+1)*factor.
            for cy in (qy * factor)..<((qy + 1) * factor) where cy < cellsY {
              for cx in (qx * factor)..<((qx + 1) * factor) where cx < cellsX {
                let label = CellLabel(
                  share: quad.share, tile: tileIndex, period: found.period * Double(factor),
                  normal: found.normal, light: quad.light, dark: quad.dark)
                if let old = cells[cy * cellsX + cx], old.share >= quad.share { continue }
                cells[cy * cellsX + cx] = label
              }
            }
            lightSum += quad.light
            darkSum += quad.dark
            n += 1
          }
          // Every regular tile is listed (not only those whose label won a cell), so the
          // analyzer sees a tile's phase in every frame it has the pattern.
          tiles.append(
            PatternTile(
              level: level, column: tx, row: ty, kx: found.kx, ky: found.ky,
              phase: found.phase, contrast: (lightSum - darkSum) / n))
        }
      }
    }
    let regions = makeRegions(cells: cells, cellsX: cellsX, cellsY: cellsY)
    return PatternFrameMeasure(index: index, time: time, tiles: tiles, regions: regions)
  }

  /// Box-filters the frame's luma (`(54 R + 183 G + 19 B) / 256`) by `scale` into level 0,
  /// replicating the last column and row into the padding (`fs_pattern_downscale`: each row is
  /// read once and added to its block row's column sums, then each block's columns are added;
  /// the luma weights apply to the channel sums, which is the same integer as summing each
  /// pixel's weighted luma, and that integer is converted and scaled once).
  func downscale(_ frame: UnsafePointer<UInt8>, channels: Int, work: Workspace) {
    fs_pattern_downscale(
      frame, Int32(width), Int32(channels), Int32(scale), Int32(workingWidth),
      Int32(workingHeight), Int32(work.paddedWidth0), Int32(work.paddedHeight0),
      1 / Float(256 * scale * scale), work.level0, work.rowSums)
  }

  /// Level 1: 2 x 2 means of level 0, padded the same way.
  func halve(work: Workspace) {
    guard work.width1 >= 1, work.height1 >= 1 else { return }
    fs_pattern_halve(
      work.level0, Int32(work.paddedWidth0), Int32(work.width1), Int32(work.height1),
      Int32(work.paddedWidth1), Int32(work.paddedHeight1), work.level1)
  }

  struct Quadrant {
    var share: Float
    var light: Float
    var dark: Float
  }

  struct TileFinding {
    var kx: Int
    var ky: Int
    var phase: Float
    /// Period in this level's pixels and the normal's direction (radians, y down).
    var period: Double
    var normal: Double
    var quadrants: [Quadrant?]
  }

  /// The bins `analyzeTile` searches for the strongest frequency, in its scan order (`ky` 0 to
  /// 12, then `kx` -12 to 12): the half plane (`ky > 0`, or `ky == 0` and `kx > 0`) with
  /// `4 <= kx^2 + ky^2 <= 144`, and each bin's index in the power spectrum.
  static let searchBins: [(kx: Int8, ky: Int8, bin: Int16)] = {
    var out: [(kx: Int8, ky: Int8, bin: Int16)] = []
    for ky in 0...12 {
      for kx in -12...12 {
        if ky == 0 && kx <= 0 { continue }
        let r2 = kx * kx + ky * ky
        guard r2 >= 4 && r2 <= 144 else { continue }
        out.append((Int8(kx), Int8(ky), Int16(((ky + 32) & 31) * 32 + ((kx + 32) & 31))))
      }
    }
    return out
  }()

  /// Whether no quadrant of a tile whose quadrants' ranges (largest minus smallest value) are
  /// `ranges` can pass the quadrant contrast test (`light - dark >= minContrast`), so the tile
  /// has no finding and its FFT can be skipped. Exact, with margin:
  ///
  /// A quadrant's `light` is the float mean of its values above its mean, each at most its
  /// largest value `M`; `dark` the mean of the others, each at least its smallest `m`; the values
  /// lie in [0, 256). A running float sum of n <= 256 non-negative terms is within
  /// gamma = 256 u / (1 - 256 u) (u = 2^-24, gamma < 1.6e-5) of the exact sum, relatively; with
  /// the division's and the subtraction's rounding, the computed `light - dark` is at most
  /// `M - m + gamma (M + m) + u 256 < M - m + 0.0079 + 0.00002`. A quadrant whose computed range
  /// is below `minContrast - 1/32` has an exact range below that too (rounding is monotonic and
  /// the bound is a float), so its `light - dark` stays under `minContrast - 0.023`: it fails.
  /// When every quadrant fails, `analyzeTile` returns nil whatever the spectrum.
  static func quadrantsCannotPass(ranges: (Float, Float, Float, Float), minContrast: Float)
    -> Bool
  {
    let bound = minContrast - 1.0 / 32
    return ranges.0 < bound && ranges.1 < bound && ranges.2 < bound && ranges.3 < bound
  }

  /// The tile at (x, y) of level `level`: its dominant frequency when its spectrum is regular
  /// enough, and which of its quadrants carry it. Nil also for a level-1 tile whose stripes are
  /// fine enough for level 0 (`measureFrame` leaves those to level 0).
  func analyzeTile(level: Int, x: Int, y: Int, stride: Int, work: Workspace)
    -> TileFinding?
  {
    let minContrast = Float(rule.minContrast)
    let raw = work.raw
    let re = work.re
    let im = work.im
    let power = work.power
    // Copy the tile; its mean (a running sum in row-major order), extremes and quadrant ranges.
    let image = level == 0 ? work.level0 : work.level1
    var stats = fs_pattern_tile_stats()
    fs_pattern_tile_load(image + y * stride + x, stride, raw, &stats)
    // A flat tile has nothing to find (also saves the FFT on plain backgrounds).
    guard stats.hi - stats.lo >= minContrast else { return nil }
    // Nor has a tile none of whose quadrants has the contrast (see `quadrantsCannotPass`).
    guard
      !Self.quadrantsCannotPass(
        ranges: stats.quadrant_range, minContrast: minContrast)
    else { return nil }
    // Remove the mean, apply the 2-D Hann window, transform rows then columns; the AC power.
    let total = hann.withUnsafeBufferPointer { w in
      fft.cosTable.withUnsafeBufferPointer { c in
        fft.sinTable.withUnsafeBufferPointer { s in
          fs_pattern_tile_spectrum(
            raw, stats.mean, w.baseAddress, c.baseAddress, s.baseAddress, re, im, power)
        }
      }
    }
    guard total > 0 else { return nil }
    func p(_ kx: Int, _ ky: Int) -> Float { power[((ky + 32) & 31) * 32 + ((kx + 32) & 31)] }
    func neighbourhood(_ kx: Int, _ ky: Int) -> Float {
      var s: Float = 0
      for dy in -1...1 { for dx in -1...1 { s += p(kx + dx, ky + dy) } }
      return s
    }
    // The strongest bin of the half plane with a period of 32/12 to 16 pixels (the first of
    // equal ones in scan order: `PatternMeasurer.searchBins`).
    func strongest(excluding: (Int, Int)?) -> (Int, Int)? {
      var best = -1
      var bestPower = -Float.infinity
      Self.searchBins.withUnsafeBufferPointer { bins in
        for i in bins.indices {
          let b = bins[i]
          if let (ex, ey) = excluding {
            let kx = Int(b.kx)
            let ky = Int(b.ky)
            if max(abs(kx - ex), abs(ky - ey)) <= 2 || max(abs(kx + ex), abs(ky + ey)) <= 2 {
              continue
            }
          }
          let v = power[Int(b.bin)]
          if best < 0 || v > bestPower {
            (best, bestPower) = (i, v)
          }
        }
      }
      guard best >= 0 else { return nil }
      return (Int(Self.searchBins[best].kx), Int(Self.searchBins[best].ky))
    }
    guard let (kx, ky) = strongest(excluding: nil) else { return nil }
    let first = neighbourhood(kx, ky)
    var share = 2 * first / total
    if let (kx2, ky2) = strongest(excluding: (kx, ky)) {
      let r1 = Float(kx * kx + ky * ky).squareRoot()
      let r2 = Float(kx2 * kx2 + ky2 * ky2).squareRoot()
      let second = neighbourhood(kx2, ky2)
      // Two peaks of about the same frequency: a checkerboard or a plaid.
      if abs(r2 - r1) <= 0.25 * r1 && second >= 0.5 * first {
        share = 2 * (first + second) / total
      }
    }
    guard share >= Float(rule.regularShare) else { return nil }
    // Sub-bin frequency: a parabola through the log powers on each axis.
    func offset(_ a: Float, _ b: Float, _ c: Float) -> Double {
      let la = log(Double(a) + 1e-12)
      let lb = log(Double(b) + 1e-12)
      let lc = log(Double(c) + 1e-12)
      let d = la - 2 * lb + lc
      guard d < 0 else { return 0 }
      return min(max(0.5 * (la - lc) / d, -0.5), 0.5)
    }
    let fx = Double(kx) + offset(p(kx - 1, ky), p(kx, ky), p(kx + 1, ky))
    let fy = Double(ky) + offset(p(kx, ky - 1), p(kx, ky), p(kx, ky + 1))
    let radius = (fx * fx + fy * fy).squareRoot()
    guard radius > 0 else { return nil }
    let period = 32 / radius
    // Level 1 keeps only stripes too coarse for level 0 (`measureFrame`).
    if level == 1 && period * 2 < 16 { return nil }
    let bin = ((ky + 32) & 31) * 32 + ((kx + 32) & 31)
    let phase = atan2(im[bin], re[bin])

    // Quadrants: the share of each one's AC energy at (fx, fy), and its light and dark levels.
    let wx = 2 * Double.pi * fx / 32
    let wy = 2 * Double.pi * fy / 32
    let trig = work.trig  // cos x, sin x, cos y, sin y: 16 each
    for i in 0..<16 {
      trig[i] = Float(cos(wx * Double(i)))
      trig[16 + i] = Float(sin(wx * Double(i)))
      trig[32 + i] = Float(cos(wy * Double(i)))
      trig[48 + i] = Float(sin(wy * Double(i)))
    }
    var sums = (
      fs_pattern_quadrant_sums(), fs_pattern_quadrant_sums(), fs_pattern_quadrant_sums(),
      fs_pattern_quadrant_sums()
    )
    withUnsafeMutableBytes(of: &sums) { bytes in
      fs_pattern_quadrants(
        raw, trig, trig + 16, trig + 32, trig + 48,
        bytes.baseAddress!.assumingMemoryBound(to: fs_pattern_quadrant_sums.self))
    }
    var quadrants: [Quadrant?] = [nil, nil, nil, nil]
    var any = false
    for (q, sum) in [sums.0, sums.1, sums.2, sums.3].enumerated() {
      guard sum.variance > 0, sum.light_count > 0, sum.dark_count > 0 else { continue }
      let light = sum.light_sum / sum.light_count
      let dark = sum.dark_sum / sum.dark_count
      guard light - dark >= minContrast else { continue }
      let qshare = 2 * (sum.xr * sum.xr + sum.xi * sum.xi) / (256 * sum.variance)
      guard qshare >= 0.25 else { continue }
      quadrants[q] = Quadrant(share: qshare, light: light, dark: dark)
      any = true
    }
    guard any else { return nil }
    return TileFinding(
      kx: kx, ky: ky, phase: phase, period: period, normal: atan2(fy, fx),
      quadrants: quadrants)
  }

  /// Joins neighbouring labelled cells with periods within a factor 1.5 into regions.
  func makeRegions(cells: [CellLabel?], cellsX: Int, cellsY: Int) -> [PatternRegion] {
    var region = [Int](repeating: -1, count: cells.count)
    var regions: [PatternRegion] = []
    let s = Double(scale)
    let screen = Double(width * height)
    for start in cells.indices where cells[start] != nil && region[start] < 0 {
      var members: [Int] = [start]
      region[start] = regions.count
      var head = 0
      while head < members.count {
        let c = members[head]
        head += 1
        let cx = c % cellsX
        let cy = c / cellsX
        let here = cells[c]!
        for (nx, ny) in [(cx - 1, cy), (cx + 1, cy), (cx, cy - 1), (cx, cy + 1)] {
          guard nx >= 0, ny >= 0, nx < cellsX, ny < cellsY else { continue }
          let n = ny * cellsX + nx
          guard region[n] < 0, let other = cells[n] else { continue }
          let ratio = max(here.period, other.period) / min(here.period, other.period)
          guard ratio <= 1.5 else { continue }
          region[n] = regions.count
          members.append(n)
        }
      }
      // Geometry in working pixels, clipped to the real image.
      var area = 0.0
      var lightSum = 0.0
      var darkSum = 0.0
      var c2 = 0.0
      var s2 = 0.0
      var periods: [Double] = []
      var x0 = Int.max
      var y0 = Int.max
      var x1 = Int.min
      var y1 = Int.min
      var tileSet = Set<Int>()
      var rects: [(Int, Int, Int, Int)] = []
      for c in members {
        let label = cells[c]!
        let rx0 = (c % cellsX) * 16
        let ry0 = (c / cellsX) * 16
        let rx1 = min(rx0 + 16, workingWidth)
        let ry1 = min(ry0 + 16, workingHeight)
        guard rx1 > rx0, ry1 > ry0 else { continue }
        let a = Double((rx1 - rx0) * (ry1 - ry0))
        area += a
        lightSum += a * Double(label.light)
        darkSum += a * Double(label.dark)
        c2 += a * cos(2 * label.normal)
        s2 += a * sin(2 * label.normal)
        periods.append(label.period)
        x0 = min(x0, rx0)
        y0 = min(y0, ry0)
        x1 = max(x1, rx1)
        y1 = max(y1, ry1)
        tileSet.insert(label.tile)
        rects.append((rx0, ry0, rx1, ry1))
      }
      guard area > 0 else { continue }
      periods.sort()
      let period = periods[periods.count / 2]
      let coherence = (c2 * c2 + s2 * s2).squareRoot() / area
      let normal = atan2(s2, c2) / 2
      let extent: Double
      if coherence >= 0.7 {
        let (nx, ny) = (cos(normal), sin(normal))
        var lo = Double.infinity
        var hi = -Double.infinity
        for (a, b, c, d) in rects {
          for (px, py) in [(a, b), (c, b), (a, d), (c, d)] {
            let t = Double(px) * nx + Double(py) * ny
            lo = min(lo, t)
            hi = max(hi, t)
          }
        }
        extent = hi - lo
      } else {
        // Rings, spirals, checkerboards: the pairs across the region's narrower side.
        extent = Double(min(x1 - x0, y1 - y0))
      }
      let degrees = (-(normal * 180 / Double.pi + 90)).truncatingRemainder(dividingBy: 180)
      regions.append(
        PatternRegion(
          areaShare: area * s * s / screen, pairs: extent / period, periodPixels: period * s,
          orientationDegrees: degrees < 0 ? degrees + 180 : degrees, coherence: coherence,
          light: lightSum / area, dark: darkSum / area,
          box: PixelRect(
            x: x0 * scale, y: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale),
          tiles: tileSet.sorted()))
    }
    return regions
  }
}

/// The twiddle factors of the 32-point radix-2 FFT (`fs_pattern_tile_spectrum`): cos and -sin of
/// 2 pi k / 32 for k < 16, rounded to Float from Double.
struct FFT32: Sendable {
  let cosTable: [Float]
  let sinTable: [Float]

  init() {
    cosTable = (0..<16).map { Float(cos(2 * Double.pi * Double($0) / 32)) }
    sinTable = (0..<16).map { Float(-sin(2 * Double.pi * Double($0) / 32)) }
  }
}
