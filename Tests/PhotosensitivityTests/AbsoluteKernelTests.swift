import CRegionSums
import Foundation
import Photosensitivity
import Testing

/// A small deterministic generator (SplitMix64), so a failing case can be run again.
private struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// One frame shape for the plane kernel: planes of random samples read through random tables, so
/// the clamps at both ends, the classic red test both ways and the HLG gain's upper clamp all run.
struct AbsoluteKernelCase: Sendable, CustomTestStringConvertible {
  var width: Int
  var height: Int
  /// Column and row cuts of the cells (first 0, last width / height; equal neighbours are empty
  /// cells).
  var columnBounds: [Int32]
  var rowBounds: [Int32]
  var rgb16 = false
  var chroma = (x: 1, y: 1)
  var depth = 10
  var shift = 0
  /// Samples from one pixel to the next (YUV planes).
  var step = 1
  var hlg = false
  var classic = false
  var seed: UInt64 = 1

  var testDescription: String {
    "\(width)x\(height) \(columnBounds.count - 1)x\(rowBounds.count - 1) cells "
      + (rgb16 ? "rgb16" : "yuv \(depth)-bit chroma \(chroma) shift \(shift) step \(step)")
      + (hlg ? " hlg" : " pq") + (classic ? " classic red" : "")
  }

  static func even(_ count: Int, _ length: Int) -> [Int32] {
    (0...count).map { Int32($0 * length / count) }
  }
}

private let kernelCases: [AbsoluteKernelCase] = [
  // 4:2:0 10-bit, odd width and height, rows not a multiple of the kernel's 4-row groups.
  AbsoluteKernelCase(
    width: 67, height: 35, columnBounds: AbsoluteKernelCase.even(5, 67),
    rowBounds: AbsoluteKernelCase.even(3, 35)),
  AbsoluteKernelCase(
    width: 67, height: 35, columnBounds: AbsoluteKernelCase.even(5, 67),
    rowBounds: AbsoluteKernelCase.even(3, 35), classic: true, seed: 2),
  AbsoluteKernelCase(
    width: 66, height: 37, columnBounds: AbsoluteKernelCase.even(7, 66),
    rowBounds: AbsoluteKernelCase.even(9, 37), hlg: true, seed: 3),
  AbsoluteKernelCase(
    width: 45, height: 31, columnBounds: AbsoluteKernelCase.even(4, 45),
    rowBounds: AbsoluteKernelCase.even(6, 31), chroma: (1, 0), depth: 12, hlg: true,
    classic: true, seed: 4),
  // 4:4:4 12-bit, samples in the high bits (as P010-style formats), interleaved planes.
  AbsoluteKernelCase(
    width: 41, height: 29, columnBounds: AbsoluteKernelCase.even(3, 41),
    rowBounds: AbsoluteKernelCase.even(5, 29), chroma: (0, 0), depth: 12, shift: 4, step: 3,
    classic: true, seed: 5),
  // Chroma shared by four rows; empty cells and bands; one-pixel columns.
  AbsoluteKernelCase(
    width: 33, height: 18, columnBounds: [0, 1, 1, 2, 17, 33], rowBounds: [0, 0, 1, 6, 6, 18],
    chroma: (1, 2), shift: 6, seed: 6),
  // 1 pixel wide, 1 row high, 2 and 3 rows (fewer rows than a group).
  AbsoluteKernelCase(width: 1, height: 7, columnBounds: [0, 1], rowBounds: [0, 3, 7], seed: 7),
  AbsoluteKernelCase(
    width: 9, height: 1, columnBounds: [0, 4, 9], rowBounds: [0, 1], classic: true, seed: 8),
  AbsoluteKernelCase(
    width: 5, height: 2, columnBounds: [0, 5], rowBounds: [0, 2], hlg: true, seed: 9),
  AbsoluteKernelCase(
    width: 8, height: 3, columnBounds: [0, 3, 8], rowBounds: [0, 1, 3], chroma: (0, 1), seed: 10),
  // 16-bit RGB rows (the decoder's converted frames), padded row stride.
  AbsoluteKernelCase(
    width: 53, height: 23, columnBounds: AbsoluteKernelCase.even(6, 53),
    rowBounds: AbsoluteKernelCase.even(4, 23), rgb16: true, classic: true, seed: 11),
  AbsoluteKernelCase(
    width: 30, height: 13, columnBounds: AbsoluteKernelCase.even(3, 30),
    rowBounds: AbsoluteKernelCase.even(13, 13), rgb16: true, hlg: true, classic: true, seed: 12),
  // A 1080p-shaped band layout (48 x 48 cells of 40 x 22-23 pixels) on a narrower frame.
  AbsoluteKernelCase(
    width: 480, height: 67, columnBounds: AbsoluteKernelCase.even(12, 480),
    rowBounds: AbsoluteKernelCase.even(3, 67), classic: true, seed: 13),
]

