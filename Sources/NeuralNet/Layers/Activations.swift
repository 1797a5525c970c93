import FrameTensor

/// Elementwise activations. Each caches what its derivative needs: the input for the piecewise
/// linear ones, the output for sigmoid and tanh (whose derivatives are functions of the output).

/// ReLU: y = max(0, x); dy/dx = 1 for x > 0, else 0 (0 at the kink).
public final class ReLU<Scalar: NNScalar>: Layer {
  private var cachedInput: Tensor<Scalar>?
  public init() {}
  public var name: String { "RELU" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    cachedInput = input
    return mapUnary(input) { max(0, $0) }
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let x = cachedForBackward(cachedInput)
    return mapBinary(outputGradient, x) { dy, x in x > 0 ? dy : 0 }
  }
}

/// Leaky ReLU: y = x for x > 0, else slope * x; dy/dx = 1 or slope. The default slope 0.01 is the
/// common one (the exam does not fix it).
public final class LeakyReLU<Scalar: NNScalar>: Layer {
  public let slope: Scalar
  private var cachedInput: Tensor<Scalar>?
  public init(slope: Scalar = 0.01) { self.slope = slope }
  public var name: String { slope == 0.01 ? "LEAKYRELU" : "LEAKYRELU-\(slope)" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    cachedInput = input
    let a = slope
    return mapUnary(input) { $0 > 0 ? $0 : a * $0 }
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let x = cachedForBackward(cachedInput)
    let a = slope
    return mapBinary(outputGradient, x) { dy, x in x > 0 ? dy : a * dy }
  }
}

/// Sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y), which lies in [0, 1/4], so the backward pass
/// shrinks a gradient and keeps its sign (the exam's Q1(f)).
public final class Sigmoid<Scalar: NNScalar>: Layer {
  private var cachedOutput: Tensor<Scalar>?
  public init() {}
  public var name: String { "SIGMOID" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    let y = mapUnary(input) { Scalar.sigmoid($0) }
    cachedOutput = y
    return y
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let y = cachedForBackward(cachedOutput)
    return mapBinary(outputGradient, y) { dy, y in dy * (y * (1 - y)) }
  }
}

/// Tanh: y = tanh(x); dy/dx = 1 - y^2.
public final class Tanh<Scalar: NNScalar>: Layer {
  private var cachedOutput: Tensor<Scalar>?
  public init() {}
  public var name: String { "TANH" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    let y = mapUnary(input) { Scalar.nnTanh($0) }
    cachedOutput = y
    return y
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let y = cachedForBackward(cachedOutput)
    return mapBinary(outputGradient, y) { dy, y in dy * (1 - y * y) }
  }
}

/// Softmax along the last axis: y_j = e^(x_j - max x) / sum_k e^(x_k - max x) (shifting by the
/// maximum changes nothing mathematically and keeps e^ from overflowing).
/// Backward: dx_j = y_j (dy_j - sum_k dy_k y_k). For training, prefer the fused
/// `Loss.softmaxCrossEntropy` on logits, which is stabler.
public final class Softmax<Scalar: NNScalar>: Layer {
  private var cachedOutput: Tensor<Scalar>?
  public init() {}
  public var name: String { "SOFTMAX" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    let y = softmaxRows(input)
    cachedOutput = y
    return y
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let y = cachedForBackward(cachedOutput)
    let k = y.shape.last ?? 1
    let rows = y.count / max(k, 1)
    return outputGradient.read { dy in
      y.read { yp in
        Tensor<Scalar>.build(y.shape) { dx in
          for r in 0..<rows {
            var dot: Scalar = 0
            for j in 0..<k { dot += dy[r * k + j] * yp[r * k + j] }
            for j in 0..<k { dx[r * k + j] = yp[r * k + j] * (dy[r * k + j] - dot) }
          }
        }
      }
    }
  }
}

/// Inverted dropout: in training each element survives with probability 1 - rate and is scaled by
/// 1 / (1 - rate), so the expected activation is unchanged and inference is the identity.
/// The mask comes from a seeded generator; backward multiplies by the same mask.
public final class Dropout<Scalar: NNScalar>: Layer {
  /// Probability of dropping an element (PyTorch's `p`; the exam's keep probability is 1 - rate).
  public let rate: Double
  private var generator: SeededGenerator
  private var cachedMask: Tensor<Scalar>?

  public init(rate: Double, seed: UInt64 = 0) {
    precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
    self.rate = rate
    self.generator = SeededGenerator(seed: seed)
  }

  public var name: String { "DROPOUT-\(rate)" }

  /// Restarts the mask sequence (tests use this to replay one mask).
  public func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    guard training, rate > 0 else {
      cachedMask = nil
      return input
    }
    let scale = Scalar(1 / (1 - rate))
    var mask = [Scalar](repeating: 0, count: input.count)
    for i in mask.indices where generator.nextUnit() >= rate { mask[i] = scale }
    let m = Tensor(shape: input.shape, storage: mask)
    cachedMask = m
    return mapBinary(input, m) { $0 * $1 }
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    guard let m = cachedMask else { return outputGradient }
    return mapBinary(outputGradient, m) { $0 * $1 }
  }
}

@inline(__always)
func mapUnary<T: NNScalar>(_ x: Tensor<T>, _ f: (T) -> T) -> Tensor<T> {
  x.read { src in
    Tensor<T>.buildUninitialized(x.shape) { dst in for i in 0..<x.count { dst[i] = f(src[i]) } }
  }
}

@inline(__always)
func mapBinary<T: NNScalar>(_ a: Tensor<T>, _ b: Tensor<T>, _ f: (T, T) -> T) -> Tensor<T> {
  precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
  return a.read { pa in
    b.read { pb in
      Tensor<T>.buildUninitialized(a.shape) { dst in
        for i in 0..<a.count { dst[i] = f(pa[i], pb[i]) }
      }
    }
  }
}

/// Row-wise softmax over the last axis.
func softmaxRows<T: NNScalar>(_ x: Tensor<T>) -> Tensor<T> {
  let k = x.shape.last ?? 1
  let rows = x.count / max(k, 1)
  return x.read { src in
    Tensor<T>.build(x.shape) { dst in
      for r in 0..<rows {
        let row = src + r * k
        var m = row[0]
        for j in 1..<max(k, 1) { m = max(m, row[j]) }
        var sum: T = 0
        for j in 0..<k {
          let e = T.nnExp(row[j] - m)
          dst[r * k + j] = e
          sum += e
        }
        for j in 0..<k { dst[r * k + j] /= sum }
      }
    }
  }
}
