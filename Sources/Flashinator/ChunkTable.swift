import FrameTensor
import MediaIO

/// The T rows of one chunk, for callers that run their own `ChunkPipeline` work: the report
/// computes the T table and the photosensitivity measures of a chunk in the same job, so both
/// come out of one decoding pass. `Flashinator.scan` does the same work internally.
public struct TChunkTable: Sendable {
  let computer: ChunkRows

  public init(topK: Int = 5, gray: GrayMode = .mean) {
    precondition(topK >= 1, "top-k must be at least 1")
    computer = ChunkRows(model: LuminanceModel.shared(gray), topK: topK)
  }

  /// The rows of the pairs `chunk` ends. `previous` is the frame just before the chunk, (H, W, C)
  /// or (1, H, W, C) as `ChunkPipeline.run` hands it over, nil at the start of the stream.
  public func rows(chunk: FrameChunk, previous: Tensor<UInt8>?) -> Result<[TRow], FlashinatorError>
  {
    let before = previous.map { p in
      FrameChunk(
        frames: p.rank == 4 ? p : p.reshaped([1] + p.shape), times: [0],
        firstIndex: chunk.firstIndex - 1)
    }
    return computer.rows(chunk: chunk, previous: before)
  }
}
