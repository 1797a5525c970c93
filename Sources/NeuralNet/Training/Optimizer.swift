import FrameTensor

/// Updates parameters from their accumulated gradients.
public protocol Optimizer<Scalar>: AnyObject {
  associatedtype Scalar: NNScalar
  func step(_ parameters: [Parameter<Scalar>])
}

/// Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's `SGD`:
///   v <- mu v + g,  p <- p - lr v.
/// With momentum 0 this is the exam's plain update p <- p - alpha dJ/dp.
public final class SGD<Scalar: NNScalar>: Optimizer {
  public var learningRate: Scalar
  public let momentum: Scalar
  private var velocity: [ObjectIdentifier: [Scalar]] = [:]

  public init(learningRate: Scalar, momentum: Scalar = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [Parameter<Scalar>]) {
    for p in parameters {
      let g = p.gradient.storage
      var v = velocity[ObjectIdentifier(p)] ?? [Scalar](repeating: 0, count: g.count)
      let lr = learningRate
      let mu = momentum
      p.value.write { w in
        for i in 0..<g.count {
          v[i] = mu * v[i] + g[i]
          w[i] -= lr * v[i]
        }
      }
      if momentum != 0 { velocity[ObjectIdentifier(p)] = v }
    }
  }
}

/// Adam (Kingma and Ba 2015), with bias correction:
///   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
///   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
public final class Adam<Scalar: NNScalar>: Optimizer {
  public var learningRate: Scalar
  public let beta1: Scalar
  public let beta2: Scalar
  public let epsilon: Scalar
  private var moments: [ObjectIdentifier: (m: [Scalar], v: [Scalar])] = [:]
  private var beta1Power: Scalar = 1
  private var beta2Power: Scalar = 1

  public init(
    learningRate: Scalar = 0.001, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [Parameter<Scalar>]) {
    beta1Power *= beta1
    beta2Power *= beta2
    let c1 = 1 - beta1Power
    let c2 = 1 - beta2Power
    for p in parameters {
      let g = p.gradient.storage
      var (m, v) =
        moments[ObjectIdentifier(p)] ?? (
          [Scalar](repeating: 0, count: g.count), [Scalar](repeating: 0, count: g.count)
        )
      let (b1, b2, lr, eps) = (beta1, beta2, learningRate, epsilon)
      p.value.write { w in
        for i in 0..<g.count {
          m[i] = b1 * m[i] + (1 - b1) * g[i]
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
          w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
        }
      }
      moments[ObjectIdentifier(p)] = (m, v)
    }
  }
}
