/// Frame buffers that a scan recycles: the engine gives a consumed chunk's storage back, and the
/// source fills the next chunk into it, so a long scan allocates (and page-faults in) its chunk
/// memory once instead of once per chunk.
///
/// Recycling is safe whoever still holds the old chunk: a buffer is an `Array`, so a source that
/// writes into one that is still shared gets a fresh copy (copy-on-write), never a changed chunk.
public final class FrameBufferPool: Sendable {
  private let free = Locked<[[UInt8]]>([])
  /// The same for the chunks' 16-bit frames (`FrameChunk.highPrecision`).
  private let freeWide = Locked<[[UInt16]]>([])
  /// Buffers kept at most; more are let go.
  public let limit: Int

  public init(limit: Int) {
    self.limit = limit
  }

  /// A buffer of exactly `count` bytes whose capacity holds `slack` more (kernels may read a few
  /// bytes past the last frame). Its contents are unspecified: the caller overwrites them.
  public func take(count: Int, slack: Int = 0) -> [UInt8] {
    let reused = free.withLock { buffers -> [UInt8]? in
      guard let i = buffers.lastIndex(where: { $0.capacity >= count + slack }) else { return nil }
      return buffers.remove(at: i)
    }
    guard var buffer = reused else {
      // Fresh memory: nothing reads it before the caller writes it.
      return [UInt8](unsafeUninitializedCapacity: count + slack) { _, initialized in
        initialized = count
      }
    }
    if buffer.count > count {
      buffer.removeLast(buffer.count - count)  // keeps the capacity
    } else if buffer.count < count {
      buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
    }
    return buffer
  }

  /// Gives a chunk's storage back. Call it only when the chunk is no longer needed; other copies
  /// of it stay valid (see the type's documentation).
  public func recycle(_ chunk: consuming FrameChunk) {
    let storage = chunk.frames.storage
    let wide = chunk.highPrecision?.storage
    _ = consume chunk
    free.withLock { buffers in
      if buffers.count < limit { buffers.append(storage) }
    }
    if let wide {
      freeWide.withLock { buffers in
        if buffers.count < limit { buffers.append(wide) }
      }
    }
  }

  /// A buffer of exactly `count` 16-bit samples for `FrameChunk.highPrecision`, reused when one
  /// came back; its contents are unspecified.
  public func takeWide(count: Int) -> [UInt16] {
    let reused = freeWide.withLock { buffers -> [UInt16]? in
      guard let i = buffers.lastIndex(where: { $0.capacity >= count }) else { return nil }
      return buffers.remove(at: i)
    }
    guard var buffer = reused else {
      return [UInt16](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
    if buffer.count > count {
      buffer.removeLast(buffer.count - count)
    } else if buffer.count < count {
      buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
    }
    return buffer
  }

  /// Buffers waiting to be reused.
  public var available: Int { free.withLock { $0.count } }
}
