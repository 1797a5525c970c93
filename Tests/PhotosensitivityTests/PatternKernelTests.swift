import CPatternKernels
import Foundation
import FrameTensor
import Frames
import TestSupport
import Testing

@testable import Photosensitivity

/// The pattern detector's C kernels and early-outs against the scalar Swift code they replaced
/// (`ReferencePatternMeasurer`): the same tiles and regions, bit for bit.
@Suite("Patterns: kernels")
struct PatternKernelTests {
  typealias Pixel = (UInt8, UInt8, UInt8)

  /// A frame of `width` x `height` pixels, rgb24 (or the red channel alone when `channels` is 1).
  static func frame(width: Int, height: Int, channels: Int, _ pixel: (Int, Int) -> Pixel)
    -> [UInt8]
  {
    var out = [UInt8](repeating: 0, count: width * height * channels)
    var o = 0
    for y in 0..<height {
      for x in 0..<width {
        let p = pixel(x, y)
        out[o] = p.0
        if channels == 3 {
          out[o + 1] = p.1
          out[o + 2] = p.2
        }
        o += channels
      }
    }
    return out
  }

  /// The optimised measurer's result for one frame.
  static func measured(
    _ bytes: [UInt8], width: Int, height: Int, channels: Int, rule: PatternRule
  ) throws -> PatternFrameMeasure {
    let tensor = Tensor(shape: [1, height, width, channels], storage: bytes)
    let chunk = FrameChunk(frames: tensor, times: [0.5], firstIndex: 7)
    let measures = try PatternMeasurer(width: width, height: height, rule: rule).measure(
      ChunkWindow(chunk: chunk, previous: nil))
    return try #require(measures.first)
  }

  /// Every field of `a` and `b` as bits (a float that differs only in rounding, or -0 against
  /// +0, is a difference).
  static func differences(_ a: PatternFrameMeasure, _ b: PatternFrameMeasure) -> [String] {
    var out: [String] = []
    if a.index != b.index || a.time.bitPattern != b.time.bitPattern { out.append("index/time") }
    if a.tiles.count != b.tiles.count { out.append("tiles: \(a.tiles.count) vs \(b.tiles.count)") }
    for (i, (s, t)) in zip(a.tiles, b.tiles).enumerated() {
      if s.level != t.level || s.column != t.column || s.row != t.row || s.kx != t.kx
        || s.ky != t.ky || s.phase.bitPattern != t.phase.bitPattern
        || s.contrast.bitPattern != t.contrast.bitPattern
      {
        out.append("tile \(i): \(s) vs \(t)")
      }
    }
    if a.regions.count != b.regions.count {
      out.append("regions: \(a.regions.count) vs \(b.regions.count)")
    }
    for (i, (r, q)) in zip(a.regions, b.regions).enumerated() {
      let bits = [
        (r.areaShare, q.areaShare), (r.pairs, q.pairs), (r.periodPixels, q.periodPixels),
        (r.orientationDegrees, q.orientationDegrees), (r.coherence, q.coherence),
        (r.light, q.light), (r.dark, q.dark),
      ]
      if bits.contains(where: { $0.0.bitPattern != $0.1.bitPattern }) || r.box != q.box
        || r.tiles != q.tiles
      {
        out.append("region \(i): \(r) vs \(q)")
      }
    }
    return out
  }

  /// Measures `pixel`'s frame both ways; returns the reference's result.
  @discardableResult
  static func expectSame(
    width: Int, height: Int, channels: Int = 3,
    rule: PatternRule = .broadcast(
      verdict: .fail, lightScale: .candela(DisplayModel())),
    _ label: String, _ pixel: (Int, Int) -> Pixel
  ) throws -> PatternFrameMeasure {
    let bytes = frame(width: width, height: height, channels: channels, pixel)
    let fast = try measured(bytes, width: width, height: height, channels: channels, rule: rule)
    let reference = ReferencePatternMeasurer(width: width, height: height, rule: rule).measure(
      bytes, channels: channels, index: 7, time: 0.5)
    let diff = differences(fast, reference)
    #expect(diff.isEmpty, "\(label) \(width)x\(height)x\(channels): \(diff.prefix(5))")
    return reference
  }

