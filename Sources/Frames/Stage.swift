import FrameTensor

/// One analysis in a scan: the T table, the photosensitivity analysis, the report's thumbnails,
/// the input's hash, and whatever comes next. `ScanEngine` runs any set of stages over one
/// decoding pass, so every frame is decoded once and read by each stage while it is hot.
///
/// A stage has two halves, with different threading rules:
///
/// - `measurer()` is called once, on the scanning thread, before the first chunk. The closure it
///   returns is the per-chunk work. It runs on the engine's worker threads, **in any order and
///   concurrently** (chunk 7 may be measured before chunk 6, and both at once), so it may only
///   read what it captured, which must be immutable (`@Sendable`). It sees the chunk and the chunk
///   before it (`ChunkWindow`), and returns a `Measure`: whatever the ordered half needs, so the
///   pixels can be let go. It may throw (bad input data); the engine rethrows the error when that
///   chunk's turn comes, in order.
/// - `consume(_:window:)` runs on the scanning thread (the one that called `ScanEngine.run`),
///   **strictly in chunk order**, one chunk at a time: this is where a stage keeps its state
///   (windows of transitions, incidents, running totals). It also sees the window, so it may
///   look at pixels (thumbnails), but must not keep the chunk beyond the call (the engine
///   recycles chunk buffers).
/// - `finish()` runs on the scanning thread after the last chunk was consumed, when the scan ends
///   normally.
///
/// Stages are consumed in the order given to `ScanEngine.run`, so a later stage may read what an
/// earlier one computed for the same chunk (the thumbnail stage follows the analysis stage's
/// incidents).
public protocol Stage: AnyObject {
  /// What the per-chunk work hands to `consume`.
  associatedtype Measure: Sendable

  /// The per-chunk work (see the type's documentation for its threading rules).
  func measurer() throws -> @Sendable (ChunkWindow) throws -> Measure

  /// Takes the next chunk's measure, in chunk order, on the scanning thread.
  func consume(_ measure: Measure, window: ChunkWindow) throws

  /// Called once after the last chunk, on the scanning thread.
  func finish() throws

  /// What the stage needs in the chunks beyond the 8-bit frames; `ScanEngine.run` asks the
  /// source for the union of every stage's requests before the first chunk. Default: nothing.
  var frameRequests: FrameRequests { get }
}

extension Stage {
  public func finish() throws {}
  public var frameRequests: FrameRequests { [] }
}

/// A chunk of frames with the chunk before it: the one chunk-boundary rule of the engine.
///
/// Analyses that compare a frame with the one before it (the T table's delta-frames, IRIS's
/// changed-pixel counts) pair the chunk's first frame with the previous chunk's last frame, which
/// is read in place (never copied). At the start of the stream there is no previous chunk, and
/// the first frame starts no pair.
public struct ChunkWindow: Sendable {
  public let chunk: FrameChunk
  /// The chunk before (nil for the stream's first chunk). Only its last frame belongs to the
  /// window; it has been checked to have the chunk's frame size when `sizeChange` is nil.
  public let previous: FrameChunk?

  public init(chunk: FrameChunk, previous: FrameChunk?) {
    self.chunk = chunk
    self.previous = previous
  }

  /// Index in the stream of the frame before the chunk (`chunk.firstIndex - 1`), nil at the
  /// start of the stream.
  public var previousIndex: Int? { previous == nil ? nil : chunk.firstIndex - 1 }

  /// The previous frame's shape and the chunk's (H, W, C) when they differ, else nil.
  public var sizeChange: (from: [Int], to: [Int])? {
    guard let previous else { return nil }
    let before = Array(previous.frames.shape.dropFirst())
    let now = Array(chunk.frames.shape.dropFirst())
    return before == now ? nil : (before, now)
  }

  /// Calls `body` with a pointer to each frame of the window in stream order: the previous
  /// chunk's last frame first (when there is one), then the chunk's frames; and the stream
  /// index of the first of them. Every frame is `chunk.frameSize` bytes (the caller checks
  /// `sizeChange` first). The pointers are valid only inside `body`.
  public func withFramePointers<R>(
    _ body: (_ frames: [UnsafePointer<UInt8>], _ firstIndex: Int) throws -> R
  ) rethrows -> R {
    let frameSize = chunk.frameSize
    return try chunk.frames.withUnsafeBufferPointer { chunkBuffer in
      // An empty buffer may have no base address; any non-nil pointer serves for 0 bytes.
      let dummy = UnsafePointer<UInt8>(bitPattern: 1)!
      let base = chunkBuffer.baseAddress ?? dummy
      var frames: [UnsafePointer<UInt8>] = []
      frames.reserveCapacity(chunk.count + 1)
      guard let previous else {
        for f in 0..<chunk.count { frames.append(base + f * frameSize) }
        return try body(frames, chunk.firstIndex)
      }
      return try previous.frames.withUnsafeBufferPointer { previousBuffer in
        let last = (previous.count - 1) * previous.frameSize
        frames.append(previousBuffer.baseAddress.map { $0 + last } ?? dummy)
        for f in 0..<chunk.count { frames.append(base + f * frameSize) }
        return try body(frames, chunk.firstIndex - 1)
      }
    }
  }
}

/// A stage made of two closures: for tests, tools and quick analyses that need no type of their
/// own. `measure` follows the worker rules of `Stage.measurer()`, `consume` the ordered ones.
public final class ClosureStage<Measure: Sendable>: Stage {
  let measure: @Sendable (ChunkWindow) throws -> Measure
  let onConsume: (Measure, ChunkWindow) throws -> Void

  public init(
    measure: @escaping @Sendable (ChunkWindow) throws -> Measure,
    consume: @escaping (Measure, ChunkWindow) throws -> Void
  ) {
    self.measure = measure
    self.onConsume = consume
  }

  public func measurer() throws -> @Sendable (ChunkWindow) throws -> Measure { measure }

  public func consume(_ measure: Measure, window: ChunkWindow) throws {
    try onConsume(measure, window)
  }
}
