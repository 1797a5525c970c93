import FrameTensor
import Testing

@testable import NeuralNet

@Suite("Trainers")
struct TrainerTests {
  /// Two classes of 4x4x1 images: class 0 bright on the left half, class 1 on the right, over
  /// seeded noise.
  static func halves(_ perClass: Int, seed: UInt64) -> (Tensor<Float>, [Int]) {
    var g = SeededGenerator(seed: seed)
    var values: [Float] = []
    var labels: [Int] = []
    for i in 0..<(2 * perClass) {
      let c = i % 2
      for _ in 0..<4 {
        for x in 0..<4 { values.append(Float(0.4 * g.nextUnit()) + ((x < 2) == (c == 0) ? 1 : 0)) }
      }
      labels.append(c)
    }
    return (Tensor(shape: [2 * perClass, 4, 4, 1], storage: values), labels)
  }

  static let spec = try! ModelSpec("CONV3-2, RELU, FLATTEN, FC-2", inputShape: [4, 4, 1])

  @Test("CNNTrainer: the same seed repeats every epoch's metrics; another seed does not")
  func cnnDeterministic() {
    let (x, labels) = Self.halves(12, seed: 1)
    func run(seed: UInt64) -> [CNNTrainer<Float>.EpochMetrics] {
      let configuration = TrainingConfiguration(
        epochs: 4, learningRate: 0.01, batchSize: 4, seed: seed)
      var seen: [CNNTrainer<Float>.EpochMetrics] = []
      let outcome = CNNTrainer<Float>(spec: Self.spec, configuration: configuration).train(
        inputs: x, labels: labels
      ) { seen.append($0) }
      #expect(seen == outcome.epochs, "the callback sees every epoch, in order")
      return seen
    }
    let a = run(seed: 3)
    #expect(a.map(\.epoch) == [1, 2, 3, 4])
    #expect(a == run(seed: 3))
    #expect(a != run(seed: 4))
  }

  @Test("CNNTrainer: training loss falls and the held-out frames are learned")
  func cnnLearns() {
    let (x, labels) = Self.halves(16, seed: 2)
    let outcome = CNNTrainer<Float>(
      spec: Self.spec,
      configuration: TrainingConfiguration(epochs: 15, learningRate: 0.02, batchSize: 4, seed: 1)
    ).train(inputs: x, labels: labels)
    let losses = outcome.epochs.map(\.trainLoss)
    #expect(losses.last! < losses.first! * 0.5, "training losses \(losses)")
    #expect(outcome.epochs.last!.validationAccuracy == 1, "\(outcome.epochs.last!)")
    // 32 examples, a quarter held out per class: 4 of each.
    #expect(outcome.validationCount == 8 && outcome.majorityAccuracy == 0.5)
  }

  /// Pairs of 2x2x1 frames; label 1 when the second frame is much brighter than the first.
  static func pairs(_ count: Int, seed: UInt64) -> (Tensor<Double>, Tensor<Double>, [Double]) {
    var g = SeededGenerator(seed: seed)
    var x: [Double] = []
    var xp: [Double] = []
    var labels: [Double] = []
    for i in 0..<count {
      let flash = i % 4 == 0
      for _ in 0..<4 {
        let base = 0.3 * g.nextUnit()
        x.append(base)
        xp.append(flash ? 1 - 0.1 * g.nextUnit() : base + 0.05 * g.nextUnit())
      }
      labels.append(flash ? 1 : 0)
    }
    return (
      Tensor(shape: [count, 2, 2, 1], storage: x), Tensor(shape: [count, 2, 2, 1], storage: xp),
      labels
    )
  }

  @Test("SiameseTrainer: seeded metrics repeat, the cost falls, and the flashes are found")
  func siamese() {
    let (x, xp, labels) = Self.pairs(48, seed: 5)
    func run(seed: UInt64) -> SiameseTrainer<Double>.Outcome {
      SiameseTrainer<Double>(
        hiddenSize: 8,
        configuration: TrainingConfiguration(
          epochs: 40, learningRate: 0.3, batchSize: 8, seed: seed)
      ).train(x, xp, labels: labels)
    }
    let a = run(seed: 2)
    #expect(a.epochs == run(seed: 2).epochs)
    #expect(a.epochs != run(seed: 3).epochs)
    let costs = a.epochs.map(\.trainCost)
    #expect(costs.last! < costs.first! * 0.5, "training costs \(costs)")
    let last = a.epochs.last!.validationScore
    // 12 flashes and 36 others, a quarter of each held out.
    #expect(last.count == 12 && last.truePositives + last.falseNegatives == 3)
    #expect(last.recall == 1 && last.accuracy == 1, "\(last)")
  }

  @Test("The trainers reproduce the models' own epoch loop (split first, then the batch orders)")
  func sameAsHandLoop() {
    let (x, labels) = Self.halves(10, seed: 7)
    let configuration = TrainingConfiguration(
      epochs: 3, learningRate: 0.01, batchSize: 5, seed: 9, validationFraction: 0.3)
    let outcome = CNNTrainer<Float>(spec: Self.spec, configuration: configuration).train(
      inputs: x, labels: labels)
    var g = SeededGenerator(seed: 9)
    let split = stratifiedSplit(labels: labels, validationFraction: 0.3, generator: &g)
    let model = Sequential<Float>(spec: Self.spec, seed: 9)
    let adam = Adam<Float>(learningRate: 0.01)
    for metrics in outcome.epochs {
      let fit = model.trainEpoch(
        inputs: x.gather(split.train), labels: split.train.map { labels[$0] }, batchSize: 5,
        optimizer: adam, generator: &g)
      let held = model.evaluate(
        inputs: x.gather(split.validation), labels: split.validation.map { labels[$0] })
      #expect(metrics.trainLoss == fit.loss && metrics.validationAccuracy == held.accuracy)
    }
    #expect(outcome.model.parameters.map(\.value) == model.parameters.map(\.value))
  }
}
