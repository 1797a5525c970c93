import Foundation
import FrameTensor
import Frames
import MediaIO
import Photosensitivity
import Reports

/// The HTML report's thumbnails of a merged film: the frames the incidents show are decoded
/// again from the source (seeking to the clean keyframe before each stretch of flagged frames),
/// and the same collectors a whole run uses follow the merged rows over them. Frames no
/// collector reads are stand-ins of the right size that are never looked at.
public struct MergeThumbnails: Sendable {
  public var collector: ThumbnailCollector
  public var patternPictures: [Int: Thumbnail]
  public var omittedPatternPictures: Int

  /// Flagged frames closer than this are decoded in one stretch.
  static let joinGap = 50

  /// Collects the thumbnails of `film` (merged with `keepForThumbnails`) from `source`.
  public static func collect(film: MergedFilm, source: String) throws -> MergeThumbnails {
    let header = film.header
    let v = header.video
    let parameters = header.options.parameters
    let rows = film.analysisRows
    guard rows.count == v.frameCount else {
      throw MergeError(path: source, reason: "the merge kept no rows for thumbnails")
    }
    // The frames a collector reads: rows flagged for an incident kind, pattern-flagged frames.
    var needed = Set(film.patternFlagged)
    for row in rows
    where IncidentKind.allCases.contains(where: { parameters.incidentFlag($0, row) != nil }) {
      needed.insert(row.frame)
    }
    var stretches: [Range<Int>] = []
    for f in needed.sorted() {
      if let last = stretches.last, f - last.upperBound < joinGap {
        stretches[stretches.count - 1] = last.lowerBound..<(f + 1)
      } else {
        stretches.append(f..<(f + 1))
      }
    }

    let info = VideoInfo(
      path: source, streamIndex: v.streamIndex, codecName: v.codec, width: v.width,
      height: v.height, pixelFormatName: "rgb24", frameRate: v.frameRate, duration: v.duration,
      estimatedFrameCount: v.frameCount, color: v.color)
    var collector = ThumbnailCollector(parameters: parameters)
    let patternStage = parameters.patterns.map {
      PatternStage(info: info, rule: $0, irisFPS: parameters.irisFrameRate)
    }
    let patternThumbnails = patternStage.map { PatternThumbnailStage(following: $0) }
    let index =
      stretches.isEmpty ? nil : try PacketIndex.read(path: source, streamIndex: v.streamIndex)
    let blank = Tensor<UInt8>(
      shape: [1, v.height, v.width, 3],
      storage: [UInt8](repeating: 0, count: v.height * v.width * 3))

    var previous: FrameChunk? = nil
    func offer(_ chunk: FrameChunk) throws {
      let range = chunk.firstIndex..<(chunk.firstIndex + chunk.count)
      collector.offer(chunk: chunk, rows: Array(rows[range]))
      if let patternStage, let patternThumbnails {
        let window = ChunkWindow(chunk: chunk, previous: previous)
        try patternStage.consume(Array(film.patternMeasures[range]), window: window)
        try patternThumbnails.consume((), window: window)
      }
      previous = chunk
    }
    var next = 0
    for stretch in stretches {
      while next < stretch.lowerBound {
        try offer(FrameChunk(frames: blank, times: [rows[next].time], firstIndex: next))
        next += 1
      }
      guard let index else { break }
      let plan = DecodeStart(
        seekTimestamp: index.presentation[
          index.cleanKeyframes.last { $0 <= stretch.lowerBound } ?? 0],
        timestampOrigin: index.presentation[0],
        firstFrameIndex: index.cleanKeyframes.last { $0 <= stretch.lowerBound } ?? 0)
      var options = DecodeOptions(streamIndex: v.streamIndex, layout: .rgb24, decoderThreads: 0)
      options.start = plan
      let decoder = try VideoDecoder(path: source, options: options)
      while next < stretch.upperBound {
        guard let chunk = try decoder.nextChunk(maxFrames: 1) else {
          throw MergeError(
            path: source, reason: "frame \(next) could not be decoded for its thumbnail")
        }
        guard chunk.firstIndex >= next else { continue }
        guard chunk.firstIndex == next, chunk.width == v.width, chunk.height == v.height else {
          throw MergeError(
            path: source,
            reason: "decoding for thumbnails gave frame \(chunk.firstIndex), expected \(next)")
        }
        try offer(chunk)
        next += 1
      }
    }
    while next < rows.count {
      try offer(FrameChunk(frames: blank, times: [rows[next].time], firstIndex: next))
      next += 1
    }
    collector.finish()
    try patternStage?.finish()
    try patternThumbnails?.finish()
    return MergeThumbnails(
      collector: collector, patternPictures: patternThumbnails?.pictures ?? [:],
      omittedPatternPictures: patternThumbnails?.omitted ?? 0)
  }
}
