/// Geometry of a 2-D sliding window (convolution or pooling) over NHWC images.
struct WindowGeometry: Equatable, Sendable {
  var batch: Int
  var height: Int
  var width: Int
  var channels: Int
  var kernelHeight: Int
  var kernelWidth: Int
  var stride: Int
  var padding: Int

  /// floor((H + 2p - k) / s) + 1, the usual output size (CS231n "Convolutional Networks").
  var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
  var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
  /// Length of one im2col row: the window's pixels times channels, ordered (ky, kx, c).
  var patchSize: Int { kernelHeight * kernelWidth * channels }
  /// Number of im2col rows: one per output pixel of every image.
  var patchCount: Int { batch * outputHeight * outputWidth }
}

extension WindowGeometry {
  /// Runs `body(b)` for every image b, the images split across threads when the im2col matrix
  /// is large enough to pay for them.
  func forEachImageInParallel(_ body: @Sendable (_ b: Int) -> Void) {
    let parts = threadParts(work: patchCount * patchSize, rows: batch)
    parallelParts(parts) { part in
      for b in partRange(part, of: parts, count: batch) { body(b) }
    }
  }

  /// Calls `body(offset, iy, x0, kxLo, kxHi)` for every kernel row (fixed ky) of every window
  /// over image `b`, in im2col row order: `offset` is where that kernel row starts in the im2col
  /// matrix (kernelWidth * channels values), `iy` its input row (possibly in the padding), and
  /// input columns x0 + kxLo ..< x0 + kxHi the part of it inside the image.
  @inline(__always)
  func forEachKernelRow(
    ofImage b: Int, _ body: (_ offset: Int, _ iy: Int, _ x0: Int, _ kxLo: Int, _ kxHi: Int) -> Void
  ) {
    let oh = outputHeight
    let ow = outputWidth
    let rowLength = patchSize
    for oy in 0..<oh {
      for ox in 0..<ow {
        var offset = ((b * oh + oy) * ow + ox) * rowLength
        let x0 = ox * stride - padding
        let kxLo = max(0, -x0)
        let kxHi = min(kernelWidth, width - x0)
        for ky in 0..<kernelHeight {
          body(offset, oy * stride - padding + ky, x0, kxLo, kxHi)
          offset += kernelWidth * channels
        }
      }
    }
  }
}

/// Copies every window of `input` (N, H, W, C) into one row of `col` (patchCount x patchSize),
/// zeros where the window hangs over the padding. One kernel row (fixed ky) of a window is
/// contiguous in NHWC, so it is copied as a block.
@_specialize(where T == Float)
@_specialize(where T == Double)
func im2col<T: NNScalar>(_ g: WindowGeometry, input: UnsafePointer<T>, col: UnsafeMutablePointer<T>)
{
  let c = g.channels
  let src = SendablePointer(input)
  let dstBase = SendablePointer(col)
  g.forEachImageInParallel { b in
    let image = src.pointer + b * g.height * g.width * c
    g.forEachKernelRow(ofImage: b) { offset, iy, x0, kxLo, kxHi in
      let dst = dstBase.pointer + offset
      if iy < 0 || iy >= g.height || kxLo >= kxHi {
        dst.update(repeating: 0, count: g.kernelWidth * c)
      } else {
        if kxLo > 0 { dst.update(repeating: 0, count: kxLo * c) }
        let from = image + (iy * g.width + x0 + kxLo) * c
        let to = dst + kxLo * c
        for j in 0..<((kxHi - kxLo) * c) { to[j] = from[j] }
        if kxHi < g.kernelWidth {
          (dst + kxHi * c).update(repeating: 0, count: (g.kernelWidth - kxHi) * c)
        }
      }
    }
  }
}

/// The adjoint of `im2col`: adds every row of `col` back onto the pixels its window covers
/// (overlapping windows sum), giving dLoss/dInput from dLoss/dcol. `output` must start at zero.
@_specialize(where T == Float)
@_specialize(where T == Double)
func col2im<T: NNScalar>(
  _ g: WindowGeometry, col: UnsafePointer<T>, output: UnsafeMutablePointer<T>
) {
  let c = g.channels
  let srcBase = SendablePointer(col)
  let dstBase = SendablePointer(output)
  g.forEachImageInParallel { b in
    let image = dstBase.pointer + b * g.height * g.width * c
    g.forEachKernelRow(ofImage: b) { offset, iy, x0, kxLo, kxHi in
      if iy >= 0 && iy < g.height && kxLo < kxHi {
        let dst = image + (iy * g.width + x0 + kxLo) * c
        let s = srcBase.pointer + offset + kxLo * c
        for j in 0..<((kxHi - kxLo) * c) { dst[j] += s[j] }
      }
    }
  }
}
