import FrameTensor

/// (N, H, W, C) -> (N, H*W*C), keeping row-major (H, W, C) order as `torch.flatten` does on NHWC
/// data; backward restores the shape. No copy: the storage is shared.
public final class Flatten<Scalar: NNScalar>: Layer {
  private var cachedShape: [Int] = []
  public init() {}
  public var name: String { "FLATTEN" }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    precondition(input.rank >= 1)
    cachedShape = input.shape
    return input.reshaped([input.shape[0], input.exampleSize])
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    outputGradient.reshaped(cachedShape)
  }
}
