import FrameTensor
import MediaIO

/// What the per-chunk step extracts from one frame: everything the sequential analysis needs,
/// so the pixels themselves can be dropped.
public struct FrameMeasure: Sendable, Equatable {
  /// Frame index in the stream (presentation order, from 0).
  public var index: Int
  /// Presentation time in seconds.
  public var time: Double
  /// The profile it was measured for (the analyser checks it matches its own).
  public var profile: Profile
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
        var m = FrameMeasure(
          index: chunk.firstIndex + i, time: chunk.times[i], profile: parameters.profile)
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
          measureRegions(
            frame, candela: parameters.luminanceScale == .candelaPerSquareMetre, into: &m)
        }
        result.append(m)
      }
    }
    return result
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

  /// Per-cell means of linear R, G, B and of the classic red value (and, for Ofcom, of cd/m2).
  func measureRegions(
    _ frameBuffer: UnsafeBufferPointer<UInt8>, candela: Bool, into m: inout FrameMeasure
  ) {
    let frame = frameBuffer.baseAddress!
    let cells = grid.cellCount
    var sumRGB = [Float](repeating: 0, count: cells * 3)
    var sumRed = [Float](repeating: 0, count: cells)
    var sumCd = [Float](repeating: 0, count: candela ? cells : 0)
    let ratio = Float(parameters.redSaturationRatio)
    let width = grid.width
    let columns = grid.columns
    tables.linear.withUnsafeBufferPointer { linBuffer in
      tables.candela.withUnsafeBufferPointer { cdBuffer in
        let lin = linBuffer.baseAddress!
        let cdTable = cdBuffer.baseAddress!
        sumRGB.withUnsafeMutableBufferPointer { sRGB in
          sumRed.withUnsafeMutableBufferPointer { sRed in
            sumCd.withUnsafeMutableBufferPointer { sCd in
              grid.columnBounds.withUnsafeBufferPointer { cb in
                for cy in 0..<grid.rows {
                  for y in grid.rowBounds[cy]..<grid.rowBounds[cy + 1] {
                    let rowStart = y * width * 3
                    for cx in 0..<columns {
                      // Two interleaved pixel streams: each float sum then depends on every
                      // second pixel only, halving the add-latency chain that bounds the loop.
                      var r0: Float = 0
                      var g0: Float = 0
                      var b0: Float = 0
                      var red0: Float = 0
                      var cd0: Float = 0
                      var r1: Float = 0
                      var g1: Float = 0
                      var b1: Float = 0
                      var red1: Float = 0
                      var cd1: Float = 0
                      var o = rowStart + cb[cx] * 3
                      let end = rowStart + cb[cx + 1] * 3
                      while o + 3 < end {
                        let lr0 = lin[Int(frame[o])]
                        let lg0 = lin[Int(frame[o + 1])]
                        let lb0 = lin[Int(frame[o + 2])]
                        let lr1 = lin[Int(frame[o + 3])]
                        let lg1 = lin[Int(frame[o + 4])]
                        let lb1 = lin[Int(frame[o + 5])]
                        r0 += lr0
                        g0 += lg0
                        b0 += lb0
                        r1 += lr1
                        g1 += lg1
                        b1 += lb1
                        // Branch-free saturated-red test `R >= ratio * (R+G+B)`; when it holds,
                        // R - G - B >= 0.6 (R+G+B) >= 0, so no clamp is needed (x 320 at the end).
                        let q0 = lg0 + lb0
                        let q1 = lg1 + lb1
                        red0 += lr0 >= ratio * (lr0 + q0) ? lr0 - q0 : 0
                        red1 += lr1 >= ratio * (lr1 + q1) ? lr1 - q1 : 0
                        if candela {
                          cd0 += cdTable[Colorimetry.luma(frame[o], frame[o + 1], frame[o + 2])]
                          cd1 += cdTable[Colorimetry.luma(frame[o + 3], frame[o + 4], frame[o + 5])]
                        }
                        o += 6
                      }
                      if o < end {
                        let lr = lin[Int(frame[o])]
                        let lg = lin[Int(frame[o + 1])]
                        let lb = lin[Int(frame[o + 2])]
                        r0 += lr
                        g0 += lg
                        b0 += lb
                        let q = lg + lb
                        red0 += lr >= ratio * (lr + q) ? lr - q : 0
                        if candela {
                          cd0 += cdTable[Colorimetry.luma(frame[o], frame[o + 1], frame[o + 2])]
                        }
                      }
                      let r = r0 + r1
                      let g = g0 + g1
                      let b = b0 + b1
                      let red = (red0 + red1) * 320
                      let cd = cd0 + cd1
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
