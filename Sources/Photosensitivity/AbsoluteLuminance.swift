import Foundation
import Frames

/// The transfer function of a video signal, as the analysis reads it (from `ColorFacts.transfer`).
public enum SignalTransfer: String, Codable, Sendable, CaseIterable {
  /// Anything that is not PQ or HLG: a gamma-encoded SDR signal.
  case sdr
  /// SMPTE ST 2084 (FFmpeg's `smpte2084`): absolute, 0 to 10,000 cd/m2.
  case pq
  /// ARIB STD-B67 / BT.2100 hybrid log-gamma (FFmpeg's `arib-std-b67`): scene-referred.
  case hlg

  public init(_ color: ColorFacts) {
    switch color.transfer {
    case "smpte2084": self = .pq
    case "arib-std-b67": self = .hlg
    default: self = .sdr
    }
  }
}

/// Luminance weights of linear R, G, B.
public struct LuminanceWeights: Codable, Sendable, Equatable {
  public var r: Double
  public var g: Double
  public var b: Double
  public init(r: Double, g: Double, b: Double) {
    self.r = r
    self.g = g
    self.b = b
  }
  /// BT.709 / sRGB: 0.2126, 0.7152, 0.0722.
  public static let bt709 = LuminanceWeights(r: 0.2126, g: 0.7152, b: 0.0722)
  /// BT.2020 / BT.2100: 0.2627, 0.6780, 0.0593.
  public static let bt2020 = LuminanceWeights(r: 0.2627, g: 0.6780, b: 0.0593)

  /// BT.2020's weights for BT.2020 content (primaries or matrix), else BT.709's.
  public init(_ color: ColorFacts) { self = color.isBT2020 ? .bt2020 : .bt709 }
}

/// The HDR transfer functions of SMPTE ST 2084 and ITU-R BT.2100, on normalised signals
/// (`E'` in 0...1; a 10-bit narrow-range code is `(code - 64) / 876`, a full-range RGB sample
/// `value / max`).
public enum HDRTransfer {
  public static let pqM1 = 2610.0 / 16384
  public static let pqM2 = 2523.0 / 4096 * 128
  public static let pqC1 = 3424.0 / 4096
  public static let pqC2 = 2413.0 / 4096 * 32
  public static let pqC3 = 2392.0 / 4096 * 32

  /// ST 2084 EOTF: display luminance in cd/m2 (0...10,000) of the PQ signal `e`.
  public static func pqEOTF(_ e: Double) -> Double {
    let x = min(max(e, 0), 1)
    let p = pow(x, 1 / pqM2)
    return 10_000 * pow(max(p - pqC1, 0) / (pqC2 - pqC3 * p), 1 / pqM1)
  }

  /// ST 2084 inverse EOTF: the PQ signal of `candela` cd/m2 (0...10,000).
  public static func pqInverseEOTF(_ candela: Double) -> Double {
    let y = pow(min(max(candela / 10_000, 0), 1), pqM1)
    return pow((pqC1 + pqC2 * y) / (1 + pqC3 * y), pqM2)
  }

  public static let hlgA = 0.17883277
  public static let hlgB = 1 - 4 * hlgA
  public static let hlgC = 0.5 - hlgA * log(4 * hlgA)

  /// BT.2100 HLG inverse OETF: normalised scene light (0...1) of the HLG signal `e`.
  public static func hlgInverseOETF(_ e: Double) -> Double {
    let x = min(max(e, 0), 1)
    return x <= 0.5 ? x * x / 3 : (exp((x - hlgC) / hlgA) + hlgB) / 12
  }

  /// BT.2100 HLG OETF: the signal of normalised scene light `light` (0...1).
  public static func hlgOETF(_ light: Double) -> Double {
    let x = min(max(light, 0), 1)
    return x <= 1.0 / 12 ? (3 * x).squareRoot() : hlgA * log(12 * x - hlgB) + hlgC
  }

  /// The HLG system gamma for a display of nominal peak `peak` cd/m2:
  /// `1.2 + 0.42 log10(peak / 1000)` (1.2 at 1,000 cd/m2).
  public static func hlgSystemGamma(peak: Double) -> Double { 1.2 + 0.42 * log10(peak / 1000) }

  /// BT.2100 HLG OOTF (black level lift 0): display light in cd/m2 of each component of the
  /// scene light `(r, g, b)` (0...1): `Fd = peak * Ys^(gamma - 1) * E`, with `Ys` from the
  /// BT.2020 weights.
  public static func hlgOOTF(r: Double, g: Double, b: Double, peak: Double) -> (
    r: Double, g: Double, b: Double
  ) {
    let w = LuminanceWeights.bt2020
    let ys = w.r * r + w.g * g + w.b * b
    guard ys > 0 else { return (0, 0, 0) }
    let gain = peak * pow(ys, hlgSystemGamma(peak: peak) - 1)
    return (gain * r, gain * g, gain * b)
  }
}

