import CRegionSums
import FrameTensor
import Frames

/// What the per-chunk step extracts from one frame: everything the sequential analysis needs,
/// so the pixels themselves can be dropped.
public struct FrameMeasure: Sendable, Equatable {
  /// Frame index in the stream (presentation order, from 0).
  public var index: Int
  /// Presentation time in seconds.
  public var time: Double
  /// The profile it was measured for (the analyser checks it matches its own).
  public var profile: Profile
  /// Region profiles (wcag, ofcom): per cell the mean linear R, G, B, interleaved (3 per cell);
  /// bt1702: the mean display light of R, G, B in units of its 200 cd/m2 SDR white.
  public var cellLinearRGB: [Float]
  /// Per cell the mean classic red value (0...320).
  public var cellRed: [Float]
  /// Ofcom: per cell the mean cd/m2 of the display model.
  public var cellCandela: [Float]
  /// IRIS: whole-frame mean of IRIS's float luminance image and red image.
  public var luminanceMean: Float
  public var redMean: Float
  /// IRIS: pixels whose luminance (red) value differs at all from the previous frame's.
  public var luminanceChanged: Int
  public var redChanged: Int
  /// The frame's mean luminance in cd/m2 under the profile's display model (`LuminanceModel`):
  /// the frames CSV's `luminance_cd_m2`. Not used by the flash rules.
  public var meanCandela: Double

  public init(index: Int, time: Double, profile: Profile) {
    self.index = index
    self.time = time
    self.profile = profile
    cellLinearRGB = []
    cellRed = []
    cellCandela = []
    luminanceMean = 0
    redMean = 0
    luminanceChanged = 0
    redChanged = 0
    meanCandela = 0
  }
}

/// The pure, per-chunk half of the analysis (docs/photosensitivity.md): the heavy pixel work,
/// safe to run on worker threads in any order. `PhotosensitivityAnalyzer` consumes its output
/// in frame order.
public struct PhotosensitivityMeasurer: Sendable {
  public let parameters: AnalysisParameters
  public let grid: RegionGrid
  let tables: ColorTables
  /// The region-sum kernel. All give identical sums (the tests compare them).
  public let kernel: RegionKernel
  /// The video's colour facts (bt1702 reads its transfer and luminance weights from them).
  public let color: ColorFacts
  let absolute: AbsoluteTables?

  /// `kernel` nil: the process's choice (`FLASHSCAN_CPU`, else the best this CPU runs); a kernel
  /// this CPU cannot run is replaced by the best one.
  public init(
    width: Int, height: Int, parameters: AnalysisParameters, kernel: RegionKernel? = nil,
    color: ColorFacts = .unspecified8Bit
  ) {
    self.parameters = parameters
    self.grid = RegionGrid(width: width, height: height, parameters: parameters)
    self.tables = ColorTables(displayModel: parameters.displayModel)
    let chosen = kernel ?? RegionKernel.environmentChoice.kernel
    self.kernel = chosen.isAvailable ? chosen : RegionKernel.best
    self.color = color
    absolute =
      parameters.profile == .bt1702
      ? AbsoluteTables(
        model: parameters.bt1702Display ?? BT1702DisplayModel(), color: color,
        highPrecision: color.bitDepth > 8)
      : nil
  }

