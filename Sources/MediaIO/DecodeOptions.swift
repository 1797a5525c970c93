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

/// How `VideoDecoder` picks, decodes and converts a video stream.
public struct DecodeOptions: Sendable, Equatable {
  /// Container stream index to decode; nil picks the first video stream that is not an attached
  /// picture (cover art).
  public var streamIndex: Int?
  /// `.rgb24` (exactly the ffmpeg CLI's rgb24 bytes) or `.luma` (the decoder's Y plane).
  public var layout: PixelLayout
  /// nil keeps the native size; otherwise every frame is resized with swscale (bicubic), e.g. for
  /// a neural network's input size. Resized frames are not expected to match any CLI command.
  public var outputSize: FrameSize?
  /// Decoder threads; 0 lets FFmpeg choose (one per core), with frame threading.
  public var decoderThreads: Int

  public init(
    streamIndex: Int? = nil, layout: PixelLayout = .rgb24, outputSize: FrameSize? = nil,
    decoderThreads: Int = 0
  ) {
    self.streamIndex = streamIndex
    self.layout = layout
    self.outputSize = outputSize
    self.decoderThreads = decoderThreads
  }
}
