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
    collector.offer(chunk: window.chunk, rows: analysis.lastRows)
  }

  public func finish() throws { collector.finish() }
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
/// (for HTML) the thumbnails, then the input's hash; and the T series, fed from the T table
/// stage's rows. Put a `TTableStage` whose `onRows` calls `add(_:)` before them.
public final class ReportStages {
  public let analysis: PhotosensitivityStage
  public let thumbnails: ThumbnailStage?
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
    hash = InputHashStage(path: path)
  }

  public var stages: [any Stage] {
    var list: [any Stage] = [analysis]
    if let thumbnails { list.append(thumbnails) }
    list.append(hash)
    return list
  }

  /// Adds T rows to the series the HTML timeline draws (from the T table stage, in order).
  public func add(_ rows: [TRow]) {
    for r in rows { tSeries.append(frame: r.frame, time: r.time, t: r.t) }
  }

  /// The report of the pass; `describe` completes the input facts (codec, rate, completeness).
  public func report(tool: ToolInfo, describe: (inout InputFacts) -> Void = { _ in }) throws
    -> FlashReport
  {
    var input = try hash.facts()
    input.setColor(color)
    describe(&input)
    return FlashReport(
      tool: tool, input: input, result: analysis.result(), tSeries: tSeries,
      thumbnails: thumbnails?.collector)
  }
}
