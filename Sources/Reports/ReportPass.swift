import Flashinator
import Frames
import FrameTensor
import MediaIO
import Photosensitivity

/// One decoding pass that yields both the exam's T table and the photosensitivity report.
///
/// `work` runs on `ChunkPipeline`'s worker threads and does the heavy per-chunk pixel work of
/// both analyses; `deliver` runs on the decoding thread, in chunk order, and does the sequential
/// part (the analyser's state, the T series, the incidents' thumbnails). So the frames are
/// decoded once and read twice while they are hot, and memory stays bounded by the pipeline's
/// queue.
public struct ReportPass: Sendable {
  /// What one chunk's work produced.
  public struct ChunkResult: Sendable {
    public var chunk: FrameChunk
    public var tRows: Result<[TRow], any Error>
    public var measures: [FrameMeasure]
  }

  public let parameters: AnalysisParameters
  let topK: Int
  let gray: GrayMode
  let measurer: PhotosensitivityMeasurer
  var analyzer: PhotosensitivityAnalyzer
  var collector: ThumbnailCollector?
  public private(set) var tSeries = TSeries()

  /// `info` is the source's (rgb24 frames of its size); `thumbnails` false skips keeping them
  /// (JSON and Markdown reports need none).
  public init(
    info: VideoInfo, parameters: AnalysisParameters, topK: Int = 5, gray: GrayMode = .mean,
    thumbnails: Bool = true
  ) {
    precondition(gray.channels == 3, "the report needs rgb24 frames")
    self.parameters = parameters
    precondition(topK >= 1, "top-k must be at least 1")
    self.topK = topK
    self.gray = gray
    measurer = PhotosensitivityMeasurer(
      width: info.width, height: info.height, parameters: parameters)
    analyzer = PhotosensitivityAnalyzer(
      width: info.width, height: info.height, frameRate: info.frameRate, parameters: parameters)
    collector = thumbnails ? ThumbnailCollector(parameters: parameters) : nil
  }

  /// The per-chunk job for `ChunkPipeline.runChunks` (thread-safe: it only reads `self`); the
  /// previous chunk's last frame is read in place.
  public var work: @Sendable (FrameChunk, FrameChunk?) -> ChunkResult {
    let (topK, gray) = (self.topK, self.gray)
    let measurer = self.measurer
    return { chunk, previous in
      // A frame of another size would trip the measurer's precondition: the T side reports it.
      let tRows = Result {
        try Flashinator.rows(chunk: chunk, previousChunk: previous, topK: topK, gray: gray)
      }
      let sameSize =
        chunk.width == measurer.grid.width && chunk.height == measurer.grid.height
        && (previous.map { $0.width == chunk.width && $0.height == chunk.height } ?? true)
      let measures = sameSize ? measurer.measure(chunk: chunk, previousChunk: previous) : []
      return ChunkResult(chunk: chunk, tRows: tRows, measures: measures)
    }
  }

  /// Takes the next chunk's results, in order; returns its T rows (for the table output).
  /// Throws the Flashinator's error (a frame size change) like `Flashinator.scan` does.
  public mutating func deliver(_ result: ChunkResult) throws -> [TRow] {
    let rows = try result.tRows.get()
    for r in rows { tSeries.append(frame: r.frame, time: r.time, t: r.t) }
    let start = analyzer.consumedFrames
    analyzer.consume(result.measures)
    if collector != nil {
      collector!.offer(chunk: result.chunk, rows: analyzer.frameRows(from: start))
    }
    return rows
  }

  /// The report of everything delivered (call once, after the last chunk).
  public mutating func finish(tool: ToolInfo, input: InputFacts) -> FlashReport {
    collector?.finish()
    return FlashReport(
      tool: tool, input: input, result: analyzer.finish(), tSeries: tSeries, thumbnails: collector)
  }
}
