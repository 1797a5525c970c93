import FrameTensor

/// How decoded pixels are laid out in a chunk's tensor.
public enum PixelLayout: String, Sendable, CaseIterable {
  /// (n, H, W, 3) RGB, 8 bits a channel, converted exactly as
  /// `ffmpeg -i FILE -f rawvideo -pix_fmt rgb24 -` does.
  case rgb24
  /// (n, H, W, 1): the decoder's luma (Y) plane, 8 bits, with no RGB conversion.
  case luma
  /// (n, H, W, 2): each pixel's R + G + B (0...765) of exactly the `.rgb24` bytes, as a
  /// little-endian `UInt16` in the pixel's two bytes: all that the T table's mean gray mode reads
  /// of a frame, in 2 bytes a pixel instead of 3 (Docs/Algorithm.md, "The key plane"). The
  /// command line decodes into it when the T table is all a scan computes.
  case rgbSum
  /// (n, H, W, 0): no bytes in the tensor. The frames are `FrameChunk.rgbSumFrames`, the
  /// decoder's own 8-bit 4:2:0 planes held by reference (or `.rgbSum` key planes where it could
  /// not hand them over), from which the T table's mean mode computes the `.rgbSum` keys on the
  /// worker threads, a strip at a time, without writing them out. Only that mode reads it; the
  /// command line decodes into it when the T table is all a scan computes.
  case rgbSumFromPlanes

  /// Bytes a pixel in the chunk's tensor: 3 for `.rgb24`, 1 for `.luma`, 2 for `.rgbSum`, 0 for
  /// `.rgbSumFromPlanes`.
  public var channels: Int {
    switch self {
    case .rgb24: return 3
    case .luma: return 1
    case .rgbSum: return 2
    case .rgbSumFromPlanes: return 0
    }
  }
}

/// A run of consecutive decoded frames, the unit that flows from the decoder to the analysers.
public struct FrameChunk: Sendable {
  /// (n, H, W, channels) frames of 8-bit samples; channels is 3 for `.rgb24`, 1 for `.luma`.
  public var frames: Tensor<UInt8>
  /// Presentation time of each frame in seconds, counted from the stream's first frame.
  public var times: [Double]
  /// Index of `frames[0]` in the stream, frames counted from 0 in presentation order.
  public var firstIndex: Int
  /// The same frames at the decoder's own precision, when the source was asked for them and its
  /// samples have more than 8 bits (`VideoInfo.highPrecision`): (n, H, W, 3) RGB, 16 bits a
  /// channel, full range (0...65535), converted with the frame's matrix and range like `frames`.
  /// nil otherwise: the 8-bit paths never pay for it.
  public var highPrecision: Tensor<UInt16>?
  /// The same frames as the decoder produced them (its planes, held by reference), when the
  /// source was asked for them (`FrameRequests.sourcePlanes`) and its samples have more than
  /// 8 bits (`VideoInfo.sourcePlaneBytes` > 0): what the bt1702 profile measures HDR from,
  /// converting on the worker threads. nil otherwise.
  public var sourcePlanes: SourcePlanes?
  /// The frames of a `.rgbSumFromPlanes` chunk (whose tensor has 0 channels); nil otherwise.
  public var rgbSumFrames: RGBSumFrames?

  public init(
    frames: Tensor<UInt8>, times: [Double], firstIndex: Int, highPrecision: Tensor<UInt16>? = nil,
    sourcePlanes: SourcePlanes? = nil, rgbSumFrames: RGBSumFrames? = nil
  ) {
    precondition(frames.rank == 4 && frames.shape[0] == times.count, "frames and times disagree")
    if let highPrecision {
      precondition(
        highPrecision.shape == [frames.shape[0], frames.shape[1], frames.shape[2], 3],
        "the high-precision frames must be (n, H, W, 3) like the chunk's")
    }
    self.frames = frames
    self.times = times
    self.firstIndex = firstIndex
    if let sourcePlanes {
      precondition(
        sourcePlanes.frames.count == frames.shape[0]
          && sourcePlanes.frames.allSatisfy {
            $0.width == frames.shape[2] && $0.height == frames.shape[1]
          }, "the source planes must be one frame of the chunk's size per frame")
    }
    if let rgbSumFrames {
      precondition(
        rgbSumFrames.frames.count == frames.shape[0] && frames.shape[3] == 0,
        "the RGB-sum frames must be one per frame, with a tensor of 0 channels")
    }
    self.highPrecision = highPrecision
    self.sourcePlanes = sourcePlanes
    self.rgbSumFrames = rgbSumFrames
  }

