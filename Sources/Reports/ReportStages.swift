import Foundation
import Frames
import Photosensitivity
import TTable

/// The report's thumbnails as a stage: follows the analysis stage's incidents frame by frame
/// (it must come after that stage in the pass) and keeps downscaled copies of the frames each
/// incident will show (`ThumbnailCollector`). No worker work: it reads the chunk in `consume`.
public final class ThumbnailStage: Stage {
  public let analysis: PhotosensitivityStage
  public private(set) var collector: ThumbnailCollector

  public init(
    following analysis: PhotosensitivityStage, maxWidth: Int = 320, maxIncidents: Int = 200
  ) {
    self.analysis = analysis
    collector = ThumbnailCollector(
      parameters: analysis.analyzer.parameters, maxWidth: maxWidth, maxIncidents: maxIncidents)
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> Void { { _ in } }

  public func consume(_: Void, window: ChunkWindow) throws {
    try requireRGB24(window.chunk)
    collector.offer(chunk: window.chunk, rows: analysis.lastRows)
  }

  public func finish() throws { collector.finish() }
}

/// Thumbnails are rgb24 pictures: a thumbnail stage refuses chunks of another layout (a pass
/// whose source decodes `.luma` or `.rgbSum` frames) with an error instead of reading them.
func requireRGB24(_ chunk: FrameChunk) throws {
  guard chunk.channels == 3 else {
    throw PhotosensitivityError.frameMismatch(
      frame: chunk.firstIndex,
      reason: "thumbnails need rgb24 frames, got \(chunk.channels) channels")
  }
}

/// The pattern incidents' thumbnails as a stage: follows the pattern stage's flagged frames
/// (it must come after that stage in the pass) and keeps, per run of flagged frames, a
/// downscaled copy of the frame where the pattern covers the most (the incident's worst frame).
/// Runs that end without becoming an incident (shorter than the rule's duration) are dropped.
public final class PatternThumbnailStage: Stage {
  public let patterns: PatternStage
  public let maxWidth: Int
  public let maxIncidents: Int
  /// Thumbnails by the first frame of their run, with the area they were chosen for.
  var kept: [Int: (area: Double, thumbnail: Thumbnail)] = [:]
  /// Incidents that got no thumbnail because `maxIncidents` were kept.
  public private(set) var omitted = 0

  public init(following patterns: PatternStage, maxWidth: Int = 320, maxIncidents: Int = 200) {
    self.patterns = patterns
    self.maxWidth = maxWidth
    self.maxIncidents = maxIncidents
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> Void { { _ in } }

  public func consume(_: Void, window: ChunkWindow) throws {
    try requireRGB24(window.chunk)
    for f in patterns.analyzer.lastFlagged {
      if let held = kept[f.runStart], held.area >= f.area { continue }
      if kept[f.runStart] == nil {
        prune()
        guard kept.count < maxIncidents else {
          continue
        }
      }
      let i = f.frame - window.chunk.firstIndex
      guard i >= 0 && i < window.chunk.count else { continue }
      kept[f.runStart] = (
        f.area, Thumbnail(chunk: window.chunk, index: i, maxWidth: maxWidth)
      )
    }
  }

  /// Drops the thumbnails of runs that ended without becoming an incident.
  func prune() {
    let incidents = Set(patterns.analyzer.incidents.map(\.firstFrame))
    let open = patterns.analyzer.openRunStart
    for start in kept.keys where !incidents.contains(start) && start != open {
      kept.removeValue(forKey: start)
    }
  }

  public func finish() throws {
    prune()
    let starts = Set(kept.keys)
    omitted = patterns.analyzer.incidents.filter { !starts.contains($0.firstFrame) }.count
  }

  /// The thumbnails by the first frame of their incident.
  public var pictures: [Int: Thumbnail] { kept.mapValues(\.thumbnail) }
}

/// The input file's size and SHA-256 as a stage: the file is read on a thread of its own, beside
/// the decoding (which is usually the slower reader), from the moment the pass starts.
public final class InputHashStage: Stage {
  public let path: String
  enum State {
    case idle, reading
    case done(Result<InputFacts, any Error>)
  }
  private let state = Locked(State.idle)

