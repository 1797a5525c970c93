import Foundation

/// Which rule set an analysis follows. Every report names it and echoes its `AnalysisParameters`.
public enum Profile: String, Codable, Sendable, CaseIterable {
  /// WCAG 2.x SC 2.3.1, area-aware: flashing measured per region, failing only where the
  /// concurrently flashing area exceeds the limit within some 10-degree field (the default).
  case wcag
  /// Ofcom guidance / ITU-R BT.1702: cd/m2 through a display model, 25% of the screen.
  case ofcom
  /// EA's IRIS analyser, reproduced exactly (whole-frame means), so results can be compared.
  case iris
  /// ITU-R BT.1702-3 (2023): absolute luminance for SDR (its 200 cd/m2 display model), PQ and
  /// HLG; 20 cd/m2 below 160 cd/m2, Michelson contrast above 1/17 at or above it; 25% area.
  case bt1702

  /// True for the profiles whose figures assume an SDR display (wcag, ofcom, iris): on a PQ or
  /// HLG video they measure the signal as if it were SDR.
  public var assumesSDR: Bool { self != .bt1702 }
}

/// How the WCAG area limit is read (docs/photosensitivity.md, "Area").
public enum FieldAreaReading: String, Codable, Sendable, CaseIterable {
  /// Technique G176: a contiguous 21,824 px (25% of a 341x256 field at 1024x768) within any
  /// 10-degree field. The default.
  case g176 = "21824"
  /// The Understanding page's 87,296 px reading: the combined concurrently flashing area on the
  /// screen may not exceed one whole 341x256 field (scaled).
  case fullField = "87296"

  /// The limit in pixels at the 1024x768 reference display.
  public var pixelsAtReference: Double {
    switch self {
    case .g176: return 21_824
    case .fullField: return 87_296
    }
  }
}

/// The measure a region's brightness is tracked in.
public enum LuminanceScale: String, Codable, Sendable {
  /// WCAG relative luminance, 0 (black) to 1 (white), from linearised sRGB.
  case relative
  /// cd/m2 from 8-bit luma through `DisplayModel` (ofcom), or from the signal through
  /// `BT1702DisplayModel` (bt1702).
  case candelaPerSquareMetre
}

/// How red flashing is recognised. A profile may use several.
public enum RedRule: String, Codable, Sendable, CaseIterable {
  /// Saturated red `R/(R+G+B) >= ratio` (linear), red value `max((R-G-B)*320, 0)`, a transition
  /// is a change of that value of `redThreshold` or more (IRIS, PEAT, Harding).
  case classic
  /// WCAG 2.2 note (ISO 9241-391): one state saturated red and the CIE 1976 u'v' distance
  /// between the two states above `redChromaticityDistance`.
  case chromaticity
  /// Ofcom: any change into or out of saturated red counts as a transition.
  case saturationChange
}

/// The SDR display model that maps 8-bit luma to cd/m2: `a * (b * Y + c) ^ gamma`
/// (docs/photosensitivity.md, "Ofcom"; about 200 cd/m2 at Y = 255).
public struct DisplayModel: Codable, Sendable, Equatable {
  public var a: Double = 413.435
  public var b: Double = 0.002745
  public var c: Double = 0.0189623
  public var gamma: Double = 2.2
  public init() {}
  /// cd/m2 of 8-bit luma `y`.
  public func candela(luma y: Double) -> Double { a * pow(b * y + c, gamma) }
}

