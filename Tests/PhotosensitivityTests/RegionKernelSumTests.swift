import CRegionSums
import Dispatch
import Frames
import TestSupport
import Testing

@testable import Photosensitivity

/// The C kernel's raw integer sums (`fs_region_sums`), path by path: every path this CPU runs
/// must give exactly the sums of a plain Swift loop over the pixels (and so of the scalar path),
/// on layouts chosen to hit every edge of the vector code: cells of every width from 1 to 41
/// pixels (odd widths cut the generic path's pixel pairs, widths that are no multiple of 8 or 16
/// leave the AVX2 path a scalar tail, boundaries cut 8- and 64-pixel groups), bands of 1, 2, 3 and
/// many rows (the AVX2 path takes two rows at a time), row padding (`stride` above `3 * width`),
/// random non-monotone tables with 0 and 65535 in them, saturated and red pixels, and with and
/// without the candela sum. The measures built on these sums are compared in RegionSumTests.
@Suite("Region kernel sums")
struct RegionKernelSumTests {
  /// Frame bytes: random colours, near-grays, saturated white and black, pure and near-threshold
  /// reds; row padding filled with random bytes the kernel must not read into any sum.
  static func frame(width: Int, height: Int, stride: Int, rng: inout SeededGenerator) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: stride * height)
    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
    for y in 0..<height {
      for x in 0..<width {
        let o = y * stride + 3 * x
        let v = UInt8(truncatingIfNeeded: rng.next())
        let (r, g, b): (UInt8, UInt8, UInt8)
        switch rng.next() % 12 {
        case 0..<4:
          (r, g, b) = (bytes[o], bytes[o + 1], bytes[o + 2])  // random
        case 4: (r, g, b) = (255, 255, 255)
        case 5: (r, g, b) = (0, 0, 0)
        case 6: (r, g, b) = (255, 0, 0)
        case 7:
          (r, g, b) = (
            200 &+ UInt8(rng.next() % 56), UInt8(rng.next() % 40), UInt8(rng.next() % 40)
          )
        case 8: (r, g, b) = (v, v / 3, v / 5)  // near the red threshold for some tables
        default:
          let n = UInt8(rng.next() % 9)
          (r, g, b) = (v, v > n ? v - n : 0, v > n ? v &- n / 2 : 0)
        }
        (bytes[o], bytes[o + 1], bytes[o + 2]) = (r, g, b)
      }
    }
    return bytes
  }

  /// Increasing bounds from 0 to `size` in `count` parts whose sizes cycle through `widths`
  /// (the last part takes the rest).
  static func bounds(size: Int, widths: [Int]) -> [Int32] {
    var b: [Int32] = [0]
    var i = 0
    while Int(b.last!) + widths[i % widths.count] < size {
      b.append(b.last! + Int32(widths[i % widths.count]))
      i += 1
    }
    b.append(Int32(size))
    return b
  }

  /// The sums by the definition in CRegionSums.h, one pixel at a time in Swift.
  static func expected(
    _ bytes: [UInt8], width: Int, height: Int, stride: Int, columns cb: [Int32], rows rb: [Int32],
    linear: [UInt16], candela: [UInt16]?
  ) -> [UInt64] {
    let n = Int(FS_REGION_SUMS)
    var sums = [UInt64](repeating: 0, count: (cb.count - 1) * (rb.count - 1) * n)
    for cy in 0..<(rb.count - 1) {
      for y in Int(rb[cy])..<Int(rb[cy + 1]) {
        for cx in 0..<(cb.count - 1) {
          let cell = (cy * (cb.count - 1) + cx) * n
          for x in Int(cb[cx])..<Int(cb[cx + 1]) {
            let o = y * stride + 3 * x
            let (r8, g8, b8) = (Int(bytes[o]), Int(bytes[o + 1]), Int(bytes[o + 2]))
            let (r, g, b) = (UInt64(linear[r8]), UInt64(linear[g8]), UInt64(linear[b8]))
            sums[cell + Int(FS_REGION_SUM_R)] += r
            sums[cell + Int(FS_REGION_SUM_G)] += g
            sums[cell + Int(FS_REGION_SUM_B)] += b
            if g + b <= r >> 2 { sums[cell + Int(FS_REGION_SUM_RED)] += r - g - b }
            if let candela {
              sums[cell + Int(FS_REGION_SUM_CANDELA)] += UInt64(
                candela[(54 * r8 + 183 * g8 + 19 * b8 + 128) >> 8])
            }
          }
        }
      }
    }
    return sums
  }

  static func kernelSums(
    _ kernel: RegionKernel, _ bytes: [UInt8], width: Int, height: Int, stride: Int,
    columns cb: [Int32], rows rb: [Int32], linear: [UInt16], candela: [UInt16]?
  ) -> [UInt64] {
    var sums = [UInt64](repeating: 0, count: (cb.count - 1) * (rb.count - 1) * Int(FS_REGION_SUMS))
    let path: Int32
    switch kernel {
    case .scalar: path = Int32(FS_REGION_PATH_SCALAR)
    case .generic: path = Int32(FS_REGION_PATH_GENERIC)
    case .avx2: path = Int32(FS_REGION_PATH_AVX2)
    case .avx512: path = Int32(FS_REGION_PATH_AVX512)
    }
    let status = bytes.withUnsafeBufferPointer { px in
      cb.withUnsafeBufferPointer { c in
        rb.withUnsafeBufferPointer { r in
          linear.withUnsafeBufferPointer { lin in
            (candela ?? []).withUnsafeBufferPointer { cd in
              sums.withUnsafeMutableBufferPointer { out in
                var layout = fs_region_layout(
                  width: Int32(width), height: Int32(height), columns: Int32(cb.count - 1),
                  rows: Int32(rb.count - 1), column_bounds: c.baseAddress, row_bounds: r.baseAddress
                )
                return fs_region_sums(
                  px.baseAddress, stride, &layout, lin.baseAddress,
                  candela == nil ? nil : cd.baseAddress, path, out.baseAddress)
              }
            }
          }
        }
      }
    }
    #expect(status == 0)
    return sums
  }

  static func table(_ rng: inout SeededGenerator) -> [UInt16] {
    var t = (0..<256).map { _ in UInt16(truncatingIfNeeded: rng.next()) }
    t[0] = 0
    t[255] = 65535
    t[17] = 65535
    t[200] = 0
    return t
  }

  /// (width, height, row padding bytes, cell widths cycled, band heights cycled)
  static let cases: [(Int, Int, Int, [Int], [Int])] = [
    (1920, 9, 0, [40], [4, 5]),
    (333, 12, 5, Array(1...41), [1, 2, 3, 6]),
    (257, 7, 3, [17, 23, 9, 31, 16, 8, 24, 25, 15], [7]),
    (1279, 6, 1, [26, 27, 27], [3, 3]),
    (97, 33, 0, [97], [33]),
    (8, 5, 7, [8], [1, 2, 2]),
    (7, 3, 0, [1, 2, 4], [1, 2]),
    (1, 1, 0, [1], [1]),
    (130, 2, 0, [64, 66], [2]),
  ]

  @Test("every path's sums equal the definition's, with and without candela", arguments: 0..<9)
  func agree(index: Int) {
    let (width, height, pad, widths, heights) = Self.cases[index]
    var rng = SeededGenerator(seed: UInt64(1000 + index))
    let stride = 3 * width + pad
    let bytes = Self.frame(width: width, height: height, stride: stride, rng: &rng)
    let cb = Self.bounds(size: width, widths: widths)
    let rb = Self.bounds(size: height, widths: heights)
    let linear = Self.table(&rng)
    for candela in [nil, Self.table(&rng)] as [[UInt16]?] {
      let want = Self.expected(
        bytes, width: width, height: height, stride: stride, columns: cb, rows: rb,
        linear: linear, candela: candela)
      #expect(want.contains { $0 > 0 })
      for kernel in RegionKernel.available {
        let got = Self.kernelSums(
          kernel, bytes, width: width, height: height, stride: stride, columns: cb, rows: rb,
          linear: linear, candela: candela)
        let first = got.indices.first { $0 >= want.count || got[$0] != want[$0] }
        #expect(
          got.count == want.count && first == nil,
          "\(width)x\(height)+\(pad), \(kernel), candela: \(candela != nil): sum \(first ?? -1) differs"
        )
      }
    }
  }

  /// A frame `width` (even) pixels wide whose pixel pairs (pixels 2k and 2k + 1 of a row) hold
  /// every pair of codes in each channel: pair j has R codes (j & 255, j >> 8), G (j >> 8,
  /// j & 255), B (j & 255 ^ 0x5a, j >> 8 ^ 0xa5); 65536 pairs, then pair j - 65536 again.
  static func everyPair(width: Int, height: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 3 * width * height)
    for p in 0..<(width * height / 2) {
      let j = p % 65536
      let (a, b) = (UInt8(j & 255), UInt8(j >> 8))
      let pixels: [(UInt8, UInt8, UInt8)] = [(a, b, a ^ 0x5a), (b, a, b ^ 0xa5)]
      for (h, px) in pixels.enumerated() {
        let o = 6 * p + 3 * h
        (bytes[o], bytes[o + 1], bytes[o + 2]) = px
      }
    }
    return bytes
  }

  /// The tables the region profiles use: sRGB's 16-bit linear values and a display model's
  /// candela table.
  static let production = ColorTables(displayModel: DisplayModel())

  /// Every pair of 8-bit codes in every channel, through the production tables (the sRGB table
  /// the AVX2 path's loaded channel and gathers read) and a random one, on cells whose widths
  /// keep the pairs (multiples of 16, 8 and 2) and ones that cut them (odd widths), in bands of
  /// 1, 2 and 3 rows.
  @Test(
    "every pair of codes in every channel, production and random tables", arguments: 0..<2)
  func everyPairOfCodes(layout: Int) {
    let (width, height) = (512, 256)
    let bytes = Self.everyPair(width: width, height: height)
    let cb = Self.bounds(size: width, widths: layout == 0 ? [64, 16, 8, 2, 30] : [13, 40, 7, 1])
    let rb = Self.bounds(size: height, widths: [2, 1, 3])
    var rng = SeededGenerator(seed: UInt64(500 + layout))
    let tables: [([UInt16], [UInt16])] = [
      (Self.production.linear16, Self.production.candela16), (Self.table(&rng), Self.table(&rng)),
    ]
    for (linear, cd) in tables {
      for candela in [nil, cd] as [[UInt16]?] {
        let want = Self.expected(
          bytes, width: width, height: height, stride: 3 * width, columns: cb, rows: rb,
          linear: linear, candela: candela)
        #expect(
          Swift.stride(from: Int(FS_REGION_SUM_RED), to: want.count, by: Int(FS_REGION_SUMS))
            .contains { want[$0] > 0 })
        for kernel in RegionKernel.available {
          let got = Self.kernelSums(
            kernel, bytes, width: width, height: height, stride: 3 * width, columns: cb, rows: rb,
            linear: linear, candela: candela)
          #expect(got == want, "\(kernel), layout \(layout), candela: \(candela != nil)")
        }
      }
    }
  }

  /// Random frame sizes (widths 1 to 300, so most are no multiple of 8 or 16), random cell
  /// widths and band heights, random row padding, with the production tables and random ones.
  @Test("random sizes, layouts and tables agree with the definition", arguments: 0..<12)
  func randomLayouts(seed: Int) {
    var rng = SeededGenerator(seed: UInt64(9000 + seed))
    let width = 1 + Int(rng.next() % 300)
    let height = 1 + Int(rng.next() % 9)
    let stride = 3 * width + Int(rng.next() % 7)
    let bytes = Self.frame(width: width, height: height, stride: stride, rng: &rng)
    let widths = (0..<(1 + Int(rng.next() % 6))).map { _ in 1 + Int(rng.next() % 70) }
    let heights = (0..<(1 + Int(rng.next() % 3))).map { _ in 1 + Int(rng.next() % 4) }
    let cb = Self.bounds(size: width, widths: widths)
    let rb = Self.bounds(size: height, widths: heights)
    let production = seed % 2 == 0
    let linear = production ? Self.production.linear16 : Self.table(&rng)
    let cd = production ? Self.production.candela16 : Self.table(&rng)
    for candela in [nil, cd] as [[UInt16]?] {
      let want = Self.expected(
        bytes, width: width, height: height, stride: stride, columns: cb, rows: rb,
        linear: linear, candela: candela)
      for kernel in RegionKernel.available {
        let got = Self.kernelSums(
          kernel, bytes, width: width, height: height, stride: stride, columns: cb, rows: rb,
          linear: linear, candela: candela)
        #expect(
          got == want,
          "\(width)x\(height), cells \(widths), bands \(heights), \(kernel), candela: \(candela != nil)"
        )
      }
    }
  }

  /// The vector paths keep their pair tables per distinct pair of 16-bit tables, for at most a
  /// few of them, and build them per call past that: many distinct tables, from many threads at
  /// once, must all give the definition's sums.
  @Test("many distinct tables, from several threads at once")
  func manyTables() {
    let (width, height) = (203, 6)
    var rng = SeededGenerator(seed: 77)
    let bytes = Self.frame(width: width, height: height, stride: 3 * width, rng: &rng)
    let cb = Self.bounds(size: width, widths: [40, 41])
    let rb = Self.bounds(size: height, widths: [3])
    let tables = (0..<24).map { _ in (Self.table(&rng), Self.table(&rng)) }
    let kernels = RegionKernel.available.filter { $0 != .scalar }
    let jobs = tables.count * kernels.count
    let results = Locked([Bool](repeating: false, count: jobs))
    DispatchQueue.concurrentPerform(iterations: jobs) { j in
      let (linear, candela) = tables[j % tables.count]
      let cd: [UInt16]? = j % 3 == 0 ? nil : candela
      let want = Self.expected(
        bytes, width: width, height: height, stride: 3 * width, columns: cb, rows: rb,
        linear: linear, candela: cd)
      let got = Self.kernelSums(
        kernels[j / tables.count], bytes, width: width, height: height, stride: 3 * width,
        columns: cb, rows: rb, linear: linear, candela: cd)
      results.withLock { $0[j] = got == want }
    }
    #expect(results.withLock { $0 } == [Bool](repeating: true, count: jobs))
  }
}