  public init(path: String) {
    self.path = path
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> Void {
    let (path, state) = (self.path, self.state)
    let start = state.withLock { s -> Bool in
      guard case .idle = s else { return false }
      s = .reading
      return true
    }
    if start {
      let thread = Thread {
        let result = Result { try InputFacts.describing(path: path) }
        state.withLock { $0 = .done(result) }
      }
      thread.name = "flashscan.hash"
      thread.start()
    }
    return { _ in }
  }

  public func consume(_: Void, window: ChunkWindow) throws {}

  /// The size and hash: waits for the reading thread, or reads the file here when no pass
  /// started it.
  public func facts() throws -> InputFacts {
    let idle = state.withLock { s -> Bool in
      guard case .idle = s else { return false }
      s = .reading
      return true
    }
    if idle {
      let result = Result { try InputFacts.describing(path: path) }
      state.withLock { $0 = .done(result) }
    }
    return try state.wait(
      until: {
        if case .done = $0 { return true }
        return false
      },
      then: { s -> Result<InputFacts, any Error> in
        guard case .done(let result) = s else { fatalError("unreachable") }
        return result
      }
    ).get()
  }
}

/// The stages a photosensitivity report needs, in their order for one pass: the analysis, then
/// (for HTML) the thumbnails, the pattern check and its thumbnails (when the profile checks
/// patterns), then the input's hash; and the T series, fed from the T table
/// stage's rows. Put a `TTableStage` whose `onRows` calls `add(_:)` before them.
public final class ReportStages {
  public let analysis: PhotosensitivityStage
  public let thumbnails: ThumbnailStage?
  /// The pattern check, when the parameters have a pattern rule, and its thumbnails.
  public let patterns: PatternStage?
  public let patternThumbnails: PatternThumbnailStage?
  public let hash: InputHashStage
  public private(set) var tSeries = TSeries()
  /// The source's colour facts, copied into the report's input section.
  public let color: ColorFacts

  /// `info` is the source's (rgb24 frames of its size); `thumbnails` false skips keeping them
  /// (JSON and Markdown reports need none); `path` is the file to hash (`-`: none).
  public init(
    info: VideoInfo, path: String, parameters: AnalysisParameters, thumbnails: Bool = true
  ) {
    analysis = PhotosensitivityStage(info: info, parameters: parameters)
    color = info.color
    self.thumbnails = thumbnails ? ThumbnailStage(following: analysis) : nil
    let patterns = parameters.patterns.map {
      PatternStage(info: info, rule: $0, irisFPS: parameters.irisFrameRate)
    }
    self.patterns = patterns
    patternThumbnails = thumbnails ? patterns.map { PatternThumbnailStage(following: $0) } : nil
    hash = InputHashStage(path: path)
  }

  public var stages: [any Stage] {
    var list: [any Stage] = [analysis]
    if let thumbnails { list.append(thumbnails) }
    if let patterns { list.append(patterns) }
    if let patternThumbnails { list.append(patternThumbnails) }
    list.append(hash)
    return list
  }

  /// Adds T rows to the series the HTML timeline draws (from the T table stage, in order).
  public func add(_ rows: [TRow]) {
    for r in rows { tSeries.append(frame: r.frame, time: r.time, t: r.t) }
  }

  /// The report of the pass; `describe` completes the input facts (codec, rate, completeness).
  public func report(
    tool: ToolInfo, createdAt: Date? = nil, describe: (inout InputFacts) -> Void = { _ in }
  ) throws -> FlashReport {
    var input = try hash.facts()
    input.setColor(color)
    describe(&input)
    var result = analysis.result()
    if let patterns { result = result.adding(patterns: patterns.result()) }
    var report = FlashReport(
      tool: tool, input: input, result: result, tSeries: tSeries,
      thumbnails: thumbnails?.collector, createdAt: createdAt)
    if let patternThumbnails {
      report.patternPictures = patternThumbnails.pictures
      report.omittedThumbnails += patternThumbnails.omitted
    }
    return report
  }
}
