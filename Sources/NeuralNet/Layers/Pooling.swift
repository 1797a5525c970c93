import FrameTensor

/// Max pooling over k x k windows of NHWC images, per channel ("POOL-n": k = s = n, no padding).
///
/// Forward: out[n,y,x,c] = max over the window of in[n, y*s - p + ky, x*s - p + kx, c]; padded
/// positions never win. Backward: each output's gradient goes to the input element that won
/// (the first of equal maxima), summed when windows overlap.
public final class MaxPool2D<Scalar: NNScalar>: Layer {
  public let kernelSize: Int
  public let stride: Int
  public let padding: Int
  private var cachedWinners: [Int32] = []
  private var cachedInputShape: [Int] = []

  /// A padded window must keep a real pixel (padding below half the kernel): padded positions
  /// never win.
  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    (self.kernelSize, self.stride, self.padding) = poolWindow(
      kernelSize, stride, padding, paddingBelowHalf: true)
  }

  public var name: String { poolName("POOL", kernelSize, stride, padding) }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    let g = poolGeometry(name, input.shape, kernelSize, stride, padding)
    let oh = g.outputHeight
    let ow = g.outputWidth
    let c = g.channels
    var winners = [Int32](repeating: -1, count: g.batch * oh * ow * c)
    let output = input.read { src in
      Tensor<Scalar>.buildUninitialized([g.batch, oh, ow, c]) { out in
        winners.withUnsafeMutableBufferPointer { maxPoolForward(g, src, out, $0.baseAddress!) }
      }
    }
    cachedWinners = winners
    cachedInputShape = input.shape
    return output
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    precondition(outputGradient.count == cachedWinners.count, "\(name): backward before forward")
    return outputGradient.read { dy in
      Tensor<Scalar>.build(cachedInputShape) { dx in
        for (o, i) in cachedWinners.enumerated() where i >= 0 { dx[Int(i)] += dy[o] }
      }
    }
  }
}

/// Average pooling: out = (1 / k^2) * sum over the window, padded positions counting as zeros
/// (PyTorch's `count_include_pad=True`). Backward spreads each output's gradient evenly, dy / k^2.
public final class AvgPool2D<Scalar: NNScalar>: Layer {
  public let kernelSize: Int
  public let stride: Int
  public let padding: Int
  private var cachedInputShape: [Int] = []

  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    (self.kernelSize, self.stride, self.padding) = poolWindow(
      kernelSize, stride, padding, paddingBelowHalf: false)
  }

  public var name: String { poolName("AVGPOOL", kernelSize, stride, padding) }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    let g = poolGeometry(name, input.shape, kernelSize, stride, padding)
    cachedInputShape = input.shape
    let scale = 1 / Scalar(kernelSize * kernelSize)
    return input.read { src in
      Tensor<Scalar>.build([g.batch, g.outputHeight, g.outputWidth, g.channels]) { out in
        visitWindows(g) { o, i in
          for ch in 0..<g.channels { out[o + ch] += src[i + ch] * scale }
        }
      }
    }
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    precondition(cachedInputShape.count == 4, "\(name): backward before forward")
    let g = poolGeometry(name, cachedInputShape, kernelSize, stride, padding)
    let scale = 1 / Scalar(kernelSize * kernelSize)
    return outputGradient.read { dy in
      Tensor<Scalar>.build(cachedInputShape) { dx in
        visitWindows(g) { o, i in
          for ch in 0..<g.channels { dx[i + ch] += dy[o + ch] * scale }
        }
      }
    }
  }
}

/// Max over each window (the first in-image pixel seeds the maximum, so padding never wins), with
/// the flat input index of each winner.
@_specialize(where T == Float)
@_specialize(where T == Double)
func maxPoolForward<T: NNScalar>(
  _ g: WindowGeometry, _ src: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
  _ win: UnsafeMutablePointer<Int32>
) {
  let oh = g.outputHeight
  let ow = g.outputWidth
  let c = g.channels
  for b in 0..<g.batch {
    for oy in 0..<oh {
      let yLo = max(0, oy * g.stride - g.padding)
      let yHi = min(g.height, oy * g.stride - g.padding + g.kernelHeight)
      for ox in 0..<ow {
        let xLo = max(0, ox * g.stride - g.padding)
        let xHi = min(g.width, ox * g.stride - g.padding + g.kernelWidth)
        let o = ((b * oh + oy) * ow + ox) * c
        let seed = ((b * g.height + yLo) * g.width + xLo) * c
        // Best value and index per channel stay in registers while the window is scanned; the
        // first in-image pixel seeds them, so padding never wins.
        for ch in 0..<c {
          var best = src[seed + ch]
          var bestIndex = seed + ch
          for iy in yLo..<yHi {
            let rowStart = ((b * g.height + iy) * g.width) * c + ch
            for ix in xLo..<xHi {
              let i = rowStart + ix * c
              let v = src[i]
              if v > best {
                best = v
                bestIndex = i
              }
            }
          }
          out[o + ch] = best
          win[o + ch] = Int32(truncatingIfNeeded: bestIndex)
        }
      }
    }
  }
}

/// Calls `body(outputOffset, inputOffset)` for every (output pixel, in-image window pixel) pair;
/// offsets point at channel 0.
@inline(__always)
private func visitWindows(_ g: WindowGeometry, _ body: (Int, Int) -> Void) {
  let oh = g.outputHeight
  let ow = g.outputWidth
  for b in 0..<g.batch {
    for oy in 0..<oh {
      for ox in 0..<ow {
        let o = ((b * oh + oy) * ow + ox) * g.channels
        for ky in 0..<g.kernelHeight {
          let iy = oy * g.stride - g.padding + ky
          if iy < 0 || iy >= g.height { continue }
          for kx in 0..<g.kernelWidth {
            let ix = ox * g.stride - g.padding + kx
            if ix < 0 || ix >= g.width { continue }
            body(o, ((b * g.height + iy) * g.width + ix) * g.channels)
          }
        }
      }
    }
  }
}

private func poolName(_ base: String, _ k: Int, _ s: Int, _ p: Int) -> String {
  var text = "\(base)-\(k)"
  if s != k { text += "-S\(s)" }
  if p != 0 { text += "-P\(p)" }
  return text
}

/// The window geometry of a k x k pooling over (N, H, W, C) input of `shape`.
private func poolGeometry(_ name: String, _ shape: [Int], _ k: Int, _ s: Int, _ p: Int)
  -> WindowGeometry
{
  precondition(shape.count == 4, "\(name): expected (N, H, W, C) input, got \(shape)")
  let g = WindowGeometry(
    batch: shape[0], height: shape[1], width: shape[2], channels: shape[3],
    kernelHeight: k, kernelWidth: k, stride: s, padding: p)
  precondition(
    g.outputHeight > 0 && g.outputWidth > 0, "\(name): window larger than its input \(shape)")
  return g
}

/// A pooling layer's window, checked: kernel size, stride (the kernel size when nil) and padding.
func poolWindow(_ kernelSize: Int, _ stride: Int?, _ padding: Int, paddingBelowHalf: Bool) -> (
  Int, Int, Int
) {
  precondition(
    kernelSize > 0 && (stride ?? 1) > 0 && padding >= 0
      && (!paddingBelowHalf || padding * 2 < kernelSize + 1))
  return (kernelSize, stride ?? kernelSize, padding)
}
