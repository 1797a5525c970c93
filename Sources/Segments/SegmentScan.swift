import Foundation
import Frames
import MediaIO
import Photosensitivity
import TTable

/// `K/N`: segment K (from 0) of N.
public struct SegmentChoice: Sendable, Equatable, CustomStringConvertible {
  public var index: Int
  public var count: Int

  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1,
      n <= SegmentPlan.maxSegments, k >= 0, k < n
    else { return nil }
    index = k
    count = n
  }

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  public var description: String { "\(index)/\(count)" }
}

/// What a segmented scan is asked for: the film, the segment, and every option that changes
/// the results.
public struct SegmentRequest: Sendable {
  public var path: String
  public var segment: SegmentChoice
  public var topK: Int
  public var gray: GrayMode
  public var stream: Int?
  public var parameters: AnalysisParameters
  public var threads: Int
  public var chunkFrames: Int?
  public var toolVersion: String
  public var toolCommit: String

  public init(
    path: String, segment: SegmentChoice, topK: Int, gray: GrayMode, stream: Int?,
    parameters: AnalysisParameters, threads: Int, chunkFrames: Int? = nil, toolVersion: String,
    toolCommit: String
  ) {
    self.path = path
    self.segment = segment
    self.topK = topK
    self.gray = gray
    self.stream = stream
    self.parameters = parameters
    self.threads = threads
    self.chunkFrames = chunkFrames
    self.toolVersion = toolVersion
    self.toolCommit = toolCommit
  }
}

/// Scans one segment of a film (Docs/Scale.md, "One film on many machines"): reads the packet
/// index, plans the cuts, decodes from the clean keyframe at or before the frame preceding the
/// segment, and records the segment's T rows and per-frame measures with global frame numbers.
public enum SegmentScan {
  /// The part of `request`'s segment. Throws `MediaError` (the file cannot be read or cut),
  /// `SegmentError` (decoding did not give the frames the packet index promised), or a stage's
  /// error.
  public static func run(_ request: SegmentRequest) throws -> PartFile {
    let identity = try SourceIdentity.of(path: request.path)
    let index = try PacketIndex.read(path: request.path, streamIndex: request.stream)
    let plan = SegmentPlan(index: index, segments: request.segment.count)
    let k = request.segment.index
    let range = plan.frames(of: k)

    var options = DecodeOptions(
      streamIndex: request.stream, layout: .rgb24,
      decoderThreads: request.threads > 1 ? request.threads + 2 : 1)
    options.highPrecision = request.parameters.profile == .bt1702
    options.start = plan.decodeStart(of: k, index: index)
    let decoder = try VideoDecoder(path: request.path, options: options)
    let info = decoder.info

    var rows: [TRow] = []
    var measures: [FrameMeasure] = []
    var patterns: [PatternFrameMeasure] = []
    if !range.isEmpty {
      let source = SegmentSource(
        decoder, first: max(0, range.lowerBound - 1), end: range.upperBound)
      let table = TTableStage(topK: request.topK, gray: request.gray) { chunkRows in
        rows += chunkRows.filter { $0.frame >= range.lowerBound }
      }
      let recorder = MeasureRecorder(
        info: info, parameters: request.parameters, from: range.lowerBound)
      var engine = ScanEngine(threads: request.threads)
      if let chunkFrames = request.chunkFrames { engine.chunkFrames = chunkFrames }
      try engine.run(source, stages: [table, recorder])
      measures = recorder.measures
      patterns = recorder.patterns
      if source.next != range.upperBound || decoder.isPartial {
        throw SegmentError(
          path: request.path,
          reason:
            "segment \(request.segment) decoded up to frame \(source.next), the packet index has frames up to \(range.upperBound)"
            + (decoder.warnings.last.map { " (\($0))" } ?? ""))
      }
    }
    let tb = Double(index.timeBaseNum) / Double(index.timeBaseDen)
    func time(_ frame: Int) -> Double {
      frame < index.frameCount
        ? Double(index.presentation[frame] - index.presentation[0]) * tb
        : Double(index.endTimestamp - index.presentation[0]) * tb
    }
    let header = PartHeader(
      toolVersion: request.toolVersion, toolCommit: request.toolCommit, source: identity,
      options: PartOptions(
        topK: request.topK, gray: request.gray, stream: request.stream,
        parameters: request.parameters),
      video: PartVideo(
        codec: info.codecName, width: info.width, height: info.height, frameRate: info.frameRate,
        duration: info.duration, startTimecode: info.startTimecode, color: info.color,
        frameCount: index.frameCount, streamIndex: info.streamIndex),
      segment: k, segments: request.segment.count, cuts: plan.cuts,
      firstFrame: range.lowerBound, endFrame: range.upperBound,
      startTime: time(range.lowerBound), endTime: time(range.upperBound),
      decodeWarnings: decoder.warnings)
    return PartFile(header: header, rows: rows, measures: measures, patterns: patterns)
  }