/// The bt1702 profile's plane kernel (`fs_absolute_sums`): every path this CPU runs (the
/// row-group code, portable and AVX2) gives the sums of the reference loop, one row and one
/// pixel at a time (FS_REGION_PATH_SCALAR), to the bit. (SourcePlanesTests compares the kernel
/// with the Swift loop over 16-bit RGB frames on real clips.)
@Suite struct AbsoluteKernelTests {
  /// The sums of `testCase` through `path` (nil when this CPU cannot run it).
  static func sums(_ testCase: AbsoluteKernelCase, path: Int32) -> [Double]? {
    var rng = SplitMix(state: testCase.seed)
    let width = testCase.width
    let height = testCase.height
    let chromaWidth = (width + (1 << testCase.chroma.x) - 1) >> testCase.chroma.x
    let chromaHeight = (height + (1 << testCase.chroma.y) - 1) >> testCase.chroma.y
    // Row strides in samples, padded; the padding holds random samples too.
    let lumaStride = testCase.rgb16 ? 3 * width + 2 : width * testCase.step + 3
    let chromaStride = chromaWidth * testCase.step + 1
    func plane(_ count: Int) -> [UInt16] {
      (0..<count).map { _ in UInt16.random(in: 0...65535, using: &rng) }
    }
    let y = plane(lumaStride * height + testCase.step)
    let u = plane(chromaStride * chromaHeight + testCase.step)
    let v = plane(chromaStride * chromaHeight + testCase.step)
    // Conversion tables within the kernel's stated range (4 x 65535 in 1/256 steps, either sign).
    let limit = Int32(4 * 65535 * 256)
    func table() -> [Int32] {
      (0..<(1 << testCase.depth)).map { _ in Int32.random(in: -limit...limit, using: &rng) }
    }
    let tables = (0..<5).map { _ in table() }
    // Display light over many orders of magnitude (2^-86 to 2^86): one component often
    // dominates, and the cells' Double sums round, so their order of additions shows in the bits.
    let component = (0..<65536).map { _ in Float.random(in: -60...60, using: &rng) }.map { exp($0) }
    let gain = (0..<65536).map { i in i == 0 ? 0 : Float.random(in: 0.5...1200, using: &rng) }
    var sums = [Double](
      repeating: 0, count: (testCase.columnBounds.count - 1) * (testCase.rowBounds.count - 1) * 5)
    var scratch = [Int32](repeating: 0, count: Int(fs_absolute_scratch_count(Int32(width))))
    var status: Int32 = 0
    y.withUnsafeBufferPointer { yp in
      u.withUnsafeBufferPointer { up in
        v.withUnsafeBufferPointer { vp in
          tables[0].withUnsafeBufferPointer { t0 in
            tables[1].withUnsafeBufferPointer { t1 in
              tables[2].withUnsafeBufferPointer { t2 in
                tables[3].withUnsafeBufferPointer { t3 in
                  tables[4].withUnsafeBufferPointer { t4 in
                    component.withUnsafeBufferPointer { lut in
                      gain.withUnsafeBufferPointer { g in
                        testCase.columnBounds.withUnsafeBufferPointer { cb in
                          testCase.rowBounds.withUnsafeBufferPointer { rb in
                            var layout = fs_region_layout(
                              width: Int32(width), height: Int32(height),
                              columns: Int32(cb.count - 1), rows: Int32(rb.count - 1),
                              column_bounds: cb.baseAddress, row_bounds: rb.baseAddress)
                            var frame = fs_plane_frame(
                              kind: testCase.rgb16 ? Int32(FS_PLANES_RGB16) : Int32(FS_PLANES_YUV),
                              width: Int32(width), height: Int32(height),
                              planes: (yp.baseAddress, up.baseAddress, vp.baseAddress),
                              strides: (2 * lumaStride, 2 * chromaStride, 2 * chromaStride),
                              steps: (
                                Int32(testCase.step), Int32(testCase.step), Int32(testCase.step)
                              ),
                              shift: Int32(testCase.shift), depth: Int32(testCase.depth),
                              chroma_x: Int32(testCase.chroma.x),
                              chroma_y: Int32(testCase.chroma.y),
                              y: t0.baseAddress, cr_r: t1.baseAddress, cr_g: t2.baseAddress,
                              cb_g: t3.baseAddress, cb_b: t4.baseAddress)
                            var params = fs_absolute_params(
                              component: lut.baseAddress,
                              hlg_gain: testCase.hlg ? g.baseAddress : nil,
                              wr: 0.2627, wg: 0.678, wb: 0.0593,
                              classic: testCase.classic ? 1 : 0, ratio: 0.8,
                              to_relative: 1 / 203)
                            status = scratch.withUnsafeMutableBufferPointer { s in
                              sums.withUnsafeMutableBufferPointer { out in
                                fs_absolute_sums(
                                  &frame, &layout, &params, path, s.baseAddress, out.baseAddress)
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return status == 0 ? sums : nil
  }

  @Test(
    "every path gives the reference loop's sums, bit for bit", arguments: kernelCases)
  func pathsMatchReference(_ testCase: AbsoluteKernelCase) throws {
    let reference = try #require(Self.sums(testCase, path: Int32(FS_REGION_PATH_SCALAR)))
    #expect(reference.contains { $0 > 0 })
    if testCase.classic {
      // The red sums are not all zero (the test is taken for some pixels) ...
      #expect(stride(from: 4, to: reference.count, by: 5).contains { reference[$0] > 0 })
    }
    for kernel in RegionKernel.available where kernel != .scalar {
      let sums = try #require(Self.sums(testCase, path: Self.path(kernel)), "\(kernel)")
      #expect(sums.map(\.bitPattern) == reference.map(\.bitPattern), "\(kernel)")
    }
  }

  /// A path this CPU cannot run reports it and adds nothing; every other path runs.
  @Test func unavailablePathsReport() {
    for kernel in RegionKernel.allCases {
      #expect((Self.sums(kernelCases[0], path: Self.path(kernel)) != nil) == kernel.isAvailable)
    }
  }

  static func path(_ kernel: RegionKernel) -> Int32 {
    switch kernel {
    case .scalar: return Int32(FS_REGION_PATH_SCALAR)
    case .generic: return Int32(FS_REGION_PATH_GENERIC)
    case .avx2: return Int32(FS_REGION_PATH_AVX2)
    case .avx512: return Int32(FS_REGION_PATH_AVX512)
    }
  }
}
