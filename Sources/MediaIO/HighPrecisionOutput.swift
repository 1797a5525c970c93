import CFFmpeg
import FrameTensor
import Frames

extension ColorFacts {
  /// The stream's colour facts with FFmpeg's names, from its codec parameters (what the
  /// container and the bitstream headers declare), and the bit depth of its pixel format.
  init(codecParameters p: UnsafePointer<AVCodecParameters>) {
    func name(_ c: UnsafePointer<CChar>?) -> String { c.map { String(cString: $0) } ?? "unknown" }
    var depth = 8
    if let d = av_pix_fmt_desc_get(AVPixelFormat(rawValue: p.pointee.format)) {
      let c = d.pointee.comp
      let components = [c.0, c.1, c.2, c.3].prefix(Int(d.pointee.nb_components))
      depth = max(1, components.map { Int($0.depth) }.max() ?? 8)
    }
    self.init(
      transfer: name(av_color_transfer_name(p.pointee.color_trc)),
      primaries: name(av_color_primaries_name(p.pointee.color_primaries)),
      matrix: name(av_color_space_name(p.pointee.color_space)),
      range: name(av_color_range_name(p.pointee.color_range)), bitDepth: depth)
  }
}

/// The decoder's optional second output (`DecodeOptions.highPrecision`): each frame also as
/// 16-bit RGB (`AV_PIX_FMT_RGB48`, native byte order) with the frame's matrix and range, read
/// from the decoder's planes (`PlaneReader`) or, for other formats, converted by swscale through
/// the same `FrameConverter` as the rgb24 frames, so sources above 8 bits are measured at their
/// own precision. It fills one chunk's `FrameChunk.highPrecision` at a time.
final class HighPrecisionOutput {
  /// swscale, for the formats the plane reader does not take.
  private let converter = FrameConverter()
  private let rotator: FrameRotator
  private var rotationScratch: [UInt8] = []
  private var storage: [UInt16] = []
  /// The plane reader of the current format, size, matrix and range (its tables are reused).
  private var reader: PlaneReader?
  private var readerKey: [Int] = []
  private var frameSamples = 0

  #if _endian(big)
    private static let format = AV_PIX_FMT_RGB48BE
  #else
    private static let format = AV_PIX_FMT_RGB48LE
  #endif

  init(rotation: DisplayRotation) {
    rotator = FrameRotator(rotation: rotation)
  }

  /// Starts a chunk of at most `capacity` frames of `size`, in a buffer from `buffers` when
  /// one is given (the scan engine recycles them).
  func begin(capacity: Int, size: FrameSize, buffers: FrameBufferPool?) {
    frameSamples = size.width * size.height * 3
    // Every frame delivered is written whole by `convert`; the rest is cut off by `finish`.
    let count = capacity * frameSamples
    storage =
      buffers?.takeWide(count: count)
      ?? [UInt16](unsafeUninitializedCapacity: count) { _, n in n = count }
  }

  /// Converts `frame` (as decoded, before any rotation) into the chunk's frame `index`, turned
  /// upright and delivered at `size` (the upright size).
  func convert(_ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize, index: Int) throws {
    let offset = index * frameSamples * 2
    try storage.withUnsafeMutableBytes {
      try convert(frame, size: size, into: $0.baseAddress! + offset)
    }
  }

  /// Converts `frame` into `size.width * size.height * 3` 16-bit samples at `destination`,
  /// turned upright and delivered at `size` (the upright size).
  func convert(
    _ frame: UnsafeMutablePointer<AVFrame>, size: FrameSize,
    into destination: UnsafeMutableRawPointer
  ) throws {
    let rotation = rotator.rotation
    let coded = rotation.swapsAxes ? FrameSize(width: size.height, height: size.width) : size
    let rowBytes = coded.width * 6
    let readerKey = [
      Int(frame.pointee.format), coded.width, coded.height, Int(frame.pointee.colorspace.rawValue),
      Int(frame.pointee.color_range.rawValue), Int(frame.pointee.width), Int(frame.pointee.height),
    ]
    if readerKey != self.readerKey {
      reader = PlaneReader(frame: frame, size: coded)
      self.readerKey = readerKey
    }
    // The decoder's planes when the reader takes the format: exact to the source's precision
    // (swscale's 16-bit RGB output of 10-bit YUV tops out at 65283, not 65535: 0.4% low).
    let reader = self.reader
    func write(_ destination: UnsafeMutableRawPointer) throws {
      if let reader {
        reader.read(frame, into: destination.assumingMemoryBound(to: UInt16.self))
      } else {
        try converter.convert(
          frame, format: Self.format, bytesPerPixel: 6, size: coded,
          into: destination.assumingMemoryBound(to: UInt8.self))
      }
    }
    if rotation == .none {
      try write(destination)
      return
    }
    if rotationScratch.count < rowBytes * coded.height {
      rotationScratch = [UInt8](repeating: 0, count: rowBytes * coded.height)
    }
    try rotationScratch.withUnsafeMutableBytes { try write($0.baseAddress!) }
    rotationScratch.withUnsafeMutableBufferPointer { scratch in
      rotator.rotatePacked(
        scratch.baseAddress!, width: coded.width, height: coded.height, step: 6,
        into: destination.assumingMemoryBound(to: UInt8.self))
    }
  }