  static func grey(_ v: Int) -> Pixel {
    let c = UInt8(clamping: v)
    return (c, c, c)
  }

  /// Gratings, checkerboards, rings, noise and mixtures of them, with colour.
  static func scenes(seed: UInt64) -> [(String, (Int, Int) -> Pixel)] {
    var g = SeededGenerator(seed: seed)
    let noise = (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    func n(_ x: Int, _ y: Int, _ k: Int) -> Int { Int(noise[(x * 31 + y * 17 + k * 7) & 4095]) }
    return [
      ("noise", { x, y in (UInt8(n(x, y, 0)), UInt8(n(x, y, 1)), UInt8(n(x, y, 2))) }),
      (
        "grating 37 degrees, noisy",
        { x, y in
          let u = Double(x) * cos(0.65) + Double(y) * sin(0.65)
          let v = Int(u / 9).isMultiple(of: 2) ? 220 : 30
          return grey(v + n(x, y, 0) / 8 - 16)
        }
      ),
      (
        "coloured vertical grating in a box, gradient around",
        { x, y in
          if x > 40 && x < 400 && y > 20 && y < 300 {
            return (x / 7) % 2 == 0 ? (250, 40, 90) : (10, 60, 20)
          }
          return (UInt8((x / 4) & 255), UInt8((y / 3) & 255), 128)
        }
      ),
      (
        "checkerboard and rings",
        { x, y in
          if x < y { return (x / 11 + y / 11) % 2 == 0 ? (230, 230, 230) : (20, 20, 20) }
          let dx = Double(x - 200)
          let dy = Double(y - 150)
          let r = (dx * dx + dy * dy).squareRoot()
          return Int(r / 13) % 2 == 0 ? (255, 200, 0) : (0, 30, 80)
        }
      ),
      (
        "coarse horizontal grating",
        { x, y in (y / 40) % 2 == 0 ? grey(240) : grey(10 + n(x, y, 1) / 32) }
      ),
    ]
  }

  @Test(
    "the optimised measurer gives the reference's tiles and regions bit for bit",
    arguments: [(160, 120, 3), (160, 120, 1), (643, 359, 3), (1280, 720, 3), (37, 300, 1)])
  func sameAsReference(_ size: (Int, Int, Int)) throws {
    var found = 0
    for (label, pixel) in Self.scenes(seed: UInt64(size.0 * 1000 + size.1)) {
      let r = try Self.expectSame(width: size.0, height: size.1, channels: size.2, label, pixel)
      found += r.tiles.count
    }
    // The scenes have patterns: the comparison covers the whole tile analysis, not only nils.
    #expect(found > 0)
  }

  @Test("a 1080p frame (scale 6) and other working sizes match the reference")
  func otherScales() throws {
    let (label, pixel) = Self.scenes(seed: 3)[3]
    let r = try Self.expectSame(width: 1920, height: 1080, label, pixel)
    #expect(!r.tiles.isEmpty && !r.regions.isEmpty)
    for workingSize in [64, 100, 500] {
      var rule = PatternRule.broadcast(verdict: .warning, lightScale: .relative)
      rule.workingSize = workingSize
      rule.minContrast = 10
      rule.regularShare = 0.3
      for (label, pixel) in Self.scenes(seed: UInt64(workingSize)) {
        try Self.expectSame(width: 400, height: 260, rule: rule, "\(workingSize): \(label)", pixel)
      }
    }
  }

  /// A colour whose luma `(54 R + 183 G + 19 B) / 256` is exactly `k / 256`, each channel at
  /// most 140.
  static func colour(luma256 k: Int) -> Pixel? {
    for g in 0...140 where 183 * g <= k {
      for r in 0...140 where 183 * g + 54 * r <= k {
        let rest = k - 183 * g - 54 * r
        if rest % 19 == 0 && rest / 19 <= 140 { return (UInt8(r), UInt8(g), UInt8(rest / 19)) }
      }
    }
    return nil
  }

  @Test("tiles whose quadrants' contrast is at the skip bound match the reference")
  func earlyOutBoundary() throws {
    // Each tile: its top quadrants on grey 100, its bottom ones on grey 111 (the tile's range
    // passes the tile test), each quadrant a vertical grating of 2-pixel stripes `k / 256`
    // luma levels above its base. minContrast 24: the skip bound is 24 - 1/32 = 6136 / 256.
    let rule = PatternRule.broadcast(verdict: .fail, lightScale: .candela(DisplayModel()))
    #expect(rule.minContrast == 24)
    for k in [6000, 6120, 6135, 6136, 6137, 6143, 6144, 6145, 6200] {
      let stripe = try #require(Self.colour(luma256: k))
      let ranges = Float(k) / 256
      let skipped = PatternMeasurer.quadrantsCannotPass(
        ranges: (ranges, ranges, ranges, ranges), minContrast: 24)
      #expect(skipped == (k < 6136), "\(k)")
      let r = try Self.expectSame(width: 160, height: 120, "contrast \(k)/256") { x, y in
        let base = (y % 32) < 16 ? 100 : 111
        guard (x / 2) % 2 == 0 else { return Self.grey(base) }
        return (
          UInt8(base + Int(stripe.0)), UInt8(base + Int(stripe.1)), UInt8(base + Int(stripe.2))
        )
      }
      // The boundary is sharp: quadrants of 24 levels or more carry the pattern, under 24 none.
      #expect(r.tiles.isEmpty == (k < 6144), "\(k): \(r.tiles.count) tiles")
    }
  }

  @Test("the skip bound: one quadrant over it is enough to analyse the tile")
  func earlyOutPredicate() {
    let bound: Float = 24 - 1.0 / 32
    #expect(
      PatternMeasurer.quadrantsCannotPass(ranges: (0, 1, 23, bound.nextDown), minContrast: 24))
    #expect(!PatternMeasurer.quadrantsCannotPass(ranges: (0, 1, 23, bound), minContrast: 24))
    #expect(!PatternMeasurer.quadrantsCannotPass(ranges: (30, 0, 0, 0), minContrast: 24))
    // A minContrast under the margin never skips.
    #expect(!PatternMeasurer.quadrantsCannotPass(ranges: (0, 0, 0, 0), minContrast: 0.01))
  }

