import Frames

/// A frame size in pixels.
public struct FrameSize: Sendable, Equatable, Hashable, CustomStringConvertible {
  public var width: Int
  public var height: Int

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  public var description: String { "\(width)x\(height)" }
}

/// What `VideoDecoder` does with frames whose size differs from the first frame's (broadcast
/// recordings, adaptive-streaming captures and concatenated files change resolution mid-stream).
public enum FrameSizeChanges: Sendable, Equatable {
  /// Every frame is scaled (bicubic) to the first frame's size, as the ffmpeg CLI's scale filter
  /// does when its filter graph is reconfigured for a new input size: all chunks have the first
  /// frame's size and the bytes equal the CLI's rawvideo output. Each change is named in
  /// `VideoDecoder.warnings`.
  case scaleToFirst
  /// Every frame keeps its own size; a new size starts a new chunk (a chunk never mixes sizes).
  /// Analysers that need one size per stream (the T table, photosensitivity) stop at the change.
  case keep
}

/// How `VideoDecoder` picks, decodes and converts a video stream.
public struct DecodeOptions: Sendable, Equatable {
  /// Container stream index to decode; nil picks the first video stream that is not an attached
  /// picture (cover art).
  public var streamIndex: Int?
  /// `.rgb24` (exactly the ffmpeg CLI's rgb24 bytes), `.rgbSum` (each pixel's R + G + B of those
  /// bytes, a `UInt16`) or `.luma` (the decoder's Y plane).
  public var layout: PixelLayout
  /// nil keeps the native size; otherwise every frame is resized with swscale (bicubic), e.g. for
  /// a neural network's input size. Resized frames are not expected to match any CLI command.
  public var outputSize: FrameSize?
  /// Frames of a new size mid-stream: scaled to the first frame's size like the ffmpeg CLI
  /// (default), or kept at their own size. Ignored when `outputSize` is set (every frame is
  /// resized to it anyway).
  public var frameSizeChanges: FrameSizeChanges
  /// Decoder threads; 0 lets FFmpeg choose (one per core), with frame threading.
  public var decoderThreads: Int
  /// Turn frames upright from the stream's display matrix (90°, 180°, 270°), as the ffmpeg CLI
  /// does by default; false is the CLI's `-noautorotate`.
  public var autorotate: Bool
  /// Where standard input is spooled when it must be (an MP4/MOV with its index at the end);
  /// nil uses $TMPDIR, else /tmp.
  public var spoolDirectory: String?
  /// Largest chunk `nextChunk` builds, in bytes (at least one frame is always returned).
  ///
  /// The default (30 MiB) stays under glibc's largest mmap threshold (32 MiB), so a released
  /// chunk's memory is reused for the next one; bigger chunks get fresh pages from the kernel on
  /// every call, which cost as much CPU time as the RGB conversion itself at 1080p.
  public var maxChunkBytes: Int
  /// Also deliver each frame as 16-bit RGB (`FrameChunk.highPrecision`) when the stream's
  /// samples have more than 8 bits and the layout is rgb24 (`VideoInfo.highPrecision` says
  /// whether it does): for analyses that measure HDR at the decoder's precision. Off by default;
  /// the rgb24 frames are the same either way.
  public var highPrecision: Bool = false
  /// A segmented scan's start (`SegmentPlan.decodeStart`): seek there first, number and time the
  /// frames as a whole run does. Nil: decode from the start.
  public var start: DecodeStart? = nil
  /// Also deliver each frame's decoded planes by reference (`FrameChunk.sourcePlanes`) when the
  /// stream's samples have more than 8 bits and the layout is rgb24 (`VideoInfo.sourcePlaneBytes`
  /// says whether it does): what the bt1702 profile measures HDR from. Off by default; a scan
  /// whose stages need them turns it on itself (`FrameSource.request`, which `ScanEngine.run`
  /// calls), so only a caller that reads chunks without the engine sets it.
  public var sourcePlanes: Bool = false
  /// Threads that convert each frame to rgb24 (or luma), in slices (swscale's slice threads,
  /// `sws_scale_frame`, as the ffmpeg CLI's scale filter uses them). 1, the default, converts on
  /// the decoding thread alone. The bytes are the same for any count.
  public var conversionThreads: Int = 1

  /// Options handed to FFmpeg when the input is opened (`avformat_open_input`), e.g. a network
  /// protocol's `timeout` in microseconds; only `VideoDecoder(url:options:)` uses them.
  public var inputOptions: [String: String] = [:]
  /// Set from any thread to make a blocking read or open of the input return at once (FFmpeg's
  /// interrupt callback); the stream then ends like a failed read.
  public var interrupt: InterruptFlag? = nil

  /// The default `maxChunkBytes`.
  public static let defaultMaxChunkBytes = 30 << 20

  public init(
    streamIndex: Int? = nil, layout: PixelLayout = .rgb24, outputSize: FrameSize? = nil,
    decoderThreads: Int = 0, maxChunkBytes: Int = DecodeOptions.defaultMaxChunkBytes,
    autorotate: Bool = true, spoolDirectory: String? = nil,
    frameSizeChanges: FrameSizeChanges = .scaleToFirst
  ) {
    self.frameSizeChanges = frameSizeChanges
    self.spoolDirectory = spoolDirectory
    self.autorotate = autorotate
    self.streamIndex = streamIndex
    self.layout = layout
    self.outputSize = outputSize
    self.decoderThreads = decoderThreads
    self.maxChunkBytes = maxChunkBytes
  }
}

/// A flag FFmpeg polls during blocking I/O (`AVIOInterruptCB`): once set, reads and opens of the
/// input give up. Equal only to itself.
public final class InterruptFlag: Sendable, Equatable {
  private let flag = Locked(false)

  public init() {}

  public func set() { flag.withLock { $0 = true } }
  public var isSet: Bool { flag.withLock { $0 } }

  public static func == (a: InterruptFlag, b: InterruptFlag) -> Bool { a === b }
}