/// Every number an analysis uses. Built from a profile (`init(profile:)`), then adjustable;
/// reports echo the whole value so a result can be reproduced.
public struct AnalysisParameters: Codable, Sendable, Equatable {
  public var profile: Profile
  /// The brightness measure transitions are found in.
  public var luminanceScale: LuminanceScale
  /// A luminance transition is a change of at least this much between adjacent peak and valley
  /// (0.1 relative; 20 cd/m2 under Ofcom).
  public var flashThreshold: Double
  /// ... and only when the darker of the two states is below this (0.8 relative; 160 cd/m2).
  public var darkThreshold: Double
  /// bt1702: where the darker state is at or above `darkThreshold`, a transition counts when
  /// the Michelson contrast `(Lmax - Lmin) / (Lmax + Lmin)` is above this (1/17); nil: never.
  public var michelsonLimit: Double?
  /// Red rules applied (a frame's red transitions are the largest count any of them gives).
  public var redRules: [RedRule]
  /// Saturated red: `R / (R + G + B) >= redSaturationRatio` on linear values (0.8).
  public var redSaturationRatio: Double
  /// Classic red value change that makes a red transition (20; pure red is 320).
  public var redThreshold: Double
  /// WCAG 2.2 rule: u'v' distance that makes a red transition (more than 0.2).
  public var redChromaticityDistance: Double
  /// A region darker than this relative luminance has no meaningful colour: it takes the D65
  /// white point and is never saturated red (keeps sensor noise in black from counting).
  public var redMinimumLuminance: Double
  /// More than this many transitions in a window fail (6: a 7th transition means > 3 flashes).
  public var maxTransitions: Int
  /// At least this many transitions in a window is the extended-flashing band's lower end (4).
  public var minTransitions: Int
  /// The flash-counting window in seconds ("any one-second period").
  public var windowSeconds: Double
  /// Extended flashing: within the last `extendedWindowSeconds` (5), frames whose window held
  /// `minTransitions...maxTransitions` transitions cover at least `extendedSeconds` (4).
  public var extendedWindowSeconds: Double
  public var extendedSeconds: Double
  /// What extended flashing makes a frame: a warning (wcag, which has no such rule) or a failure.
  public var extendedVerdict: Verdict
  /// IRIS's 4-to-6 band on its own (no extended run yet) is a warning (iris only).
  public var warnOnTransitionBand: Bool
  /// WCAG area: the 10-degree field at the reference display and the limit reading.
  public var referenceWidth: Double
  public var referenceHeight: Double
  public var fieldWidthAtReference: Double
  public var fieldHeightAtReference: Double
  public var fieldAreaReading: FieldAreaReading
  /// Ofcom area: flashing fails when it covers more than this share of the screen (0.25).
  /// IRIS: a frame difference counts when at least this share of pixels changed (0.25).
  public var screenAreaShare: Double
  /// Ofcom: successive flashes whose leading edges are at least this far apart are acceptable
  /// (9 frames at the UK's 25 fps = 0.36 s; kept in seconds so 50/60 fps are not laxer).
  public var leadingEdgeExemptionSeconds: Double?
  /// Regions: the frame is cut into `gridColumns x gridRows` cells (48 x 48: a 10-degree field,
  /// one third of each axis, is 16 x 16 cells).
  public var gridColumns: Int
  public var gridRows: Int
  /// cd/m2 display model (ofcom's, used when `luminanceScale == .candelaPerSquareMetre`).
  public var displayModel: DisplayModel
  /// bt1702: its SDR, PQ and HLG display model (nil for the other profiles).
  public var bt1702Display: BT1702DisplayModel?
  /// IRIS only: its integer frame rate, `round(avg_frame_rate)`; nil takes it from the video.
  public var irisFrameRate: Int?

  /// The documented defaults of `profile`.
  public init(profile: Profile = .wcag) {
    self.profile = profile
    luminanceScale = .relative
    flashThreshold = 0.1
    darkThreshold = 0.8
    michelsonLimit = nil
    bt1702Display = nil
    redRules = [.classic, .chromaticity]
    redSaturationRatio = 0.8
    redThreshold = 20
    redChromaticityDistance = 0.2
    redMinimumLuminance = 0.002
    maxTransitions = 6
    minTransitions = 4
    windowSeconds = 1
    extendedWindowSeconds = 5
    extendedSeconds = 4
    extendedVerdict = .warning
    warnOnTransitionBand = false
    referenceWidth = 1024
    referenceHeight = 768
    fieldWidthAtReference = 341
    fieldHeightAtReference = 256
    fieldAreaReading = .g176
    screenAreaShare = 0.25
    leadingEdgeExemptionSeconds = nil
    gridColumns = 48
    gridRows = 48
    displayModel = DisplayModel()
    irisFrameRate = nil
    switch profile {
    case .wcag:
      break
    case .ofcom:
      luminanceScale = .candelaPerSquareMetre
      flashThreshold = 20
      darkThreshold = 160
      redRules = [.saturationChange]
      extendedVerdict = .fail
      leadingEdgeExemptionSeconds = 9.0 / 25.0
    case .iris:
      redRules = [.classic]
      extendedVerdict = .fail
      warnOnTransitionBand = true
    case .bt1702:
      luminanceScale = .candelaPerSquareMetre
      flashThreshold = 20
      darkThreshold = 160
      michelsonLimit = 1.0 / 17
      redRules = [.saturationChange]
      // "More than 5 s of flashing might constitute a risk": a warning, after 5 s in the band.
      extendedWindowSeconds = 5
      extendedSeconds = 5
      extendedVerdict = .warning
      leadingEdgeExemptionSeconds = 9.0 / 25.0
      bt1702Display = BT1702DisplayModel()
    }
  }

  public static let wcag = AnalysisParameters(profile: .wcag)
  public static let ofcom = AnalysisParameters(profile: .ofcom)
  public static let iris = AnalysisParameters(profile: .iris)
  public static let bt1702 = AnalysisParameters(profile: .bt1702)
}

/// The outcome of a frame, a criterion or a whole video.
public enum Verdict: String, Codable, Sendable, CaseIterable, Comparable {
  case pass, warning, fail

  private var rank: Int {
    switch self {
    case .pass: return 0
    case .warning: return 1
    case .fail: return 2
    }
  }
  public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
}
