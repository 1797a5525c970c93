import FrameTensor

/// 2-D convolution over NHWC images, computed as im2col followed by one matrix multiply.
///
/// Forward, for output pixel (n, y, x) and filter f (CS231n "Convolutional Networks"):
///   out[n,y,x,f] = b[f] + sum_{ky,kx,c} W[ky,kx,c,f] * in[n, y*s - p + ky, x*s - p + kx, c]
/// (zero outside the image). With col = im2col(in), a (N*OH*OW) x (k*k*C) matrix, this is
///   out = col * W + b,  W viewed as (k*k*C) x F.
/// Backward, with dOut viewed as (N*OH*OW) x F:
///   dW = col^T * dOut,  db = column sums of dOut,  dIn = col2im(dOut * W^T).
public final class Conv2D<Scalar: NNScalar>: Layer {
  public let inputChannels: Int
  public let filters: Int
  public let kernelSize: Int
  public let stride: Int
  public let padding: Int
  /// (k, k, C, F) ("HWIO"), matching the im2col row order (ky, kx, c).
  public let weight: Parameter<Scalar>
  /// (F), or nil for a convolution without bias (e.g. one followed by BatchNorm).
  public let bias: Parameter<Scalar>?

  /// The forward pass's im2col matrix and window geometry.
  private var cached: (columns: Tensor<Scalar>, geometry: WindowGeometry)?

  public init(
    inputChannels: Int, filters: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    useBias: Bool = true, initializer: Initializer = .he, generator: inout SeededGenerator
  ) {
    precondition(inputChannels > 0 && filters > 0 && kernelSize > 0 && stride > 0 && padding >= 0)
    self.inputChannels = inputChannels
    self.filters = filters
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    let fanIn = kernelSize * kernelSize * inputChannels
    weight = Parameter(
      name: "weight",
      value: initializer.weights(
        shape: [kernelSize, kernelSize, inputChannels, filters], fanIn: fanIn,
        fanOut: kernelSize * kernelSize * filters, generator: &generator))
    bias = useBias ? Parameter(name: "bias", value: Tensor(zeros: [filters])) : nil
  }

  public var name: String {
    var text = "CONV\(kernelSize)-\(filters)"
    if stride != 1 { text += "-S\(stride)" }
    if padding != 1 { text += "-P\(padding)" }
    if bias == nil { text += "-NOBIAS" }
    return text
  }

  public var parameters: [Parameter<Scalar>] { bias.map { [weight, $0] } ?? [weight] }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    expectInput(input.shape, rank: 4, last: inputChannels, "(N, H, W, \(inputChannels))")
    let g = WindowGeometry(
      batch: input.shape[0], height: input.shape[1], width: input.shape[2], channels: inputChannels,
      kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    precondition(
      g.outputHeight > 0 && g.outputWidth > 0, "\(name): kernel larger than padded input")
    let columns = input.read { src in
      Tensor<Scalar>.buildUninitialized([g.patchCount, g.patchSize]) {
        im2col(g, input: src, col: $0)
      }
    }
    let output = columns.read { col in
      weight.value.read { w in
        Tensor<Scalar>.buildUninitialized([g.batch, g.outputHeight, g.outputWidth, filters]) {
          out in
          // Every output row starts as the bias (or zero), then the product accumulates onto it.
          if let bias {
            bias.value.read { b in
              for row in 0..<g.patchCount { (out + row * filters).update(from: b, count: filters) }
            }
          } else {
            out.update(repeating: 0, count: g.patchCount * filters)
          }
          gemm(
            m: g.patchCount, n: filters, k: g.patchSize, a: col, lda: g.patchSize, b: w,
            ldb: filters,
            c: out, ldc: filters, accumulate: true)
        }
      }
    }
    cached = (columns, g)
    return output
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let (columns, g) = cachedForBackward(cached)
    precondition(outputGradient.shape == [g.batch, g.outputHeight, g.outputWidth, filters])
    let rows = g.patchCount
    let k = g.patchSize
    return outputGradient.read { dy in
      columns.read { col in
        weight.gradient.write { dw in
          gemmTN(
            m: rows, n: filters, k: k, a: col, lda: k, b: dy, ldb: filters, c: dw, ldc: filters)
        }
      }
      if let bias {
        bias.gradient.write { db in
          for row in 0..<rows {
            let d = dy + row * filters
            for f in 0..<filters { db[f] += d[f] }
          }
        }
      }
      let weightT = weight.value.read { w in
        Tensor<Scalar>.build([filters, k]) { transpose(rows: k, cols: filters, w, $0) }
      }
      let dColumns = weightT.read { wt in
        Tensor<Scalar>.build([rows, k]) { dcol in
          gemm(
            m: rows, n: k, k: filters, a: dy, lda: filters, b: wt, ldb: k, c: dcol, ldc: k,
            accumulate: true)
        }
      }
      return dColumns.read { dcol in
        Tensor<Scalar>.build([g.batch, g.height, g.width, g.channels]) {
          col2im(g, col: dcol, output: $0)
        }
      }
    }
  }
}
