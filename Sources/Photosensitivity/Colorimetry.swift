import Foundation

/// The colour maths of docs/photosensitivity.md ("Relative luminance", "Red flash", "Ofcom"),
/// precomputed as 256-entry tables so the per-pixel work is lookups and adds.
public enum Colorimetry {
  /// sRGB decoding of an 8-bit channel: `x = c/255`; `x/12.92` if `x <= 0.04045`, else
  /// `((x + 0.055)/1.055)^2.4`.
  public static func linear(_ c: UInt8) -> Double {
    let x = Double(c) / 255
    return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
  }

  /// WCAG relative luminance of an 8-bit sRGB colour: `0.2126 R + 0.7152 G + 0.0722 B` (linear).
  public static func relativeLuminance(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Double {
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
  }

  /// Classic red value of linear RGB: `max((R - G - B) * 320, 0)` when `R/(R+G+B) >= ratio`, else 0.
  public static func redValue(r: Double, g: Double, b: Double, ratio: Double = 0.8) -> Double {
    let s = r + g + b
    guard s > 0, r / s >= ratio else { return 0 }
    return max((r - g - b) * 320, 0)
  }

  /// D65 white in CIE 1976 u'v' (the chromaticity given to black and near-black regions).
  public static let whitePoint = (u: 0.19783, v: 0.46832)

  /// CIE 1976 u'v' of linear RGB (sRGB primaries, D65), or the white point for black.
  public static func chromaticity(r: Double, g: Double, b: Double) -> (u: Double, v: Double) {
    let x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    let z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    let d = x + 15 * y + 3 * z
    guard d > 0 else { return whitePoint }
    return (4 * x / d, 9 * y / d)
  }

  /// 8-bit BT.709 luma of gamma-encoded RGB, in integers: `(54 R + 183 G + 19 B + 128) >> 8`
  /// (weights 0.2109, 0.7148, 0.0742 summing to 256/256, so white stays 255).
  @inline(__always) public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
    (54 * Int(r) + 183 * Int(g) + 19 * Int(b) + 128) >> 8
  }
}

/// The lookup tables one measurer uses; built once, shared read-only across threads.
struct ColorTables: Sendable {
  /// Linear value of each 8-bit code, as Float (IRIS keeps its sRGB table in float).
  let linear: [Float]
  /// IRIS's per-channel luminance terms in float: `0.2126f * lin`, `0.7152f * lin`, `0.0722f * lin`,
  /// so `(lumB + lumG) + lumR` is bit-for-bit IRIS's per-pixel float luminance.
  let lumR: [Float]
  let lumG: [Float]
  let lumB: [Float]
  /// cd/m2 of each 8-bit luma code through the display model.
  let candela: [Float]
  /// The region profiles' 16-bit fixed-point tables: `round(lin * 65535)` and
  /// `round(cd / cdWhite * 65535)` with `cdWhite` the largest cd/m2 of the model (its white).
  let linear16: [UInt16]
  let candela16: [UInt16]
  let candelaWhite: Double

  init(displayModel: DisplayModel) {
    let lin = (0...255).map { Float(Colorimetry.linear(UInt8($0))) }
    linear = lin
    lumR = lin.map { Float(0.2126) * $0 }
    lumG = lin.map { Float(0.7152) * $0 }
    lumB = lin.map { Float(0.0722) * $0 }
    candela = (0...255).map { Float(displayModel.candela(luma: Double($0))) }
    linear16 = (0...255).map { UInt16((Colorimetry.linear(UInt8($0)) * 65535).rounded()) }
    let cd = (0...255).map { displayModel.candela(luma: Double($0)) }
    let white = cd.filter(\.isFinite).max() ?? 0
    candelaWhite = white
    candela16 = cd.map {
      white > 0 && $0.isFinite ? UInt16((min(max($0 / white, 0), 1) * 65535).rounded()) : 0
    }
  }
}
