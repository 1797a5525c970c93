import FrameTensor
import NeuralNet

/// Finite-difference gradient checking in Double, as CS230 teaches it:
///   difference = ||analytic - numeric|| / (||analytic|| + ||numeric||),
/// with numeric_i = (f(x + h e_i) - f(x - h e_i)) / 2h.
enum GradientCheck {
  static let step = 1e-5

  /// Relative difference of two gradient vectors (0 when both vanish).
  static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0
    var na = 0.0
    var nb = 0.0
    for i in a.indices {
      diff += (a[i] - b[i]) * (a[i] - b[i])
      na += a[i] * a[i]
      nb += b[i] * b[i]
    }
    let denominator = na.squareRoot() + nb.squareRoot()
    return denominator == 0 ? 0 : diff.squareRoot() / denominator
  }

  /// Central differences of `f` at `point`, one element at a time.
  static func numeric(at point: Tensor<Double>, _ f: (Tensor<Double>) -> Double) -> [Double] {
    var values = point
    var result = [Double](repeating: 0, count: values.count)
    for i in 0..<values.count {
      let saved = values[flat: i]
      values[flat: i] = saved + step
      let plus = f(values)
      values[flat: i] = saved - step
      let minus = f(values)
      values[flat: i] = saved
      result[i] = (plus - minus) / (2 * step)
    }
    return result
  }

  /// Central differences of `f` with respect to a parameter's value (restored afterwards).
  static func numeric(_ parameter: Parameter<Double>, _ f: () -> Double) -> [Double] {
    let saved = parameter.value
    defer { parameter.value = saved }
    return numeric(at: saved) {
      parameter.value = $0
      return f()
    }
  }

  /// Checks a layer with f(x) = sum(probe * layer(x)): returns the relative error for the input
  /// ("input") and for every parameter (by name). `beforeForward` runs before each forward pass
  /// (Dropout reseeds there so that every evaluation uses one mask).
  static func layer(
    _ layer: some Layer<Double>, input: Tensor<Double>, training: Bool = true, seed: UInt64 = 1,
    beforeForward: () -> Void = {}
  ) -> [String: Double] {
    beforeForward()
    let output = layer.forward(input, training: training)
    let probe = random(output.shape, seed: seed)
    for p in layer.parameters { p.zeroGradient() }
    let dx = layer.backward(probe)
    func f(_ x: Tensor<Double>) -> Double {
      beforeForward()
      let y = layer.forward(x, training: training)
      return zip(y.storage, probe.storage).reduce(0) { $0 + $1.0 * $1.1 }
    }
    var errors: [String: Double] = [:]
    let numericX = numeric(at: input, f)
    errors["input"] = relativeError(dx.storage, numericX)
    for p in layer.parameters {
      let analytic = p.gradient.storage
      let numericP = numeric(p) { f(input) }
      errors[p.name] = relativeError(analytic, numericP)
    }
    return errors
  }

  /// A seeded tensor of values uniform in [lo, hi).
  static func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Double> = -1...1)
    -> Tensor<Double>
  {
    var g = SeededGenerator(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor(
      shape: shape,
      storage: (0..<n).map { _ in
        range.lowerBound + (range.upperBound - range.lowerBound) * g.nextUnit()
      })
  }

  /// Like `random`, but keeps every value at least `gap` away from zero (for ReLU-type kinks).
  static func awayFromZero(_ shape: [Int], seed: UInt64, gap: Double = 1e-2) -> Tensor<Double> {
    random(shape, seed: seed).map { abs($0) < gap ? ($0 < 0 ? -gap : gap) * 2 : $0 }
  }
}
