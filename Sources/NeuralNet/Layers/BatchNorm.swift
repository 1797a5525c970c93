import FrameTensor

/// Batch normalisation over the last axis (channels): for images (N, H, W, C) the statistics are
/// taken over N, H and W per channel; for vectors (N, D) over N per feature (Ioffe and Szegedy 2015).
///
/// Training:  mu = mean(x), var = mean((x - mu)^2) (biased), xhat = (x - mu) / sqrt(var + eps),
///            y = gamma * xhat + beta; the running statistics move by
///            running = (1 - momentum) * running + momentum * batch (the running variance takes the
///            unbiased batch variance, var * M / (M - 1), as PyTorch does).
/// Inference: xhat uses the running mean and variance, so each example is normalised alone.
/// Backward (training), with M values per channel:
///   dgamma = sum(dy * xhat), dbeta = sum(dy),
///   dx = gamma / (M * sqrt(var + eps)) * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
/// Backward (inference) is the affine map's: dx = dy * gamma / sqrt(runningVar + eps).
/// gamma and beta are the trainable parameters (2C, as in the Q3 table); running mean and variance
/// are state.
public final class BatchNorm<Scalar: NNScalar>: Layer {
  public let channels: Int
  public let momentum: Scalar
  public let epsilon: Scalar
  public let gamma: Parameter<Scalar>
  public let beta: Parameter<Scalar>
  public let runningMean: Parameter<Scalar>
  public let runningVariance: Parameter<Scalar>

  private var cachedNormalized: Tensor<Scalar>?
  private var cachedInverseStd: [Scalar] = []
  private var cachedTraining = false

  public init(channels: Int, momentum: Scalar = 0.1, epsilon: Scalar = 1e-5) {
    precondition(channels > 0)
    self.channels = channels
    self.momentum = momentum
    self.epsilon = epsilon
    gamma = Parameter(name: "gamma", value: Tensor(shape: [channels], repeating: 1))
    beta = Parameter(name: "beta", value: Tensor(zeros: [channels]))
    runningMean = Parameter(name: "running_mean", value: Tensor(zeros: [channels]))
    runningVariance = Parameter(name: "running_var", value: Tensor(shape: [channels], repeating: 1))
  }

  public var name: String { "BATCHNORM" }
  public var parameters: [Parameter<Scalar>] { [gamma, beta] }
  public var state: [Parameter<Scalar>] { [runningMean, runningVariance] }

  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    precondition(
      input.rank >= 2 && input.shape.last == channels,
      "\(name): expected \(channels) channels on the last axis, got \(input.shape)")
    let c = channels
    let rows = input.count / c
    var mean = [Scalar](repeating: 0, count: c)
    var variance = [Scalar](repeating: 0, count: c)
    if training {
      precondition(rows > 1, "\(name): training needs more than one value per channel")
      input.read { x in
        for r in 0..<rows { for j in 0..<c { mean[j] += x[r * c + j] } }
        for j in 0..<c { mean[j] /= Scalar(rows) }
        for r in 0..<rows {
          for j in 0..<c {
            let d = x[r * c + j] - mean[j]
            variance[j] += d * d
          }
        }
        for j in 0..<c { variance[j] /= Scalar(rows) }
      }
      runningMean.value.write { rm in
        for j in 0..<c { rm[j] = (1 - momentum) * rm[j] + momentum * mean[j] }
      }
      let unbias = Scalar(rows) / Scalar(rows - 1)
      runningVariance.value.write { rv in
        for j in 0..<c { rv[j] = (1 - momentum) * rv[j] + momentum * variance[j] * unbias }
      }
    } else {
      mean = runningMean.value.storage
      variance = runningVariance.value.storage
    }
    let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
    let g = gamma.value.storage
    let b = beta.value.storage
    var normalized = Tensor<Scalar>(zeros: input.shape)
    let output = input.read { x in
      normalized.write { xh in
        Tensor<Scalar>.build(input.shape) { y in
          for r in 0..<rows {
            for j in 0..<c {
              let i = r * c + j
              xh[i] = (x[i] - mean[j]) * inverseStd[j]
              y[i] = g[j] * xh[i] + b[j]
            }
          }
        }
      }
    }
    cachedNormalized = normalized
    cachedInverseStd = inverseStd
    cachedTraining = training
    return output
  }

  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    guard let normalized = cachedNormalized else { preconditionFailure("\(name): backward before forward") }
    precondition(outputGradient.shape == normalized.shape)
    let c = channels
    let rows = normalized.count / c
    var sumDy = [Scalar](repeating: 0, count: c)
    var sumDyXhat = [Scalar](repeating: 0, count: c)
    outputGradient.read { dy in
      normalized.read { xh in
        for r in 0..<rows {
          for j in 0..<c {
            sumDy[j] += dy[r * c + j]
            sumDyXhat[j] += dy[r * c + j] * xh[r * c + j]
          }
        }
      }
    }
    gamma.gradient.write { dg in for j in 0..<c { dg[j] += sumDyXhat[j] } }
    beta.gradient.write { db in for j in 0..<c { db[j] += sumDy[j] } }
    let g = gamma.value.storage
    let m = Scalar(rows)
    return outputGradient.read { dy in
      normalized.read { xh in
        Tensor<Scalar>.build(normalized.shape) { dx in
          for r in 0..<rows {
            for j in 0..<c {
              let i = r * c + j
              if cachedTraining {
                dx[i] = g[j] * cachedInverseStd[j] / m * (m * dy[i] - sumDy[j] - xh[i] * sumDyXhat[j])
              } else {
                dx[i] = dy[i] * g[j] * cachedInverseStd[j]
              }
            }
          }
        }
      }
    }
  }
}
