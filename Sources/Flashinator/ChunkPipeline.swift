import Foundation
import FrameTensor
import Frames

/// What a `ChunkPipeline.run` did; `maxInFlight` lets tests check the memory bound directly.
public struct PipelineStats: Sendable, Equatable {
  /// Chunks read from the source (and delivered, when `run` returns normally).
  public var chunks: Int
  /// Frames read from the source.
  public var frames: Int
  /// The most chunks that were ever read but not yet delivered; never above `queueDepth`.
  public var maxInFlight: Int
  /// The most jobs (a chunk and the chunk before it) ever waiting for a worker at once; never above
  /// `queueDepth`. Jobs leave the queue when a worker takes them, so their chunks are freed as soon
  /// as they have been computed and delivered.
  public var maxQueuedJobs: Int = 0
}

/// The generic chunk engine: one decoder, parallel workers, ordered delivery, bounded memory.
///
/// The source is read on the calling thread (a decoder is used from one thread only); each chunk
/// goes to a pool of `threads` worker threads together with the last frame of the chunk before it
/// (delta-frames straddle chunk boundaries); results come back to the calling thread strictly in
/// chunk order. At most `queueDepth` chunks are ever read but not delivered: when the queue is full
/// the calling thread waits for the oldest result and delivers it before reading on, so a slow
/// `deliver` slows the decoder down instead of letting the film pile up in memory (back-pressure).
/// Reused by the photosensitivity analysis so both run in the same decoding pass.
public struct ChunkPipeline: Sendable {
  public let threads: Int
  public let queueDepth: Int

  public init(threads: Int, queueDepth: Int) {
    precondition(threads >= 1, "threads must be at least 1")
    precondition(queueDepth >= 1, "queueDepth must be at least 1")
    self.threads = threads
    self.queueDepth = queueDepth
  }

  /// Reads `source` in chunks of at most `chunkFrames` frames, runs `work(chunk, previous)` on the
  /// workers (`previous` is the last frame of the chunk before, shaped (1, H, W, C), nil for the first
  /// chunk) and calls `deliver` with the results in chunk order on the calling thread.
  ///
  /// An error thrown by the source or by `deliver` stops reading at once; chunks not yet started are
  /// dropped, running ones finish (no worker is left behind) and the error is rethrown.
  @discardableResult
  public func run<R: Sendable>(
    source: FrameSource, chunkFrames: Int,
    work: @escaping @Sendable (FrameChunk, Tensor<UInt8>?) -> R,
    deliver: (R) throws -> Void
  ) throws -> PipelineStats {
    try runChunks(
      source: source, chunkFrames: chunkFrames,
      work: { chunk, previous in work(chunk, previous.map(Self.lastFrame)) }, deliver: deliver)
  }

  /// The last frame of a chunk as a (1, H, W, C) tensor; shared, not copied, for a one-frame chunk.
  /// The copy, when there is one, is made on a worker, off the decoding thread.
  static func lastFrame(of chunk: FrameChunk) -> Tensor<UInt8> {
    let n = chunk.count
    return n == 1 ? chunk.frames : chunk.frames.slice((n - 1)..<n)
  }

  /// `run` with the whole previous chunk (shared, never copied) in place of its last frame, so
  /// `work` reads that frame in place (`Flashinator.rows(chunk:previousChunk:)`,
  /// `PhotosensitivityMeasurer.measure(chunk:previousChunk:)`). A job keeps its previous chunk
  /// alive until it has run, so at most `queueDepth + 1` chunks are held (plus the one the source
  /// is filling).
  @discardableResult
  public func runChunks<R: Sendable>(
    source: FrameSource, chunkFrames: Int,
    work: @escaping @Sendable (FrameChunk, FrameChunk?) -> R,
    deliver: (R) throws -> Void
  ) throws -> PipelineStats {
    precondition(chunkFrames >= 1, "chunkFrames must be at least 1")
    let queue = _WorkQueue<R>()
    for _ in 0..<threads {
      let thread = Thread { queue.workerLoop(work) }
      thread.name = "flashscan.worker"
      thread.start()
    }
    queue.started(workers: threads)
    defer { queue.shutdown() }

    var stats = PipelineStats(chunks: 0, frames: 0, maxInFlight: 0)
    var delivered = 0
    var endOfStream = false
    var previousChunk: FrameChunk? = nil
    while true {
      // Hand over whatever is already finished, in order, without waiting.
      while delivered < stats.chunks, let result = queue.takeResult(delivered, wait: false) {
        try deliver(result)
        delivered += 1
      }
      if !endOfStream && stats.chunks - delivered < queueDepth {
        guard let chunk = try source.nextChunk(maxFrames: chunkFrames) else {
          endOfStream = true
          continue
        }
        if chunk.count == 0 { continue }
        queue.submit(_Job(sequence: stats.chunks, chunk: chunk, previous: previousChunk))
        previousChunk = chunk
        stats.chunks += 1
        stats.frames += chunk.count
        stats.maxInFlight = max(stats.maxInFlight, stats.chunks - delivered)
        continue
      }
      if delivered == stats.chunks { break }
      // The queue is full or the stream ended: wait for the oldest chunk.
      guard let result = queue.takeResult(delivered, wait: true) else { break }
      try deliver(result)
      delivered += 1
    }
    stats.maxQueuedJobs = queue.queuedHighWater
    return stats
  }
}

struct _Job: Sendable {
  let sequence: Int
  let chunk: FrameChunk
  /// The whole previous chunk (shared, not copied).
  let previous: FrameChunk?
}

/// Jobs in, results out, under one lock. Internal; `@unchecked` because every field is guarded by
/// `condition`.
final class _WorkQueue<R: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [_Job] = []
  /// The most jobs ever waiting at once; the jobs hold the chunks, so this is the memory bound seen
  /// from inside.
  private(set) var maxQueuedJobs = 0
  private var results: [Int: R] = [:]
  private var closed = false
  private var alive = 0

  func started(workers: Int) {
    condition.lock()
    alive += workers
    condition.unlock()
  }

  var queuedHighWater: Int {
    condition.lock()
    defer { condition.unlock() }
    return maxQueuedJobs
  }

  func submit(_ job: _Job) {
    condition.lock()
    jobs.append(job)
    maxQueuedJobs = max(maxQueuedJobs, jobs.count)
    condition.broadcast()
    condition.unlock()
  }

  /// The result of chunk `sequence`, removed from the queue; nil when not ready and `wait` is false.
  func takeResult(_ sequence: Int, wait: Bool) -> R? {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let result = results.removeValue(forKey: sequence) { return result }
      if !wait || (closed && alive == 0) { return nil }
      condition.wait()
    }
  }

  func workerLoop(_ work: @Sendable (FrameChunk, FrameChunk?) -> R) {
    condition.lock()
    while true {
      while jobs.isEmpty && !closed { condition.wait() }
      if closed { break }
      // Remove the job outright (the queue never holds more than queueDepth), so its chunks are
      // released as soon as it has run.
      let job = jobs.removeFirst()
      condition.unlock()
      let result = work(job.chunk, job.previous)
      condition.lock()
      results[job.sequence] = result
      condition.broadcast()
    }
    alive -= 1
    condition.broadcast()
    condition.unlock()
  }

  /// Drops jobs not yet started and waits until every worker has returned.
  func shutdown() {
    condition.lock()
    closed = true
    jobs.removeAll()
    condition.broadcast()
    while alive > 0 { condition.wait() }
    results.removeAll()
    condition.unlock()
  }
}
