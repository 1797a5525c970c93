import FrameTensor
import Frames

/// The exam's video-flashinator: the T table of a video (Docs/Algorithm.md defines it).
public enum Flashinator {
  /// The T table of a whole source on the scan engine: the source is read on the calling thread,
  /// chunks are computed on `options.threads` workers, and `onRow` receives the rows in frame
  /// order on the calling thread. The same as running a `TTableStage` alone.
  public static func scan(
    _ source: FrameSource, options: FlashinatorOptions = FlashinatorOptions(),
    onRow: @escaping (TRow) throws -> Void
  ) throws {
    let stage = TTableStage(topK: options.topK, gray: options.gray) { rows in
      for row in rows { try onRow(row) }
    }
    try options.engine.run(source, stages: [stage])
  }

  /// The single-threaded definition on an in-memory (F, H, W, C) tensor: one row per delta-frame
  /// (F - 1 rows; none for F < 2). `times` default to frame index / 30, as `TensorFrameSource`'s.
  /// C must be 3, or 1 for `.luma`.
  public static func table(
    frames: Tensor<UInt8>, times: [Double]? = nil, topK: Int = 5, gray: GrayMode = .mean
  ) -> [TRow] {
    precondition(frames.rank == 4, "frames must be (F, H, W, C), got \(frames.shape)")
    precondition(topK >= 1, "top-k must be at least 1")
    let count = frames.shape[0]
    let times = times ?? (0..<count).map { Double($0) / 30 }
    precondition(times.count == count, "one time per frame")
    let computer = ChunkRows(model: LuminanceModel.shared(gray), topK: topK)
    let chunk = FrameChunk(frames: frames, times: times, firstIndex: 0)
    switch computer.rows(ChunkWindow(chunk: chunk, previous: nil)) {
    case .success(let rows): return rows
    case .failure(let error): preconditionFailure(error.description)
    }
  }
}

/// The T table as a stage of the scan engine: each chunk's rows are computed on the workers (the
/// pairs it ends, its first frame paired with the previous chunk's last), and handed to `onRows`
/// in frame order on the scanning thread.
public final class TTableStage: Stage {
  public let topK: Int
  public let gray: GrayMode
  let onRows: ([TRow]) throws -> Void

  /// `onRows` gets each chunk's rows, in order, on the scanning thread.
  public init(topK: Int = 5, gray: GrayMode = .mean, onRows: @escaping ([TRow]) throws -> Void) {
    self.topK = topK
    self.gray = gray
    self.onRows = onRows
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> [TRow] {
    guard topK >= 1 else { throw FlashinatorError.invalidOption("top-k must be at least 1") }
    let computer = ChunkRows(model: LuminanceModel.shared(gray), topK: topK)
    return { window in try computer.rows(window).get() }
  }

  public func consume(_ rows: [TRow], window: ChunkWindow) throws {
    try onRows(rows)
  }
}

/// The work of one chunk: the rows of the pairs it ends (its first frame pairs with the previous
/// chunk's last frame).
struct ChunkRows: Sendable {
  let model: LuminanceModel
  let topK: Int

  /// The rows of the pairs the window's chunk ends: its first frame pairs with the previous
  /// chunk's last (read in place), except at the start of the stream.
  func rows(_ window: ChunkWindow) -> Result<[TRow], FlashinatorError> {
    let chunk = window.chunk
    let shape = Array(chunk.frames.shape.dropFirst())
    // Key planes (`PixelLayout.rgbSum`, 2 bytes a pixel) carry the mean mode's key itself, and
    // `.rgbSumFromPlanes` chunks (no bytes in the tensor) the planes it is computed from.
    let keyPlanes = shape[2] == PixelLayout.rgbSum.channels && model.mode == .mean
    let sumFrames =
      shape[2] == 0 && model.mode == .mean && chunk.rgbSumFrames != nil
      && (window.previous == nil || window.previous?.rgbSumFrames != nil)
    guard keyPlanes || sumFrames || shape[2] == model.mode.channels else {
      return .failure(
        .channelMismatch(mode: model.mode, channels: shape[2], expected: model.mode.channels))
    }
    if let change = window.sizeChange {
      return .failure(.frameSizeChanged(frame: chunk.firstIndex, from: change.from, to: change.to))
    }
    let pixels = shape[0] * shape[1]
    let kernel = FlashKernel(model: model, topK: topK)
    let results: [(p: Double, n: Double)]
    if sumFrames, let own = chunk.rgbSumFrames {
      // The previous chunk's last frame first, then the chunk's (`withFramePointers`' order).
      let frames = (window.previous?.rgbSumFrames.map { [$0.frames.last!] } ?? []) + own.frames
      results = withExtendedLifetime((own, window.previous?.rgbSumFrames)) {
        kernel.pairsOfSumFrames(frames, width: shape[1], height: shape[0])
      }
    } else {
      results = window.withFramePointers { frames, _ in
        keyPlanes
          ? kernel.pairsOfSums(frames: frames, pixels: pixels)
          : kernel.pairs(frames: frames, pixels: pixels)
      }
    }
    let firstPairFrame = chunk.firstIndex + (window.previous == nil ? 1 : 0)
    return .success(
      results.enumerated().map { offset, pn in
        let frame = firstPairFrame + offset
        return TRow(frame: frame, time: chunk.times[frame - chunk.firstIndex], p: pn.p, n: pn.n)
      })
  }
}