  /// The part's file name in its directory: `part-K-of-N.fspart` (K zero-padded to N's width).
  public static func fileName(_ segment: SegmentChoice) -> String {
    let width = String(segment.count - 1).count
    let k = String(segment.index)
    return "part-" + String(repeating: "0", count: max(0, width - k.count)) + k + "-of-"
      + String(segment.count) + "." + PartFile.fileExtension
  }
}

/// A segment that could not be scanned whole.
public struct SegmentError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

/// A decoder's frames `first..<end` (global numbers): earlier frames are decoded and dropped,
/// chunks never run past `end`.
final class SegmentSource: FrameSource {
  let base: VideoDecoder
  let first: Int
  let end: Int
  /// The number of the next frame expected.
  private(set) var next: Int
  private(set) var lastTime: Double?

  init(_ base: VideoDecoder, first: Int, end: Int) {
    self.base = base
    self.first = first
    self.end = end
    next = -1
  }

  var info: VideoInfo { base.info }

  func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames, buffers: nil)
  }

  func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    if next < 0 {
      // Decode and drop the frames from the keyframe up to `first`.
      var position: Int? = nil
      while true {
        let peek = try base.nextChunk(maxFrames: 1, buffers: nil)
        guard let chunk = peek else {
          next = position ?? 0
          return nil
        }
        position = chunk.firstIndex + 1
        if chunk.firstIndex >= first {
          next = chunk.firstIndex + chunk.count
          lastTime = chunk.times.last
          guard chunk.firstIndex == first else {
            throw SegmentError(
              path: info.path,
              reason: "decoding from the keyframe gave frame \(chunk.firstIndex), expected \(first)"
            )
          }
          return chunk
        }
      }
    }
    guard next < end else { return nil }
    guard let chunk = try base.nextChunk(maxFrames: min(maxFrames, end - next), buffers: buffers)
    else { return nil }
    guard chunk.firstIndex == next else {
      throw SegmentError(
        path: info.path, reason: "frame \(chunk.firstIndex) arrived, expected \(next)")
    }
    next += chunk.count
    lastTime = chunk.times.last
    return chunk
  }
}

/// Records the photosensitivity measures (and pattern measures) of frames from `from` on: the
/// measurers of `PhotosensitivityStage` and `PatternStage`, with no sequential analysis.
final class MeasureRecorder: Stage {
  let frameMeasurer: PhotosensitivityMeasurer
  let patternMeasurer: PatternMeasurer?
  let from: Int
  private(set) var measures: [FrameMeasure] = []
  private(set) var patterns: [PatternFrameMeasure] = []

  init(info: VideoInfo, parameters: AnalysisParameters, from: Int) {
    frameMeasurer = PhotosensitivityStage(info: info, parameters: parameters).frameMeasurer
    patternMeasurer = parameters.patterns.map { PatternStage(info: info, rule: $0).frameMeasurer }
    self.from = from
  }

  func measurer() throws
    -> @Sendable (ChunkWindow) throws -> (
      [FrameMeasure], [PatternFrameMeasure]
    )
  {
    let (m, p) = (frameMeasurer, patternMeasurer)
    return { window in (try m.measure(window), try p?.measure(window) ?? []) }
  }

  func consume(_ measure: ([FrameMeasure], [PatternFrameMeasure]), window: ChunkWindow) throws {
    measures += measure.0.filter { $0.index >= from }
    patterns += measure.1.filter { $0.index >= from }
  }
}