  /// The chunk's `count` frames as (count, H, W, 3).
  func finish(count: Int, size: FrameSize) -> Tensor<UInt16> {
    storage.removeLast(storage.count - count * frameSamples)
    let tensor = Tensor(shape: [count, size.height, size.width, 3], storage: storage)
    storage = []
    return tensor
  }
}

/// Reads a planar (or semi-planar) YUV frame of more than 8 bits straight from the decoder's
/// planes into 16-bit full-range RGB: the frame's matrix (BT.709, BT.2020, SMPTE 240M, FCC;
/// BT.601 otherwise, as swscale) and range (narrow unless the frame says full, as swscale),
/// each chroma sample used for the pixels it covers. nil for other formats, or when the frame
/// must be scaled (swscale does those). `planeFrame` hands the same planes and tables over as they
/// are (`SourcePlanes`), for the photosensitivity kernel to convert on a worker thread with the
/// same arithmetic.
struct PlaneReader {
  let width: Int
  let height: Int
  let planes: (y: Int, u: Int, v: Int)
  let steps: (y: Int, u: Int, v: Int)
  let offsets: (y: Int, u: Int, v: Int)
  let shift: Int
  let depth: Int
  let chromaShift: (x: Int, y: Int)
  let conversion: YUVConversion

  /// The component layout of `format` when the reader takes it, else nil.
  static func accepts(format: Int32) -> Bool { layout(format) != nil }