  /// Measures every frame of the window's chunk (rgb24, (n, H, W, 3)). Only the IRIS profile
  /// reads the frame before the chunk (its changed-pixel counts); it is read in place. Throws
  /// `PhotosensitivityError.frameMismatch` for frames of another size or layout.
  public func measure(_ window: ChunkWindow) throws -> [FrameMeasure] {
    let chunk = window.chunk
    guard chunk.channels == 3 else {
      throw PhotosensitivityError.frameMismatch(
        frame: chunk.firstIndex,
        reason: "the analysis needs rgb24 frames, got \(chunk.channels) channels")
    }
    guard chunk.width == grid.width && chunk.height == grid.height else {
      throw PhotosensitivityError.frameMismatch(
        frame: chunk.firstIndex,
        reason: "\(chunk.width)x\(chunk.height), the analysis is for \(grid.width)x\(grid.height)")
    }
    if let change = window.sizeChange {
      throw PhotosensitivityError.frameMismatch(
        frame: chunk.firstIndex, reason: "frame size changed from \(change.from) to \(change.to)")
    }
    var result: [FrameMeasure] = []
    result.reserveCapacity(chunk.count)
    window.withFramePointers { frames, firstIndex in
      let offset = chunk.firstIndex - firstIndex  // 1 when the previous frame is there
      let bytes = chunk.frameSize
      for i in 0..<chunk.count {
        var m = FrameMeasure(
          index: chunk.firstIndex + i, time: chunk.times[i], profile: parameters.profile)
        let frame = UnsafeBufferPointer(start: frames[i + offset], count: bytes)
        switch parameters.profile {
        case .iris:
          let previous =
            i + offset > 0 ? UnsafeBufferPointer(start: frames[i + offset - 1], count: bytes) : nil
          measureWholeFrame(frame, previous: previous, into: &m)
          m.meanCandela = Double(m.luminanceMean) * LuminanceModel.sRGBWhite
        case .wcag, .ofcom:
          measureRegions(
            frame, candela: parameters.luminanceScale == .candelaPerSquareMetre, into: &m)
          m.meanCandela = frameMeanCandela(m)
        case .bt1702:
          break  // below: from the high-precision frames when the chunk has them
        }
        result.append(m)
      }
    }
    if parameters.profile == .bt1702, let absolute {
      try measureAbsolute(chunk, tables: absolute, into: &result)
    }
    return result
  }

  /// wcag and ofcom: the frame's mean cd/m2 from its cells (area-weighted): ofcom's display
  /// model, or 80 cd/m2 times the relative luminance for wcag.
  func frameMeanCandela(_ m: FrameMeasure) -> Double {
    var sum = 0.0
    for c in 0..<grid.cellCount {
      let v: Double
      if m.cellCandela.count == grid.cellCount {
        v = Double(m.cellCandela[c])
      } else {
        let r = Double(m.cellLinearRGB[c * 3])
        let g = Double(m.cellLinearRGB[c * 3 + 1])
        let b = Double(m.cellLinearRGB[c * 3 + 2])
        v = LuminanceModel.sRGBWhite * (0.2126 * r + 0.7152 * g + 0.0722 * b)
      }
      sum += v * Double(grid.cellArea(c))
    }
    return sum / Double(grid.width * grid.height)
  }

  /// IRIS's per-pixel float luminance `(0.0722f*B + 0.7152f*G) + 0.2126f*R` and red value,
  /// their whole-frame means (summed in double like OpenCV's `cv::mean`) and changed counts.
  func measureWholeFrame(
    _ frameBuffer: UnsafeBufferPointer<UInt8>, previous previousBuffer: UnsafeBufferPointer<UInt8>?,
    into m: inout FrameMeasure
  ) {
    let pixels = grid.width * grid.height
    let ratio = Float(parameters.redSaturationRatio)
    let frame = frameBuffer.baseAddress!
    let previous = previousBuffer?.baseAddress
    tables.linear.withUnsafeBufferPointer { linBuffer in
      tables.lumR.withUnsafeBufferPointer { lrBuffer in
        tables.lumG.withUnsafeBufferPointer { lgBuffer in
          tables.lumB.withUnsafeBufferPointer { lbBuffer in
            let lin = linBuffer.baseAddress!
            let lr = lrBuffer.baseAddress!
            let lg = lgBuffer.baseAddress!
            let lb = lbBuffer.baseAddress!
            /// The red value of one pixel; `R/(R+G+B) >= 0.8` needs R > G and R > B, so most
            /// pixels stop at the byte test.
            @inline(__always) func red(_ r8: UInt8, _ g8: UInt8, _ b8: UInt8) -> Float {
              guard r8 > g8 && r8 > b8 else { return 0 }
              let r = lin[Int(r8)]
              let g = lin[Int(g8)]
              let b = lin[Int(b8)]
              guard r / (r + g + b) >= ratio else { return 0 }
              let v = (r - g - b) * 320
              return v > 0 ? v : 0
            }
            var lumSum = 0.0
            var redSum = 0.0
            var lumChanged = 0
            var redChanged = 0
            let rowBytes = grid.width * 3
            for y in 0..<grid.height {
              var rowLum = 0.0
              var rowRed = 0.0
              var o = y * rowBytes
              let end = o + rowBytes
              while o < end {
                let r8 = frame[o]
                let g8 = frame[o + 1]
                let b8 = frame[o + 2]
                let l = (lb[Int(b8)] + lg[Int(g8)]) + lr[Int(r8)]
                rowLum += Double(l)
                let rv = red(r8, g8, b8)
                rowRed += Double(rv)
                if let previous {
                  let pr = previous[o]
                  let pg = previous[o + 1]
                  let pb = previous[o + 2]
                  if pr != r8 || pg != g8 || pb != b8 {
                    if (lb[Int(pb)] + lg[Int(pg)]) + lr[Int(pr)] != l { lumChanged += 1 }
                    if red(pr, pg, pb) != rv { redChanged += 1 }
                  }
                }
                o += 3
              }
              lumSum += rowLum
              redSum += rowRed
            }
            m.luminanceMean = Float(lumSum / Double(pixels))
            m.redMean = Float(redSum / Double(pixels))
            m.luminanceChanged = lumChanged
            m.redChanged = redChanged
          }
        }
      }
    }
  }

