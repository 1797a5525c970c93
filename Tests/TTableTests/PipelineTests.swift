import Foundation
import FrameTensor
import Frames
import MediaIO
import TestSupport
import Testing

@testable import TTable

/// The chunked, multi-threaded engine against the single-threaded definition, and the pipeline's
/// ordering, memory bound and error handling.
@Suite struct PipelineTests {
  static func randomVideo(seed: UInt64, frames: Int = 23, h: Int = 7, w: Int = 9, channels: Int = 3)
    -> (Tensor<UInt8>, [Double])
  {
    var g = SeededGenerator(seed: seed)
    let parts = (0..<frames).map { i in
      Frames.random(1, h, w, channels, style: (i / 4) % 5, using: &g)
    }
    var t = 0.0
    let times = (0..<frames).map { _ in
      defer { t += Double.random(in: 0.01...0.1, using: &g) }
      return t
    }
    return (Tensor.concatenate(parts), times)
  }

  @Test(arguments: [1, 2, 3, 8])
  func parallelEqualsSingleThreaded(threads: Int) throws {
    let (frames, times) = Self.randomVideo(seed: UInt64(threads))
    for k in [1, 5] {
      let want = Flashinator.table(frames: frames, times: times, topK: k)
      #expect(want.count == 22)
      for chunk in [1, 2, 7, 40] {
        for depth in [nil, 1, 3] as [Int?] {
          var got: [TRow] = []
          let options = FlashinatorOptions(
            topK: k, threads: threads, chunkFrames: chunk, queueDepth: depth)
          try Flashinator.scan(TensorFrameSource(frames: frames, times: times), options: options) {
            got.append($0)
          }
          #expect(
            got == want,
            "threads \(threads) chunk \(chunk) depth \(String(describing: depth)) k \(k)")
        }
      }
    }
  }

  @Test(arguments: [GrayMode.bt709, .luma])
  func parallelEqualsSingleThreadedOtherModes(mode: GrayMode) throws {
    let (frames, times) = Self.randomVideo(
      seed: 77, frames: 12, h: 5, w: 70, channels: mode.channels)
    let want = Flashinator.table(frames: frames, times: times, gray: mode)
    for chunk in [1, 3, 12] {
      var got: [TRow] = []
      let options = FlashinatorOptions(gray: mode, threads: 3, chunkFrames: chunk)
      try Flashinator.scan(TensorFrameSource(frames: frames, times: times), options: options) {
        got.append($0)
      }
      #expect(got == want, "chunk \(chunk)")
    }
  }

  @Test func automaticChunkLength() throws {
    #expect(ScanEngine.automaticChunkFrames(frameBytes: 1920 * 1080 * 3) == 3)
    #expect(ScanEngine.automaticChunkFrames(frameBytes: 1280 * 720 * 3) == 7)
    #expect(ScanEngine.automaticChunkFrames(frameBytes: 64 * 64 * 3) == 16)
    #expect(ScanEngine.automaticChunkFrames(frameBytes: 8000 * 8000 * 3) == 1)
    let (frames, times) = Self.randomVideo(seed: 9, frames: 40, h: 3, w: 4)
    var got: [TRow] = []
    try Flashinator.scan(TensorFrameSource(frames: frames, times: times)) { got.append($0) }
    #expect(got == Flashinator.table(frames: frames, times: times))
  }

  @Test func oneFrameAndEmptyVideos() throws {
    for count in [0, 1] {
      var rows = 0
      let frames = Tensor<UInt8>(shape: [count, 2, 2, 3], repeating: 5)
      try Flashinator.scan(
        TensorFrameSource(frames: frames), options: FlashinatorOptions(threads: 2)
      ) { _ in rows += 1 }
      #expect(rows == 0)
    }
  }

  @Test func channelMismatchIsAnError() {
    let frames = Tensor<UInt8>(shape: [3, 2, 2, 3], repeating: 5)
    #expect(throws: FlashinatorError.channelMismatch(mode: .luma, channels: 3, expected: 1)) {
      try Flashinator.scan(
        TensorFrameSource(frames: frames), options: FlashinatorOptions(gray: .luma)
      ) { _ in }
    }
    #expect(throws: FlashinatorError.self) {
      try Flashinator.scan(TensorFrameSource(frames: frames), options: FlashinatorOptions(topK: 0))
      { _ in }
    }
  }

  @Test func frameSizeChangeIsAnError() {
    let source = ScriptedSource(chunks: [
      FrameChunk(frames: Tensor(shape: [2, 2, 2, 3], repeating: 1), times: [0, 1], firstIndex: 0),
      FrameChunk(frames: Tensor(shape: [1, 2, 3, 3], repeating: 1), times: [2], firstIndex: 2),
    ])
    #expect(throws: FlashinatorError.frameSizeChanged(frame: 2, from: [2, 2, 3], to: [2, 3, 3])) {
      try Flashinator.scan(source, options: FlashinatorOptions(threads: 2)) { _ in }
    }
  }

  @Test(arguments: [1, 2, 3, 8])
  func genericPipelineDeliversInOrderWithPreviousFrame(threads: Int) throws {
    let (frames, _) = Self.randomVideo(seed: 21, frames: 17, h: 2, w: 3)
    for chunk in [1, 2, 7, 20] {
      var seen: [Int] = []
      let stats = try ClosurePipeline(threads: threads, queueDepth: 3).run(
        source: TensorFrameSource(frames: frames), chunkFrames: chunk,
        work: { chunk, previous -> (Int, Bool) in
          let first = chunk.firstIndex
          let expected: Tensor<UInt8>? = first == 0 ? nil : frames.slice((first - 1)..<first)
          return (
            first,
            previous == expected && chunk.frames == frames.slice(first..<(first + chunk.count))
          )
        },
        deliver: { first, ok in
          seen.append(first)
          #expect(ok, "chunk at \(first)")
        })
      #expect(seen == Array(stride(from: 0, to: 17, by: chunk)))
      #expect(stats.chunks == seen.count && stats.frames == 17)
      #expect(stats.maxInFlight <= 3)
    }
  }
}

