import Foundation
import FrameTensor
import Testing

@testable import NeuralNet

@Suite("Training behaviour")
struct TrainingTests {
  @Test("Q2(g): 99 balanced classes, N(0, 0.0001^2) weights, learning rate 0 -> mean loss log 99")
  func q2ZeroLearningRate() {
    let classes = 99
    let perClass = 3
    let d = 16
    var g = SeededGenerator(seed: 50)
    let n = classes * perClass
    let x = Tensor<Double>(shape: [n, d], storage: (0..<(n * d)).map { _ in g.nextUnit() })
    let labels = (0..<n).map { $0 % classes }
    var init0 = SeededGenerator(seed: 51)
    let model = Sequential<Double>(layers: [
      Dense<Double>(
        inputSize: d, units: classes, initializer: .examSmallGaussian, generator: &init0)
    ])
    let before = model.parameters.map(\.value)
    let (loss, _) = model.trainEpoch(
      inputs: x, labels: labels, batchSize: 32, optimizer: SGD<Double>(learningRate: 0),
      generator: &g)
    #expect(abs(loss - log(99.0)) < 1e-3, "mean loss \(loss), log 99 = \(log(99.0))")
    #expect(model.parameters.map(\.value) == before, "learning rate 0 leaves the weights unchanged")
  }

  @Test("BatchNorm: batch statistics in training, running statistics in inference")
  func batchNormModes() {
    let bn = BatchNorm<Double>(channels: 2, momentum: 0.1)
    // Channel 0 has mean 10 and variance 4; channel 1 mean -3 and variance 1.
    let x = Tensor<Double>(shape: [4, 2], storage: [8, -4, 12, -2, 8, -4, 12, -2])
    let train = bn.forward(x, training: true)
    // xhat = (x - mean) / sqrt(var + eps), gamma 1, beta 0.
    let inputs: [Double] = [8, -4, 12, -2, 8, -4, 12, -2]
    var expected: [Double] = []
    for (i, v) in inputs.enumerated() {
      let (mean, variance): (Double, Double) = i % 2 == 0 ? (10, 4) : (-3, 1)
      expected.append((v - mean) / (variance + 1e-5).squareRoot())
    }
    #expect(zip(train.storage, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(train.storage)")
    for j in 0..<2 {
      let column = (0..<4).map { train[$0, j] }
      #expect(abs(column.reduce(0, +)) < 1e-12, "training output has zero mean per channel")
    }
    // Running statistics moved 10% toward the batch's (unbiased variance 16/3 and 4/3).
    #expect(
      abs(bn.runningMean.value[flat: 0] - 1.0) < 1e-12
        && abs(bn.runningMean.value[flat: 1] + 0.3) < 1e-12)
    #expect(abs(bn.runningVariance.value[flat: 0] - (0.9 + 0.1 * 16 / 3)) < 1e-12)
    // Inference uses the running statistics: each example alone, and different from training.
    let infer = bn.forward(x, training: false)
    let expectedInference = (x[0, 0] - 1.0) / (0.9 + 0.1 * 16 / 3 + 1e-5).squareRoot()
    #expect(abs(infer[0, 0] - expectedInference) < 1e-12)
    let single = bn.forward(x.gather([0]), training: false)
    #expect(single[0, 0] == infer[0, 0], "inference does not depend on the rest of the batch")
    #expect(abs(infer[0, 0] - train[0, 0]) > 0.5)
    // After many training passes the running statistics converge to the data's.
    for _ in 0..<300 { _ = bn.forward(x, training: true) }
    #expect(abs(bn.runningMean.value[flat: 0] - 10) < 1e-6)
    let settled = bn.forward(x, training: false)
    #expect(abs(settled[0, 0] - -2 / (16.0 / 3).squareRoot()) < 1e-4)
  }

  @Test("Optimizers: SGD with momentum and Adam minimise a quadratic; seeded init repeats")
  func optimizers() {
    for optimizer in [SGDOrAdam.sgd, .adam] {
      let p = Parameter<Double>(name: "w", value: Tensor(shape: [3], storage: [5, -4, 2]))
      let sgd = SGD<Double>(learningRate: 0.05, momentum: 0.9)
      let adam = Adam<Double>(learningRate: 0.1)
      for _ in 0..<500 {
        p.zeroGradient()
        p.gradient = p.value.map { 2 * $0 }  // d/dw of |w|^2
        if optimizer == .sgd { sgd.step([p]) } else { adam.step([p]) }
      }
      #expect(p.value.storage.allSatisfy { abs($0) < 1e-2 }, "\(optimizer): \(p.value.storage)")
    }
    let spec = try! ModelSpec("CONV3-4, FLATTEN, FC-3", inputShape: [5, 5, 2])
    for initializer in [Initializer.he, .xavier, .examSmallGaussian] {
      let a = Sequential<Float>(spec: spec, initializer: initializer, seed: 7).parameters.map(
        \.value)
      let b = Sequential<Float>(spec: spec, initializer: initializer, seed: 7).parameters.map(
        \.value)
      let c = Sequential<Float>(spec: spec, initializer: initializer, seed: 8).parameters.map(
        \.value)
      #expect(a == b && a != c)
    }
    // He's spread matches sqrt(2 / fanIn).
    var g = SeededGenerator(seed: 1)
    let w: Tensor<Double> = Initializer.he.weights(
      shape: [200, 100], fanIn: 200, fanOut: 100, generator: &g)
    let sd = (w.sumOfSquares / Double(w.count)).squareRoot()
    #expect(abs(sd - 0.1) < 0.003)
  }

  enum SGDOrAdam { case sgd, adam }

  @Test("The Question 3 CNN learns a small synthetic image set (> 95% held-out accuracy)")
  func q3Learns() throws {
    // Ten classes; class c is a bright 6x6 square in cell c of a 4 x 3 grid, in channel c % 3,
    // over uniform noise. Train on 2 images per class, test on 4 fresh ones per class.
    func images(_ perClass: Int, seed: UInt64) -> (Tensor<Float>, [Int]) {
      var g = SeededGenerator(seed: seed)
      var values = [Float]()
      var labels = [Int]()
      for i in 0..<(10 * perClass) {
        let c = i % 10
        let (cy, cx) = (c / 4, c % 4)
        for y in 0..<32 {
          for x in 0..<32 {
            let inside = y >= cy * 10 + 2 && y < cy * 10 + 8 && x >= cx * 8 + 1 && x < cx * 8 + 7
            for ch in 0..<3 {
              values.append(Float(0.3 * g.nextUnit()) + (inside && ch == c % 3 ? 1 : 0))
            }
          }
        }
        labels.append(c)
      }
      return (Tensor(shape: [10 * perClass, 32, 32, 3], storage: values), labels)
    }
    let (train, trainLabels) = images(2, seed: 60)
    let (test, testLabels) = images(4, seed: 61)
    let model = Sequential<Float>(
      spec: try ModelSpec(ModelSpecTests.q3, inputShape: [32, 32, 3]), seed: 3)
    let adam = Adam<Float>(learningRate: 0.01)
    var g = SeededGenerator(seed: 62)
    for _ in 0..<12 {
      _ = model.trainEpoch(
        inputs: train, labels: trainLabels, batchSize: 5, optimizer: adam, generator: &g)
    }
    let (_, accuracy) = model.evaluate(inputs: test, labels: testLabels)
    #expect(accuracy > 0.95, "held-out accuracy \(accuracy)")
  }
}

