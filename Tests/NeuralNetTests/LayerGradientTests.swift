import FrameTensor
import Testing

@testable import NeuralNet

/// Every layer's backward pass against central finite differences (Double, relative error < 1e-6).
@Suite("Layer gradients (finite differences)")
struct LayerGradientTests {
  static let tolerance = 1e-6

  func expectAllBelow(
    _ errors: [String: Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(!errors.isEmpty, sourceLocation: sourceLocation)
    for (name, error) in errors.sorted(by: { $0.key < $1.key }) {
      #expect(
        error < Self.tolerance,
        "\(what) d/d\(name): relative error \(error), tolerance \(Self.tolerance)",
        sourceLocation: sourceLocation)
    }
  }

  @Test(
    "Conv2D",
    arguments: [
      (kernel: 3, stride: 1, padding: 1, bias: true),
      (kernel: 3, stride: 2, padding: 0, bias: false),
      (kernel: 2, stride: 2, padding: 1, bias: true),
      (kernel: 1, stride: 1, padding: 0, bias: true),
    ])
  func conv(_ c: (kernel: Int, stride: Int, padding: Int, bias: Bool)) {
    var g = SeededGenerator(seed: 7)
    let layer = Conv2D<Double>(
      inputChannels: 3, filters: 4, kernelSize: c.kernel, stride: c.stride, padding: c.padding,
      useBias: c.bias,
      generator: &g)
    if let bias = layer.bias { bias.value = GradientCheck.random(bias.value.shape, seed: 3) }
    let errors = GradientCheck.layer(layer, input: GradientCheck.random([2, 5, 5, 3], seed: 11))
    #expect(errors.keys.sorted() == (c.bias ? ["bias", "input", "weight"] : ["input", "weight"]))
    expectAllBelow(errors, layer.name)
  }

  @Test("Dense")
  func dense() {
    var g = SeededGenerator(seed: 8)
    let layer = Dense<Double>(inputSize: 7, units: 5, initializer: .xavier, generator: &g)
    layer.bias.value = GradientCheck.random([5], seed: 4)
    expectAllBelow(
      GradientCheck.layer(layer, input: GradientCheck.random([3, 7], seed: 12)), "FC-5")
  }

  @Test("MaxPool and AvgPool", arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
  func pools(_ p: (Int, Int, Int)) {
    // Random continuous inputs: no two values of a window tie within the difference step.
    let input = GradientCheck.random([2, 6, 6, 2], seed: 13)
    expectAllBelow(
      GradientCheck.layer(
        MaxPool2D<Double>(kernelSize: p.0, stride: p.1, padding: p.2), input: input),
      "max pool \(p)")
    expectAllBelow(
      GradientCheck.layer(
        AvgPool2D<Double>(kernelSize: p.0, stride: p.1, padding: p.2), input: input),
      "avg pool \(p)")
  }

  @Test("BatchNorm in training and inference, images and vectors")
  func batchNorm() {
    for training in [true, false] {
      let images = BatchNorm<Double>(channels: 3)
      images.gamma.value = GradientCheck.random([3], seed: 5, in: 0.5...2)
      images.beta.value = GradientCheck.random([3], seed: 6)
      images.runningMean.value = GradientCheck.random([3], seed: 9)
      images.runningVariance.value = GradientCheck.random([3], seed: 10, in: 0.5...2)
      expectAllBelow(
        GradientCheck.layer(
          images, input: GradientCheck.random([3, 4, 4, 3], seed: 14), training: training),
        "BATCHNORM images training=\(training)")
      let vectors = BatchNorm<Double>(channels: 5)
      vectors.gamma.value = GradientCheck.random([5], seed: 15, in: 0.5...2)
      expectAllBelow(
        GradientCheck.layer(
          vectors, input: GradientCheck.random([6, 5], seed: 16), training: training),
        "BATCHNORM vectors training=\(training)")
    }
  }

  @Test("Flatten")
  func flatten() {
    expectAllBelow(
      GradientCheck.layer(Flatten<Double>(), input: GradientCheck.random([2, 3, 3, 2], seed: 17)),
      "FLATTEN")
  }

  @Test("Elementwise activations and softmax")
  func activations() {
    let kinked = GradientCheck.awayFromZero([2, 3, 3, 2], seed: 18)
    expectAllBelow(GradientCheck.layer(ReLU<Double>(), input: kinked), "RELU")
    expectAllBelow(GradientCheck.layer(LeakyReLU<Double>(slope: 0.2), input: kinked), "LEAKYRELU")
    let wide = GradientCheck.random([2, 3, 3, 2], seed: 19, in: -4...4)
    expectAllBelow(GradientCheck.layer(Sigmoid<Double>(), input: wide), "SIGMOID")
    expectAllBelow(GradientCheck.layer(Tanh<Double>(), input: wide), "TANH")
    expectAllBelow(
      GradientCheck.layer(
        Softmax<Double>(), input: GradientCheck.random([3, 6], seed: 20, in: -3...3)), "SOFTMAX")
  }

  @Test("Dropout with a replayed mask; identity in inference")
  func dropout() {
    let layer = Dropout<Double>(rate: 0.4, seed: 21)
    let input = GradientCheck.random([4, 10], seed: 22)
    expectAllBelow(
      GradientCheck.layer(layer, input: input, beforeForward: { layer.reseed(21) }), "DROPOUT")
    let out = layer.forward(input, training: true)
    let kept = zip(out.storage, input.storage).filter { $0.0 != 0 }
    #expect(kept.count > 10 && kept.count < 40, "some but not all elements dropped")
    for (o, i) in kept { #expect(abs(o - i / 0.6) < 1e-12, "survivors scaled by 1/(1 - rate)") }
    #expect(layer.forward(input, training: false) == input)
  }

  @Test("A whole sequential network from the exam's notation")
  func sequential() throws {
    let spec = try ModelSpec(
      "CONV3-3, LEAKYRELU, POOL-2, BATCHNORM, CONV3-4-S2, TANH, FLATTEN, FC-3",
      inputShape: [6, 6, 2])
    let model = Sequential<Double>(spec: spec, seed: 3)
    let x = GradientCheck.random([3, 6, 6, 2], seed: 23)
    let labels = [0, 2, 1]
    func loss() -> Double {
      Loss.softmaxCrossEntropy(logits: model.forward(x, training: true), labels: labels).value
    }
    model.zeroGradients()
    let result = Loss.softmaxCrossEntropy(logits: model.forward(x, training: true), labels: labels)
    let dx = model.backward(result.gradient)
    let numericX = GradientCheck.numeric(at: x) {
      Loss.softmaxCrossEntropy(logits: model.forward($0, training: true), labels: labels).value
    }
    #expect(GradientCheck.relativeError(dx.storage, numericX) < Self.tolerance)
    for (i, p) in model.parameters.enumerated() {
      let analytic = p.gradient.storage
      let numericP = GradientCheck.numeric(p, loss)
      let error = GradientCheck.relativeError(analytic, numericP)
      #expect(error < Self.tolerance, "parameter \(i) (\(p.name)): relative error \(error)")
    }
  }
}
