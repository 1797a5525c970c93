import FrameTensor

/// The two-layer siamese network of the exam's Question 5, with the exam's hand-derived gradients
/// (no generic autodiff) and its gradient-descent update.
///
/// Per example (x, x') of Dx values each (a flattened H x W x C frame):
///   z1 = W1 x + b1,  a1 = ReLU(z1),  z2 = W1 x' + b1,  a2 = ReLU(z2),  a = a1 - a2,
///   z3 = W2 a + b2,  y^ = sigmoid(z3),  J = -(1/m) sum_i [y log y^ + (1 - y) log(1 - y^)].
/// Shapes as in Q5(i): W1 (Da1, Dx), b1 (Da1), W2 (1, Da1), b2 scalar. The batch is stored one
/// example per row, X (m, Dx), so the exam's column-vector products appear transposed here:
/// Z1 = X W1^T + b1 is (m, Da1).
public final class SiameseNetwork<Scalar: NNScalar> {
  public let inputSize: Int
  public let hiddenSize: Int
  /// (Da1, Dx)
  public var w1: Tensor<Scalar>
  /// (Da1)
  public var b1: Tensor<Scalar>
  /// (1, Da1)
  public var w2: Tensor<Scalar>
  public var b2: Scalar

  /// Seeded initial weights (W1 then W2 from one generator); biases start at zero.
  public init(inputSize: Int, hiddenSize: Int, initializer: Initializer = .he, seed: UInt64 = 0) {
    do {
      _ = try NNLimits.checkSiamese(inputShape: [inputSize], hiddenSize: hiddenSize)
    } catch {
      preconditionFailure(
        "SiameseNetwork(inputSize: \(inputSize), hiddenSize: \(hiddenSize)): \(error)")
    }
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    var generator = SeededGenerator(seed: seed)
    w1 = initializer.weights(
      shape: [hiddenSize, inputSize], fanIn: inputSize, fanOut: hiddenSize, generator: &generator)
    w2 = initializer.weights(
      shape: [1, hiddenSize], fanIn: hiddenSize, fanOut: 1, generator: &generator)
    b1 = Tensor(zeros: [hiddenSize])
    b2 = 0
  }

  /// The forward pass's intermediate values, all (m, Da1) except z3 and y^ (m).
  public struct Activations {
    public var z1: Tensor<Scalar>
    public var z2: Tensor<Scalar>
    public var a: Tensor<Scalar>
    public var z3: [Scalar]
    public var yHat: [Scalar]
  }

  /// dJ/dW1 (Da1, Dx), dJ/db1 (Da1), dJ/dW2 (1, Da1), dJ/db2, and the inputs' gradients
  /// dJ/dX (m, Dx) and dJ/dX' (m, Dx) (not needed for training; they let the tests check the
  /// whole chain).
  public struct Gradients {
    public var w1: Tensor<Scalar>
    public var b1: Tensor<Scalar>
    public var w2: Tensor<Scalar>
    public var b2: Scalar
    public var x: Tensor<Scalar>
    public var xPrime: Tensor<Scalar>
  }