  @Test("a quadrant's light - dark never exceeds its range by the skip margin")
  func earlyOutMargin() {
    // The proof's bound (light - dark <= range + 0.008) checked on quadrants built to round
    // badly: values near 255 and near 0 with fractional parts of 1/(256 s^2), all lengths.
    var g = SeededGenerator(seed: 11)
    var raw = [Float](repeating: 0, count: 1024)
    let zeros = [Float](repeating: 0, count: 16)
    var sums = [fs_pattern_quadrant_sums](repeating: fs_pattern_quadrant_sums(), count: 4)
    var worst: Float = -.infinity
    for trial in 0..<2000 {
      let top: Float = trial % 2 == 0 ? 255 : Float(g.next() % 256)
      let spread = Float(g.next() % 30)
      let step = 1 / Float(256 * 36)
      for i in 0..<1024 {
        let offset = Float(g.next() % UInt64(spread * 9216 + 1)) * step
        raw[i] = max(top - offset, 0)
      }
      zeros.withUnsafeBufferPointer { z in
        fs_pattern_quadrants(raw, z.baseAddress, z.baseAddress, z.baseAddress, z.baseAddress, &sums)
      }
      for q in 0..<4 {
        let s = sums[q]
        guard s.light_count > 0, s.dark_count > 0 else { continue }
        var lo = Float.infinity
        var hi = -Float.infinity
        for y in 0..<16 {
          for x in 0..<16 {
            let v = raw[(q / 2 * 16 + y) * 32 + q % 2 * 16 + x]
            lo = min(lo, v)
            hi = max(hi, v)
          }
        }
        worst = max(worst, s.light_sum / s.light_count - s.dark_sum / s.dark_count - (hi - lo))
      }
    }
    #expect(worst < 0.008, "\(worst)")
  }

