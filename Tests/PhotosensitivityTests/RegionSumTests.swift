import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import TestSupport
import Testing

/// The region profiles' per-cell means come from the C kernel's integer sums of 16-bit
/// fixed-point values (Docs/Photosensitivity.md, "Region sums"): every kernel this CPU runs
/// (`RegionKernel.available`: scalar, generic, and AVX2 / AVX-512 VBMI when present) must give
/// measures identical to the scalar reference, and those must equal the formulas within the
/// fixed point's rounding.
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
  /// (1280 / 48 = 26.67), cells narrower than 8 pixels, widths that are no multiple of 8 or 64,
  /// odd grids (7 x 5, 13 x 11, 3 x 1), single-pixel frames, rows and columns.
  static let sizes: [(Int, Int, Int, Int)] = [
    (1920, 24, 48, 2), (1280, 30, 48, 3), (333, 17, 48, 5), (64, 9, 8, 3), (200, 40, 7, 4),
    (130, 5, 48, 1), (1, 1, 48, 48), (1, 1, 1, 1), (71, 1, 13, 11), (1, 37, 3, 7), (127, 13, 7, 5),
    (65, 3, 3, 1), (1919, 11, 13, 11), (9, 9, 9, 9),
  ]

  @Test("the kernels this CPU runs are known, and the best one is among them")
  func kernels() {
    let available = RegionKernel.available
    #expect(available.first == .scalar)
    #expect(available.contains(.generic), "the portable path runs everywhere")
    #expect(available.contains(RegionKernel.best))
    #expect(RegionKernel.best != .scalar)
    #if !arch(x86_64)
      #expect(available == [.scalar, .generic], "AVX2 and AVX-512 exist only on x86-64")
    #endif
  }

  @Test(
    "every kernel this CPU runs equals the scalar reference, and the formulas", arguments: sizes)
  func agree(width: Int, height: Int, columns: Int, rows: Int) throws {
    for profile in [AnalysisParameters.wcag, .ofcom] {
      var p = profile
      p.gridColumns = columns
      p.gridRows = rows
      let frames = Self.frames(
        width: width, height: height, count: 2, seed: UInt64(width * 31 + height))
      let chunk = FrameChunk(frames: frames, times: [0, 0.04], firstIndex: 0)
      let scalar = try PhotosensitivityMeasurer(
        width: width, height: height, parameters: p, kernel: .scalar
      ).measure(ChunkWindow(chunk: chunk, previous: nil))
      for kernel in RegionKernel.available where kernel != .scalar {
        let measurer = PhotosensitivityMeasurer(
          width: width, height: height, parameters: p, kernel: kernel)
        #expect(measurer.kernel == kernel)
        let other = try measurer.measure(ChunkWindow(chunk: chunk, previous: nil))
        #expect(
          other == scalar, "\(width)x\(height), \(columns)x\(rows) cells, \(p.profile), \(kernel)")
      }
      // Against the formulas in Double: each pixel's 16-bit value is within 0.5/65535 of its
      // linear value, so a cell mean is too (plus Float rounding).
      let grid = RegionGrid(width: width, height: height, parameters: p)
      let candela = p.luminanceScale == .candelaPerSquareMetre
      for (f, m) in scalar.enumerated() {
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

  /// A band whose cells are long enough that the vector kernels' 32-bit lane counters must go to
  /// the 64-bit sums on the way (1024 x 600 in one cell: 76,800 additions of up to 65,535 per
  /// AVX2 lane), on white pixels, the largest values, with some noise.
  @Test("long cells of white pixels: no kernel's counters overflow")
  func longCells() throws {
    let (width, height) = (1024, 600)
    var rng = SeededGenerator(seed: 17)
    var bytes = [UInt8](repeating: 255, count: width * height * 3)
    for i in stride(from: 0, to: bytes.count, by: 97) {
      bytes[i] = UInt8(truncatingIfNeeded: rng.next())
    }
    let chunk = FrameChunk(
      frames: Tensor(shape: [1, height, width, 3], storage: bytes), times: [0], firstIndex: 0)
    for (columns, rows) in [(1, 1), (2, 1)] {
      var p = AnalysisParameters.ofcom
      p.gridColumns = columns
      p.gridRows = rows
      let scalar = try PhotosensitivityMeasurer(
        width: width, height: height, parameters: p, kernel: .scalar
      ).measure(ChunkWindow(chunk: chunk, previous: nil))
      #expect(scalar[0].cellLinearRGB[1] > 0.99)
      for kernel in RegionKernel.available where kernel != .scalar {
        let other = try PhotosensitivityMeasurer(
          width: width, height: height, parameters: p, kernel: kernel
        ).measure(ChunkWindow(chunk: chunk, previous: nil))
        #expect(other == scalar, "\(columns)x\(rows) cells, \(kernel)")
      }
    }
  }

  /// `FLASHSCAN_CPU`: a path this CPU runs is taken; no value is the best path; an unknown value
  /// or a path this CPU lacks is named in the warning and the best path runs.
  @Test("FLASHSCAN_CPU values")
  func environmentValues() {
    let best = RegionKernel.best
    for value in [nil, ""] as [String?] {
      let c = RegionKernel.choice(forEnvironmentValue: value)
      #expect(c.kernel == best && c.warning == nil)
    }
    for kernel in RegionKernel.environmentValues {
      let c = RegionKernel.choice(forEnvironmentValue: kernel.rawValue)
      if kernel.isAvailable {
        #expect(c.kernel == kernel && c.warning == nil)
      } else {
        #expect(c.kernel == best)
        let warning = c.warning ?? ""
        #expect(warning.contains("FLASHSCAN_CPU=\(kernel)") && warning.contains("using \(best)"))
      }
    }
    #expect(RegionKernel.choice(forEnvironmentValue: "generic").kernel == .generic)
    for bad in ["scalar", "AVX2", "neon", "avx2 "] {
      let c = RegionKernel.choice(forEnvironmentValue: bad)
      #expect(c.kernel == best)
      #expect(c.warning?.contains("FLASHSCAN_CPU=\(bad) is not a kernel path") == true)
    }
  }
}
