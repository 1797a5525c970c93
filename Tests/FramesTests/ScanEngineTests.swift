import Foundation
import FrameTensor
import Frames
import Testing

/// A video of `count` frames of `h` x `w` RGB whose every byte is its frame index.
func indexedVideo(count: Int, h: Int = 2, w: Int = 3) -> Tensor<UInt8> {
  let size = h * w * 3
  return Tensor(
    shape: [count, h, w, 3],
    storage: (0..<count).flatMap { [UInt8](repeating: UInt8($0 % 256), count: size) })
}

/// Records, per stage, the order of calls and what each window showed.
final class Recorder {
  var consumed: [Int] = []
  var finished = 0
}

/// A source that fills pool buffers like the decoder does (every byte of frame i is i, mod 256),
/// and counts the buffers that came back from the pool and those that were still shared when
/// written (a copy-on-write copy of the whole chunk, and fresh pages to fault in).
final class PoolSource: FrameSource {
  let info: VideoInfo
  let frames: Int
  var next = 0
  var reused = 0
  var copied = 0

  init(width: Int, height: Int, frames: Int) {
    info = VideoInfo(
      path: "<pool>", streamIndex: 0, codecName: "rawvideo", width: width, height: height,
      pixelFormatName: "rgb24", frameRate: 30, duration: nil, estimatedFrameCount: frames)
    self.frames = frames
  }

  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames, buffers: nil)
  }

  func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    guard next < frames else { return nil }
    let n = min(maxFrames, frames - next)
    let size = info.width * info.height * 3
    if let buffers, buffers.available > 0 { reused += 1 }
    var storage =
      buffers?.take(count: n * size, slack: 64) ?? [UInt8](repeating: 0, count: n * size)
    let before = storage.withUnsafeBufferPointer { $0.baseAddress }
    storage.withUnsafeMutableBufferPointer { p in
      if UnsafePointer(p.baseAddress) != before { copied += 1 }
      for i in 0..<(n * size) { p[i] = UInt8(truncatingIfNeeded: next + i / size) }
    }
    defer { next += n }
    return FrameChunk(
      frames: Tensor(shape: [n, info.height, info.width, 3], storage: storage),
      times: (0..<n).map { Double(next + $0) / 30 }, firstIndex: next)
  }
}

@Suite("Scan engine")
struct ScanEngineTests {
  @Test("every stage sees every window in order, whatever the threads, chunks and depth")
  func stagesSeeWindowsInOrder() throws {
    let video = indexedVideo(count: 23)
    for threads in [1, 2, 5] {
      for chunk in [1, 2, 7, 30] {
        for depth in [nil, 1, 3] as [Int?] {
          let a = Recorder()
          let b = Recorder()
          // Measure: the chunk's first index and the window's frames (first byte of each).
          let first = ClosureStage(
            measure: { window -> [Int] in
              window.withFramePointers { frames, firstIndex in
                [firstIndex] + frames.map { Int($0.pointee) }
              }
            },
            consume: { m, window in
              // The previous frame, when there is one, is the frame just before the chunk.
              let start = window.chunk.firstIndex
              #expect(m[0] == (window.previous == nil ? start : start - 1))
              #expect(Array(m.dropFirst()) == Array(m[0]..<(start + window.chunk.count)))
              a.consumed.append(start)
            })
          let second = ClosureStage(
            measure: { $0.chunk.firstIndex },
            consume: { start, _ in
              // A later stage consumes after the earlier one, for the same chunk.
              #expect(a.consumed.last == start)
              b.consumed.append(start)
            })
          let stats = try ScanEngine(threads: threads, chunkFrames: chunk, queueDepth: depth)
            .run(TensorFrameSource(frames: video), stages: [first, second])
          let starts = Array(stride(from: 0, to: 23, by: chunk))
          #expect(a.consumed == starts && b.consumed == starts, "\(threads) \(chunk) \(depth ?? 0)")
          #expect(stats.frames == 23 && stats.chunks == starts.count)
          #expect(stats.maxInFlight <= (depth ?? threads))
        }
      }
    }
  }

