import FrameTensor

/// The settings every trainer shares: how long, how fast, in what batches, from which seed, and how
/// much of the data is held out.
///
/// One seed drives everything: the network's initial weights are built from `seed`, and a second
/// generator seeded with `seed` draws the stratified train/validation split first and then each
/// epoch's batch order, so the same configuration on the same data repeats every number.
public struct TrainingConfiguration: Sendable, Equatable {
  /// Passes over the training examples (at least 1).
  public var epochs: Int
  /// The optimiser's step size (Adam's learning rate, or the exam's alpha for the siamese network).
  public var learningRate: Double
  /// Examples per gradient step (at least 1).
  public var batchSize: Int
  /// Seed of the initial weights, the split and the batch order.
  public var seed: UInt64
  /// Share of the examples held out for validation, in 0..<1 (stratified by label).
  public var validationFraction: Double

  public init(
    epochs: Int, learningRate: Double, batchSize: Int, seed: UInt64 = 0,
    validationFraction: Double = 0.25
  ) {
    self.epochs = epochs
    self.learningRate = learningRate
    self.batchSize = batchSize
    self.seed = seed
    self.validationFraction = validationFraction
  }

  /// Checks the ranges above (the trainers trap on a configuration that fails them).
  var isValid: Bool {
    epochs >= 1 && batchSize >= 1 && learningRate > 0 && validationFraction >= 0
      && validationFraction < 1
  }
}

/// The examples of one side of a split.
struct SplitPart<Label> {
  var indices: [Int]
  var labels: [Label]

  init(_ indices: [Int], of labels: [Label]) {
    self.indices = indices
    self.labels = indices.map { labels[$0] }
  }
}

/// The seeded generator of a run and its stratified split of `labels` (drawn first, so the epochs'
/// batch orders follow it).
func splitForTraining(labels: [Int], configuration: TrainingConfiguration) -> (
  generator: SeededGenerator, train: [Int], validation: [Int]
) {
  precondition(configuration.isValid, "invalid training configuration \(configuration)")
  var generator = SeededGenerator(seed: configuration.seed)
  let split = stratifiedSplit(
    labels: labels, validationFraction: configuration.validationFraction, generator: &generator)
  return (generator, split.train, split.validation)
}

/// Runs `step` on seeded random mini-batches covering 0..<count once; returns the mean over
/// examples of the per-batch values `step` returns (each weighted by its batch's size).
func forEachMiniBatch(
  count: Int, batchSize: Int, generator: inout SeededGenerator, _ step: ([Int]) -> Double
) -> Double {
  precondition(batchSize > 0)
  let order = generator.permutation(count)
  var total = 0.0
  var start = 0
  while start < order.count {
    let batch = Array(order[start..<min(order.count, start + batchSize)])
    total += step(batch) * Double(batch.count)
    start += batchSize
  }
  return total / Double(max(1, count))
}

/// Trains a `Sequential` classifier (the exam's Question 3 CNN, or any layer list ending in
/// logits) with Adam on softmax cross-entropy, one epoch at a time, and reports each epoch's
/// training and validation loss and accuracy.
///
///     let trainer = CNNTrainer<Float>(spec: spec, configuration: .init(epochs: 10,
///       learningRate: 0.005, batchSize: 32, seed: 0))
///     let run = trainer.train(inputs: frames, labels: classes) { print($0) }
///
/// The examples are split by `stratifiedSplit` (every class on both sides), the training part is
/// visited in seeded random batches (`Sequential.trainEpoch`, the loss of each batch taken before
/// its update), and the validation part is evaluated in inference mode after every epoch.
public struct CNNTrainer<Scalar: NNScalar> {
  public var spec: ModelSpec
  public var configuration: TrainingConfiguration

  /// One epoch's figures; losses are means over examples, accuracies shares in 0...1.
  public struct EpochMetrics: Sendable, Equatable {
    /// 1 for the first epoch.
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
  }

  /// The trained network and what the caller needs to judge it.
  public struct Outcome {
    public var model: Sequential<Scalar>
    /// Every epoch's metrics, in order.
    public var epochs: [EpochMetrics]
    /// Number of held-out examples.
    public var validationCount: Int
    /// The validation accuracy of always answering the most common held-out class.
    public var majorityAccuracy: Double
  }

  public init(spec: ModelSpec, configuration: TrainingConfiguration) {
    self.spec = spec
    self.configuration = configuration
  }

