import FrameTensor

/// Fully connected layer ("FC-N"): out = x * W + b for x of shape (N, D), W (D, units), b (units).
///
/// Backward: dW = x^T * dOut, db = column sums of dOut, dx = dOut * W^T.
public final class Dense<Scalar: NNScalar>: Layer {
  public let inputSize: Int
  public let units: Int
  public let weight: Parameter<Scalar>
  public let bias: Parameter<Scalar>
  private var cachedInput: Tensor<Scalar>?

  public init(
    inputSize: Int, units: Int, initializer: Initializer = .he, generator: inout SeededGenerator
  ) {
    precondition(inputSize > 0 && units > 0)
    self.inputSize = inputSize
    self.units = units
    weight = Parameter(
      name: "weight",
      value: initializer.weights(
        shape: [inputSize, units], fanIn: inputSize, fanOut: units, generator: &generator))
    bias = Parameter(name: "bias", value: Tensor(zeros: [units]))
  }

  public var name: String { "FC-\(units)" }
  public var parameters: [Parameter<Scalar>] { [weight, bias] }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
    expectInput(input.shape, rank: 2, last: inputSize, "(N, \(inputSize)) (flatten images first)")
    let n = input.shape[0]
    cachedInput = input
    return input.read { x in
      weight.value.read { w in
        bias.value.read { b in
          Tensor<Scalar>.build([n, units]) { out in
            for row in 0..<n { (out + row * units).update(from: b, count: units) }
            gemm(
              m: n, n: units, k: inputSize, a: x, lda: inputSize, b: w, ldb: units, c: out,
              ldc: units, accumulate: true)
          }
        }
      }
    }
  }

  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func backward(_ outputGradient: Tensor<Scalar>) -> Tensor<Scalar> {
    let input = cachedForBackward(cachedInput)
    let n = input.shape[0]
    precondition(outputGradient.shape == [n, units])
    return outputGradient.read { dy in
      input.read { x in
        weight.gradient.write { dw in
          gemmTN(
            m: n, n: units, k: inputSize, a: x, lda: inputSize, b: dy, ldb: units, c: dw, ldc: units
          )
        }
      }
      bias.gradient.write { db in
        for row in 0..<n {
          for j in 0..<units { db[j] += dy[row * units + j] }
        }
      }
      let weightT = weight.value.read { w in
        Tensor<Scalar>.build([units, inputSize]) { transpose(rows: inputSize, cols: units, w, $0) }
      }
      return weightT.read { wt in
        Tensor<Scalar>.build([n, inputSize]) { dx in
          gemm(
            m: n, n: inputSize, k: units, a: dy, lda: units, b: wt, ldb: inputSize, c: dx,
            ldc: inputSize, accumulate: true)
        }
      }
    }
  }
}
