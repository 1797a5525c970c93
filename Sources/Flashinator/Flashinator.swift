import FrameTensor
import Frames

/// The exam's video-flashinator: the T table of a video (Docs/Algorithm.md and
/// ../shared/docs/flashinator-spec.md define it).
public enum Flashinator {
  /// The chunked, multi-threaded engine over a source (decoder): the source is read on the calling
  /// thread, chunks are computed on `options.threads` workers, and `onRow` receives the rows in frame
  /// order on the calling thread. Memory is bounded by `options.effectiveQueueDepth` chunks.
  public static func scan(
    _ source: FrameSource, options: FlashinatorOptions = FlashinatorOptions(),
    onRow: (TRow) throws -> Void
  ) throws {
    guard options.topK >= 1 else {
      throw FlashinatorError.invalidOption("top-k must be at least 1")
    }
    guard options.threads >= 1 else {
      throw FlashinatorError.invalidOption("threads must be at least 1")
    }
    if let c = options.chunkFrames, c < 1 {
      throw FlashinatorError.invalidOption("chunk-frames must be at least 1")
    }
    guard options.effectiveQueueDepth >= 1 else {
      throw FlashinatorError.invalidOption("queue depth must be at least 1")
    }
    let info = source.info
    let chunkFrames =
      options.chunkFrames
      ?? FlashinatorOptions.automaticChunkFrames(
        frameBytes: info.width * info.height * options.gray.channels)
    let computer = ChunkRows(model: LuminanceModel.shared(options.gray), topK: options.topK)
    let pipeline = ChunkPipeline(threads: options.threads, queueDepth: options.effectiveQueueDepth)
    try pipeline.runChunks(
      source: source, chunkFrames: chunkFrames,
      work: { chunk, previous in computer.rows(chunk: chunk, previous: previous) },
      deliver: { result in
        for row in try result.get() { try onRow(row) }
      })
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
    switch computer.rows(chunk: chunk, previous: nil) {
    case .success(let rows): return rows
    case .failure(let error): preconditionFailure(error.description)
    }
  }
}

extension Flashinator {
  /// The T rows of the pairs a chunk ends, for a `ChunkPipeline.run` work closure that computes
  /// other analyses in the same decoding pass: `previousFrame` is the last frame of the chunk before
  /// ((1, H, W, C) as `run` passes it, or (H, W, C)); nil for the first chunk, whose first frame then
  /// starts no row. Rows are numbered and timed from `chunk.firstIndex` and `chunk.times`.
  public static func rows(
    chunk: FrameChunk, previousFrame: Tensor<UInt8>?, topK: Int = 5, gray: GrayMode = .mean
  ) throws -> [TRow] {
    guard topK >= 1 else { throw FlashinatorError.invalidOption("top-k must be at least 1") }
    let previous = previousFrame.map { frame -> FrameChunk in
      let shape = frame.rank == 3 ? [1] + frame.shape : frame.shape
      return FrameChunk(
        frames: frame.rank == 3 ? frame.reshaped(shape) : frame, times: [0],
        firstIndex: chunk.firstIndex - 1)
    }
    if let previous, previous.count != 1 {
      throw FlashinatorError.invalidOption("previousFrame must hold one frame")
    }
    return try ChunkRows(model: LuminanceModel.shared(gray), topK: topK)
      .rows(chunk: chunk, previous: previous).get()
  }

  /// `rows(chunk:previousFrame:)` for a `ChunkPipeline.runChunks` work closure: `previousChunk` is
  /// the whole chunk before, whose last frame is read in place (no copy).
  public static func rows(
    chunk: FrameChunk, previousChunk: FrameChunk?, topK: Int = 5, gray: GrayMode = .mean
  ) throws -> [TRow] {
    guard topK >= 1 else { throw FlashinatorError.invalidOption("top-k must be at least 1") }
    return try ChunkRows(model: LuminanceModel.shared(gray), topK: topK)
      .rows(chunk: chunk, previous: previousChunk).get()
  }
}

/// The work of one chunk: the rows of the pairs it ends (its first frame pairs with the previous
/// chunk's last frame).
struct ChunkRows: Sendable {
  let model: LuminanceModel
  let topK: Int

  /// `previous` is the chunk before (its last frame pairs with this chunk's first), read in place.
  func rows(chunk: FrameChunk, previous: FrameChunk?) -> Result<[TRow], FlashinatorError> {
    let shape = Array(chunk.frames.shape.dropFirst())
    guard shape[2] == model.mode.channels else {
      return .failure(
        .channelMismatch(mode: model.mode, channels: shape[2], expected: model.mode.channels))
    }
    if let previous {
      let before = Array(previous.frames.shape.dropFirst())
      guard before == shape else {
        return .failure(.frameSizeChanged(frame: chunk.firstIndex, from: before, to: shape))
      }
    }
    let pixels = shape[0] * shape[1]
    let frameSize = pixels * shape[2]
    let kernel = FlashKernel(model: model, topK: topK)
    let results: [(p: Double, n: Double)] = chunk.frames.withUnsafeBufferPointer { chunkBuffer in
      func withPrevious(_ body: (UnsafePointer<UInt8>?) -> [(p: Double, n: Double)]) -> [(
        p: Double, n: Double
      )] {
        guard let previous else { return body(nil) }
        let lastOffset = (previous.count - 1) * frameSize
        return previous.frames.withUnsafeBufferPointer {
          body($0.baseAddress.map { $0 + lastOffset })
        }
      }
      return withPrevious { previousBase in
        // An empty buffer may have no base address; any non-nil pointer serves for 0 pixels.
        let dummy = UnsafePointer<UInt8>(bitPattern: 1)!
        let base = chunkBuffer.baseAddress ?? dummy
        var frames: [UnsafePointer<UInt8>] = []
        if previous != nil { frames.append(previousBase ?? dummy) }
        for f in 0..<chunk.count { frames.append(base + f * frameSize) }
        return kernel.pairs(frames: frames, pixels: pixels)
      }
    }
    let firstPairFrame = chunk.firstIndex + (previous == nil ? 1 : 0)
    return .success(
      results.enumerated().map { offset, pn in
        let frame = firstPairFrame + offset
        return TRow(frame: frame, time: chunk.times[frame - chunk.firstIndex], p: pn.p, n: pn.n)
      })
  }
}
