import CRegionSums
import Foundation
import FrameTensor
import Frames

/// The lookup tables of the bt1702 profile's per-pixel work, built once per measurer and shared
/// read-only across the worker threads.
struct AbsoluteTables: Sendable {
  let transfer: SignalTransfer
  let weights: (r: Float, g: Float, b: Float)
  let sdrPeak: Double
  /// Per 8-bit (256) and 16-bit (65,536) sample: display light in cd/m2 of that component (SDR,
  /// PQ), or normalised scene light (HLG, before the OOTF).
  let component8: [Float]
  let component16: [Float]
  /// HLG: the OOTF's gain `Lw * Ys^(gamma - 1)` at `Ys = i / 65535` (empty otherwise).
  let hlgGain: [Float]

  init(model: BT1702DisplayModel, color: ColorFacts, highPrecision: Bool) {
    let transfer = SignalTransfer(color)
    self.transfer = transfer
    let w = LuminanceWeights(color)
    weights = (Float(w.r), Float(w.g), Float(w.b))
    sdrPeak = model.sdrPeak
    func component(_ v: Double) -> Float {
      switch transfer {
      case .sdr: return Float(model.sdrPeak * pow(v, model.sdrExponent))
      case .pq: return Float(HDRTransfer.pqEOTF(v))
      case .hlg: return Float(HDRTransfer.hlgInverseOETF(v))
      }
    }
    component8 = (0...255).map { component(Double($0) / 255) }
    component16 = highPrecision ? (0...65535).map { component(Double($0) / 65535) } : []
    if transfer == .hlg {
      let exponent = HDRTransfer.hlgSystemGamma(peak: model.hlgPeak) - 1
      hlgGain = (0...65535).map {
        $0 == 0 ? 0 : Float(model.hlgPeak * pow(Double($0) / 65535, exponent))
      }
    } else {
      hlgGain = []
    }
  }
}

extension PhotosensitivityMeasurer {
  /// bt1702: per cell the mean display light of R, G, B (as `cellLinearRGB`, relative to the
  /// SDR white of 200 cd/m2), the mean luminance in cd/m2 (`cellCandela`), the classic red value
  /// when asked for, and the frame's mean cd/m2. Reads the chunk's 16-bit frames when it has
  /// them (sources above 8 bits): the decoder's planes (`FrameChunk.sourcePlanes`, converted
  /// here a row at a time by the C kernel, with the same results) or 16-bit RGB
  /// (`FrameChunk.highPrecision`); else its rgb24 frames.
  func measureAbsolute(
    _ chunk: FrameChunk, tables: AbsoluteTables, into measures: inout [FrameMeasure]
  ) throws {
    let pixels = grid.width * grid.height * 3
    if let planes = chunk.sourcePlanes {
      guard !tables.component16.isEmpty else {
        throw PhotosensitivityError.frameMismatch(
          frame: chunk.firstIndex,
          reason: "source planes given for a \(color.bitDepth)-bit video")
      }
      guard planes.frames.count == chunk.count,
        planes.frames.allSatisfy({ $0.width == grid.width && $0.height == grid.height })
      else {
        throw PhotosensitivityError.frameMismatch(
          frame: chunk.firstIndex, reason: "the source planes have another shape than the chunk")
      }
      for i in 0..<chunk.count {
        planeSums(planes.frames[i], tables: tables, into: &measures[i])
      }
      withExtendedLifetime(planes) {}
      return
    }
    if let deep = chunk.highPrecision {
      guard !tables.component16.isEmpty else {
        throw PhotosensitivityError.frameMismatch(
          frame: chunk.firstIndex,
          reason: "16-bit frames given for a \(color.bitDepth)-bit video")
      }
      guard deep.shape == [chunk.count, grid.height, grid.width, 3] else {
        throw PhotosensitivityError.frameMismatch(
          frame: chunk.firstIndex, reason: "the 16-bit frames have another shape than the chunk")
      }
      deep.withUnsafeBufferPointer { buffer in
        tables.component16.withUnsafeBufferPointer { lut in
          for i in 0..<chunk.count {
            absoluteSums(
              buffer.baseAddress! + i * pixels, lut: lut.baseAddress!, tables: tables,
              into: &measures[i])
          }
        }
      }
    } else {
      chunk.frames.withUnsafeBufferPointer { buffer in
        tables.component8.withUnsafeBufferPointer { lut in
          for i in 0..<chunk.count {
            absoluteSums(
              buffer.baseAddress! + i * pixels, lut: lut.baseAddress!, tables: tables,
              into: &measures[i])
          }
        }
      }
    }
  }

