import Foundation
import FrameTensor
import Frames
import MediaIO
import TestSupport
import Testing

@testable import TTable

/// Counters shared by the source (calling thread), the workers, `deliver` and a releaser thread.
final class Gauge: @unchecked Sendable {
  let condition = NSCondition()
  var pulled = 0
  var delivered = 0
  var worked = 0
  var released = 0
  var active = 0
  var exhausted = false
  var maxInFlight = 0
  var pullsOverBound = 0

  func locked<T>(_ body: () -> T) -> T {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    return body()
  }
}

/// One-frame chunks of a tiny video; records the pipeline's in-flight count at every pull and can
/// fail at a chosen pull.
final class GaugedSource: FrameSource {
  let info = VideoInfo(
    path: "<gauged>", streamIndex: 0, codecName: "rawvideo", width: 2, height: 1,
    pixelFormatName: "rgb24", frameRate: 30, duration: nil, estimatedFrameCount: nil)
  let gauge: Gauge
  let total: Int
  let bound: Int
  let failAt: Int?
  struct Failure: Error, Equatable { let at: Int }

  init(gauge: Gauge, total: Int, bound: Int, failAt: Int? = nil) {
    self.gauge = gauge
    self.total = total
    self.bound = bound
    self.failAt = failAt
  }

  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    let index: Int? = gauge.locked {
      if gauge.pulled - gauge.delivered >= bound { gauge.pullsOverBound += 1 }
      if gauge.pulled == total {
        gauge.exhausted = true
        return nil
      }
      gauge.pulled += 1
      gauge.maxInFlight = max(gauge.maxInFlight, gauge.pulled - gauge.delivered)
      return gauge.pulled - 1
    }
    guard let index else { return nil }
    if index == failAt { throw Failure(at: index) }
    let frames = Tensor<UInt8>(
      shape: [1, 1, 2, 3], storage: [UInt8](repeating: UInt8(index % 256), count: 6))
    return FrameChunk(frames: frames, times: [Double(index)], firstIndex: index)
  }
}

@Suite struct BackPressureTests {
  /// Workers that stall until a releaser thread lets one chunk through, and it only does so once
  /// the queue is full (or the stream has ended): the source must never be read past the bound,
  /// and the bound must actually be reached.
  @Test(arguments: [(1, 1), (1, 3), (3, 2), (3, 4), (8, 5)])
  func stalledConsumersHoldTheBound(threads: Int, depth: Int) throws {
    let total = 30
    let gauge = Gauge()
    let gate = DispatchSemaphore(value: 0)
    let releaser = Thread {
      gauge.condition.lock()
      while gauge.released < total {
        while !(gauge.worked == gauge.released
          && (gauge.pulled - gauge.delivered >= depth || gauge.exhausted))
        {
          gauge.condition.wait()
        }
        gauge.released += 1
        gate.signal()
      }
      gauge.condition.unlock()
    }
    releaser.start()
    var order: [Int] = []
    let stats = try ClosurePipeline(threads: threads, queueDepth: depth).run(
      source: GaugedSource(gauge: gauge, total: total, bound: depth), chunkFrames: 1,
      work: { chunk, _ -> Int in
        gate.wait()
        gauge.locked { gauge.worked += 1 }
        return chunk.firstIndex
      },
      deliver: { index in
        order.append(index)
        gauge.locked { gauge.delivered += 1 }
      })
    #expect(order == Array(0..<total))
    #expect(gauge.pullsOverBound == 0)
    #expect(gauge.maxInFlight == depth)
    #expect(stats.maxInFlight == depth && stats.chunks == total)
    #expect(stats.maxQueuedJobs >= 1 && stats.maxQueuedJobs <= depth)
  }

  /// Jobs leave the queue when taken, so a long video never accumulates chunks inside the
  /// pipeline, whatever the speed of the workers.
  @Test(arguments: [1, 3])
  func longVideosDoNotAccumulateJobs(threads: Int) throws {
    let gauge = Gauge()
    let stats = try ClosurePipeline(threads: threads, queueDepth: 2).run(
      source: GaugedSource(gauge: gauge, total: 500, bound: 2), chunkFrames: 1,
      work: { chunk, _ in chunk.firstIndex },
      deliver: { _ in gauge.locked { gauge.delivered += 1 } })
    #expect(stats.chunks == 500)
    #expect(stats.maxQueuedJobs <= 2 && stats.maxInFlight <= 2)
  }

