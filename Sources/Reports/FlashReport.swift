import Foundation
import FrameTensor
import Photosensitivity
import TextOutput

/// A report file's format, chosen by the path's extension.
public enum ReportFormat: String, Sendable, CaseIterable {
  case json, html, markdown

  /// `.json`, `.html` (or `.htm`), `.md` (or `.markdown`), any case; nil for anything else.
  public init?(path: String) {
    switch (path as NSString).pathExtension.lowercased() {
    case "json": self = .json
    case "html", "htm": self = .html
    case "md", "markdown": self = .markdown
    default: return nil
    }
  }

  /// The usual extension: `json`, `html`, `md`.
  public var fileExtension: String {
    switch self {
    case .json: return "json"
    case .html: return "html"
    case .markdown: return "md"
    }
  }
}

/// Everything a report is rendered from: the versioned document plus what only the HTML and
/// the frames CSV draw (the per-frame rows, the T table, the incidents' thumbnails).
public struct FlashReport: Sendable {
  public var document: ReportDocument
  /// Every analysed frame's row (the flashes-per-second curve, the frames CSV).
  public var frames: [FrameRow]
  public var tSeries: TSeries
  /// The incidents' pictures by worst frame index (`ThumbnailCollector.kept`).
  public var pictures: [Int: IncidentPicture]
  /// Pattern incidents' pictures by the incident's first frame (`PatternThumbnailStage`).
  public var patternPictures: [Int: Thumbnail] = [:]
  /// Incidents that have no thumbnail because the collector's limit was reached.
  public var omittedThumbnails: Int
  /// `--report-video`: the source video as a URL relative to the HTML report's folder
  /// (`ReportVideo.relativeURL`); the HTML then shows a player that clicking an incident seeks.
  /// Nil: no player, and the page loads nothing (the default).
  public var videoSource: String? = nil

  public init(
    tool: ToolInfo, input: InputFacts, result: PhotosensitivityResult, tSeries: TSeries,
    thumbnails: ThumbnailCollector? = nil, includeFramesInJSON: Bool = false, createdAt: Date? = nil
  ) {
    document = ReportDocument(
      tool: tool, input: input, result: result, includeFrames: includeFramesInJSON,
      createdAt: createdAt)
    frames = result.frames
    self.tSeries = tSeries
    pictures = thumbnails?.kept ?? [:]
    omittedThumbnails = thumbnails?.omitted ?? 0
  }

  /// The report in `format`, as the bytes of the file; `png` encodes the HTML's thumbnails.
  public func render(_ format: ReportFormat, png: PNGEncode) throws -> Data {
    switch format {
    case .json: return try document.jsonData()
    case .html: return Data(html(png: png).utf8)
    case .markdown: return Data(markdown().utf8)
    }
  }

  /// The one line `--check` prints: `FAIL  path  (profile wcag, 2 incidents)`, tab-separated; the
  /// path as a terminal shows it (`Escaping.terminal`: no control characters, so the line stays
  /// one line of three fields).
  public var checkLine: String {
    let d = document
    let count = VerdictText.incidentCounts(d.incidents)
    var partial =
      d.input.complete
      ? "" : ", partial: analysed up to \(VerdictText.seconds(d.input.duration))"
    if d.sdrProfileOnHDR {
      partial += ", warning: HDR input, SDR-relative figures (use --profile bt1702)"
    }
    return
      "\(VerdictText.label(d.verdict))\t\(Escaping.terminal(d.input.path))\t(profile \(d.profile.rawValue), \(count)\(partial))"
  }
}