  /// One frame of decoded planes through the C kernel (`fs_absolute_sums`, the measurer's
  /// `kernel` path): the same Float operations, in the same order, as `absoluteSums` on the
  /// frame's 16-bit RGB.
  private func planeSums(_ frame: PlaneFrame, tables: AbsoluteTables, into m: inout FrameMeasure) {
    var sums = [Double](repeating: 0, count: grid.cellCount * 5)
    let scratchCount = Int(fs_absolute_scratch_count(Int32(grid.width)))
    precondition(scratchCount >= 0, "frame too wide for the plane kernel")
    var scratch = [Int32](repeating: 0, count: scratchCount)
    let empty: [Int32] = [0]
    let conversion = frame.conversion
    func table(_ t: [Int32]?, _ body: (UnsafePointer<Int32>) -> Void) {
      (t ?? empty).withUnsafeBufferPointer { body($0.baseAddress!) }
    }
    let status = grid.columnBounds32.withUnsafeBufferPointer { cb in
      grid.rowBounds32.withUnsafeBufferPointer { rb in
        tables.component16.withUnsafeBufferPointer { lut in
          tables.hlgGain.withUnsafeBufferPointer { gain in
            var result: Int32 = -1
            table(conversion?.y) { y in
              table(conversion?.crR) { crR in
                table(conversion?.crG) { crG in
                  table(conversion?.cbG) { cbG in
                    table(conversion?.cbB) { cbB in
                      var layout = fs_region_layout(
                        width: Int32(grid.width), height: Int32(grid.height),
                        columns: Int32(grid.columns), rows: Int32(grid.rows),
                        column_bounds: cb.baseAddress, row_bounds: rb.baseAddress)
                      let p = frame.planes.map { $0.assumingMemoryBound(to: UInt16.self) }
                      var f = fs_plane_frame(
                        kind: frame.kind == .yuv ? Int32(FS_PLANES_YUV) : Int32(FS_PLANES_RGB16),
                        width: Int32(frame.width), height: Int32(frame.height),
                        planes: (p[0], p[1], p[2]),
                        strides: (frame.strides[0], frame.strides[1], frame.strides[2]),
                        steps: (
                          Int32(frame.steps[0]), Int32(frame.steps[1]), Int32(frame.steps[2])
                        ),
                        shift: Int32(frame.shift), depth: Int32(conversion?.depth ?? 16),
                        chroma_x: Int32(frame.chromaShift.x), chroma_y: Int32(frame.chromaShift.y),
                        y: y, cr_r: crR, cr_g: crG, cb_g: cbG, cb_b: cbB)
                      var params = fs_absolute_params(
                        component: lut.baseAddress,
                        hlg_gain: tables.transfer == .hlg ? gain.baseAddress : nil,
                        wr: tables.weights.r, wg: tables.weights.g, wb: tables.weights.b,
                        classic: parameters.redRules.contains(.classic) ? 1 : 0,
                        ratio: Float(parameters.redSaturationRatio),
                        to_relative: Float(1 / tables.sdrPeak))
                      result = scratch.withUnsafeMutableBufferPointer { s in
                        sums.withUnsafeMutableBufferPointer { out in
                          fs_absolute_sums(
                            &f, &layout, &params, kernel.cValue, s.baseAddress, out.baseAddress)
                        }
                      }
                    }
                  }
                }
              }
            }
            return result
          }
        }
      }
    }
    precondition(status == 0, "measuring a frame failed")
    finishAbsolute(sums, tables: tables, into: &m)
  }