  /// A `deliver` that stalls until every chunk in flight has been computed (the workers are as far
  /// ahead as they can get): reading never runs past the bound.
  @Test(arguments: [(2, 1), (2, 3), (8, 4)])
  func stallingDeliverHoldsTheBound(threads: Int, depth: Int) throws {
    let total = 25
    let gauge = Gauge()
    var order: [Int] = []
    let stats = try ClosurePipeline(threads: threads, queueDepth: depth).run(
      source: GaugedSource(gauge: gauge, total: total, bound: depth), chunkFrames: 1,
      work: { chunk, _ -> Int in
        gauge.locked { gauge.worked += 1 }
        return chunk.firstIndex
      },
      deliver: { index in
        gauge.condition.lock()
        while gauge.worked < gauge.pulled { gauge.condition.wait() }
        gauge.delivered += 1
        gauge.condition.unlock()
        order.append(index)
      })
    #expect(order == Array(0..<total))
    #expect(gauge.pullsOverBound == 0)
    #expect(stats.maxInFlight <= depth)
  }

  @Test(arguments: [1, 2, 8])
  func sourceErrorsPropagateAndStopReading(threads: Int) {
    let gauge = Gauge()
    var delivered: [Int] = []
    #expect(throws: GaugedSource.Failure(at: 5)) {
      try ClosurePipeline(threads: threads, queueDepth: 3).run(
        source: GaugedSource(gauge: gauge, total: 40, bound: 3, failAt: 5), chunkFrames: 1,
        work: { chunk, _ -> Int in
          gauge.locked { gauge.active += 1 }
          defer { gauge.locked { gauge.active -= 1 } }
          return chunk.firstIndex
        },
        deliver: { delivered.append($0) })
    }
    #expect(gauge.pulled == 6, "no read after the failing one")
    #expect(gauge.locked { gauge.active } == 0, "no worker still running after the error")
    #expect(delivered == Array(0..<delivered.count) && delivered.count <= 5)
  }

  @Test(arguments: [1, 2, 8])
  func deliverErrorsPropagateAndStopReading(threads: Int) {
    struct Stop: Error, Equatable {}
    let gauge = Gauge()
    var pulledAtError = -1
    #expect(throws: Stop()) {
      try ClosurePipeline(threads: threads, queueDepth: 4).run(
        source: GaugedSource(gauge: gauge, total: 100, bound: 4), chunkFrames: 1,
        work: { chunk, _ -> Int in
          gauge.locked { gauge.active += 1 }
          defer { gauge.locked { gauge.active -= 1 } }
          return chunk.firstIndex
        },
        deliver: { index in
          gauge.locked { gauge.delivered += 1 }
          if index == 3 {
            pulledAtError = gauge.locked { gauge.pulled }
            throw Stop()
          }
        })
    }
    #expect(gauge.pulled == pulledAtError, "no read after deliver failed")
    #expect(gauge.locked { gauge.active } == 0)
  }

  @Test func scanRethrowsSourceAndRowErrors() {
    let frames = Tensor<UInt8>(shape: [10, 2, 2, 3], repeating: 3)
    struct Stop: Error, Equatable {}
    var rows = 0
    #expect(throws: Stop()) {
      try Flashinator.scan(
        TensorFrameSource(frames: frames), options: FlashinatorOptions(threads: 2, chunkFrames: 2)
      ) { _ in
        rows += 1
        if rows == 4 { throw Stop() }
      }
    }
    #expect(rows == 4)
    let gauge = Gauge()
    #expect(throws: GaugedSource.Failure(at: 7)) {
      try Flashinator.scan(
        GaugedSource(gauge: gauge, total: 20, bound: 100, failAt: 7),
        options: FlashinatorOptions(threads: 3, chunkFrames: 1)
      ) { _ in gauge.locked { gauge.delivered += 1 } }
    }
  }
}
