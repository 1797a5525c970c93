import Foundation
import Frames

@testable import Photosensitivity

/// The pattern detector's per-pixel work as it was before its arithmetic moved to C
/// (CPatternKernels): plain scalar Swift, kept here as the reference the optimised
/// `PatternMeasurer` must match bit for bit (PatternKernelTests). Not used by the library. The
/// grouping of labelled cells into regions, which did not move, is the library's own
/// (`PatternMeasurer.makeRegions`).
struct ReferencePatternMeasurer {
  let width: Int
  let height: Int
  let rule: PatternRule
  let scale: Int
  let workingWidth: Int
  let workingHeight: Int
  let fft: ReferenceFFT32
  let hann: [Float]
  /// The library's measurer, for the steps that stayed in Swift.
  let library: PatternMeasurer

  init(width: Int, height: Int, rule: PatternRule) {
    self.width = width
    self.height = height
    self.rule = rule
    let longer = max(width, height, 1)
    let target = max(rule.workingSize, 32)
    scale = max(1, (longer + target - 1) / target)
    workingWidth = width / scale
    workingHeight = height / scale
    fft = ReferenceFFT32()
    hann = (0..<32).map { Float(0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / 32)) }
    library = PatternMeasurer(width: width, height: height, rule: rule)
  }

  /// One frame (`channels` 3: rgb24, 1: luma), as `PatternMeasurer.measure` gives it.
  func measure(_ frame: [UInt8], channels: Int, index: Int, time: Double) -> PatternFrameMeasure {
    let work = Workspace(measurer: self)
    return frame.withUnsafeBufferPointer {
      measureFrame($0.baseAddress!, channels: channels, index: index, time: time, work: work)
    }
  }

  /// Buffers reused across the frames of one chunk (raw memory: the per-pixel loops run
  /// without bounds checks; every index is derived from the sizes set here).
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
    let count0: Int
    let count1: Int
    let sumCount: Int

    init(measurer m: ReferencePatternMeasurer) {
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
    }

    deinit {
      level0.deallocate()
      level1.deallocate()
      rowSums.deallocate()
      for p in [re, im, power, raw] { p.deallocate() }
    }

    static func padded(_ n: Int) -> Int { max(32, (n + 31) / 32 * 32) }
  }

  typealias CellLabel = PatternMeasurer.CellLabel

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
          // Stripes fine enough for level 0 are left to it: level 1 labels cells in blocks of
          // 32 working pixels and would spread a pattern's area beyond its edges.
          if level == 1 && found.period * 2 < 16 { continue }
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
    let regions = library.makeRegions(cells: cells, cellsX: cellsX, cellsY: cellsY)
    return PatternFrameMeasure(index: index, time: time, tiles: tiles, regions: regions)
  }

  /// Box-filters the frame's luma (`(54 R + 183 G + 19 B) / 256`) by `scale` into level 0,
  /// replicating the last column and row into the padding. The `s` rows of a block row are
  /// first added sample by sample (a contiguous, vectorisable loop), then each block's samples
  /// per channel; the luma weights apply to the channel sums, which is the same integer as
  /// summing each pixel's weighted luma.
  func downscale(_ frame: UnsafePointer<UInt8>, channels: Int, work: Workspace) {
    let s = scale
    let w0 = workingWidth
    let h0 = workingHeight
    let pw = work.paddedWidth0
    let ph = work.paddedHeight0
    let norm = 1 / Float(256 * s * s)
    let rowBytes = width * channels
    let used = w0 * s * channels
    let acc = work.rowSums
    let img = work.level0
    for by in 0..<h0 {
      acc.update(repeating: 0, count: used)
      for yy in (by * s)..<(by * s + s) {
        let p = frame + yy * rowBytes
        for i in 0..<used { acc[i] &+= UInt32(p[i]) }
      }
      let row = img + by * pw
      if channels == 3 {
        for bx in 0..<w0 {
          var r: UInt32 = 0
          var g: UInt32 = 0
          var b: UInt32 = 0
          var o = bx * s * 3
          for _ in 0..<s {
            r &+= acc[o]
            g &+= acc[o + 1]
            b &+= acc[o + 2]
            o += 3
          }
          row[bx] = Float(54 * Int(r) + 183 * Int(g) + 19 * Int(b)) * norm
        }
      } else {
        for bx in 0..<w0 {
          var y: UInt32 = 0
          for i in (bx * s)..<(bx * s + s) { y &+= acc[i] }
          row[bx] = Float(256 * Int(y)) * norm
        }
      }
      let edge = row[w0 - 1]
      for bx in w0..<pw { row[bx] = edge }
    }
    for by in h0..<ph {
      (img + by * pw).update(from: img + (h0 - 1) * pw, count: pw)
    }
  }

  /// Level 1: 2 x 2 means of level 0, padded the same way.
  func halve(work: Workspace) {
    let w1 = work.width1
    let h1 = work.height1
    guard w1 >= 1, h1 >= 1 else { return }
    let pw0 = work.paddedWidth0
    let pw1 = work.paddedWidth1
    let ph1 = work.paddedHeight1
    let src = work.level0
    let dst = work.level1
    for y in 0..<h1 {
      let a = src + 2 * y * pw0
      let b = a + pw0
      let out = dst + y * pw1
      for x in 0..<w1 {
        out[x] = (a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1]) * 0.25
      }
      let edge = out[w1 - 1]
      for x in w1..<pw1 { out[x] = edge }
    }
    for y in h1..<ph1 {
      (dst + y * pw1).update(from: dst + (h1 - 1) * pw1, count: pw1)
    }
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

  /// The tile at (x, y) of level `level`: its dominant frequency when its spectrum is regular
  /// enough, and which of its quadrants carry it.
  func analyzeTile(level: Int, x: Int, y: Int, stride: Int, work: Workspace)
    -> TileFinding?
  {
    let minContrast = Float(rule.minContrast)
    let raw = work.raw
    let re = work.re
    let im = work.im
    let power = work.power
    // Copy the tile, remove its mean, apply the 2-D Hann window.
    var mean: Float = 0
    var lo = Float.infinity
    var hi = -Float.infinity
    let image = level == 0 ? work.level0 : work.level1
    for yy in 0..<32 {
      let row = image + (y + yy) * stride + x
      for xx in 0..<32 {
        let v = row[xx]
        raw[yy * 32 + xx] = v
        mean += v
        lo = min(lo, v)
        hi = max(hi, v)
      }
    }
    mean /= 1024
    // A flat tile has nothing to find (also saves the FFT on plain backgrounds).
    guard hi - lo >= minContrast else { return nil }
    hann.withUnsafeBufferPointer { w in
      for yy in 0..<32 {
        for xx in 0..<32 {
          re[yy * 32 + xx] = (raw[yy * 32 + xx] - mean) * w[yy] * w[xx]
          im[yy * 32 + xx] = 0
        }
      }
    }
    fft.transform2D(re: re, im: im)
    var total: Float = 0
    for i in 0..<1024 {
      let p = re[i] * re[i] + im[i] * im[i]
      power[i] = p
      let kx = i % 32 > 16 ? i % 32 - 32 : i % 32
      let ky = i / 32 > 16 ? i / 32 - 32 : i / 32
      if kx * kx + ky * ky >= 2 { total += p }
    }
    guard total > 0 else { return nil }
    func p(_ kx: Int, _ ky: Int) -> Float { power[((ky + 32) & 31) * 32 + ((kx + 32) & 31)] }
    func neighbourhood(_ kx: Int, _ ky: Int) -> Float {
      var s: Float = 0
      for dy in -1...1 { for dx in -1...1 { s += p(kx + dx, ky + dy) } }
      return s
    }
    // The strongest bin of the half plane with a period of 32/12 to 16 pixels.
    func strongest(excluding: (Int, Int)?) -> (Int, Int, Float)? {
      var best: (Int, Int, Float)? = nil
      for ky in 0...12 {
        for kx in -12...12 {
          if ky == 0 && kx <= 0 { continue }
          let r2 = kx * kx + ky * ky
          guard r2 >= 4 && r2 <= 144 else { continue }
          if let (ex, ey) = excluding {
            if max(abs(kx - ex), abs(ky - ey)) <= 2 || max(abs(kx + ex), abs(ky + ey)) <= 2 {
              continue
            }
          }
          let v = p(kx, ky)
          if best == nil || v > best!.2 { best = (kx, ky, v) }
        }
      }
      return best
    }
    guard let (kx, ky, _) = strongest(excluding: nil) else { return nil }
    let first = neighbourhood(kx, ky)
    var share = 2 * first / total
    if let (kx2, ky2, _) = strongest(excluding: (kx, ky)) {
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
    let bin = ((ky + 32) & 31) * 32 + ((kx + 32) & 31)
    let phase = atan2(im[bin], re[bin])

    // Quadrants: the share of each one's AC energy at (fx, fy), and its light and dark levels.
    let wx = 2 * Double.pi * fx / 32
    let wy = 2 * Double.pi * fy / 32
    var cosX = [Float](repeating: 0, count: 16)
    var sinX = cosX
    var cosY = cosX
    var sinY = cosX
    for i in 0..<16 {
      cosX[i] = Float(cos(wx * Double(i)))
      sinX[i] = Float(sin(wx * Double(i)))
      cosY[i] = Float(cos(wy * Double(i)))
      sinY[i] = Float(sin(wy * Double(i)))
    }
    var quadrants: [Quadrant?] = [nil, nil, nil, nil]
    var any = false
    for q in 0..<4 {
      let ox = (q % 2) * 16
      let oy = (q / 2) * 16
      var qm: Float = 0
      for yy in 0..<16 { for xx in 0..<16 { qm += raw[(oy + yy) * 32 + ox + xx] } }
      qm /= 256
      var variance: Float = 0
      var lightSum: Float = 0
      var lightN: Float = 0
      var darkSum: Float = 0
      var darkN: Float = 0
      var xr: Float = 0
      var xi: Float = 0
      for yy in 0..<16 {
        var rr: Float = 0
        var ri: Float = 0
        for xx in 0..<16 {
          let value = raw[(oy + yy) * 32 + ox + xx]
          let v = value - qm
          variance += v * v
          if v > 0 {
            lightSum += value
            lightN += 1
          } else {
            darkSum += value
            darkN += 1
          }
          rr += v * cosX[xx]
          ri -= v * sinX[xx]
        }
        // (rr + i ri) * (cosY - i sinY)
        xr += rr * cosY[yy] + ri * sinY[yy]
        xi += ri * cosY[yy] - rr * sinY[yy]
      }
      guard variance > 0, lightN > 0, darkN > 0 else { continue }
      let light = lightSum / lightN
      let dark = darkSum / darkN
      guard light - dark >= minContrast else { continue }
      let qshare = 2 * (xr * xr + xi * xi) / (256 * variance)
      guard qshare >= 0.25 else { continue }
      quadrants[q] = Quadrant(share: qshare, light: light, dark: dark)
      any = true
    }
    guard any else { return nil }
    return TileFinding(
      kx: kx, ky: ky, phase: phase, period: 32 / radius, normal: atan2(fy, fx),
      quadrants: quadrants)
  }
}

