import Foundation
import Frames

/// The luminance a pattern's light stripes are judged in: a per-profile function of 8-bit luma.
public enum PatternLightScale: Codable, Sendable, Equatable {
  /// cd/m2 through an SDR display model (`DisplayModel.candela(luma:)`).
  case candela(DisplayModel)
  /// WCAG relative luminance of a grey of that luma code (sRGB decoding, 0...1).
  case relative
  /// cd/m2 through BT.1702-3's display model for the signal's transfer (SDR 200 cd/m2 peak
  /// white and exponent 2.4; PQ's EOTF; HLG's inverse OETF and OOTF). `PatternStage` sets the
  /// transfer from the video's colour facts; the 8-bit luma is read as that signal.
  case bt1702(BT1702DisplayModel, SignalTransfer)

  /// This scale for a video of `color`: BT.1702's takes the video's transfer; others as they are.
  public func resolved(for color: ColorFacts) -> PatternLightScale {
    if case .bt1702(let model, _) = self { return .bt1702(model, SignalTransfer(color)) }
    return self
  }

  /// The light level of 8-bit luma `y` (0...255) on this scale.
  public func luminance(luma y: Double) -> Double {
    switch self {
    case .candela(let model): return model.candela(luma: y)
    case .relative:
      let x = min(max(y, 0), 255) / 255
      return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
    case .bt1702(let model, let transfer):
      // A grey: the three components are equal, so the luminance is any one of them.
      let v = min(max(y, 0), 255) / 255
      return model.displayLight(r: v, g: v, b: v, transfer: transfer, weights: .bt709).r
    }
  }

  /// The unit the threshold is given in, for reports.
  public var unit: String {
    switch self {
    case .candela, .bt1702: return "cd/m2"
    case .relative: return "relative luminance"
    }
  }
}

/// The harmful-regular-pattern rule a profile applies (Docs/Patterns.md): what counts as a
/// pattern, how large and how long it must be, and what verdict it gives. `AnalysisParameters`
/// carries it (nil: patterns are not checked), so reports echo it.
public struct PatternRule: Codable, Sendable, Equatable {
  /// What a harmful pattern makes a frame: fail (ofcom), warning (wcag, which has no pattern rule).
  public var verdict: Verdict
  /// A pattern needs at least this many light-dark pairs (6: "more than five").
  public var minPairs: Int
  /// A stationary pattern is harmful above this share of the screen (0.40).
  public var stationaryAreaShare: Double
  /// A pattern that oscillates, changes direction, flashes or reverses contrast is harmful above
  /// this share (0.25).
  public var movingAreaShare: Double
  /// True: the area limits are reached at equality (`>=`, IRIS); false: they must be exceeded.
  public var areaInclusive: Bool
  /// True: a pattern drifting smoothly in one direction is exempt (BT.1702, Ofcom). False: motion
  /// is not looked at and `stationaryAreaShare` applies to every pattern (IRIS).
  public var exemptDrifting: Bool
  /// The light stripes must be brighter than `lightThreshold` on `lightScale` (50 cd/m2;
  /// IRIS: 0.25 relative luminance, reached at equality).
  public var lightScale: PatternLightScale
  public var lightThreshold: Double
  public var lightInclusive: Bool
  /// A harmful pattern must stay on screen this long (0.5 s) before it counts.
  public var minDurationSeconds: Double
  /// The longer side of the reduced-resolution luminance image the detector works on (320 px):
  /// frames are box-filtered down by the smallest integer factor that reaches it.
  public var workingSize: Int
  /// Clearly discernible: light and dark stripes at least this far apart in 8-bit luma (24).
  public var minContrast: Double
  /// Regular: the dominant spatial frequency holds at least this share of a tile's AC energy (0.4).
  public var regularShare: Double
  /// The detector: nil or `tiles`, flashscan's spectral tiles (the fields above);
  /// `iris`, IRIS's own algorithm (`IrisPatternDetector`: its contour count against
  /// `minPairs`, `stationaryAreaShare`, `lightThreshold` in relative luminance and
  /// `minDurationSeconds` as IRIS's frame count; `workingSize`, `minContrast` and
  /// `regularShare` are not used).
  public var method: PatternMethod? = nil

  /// The BT.1702 / Ofcom rule with the given verdict and light-stripe scale (50 cd/m2).
  public static func broadcast(verdict: Verdict, lightScale: PatternLightScale) -> PatternRule {
    PatternRule(
      verdict: verdict, minPairs: 6, stationaryAreaShare: 0.40, movingAreaShare: 0.25,
      areaInclusive: false, exemptDrifting: true, lightScale: lightScale, lightThreshold: 50,
      lightInclusive: false, minDurationSeconds: 0.5, workingSize: 320, minContrast: 24,
      regularShare: 0.4)
  }