  /// Trains a new network built from `spec` (seeded by the configuration's seed) on `inputs`
  /// (N, ...) with class indices `labels`, calling `onEpoch` after every epoch.
  public func train(
    inputs: Tensor<Scalar>, labels: [Int], onEpoch: (EpochMetrics) -> Void = { _ in }
  ) -> Outcome {
    precondition(inputs.shape[0] == labels.count, "one label per example")
    var (generator, trainIndices, validationIndices) = splitForTraining(
      labels: labels, configuration: configuration)
    let train = SplitPart(trainIndices, of: labels)
    let validation = SplitPart(validationIndices, of: labels)
    let (trainX, validationX) = (inputs.gather(train.indices), inputs.gather(validation.indices))
    let model = Sequential<Scalar>(spec: spec, seed: configuration.seed)
    let adam = Adam<Scalar>(learningRate: Scalar(configuration.learningRate))
    var history: [EpochMetrics] = []
    for epoch in 1...configuration.epochs {
      let fit = model.trainEpoch(
        inputs: trainX, labels: train.labels, batchSize: configuration.batchSize, optimizer: adam,
        generator: &generator)
      let held = model.evaluate(inputs: validationX, labels: validation.labels)
      let metrics = EpochMetrics(
        epoch: epoch, trainLoss: fit.loss, trainAccuracy: fit.accuracy, validationLoss: held.loss,
        validationAccuracy: held.accuracy)
      history.append(metrics)
      onEpoch(metrics)
    }
    let largestClass =
      Dictionary(grouping: validation.labels, by: { $0 }).values.map(\.count).max() ?? 0
    return Outcome(
      model: model, epochs: history, validationCount: validation.labels.count,
      majorityAccuracy: Double(largestClass) / Double(max(1, validation.labels.count)))
  }
}

/// Trains the exam's Question 5 `SiameseNetwork` on labelled pairs (x, x') with its own gradient
/// descent (P <- P - alpha dJ/dP per mini-batch), and reports each epoch's training cost and the
/// training and validation scores.
///
/// Pairs are split by `stratifiedSplit` on their 0/1 labels, so the rare positive pairs appear on
/// both sides; after every epoch both parts are scored (p > 0.5 means positive).
public struct SiameseTrainer<Scalar: NNScalar> {
  /// Hidden units Da1.
  public var hiddenSize: Int
  public var configuration: TrainingConfiguration

  /// One epoch's figures.
  public struct EpochMetrics: Sendable, Equatable {
    /// 1 for the first epoch.
    public var epoch: Int
    /// The mean cost J over the training pairs, each batch's taken before its update.
    public var trainCost: Double
    /// Prediction counts on the training pairs after the epoch.
    public var trainScore: BinaryScore
    /// The cost J over the validation pairs after the epoch.
    public var validationCost: Double
    public var validationScore: BinaryScore
  }

  /// The trained network and every epoch's metrics, in order.
  public struct Outcome {
    public var network: SiameseNetwork<Scalar>
    public var epochs: [EpochMetrics]
  }

  public init(hiddenSize: Int, configuration: TrainingConfiguration) {
    self.hiddenSize = hiddenSize
    self.configuration = configuration
  }

  /// Trains a new network (seeded by the configuration's seed) on pairs `x`, `xPrime` (m, ...) with
  /// 0/1 `labels`, calling `onEpoch` after every epoch.
  public func train(
    _ x: Tensor<Scalar>, _ xPrime: Tensor<Scalar>, labels: [Scalar],
    onEpoch: (EpochMetrics) -> Void = { _ in }
  ) -> Outcome {
    precondition(x.shape == xPrime.shape && x.shape[0] == labels.count, "one label per pair")
    var (generator, trainIndices, validationIndices) = splitForTraining(
      labels: labels.map { Int($0) }, configuration: configuration)
    let train = SplitPart(trainIndices, of: labels)
    let validation = SplitPart(validationIndices, of: labels)
    let (trainX, trainXPrime) = (x.gather(train.indices), xPrime.gather(train.indices))
    let (validationX, validationXPrime) = (
      x.gather(validation.indices), xPrime.gather(validation.indices)
    )
    let network = SiameseNetwork<Scalar>(
      inputSize: x.exampleSize, hiddenSize: hiddenSize, seed: configuration.seed)
    var history: [EpochMetrics] = []
    for epoch in 1...configuration.epochs {
      let cost = network.trainEpoch(
        trainX, trainXPrime, labels: train.labels, batchSize: configuration.batchSize,
        learningRate: Scalar(configuration.learningRate), generator: &generator)
      let fit = network.evaluate(trainX, trainXPrime, labels: train.labels)
      let held = network.evaluate(validationX, validationXPrime, labels: validation.labels)
      let metrics = EpochMetrics(
        epoch: epoch, trainCost: cost, trainScore: fit.score, validationCost: held.cost,
        validationScore: held.score)
      history.append(metrics)
      onEpoch(metrics)
    }
    return Outcome(network: network, epochs: history)
  }
}
