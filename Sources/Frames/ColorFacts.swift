/// The colour facts of a video stream, with FFmpeg's names (`av_color_transfer_name`,
/// `av_color_primaries_name`, `av_color_space_name`, `av_color_range_name`), as the report's
/// `input` section shows them and as the photosensitivity analysis reads them.
public struct ColorFacts: Sendable, Equatable, Codable {
  /// Transfer characteristic, e.g. `bt709`, `smpte2084` (PQ), `arib-std-b67` (HLG), or
  /// `unknown` when the stream does not say.
  public var transfer: String
  /// Colour primaries, e.g. `bt709`, `bt2020`, `unknown`.
  public var primaries: String
  /// The YUV matrix, e.g. `bt709`, `bt2020nc`, `unknown` (`gbr` for RGB).
  public var matrix: String
  /// `tv` (narrow), `pc` (full) or `unknown`.
  public var range: String
  /// Bits per sample of the decoder's pixel format (the largest component depth).
  public var bitDepth: Int

  public init(transfer: String, primaries: String, matrix: String, range: String, bitDepth: Int) {
    self.transfer = transfer
    self.primaries = primaries
    self.matrix = matrix
    self.range = range
    self.bitDepth = bitDepth
  }

  /// An 8-bit stream that says nothing about its colour (what in-memory rgb24 frames are).
  public static let unspecified8Bit = ColorFacts(
    transfer: "unknown", primaries: "unknown", matrix: "unknown", range: "unknown", bitDepth: 8)

  /// True for the HDR transfer functions: PQ (`smpte2084`) and HLG (`arib-std-b67`).
  public var isHDR: Bool { transfer == "smpte2084" || transfer == "arib-std-b67" }

  /// True when the stream's primaries or matrix are BT.2020's (its luminance weights apply).
  public var isBT2020: Bool {
    primaries == "bt2020" || matrix == "bt2020nc" || matrix == "bt2020c"
  }
}
