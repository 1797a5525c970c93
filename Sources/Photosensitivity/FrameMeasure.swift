import FrameTensor
import MediaIO

/// What the per-chunk step extracts from one frame: everything the sequential analysis needs,
/// so the pixels themselves can be dropped.
public struct FrameMeasure: Sendable, Equatable {
  /// Frame index in the stream (presentation order, from 0).
  public var index: Int
  /// Presentation time in seconds.
  public var time: Double
  /// Region profiles (wcag, ofcom): per cell the mean linear R, G, B, interleaved (3 per cell).
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

  public init(index: Int, time: Double) {
    self.index = index
    self.time = time
    cellLinearRGB = []
    cellRed = []
    cellCandela = []
    luminanceMean = 0
    redMean = 0
    luminanceChanged = 0
    redChanged = 0
  }
}

/// The pure, per-chunk half of the analysis (docs/photosensitivity.md): the heavy pixel work,
/// safe to run on worker threads in any order. `PhotosensitivityAnalyzer` consumes its output
/// in frame order.
public struct PhotosensitivityMeasurer: Sendable {
  public let parameters: AnalysisParameters
  public let grid: RegionGrid
  let tables: ColorTables

  public init(width: Int, height: Int, parameters: AnalysisParameters) {
    self.parameters = parameters
    self.grid = RegionGrid(width: width, height: height, parameters: parameters)
    self.tables = ColorTables(displayModel: parameters.displayModel)
  }

  /// Measures every frame of `chunk` (rgb24, (n, H, W, 3)). `previous` is the frame just before
  /// the chunk ((H, W, 3) or (1, H, W, 3)), nil at the start of the stream; only the IRIS
  /// profile needs it (its changed-pixel counts).
  public func measure(chunk: FrameChunk, previous: Tensor<UInt8>?) -> [FrameMeasure] {
    precondition(chunk.channels == 3, "photosensitivity needs rgb24 frames")
    precondition(chunk.width == grid.width && chunk.height == grid.height, "frame size changed")
    let frameSize = chunk.frameSize
    if let previous { precondition(previous.count == frameSize, "previous frame size differs") }
    var result: [FrameMeasure] = []
    result.reserveCapacity(chunk.count)
    chunk.frames.withUnsafeBufferPointer { all in
      for i in 0..<chunk.count {
        var m = FrameMeasure(index: chunk.firstIndex + i, time: chunk.times[i])
        let frame = UnsafeBufferPointer(rebasing: all[(i * frameSize)..<((i + 1) * frameSize)])
        switch parameters.profile {
        case .iris:
          if i > 0 {
            let prev = UnsafeBufferPointer(
              rebasing: all[((i - 1) * frameSize)..<(i * frameSize)])
            measureWholeFrame(frame, previous: prev, into: &m)
          } else if let previous {
            previous.withUnsafeBufferPointer { measureWholeFrame(frame, previous: $0, into: &m) }
          } else {
            measureWholeFrame(frame, previous: nil, into: &m)
          }
        case .wcag, .ofcom:
          measureRegions(frame, candela: parameters.luminanceScale == .candelaPerSquareMetre, into: &m)
        }
        result.append(m)
      }
    }
    return result
  }

  /// IRIS's per-pixel float luminance `(0.0722f*B + 0.7152f*G) + 0.2126f*R` and red value,
  /// their whole-frame means (summed in double like OpenCV's `cv::mean`) and changed counts.
  func measureWholeFrame(
    _ frame: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>?,
    into m: inout FrameMeasure
  ) {
    let pixels = grid.width * grid.height
    let ratio = Float(parameters.redSaturationRatio)
    tables.linear.withUnsafeBufferPointer { lin in
      tables.lumR.withUnsafeBufferPointer { lr in
        tables.lumG.withUnsafeBufferPointer { lg in
          tables.lumB.withUnsafeBufferPointer { lb in
            @inline(__always) func lum(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> Float {
              (lb[Int(p[o + 2])] + lg[Int(p[o + 1])]) + lr[Int(p[o])]
            }
            @inline(__always) func red(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> Float {
              let r8 = p[o]
              let g8 = p[o + 1]
              let b8 = p[o + 2]
              // R/(R+G+B) >= 0.8 needs R > G and R > B; most pixels stop here.
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
            let width = grid.width
            for y in 0..<grid.height {
              var rowLum = 0.0
              var rowRed = 0.0
              let rowStart = y * width * 3
              for x in 0..<width {
                let o = rowStart + x * 3
                let l = lum(frame, o)
                let rv = red(frame, o)
                rowLum += Double(l)
                rowRed += Double(rv)
                if let previous,
                  previous[o] != frame[o] || previous[o + 1] != frame[o + 1]
                    || previous[o + 2] != frame[o + 2]
                {
                  if lum(previous, o) != l { lumChanged += 1 }
                  if red(previous, o) != rv { redChanged += 1 }
                }
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

  /// Per-cell means of linear R, G, B and of the classic red value (and, for Ofcom, of cd/m2).
  func measureRegions(_ frame: UnsafeBufferPointer<UInt8>, candela: Bool, into m: inout FrameMeasure) {
    let cells = grid.cellCount
    var sumRGB = [Float](repeating: 0, count: cells * 3)
    var sumRed = [Float](repeating: 0, count: cells)
    var sumCd = [Float](repeating: 0, count: candela ? cells : 0)
    let ratio = Float(parameters.redSaturationRatio)
    let width = grid.width
    let columns = grid.columns
    tables.linear.withUnsafeBufferPointer { lin in
      tables.candela.withUnsafeBufferPointer { cdTable in
        sumRGB.withUnsafeMutableBufferPointer { sRGB in
          sumRed.withUnsafeMutableBufferPointer { sRed in
            sumCd.withUnsafeMutableBufferPointer { sCd in
              grid.columnBounds.withUnsafeBufferPointer { cb in
                for cy in 0..<grid.rows {
                  for y in grid.rowBounds[cy]..<grid.rowBounds[cy + 1] {
                    let rowStart = y * width * 3
                    for cx in 0..<columns {
                      var r: Float = 0
                      var g: Float = 0
                      var b: Float = 0
                      var red: Float = 0
                      var cd: Float = 0
                      var o = rowStart + cb[cx] * 3
                      let end = rowStart + cb[cx + 1] * 3
                      while o < end {
                        let r8 = frame[o]
                        let g8 = frame[o + 1]
                        let b8 = frame[o + 2]
                        let lr = lin[Int(r8)]
                        let lg = lin[Int(g8)]
                        let lb = lin[Int(b8)]
                        r += lr
                        g += lg
                        b += lb
                        if r8 > g8 && r8 > b8 {
                          let s = lr + lg + lb
                          if lr / s >= ratio {
                            let v = (lr - lg - lb) * 320
                            if v > 0 { red += v }
                          }
                        }
                        if candela {
                          cd += cdTable[Colorimetry.luma(r8, g8, b8)]
                        }
                        o += 3
                      }
                      let c = cy * columns + cx
                      sRGB[c * 3] += r
                      sRGB[c * 3 + 1] += g
                      sRGB[c * 3 + 2] += b
                      sRed[c] += red
                      if candela { sCd[c] += cd }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    for c in 0..<cells {
      let inv = 1 / Float(grid.cellArea(c))
      sumRGB[c * 3] *= inv
      sumRGB[c * 3 + 1] *= inv
      sumRGB[c * 3 + 2] *= inv
      sumRed[c] *= inv
      if candela { sumCd[c] *= inv }
    }
    m.cellLinearRGB = sumRGB
    m.cellRed = sumRed
    m.cellCandela = sumCd
  }
}
