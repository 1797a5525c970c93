import Foundation
import Frames
import MediaIO
import Photosensitivity
import Reports
import TTable

/// Why parts could not be merged: the part (or the directory) and the cause, one line.
public struct MergeError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var reason: String
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "\(path): \(reason)" }
}

/// The segments of one film joined: the T table and, when asked for, the photosensitivity
/// analysis, exactly as one whole run computes them.
public struct MergedFilm: Sendable {
  /// The header of segment 0 (every part agrees on what is compared).
  public var header: PartHeader
  public var rows: [TRow]
  /// Nil unless the merge was asked to analyse.
  public var analysis: PhotosensitivityResult?
  /// The decoder warnings of every segment, each once, in segment order.
  public var decodeWarnings: [String]
  /// Frames of the film, and the last frame's time.
  public var frameCount: Int
  public var lastFrameTime: Double
  /// With `keepForThumbnails`: the analysis's rows (before the pattern columns are added), the
  /// pattern measures and the frames the pattern check flagged (what the thumbnails follow).
  public var analysisRows: [FrameRow] = []
  public var patternMeasures: [PatternFrameMeasure] = []
  public var patternFlagged: [Int] = []
}

/// Reads, checks and joins the part files of a directory (Docs/Scale.md).
public enum PartMerge {
  /// Most part files in a directory.
  public static let maxParts = SegmentPlan.maxSegments