  /// IRIS's pattern settings (`appsettings.json`) and algorithm (`PatternDetection.cpp`): area
  /// >= 25%, at least 6 stripes (contours of one shape), light part >= 0.25 relative
  /// luminance, 0.5 s; IRIS does not look at motion. Fails.
  public static let iris = PatternRule(
    verdict: .fail, minPairs: 6, stationaryAreaShare: 0.25, movingAreaShare: 0.25,
    areaInclusive: true, exemptDrifting: false, lightScale: .relative, lightThreshold: 0.25,
    lightInclusive: true, minDurationSeconds: 0.5, workingSize: 320, minContrast: 24,
    regularShare: 0.4, method: .iris)

  // MARK: - The profile -> pattern rule mapping (the one place to wire a profile in)

  /// The pattern rule a profile applies by default; nil when the profile checks no patterns
  /// unless asked (`iris`: `--patterns` gives `PatternRule.iris`).
  ///
  /// - ofcom: the broadcast rule, failing; light stripes in cd/m2 through the profile's SDR
  ///   display model.
  /// - wcag: WCAG has no pattern rule; the same finding is a warning (cd/m2 through the default
  ///   SDR display model).
  /// - iris: off, as in IRIS.
  ///
  /// - bt1702: fails as under ofcom; light stripes in cd/m2 through BT.1702-3's own display
  ///   model (SDR, PQ or HLG, from the video's transfer).
  public static func defaultRule(for profile: Profile, displayModel: DisplayModel)
    -> PatternRule?
  {
    switch profile {
    case .ofcom: return .broadcast(verdict: .fail, lightScale: .candela(displayModel))
    case .wcag: return .broadcast(verdict: .warning, lightScale: .candela(displayModel))
    case .iris: return nil
    case .bt1702:
      return .broadcast(verdict: .fail, lightScale: .bt1702(BT1702DisplayModel(), .sdr))
    }
  }

  /// The rule a profile applies when `--patterns` is given: its default, or IRIS's settings
  /// for `iris`.
  public static func enabledRule(for profile: Profile, displayModel: DisplayModel) -> PatternRule {
    defaultRule(for: profile, displayModel: displayModel) ?? .iris
  }

  // MARK: - Tests of one pattern against the rule

  /// Whether light stripes of 8-bit luma `light` are bright enough to count.
  public func lightEnough(luma light: Double) -> Bool {
    let l = lightScale.luminance(luma: light)
    return lightInclusive ? l >= lightThreshold : l > lightThreshold
  }

  /// Whether `share` of the screen is over the area limit for a pattern of `motion`.
  public func overArea(_ share: Double, motion: PatternMotion) -> Bool {
    let limit: Double
    switch motion {
    case .none: return false
    case .drifting:
      if exemptDrifting { return false }
      limit = stationaryAreaShare
    case .stationary: limit = stationaryAreaShare
    case .oscillating: limit = exemptDrifting ? movingAreaShare : stationaryAreaShare
    case .unassessed: limit = stationaryAreaShare
    }
    return areaInclusive ? share >= limit : share > limit
  }
}

/// How a pattern moves (Docs/Patterns.md, "Motion").
public enum PatternMotion: String, Codable, Sendable, CaseIterable {
  /// No pattern.
  case none
  /// Its stripes stay in place.
  case stationary
  /// Its stripes move steadily in one direction (exempt under BT.1702 and Ofcom).
  case drifting
  /// Its stripes change direction, oscillate, flash or reverse contrast.
  case oscillating
  /// A pattern whose motion the detector does not look at (IRIS's method, `--profile iris`).
  case unassessed
}

/// Which pattern detector a rule uses (Docs/Patterns.md).
public enum PatternMethod: String, Codable, Sendable, CaseIterable {
  /// flashscan's spectral tiles: pairs, orientation and motion.
  case tiles
  /// IRIS's algorithm: a spectral-peak filter, contours grouped by shape, a frame count.
  case iris
}

/// What a pattern's `pairs` count (Docs/Patterns.md).
public enum PatternCountUnit: String, Codable, Sendable {
  /// Light-dark pairs along the stripes' normal (flashscan's tiles).
  case pairs
  /// Components: contours of one shape, about one per stripe (IRIS's method).
  case components
}
