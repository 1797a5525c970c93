import FrameTensor

/// Seeded weight initialisation.
///
/// - `he`: N(0, 2 / fanIn), for ReLU-family layers (He et al. 2015).
/// - `xavier`: U(-sqrt(6 / (fanIn + fanOut)), +sqrt(6 / (fanIn + fanOut))) (Glorot and Bengio 2010).
/// - `gaussian(standardDeviation:)`: N(0, sd^2); the exam's Q2(g) uses sd = 0.0001.
/// Biases start at zero, and BatchNorm at gamma = 1, beta = 0, whatever the initializer.
public enum Initializer: Sendable, Equatable, CustomStringConvertible {
  case he
  case xavier
  case gaussian(standardDeviation: Double)

  /// The exam's small Gaussian (Q2(g)): standard deviation 0.0001.
  public static let examSmallGaussian = Initializer.gaussian(standardDeviation: 1e-4)

  public func weights<Scalar: NNScalar>(
    shape: [Int], fanIn: Int, fanOut: Int, generator: inout SeededGenerator
  ) -> Tensor<Scalar> {
    let count = shape.reduce(1, *)
    var values = [Scalar]()
    values.reserveCapacity(count)
    switch self {
    case .he:
      let sd = (2.0 / Double(max(fanIn, 1))).squareRoot()
      for _ in 0..<count { values.append(Scalar(sd * generator.nextGaussian())) }
    case .xavier:
      let limit = (6.0 / Double(max(fanIn + fanOut, 1))).squareRoot()
      for _ in 0..<count { values.append(Scalar(limit * (2 * generator.nextUnit() - 1))) }
    case .gaussian(let sd):
      for _ in 0..<count { values.append(Scalar(sd * generator.nextGaussian())) }
    }
    return Tensor(shape: shape, storage: values)
  }

  public var description: String {
    switch self {
    case .he: return "he"
    case .xavier: return "xavier"
    case .gaussian(let sd): return "gaussian(\(sd))"
    }
  }
}
