/// The largest network flashscan builds or loads.
///
/// Shapes and sizes come from untrusted places (a model file, a `--spec`, `--hidden` or `--size`
/// argument), so every size computed from them uses checked arithmetic and is held to these limits:
/// asking for more fails with a message that names the limit, instead of overflowing or asking for
/// more memory than the machine has.
public enum NNLimits {
  /// The most values any one tensor may hold: a weight, or one example's input, a layer's output or
  /// a convolution's im2col matrix. 2^24 = 16,777,216 values, 64 MiB of Float.
  public static let maxTensorElements = 1 << 24
  /// The most trainable parameters a model may have: 2^24 = 16,777,216.
  public static let maxParameters = 1 << 24
  /// The largest model file read: 1 GiB (a model at the parameter limit takes about 400 MB of JSON).
  public static let maxModelFileBytes = 1 << 30

  /// "more than 16,777,216 values, the limit per tensor"
  public static var tensorLimitText: String {
    "more than \(groupThousands(maxTensorElements)) values, the limit per tensor"
  }

  /// "more than 16,777,216 trainable parameters, the limit per model"
  public static var parameterLimitText: String {
    "more than \(groupThousands(maxParameters)) trainable parameters, the limit per model"
  }

  /// Checks the size of a siamese network (the exam's Question 5) for examples of `inputShape`
  /// with `hiddenSize` units Da1 against the limits, and returns Dx (values per example).
  public static func checkSiamese(inputShape: [Int], hiddenSize: Int) throws -> Int {
    guard hiddenSize >= 1 else {
      throw NNSizeError("hidden size \(hiddenSize) must be at least 1")
    }
    guard !inputShape.isEmpty, inputShape.count <= 3, inputShape.allSatisfy({ $0 > 0 }) else {
      throw NNSizeError(
        "input shape \(describeShape(inputShape)) must be H x W x C or a length, all positive")
    }
    guard let dx = checkedProduct(inputShape), dx <= maxTensorElements else {
      throw NNSizeError("input shape \(formatShape(inputShape)) holds \(tensorLimitText)")
    }
    guard let w1 = checkedProduct([hiddenSize, dx]), w1 <= maxTensorElements else {
      throw NNSizeError(
        "W1 (\(hiddenSize) x \(dx), hidden units x input values) would hold \(tensorLimitText)")
    }
    // W1 + b1 + W2 + b2; W1 is within the tensor limit, so the sum cannot overflow.
    guard w1 + 2 * hiddenSize + 1 <= maxParameters else {
      throw NNSizeError(
        "\(hiddenSize) hidden units on \(dx) input values make \(parameterLimitText)")
    }
    return dx
  }
}

/// A network larger than `NNLimits` allows, or with an impossible size.
public struct NNSizeError: Error, CustomStringConvertible, Equatable, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// The product of `dims`, or nil when one is negative or the product overflows Int.
func checkedProduct(_ dims: [Int]) -> Int? {
  var result = 1
  for d in dims {
    guard d >= 0 else { return nil }
    let (p, overflow) = result.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    result = p
  }
  return result
}

/// a + b, or nil on overflow.
func checkedSum(_ a: Int, _ b: Int) -> Int? {
  let (s, overflow) = a.addingReportingOverflow(b)
  return overflow ? nil : s
}

/// A shape from an untrusted file for a message: "[1, 192]", at most eight dimensions shown.
func describeShape(_ shape: [Int]) -> String {
  if shape.count <= 8 { return "[" + shape.map(String.init).joined(separator: ", ") + "]" }
  return "[" + shape.prefix(8).map(String.init).joined(separator: ", ")
    + ", ... (\(shape.count) dimensions)]"
}
