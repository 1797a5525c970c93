import FrameTensor

/// One step of a network: a forward pass and, beside it, its backward pass.
///
/// Inputs carry the batch as their first axis: (N, H, W, C) for images (NHWC, the frame layout) and
/// (N, D) for vectors. `forward` caches what `backward` needs, so a backward pass belongs to the
/// most recent forward pass. `backward` receives dLoss/dOutput, adds dLoss/dParameter into each
/// parameter's gradient, and returns dLoss/dInput.
public protocol Layer<Scalar>: AnyObject {
  associatedtype Scalar: NNScalar
  /// The layer in the exam's notation, e.g. "CONV3-8".
  var name: String { get }
  /// Trainable parameters (empty for parameter-free layers).
  var parameters: [Parameter<Scalar>] { get }
  /// Non-trainable state saved with a model (BatchNorm's running statistics).
  var state: [Parameter<Scalar>] { get }
  func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar>
  func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Layer {
  public var parameters: [Parameter<Scalar>] { [] }
  public var state: [Parameter<Scalar>] { [] }
}

extension Layer {
  /// What `forward` cached for `backward`; traps, naming the layer, when backward comes first.
  @inline(__always)
  func cachedForBackward<T>(_ value: T?) -> T {
    guard let value else { preconditionFailure("\(name): backward before forward") }
    return value
  }

  /// Traps, naming the layer and the shape it expects, when `shape` does not hold `rank`
  /// dimensions (`nil`: at least 2) ending in `last` values.
  @inline(__always)
  func expectInput(_ shape: [Int], rank: Int?, last: Int, _ expected: @autoclosure () -> String) {
    precondition(
      (rank.map { shape.count == $0 } ?? (shape.count >= 2)) && shape.last == last,
      "\(name): expected input \(expected()), got \(shape)")
  }
}
