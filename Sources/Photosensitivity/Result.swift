/// One analysed frame, a row of the per-frame table (JSON `frames`, the frames CSV).
public struct FrameRow: Codable, Sendable, Equatable {
  /// Frame index (presentation order, from 0) and presentation time in seconds.
  public var frame: Int
  public var time: Double
  /// Luminance transitions in the one-second window ending at this frame. Region profiles:
  /// the largest count reached by an area above the limit. IRIS: whole-frame transitions.
  public var luminanceTransitions: Int
  /// Red transitions likewise (the largest over the profile's red rules).
  public var redTransitions: Int
  /// `max(luminanceTransitions, redTransitions) / 2`.
  public var flashesPerSecond: Double
  /// The most transitions any single region had, whatever its size (0 under IRIS: whole frame).
  public var maxRegionTransitions: Int
  /// Share of the screen covered by the counted flashing area (IRIS: its changed-pixel share).
  public var flashingAreaShare: Double
  /// Largest share of one 10-degree field covered by it (nil under IRIS, which has no field).
  public var fieldShare: Double?
  /// Frames in the extended window (5 s) whose count was in the 4...6 band.
  public var luminanceExtendedCount: Int
  public var redExtendedCount: Int
  /// The frame's result for luminance and for red flashes (IRIS's codes in JSON and CSV).
  public var luminanceResult: FrameResult
  public var redResult: FrameResult
  public var verdict: Verdict
  /// Where it flashes in this frame (pixels), when the frame has at least 4 transitions.
  public var region: PixelRect?
  /// The frame's mean luminance in cd/m2 under the profile's display model (`LuminanceModel`;
  /// wcag and iris: the sRGB reference display, 80 cd/m2 white). Always set by the analysis;
  /// optional so reports of schema 1.0, which lack it, still read.
  public var luminance: Double? = nil
}

/// A frame's result for one kind of flashing. The raw values are IRIS's frame result codes, which
/// the JSON report and the frames CSV carry.
public enum FrameResult: Int, Codable, Sendable, Comparable, CaseIterable {
  /// Fewer transitions than the band.
  case pass = 0
  /// 4 to 6 transitions in the last second (2 to 3 flashes).
  case transitionBand = 1
  /// In the band for long enough to fail the extended-flashing rule.
  case extendedFailure = 2
  /// More transitions in one second than the limit.
  case flashFailure = 3

  public static func < (a: FrameResult, b: FrameResult) -> Bool { a.rawValue < b.rawValue }
}

/// The criteria a result is judged by; the raw values are the JSON report's ids.
public enum CriterionID: String, Codable, Sendable, CaseIterable {
  case generalFlash = "general-flash"
  case redFlashClassic = "red-flash-classic"
  case redFlashChromaticity = "red-flash-chromaticity"
  case redFlashSaturation = "red-flash-saturation"
  case extendedFlashing = "extended-flashing"
}

/// What went wrong in an incident.
public enum IncidentKind: String, Codable, Sendable, CaseIterable {
  case luminance, red, extended
}

/// A run of consecutive frames flagged for one kind of flashing.
public struct Incident: Codable, Sendable, Equatable {
  public var kind: IncidentKind
  public var verdict: Verdict
  /// From the first flagged frame's time to the end of the last flagged frame, in seconds.
  public var start: Double
  public var end: Double
  /// SMPTE timecodes of `start` and `end` at the video's rate.
  public var startTimecode: String
  public var endTimecode: String
  public var firstFrame: Int
  public var lastFrame: Int
  /// Highest transitions in one second in the run, and as flashes (transitions / 2).
  public var peakTransitionsPerSecond: Int
  public var peakFlashesPerSecond: Double
  /// Largest flashing area in the run, as a share of the screen and of a 10-degree field.
  public var largestScreenShare: Double
  public var largestFieldShare: Double?
  /// Bounding box of every region that flashed in the run, in pixels.
  public var boundingBox: PixelRect
  /// The frame with the most transitions (then the largest area): the one to show.
  public var worstFrame: Int
}

/// Outcome of one criterion over the whole video.
public struct CriterionResult: Codable, Sendable, Equatable {
  public var id: CriterionID
  public var title: String
  public var verdict: Verdict
  /// Frames this criterion flagged, and the largest count it saw.
  public var flaggedFrames: Int
  public var peakTransitionsPerSecond: Int
  public var firstFlaggedTime: Double?
}

/// The video facts the analysis used.
public struct AnalysedVideo: Codable, Sendable, Equatable {
  public var width: Int
  public var height: Int
  /// Average frame rate (nil when unknown); IRIS uses `round` of it.
  public var frameRate: Double?
  public var frameCount: Int
  /// Last frame time plus one frame duration.
  public var duration: Double
}

/// The analysis result: JSON-ready (a versioned report wraps it), every parameter echoed.
public struct PhotosensitivityResult: Codable, Sendable, Equatable {
  public var parameters: AnalysisParameters
  public var video: AnalysedVideo
  /// The 10-degree field at this video's size, the grid, and the area limit in pixels.
  public var fieldWidth: Double
  public var fieldHeight: Double
  public var gridColumns: Int
  public var gridRows: Int
  public var areaLimitPixels: Double
  public var verdict: Verdict
  public var criteria: [CriterionResult]
  public var frames: [FrameRow]
  public var incidents: [Incident]
}
