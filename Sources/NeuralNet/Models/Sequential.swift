import FrameTensor

/// A network as a list of layers applied in order; backward runs them in reverse.
public final class Sequential<Scalar: NNScalar> {
  public let layers: [any Layer<Scalar>]
  /// The specification it was built from, when it was built from one (saved with the model).
  public let spec: ModelSpec?

  public init(layers: [any Layer<Scalar>]) {
    self.layers = layers
    self.spec = nil
  }

  /// Builds the layers of `spec` with seeded weights: convolution and dense weights from
  /// `initializer` drawn in layer order from one generator seeded by `seed`; dropout layer i draws
  /// its masks from seed + i + 1.
  public init(spec: ModelSpec, initializer: Initializer = .he, seed: UInt64 = 0) {
    var generator = SeededGenerator(seed: seed)
    var shape = spec.inputShape
    var layers: [any Layer<Scalar>] = []
    for (i, layer) in spec.layers.enumerated() {
      switch layer {
      case .conv(let k, let n, let s, let p, let bias):
        layers.append(
          Conv2D<Scalar>(
            inputChannels: shape[2], filters: n, kernelSize: k, stride: s, padding: p,
            useBias: bias,
            initializer: initializer, generator: &generator))
      case .maxPool(let k, let s, let p):
        layers.append(MaxPool2D<Scalar>(kernelSize: k, stride: s, padding: p))
      case .avgPool(let k, let s, let p):
        layers.append(AvgPool2D<Scalar>(kernelSize: k, stride: s, padding: p))
      case .batchNorm: layers.append(BatchNorm<Scalar>(channels: shape.last!))
      case .flatten: layers.append(Flatten<Scalar>())
      case .dense(let n):
        layers.append(
          Dense<Scalar>(
            inputSize: shape[0], units: n, initializer: initializer, generator: &generator))
      case .relu: layers.append(ReLU<Scalar>())
      case .leakyReLU(let a): layers.append(LeakyReLU<Scalar>(slope: Scalar(a)))
      case .sigmoid: layers.append(Sigmoid<Scalar>())
      case .tanh: layers.append(Tanh<Scalar>())
      case .softmax: layers.append(Softmax<Scalar>())
      case .dropout(let r): layers.append(Dropout<Scalar>(rate: r, seed: seed &+ UInt64(i) &+ 1))
      }
      // The spec was validated on construction, so propagation cannot fail here.
      shape = (try? layer.propagate(shape, position: i + 1).output) ?? shape
    }
    self.layers = layers
    self.spec = spec
  }

  public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Input (N, ...) with the batch first; returns the last layer's output.
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    layers.reduce(input) { $1.forward($0, training: training) }
  }

  /// dLoss/dOutput in, dLoss/dInput out; parameter gradients accumulate.
  @discardableResult
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    layers.reversed().reduce(outputGradient) { $1.backward($0) }
  }

  public func zeroGradients() {
    for p in parameters { p.zeroGradient() }
  }

  /// One optimisation step on a mini-batch with softmax cross-entropy on the final logits.
  /// Returns the batch's mean loss and its number of correct argmax predictions.
  @discardableResult
  public func trainStep(
    inputs: Tensor<Scalar>, labels: [Int], optimizer: some Optimizer<Scalar>
  ) -> (loss: Scalar, correct: Int) {
    zeroGradients()
    let logits = forward(inputs, training: true)
    let loss = Loss.softmaxCrossEntropy(logits: logits, labels: labels)
    backward(loss.gradient)
    optimizer.step(parameters)
    return (loss.value, countCorrect(logits: logits, labels: labels))
  }

  /// One pass over `inputs` in seeded random mini-batches. Returns the mean loss over examples
  /// (as evaluated before each batch's update) and the training accuracy.
  public func trainEpoch(
    inputs: Tensor<Scalar>, labels: [Int], batchSize: Int, optimizer: some Optimizer<Scalar>,
    generator: inout SeededGenerator
  ) -> (loss: Double, accuracy: Double) {
    precondition(inputs.shape[0] == labels.count && batchSize > 0)
    var correct = 0
    let loss = forEachMiniBatch(count: labels.count, batchSize: batchSize, generator: &generator) {
      batch in
      let result = trainStep(
        inputs: inputs.gather(batch), labels: batch.map { labels[$0] }, optimizer: optimizer)
      correct += result.correct
      return Double(result.loss)
    }
    return (loss, Double(correct) / Double(max(1, labels.count)))
  }

  /// Inference-mode mean loss and accuracy, in batches of `batchSize`.
  public func evaluate(inputs: Tensor<Scalar>, labels: [Int], batchSize: Int = 64) -> (
    loss: Double, accuracy: Double
  ) {
    var lossSum = 0.0
    var correct = 0
    var start = 0
    while start < labels.count {
      let batch = Array(start..<min(labels.count, start + batchSize))
      let logits = forward(inputs.gather(batch), training: false)
      let batchLabels = batch.map { labels[$0] }
      lossSum +=
        Double(Loss.softmaxCrossEntropy(logits: logits, labels: batchLabels).value)
        * Double(batch.count)
      correct += countCorrect(logits: logits, labels: batchLabels)
      start += batchSize
    }
    return (lossSum / Double(max(1, labels.count)), Double(correct) / Double(max(1, labels.count)))
  }
}

/// Number of rows whose largest logit is at the label.
public func countCorrect<Scalar: NNScalar>(logits: Tensor<Scalar>, labels: [Int]) -> Int {
  let k = logits.shape[1]
  var correct = 0
  logits.read { z in
    for (r, label) in labels.enumerated() {
      var best = 0
      for j in 1..<k where z[r * k + j] > z[r * k + best] { best = j }
      if best == label { correct += 1 }
    }
  }
  return correct
}
