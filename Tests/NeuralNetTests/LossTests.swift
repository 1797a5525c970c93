import Foundation
import FrameTensor
import Testing

@testable import NeuralNet

@Suite("Losses: gradients and the exam's Question 4")
struct LossTests {
  func check(
    _ name: String, _ input: Tensor<Double>, _ loss: (Tensor<Double>) -> LossResult<Double>
  ) {
    let analytic = loss(input).gradient.storage
    let numeric = GradientCheck.numeric(at: input) { loss($0).value }
    let error = GradientCheck.relativeError(analytic, numeric)
    #expect(error < 1e-6, "\(name): relative error \(error), tolerance 1e-6")
  }

  @Test("Finite-difference gradients of every loss")
  func gradients() {
    let logits = GradientCheck.random([4, 5], seed: 30, in: -3...3)
    check("softmax CE one-hot", logits) {
      Loss.softmaxCrossEntropy(logits: $0, labels: [0, 4, 2, 2])
    }
    let multiHot = Tensor<Double>(
      shape: [4, 5], storage: [1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    check("softmax CE multi-hot", logits) {
      Loss.softmaxCrossEntropy(logits: $0, targets: multiHot)
    }
    check("sigmoid BCE", logits) { Loss.sigmoidBinaryCrossEntropy(logits: $0, targets: multiHot) }
    let soft = GradientCheck.random([4, 5], seed: 31, in: 0...1)
    check("sigmoid BCE soft labels", logits) {
      Loss.sigmoidBinaryCrossEntropy(logits: $0, targets: soft)
    }
    check("MSE", logits) { Loss.meanSquaredError(predictions: $0, targets: soft) }
    let probabilities = GradientCheck.random([4, 5], seed: 32, in: 0.05...1)
    check("cross-entropy of probabilities", probabilities) {
      Loss.crossEntropy(probabilities: $0, targets: multiHot)
    }
  }

  @Test("Q4(iii) and (iv): the horror poster costs -log 0.4 both times")
  func q4HorrorPoster() {
    let horror = Tensor<Double>(shape: [1, 4], storage: [0, 1, 0, 0])
    let first = Loss.crossEntropy(
      probabilities: Tensor(shape: [1, 4], storage: [0.1, 0.4, 0.3, 0.2]), targets: horror)
    let second = Loss.crossEntropy(
      probabilities: Tensor(shape: [1, 4], storage: [0, 0.4, 0, 0.6]), targets: horror)
    #expect(
      abs(first.value - -log(0.4)) < 1e-15, "expected -log 0.4 = \(-log(0.4)), got \(first.value)")
    #expect(abs(second.value - -log(0.4)) < 1e-15, "0 * log 0 counts as 0; got \(second.value)")
    // The same numbers come out of the fused loss when the logits are log-probabilities.
    let logits = Tensor<Double>(shape: [1, 4], storage: [0.1, 0.4, 0.3, 0.2].map { log($0) })
    #expect(abs(Loss.softmaxCrossEntropy(logits: logits, labels: [1]).value - -log(0.4)) < 1e-15)
  }

  @Test("Q4(vi): softmax cross-entropy is never 0, even for confident correct predictions")
  func q4NeverZero() {
    var g = SeededGenerator(seed: 33)
    for trial in 0..<2000 {
      let k = 2 + Int(g.next() % 9)
      let label = Int(g.next() % UInt64(k))
      // Margins from small to 700 nats (e^-700 is still a normal Double).
      let margin = trial < 1000 ? 40 * g.nextUnit() : 700 * g.nextUnit()
      var z = (0..<k).map { _ in 2 * g.nextUnit() - 1 }
      z[label] += margin
      let loss = Loss.softmaxCrossEntropy(
        logits: Tensor(shape: [1, k], storage: z), labels: [label]
      ).value
      #expect(loss > 0, "trial \(trial): loss \(loss) with margin \(margin)")
      let p = Softmax<Double>().forward(Tensor(shape: [1, k], storage: z), training: false)
      if margin < 30 {
        #expect(p.storage.allSatisfy { $0 > 0 && $0 < 1 }, "softmax outputs lie strictly in (0, 1)")
      }
    }
  }

  @Test("Q4(xi): with K correct classes the softmax cross-entropy is at least K log K")
  func q4KLogK() {
    var g = SeededGenerator(seed: 34)
    for trial in 0..<3000 {
      let n = 2 + Int(g.next() % 9)
      let k = 1 + Int(g.next() % UInt64(n))
      let correct = Set(g.permutation(n).prefix(k))
      let y = Tensor<Double>(shape: [1, n], storage: (0..<n).map { correct.contains($0) ? 1 : 0 })
      let z = Tensor<Double>(
        shape: [1, n], storage: (0..<n).map { _ in 10 * (2 * g.nextUnit() - 1) })
      let loss = Loss.softmaxCrossEntropy(logits: z, targets: y).value
      let bound = Double(k) * log(Double(k))
      #expect(loss >= bound - 1e-12, "trial \(trial): K = \(k), loss \(loss) < K log K = \(bound)")
    }
    // The bound is tight: equal logits on the K classes, very negative elsewhere.
    let tight = Loss.softmaxCrossEntropy(
      logits: Tensor(shape: [1, 5], storage: [0, 0, 0, -60, -60]),
      targets: Tensor(shape: [1, 5], storage: [1, 1, 1, 0, 0])
    ).value
    #expect(abs(tight - 3 * log(3.0)) < 1e-20 + 1e-12)
  }

  @Test("Q1(f): the gradient through a sigmoid shrinks and keeps its sign")
  func q1SigmoidBackward() {
    var g = SeededGenerator(seed: 35)
    let count = 20_000
    let z = Tensor<Double>(
      shape: [count, 1], storage: (0..<count).map { _ in 60 * g.nextUnit() - 30 })
    let upstream = Tensor<Double>(
      shape: [count, 1], storage: (0..<count).map { _ in 20 * g.nextUnit() - 10 })
    let sigmoid = Sigmoid<Double>()
    _ = sigmoid.forward(z, training: true)
    let dx = sigmoid.backward(upstream)
    for i in 0..<count {
      let (d, u) = (dx[flat: i], upstream[flat: i])
      #expect(abs(d) <= abs(u) / 4, "z = \(z[flat: i]): |\(d)| > |\(u)| / 4")
      #expect(d * u >= 0, "z = \(z[flat: i]): sign flipped (\(u) -> \(d))")
      #expect(abs(d) < abs(u), "the magnitude strictly shrinks")
    }
  }

  @Test("Sigmoid BCE equals the exam's per-class formula; MSE by hand")
  func formulas() {
    let z = Tensor<Double>(shape: [1, 3], storage: [2, -1, 0.5])
    let y = Tensor<Double>(shape: [1, 3], storage: [1, 0, 1])
    var expected = 0.0
    for i in 0..<3 {
      let s = 1 / (1 + exp(-z[flat: i]))
      expected -= y[flat: i] * log(s) + (1 - y[flat: i]) * log(1 - s)
    }
    #expect(abs(Loss.sigmoidBinaryCrossEntropy(logits: z, targets: y).value - expected / 3) < 1e-15)
    let mse = Loss.meanSquaredError(predictions: z, targets: y).value
    #expect(abs(mse - (1 + 1 + 0.25) / 3) < 1e-15)
  }
}
