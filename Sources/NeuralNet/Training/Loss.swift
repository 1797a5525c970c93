import FrameTensor

/// A loss value and its gradient with respect to the loss's input (logits or predictions).
public struct LossResult<Scalar: NNScalar> {
  public var value: Scalar
  public var gradient: Tensor<Scalar>
}

/// The losses of the exam. Every loss is averaged over the batch (the first axis), matching the
/// exam's J = (1/m) sum_i L(i).
public enum Loss {
  /// Softmax cross-entropy from logits z (N, K) against targets y (N, K): one-hot, or multi-hot
  /// as in Q4(xi), or any non-negative weights.
  ///
  ///   L = -sum_j y_j log softmax(z)_j = sum_j y_j (lse(z) - z_j),
  ///   lse(z) = max z + log1p(sum_{j != argmax} e^(z_j - max z)),
  ///   dL/dz_j = (sum_k y_k) softmax(z)_j - y_j.
  /// Writing lse with log1p keeps the loss of a confident correct prediction positive down to
  /// e^-745 in Double (e^-104 in Float) instead of rounding it to 0: the exam's Q4(vi), a softmax
  /// never gives zero loss.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public static func softmaxCrossEntropy<Scalar: NNScalar>(
    logits: Tensor<Scalar>, targets: Tensor<Scalar>
  ) -> LossResult<Scalar> {
    precondition(
      logits.rank == 2 && targets.shape == logits.shape,
      "logits \(logits.shape) vs targets \(targets.shape)")
    let n = logits.shape[0]
    let k = logits.shape[1]
    var total: Scalar = 0
    let gradient = logits.read { z in
      targets.read { y in
        Tensor<Scalar>.build(logits.shape) { dz in
          for r in 0..<n {
            let row = z + r * k
            var best = 0
            for j in 1..<k where row[j] > row[best] { best = j }
            let m = row[best]
            var others: Scalar = 0
            for j in 0..<k where j != best { others += Scalar.nnExp(row[j] - m) }
            let tail = Scalar.nnLog1p(others)
            var ySum: Scalar = 0
            for j in 0..<k where y[r * k + j] != 0 {
              total += y[r * k + j] * ((m - row[j]) + tail)
              ySum += y[r * k + j]
            }
            let denominator = 1 + others
            for j in 0..<k {
              let p = (j == best ? 1 : Scalar.nnExp(row[j] - m)) / denominator
              dz[r * k + j] = (ySum * p - y[r * k + j]) / Scalar(n)
            }
          }
        }
      }
    }
    return LossResult(value: total / Scalar(n), gradient: gradient)
  }

  /// Softmax cross-entropy against class indices (one-hot targets).
  public static func softmaxCrossEntropy<Scalar: NNScalar>(
    logits: Tensor<Scalar>, labels: [Int]
  ) -> LossResult<Scalar> {
    softmaxCrossEntropy(
      logits: logits, targets: oneHot(labels, classes: logits.shape[1], as: Scalar.self))
  }

  /// Cross-entropy of predicted probabilities p (N, K) against targets y: -sum_j y_j log p_j, with
  /// 0 * log 0 taken as 0 (the exam's Q4(iv)). dL/dp_j = -y_j / p_j.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public static func crossEntropy<Scalar: NNScalar>(
    probabilities: Tensor<Scalar>, targets: Tensor<Scalar>
  ) -> LossResult<Scalar> {
    precondition(probabilities.rank == 2 && targets.shape == probabilities.shape)
    return elementwise(probabilities, targets, dividedBy: Scalar(probabilities.shape[0])) { p, y in
      y == 0 ? (0, 0) : (-(y * Scalar.nnLog(p)), -y / p)
    }
  }

  /// Sigmoid binary cross-entropy for multi-label targets (multi-hot y in {0, 1}, or soft labels),
  /// one sigmoid per class (Q4(x)), averaged over every element:
  ///   l = -[y log sigma(z) + (1 - y) log(1 - sigma(z))] = max(z, 0) - z y + log1p(e^-|z|),
  ///   dl/dz = sigma(z) - y.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public static func sigmoidBinaryCrossEntropy<Scalar: NNScalar>(
    logits: Tensor<Scalar>, targets: Tensor<Scalar>
  ) -> LossResult<Scalar> {
    precondition(
      targets.shape == logits.shape, "logits \(logits.shape) vs targets \(targets.shape)")
    return elementwise(logits, targets, dividedBy: Scalar(logits.count)) { z, y in
      (max(z, 0) - z * y + Scalar.nnLog1p(Scalar.nnExp(-abs(z))), Scalar.sigmoid(z) - y)
    }
  }

  /// Mean squared error over every element: mean((p - t)^2); dL/dp = 2 (p - t) / count.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public static func meanSquaredError<Scalar: NNScalar>(
    predictions: Tensor<Scalar>, targets: Tensor<Scalar>
  ) -> LossResult<Scalar> {
    precondition(targets.shape == predictions.shape)
    return elementwise(predictions, targets, dividedBy: Scalar(predictions.count)) { p, t in
      let d = p - t
      return (d * d, 2 * d)
    }
  }

  /// A loss that is a sum of per-element terms: `term(x, y)` gives an element's loss and its
  /// derivative; the value and every derivative are divided by `divisor` (the batch size, or the
  /// element count for the per-element means).
  @inline(__always)
  static func elementwise<Scalar: NNScalar>(
    _ input: Tensor<Scalar>, _ targets: Tensor<Scalar>, dividedBy divisor: Scalar,
    _ term: (Scalar, Scalar) -> (loss: Scalar, derivative: Scalar)
  ) -> LossResult<Scalar> {
    var total: Scalar = 0
    let gradient = input.read { x in
      targets.read { y in
        Tensor<Scalar>.build(input.shape) { dx in
          for i in 0..<input.count {
            let (loss, derivative) = term(x[i], y[i])
            total += loss
            dx[i] = derivative / divisor
          }
        }
      }
    }
    return LossResult(value: total / divisor, gradient: gradient)
  }

  /// (N, classes) one-hot rows for class indices.
  public static func oneHot<Scalar: NNScalar>(
    _ labels: [Int], classes: Int, as: Scalar.Type = Scalar.self
  ) -> Tensor<Scalar> {
    Tensor<Scalar>.build([labels.count, classes]) { y in
      for (r, label) in labels.enumerated() {
        precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
        y[r * classes + label] = 1
      }
    }
  }
}
