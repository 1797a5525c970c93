import CFFmpeg
import Foundation
import Frames

/// Where a segmented scan starts decoding: seek the stream to `seekTimestamp` (a clean keyframe,
/// `PacketIndex`), number the first frame at or after it `firstFrameIndex`, and measure times
/// from `timestampOrigin` (the whole stream's first frame), so frames carry the numbers and times
/// a whole run gives them.
public struct DecodeStart: Sendable, Equatable {
  /// Stream time base units.
  public var seekTimestamp: Int64
  public var timestampOrigin: Int64
  public var firstFrameIndex: Int

  public init(seekTimestamp: Int64, timestampOrigin: Int64, firstFrameIndex: Int) {
    self.seekTimestamp = seekTimestamp
    self.timestampOrigin = timestampOrigin
    self.firstFrameIndex = firstFrameIndex
  }
}

/// The video stream's packets in presentation order, read with libavformat without decoding
/// (`av_read_frame` over the file, other streams discarded): what a segmented scan needs to cut
/// one film into segments that every worker computes the same way.
///
/// A keyframe is a *clean cut* when every packet before it in decode order is presented before
/// it and every packet after it is presented after it (a closed GOP): decoding from it gives
/// exactly the frames from it on, and exactly `frame` frames come before it. Open-GOP keyframes
/// (leading pictures that reference the previous GOP) are not clean and never cut.
public struct PacketIndex: Sendable, Equatable {
  /// The stream's time base.
  public var timeBaseNum: Int32
  public var timeBaseDen: Int32
  /// Every packet's presentation timestamp, in presentation order (one frame each).
  public var presentation: [Int64]
  /// The frame numbers (presentation order) of the clean keyframes, ascending; frame 0 is one.
  public var cleanKeyframes: [Int]
  /// The presentation time just past the last frame (its timestamp plus its duration).
  public var endTimestamp: Int64

  /// Most packets read (about 2 days at 60 fps); a longer stream is refused.
  public static let maxPackets = 10_000_000

  public var frameCount: Int { presentation.count }

  /// Reads the packet index of `path`'s video stream (`streamIndex`: the container's index, or
  /// the first video stream). Throws `MediaError` when the file cannot be read, has no
  /// timestamps, repeats one, or its first frame is not a clean keyframe.
  public static func read(path: String, streamIndex: Int? = nil) throws -> PacketIndex {
    var options = DecodeOptions(streamIndex: streamIndex, decoderThreads: 1)
    options.layout = .rgb24
    let input = try OpenInput.open(path: path, options: options)
    let format = input.format
    let videoIndex = Int32(input.info.streamIndex)
    for i in 0..<Int(format.pointee.nb_streams) where Int32(i) != videoIndex {
      format.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
    }
    let timeBase = input.stream.pointee.time_base
    guard timeBase.num > 0, timeBase.den > 0 else {
      throw MediaError.decodeFailed(path: path, reason: "the video stream has no time base")
    }
    guard let packet = av_packet_alloc() else {
      throw MediaError.io(path: path, reason: "out of memory")
    }
    var owned: UnsafeMutablePointer<AVPacket>? = packet
    defer { av_packet_free(&owned) }
    var pts: [Int64] = []
    var keys: [Bool] = []
    var end = Int64.min
    while true {
      let read = av_read_frame(format, packet)
      if read == fs_averror_eagain() {
        usleep(1000)
        continue
      }
      if read < 0 {
        if read != fs_averror_eof() {
          throw MediaError.decodeFailed(
            path: path, reason: "reading packets failed (\(ffmpegErrorText(read)))")
        }
        break
      }
      defer { av_packet_unref(packet) }
      guard packet.pointee.stream_index == videoIndex else { continue }
      if packet.pointee.flags & AV_PKT_FLAG_DISCARD != 0 { continue }
      var t = packet.pointee.pts
      if t == fs_nopts_value() { t = packet.pointee.dts }
      guard t != fs_nopts_value() else {
        throw MediaError.decodeFailed(
          path: path,
          reason: "packet \(pts.count) has no timestamp: the file cannot be cut into segments")
      }
      guard pts.count < maxPackets else {
        throw MediaError.decodeFailed(
          path: path, reason: "more than \(maxPackets) video packets: too long to segment")
      }
      pts.append(t)
      keys.append(packet.pointee.flags & AV_PKT_FLAG_KEY != 0)
      let (sum, overflow) = t.addingReportingOverflow(max(0, packet.pointee.duration))
      end = max(end, overflow ? t : sum)
    }
    return try make(
      path: path, pts: pts, keys: keys, end: end, timeBaseNum: timeBase.num,
      timeBaseDen: timeBase.den)
  }