  @Test("finish runs once after the last chunk, and not when the pass fails")
  func finishOnceOnlyOnSuccess() throws {
    final class Finishing: Stage {
      var consumed = 0
      var finished = 0
      var failAt: Int?
      init(failAt: Int?) { self.failAt = failAt }
      func measurer() throws -> @Sendable (ChunkWindow) throws -> Int {
        let failAt = self.failAt
        return { window in
          struct Bad: Error {}
          if window.chunk.firstIndex == failAt { throw Bad() }
          return window.chunk.count
        }
      }
      func consume(_ n: Int, window: ChunkWindow) throws { consumed += n }
      func finish() throws {
        #expect(consumed == 10)
        finished += 1
      }
    }
    let ok = Finishing(failAt: nil)
    try ScanEngine(threads: 2, chunkFrames: 3).run(
      TensorFrameSource(frames: indexedVideo(count: 10)), stages: [ok])
    #expect(ok.finished == 1 && ok.consumed == 10)

    let bad = Finishing(failAt: 6)
    #expect(throws: (any Error).self) {
      try ScanEngine(threads: 2, chunkFrames: 3).run(
        TensorFrameSource(frames: indexedVideo(count: 10)), stages: [bad])
    }
    // The chunks before the failing one were consumed, in order; none after; no finish.
    #expect(bad.consumed == 6 && bad.finished == 0)
  }

  @Test("invalid options are errors, not crashes")
  func invalidOptions() {
    let source = TensorFrameSource(frames: indexedVideo(count: 3))
    for engine in [
      ScanEngine(threads: 0), ScanEngine(threads: 1, chunkFrames: 0),
      ScanEngine(threads: 1, queueDepth: 0),
    ] {
      #expect(throws: ScanError.self) { try engine.run(source, stages: []) }
    }
  }

  @Test("consumed chunk buffers are recycled, and a chunk a stage keeps stays intact")
  func buffersAreRecycled() throws {
    let source = PoolSource(width: 4, height: 2, frames: 40)
    var kept: [FrameChunk] = []
    let keeper = ClosureStage(
      measure: { _ in () },
      consume: { _, window in
        if window.chunk.firstIndex % 12 == 0 { kept.append(window.chunk) }
      })
    try ScanEngine(threads: 2, chunkFrames: 3, queueDepth: 2).run(source, stages: [keeper])
    #expect(source.reused > 0, "no buffer came back to the pool")
    // Chunks a stage held on to were not overwritten by later frames (copy-on-write).
    #expect(kept.count == 4)
    for chunk in kept {
      #expect(
        chunk.frames.storage.allSatisfy {
          Int($0) >= chunk.firstIndex && Int($0) < chunk.firstIndex + 3
        })
    }
  }

  @Test("a recycled buffer is written in place: no copy-on-write copy of a chunk's frames")
  func recycledBuffersAreNotCopied() throws {
    for threads in [1, 2, 3] {
      let source = PoolSource(width: 8, height: 4, frames: 600)
      // Reads the window's frames on the workers, like the T table.
      let stage = ClosureStage(
        measure: { window in
          window.withFramePointers { frames, _ in frames.reduce(0) { $0 + Int($1[0]) } }
        },
        consume: { _, _ in })
      try ScanEngine(threads: threads, chunkFrames: 3).run(source, stages: [stage])
      #expect(source.reused > 20, "threads \(threads): \(source.reused) buffers reused")
      #expect(source.copied == 0, "threads \(threads): \(source.copied) buffers copied")
    }
  }

  @Test("the pool hands out buffers of the asked size and capacity, and keeps at most its limit")
  func poolSizes() {
    let pool = FrameBufferPool(limit: 2)
    let a = pool.take(count: 100, slack: 64)
    #expect(a.count == 100 && a.capacity >= 164)
    for _ in 0..<3 {
      pool.recycle(
        FrameChunk(
          frames: Tensor(shape: [1, 1, 1, 3], storage: [1, 2, 3]), times: [0], firstIndex: 0))
    }
    #expect(pool.available == 2)
    let b = pool.take(count: 2)
    #expect(b.count == 2 && pool.available == 1)
    let c = pool.take(count: 1000, slack: 8)
    #expect(c.count == 1000 && c.capacity >= 1008 && pool.available == 1)
  }

  @Test("the window reports a frame-size change across the boundary")
  func sizeChange() {
    let before = FrameChunk(
      frames: indexedVideo(count: 2, h: 2, w: 2), times: [0, 1], firstIndex: 0)
    let after = FrameChunk(frames: indexedVideo(count: 1, h: 2, w: 3), times: [2], firstIndex: 2)
    #expect(ChunkWindow(chunk: after, previous: before).sizeChange?.from == [2, 2, 3])
    #expect(ChunkWindow(chunk: after, previous: before).sizeChange?.to == [2, 3, 3])
    #expect(ChunkWindow(chunk: before, previous: nil).sizeChange == nil)
    #expect(ChunkWindow(chunk: after, previous: nil).previousIndex == nil)
    #expect(ChunkWindow(chunk: after, previous: before).previousIndex == 1)
  }
}

@Suite("Locked")
struct LockedTests {
  @Test("withLock serialises updates from many threads, and wait wakes on a change")
  func counts() {
    let counter = Locked(0)
    let group = DispatchGroup()
    for _ in 0..<8 {
      DispatchQueue.global().async(group: group) {
        for _ in 0..<1000 { counter.withLock { $0 += 1 } }
      }
    }
    let final = counter.wait(until: { $0 == 8000 }) { $0 }
    group.wait()
    #expect(final == 8000)
    let timedOut = counter.wait(until: { $0 > 8000 }, deadline: Date() + 0.05) { $1 }
    #expect(timedOut)
  }
}