  /// Number of frames in the chunk.
  public var count: Int { times.count }
  public var height: Int { frames.shape[1] }
  public var width: Int { frames.shape[2] }
  public var channels: Int { frames.shape[3] }
  /// Samples in one frame (H * W * channels).
  public var frameSize: Int { frames.shape[1] * frames.shape[2] * frames.shape[3] }
}

extension VideoInfo {
  /// Bytes one decoded frame takes in a chunk: the 8-bit frame, plus the 16-bit RGB copy when
  /// `highPrecision` is set, plus the source planes held when `sourcePlaneBytes` > 0; for
  /// `.rgbSumFromPlanes` a key plane's 2 bytes a pixel (held 8-bit 4:2:0 planes take 1.5).
  public var bytesPerFrame: Int {
    width * height * (layout == .rgbSumFromPlanes ? 2 : layout.channels)
      + (highPrecision ? width * height * 3 * 2 : 0) + sourcePlaneBytes
  }
}

/// What a source knows about its video stream before (and while) decoding it.
public struct VideoInfo: Sendable, Equatable {
  /// The path as given (`-` for standard input).
  public var path: String
  /// The container's stream index of the decoded video stream.
  public var streamIndex: Int
  public var codecName: String
  public var width: Int
  public var height: Int
  /// FFmpeg's name of the decoder's pixel format, e.g. `yuv420p`.
  public var pixelFormatName: String
  /// The stream's average frame rate, when the container declares one.
  public var frameRate: Double?
  /// Duration in seconds, when known.
  public var duration: Double?
  /// Frame count declared by the container, or estimated from duration and rate.
  public var estimatedFrameCount: Int?
  /// Clockwise degrees (0, 90, 180, 270) the decoder turns frames to display them upright, from
  /// the stream's display matrix (as the ffmpeg CLI's -autorotate); `width` and `height` are the
  /// upright frames' size.
  public var rotation: Int
  /// How the source lays out the pixels of the chunks it yields.
  public var layout: PixelLayout
  /// The stream's colour facts (transfer, primaries, matrix, range, bit depth).
  public var color: ColorFacts
  /// True when every chunk also carries `FrameChunk.highPrecision` (16-bit RGB, 6 bytes a pixel
  /// more per frame; `ScanEngine` sizes chunks with them).
  public var highPrecision: Bool
  /// Bytes a frame's `FrameChunk.sourcePlanes` hold (the decoder's planes; 6 a pixel for frames
  /// it converts to 16-bit RGB instead), 0 when the chunks carry none. Set by the source once
  /// it was asked for them (`FrameSource.request`).
  public var sourcePlaneBytes: Int = 0
  /// The source's start timecode (`HH:MM:SS:FF`, `;` before the frames when drop-frame): the
  /// `timecode` tag of the video stream (an MP4/MOV `tmcd` track sets it), of the container, or
  /// of a data stream; nil when none.
  public var startTimecode: String? = nil

  public init(
    path: String, streamIndex: Int, codecName: String, width: Int, height: Int,
    pixelFormatName: String, frameRate: Double?, duration: Double?, estimatedFrameCount: Int?,
    rotation: Int = 0, layout: PixelLayout = .rgb24, color: ColorFacts = .unspecified8Bit,
    highPrecision: Bool = false
  ) {
    self.rotation = rotation
    self.layout = layout
    self.color = color
    self.highPrecision = highPrecision
    self.path = path
    self.streamIndex = streamIndex
    self.codecName = codecName
    self.width = width
    self.height = height
    self.pixelFormatName = pixelFormatName
    self.frameRate = frameRate
    self.duration = duration
    self.estimatedFrameCount = estimatedFrameCount
  }
}