@Suite("Data splits and scores")
struct DataSplitTests {
  @Test("Stratified split keeps every class on both sides, is seeded and partitions the data")
  func split() {
    let labels = Array(repeating: 0, count: 95) + Array(repeating: 1, count: 5)
    var g = SeededGenerator(seed: 1)
    let (train, validation) = stratifiedSplit(
      labels: labels, validationFraction: 0.25, generator: &g)
    #expect(Set(train).isDisjoint(with: validation) && train.count + validation.count == 100)
    #expect(validation.filter { labels[$0] == 1 }.count == 1)  // 5 * 0.25 rounds to 1
    #expect(validation.filter { labels[$0] == 0 }.count == 24)
    var g2 = SeededGenerator(seed: 1)
    #expect(
      stratifiedSplit(labels: labels, validationFraction: 0.25, generator: &g2).validation
        == validation)
    var g3 = SeededGenerator(seed: 2)
    #expect(
      stratifiedSplit(labels: labels, validationFraction: 0.25, generator: &g3).validation
        != validation)
  }

  @Test("Binary score counts")
  func score() {
    let s = BinaryScore(probabilities: [0.9, 0.2, 0.7, 0.1, 0.4], labels: [1.0, 0, 0, 0, 1])
    #expect(
      s.truePositives == 1 && s.falsePositives == 1 && s.trueNegatives == 2 && s.falseNegatives == 1
    )
    #expect(s.accuracy == 0.6 && s.recall == 0.5 && s.precision == 0.5 && s.majorityAccuracy == 0.6)
  }
}