  /// Per-cell means of linear R, G, B and of the classic red value (and, for Ofcom, of cd/m2),
  /// from exact integer sums of the 16-bit fixed-point tables (CRegionSums), so the result
  /// does not depend on the CPU, the summation order or the thread.
  func measureRegions(
    _ frameBuffer: UnsafeBufferPointer<UInt8>, candela: Bool, into m: inout FrameMeasure
  ) {
    let cells = grid.cellCount
    var sums = [UInt64](repeating: 0, count: cells * Int(FS_REGION_SUMS))
    let status = tables.linear16.withUnsafeBufferPointer { lin in
      tables.candela16.withUnsafeBufferPointer { cd in
        grid.columnBounds32.withUnsafeBufferPointer { cb in
          grid.rowBounds32.withUnsafeBufferPointer { rb in
            sums.withUnsafeMutableBufferPointer { out in
              var layout = fs_region_layout(
                width: Int32(grid.width), height: Int32(grid.height),
                columns: Int32(grid.columns), rows: Int32(grid.rows),
                column_bounds: cb.baseAddress, row_bounds: rb.baseAddress)
              return fs_region_sums(
                frameBuffer.baseAddress, grid.width * 3, &layout, lin.baseAddress,
                candela ? cd.baseAddress : nil, kernel.cValue, out.baseAddress)
            }
          }
        }
      }
    }
    precondition(status == 0, "out of memory measuring a frame")
    let n = Int(FS_REGION_SUMS)
    var rgb = [Float](repeating: 0, count: cells * 3)
    var red = [Float](repeating: 0, count: cells)
    var cd = [Float](repeating: 0, count: candela ? cells : 0)
    for c in 0..<cells {
      let unit = 1 / (65535 * Double(grid.cellArea(c)))
      rgb[c * 3] = Float(Double(sums[c * n + Int(FS_REGION_SUM_R)]) * unit)
      rgb[c * 3 + 1] = Float(Double(sums[c * n + Int(FS_REGION_SUM_G)]) * unit)
      rgb[c * 3 + 2] = Float(Double(sums[c * n + Int(FS_REGION_SUM_B)]) * unit)
      red[c] = Float(Double(sums[c * n + Int(FS_REGION_SUM_RED)]) * 320 * unit)
      if candela {
        cd[c] = Float(Double(sums[c * n + Int(FS_REGION_SUM_CANDELA)]) * tables.candelaWhite * unit)
      }
    }
    m.cellLinearRGB = rgb
    m.cellRed = red
    m.cellCandela = cd
  }
}
