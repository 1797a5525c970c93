import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import TestSupport
import Testing

/// The region profiles' per-cell means come from the C kernel's integer sums of 16-bit
/// fixed-point values (Docs/Photosensitivity.md, "Region sums"): the vector path (AVX-512 VBMI,
/// when this CPU has it) and the scalar path must give identical measures, and both must equal
/// the formulas within the fixed point's rounding.
@Suite("Region sums")
struct RegionSumTests {
  /// Frames whose pixels mix random colours, near-grays with noise (most 64-pixel blocks then
  /// have no red candidate) and saturated reds, so every branch of the kernel runs.
  static func frames(width: Int, height: Int, count: Int, seed: UInt64) -> Tensor<UInt8> {
    var rng = SeededGenerator(seed: seed)
    var bytes = [UInt8](repeating: 0, count: width * height * 3 * count)
    for p in 0..<(width * height * count) {
      let kind = rng.next() % 10
      let v = UInt8(truncatingIfNeeded: rng.next())
      let n = UInt8(truncatingIfNeeded: rng.next() % 9)
      let (r, g, b): (UInt8, UInt8, UInt8)
      switch kind {
      case 0..<3:
        (r, g, b) = (
          UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()),
          UInt8(truncatingIfNeeded: rng.next())
        )
      case 3:
        (r, g, b) = (
          200 + UInt8(rng.next() % 56), UInt8(rng.next() % 40), UInt8(rng.next() % 40)
        )
      default:
        (r, g, b) = (v, v > n ? v - n : 0, v > n ? v &- n / 2 : 0)
      }
      (bytes[3 * p], bytes[3 * p + 1], bytes[3 * p + 2]) = (r, g, b)
    }
    return Tensor(shape: [count, height, width, 3], storage: bytes)
  }

  /// Sizes: whole and partial 64-pixel blocks, cells whose boundaries cut 8-pixel groups
  /// (1280 / 48 = 26.67), cells narrower than 8 pixels (the scalar path), 1 x 1 frames.
  @Test(
    "vector and scalar paths agree, and equal the formulas",
    arguments: [
      (1920, 24, 48, 2), (1280, 30, 48, 3), (333, 17, 48, 5), (64, 9, 8, 3), (200, 40, 7, 4),
      (130, 5, 48, 1), (1, 1, 48, 48),
    ])
  func agree(width: Int, height: Int, columns: Int, rows: Int) throws {
    for profile in [AnalysisParameters.wcag, .ofcom] {
      var p = profile
      p.gridColumns = columns
      p.gridRows = rows
      let frames = Self.frames(
        width: width, height: height, count: 2, seed: UInt64(width * 31 + height))
      let chunk = FrameChunk(frames: frames, times: [0, 0.04], firstIndex: 0)
      let simd = try PhotosensitivityMeasurer(width: width, height: height, parameters: p)
        .measure(ChunkWindow(chunk: chunk, previous: nil))
      let scalar = try PhotosensitivityMeasurer(
        width: width, height: height, parameters: p, allowSIMD: false
      ).measure(ChunkWindow(chunk: chunk, previous: nil))
      #expect(
        simd == scalar,
        "\(width)x\(height), \(columns)x\(rows) cells, \(p.profile); vector path on this CPU: \(PhotosensitivityMeasurer.simdAvailable)"
      )

      // Against the formulas in Double: each pixel's 16-bit value is within 0.5/65535 of its
      // linear value, so a cell mean is too (plus Float rounding).
      let grid = RegionGrid(width: width, height: height, parameters: p)
      let candela = p.luminanceScale == .candelaPerSquareMetre
      for (f, m) in simd.enumerated() {
        for c in 0..<grid.cellCount {
          let rect = grid.cellRect(c)
          var sum = [0.0, 0.0, 0.0]
          var red = 0.0  // pixels clearly red
          var ambiguous = 0.0  // pixels within the fixed point's rounding of the 0.8 ratio
          var cd = 0.0
          for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) {
              let o = ((f * height + y) * width + x) * 3
              let (r8, g8, b8) = (frames.storage[o], frames.storage[o + 1], frames.storage[o + 2])
              let (r, g, b) = (
                Colorimetry.linear(r8), Colorimetry.linear(g8), Colorimetry.linear(b8)
              )
              sum[0] += r
              sum[1] += g
              sum[2] += b
              let s = r + g + b
              if s > 0 && r / s >= 0.8 + 1e-3 {
                red += Colorimetry.redValue(r: r, g: g, b: b)
              } else if s > 0 && r / s > 0.8 - 1e-3 {
                ambiguous += Colorimetry.redValue(r: r, g: g, b: b, ratio: 0)
              }
              cd += p.displayModel.candela(luma: Double(Colorimetry.luma(r8, g8, b8)))
            }
          }
          let area = Double(rect.width * rect.height)
          for k in 0..<3 {
            #expect(abs(Double(m.cellLinearRGB[c * 3 + k]) - sum[k] / area) <= 1e-5)
          }
          // Each red pixel's value is within 1.5/65535 of 320 (R - G - B) in the fixed point.
          let tolerance = 320 * 1.5 / 65535
          #expect(Double(m.cellRed[c]) >= red / area - tolerance)
          #expect(Double(m.cellRed[c]) <= (red + ambiguous) / area + tolerance)
          if candela {
            let white = p.displayModel.candela(luma: 255)
            #expect(abs(Double(m.cellCandela[c]) - cd / area) <= white * 1e-5)
          }
        }
      }
    }
  }
}