  /// The index of packets given in decode order (`pts`, keyframe flags); tests build it directly.
  public static func make(
    path: String, pts: [Int64], keys: [Bool], end: Int64, timeBaseNum: Int32, timeBaseDen: Int32
  ) throws -> PacketIndex {
    precondition(pts.count == keys.count)
    guard !pts.isEmpty else {
      throw MediaError.decodeFailed(path: path, reason: "the video stream has no packets")
    }
    let sorted = pts.sorted()
    for i in 1..<sorted.count where sorted[i] == sorted[i - 1] {
      throw MediaError.decodeFailed(
        path: path,
        reason: "two packets share the timestamp \(sorted[i]): the file cannot be cut into segments"
      )
    }
    // Clean keyframes: the largest pts before it is smaller, the smallest after it is larger.
    var suffixMin = [Int64](repeating: Int64.max, count: pts.count + 1)
    for i in stride(from: pts.count - 1, through: 0, by: -1) {
      suffixMin[i] = min(suffixMin[i + 1], pts[i])
    }
    var clean: [Int] = []
    var prefixMax = Int64.min
    for i in pts.indices {
      if keys[i] && prefixMax < pts[i] && suffixMin[i + 1] > pts[i] { clean.append(i) }
      prefixMax = max(prefixMax, pts[i])
    }
    guard clean.first == 0 else {
      throw MediaError.decodeFailed(
        path: path,
        reason:
          "the first packet is not a keyframe starting a closed GOP: the file cannot be cut into segments"
      )
    }
    return PacketIndex(
      timeBaseNum: timeBaseNum, timeBaseDen: timeBaseDen, presentation: sorted,
      cleanKeyframes: clean, endTimestamp: max(end, sorted[sorted.count - 1]))
  }
}

/// Segment `k` of `n` of a stream: time ranges of about equal length, cut at clean keyframes.
/// Every worker computes the same plan from the same file (integer arithmetic on the packet
/// index only).
public struct SegmentPlan: Sendable, Equatable {
  /// The first frame of each segment (`cuts[0]` is 0), and the frame count at the end: segment
  /// `k` is frames `cuts[k]..<cuts[k + 1]` (empty when a film has fewer keyframes than segments).
  public var cuts: [Int]

  /// Most segments of one film.
  public static let maxSegments = 10_000

  /// Cut `k` (0 < k < n) is the first clean keyframe presented at or after
  /// `first + (end - first) * k / n` (rounded down, in the stream's time base), or the end when
  /// none is.
  public init(index: PacketIndex, segments n: Int) {
    precondition(n >= 1 && n <= Self.maxSegments)
    let first = index.presentation[0]
    let span = index.endTimestamp.subtractingReportingOverflow(first)
    var cuts = [0]
    for k in 1..<n {
      // span * k / n without overflow (a 128-bit product); it is below span, so first + it
      // fits unless span itself overflowed.
      let length = span.overflow ? Int64.max : span.partialValue
      let product = length.multipliedFullWidth(by: Int64(k))
      let offset = Int64(n).dividingFullWidth(product).quotient
      let (sum, overflow) = first.addingReportingOverflow(offset)
      let target = overflow ? Int64.max : sum
      let cut =
        index.cleanKeyframes.first { index.presentation[$0] >= target } ?? index.frameCount
      cuts.append(max(cut, cuts[cuts.count - 1]))
    }
    cuts.append(index.frameCount)
    self.cuts = cuts
  }

  /// Frames `lower..<upper` of segment `k`.
  public func frames(of k: Int) -> Range<Int> { cuts[k]..<cuts[k + 1] }

  /// Where segment `k`'s decoding starts: the clean keyframe at or before the frame before the
  /// segment (that frame pairs with the segment's first), frame 0 for the first segment.
  public func decodeStart(of k: Int, index: PacketIndex) -> DecodeStart {
    let wanted = max(0, cuts[k] - 1)
    let key = index.cleanKeyframes.last { $0 <= wanted } ?? 0
    return DecodeStart(
      seekTimestamp: index.presentation[key], timestampOrigin: index.presentation[0],
      firstFrameIndex: key)
  }
}
