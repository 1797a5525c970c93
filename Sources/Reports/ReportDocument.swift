import Foundation
import Frames
import Photosensitivity

/// The versioned report of one analysed video: what the JSON report holds, and what the HTML
/// and Markdown reports are rendered from. Docs/Reports.md documents every field.
///
/// The schema is owned here, not by `PhotosensitivityResult`, so the analysis model can change
/// without silently changing the published format: a change to these types bumps
/// `schemaVersion` (minor: fields added; major: fields renamed, removed or re-meant).
public struct ReportDocument: Codable, Sendable, Equatable {
  /// The schema this code writes.
  /// 2.0: incidents span their transitions and merge when less than a second apart; the
  /// verdict `incomplete`; the colour facts, warnings, per-frame cd/m2 and the bt1702 profile;
  /// the pattern check (its criterion, incidents and per-frame findings); the start timecode.
  /// 2.1: `createdAt`, `tool.commit` and `reproduce`.
  public static let currentSchemaVersion = "2.1"

  /// The JSON Schema's id (`$schema`; Docs/report.schema.json has it as `$id`).
  public static let schemaID = "urn:flashscan:report-schema:2.1"

  /// `$schema`: the schema this document follows (nil in reports older than 2.0).
  public var schema: String?
  public var schemaVersion: String
  public var tool: ToolInfo
  /// When the report was made, ISO 8601 in UTC to the second (`2026-11-30T05:46:38Z`); the time
  /// `SOURCE_DATE_EPOCH` gives when it is set (`ReportTime`). Nil when the writer gave none
  /// (schema 2.1; absent in older reports).
  public var createdAt: String?
  /// The command that runs the analysis again (`ReproduceCommand`), shell-quoted (schema 2.1).
  public var reproduce: String?
  /// The rule set (`wcag`, `ofcom`, `iris`, `bt1702`); the same as `parameters.profile`.
  public var profile: Profile
  /// Every number the analysis used, so the result can be reproduced.
  public var parameters: AnalysisParameters
  public var input: InputFacts
  public var analysis: AnalysisGeometry
  /// The overall outcome: the worst criterion's verdict; `incomplete` when the input could not
  /// be read whole and the part read does not fail.
  public var verdict: Verdict
  /// One sentence that explains the verdict (the banner of the HTML report), followed by the
  /// analysis warnings.
  public var summary: String
  /// What limits the figures' meaning (schema 1.1), e.g. an SDR profile run on an HDR video;
  /// nil when there is nothing to say.
  public var warnings: [String]?
  public var criteria: [CriterionReport]
  public var incidents: [IncidentReport]
  /// The per-frame analysis, only when asked for (it grows with the video; the frames CSV is
  /// the usual place for it).
  public var frames: [FrameRow]?

  public init(
    tool: ToolInfo, input: InputFacts, result: PhotosensitivityResult, includeFrames: Bool = false,
    createdAt: Date? = nil
  ) {
    schema = Self.schemaID
    schemaVersion = Self.currentSchemaVersion
    self.tool = tool
    self.createdAt = createdAt.map(ReportTime.iso8601)
    reproduce = ReproduceCommand.command(path: input.path, parameters: result.parameters)
    profile = result.parameters.profile
    parameters = result.parameters
    var input = input
    input.frameCount = result.video.frameCount
    input.duration = result.video.duration
    input.width = result.video.width
    input.height = result.video.height
    if input.frameRate == nil { input.frameRate = result.video.frameRate }
    input.startTimecode = result.video.startTimecode
    self.input = input
    analysis = AnalysisGeometry(
      fieldWidth: result.fieldWidth, fieldHeight: result.fieldHeight,
      gridColumns: result.gridColumns, gridRows: result.gridRows,
      areaLimitPixels: result.areaLimitPixels,
      areaLimitShareOfScreen: result.video.width * result.video.height > 0
        ? result.areaLimitPixels / Double(result.video.width * result.video.height) : 0)
    // An input not read whole never passes: what was read decides only a failure.
    verdict = input.complete || result.verdict == .fail ? result.verdict : .incomplete
    criteria = result.criteria.map(CriterionReport.init)
    let byTime = result.frames.map(\.time)
    incidents = result.incidents.enumerated().map { i, incident in
      IncidentReport(number: i + 1, incident: incident, frameTimes: byTime)
    }
    frames = includeFrames ? result.frames : nil
    summary = ""
    warnings = nil
    if let hdr = Self.sdrOnHDRWarning(profile: profile, input: input) { warnings = [hdr] }
    summary = VerdictText.sentence(self)
    for w in warnings ?? [] { summary += " Warning: " + w }
  }