/// A 32-point radix-2 complex FFT on Float, and the 2-D transform of a 32 x 32 tile.
struct ReferenceFFT32: Sendable {
  let cosTable: [Float]
  let sinTable: [Float]
  let reversed: [Int]

  init() {
    cosTable = (0..<16).map { Float(cos(2 * Double.pi * Double($0) / 32)) }
    sinTable = (0..<16).map { Float(-sin(2 * Double.pi * Double($0) / 32)) }
    reversed = (0..<32).map { i in
      var r = 0
      for b in 0..<5 where i & (1 << b) != 0 { r |= 1 << (4 - b) }
      return r
    }
  }

  /// In place on 32 values at `offset`, `step` apart.
  static func transform(
    _ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>, offset: Int, step: Int,
    cosTable: UnsafeBufferPointer<Float>, sinTable: UnsafeBufferPointer<Float>,
    reversed: UnsafeBufferPointer<Int>
  ) {
    for i in 0..<32 {
      let j = reversed[i]
      if j > i {
        let a = offset + i * step
        let b = offset + j * step
        (re[a], re[b]) = (re[b], re[a])
        (im[a], im[b]) = (im[b], im[a])
      }
    }
    var size = 2
    while size <= 32 {
      let half = size / 2
      let twiddleStep = 32 / size
      var start = 0
      while start < 32 {
        for k in 0..<half {
          let wr = cosTable[k * twiddleStep]
          let wi = sinTable[k * twiddleStep]
          let a = offset + (start + k) * step
          let b = offset + (start + k + half) * step
          let tr = re[b] * wr - im[b] * wi
          let ti = re[b] * wi + im[b] * wr
          re[b] = re[a] - tr
          im[b] = im[a] - ti
          re[a] += tr
          im[a] += ti
        }
        start += size
      }
      size *= 2
    }
  }

  /// The 2-D transform of a 32 x 32 tile, in place: rows, then columns.
  func transform2D(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>) {
    cosTable.withUnsafeBufferPointer { c in
      sinTable.withUnsafeBufferPointer { s in
        reversed.withUnsafeBufferPointer { r in
          for row in 0..<32 {
            Self.transform(
              re, im, offset: row * 32, step: 1, cosTable: c, sinTable: s, reversed: r)
          }
          for column in 0..<32 {
            Self.transform(re, im, offset: column, step: 32, cosTable: c, sinTable: s, reversed: r)
          }
        }
      }
    }
  }
}