  /// `x` and `xPrime` are (m, ...) with Dx values per example (frames (m, H, W, C) work as is).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>) -> Activations {
    precondition(
      x.shape == xPrime.shape && x.exampleSize == inputSize, "inputs must be (m, \(inputSize)) each"
    )
    let m = x.shape[0]
    let w1T = w1.read { w in
      Tensor<Scalar>.build([inputSize, hiddenSize]) {
        transpose(rows: hiddenSize, cols: inputSize, w, $0)
      }
    }
    func hidden(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
      input.read { xp in
        w1T.read { wt in
          b1.read { b in
            Tensor<Scalar>.build([m, hiddenSize]) { z in
              for i in 0..<m { (z + i * hiddenSize).update(from: b, count: hiddenSize) }
              gemm(
                m: m, n: hiddenSize, k: inputSize, a: xp, lda: inputSize, b: wt, ldb: hiddenSize,
                c: z, ldc: hiddenSize, accumulate: true)
            }
          }
        }
      }
    }
    let z1 = hidden(x)
    let z2 = hidden(xPrime)
    let a = mapBinary(z1, z2) { max(0, $0) - max(0, $1) }
    var z3 = [Scalar](repeating: b2, count: m)
    let w2s = w2.storage
    a.read { ap in
      for i in 0..<m {
        for j in 0..<hiddenSize { z3[i] += w2s[j] * ap[i * hiddenSize + j] }
      }
    }
    return Activations(z1: z1, z2: z2, a: a, z3: z3, yHat: z3.map { Scalar.sigmoid($0) })
  }

  /// P(flash) for each pair.
  public func probabilities(_ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>) -> [Scalar] {
    forward(x, xPrime).yHat
  }

  /// J = -(1/m) sum_i [y log y^ + (1 - y) log(1 - y^)], evaluated from z3 as
  /// max(z3, 0) - z3 y + log1p(e^-|z3|) so that a saturated sigmoid gives a finite loss.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func cost(_ activations: Activations, labels: [Scalar]) -> Scalar {
    precondition(labels.count == activations.z3.count)
    var total: Scalar = 0
    for (z, y) in zip(activations.z3, labels) {
      total += max(z, 0) - z * y + Scalar.nnLog1p(Scalar.nnExp(-abs(z)))
    }
    return total / Scalar(max(1, labels.count))
  }

  /// The exam's gradients (Q5(ii)-(viii); ../shared/docs/exam-answers.md), vectorised over m:
  ///   delta1_i = dJ/dz3_i = (y^_i - y_i) / m                          (Q5(ii))
  ///   delta2   = dz3/da = W2                                          (Q5(iii))
  ///   delta3   = da/dz2 = -diag(H(z2)),  delta4 = da/dz1 = diag(H(z1)) (Q5(iv), (v))
  ///   dJ/dW2 = sum_i delta1_i a_i^T,  dJ/db2 = sum_i delta1_i
  ///   G1_i = delta1_i (W2^T * H(z1_i)),  G2_i = delta1_i (W2^T * H(z2_i))   (* elementwise)
  ///   dJ/dW1 = sum_i G1_i x_i^T - G2_i x'_i^T = G1^T X - G2^T X'          (Q5(vii))
  ///   dJ/db1 = sum_i G1_i - G2_i
  ///   dJ/dx_i = W1^T G1_i,  dJ/dx'_i = -W1^T G2_i
  /// with H the step function (1 where its argument is > 0).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func gradients(_ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>, labels: [Scalar]) -> (
    cost: Scalar, gradients: Gradients
  ) {
    let act = forward(x, xPrime)
    let m = x.shape[0]
    precondition(labels.count == m, "one label per pair")
    let delta1 = (0..<m).map { (act.yHat[$0] - labels[$0]) / Scalar(m) }
    let w2s = w2.storage
    var dW2 = Tensor<Scalar>(zeros: [1, hiddenSize])
    dW2.write { g in
      act.a.read { ap in
        for i in 0..<m { for j in 0..<hiddenSize { g[j] += delta1[i] * ap[i * hiddenSize + j] } }
      }
    }
    let db2 = delta1.reduce(0, +)
    func branch(_ z: Tensor<Scalar>) -> Tensor<Scalar> {
      z.read { zp in
        Tensor<Scalar>.build([m, hiddenSize]) { g in
          for i in 0..<m {
            for j in 0..<hiddenSize where zp[i * hiddenSize + j] > 0 {
              g[i * hiddenSize + j] = delta1[i] * w2s[j]
            }
          }
        }
      }
    }
    let g1 = branch(act.z1)
    let negG2 = branch(act.z2).map { -$0 }
    var dW1 = Tensor<Scalar>(zeros: [hiddenSize, inputSize])
    dW1.write { g in
      g1.read { gp in
        x.read { xp in
          gemmTN(
            m: m, n: inputSize, k: hiddenSize, a: gp, lda: hiddenSize, b: xp, ldb: inputSize, c: g,
            ldc: inputSize)
        }
      }
      negG2.read { gp in
        xPrime.read { xp in
          gemmTN(
            m: m, n: inputSize, k: hiddenSize, a: gp, lda: hiddenSize, b: xp, ldb: inputSize, c: g,
            ldc: inputSize)
        }
      }
    }
    var db1 = Tensor<Scalar>(zeros: [hiddenSize])
    db1.write { g in
      for i in 0..<m {
        for j in 0..<hiddenSize {
          g[j] += g1[flat: i * hiddenSize + j] + negG2[flat: i * hiddenSize + j]
        }
      }
    }
    func inputGradient(_ g: Tensor<Scalar>) -> Tensor<Scalar> {
      g.read { gp in
        w1.read { w in
          Tensor<Scalar>.build(x.shape) { dx in
            gemm(
              m: m, n: inputSize, k: hiddenSize, a: gp, lda: hiddenSize, b: w, ldb: inputSize,
              c: dx, ldc: inputSize, accumulate: false)
          }
        }
      }
    }
    return (
      cost(act, labels: labels),
      Gradients(
        w1: dW1, b1: db1, w2: dW2, b2: db2, x: inputGradient(g1), xPrime: inputGradient(negG2))
    )
  }

  /// The exam's update (Q5(viii)): P <- P - alpha dJ/dP for W1, b1, W2, b2.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func update(_ g: Gradients, learningRate alpha: Scalar) {
    func step(_ p: inout Tensor<Scalar>, _ d: Tensor<Scalar>) {
      d.read { dp in p.write { pp in for i in 0..<d.count { pp[i] -= alpha * dp[i] } } }
    }
    step(&w1, g.w1)
    step(&b1, g.b1)
    step(&w2, g.w2)
    b2 -= alpha * g.b2
  }

  /// One gradient-descent step on a batch; returns the cost before the step.
  @discardableResult
  public func trainStep(
    _ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>, labels: [Scalar], learningRate: Scalar
  ) -> Scalar {
    let (cost, g) = gradients(x, xPrime, labels: labels)
    update(g, learningRate: learningRate)
    return cost
  }

  /// One pass of mini-batch gradient descent (the exam's update per batch) over the pairs in a
  /// seeded random order. Returns the mean cost over pairs, each batch's cost taken before its
  /// update.
  public func trainEpoch(
    _ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>, labels: [Scalar], batchSize: Int,
    learningRate: Scalar,
    generator: inout SeededGenerator
  ) -> Double {
    precondition(batchSize > 0 && labels.count == x.shape[0])
    return forEachMiniBatch(count: labels.count, batchSize: batchSize, generator: &generator) {
      batch in
      Double(
        trainStep(
          x.gather(batch), xPrime.gather(batch), labels: batch.map { labels[$0] },
          learningRate: learningRate))
    }
  }

  /// Cost and prediction counts (p > 0.5 means "flash") on held-out pairs.
  public func evaluate(_ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>, labels: [Scalar]) -> (
    cost: Double, score: BinaryScore
  ) {
    let act = forward(x, xPrime)
    return (Double(cost(act, labels: labels)), BinaryScore(probabilities: act.yHat, labels: labels))
  }
}