  /// True when an SDR-assuming profile (wcag, ofcom, iris) ran on a PQ or HLG video.
  public var sdrProfileOnHDR: Bool { input.hdr == true && profile.assumesSDR }

  /// The warning an SDR-assuming profile carries on a PQ or HLG video, else nil.
  public static func sdrOnHDRWarning(profile: Profile, input: InputFacts) -> String? {
    guard input.hdr == true, profile.assumesSDR else { return nil }
    return
      "the video is HDR (transfer \(input.transfer ?? "unknown")) but the \(profile.rawValue) profile"
      + " assumes an SDR display: its figures read the HDR signal as if it were SDR"
      + " (SDR-relative, not the light the display emits); use --profile bt1702 for BT.1702-3's"
      + " absolute-luminance rules."
  }

  enum CodingKeys: String, CodingKey {
    case schema = "$schema"
    case schemaVersion, tool, createdAt, reproduce, profile, parameters, input, analysis, verdict
    case summary, warnings
    case criteria, incidents, frames
  }

  /// The document as pretty, key-sorted JSON (stable bytes for the same input).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(self)
    data.append(0x0A)
    return data
  }

  /// Reads a JSON report (schema 2.x; 1.x documents decode too, with 1.x meanings).
  public static func decode(json data: Data) throws -> ReportDocument {
    try JSONDecoder().decode(ReportDocument.self, from: data)
  }
}

/// The program that wrote the report.
public struct ToolInfo: Codable, Sendable, Equatable {
  public var name: String
  public var version: String
  /// The git commit the program was built from (with `-dirty` when the tree had changes); nil
  /// when the build was not told it (schema 2.1; Scripts/package tells it).
  public var commit: String?
  public init(name: String = "flashscan", version: String, commit: String? = nil) {
    self.name = name
    self.version = version
    self.commit = commit
  }
}

/// What was analysed.
public struct InputFacts: Codable, Sendable, Equatable {
  /// The path as given on the command line (`-` for standard input).
  public var path: String
  /// File size in bytes (nil for standard input).
  public var sizeBytes: Int64?
  /// SHA-256 of the file's bytes, 64 lowercase hex digits (nil for standard input).
  public var sha256: String?
  /// Why `sha256` (or `sizeBytes`) is missing, when it is.
  public var sha256Note: String?
  /// The decoder's codec name, e.g. `h264`.
  public var codec: String?
  /// Seconds from the first frame's presentation time to the end of the last frame.
  public var duration: Double
  /// The stream's average frame rate (nil when the container declares none).
  public var frameRate: Double?
  public var width: Int
  public var height: Int
  /// Frames decoded and analysed.
  public var frameCount: Int
  /// False when decoding stopped early (a corrupt or truncated file): the report covers only
  /// the frames before that point.
  public var complete: Bool
  /// The decoder's warnings (corrupt data, truncation), in order.
  public var decodeWarnings: [String]
  /// The stream's colour facts with FFmpeg's names (schema 1.1; nil in older reports): transfer
  /// (`bt709`, `smpte2084`, `arib-std-b67`, `unknown`...), primaries, matrix, range (`tv`,
  /// `pc`, `unknown`), the decoder's bits per sample, and whether the transfer is PQ or HLG.
  public var transfer: String?
  public var primaries: String?
  public var matrix: String?
  public var range: String?
  public var bitDepth: Int?
  public var hdr: Bool?
  /// The source's start timecode (container or stream `timecode` tag, MP4/MOV `tmcd` track):
  /// every timecode of the report counts from it. Absent when the source has none.
  public var startTimecode: String? = nil

  public init(
    path: String, sizeBytes: Int64? = nil, sha256: String? = nil, sha256Note: String? = nil,
    codec: String? = nil, duration: Double = 0, frameRate: Double? = nil, width: Int = 0,
    height: Int = 0, frameCount: Int = 0, complete: Bool = true, decodeWarnings: [String] = []
  ) {
    self.path = path
    self.sizeBytes = sizeBytes
    self.sha256 = sha256
    self.sha256Note = sha256Note
    self.codec = codec
    self.duration = duration
    self.frameRate = frameRate
    self.width = width
    self.height = height
    self.frameCount = frameCount
    self.complete = complete
    self.decodeWarnings = decodeWarnings
  }

  /// Sets the colour facts from the decoder's.
  public mutating func setColor(_ c: ColorFacts) {
    transfer = c.transfer
    primaries = c.primaries
    matrix = c.matrix
    range = c.range
    bitDepth = c.bitDepth
    hdr = c.isHDR
  }