  /// The part files of `directory` (names ending `.fspart`, hidden names skipped), sorted.
  public static func partPaths(in directory: String) throws -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      throw MergeError(path: directory, reason: "cannot list the directory")
    }
    let parts = names.filter { $0.hasSuffix("." + PartFile.fileExtension) && !$0.hasPrefix(".") }
      .sorted()
    guard !parts.isEmpty else {
      throw MergeError(path: directory, reason: "no part files (*.\(PartFile.fileExtension))")
    }
    guard parts.count <= maxParts else {
      throw MergeError(path: directory, reason: "more than \(maxParts) part files")
    }
    let base = directory.hasSuffix("/") ? directory : directory + "/"
    return parts.map { base + $0 }
  }

  /// Reads only a part's header (signature, version, header JSON); the checksum is checked
  /// when the whole part is read.
  public static func header(path: String) throws -> PartHeader {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw MergeError(path: path, reason: "cannot open the part")
    }
    defer { try? handle.close() }
    let fixed = PartFile.magic.count + 1 + 4
    do {
      guard let start = try handle.read(upToCount: fixed), start.count == fixed else {
        throw PartError("truncated: shorter than a part's signature")
      }
      let bytes = [UInt8](start)
      guard Array(bytes[0..<PartFile.magic.count]) == PartFile.magic else {
        throw PartError("not a flashscan part (no FLASHSCAN-PART signature)")
      }
      guard Int(bytes[PartFile.magic.count]) == PartFile.formatVersion else {
        throw PartError(
          "part format version \(bytes[PartFile.magic.count]), this flashscan reads version \(PartFile.formatVersion)"
        )
      }
      var length = 0
      for i in 0..<4 { length |= Int(bytes[PartFile.magic.count + 1 + i]) << (8 * i) }
      guard length <= PartFile.maxHeaderBytes else {
        throw PartError(
          "header of \(length) bytes, more than the \(PartFile.maxHeaderBytes) allowed")
      }
      guard let json = try handle.read(upToCount: length), json.count == length else {
        throw PartError("truncated inside the header")
      }
      do {
        return try JSONDecoder().decode(PartHeader.self, from: json)
      } catch {
        throw PartError("unreadable header")
      }
    } catch let error as PartError {
      throw MergeError(path: path, reason: error.reason)
    } catch {
      throw MergeError(path: path, reason: "cannot read the part: \(error)")
    }
  }

  /// The parts' headers in segment order, checked against each other: one film (size and end
  /// hashes, path as given), one tool version and commit, the same options, stream facts and
  /// cuts, every segment of N once, frame ranges as the plan cuts them.
  public static func checkedHeaders(paths: [String]) throws -> [(path: String, header: PartHeader)]
  {
    let all = try paths.map { (path: $0, header: try header(path: $0)) }
    let reference = all.first { $0.header.segment == 0 } ?? all[0]
    let ref = reference.header
    for (path, h) in all {
      func refuse(_ reason: String) -> MergeError { MergeError(path: path, reason: reason) }
      if !h.source.sameContent(as: ref.source) {
        throw refuse(
          "from another file: \(h.source.path) (\(h.source.sizeBytes) bytes), not \(ref.source.path) (\(ref.source.sizeBytes) bytes) as in \(reference.path)"
        )
      }
      if h.source.path != ref.source.path {
        throw refuse(
          "names the source '\(h.source.path)', \(reference.path) names '\(ref.source.path)' (the report records the path as given: scan every segment with the same path)"
        )
      }
      if h.toolVersion != ref.toolVersion || h.toolCommit != ref.toolCommit {
        throw refuse(
          "made by flashscan \(h.toolVersion) (commit \(h.toolCommit)), \(reference.path) by \(ref.toolVersion) (commit \(ref.toolCommit))"
        )
      }
      if h.options != ref.options {
        throw refuse(
          "scanned with other options than \(reference.path) (\(optionDifference(h.options, ref.options)))"
        )
      }
      if h.segments != ref.segments {
        throw refuse(
          "is segment \(h.segment)/\(h.segments), \(reference.path) is of \(ref.segments) segments")
      }
      if h.video != ref.video || h.cuts != ref.cuts {
        throw refuse("the stream or its cut points differ from \(reference.path)'s")
      }
      let n = h.segments
      let ordered = zip(h.cuts, h.cuts.dropFirst()).allSatisfy { $0 <= $1 }
      let numbersFit = n >= 1 && n <= SegmentPlan.maxSegments && h.segment >= 0 && h.segment < n
      let cutsFit =
        h.cuts.count == n + 1 && h.cuts.first == 0 && ordered && h.cuts.last == h.video.frameCount
      guard numbersFit, cutsFit else { throw refuse("inconsistent segment numbers or cut points") }
      if h.firstFrame != h.cuts[h.segment] || h.endFrame != h.cuts[h.segment + 1] {
        throw refuse(
          "holds frames \(h.firstFrame)..<\(h.endFrame), segment \(h.segment)/\(n) is frames \(h.cuts[h.segment])..<\(h.cuts[h.segment + 1])"
        )
      }
    }
    var bySegment: [Int: String] = [:]
    for (path, h) in all {
      if let other = bySegment[h.segment] {
        throw MergeError(
          path: path, reason: "duplicate: segment \(h.segment)/\(h.segments) is also in \(other)")
      }
      bySegment[h.segment] = path
    }
    for k in 0..<ref.segments where bySegment[k] == nil {
      let directory = (paths[0] as NSString).deletingLastPathComponent
      throw MergeError(
        path: directory.isEmpty ? "." : directory,
        reason:
          "segment \(k)/\(ref.segments) is missing (\(SegmentScan.fileName(SegmentChoice(index: k, count: ref.segments)))))"
      )
    }
    return all.sorted { $0.header.segment < $1.header.segment }
  }

  static func optionDifference(_ a: PartOptions, _ b: PartOptions) -> String {
    var out: [String] = []
    if a.topK != b.topK { out.append("top-k \(a.topK) vs \(b.topK)") }
    if a.gray != b.gray { out.append("gray \(a.gray) vs \(b.gray)") }
    if a.stream != b.stream {
      out.append(
        "stream \(a.stream.map(String.init) ?? "default") vs \(b.stream.map(String.init) ?? "default")"
      )
    }
    if a.parameters.profile != b.parameters.profile {
      out.append("profile \(a.parameters.profile.rawValue) vs \(b.parameters.profile.rawValue)")
    } else if a.parameters != b.parameters {
      out.append("photosensitivity thresholds differ")
    }
    return out.joined(separator: ", ")
  }

  /// Reads every part whole (checksum, limits) in segment order and joins them; `analyse` also
  /// runs the photosensitivity analysis (and the pattern check) over the measures of every
  /// frame, in frame order, as one pass would.
  public static func merge(paths: [String], analyse: Bool, keepForThumbnails: Bool = false)
    throws -> MergedFilm
  {
    let ordered = try checkedHeaders(paths: paths)
    let ref = ordered[0].header
    let v = ref.video
    let parameters = ref.options.parameters
    var analyzer: PhotosensitivityAnalyzer? = nil
    var patternAnalyzer: PatternAnalyzer? = nil
    if analyse {
      var a = PhotosensitivityAnalyzer(
        width: v.width, height: v.height, frameRate: v.frameRate, parameters: parameters)
      a.startTimecode = v.startTimecode
      analyzer = a
      if var rule = parameters.patterns {
        rule.lightScale = rule.lightScale.resolved(for: v.color)
        patternAnalyzer = PatternAnalyzer(
          width: v.width, height: v.height, frameRate: v.frameRate, rule: rule,
          fps: parameters.irisFrameRate)
      }
    }
    var rows: [TRow] = []
    rows.reserveCapacity(max(0, v.frameCount - 1))
    var warnings: [String] = []
    var lastTime = 0.0
    var patternMeasures: [PatternFrameMeasure] = []
    var patternFlagged: [Int] = []
    for (path, header) in ordered {
      let data: Data
      do {
        data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
      } catch {
        throw MergeError(path: path, reason: "cannot read the part")
      }
      let part: PartFile
      do {
        part = try PartFile.decode(data)
      } catch let error as PartError {
        throw MergeError(path: path, reason: error.reason)
      }
      guard part.header == header else {
        throw MergeError(path: path, reason: "the part changed while it was being read")
      }
      let frames = header.firstFrame..<header.endFrame
      let rowFrames = max(1, frames.lowerBound)..<max(1, frames.upperBound)
      guard part.rows.count == rowFrames.count,
        part.rows.enumerated().allSatisfy({ $0.element.frame == rowFrames.lowerBound + $0.offset })
      else {
        throw MergeError(
          path: path,
          reason:
            "its T rows are not exactly frames \(rowFrames.lowerBound)..<\(rowFrames.upperBound)")
      }
      guard part.measures.count == frames.count,
        part.measures.enumerated().allSatisfy({ $0.element.index == frames.lowerBound + $0.offset })
      else {
        throw MergeError(
          path: path,
          reason:
            "its frame measures are not exactly frames \(frames.lowerBound)..<\(frames.upperBound)")
      }
      let patternsExpected = parameters.patterns != nil ? frames.count : 0
      guard part.patterns.count == patternsExpected,
        part.patterns.enumerated().allSatisfy({ $0.element.index == frames.lowerBound + $0.offset })
      else {
        throw MergeError(path: path, reason: "its pattern measures do not match its frames")
      }
      rows += part.rows
      if let last = part.measures.last { lastTime = last.time }
      for w in header.decodeWarnings where !warnings.contains(w) { warnings.append(w) }
      do {
        try analyzer?.consume(part.measures)
        if keepForThumbnails && patternAnalyzer != nil {
          // Frame by frame, to note the flagged frames the pattern thumbnails follow.
          for m in part.patterns {
            try patternAnalyzer?.consume([m])
            patternFlagged += patternAnalyzer?.lastFlagged.map(\.frame) ?? []
          }
          patternMeasures += part.patterns
        } else {
          try patternAnalyzer?.consume(part.patterns)
        }
      } catch {
        throw MergeError(path: path, reason: "its measures do not fit the analysis: \(error)")
      }
    }
    var analysis = analyzer?.finish()
    if var p = patternAnalyzer, let result = analysis {
      p.finish()
      analysis = result.adding(patterns: p.result())
    }
    var film = MergedFilm(
      header: ref, rows: rows, analysis: analysis, decodeWarnings: warnings,
      frameCount: v.frameCount, lastFrameTime: lastTime)
    if keepForThumbnails {
      film.analysisRows = analyzer?.rows ?? []
      film.patternMeasures = patternMeasures
      film.patternFlagged = patternFlagged
    }
    return film
  }

  /// The report of a merged film, as a whole run writes it. The input's size and SHA-256 are
  /// read from the source (the path as given, else the absolute path recorded), which must
  /// still be the file the parts were made from; `thumbnails` are the HTML's incident pictures.
  public static func report(
    of film: MergedFilm, tool: ToolInfo, createdAt: Date? = nil,
    thumbnails: ThumbnailCollector? = nil,
    patternPictures: [Int: Thumbnail] = [:], omittedPatternPictures: Int = 0
  ) throws -> FlashReport {
    guard let analysis = film.analysis else {
      throw MergeError(path: film.header.source.path, reason: "the merge did not analyse")
    }
    let source = try sourcePath(of: film.header)
    var input: InputFacts
    do {
      input = try InputFacts.describing(path: source)
    } catch {
      throw MergeError(path: source, reason: "cannot read the source for its SHA-256: \(error)")
    }
    input.path = film.header.source.path
    input.setColor(film.header.video.color)
    input.codec = film.header.video.codec
    input.frameRate = film.header.video.frameRate
    input.complete = true
    input.decodeWarnings = film.decodeWarnings
    var tSeries = TSeries()
    for r in film.rows { tSeries.append(frame: r.frame, time: r.time, t: r.t) }
    var report = FlashReport(
      tool: tool, input: input, result: analysis, tSeries: tSeries, thumbnails: thumbnails,
      createdAt: createdAt)
    if thumbnails != nil {
      report.patternPictures = patternPictures
      report.omittedThumbnails += omittedPatternPictures
    }
    return report
  }

  /// The source file the parts name: the path as given when it is there and is the same film,
  /// else the absolute path recorded. Throws `MergeError` when neither is.
  public static func sourcePath(of header: PartHeader) throws -> String {
    for path in [header.source.path, header.source.absolutePath] {
      if let identity = try? SourceIdentity.of(path: path), identity.sameContent(as: header.source)
      {
        return path
      }
    }
    throw MergeError(
      path: header.source.path,
      reason:
        "the source is not there (also tried \(header.source.absolutePath)) or is not the file the parts were made from (size and first/last MiB differ): the report needs it"
    )
  }
}