/// A source that returns prepared chunks, then nil.
final class ScriptedSource: FrameSource {
  let info = VideoInfo(
    path: "<scripted>", streamIndex: 0, codecName: "rawvideo", width: 2, height: 2,
    pixelFormatName: "rgb24", frameRate: 30, duration: nil, estimatedFrameCount: nil)
  var chunks: [FrameChunk]
  init(chunks: [FrameChunk]) { self.chunks = chunks }
  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    chunks.isEmpty ? nil : chunks.removeFirst()
  }
}

@Suite struct ChunkRowsTests {
  /// The T table stage beside another stage in the same pass.
  @Test(arguments: [1, 3, 5])
  func rowsInsideAGenericPipeline(chunk: Int) throws {
    let (frames, times) = PipelineTests.randomVideo(seed: 31, frames: 14, h: 3, w: 5)
    var got: [TRow] = []
    let stage = TTableStage(topK: 3) { got += $0 }
    var seen = 0
    let other = ClosureStage(measure: { $0.chunk.count }, consume: { n, _ in seen += n })
    try ScanEngine(threads: 2, chunkFrames: chunk, queueDepth: 2).run(
      TensorFrameSource(frames: frames, times: times), stages: [other, stage])
    #expect(got == Flashinator.table(frames: frames, times: times, topK: 3))
  }

  @Test func previousChunkLastFrameIsReadInPlace() throws {
    let (frames, times) = PipelineTests.randomVideo(seed: 32, frames: 4, h: 2, w: 2)
    let chunk = FrameChunk(frames: frames.slice(2..<4), times: Array(times[2..<4]), firstIndex: 2)
    let previous = FrameChunk(
      frames: frames.slice(0..<2), times: Array(times[0..<2]), firstIndex: 0)
    let rows = try ChunkRows(model: LuminanceModel.shared(.mean), topK: 5)
      .rows(ChunkWindow(chunk: chunk, previous: previous)).get()
    #expect(rows == Array(Flashinator.table(frames: frames, times: times)[1...]))
  }
}