  /// One frame of packed RGB samples (8 or 16 bits) through the component table.
  @inline(__always)
  private func absoluteSums<T: FixedWidthInteger & UnsignedInteger>(
    _ frame: UnsafePointer<T>, lut: UnsafePointer<Float>, tables: AbsoluteTables,
    into m: inout FrameMeasure
  ) {
    let cells = grid.cellCount
    let columns = grid.columns
    let classic = parameters.redRules.contains(.classic)
    let ratio = Float(parameters.redSaturationRatio)
    let (wr, wg, wb) = tables.weights
    let hlg = tables.transfer == .hlg
    let toRelative = Float(1 / tables.sdrPeak)
    // Per cell: R, G, B, Y, red.
    var sums = [Double](repeating: 0, count: cells * 5)
    tables.hlgGain.withUnsafeBufferPointer { gainBuffer in
      let gain = gainBuffer.baseAddress
      for cy in 0..<grid.rows {
        for y in grid.rowBounds[cy]..<grid.rowBounds[cy + 1] {
          let row = frame + y * grid.width * 3
          for cx in 0..<columns {
            var sr: Float = 0
            var sg: Float = 0
            var sb: Float = 0
            var sy: Float = 0
            var sred: Float = 0
            for x in grid.columnBounds[cx]..<grid.columnBounds[cx + 1] {
              let o = x * 3
              var r = lut[Int(row[o])]
              var g = lut[Int(row[o + 1])]
              var b = lut[Int(row[o + 2])]
              var l = wr * r + wg * g + wb * b
              if hlg, let gain {
                let k = gain[min(Int(l * 65535 + 0.5), 65535)]
                r *= k
                g *= k
                b *= k
                l *= k
              }
              sr += r
              sg += g
              sb += b
              sy += l
              if classic && r > g && r > b {
                let s = r + g + b
                if r >= ratio * s { sred += max((r - g - b) * toRelative * 320, 0) }
              }
            }
            let c = (cy * columns + cx) * 5
            sums[c] += Double(sr)
            sums[c + 1] += Double(sg)
            sums[c + 2] += Double(sb)
            sums[c + 3] += Double(sy)
            sums[c + 4] += Double(sred)
          }
        }
      }
    }
    finishAbsolute(sums, tables: tables, into: &m)
  }

  /// Per cell the means of the sums (R, G, B, Y, red per cell) and the frame's mean cd/m2.
  private func finishAbsolute(_ sums: [Double], tables: AbsoluteTables, into m: inout FrameMeasure)
  {
    let cells = grid.cellCount
    var rgb = [Float](repeating: 0, count: cells * 3)
    var red = [Float](repeating: 0, count: cells)
    var cd = [Float](repeating: 0, count: cells)
    var total = 0.0
    for c in 0..<cells {
      let area = Double(grid.cellArea(c))
      let unit = area > 0 ? 1 / area : 0
      rgb[c * 3] = Float(sums[c * 5] * unit / tables.sdrPeak)
      rgb[c * 3 + 1] = Float(sums[c * 5 + 1] * unit / tables.sdrPeak)
      rgb[c * 3 + 2] = Float(sums[c * 5 + 2] * unit / tables.sdrPeak)
      cd[c] = Float(sums[c * 5 + 3] * unit)
      red[c] = Float(sums[c * 5 + 4] * unit)
      total += sums[c * 5 + 3]
    }
    m.cellLinearRGB = rgb
    m.cellRed = red
    m.cellCandela = cd
    m.meanCandela = total / Double(grid.width * grid.height)
  }
}
