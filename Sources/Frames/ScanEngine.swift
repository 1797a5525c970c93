import Foundation
import FrameTensor

/// What a `ScanEngine.run` did; `maxInFlight` and `maxQueuedJobs` let tests check the memory bound
/// directly.
public struct ScanStats: Sendable, Equatable {
  /// Chunks read from the source (and consumed, when `run` returns normally).
  public var chunks: Int
  /// Frames read from the source.
  public var frames: Int
  /// The most chunks that were ever read but not yet consumed; never above `queueDepth`.
  public var maxInFlight: Int
  /// The most jobs (a chunk and the chunk before it) ever waiting for a worker at once; never
  /// above `queueDepth`. Jobs leave the queue when a worker takes them.
  public var maxQueuedJobs: Int = 0
}

/// Why a scan could not start.
public enum ScanError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidOption(String)

  public var description: String {
    switch self {
    case .invalidOption(let message): return message
    }
  }
}

/// The scan engine: one decoding pass, any set of `Stage`s, parallel workers, ordered consumption,
/// bounded memory.
///
/// The source is read on the calling thread (a decoder is used from one thread only). Each chunk
/// becomes one job, with the chunk before it (`ChunkWindow`); a pool of `threads` worker threads
/// runs every stage's measure on it. The results come back to the calling thread strictly in
/// chunk order, where each stage consumes them in the order the stages were given. At most
/// `queueDepth` chunks are ever read but not consumed: when the queue is full the calling thread
/// waits for the oldest result and consumes it before reading on, so a slow consumer slows the
/// decoder down instead of letting the film pile up in memory (back-pressure).
///
/// Chunk buffers are recycled: once a chunk has been consumed and the chunk after it too (its
/// last frame is that chunk's previous frame), its storage goes back to a `FrameBufferPool` that
/// the source fills the next chunk into, so steady state allocates no frame memory.
///
/// Results do not depend on `threads`, `chunkFrames` or `queueDepth`: every stage sees every
/// frame, in the same windows' pairs, and consumes in frame order.
public struct ScanEngine: Sendable {
  /// Worker threads (the calling thread decodes beside them).
  public var threads: Int
  /// Frames per chunk; nil picks `automaticChunkFrames(frameBytes:)` from the source's frame size.
  public var chunkFrames: Int?
  /// Chunks read but not yet consumed, at most; nil means `threads` (one chunk per worker; the
  /// decoder fills the next one meanwhile). Frames held are bounded by about
  /// (queueDepth + 2) * chunkFrames: the queue, the previous chunk of the oldest job, and the
  /// chunk the decoder is filling.
  public var queueDepth: Int?

  public init(
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, chunkFrames: Int? = nil,
    queueDepth: Int? = nil
  ) {
    self.threads = threads
    self.chunkFrames = chunkFrames
    self.queueDepth = queueDepth
  }

  /// The queue depth actually used.
  public var effectiveQueueDepth: Int { queueDepth ?? Swift.max(1, threads) }

  /// The default chunk length: about 19 MB of frames a chunk, 1...16 frames (a 1080p RGB frame
  /// is 6.2 MB, so 3, and a 1080p key plane 4.1 MB, so 4; 720p gets 7 and 10; 480p and smaller
  /// 16). Scripts/bench at 1080p on 2 cores:
  /// 4 frames a chunk held peak RSS at 1.29x the ffmpeg CLI's (limit 1.25x), 3 hold 1.09x.
  public static func automaticChunkFrames(frameBytes: Int) -> Int {
    let budget = 19 << 20
    return Swift.max(1, Swift.min(16, budget / Swift.max(1, frameBytes)))
  }

  /// The chunk length used for `info`'s frames.
  public func chunkFrames(for info: VideoInfo) -> Int {
    chunkFrames ?? Self.automaticChunkFrames(frameBytes: info.bytesPerFrame)
  }

  /// Checks the options; `run` calls it first.
  public func validate() throws {
    guard threads >= 1 else { throw ScanError.invalidOption("threads must be at least 1") }
    if let chunkFrames, chunkFrames < 1 {
      throw ScanError.invalidOption("chunk-frames must be at least 1")
    }
    guard effectiveQueueDepth >= 1 else {
      throw ScanError.invalidOption("queue depth must be at least 1")
    }
  }