  private static func layout(_ format: Int32) -> AVPixFmtDescriptor? {
    guard let d = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format))?.pointee else { return nil }
    let excluded =
      UInt64(AV_PIX_FMT_FLAG_RGB) | UInt64(AV_PIX_FMT_FLAG_PAL) | UInt64(AV_PIX_FMT_FLAG_HWACCEL)
      | UInt64(AV_PIX_FMT_FLAG_BITSTREAM) | UInt64(AV_PIX_FMT_FLAG_FLOAT)
      | UInt64(AV_PIX_FMT_FLAG_BAYER)
    #if _endian(big)
      let foreign = d.flags & UInt64(AV_PIX_FMT_FLAG_BE) == 0
    #else
      let foreign = d.flags & UInt64(AV_PIX_FMT_FLAG_BE) != 0
    #endif
    let (c0, c1, c2) = (d.comp.0, d.comp.1, d.comp.2)
    guard d.flags & excluded == 0, !foreign, d.nb_components >= 3,
      c0.depth > 8, c0.depth <= 16, c1.depth == c0.depth, c2.depth == c0.depth,
      c0.shift == c1.shift, c1.shift == c2.shift,
      [c0.step, c1.step, c2.step].allSatisfy({ $0 >= 2 && $0 % 2 == 0 }),
      [c0.offset, c1.offset, c2.offset].allSatisfy({ $0 % 2 == 0 }),
      d.log2_chroma_w <= 1
    else { return nil }
    return d
  }

  init?(frame: UnsafeMutablePointer<AVFrame>, size: FrameSize) {
    guard Int(frame.pointee.width) == size.width, Int(frame.pointee.height) == size.height,
      let d = Self.layout(frame.pointee.format)
    else { return nil }
    let (c0, c1, c2) = (d.comp.0, d.comp.1, d.comp.2)
    width = size.width
    height = size.height
    planes = (Int(c0.plane), Int(c1.plane), Int(c2.plane))
    steps = (Int(c0.step) / 2, Int(c1.step) / 2, Int(c2.step) / 2)
    offsets = (Int(c0.offset) / 2, Int(c1.offset) / 2, Int(c2.offset) / 2)
    shift = Int(c0.shift)
    chromaShift = (Int(d.log2_chroma_w), Int(d.log2_chroma_h))
    let n = Int(c0.depth)
    depth = n
    let (kr, kb): (Double, Double)
    switch frame.pointee.colorspace {
    case AVCOL_SPC_BT709: (kr, kb) = (0.2126, 0.0722)
    case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: (kr, kb) = (0.2627, 0.0593)
    case AVCOL_SPC_SMPTE240M: (kr, kb) = (0.212, 0.087)
    case AVCOL_SPC_FCC: (kr, kb) = (0.30, 0.11)
    default: (kr, kb) = (0.299, 0.114)
    }
    conversion = YUVConversion(
      depth: n, fullRange: frame.pointee.color_range == AVCOL_RANGE_JPEG, kr: kr, kb: kb)
  }

  private func base(_ frame: UnsafeMutablePointer<AVFrame>, _ plane: Int) -> (
    UnsafePointer<UInt16>, Int
  ) {
    let p = UnsafeRawPointer(fs_frame_plane(frame, Int32(plane))!)
    return (p.assumingMemoryBound(to: UInt16.self), Int(fs_frame_linesize(frame, Int32(plane))))
  }

  /// `frame`'s planes as they are, for `SourcePlanes` (valid while the frame is referenced).
  func planeFrame(_ frame: UnsafeMutablePointer<AVFrame>) -> PlaneFrame {
    let (yp, ys) = base(frame, planes.y)
    let (up, us) = base(frame, planes.u)
    let (vp, vs) = base(frame, planes.v)
    return PlaneFrame(
      yuv: [
        UnsafeRawPointer(yp + offsets.y), UnsafeRawPointer(up + offsets.u),
        UnsafeRawPointer(vp + offsets.v),
      ], strides: [ys, us, vs], steps: [steps.y, steps.u, steps.v], shift: shift,
      chromaShift: chromaShift, width: width, height: height, conversion: conversion)
  }

  /// Writes `height` rows of `width` RGB triples (16 bits, full range) at `out`. Per code, the
  /// terms `65535 * 256 * (Y', 2(1-Kr) Cr, ...)` are tabulated as integers (`YUVConversion`), so
  /// a pixel is a few lookups, adds and clamps (within half a 16-bit step of the exact formula).
  func read(_ frame: UnsafeMutablePointer<AVFrame>, into out: UnsafeMutablePointer<UInt16>) {
    let (yp, ysBytes) = base(frame, planes.y)
    let (up, usBytes) = base(frame, planes.u)
    let (vp, vsBytes) = base(frame, planes.v)
    let (ys, us, vs) = (ysBytes / 2, usBytes / 2, vsBytes / 2)
    let t = conversion
    let mask = UInt16(truncatingIfNeeded: (1 << depth) - 1)
    let shift = UInt16(self.shift)
    let (sy, su, sv) = steps
    let (chromaX, chromaY) = chromaShift
    @inline(__always) func code(_ v: Int32) -> UInt16 {
      UInt16(truncatingIfNeeded: min(max((v &+ 128) &>> 8, 0), 65535))
    }
    t.y.withUnsafeBufferPointer { yT in
      t.crR.withUnsafeBufferPointer { crR in
        t.crG.withUnsafeBufferPointer { crG in
          t.cbG.withUnsafeBufferPointer { cbG in
            t.cbB.withUnsafeBufferPointer { cbB in
              for y in 0..<height {
                let yRow = yp + y * ys + offsets.y
                let cy = y &>> chromaY
                let uRow = up + cy * us + offsets.u
                let vRow = vp + cy * vs + offsets.v
                let o = out + y * width * 3
                // Masking shifts and wrapping adds: the codes are masked to `depth` bits and
                // the table terms are within +-4 * 65535 * 256, so nothing overflows.
                @inline(__always) func pixel(_ x: Int, _ r: Int32, _ g: Int32, _ b: Int32) {
                  let l = yT[Int((yRow[x &* sy] &>> shift) & mask)]
                  let o3 = o + x &* 3
                  o3[0] = code(l &+ r)
                  o3[1] = code(l &+ g)
                  o3[2] = code(l &+ b)
                }
                @inline(__always) func chroma(_ cx: Int) -> (Int32, Int32, Int32) {
                  let u = Int((uRow[cx &* su] &>> shift) & mask)
                  let v = Int((vRow[cx &* sv] &>> shift) & mask)
                  return (crR[v], crG[v] &+ cbG[u], cbB[u])
                }
                var x = 0
                if chromaX == 1 {
                  // 4:2:0 and 4:2:2: one chroma sample for each pair of pixels.
                  while x + 1 < width {
                    let (r, g, b) = chroma(x &>> 1)
                    pixel(x, r, g, b)
                    pixel(x + 1, r, g, b)
                    x += 2
                  }
                }
                while x < width {
                  let (r, g, b) = chroma(x &>> chromaX)
                  pixel(x, r, g, b)
                  x += 1
                }
              }
            }
          }
        }
      }
    }
  }
}
