import Foundation

/// The floating-point element types a network can run in: `Float` for speed, `Double` for the
/// finite-difference gradient checks.
///
/// The elementary functions are protocol requirements so that the kernels, once specialised for
/// `Float` or `Double`, call the C library's `expf`/`exp` directly.
public protocol NNScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable,
  LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
  static func nnExp(_ x: Self) -> Self
  static func nnLog(_ x: Self) -> Self
  static func nnLog1p(_ x: Self) -> Self
  static func nnTanh(_ x: Self) -> Self
}

extension Float: NNScalar {
  @inlinable public static func nnExp(_ x: Float) -> Float { expf(x) }
  @inlinable public static func nnLog(_ x: Float) -> Float { logf(x) }
  @inlinable public static func nnLog1p(_ x: Float) -> Float { log1pf(x) }
  @inlinable public static func nnTanh(_ x: Float) -> Float { tanhf(x) }
}

extension Double: NNScalar {
  @inlinable public static func nnExp(_ x: Double) -> Double { exp(x) }
  @inlinable public static func nnLog(_ x: Double) -> Double { log(x) }
  @inlinable public static func nnLog1p(_ x: Double) -> Double { log1p(x) }
  @inlinable public static func nnTanh(_ x: Double) -> Double { tanh(x) }
}

extension NNScalar {
  /// The logistic function 1 / (1 + e^-x), evaluated without overflow for either sign of x.
  @inlinable public static func sigmoid(_ x: Self) -> Self {
    if x >= 0 {
      return 1 / (1 + nnExp(-x))
    }
    let e = nnExp(x)
    return e / (1 + e)
  }
}