  /// Reads `source` to its end and runs every stage over it, then calls each stage's `finish`.
  ///
  /// An error thrown by the source, by a stage's measure (rethrown at that chunk's turn) or by a
  /// stage's consume stops reading at once: chunks not yet started are dropped, running ones
  /// finish (no worker is left behind), no stage is finished, and the error is rethrown.
  @discardableResult
  public func run(_ source: FrameSource, stages: [any Stage]) throws -> ScanStats {
    try validate()
    // Before the first chunk (and before the chunk length, which counts what a frame holds).
    let requests = stages.reduce(FrameRequests()) { $0.union($1.frameRequests) }
    if !requests.isEmpty { source.request(requests) }
    let erased = try stages.map { try ErasedStage($0) }
    let measures = erased.map(\.measure)
    let queue = WorkQueue()
    for _ in 0..<threads {
      let thread = Thread {
        queue.workerLoop { window in measures.map { $0(window) } }
      }
      thread.name = "flashscan.worker"
      thread.start()
    }
    queue.started(workers: threads)
    defer { queue.shutdown() }

    let depth = effectiveQueueDepth
    let chunkFrames = chunkFrames(for: source.info)
    let pool = FrameBufferPool(limit: depth + 3)
    var stats = ScanStats(chunks: 0, frames: 0, maxInFlight: 0)
    var pending: [Int: ChunkWindow] = [:]
    var delivered = 0
    var endOfStream = false
    var previousChunk: FrameChunk? = nil

    func consume(_ results: [Result<any Sendable, any Error>]) throws {
      var previous: FrameChunk?
      do {
        let window = pending.removeValue(forKey: delivered)!
        for (stage, result) in zip(erased, results) {
          try stage.consume(try result.get(), window)
        }
        previous = window.previous
      }
      delivered += 1
      // The chunk before this one has now served both its own window and this one's.
      if let previous { pool.recycle(previous) }
    }

    while true {
      // Hand over whatever is already finished, in order, without waiting.
      while delivered < stats.chunks, let results = queue.takeResult(delivered, wait: false) {
        try consume(results)
      }
      if !endOfStream && stats.chunks - delivered < depth {
        guard let chunk = try source.nextChunk(maxFrames: chunkFrames, buffers: pool) else {
          endOfStream = true
          continue
        }
        if chunk.count == 0 { continue }
        let window = ChunkWindow(chunk: chunk, previous: previousChunk)
        pending[stats.chunks] = window
        queue.submit(WorkQueue.Job(sequence: stats.chunks, window: window))
        previousChunk = chunk
        stats.chunks += 1
        stats.frames += chunk.count
        stats.maxInFlight = Swift.max(stats.maxInFlight, stats.chunks - delivered)
        continue
      }
      if delivered == stats.chunks { break }
      // The queue is full or the stream ended: wait for the oldest chunk.
      guard let results = queue.takeResult(delivered, wait: true) else { break }
      try consume(results)
    }
    stats.maxQueuedJobs = queue.queuedHighWater
    for stage in erased { try stage.finish() }
    return stats
  }
}

/// A stage behind closures, so one pass can hold stages of different measure types.
private struct ErasedStage {
  let measure: @Sendable (ChunkWindow) -> Result<any Sendable, any Error>
  let consume: (any Sendable, ChunkWindow) throws -> Void
  let finish: () throws -> Void

  init<S: Stage>(_ stage: S) throws {
    let measure = try stage.measurer()
    self.measure = { window in
      do { return .success(try measure(window)) } catch { return .failure(error) }
    }
    // The cast cannot fail: the value came from this stage's own measurer.
    consume = { value, window in try stage.consume(value as! S.Measure, window: window) }
    finish = { try stage.finish() }
  }
}

/// Jobs in, results out, under one lock.
private final class WorkQueue: Sendable {
  struct Job: Sendable {
    let sequence: Int
    let window: ChunkWindow
  }
  typealias Results = [Result<any Sendable, any Error>]
  struct State {
    var jobs: [Job] = []
    /// The most jobs ever waiting at once; the jobs hold the chunks, so this is the memory
    /// bound seen from inside.
    var maxQueuedJobs = 0
    var results: [Int: Results] = [:]
    var closed = false
    var alive = 0
  }
  let state = Locked(State())

  func started(workers: Int) {
    state.withLock { $0.alive += workers }
  }

  var queuedHighWater: Int { state.withLock { $0.maxQueuedJobs } }

  func submit(_ job: Job) {
    state.withLock {
      $0.jobs.append(job)
      $0.maxQueuedJobs = Swift.max($0.maxQueuedJobs, $0.jobs.count)
    }
  }

  /// The results of chunk `sequence`, removed from the queue; nil when not ready and `wait` is
  /// false, or when every worker has gone.
  func takeResult(_ sequence: Int, wait: Bool) -> Results? {
    if !wait { return state.withLock { $0.results.removeValue(forKey: sequence) } }
    return state.wait(
      until: { $0.results[sequence] != nil || ($0.closed && $0.alive == 0) },
      then: { $0.results.removeValue(forKey: sequence) })
  }

  func workerLoop(_ work: (ChunkWindow) -> Results) {
    while true {
      let sequence: Int
      let result: Results
      // Every reference the worker holds to the job's chunks ends with this scope, before the
      // result is published: the consumer recycles their buffers once it has the result, and a
      // buffer still referenced here would be copied whole (copy-on-write) when the decoder
      // fills it again. (A job bound as an optional first, then unwrapped, kept the optional's
      // reference until the end of the loop body.)
      do {
        // Remove the job outright (the queue never holds more than the depth), so its chunks
        // are released as soon as it has run.
        guard
          let job = state.wait(
            until: { !$0.jobs.isEmpty || $0.closed },
            then: { $0.closed ? nil : $0.jobs.removeFirst() })
        else { break }
        sequence = job.sequence
        result = work(job.window)
      }
      state.withLock { $0.results[sequence] = result }
    }
    state.withLock { $0.alive -= 1 }
  }

  /// Drops jobs not yet started and waits until every worker has returned.
  func shutdown() {
    state.withLock {
      $0.closed = true
      $0.jobs.removeAll()
    }
    state.wait(until: { $0.alive == 0 }, then: { $0.results.removeAll() })
  }
}