/// Something that yields a video's frames in presentation order, a chunk at a time.
///
/// A source is used from one task at a time (FFmpeg contexts are not thread-safe); the chunks it
/// returns are `Sendable` values that later stages may share across threads.
public protocol FrameSource: AnyObject {
  var info: VideoInfo { get }
  /// The next at most `maxFrames` frames, or nil at the end of the stream.
  func nextChunk(maxFrames: Int) throws -> FrameChunk?
  /// The same, filling a buffer taken from `buffers` where the source can (a decoder converts
  /// straight into it); `ScanEngine` calls this one. The default ignores the pool.
  func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk?
  /// Asks for more than the 8-bit frames in every chunk (what the stages of a scan need,
  /// `Stage.frameRequests`); `ScanEngine.run` calls it before the first chunk. A source that can
  /// deliver them updates `info` (`VideoInfo.sourcePlaneBytes`); the default ignores the request.
  /// Call it before the first `nextChunk`.
  func request(_ requests: FrameRequests)
}

/// What a scan's stages need in the chunks beyond the 8-bit frames.
public struct FrameRequests: OptionSet, Sendable, Hashable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }
  /// `FrameChunk.sourcePlanes` when the source's samples have more than 8 bits.
  public static let sourcePlanes = FrameRequests(rawValue: 1)
}

extension FrameSource {
  public func request(_ requests: FrameRequests) {}

  public func nextChunk(maxFrames: Int, buffers: FrameBufferPool?) throws -> FrameChunk? {
    try nextChunk(maxFrames: maxFrames)
  }
}

/// A `FrameSource` over frames already in memory (tests, the exam's in-memory array).
public final class TensorFrameSource: FrameSource {
  public let info: VideoInfo
  private let frames: Tensor<UInt8>
  private let highPrecision: Tensor<UInt16>?
  private let times: [Double]
  private var next = 0

  /// `frames` is (F, H, W, C); `times` defaults to frame index / `frameRate`. `highPrecision`
  /// (F, H, W, 3), when given, is handed out with the frames (`FrameChunk.highPrecision`);
  /// `color` describes the signal.
  public init(
    frames: Tensor<UInt8>, times: [Double]? = nil, frameRate: Double = 30,
    path: String = "<memory>",
    highPrecision: Tensor<UInt16>? = nil, color: ColorFacts = .unspecified8Bit
  ) {
    precondition(frames.rank == 4, "frames must be (F, H, W, C)")
    let count = frames.shape[0]
    self.frames = frames
    self.highPrecision = highPrecision
    self.times = times ?? (0..<count).map { Double($0) / frameRate }
    precondition(self.times.count == count, "one time per frame")
    self.info = VideoInfo(
      path: path, streamIndex: 0, codecName: "rawvideo", width: frames.shape[2],
      height: frames.shape[1], pixelFormatName: frames.shape[3] == 3 ? "rgb24" : "gray",
      frameRate: frameRate, duration: Double(count) / frameRate, estimatedFrameCount: count,
      layout: frames.shape[3] == 1 ? .luma : .rgb24, color: color,
      highPrecision: highPrecision != nil)
  }

  public func nextChunk(maxFrames: Int) throws -> FrameChunk? {
    precondition(maxFrames > 0)
    let total = frames.shape[0]
    guard next < total else { return nil }
    let end = min(total, next + maxFrames)
    let chunk = FrameChunk(
      frames: frames.slice(next..<end), times: Array(times[next..<end]), firstIndex: next,
      highPrecision: highPrecision?.slice(next..<end))
    next = end
    return chunk
  }
}
