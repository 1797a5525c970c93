import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports
import TTable

/// Scans one input with `VideoDecoder` and the scan engine (the T table stage, plus the report's
/// stages when a report is asked for): the real `FileScanner`.
struct VideoTableScanner: FileScanner {
  var engine: FlashinatorOptions
  var streamIndex: Int?
  /// Set when a photosensitivity report is wanted: it is computed in the same pass as the table.
  var report: ReportOutput? = nil

  func scan(
    path: String, threads: Int, stop: StopFlag,
    started: (ScanStart) throws -> Void,
    decoded: @escaping @Sendable (Int) -> Void,
    row: (TableRow) throws -> Void
  ) throws -> ScanOutcome {
    // FFmpeg's own automatic choice for frame threading is cores + 1 (one more frame in flight
    // than cores keeps them busy across frame dependencies), and the ffmpeg CLI floors use it.
    // flashscan runs its own threads beside the decoder's (the converting thread and the
    // workers), and two frames more in flight than cores keep the cores busier still: at 1080p
    // on 2 cores, threads + 2 took 6-8% less wall time than threads + 1 (same CPU time) for
    // 5 MB more peak memory per extra frame (Docs/Benchmarks.md).
    // The T table alone in the mean mode reads nothing of a frame but each pixel's R + G + B:
    // the decoder writes that key plane (2 bytes a pixel) instead of the rgb24 bytes
    // (Docs/Algorithm.md, "The key plane"). The report's stages need the rgb24 bytes.
    // Better still, the decoder hands its 8-bit 4:2:0 planes over as they are and the workers
    // compute the keys a strip at a time, screening each strip while it is in L1
    // (`.rgbSumFromPlanes`): no key plane is written out.
    let layout: PixelLayout =
      engine.gray == .luma
      ? .luma : (report == nil && engine.gray == .mean ? .rgbSumFromPlanes : .rgb24)
    var options = DecodeOptions(
      streamIndex: streamIndex, layout: layout, decoderThreads: threads > 1 ? threads + 2 : 1)
    // The rgb24 conversion in slices, one per thread, so the decoding thread is not the
    // bottleneck where decoding is cheap (Docs/Benchmarks.md, "Near the decode limit").
    options.conversionThreads = threads
    // bt1702 measures sources above 8 bits from the decoder's planes, not from the table's rgb24
    // bytes: its stage asks the decoder for them when the scan starts (`Stage.frameRequests`).
    let decoder = try VideoDecoder(path: path, options: options)
    let source = CountingSource(decoder, stop: stop, decoded: decoded)
    try started(ScanStart(estimatedFrames: decoder.info.estimatedFrameCount))

    var failure: Error?
    let report = self.report.map {
      ReportStages(
        info: decoder.info, path: path, parameters: $0.parameters, thumbnails: $0.thumbnails)
    }
    var scan = engine.engine
    scan.threads = threads
    try withoutActuallyEscaping(row) { row in
      let table = TTableStage(topK: engine.topK, gray: engine.gray) { rows in
        report?.add(rows)
        for r in rows { try row(r) }
      }
      do {
        try scan.run(source, stages: [table] + (report?.stages ?? []))
      } catch let error as MediaError {
        // Decoding failed after some frames: the rows so far stand, the file is partial.
        if source.frames == 0 { throw error }
        failure = error
      } catch let error where error is FlashinatorError || error is PhotosensitivityError {
        // A stage refused the frames: keep the rows before it. (Not a frame size change: the
        // decoder scales later frames to the first frame's size, like the ffmpeg CLI.)
        if source.frames == 0 { throw InputError(path: path, reason: "\(error)") }
        failure = error
      }
    }
    if let stopped = source.stopped { throw stopped }

    var reasons = decoder.warnings.map { Self.withoutPath($0, path) }
    if let failure { reasons.append(Self.withoutPath("\(failure)", path)) }
    // Not read whole: decoding stopped early, or packets were lost on the way (an input that
    // could not be read whole never passes).
    let partial = decoder.isPartial || decoder.isDamaged || failure != nil
    let duration = partial ? source.lastTime : (decoder.info.duration ?? source.lastTime)
    var outcome = ScanOutcome(
      frames: source.frames, duration: duration,
      partialReason: partial ? reasons.joined(separator: "; ") : nil,
      warnings: partial ? [] : reasons)
    if let options = self.report, let report {
      // Validated before the run (ScanCommand), so this cannot throw for a bad value here.
      let created = try ReportTime.creationDate()
      outcome.report = try report.report(tool: options.tool, createdAt: created) { input in
        input.codec = decoder.info.codecName
        input.frameRate = decoder.info.frameRate
        input.complete = !partial
        input.decodeWarnings = reasons
      }
    }
    return outcome
  }

  /// Decoder messages may start with the path; the CLI adds it itself.
  static func withoutPath(_ message: String, _ path: String) -> String {
    message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
  }
}

/// Passes a decoder's chunks through, counting frames for the progress line and the summary, and
/// stopping the scan between chunks once the run is asked to stop.
final class CountingSource: FrameSource {
  private let base: VideoDecoder
  private let stop: StopFlag
  private let decoded: (Int) -> Void
  private(set) var frames = 0
  private(set) var lastTime = 0.0
  private(set) var stopped: Stopped?

  init(_ base: VideoDecoder, stop: StopFlag, decoded: @escaping (Int) -> Void) {
    self.base = base
    self.stop = stop
    self.decoded = decoded
  }

  var info: VideoInfo { base.info }

  func request(_ requests: FrameRequests) { base.request(requests) }

  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames, buffers: nil)
  }

  func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    if stop.reason != nil {
      stopped = Stopped()
      throw Stopped()
    }
    guard let chunk = try base.nextChunk(maxFrames: maxFrames, buffers: buffers) else { return nil }
    frames += chunk.count
    if let last = chunk.times.last { lastTime = last }
    decoded(frames)
    return chunk
  }
}

/// An input that could not be scanned, for reasons other than `MediaError`'s.
struct InputError: Error, CustomStringConvertible {
  var path: String
  var reason: String
  var description: String { "\(path): \(reason)" }
}
