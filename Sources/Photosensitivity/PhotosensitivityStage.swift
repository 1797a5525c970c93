import Frames

/// The photosensitivity analysis as a stage of the scan engine: the pixel work
/// (`PhotosensitivityMeasurer`) runs on the workers, the analysis (`PhotosensitivityAnalyzer`)
/// consumes the measures in frame order on the scanning thread.
public final class PhotosensitivityStage: Stage {
  public let frameMeasurer: PhotosensitivityMeasurer
  public private(set) var analyzer: PhotosensitivityAnalyzer
  /// The rows of the chunk consumed last, for a later stage of the same pass that follows the
  /// analysis (the report's thumbnails).
  public private(set) var lastRows: [FrameRow] = []
  /// `lastRows`' red transitions per rule.
  public private(set) var lastRed: [RedCounts] = []

  /// `info` is the source's: its rgb24 frames' size, its frame rate and its colour facts (the
  /// bt1702 profile reads the transfer function and luminance weights from them, and the
  /// chunks' 16-bit frames when `info.highPrecision`).
  /// `keepsRows` false keeps no per-frame rows (`PhotosensitivityAnalyzer.keepsRows`): the
  /// result has no `frames`, the rest is the same.
  public init(info: VideoInfo, parameters: AnalysisParameters, keepsRows: Bool = true) {
    frameMeasurer = PhotosensitivityMeasurer(
      width: info.width, height: info.height, parameters: parameters, color: info.color)
    analyzer = PhotosensitivityAnalyzer(
      width: info.width, height: info.height, frameRate: info.frameRate, parameters: parameters)
    analyzer.startTimecode = info.startTimecode
    analyzer.keepsRows = keepsRows
  }

  /// bt1702 on a source above 8 bits measures the decoder's planes (`FrameChunk.sourcePlanes`):
  /// the scan asks the source for them.
  public var frameRequests: FrameRequests {
    frameMeasurer.parameters.profile == .bt1702 && frameMeasurer.color.bitDepth > 8
      ? .sourcePlanes : []
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> [FrameMeasure] {
    let measurer = frameMeasurer
    return { window in try measurer.measure(window) }
  }

  public func consume(_ measures: [FrameMeasure], window: ChunkWindow) throws {
    try analyzer.consume(measures)
    lastRows = analyzer.consumed
    lastRed = analyzer.consumedRed
  }

  /// The analysis of everything consumed so far.
  public func result() -> PhotosensitivityResult { analyzer.finish() }
}