  /// Size and SHA-256 of the file at `path` (streamed, constant memory); for `-` (standard
  /// input, already consumed by the decoder) both stay nil with a note saying why.
  public static func describing(path: String) throws -> InputFacts {
    if path == "-" {
      return InputFacts(
        path: path, sha256Note: "not available: the video was read from standard input")
    }
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let size = (attributes[.size] as? NSNumber)?.int64Value
    return InputFacts(path: path, sizeBytes: size, sha256: try sha256Hex(ofFile: path))
  }
}

/// The area geometry the analysis used at this video's size.
public struct AnalysisGeometry: Codable, Sendable, Equatable {
  /// The 10-degree field (341x256 at 1024x768, scaled to the video), in pixels.
  public var fieldWidth: Double
  public var fieldHeight: Double
  /// The region grid flashing is measured on (wcag, ofcom).
  public var gridColumns: Int
  public var gridRows: Int
  /// Flashing fails only above this many concurrently flashing pixels, and that as a share of
  /// the screen.
  public var areaLimitPixels: Double
  public var areaLimitShareOfScreen: Double
}

/// One criterion's outcome over the whole video.
public struct CriterionReport: Codable, Sendable, Equatable {
  /// `general-flash`, `red-flash-classic`, `red-flash-chromaticity`, `red-flash-saturation`,
  /// `extended-flashing`, `pattern`.
  public var id: CriterionID
  public var title: String
  public var verdict: Verdict
  /// Frames this criterion flagged.
  public var flaggedFrames: Int
  /// The largest count the criterion saw, in `peakUnit`.
  public var peak: Int
  /// `transitions per second` (flash criteria: 7 or more fails, i.e. more than 3 flashes),
  /// `frames in band` (extended flashing: frames of the 5 s window with 4 to 6 transitions), or
  /// `light-dark pairs` (pattern: the most pairs of a pattern that counts).
  public var peakUnit: String
  /// Presentation time of the first flagged frame, seconds.
  public var firstFlaggedTime: Double?

  public init(_ c: CriterionResult) {
    id = c.id
    title = c.title
    verdict = c.verdict
    flaggedFrames = c.flaggedFrames
    peak = c.peakTransitionsPerSecond
    switch c.id {
    case .extendedFlashing: peakUnit = "frames in band"
    case .pattern: peakUnit = "light-dark pairs"
    default: peakUnit = "transitions per second"
    }
    firstFlaggedTime = c.firstFlaggedTime
  }
}

/// One stretch of flashing of one kind to fix (`Incident`).
public struct IncidentReport: Codable, Sendable, Equatable {
  /// 1-based, in order of `start` (the number shown in the HTML and Markdown tables).
  public var number: Int
  /// `luminance`, `red`, `extended` or `pattern`.
  public var kind: IncidentKind
  public var verdict: Verdict
  /// Seconds: the presentation time of the frame of the first transition that counted toward
  /// the first failing window, and the end of the frame of the last transition that counted
  /// toward the last one.
  public var start: Double
  public var end: Double
  /// SMPTE timecodes of `start` and `end` (drop-frame `;` at 29.97 and 59.94 fps).
  public var startTimecode: String
  public var endTimecode: String
  /// Frame range, inclusive, frames counted from 0 in presentation order.
  public var firstFrame: Int
  public var lastFrame: Int
  public var peakTransitionsPerSecond: Int
  /// `peakTransitionsPerSecond / 2`.
  public var peakFlashesPerSecond: Double
  /// Largest area flashing in this kind (red: flashing red) as a share (0...1) of the screen,
  /// and of one 10-degree field (nil under `iris`, which has no field).
  public var largestScreenShare: Double
  public var largestFieldShare: Double?
  /// Where on the screen it flashes in this kind: the union of the flagged frames' regions of
  /// this kind, pixels.
  public var boundingBox: PixelRect
  /// The frame shown as the incident's thumbnail (most transitions, then largest area).
  public var worstFrame: Int
  public var worstFrameTime: Double
  /// Kind `pattern` only: light-dark pairs, stripe orientation, area share and motion (the
  /// flash fields are 0 there).
  public var pattern: PatternIncidentDetail?

  public init(number: Int, incident i: Incident, frameTimes: [Double]) {
    self.number = number
    kind = i.kind
    verdict = i.verdict
    start = i.start
    end = i.end
    startTimecode = i.startTimecode
    endTimecode = i.endTimecode
    firstFrame = i.firstFrame
    lastFrame = i.lastFrame
    peakTransitionsPerSecond = i.peakTransitionsPerSecond
    peakFlashesPerSecond = i.peakFlashesPerSecond
    largestScreenShare = i.largestScreenShare
    largestFieldShare = i.largestFieldShare
    boundingBox = i.boundingBox
    worstFrame = i.worstFrame
    worstFrameTime = frameTimes.indices.contains(i.worstFrame) ? frameTimes[i.worstFrame] : i.start
    pattern = i.pattern
  }
}