/// ITU-R BT.1702-3's display model (the `bt1702` profile): SDR at 200 cd/m2 peak white with an
/// exponent of 2.4 on the normalised signal, PQ through its EOTF, HLG through its inverse OETF
/// and the OOTF at a nominal peak of `hlgPeak` (1,000 cd/m2).
public struct BT1702DisplayModel: Codable, Sendable, Equatable {
  /// SDR peak white, cd/m2 (200).
  public var sdrPeak: Double = 200
  /// SDR exponent on the normalised signal (2.4).
  public var sdrExponent: Double = 2.4
  /// HLG nominal display peak Lw, cd/m2 (1,000); the system gamma follows it.
  public var hlgPeak: Double = 1000
  public init() {}

  /// The display light in cd/m2 of each component of a pixel whose non-linear R', G', B' are
  /// `r`, `g`, `b` (normalised 0...1, full range).
  public func displayLight(
    r: Double, g: Double, b: Double, transfer: SignalTransfer, weights: LuminanceWeights
  ) -> (r: Double, g: Double, b: Double) {
    switch transfer {
    case .sdr:
      func sdr(_ v: Double) -> Double { sdrPeak * pow(min(max(v, 0), 1), sdrExponent) }
      return (sdr(r), sdr(g), sdr(b))
    case .pq:
      return (HDRTransfer.pqEOTF(r), HDRTransfer.pqEOTF(g), HDRTransfer.pqEOTF(b))
    case .hlg:
      let (er, eg, eb) = (
        HDRTransfer.hlgInverseOETF(r), HDRTransfer.hlgInverseOETF(g), HDRTransfer.hlgInverseOETF(b)
      )
      let ys = weights.r * er + weights.g * eg + weights.b * eb
      guard ys > 0 else { return (0, 0, 0) }
      let gain = hlgPeak * pow(ys, HDRTransfer.hlgSystemGamma(peak: hlgPeak) - 1)
      return (gain * er, gain * eg, gain * eb)
    }
  }

  /// Luminance in cd/m2 of a pixel (non-linear R', G', B' in 0...1).
  public func candela(
    r: Double, g: Double, b: Double, transfer: SignalTransfer, weights: LuminanceWeights
  ) -> Double {
    let d = displayLight(r: r, g: g, b: b, transfer: transfer, weights: weights)
    return weights.r * d.r + weights.g * d.g + weights.b * d.b
  }
}

/// A profile's display model as one function: the cd/m2 a pixel of a video with `color` shows
/// under `parameters` (what the frames CSV's `luminance_cd_m2` averages). For reuse by other
/// analyses that need the same model.
///
/// - `bt1702`: `BT1702DisplayModel` (SDR, PQ or HLG by the video's transfer).
/// - `ofcom`: the Harding display model of 8-bit BT.709 luma (`DisplayModel`).
/// - `wcag`, `iris`: sRGB relative luminance on the sRGB reference display, 80 cd/m2 white
///   (IEC 61966-2-1).
public struct LuminanceModel: Sendable, Equatable {
  public let profile: Profile
  public let transfer: SignalTransfer
  public let weights: LuminanceWeights
  public let displayModel: DisplayModel
  public let bt1702: BT1702DisplayModel
  /// The sRGB reference display's white, cd/m2 (the wcag and iris figures).
  public static let sRGBWhite = 80.0

  public init(parameters: AnalysisParameters, color: ColorFacts) {
    profile = parameters.profile
    transfer = SignalTransfer(color)
    weights = profile == .bt1702 ? LuminanceWeights(color) : .bt709
    displayModel = parameters.displayModel
    bt1702 = parameters.bt1702Display ?? BT1702DisplayModel()
  }

  /// cd/m2 of a pixel whose R', G', B' (full range, normalised 0...1: an 8-bit value / 255,
  /// a 16-bit value / 65535) are `r`, `g`, `b`.
  public func candela(r: Double, g: Double, b: Double) -> Double {
    switch profile {
    case .bt1702:
      return bt1702.candela(r: r, g: g, b: b, transfer: transfer, weights: weights)
    case .ofcom:
      return displayModel.candela(luma: 255 * (54 * r + 183 * g + 19 * b) / 256)
    case .wcag, .iris:
      func lin(_ v: Double) -> Double {
        let x = min(max(v, 0), 1)
        return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
      }
      return Self.sRGBWhite * (0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b))
    }
  }
}
