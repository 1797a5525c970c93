import FrameTensor

/// A trainable tensor and the gradient that backward passes accumulate into it.
///
/// A class, so that a layer, the optimizer and a model file all refer to the same storage.
/// Backward passes *add* to `gradient` (a weight used twice, as in the siamese network, sums the
/// contributions); call `zeroGradient()` before each step.
public final class Parameter<Scalar: NNScalar> {
  /// Name unique within its layer, e.g. "weight", "bias", "gamma".
  public let name: String
  public var value: Tensor<Scalar>
  public var gradient: Tensor<Scalar>

  public init(name: String, value: Tensor<Scalar>) {
    self.name = name
    self.value = value
    self.gradient = Tensor(zeros: value.shape)
  }

  public func zeroGradient() {
    gradient.withUnsafeMutableBufferPointer { g in
      for i in g.indices { g[i] = 0 }
    }
  }

  /// Number of scalars.
  public var count: Int { value.count }
}
