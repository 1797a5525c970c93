import FrameTensor
import Testing

@testable import NeuralNet

@Suite("Question 5: the siamese network")
struct SiameseTests {
  func setUp() -> (SiameseNetwork<Double>, Tensor<Double>, Tensor<Double>, [Double]) {
    let net = SiameseNetwork<Double>(inputSize: 12, hiddenSize: 6, initializer: .xavier, seed: 4)
    net.b1 = GradientCheck.random([6], seed: 41, in: -0.2...0.2)
    net.b2 = 0.1
    let x = GradientCheck.random([5, 2, 2, 3], seed: 42)
    let xp = GradientCheck.random([5, 2, 2, 3], seed: 43)
    return (net, x, xp, [1, 0, 0, 1, 1])
  }

  @Test("Hand-derived gradients match finite differences (parameters and inputs)")
  func finiteDifferences() {
    let (net, x, xp, y) = setUp()
    let (_, g) = net.gradients(x, xp, labels: y)
    func cost() -> Double { net.cost(net.forward(x, xp), labels: y) }
    let (w1, b1, w2, b2) = (net.w1, net.b1, net.w2, net.b2)
    let nw1 = GradientCheck.numeric(at: w1) {
      net.w1 = $0
      return cost()
    }
    net.w1 = w1
    let nb1 = GradientCheck.numeric(at: b1) {
      net.b1 = $0
      return cost()
    }
    net.b1 = b1
    let nw2 = GradientCheck.numeric(at: w2) {
      net.w2 = $0
      return cost()
    }
    net.w2 = w2
    let nb2 = GradientCheck.numeric(at: Tensor(shape: [1], storage: [b2])) {
      net.b2 = $0[flat: 0]
      return cost()
    }
    net.b2 = b2
    #expect(GradientCheck.relativeError(g.w1.storage, nw1) < 1e-6)
    #expect(GradientCheck.relativeError(g.b1.storage, nb1) < 1e-6)
    #expect(GradientCheck.relativeError(g.w2.storage, nw2) < 1e-6)
    #expect(GradientCheck.relativeError([g.b2], nb2) < 1e-6)
    let nx = GradientCheck.numeric(at: x) { net.cost(net.forward($0, xp), labels: y) }
    let nxp = GradientCheck.numeric(at: xp) { net.cost(net.forward(x, $0), labels: y) }
    #expect(GradientCheck.relativeError(g.x.storage, nx) < 1e-6)
    #expect(GradientCheck.relativeError(g.xPrime.storage, nxp) < 1e-6)
  }

  @Test("Hand-derived gradients equal the generic layers' chain rule")
  func chainRule() {
    let (net, x, xp, y) = setUp()
    let (cost, g) = net.gradients(x, xp, labels: y)
    var gen = SeededGenerator(seed: 0)
    // Two Dense layers sharing W1 (stored transposed, (Dx, Da1)), two ReLUs, a difference, a Dense
    // for W2, and the sigmoid BCE loss on z3.
    let first = Dense<Double>(inputSize: 12, units: 6, generator: &gen)
    let second = Dense<Double>(inputSize: 12, units: 6, generator: &gen)
    let w1T = Tensor<Double>(shape: [12, 6], storage: (0..<72).map { net.w1[$0 % 6, $0 / 6] })
    for d in [first, second] {
      d.weight.value = w1T
      d.bias.value = net.b1
    }
    let top = Dense<Double>(inputSize: 6, units: 1, generator: &gen)
    top.weight.value = net.w2.reshaped([6, 1])
    top.bias.value = Tensor(shape: [1], storage: [net.b2])
    let (relu1, relu2) = (ReLU<Double>(), ReLU<Double>())
    let a1 = relu1.forward(first.forward(x.reshaped([5, 12]), training: true), training: true)
    let a2 = relu2.forward(second.forward(xp.reshaped([5, 12]), training: true), training: true)
    let a = Tensor(shape: a1.shape, storage: zip(a1.storage, a2.storage).map { $0 - $1 })
    let z3 = top.forward(a, training: true)
    let loss = Loss.sigmoidBinaryCrossEntropy(
      logits: z3, targets: Tensor(shape: [5, 1], storage: y))
    let da = top.backward(loss.gradient)
    let dx = first.backward(relu1.backward(da))
    let dxp = second.backward(relu2.backward(da.map { -$0 }))
    let generic = first.weight.gradient.storage.indices.map {
      first.weight.gradient[flat: $0] + second.weight.gradient[flat: $0]
    }
    let genericW1 = (0..<72).map { generic[($0 % 12) * 6 + $0 / 12] }  // back to (Da1, Dx)
    func close(_ a: [Double], _ b: [Double]) -> Bool {
      zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) }
    }
    #expect(abs(loss.value - cost) < 1e-12)
    #expect(close(g.w1.storage, genericW1))
    #expect(
      close(
        g.b1.storage, zip(first.bias.gradient.storage, second.bias.gradient.storage).map { $0 + $1 }
      ))
    #expect(close(g.w2.storage, top.weight.gradient.storage))
    #expect(abs(g.b2 - top.bias.gradient[flat: 0]) < 1e-12)
    #expect(close(g.x.storage, dx.storage) && close(g.xPrime.storage, dxp.storage))
  }

  @Test("Gradient descent learns to tell changed pairs from unchanged ones")
  func learns() {
    // Pairs (x, x'): label 1 when x' is x with a bright change added, 0 when x' = x plus tiny noise.
    var g = SeededGenerator(seed: 44)
    let m = 64
    let dx = 3 * 4 * 4
    var xs = [Double]()
    var xps = [Double]()
    var labels = [Double]()
    for i in 0..<m {
      let flash = i % 2 == 0
      for _ in 0..<dx {
        let v = g.nextUnit()
        xs.append(v)
        xps.append(flash ? v + 0.5 + 0.5 * g.nextUnit() : v + 0.01 * (g.nextUnit() - 0.5))
      }
      labels.append(flash ? 1 : 0)
    }
    let x = Tensor(shape: [m, 4, 4, 3], storage: xs)
    let xp = Tensor(shape: [m, 4, 4, 3], storage: xps)
    let net = SiameseNetwork<Double>(inputSize: dx, hiddenSize: 8, seed: 5)
    let initial = net.cost(net.forward(x, xp), labels: labels)
    for _ in 0..<200 { net.trainStep(x, xp, labels: labels, learningRate: 0.5) }
    let final = net.cost(net.forward(x, xp), labels: labels)
    let p = net.probabilities(x, xp)
    let correct = zip(p, labels).filter { ($0 > 0.5) == ($1 == 1) }.count
    #expect(final < initial / 4, "cost \(initial) -> \(final)")
    #expect(correct == m, "\(correct) of \(m) pairs right")
  }
}