  /// `fs_pattern_downscale` of `frame` against the block means summed pixel by pixel: every
  /// value, padding included, bit for bit.
  static func expectBoxFilter(
    _ frame: [UInt8], width: Int, height: Int, channels: Int, scale: Int, outWidth: Int,
    outHeight: Int, stride: Int, padded: Int, _ label: String
  ) {
    var out = [Float](repeating: -1, count: stride * padded)
    var scratch = [UInt32](repeating: 0, count: outWidth * scale * channels)
    let norm = 1 / Float(256 * scale * scale)
    fs_pattern_downscale(
      frame, Int32(width), Int32(channels), Int32(scale), Int32(outWidth), Int32(outHeight),
      Int32(stride), Int32(padded), norm, &out, &scratch)
    var wrong = 0
    for by in 0..<padded {
      for bx in 0..<stride {
        let (sx, sy) = (min(bx, outWidth - 1), min(by, outHeight - 1))
        var sums = [0, 0, 0]
        for y in (sy * scale)..<(sy * scale + scale) {
          for x in (sx * scale)..<(sx * scale + scale) {
            for c in 0..<channels { sums[c] += Int(frame[(y * width + x) * channels + c]) }
          }
        }
        let luma = channels == 3 ? 54 * sums[0] + 183 * sums[1] + 19 * sums[2] : 256 * sums[0]
        let expected = Float(luma) * norm
        if out[by * stride + bx].bitPattern != expected.bitPattern { wrong += 1 }
      }
    }
    #expect(wrong == 0, "\(label): \(wrong) of \(stride * padded) values differ")
  }

  @Test(
    "the box filter's 16- and 32-bit paths give the exact block means",
    arguments: [1, 5, 6, 257, 258, 300])
  func boxFilterScales(_ scale: Int) {
    var g = SeededGenerator(seed: UInt64(scale))
    let outWidth = 3
    let outHeight = 2
    let width = outWidth * scale + 1
    let height = outHeight * scale + 2
    for channels in [1, 3] {
      let frame = (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
      Self.expectBoxFilter(
        frame, width: width, height: height, channels: channels, scale: scale,
        outWidth: outWidth, outHeight: outHeight, stride: 5, padded: 4,
        "scale \(scale) channels \(channels)")
    }
  }

  /// The column sums run 32 bytes at a time with a byte-wise tail, the block loops are
  /// specialised for 12, 18, 24 and 36 column sums a block (and generic for the rest), and the
  /// 16-bit path ends at scale 128: odd frame sizes at those scales, random and all-255 pixels
  /// (the largest sums each path holds).
  @Test(
    "the box filter's column strips and block loops give the exact block means on odd sizes",
    arguments: [2, 3, 4, 6, 7, 8, 12, 13, 18, 36, 128, 129])
  func boxFilterOddSizes(_ scale: Int) {
    var g = SeededGenerator(seed: UInt64(1000 + scale))
    let outWidth = scale >= 100 ? 3 : 13
    let outHeight = scale >= 100 ? 2 : 5
    let width = outWidth * scale + 5
    let height = outHeight * scale + 1
    for channels in [1, 3] {
      let count = width * height * channels
      let noise = (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
      let white = [UInt8](repeating: 255, count: count)
      for (name, frame) in [("noise", noise), ("white", white)] {
        Self.expectBoxFilter(
          frame, width: width, height: height, channels: channels, scale: scale,
          outWidth: outWidth, outHeight: outHeight, stride: outWidth + 3, padded: outHeight + 2,
          "scale \(scale) channels \(channels) \(name)")
      }
    }
  }
}
