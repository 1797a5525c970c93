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

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    expectInput(
      input.shape, rank: nil, last: channels, "with \(channels) channels on the last axis")
    let c = channels
    let rows = input.count / c
    var mean = [Scalar](repeating: 0, count: c)
    var variance = [Scalar](repeating: 0, count: c)
    if training {
      precondition(rows > 1, "\(name): training needs more than one value per channel")
      input.read { x in
        mean.withUnsafeMutableBufferPointer { mu in
          variance.withUnsafeMutableBufferPointer { va in
            batchStatistics(
              x, rows: rows, channels: c, mean: mu.baseAddress!, variance: va.baseAddress!)
          }
        }
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
    var normalized = Tensor<Scalar>.buildUninitialized(input.shape) { _ in }
    let output = input.read { x in
      normalized.write { xh in
        Tensor<Scalar>.buildUninitialized(input.shape) { y in
          gamma.value.read { g in
            beta.value.read { b in
              inverseStd.withUnsafeBufferPointer { inv in
                mean.withUnsafeBufferPointer { mu in
                  batchNormalize(
                    x, rows: rows, channels: c, mean: mu.baseAddress!, inverseStd: inv.baseAddress!,
                    gamma: g, beta: b, normalized: xh, output: y)
                }
              }
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

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let normalized = cachedForBackward(cachedNormalized)
    precondition(outputGradient.shape == normalized.shape)
    let c = channels
    let rows = normalized.count / c
    var sumDy = [Scalar](repeating: 0, count: c)
    var sumDyXhat = [Scalar](repeating: 0, count: c)
    let training = cachedTraining
    let output = outputGradient.read { dy in
      normalized.read { xh in
        gamma.value.read { g in
          cachedInverseStd.withUnsafeBufferPointer { inv in
            sumDy.withUnsafeMutableBufferPointer { sdy in
              sumDyXhat.withUnsafeMutableBufferPointer { sdx in
                Tensor<Scalar>.buildUninitialized(normalized.shape) { dx in
                  batchNormBackward(
                    dy, xh, rows: rows, channels: c, gamma: g, inverseStd: inv.baseAddress!,
                    training: training,
                    sumDy: sdy.baseAddress!, sumDyXhat: sdx.baseAddress!, dx: dx)
                }
              }
            }
          }
        }
      }
    }
    gamma.gradient.write { dg in for j in 0..<c { dg[j] += sumDyXhat[j] } }
    beta.gradient.write { db in for j in 0..<c { db[j] += sumDy[j] } }
    return output
  }
}

/// Per-channel mean and biased variance of a (rows x channels) matrix.
@_specialize(where T == Float)
@_specialize(where T == Double)
func batchStatistics<T: NNScalar>(
  _ x: UnsafePointer<T>, rows: Int, channels c: Int, mean: UnsafeMutablePointer<T>,
  variance: UnsafeMutablePointer<T>
) {
  for r in 0..<rows {
    let row = x + r * c
    for j in 0..<c { mean[j] += row[j] }
  }
  for j in 0..<c { mean[j] /= T(rows) }
  for r in 0..<rows {
    let row = x + r * c
    for j in 0..<c {
      let d = row[j] - mean[j]
      variance[j] += d * d
    }
  }
  for j in 0..<c { variance[j] /= T(rows) }
}

/// xhat = (x - mean) * inverseStd and y = gamma * xhat + beta, per channel.
@_specialize(where T == Float)
@_specialize(where T == Double)
func batchNormalize<T: NNScalar>(
  _ x: UnsafePointer<T>, rows: Int, channels c: Int, mean: UnsafePointer<T>,
  inverseStd: UnsafePointer<T>,
  gamma: UnsafePointer<T>, beta: UnsafePointer<T>, normalized: UnsafeMutablePointer<T>,
  output: UnsafeMutablePointer<T>
) {
  for r in 0..<rows {
    let o = r * c
    for j in 0..<c {
      let xh = (x[o + j] - mean[j]) * inverseStd[j]
      normalized[o + j] = xh
      output[o + j] = gamma[j] * xh + beta[j]
    }
  }
}

/// The two channel sums of the backward pass, then dx (see the type's comment for the formula).
@_specialize(where T == Float)
@_specialize(where T == Double)
func batchNormBackward<T: NNScalar>(
  _ dy: UnsafePointer<T>, _ xh: UnsafePointer<T>, rows: Int, channels c: Int,
  gamma: UnsafePointer<T>,
  inverseStd: UnsafePointer<T>, training: Bool, sumDy: UnsafeMutablePointer<T>,
  sumDyXhat: UnsafeMutablePointer<T>,
  dx: UnsafeMutablePointer<T>
) {
  for r in 0..<rows {
    let o = r * c
    for j in 0..<c {
      sumDy[j] += dy[o + j]
      sumDyXhat[j] += dy[o + j] * xh[o + j]
    }
  }
  let m = T(rows)
  for r in 0..<rows {
    let o = r * c
    for j in 0..<c {
      if training {
        dx[o + j] =
          gamma[j] * inverseStd[j] / m * (m * dy[o + j] - sumDy[j] - xh[o + j] * sumDyXhat[j])
      } else {
        dx[o + j] = dy[o + j] * gamma[j] * inverseStd[j]
      }
    }
  }
}
