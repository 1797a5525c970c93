/// A chunk's frames as the decoder produced them, for analyses that measure the source at its own
/// precision (samples above 8 bits; the bt1702 profile on HDR video). The planes are held by
/// reference (the decoder's reference-counted frames), not copied: each frame costs its decoded
/// size (about 3 bytes a pixel for 4:2:0 10-bit video) while the chunk lives, and no conversion
/// runs on the decoding thread. The analysis turns them into 16-bit RGB on a worker thread, a row
/// at a time, with the same arithmetic that fills `FrameChunk.highPrecision`.
///
/// The memory stays valid while any copy of the value lives (`owner` keeps it).
public struct SourcePlanes: @unchecked Sendable {
  /// One per frame of the chunk, in order.
  public let frames: [PlaneFrame]
  /// Keeps the memory the frames point into alive.
  public let owner: AnyObject

  public init(frames: [PlaneFrame], owner: AnyObject) {
    self.frames = frames
    self.owner = owner
  }
}

/// One frame of `SourcePlanes`: YUV planes with the tables that turn its codes into 16-bit RGB
/// (the frame's matrix and range), or, when the decoder could not hand its planes over as they
/// are (a format the plane path does not read, a scaled or rotated frame), 16-bit RGB rows
/// already converted. Either way the frame is `width` x `height`, upright.
public struct PlaneFrame: @unchecked Sendable {
  public enum Kind: Sendable, Equatable {
    /// `planes` are Y, U, V (each pointing at the component's first sample), read through
    /// `conversion`.
    case yuv
    /// `planes[0]` holds `height` rows of `width` RGB triples, 16 bits a sample, full range.
    case rgb16
  }
  public let kind: Kind
  public let width: Int
  public let height: Int
  /// Y, U, V (`.yuv`) or the RGB rows (`.rgb16`, the other two unused).
  public let planes: [UnsafeRawPointer]
  /// Bytes from one row to the next, per plane.
  public let strides: [Int]
  /// 16-bit samples from one pixel's component to the next, per plane (`.yuv`).
  public let steps: [Int]
  /// Right shift of each sample before the `depth`-bit code is masked out (`.yuv`).
  public let shift: Int
  /// log2 of the chroma subsampling, horizontally and vertically (`.yuv`).
  public let chromaShift: (x: Int, y: Int)
  /// The code-to-RGB tables (`.yuv`; nil for `.rgb16`).
  public let conversion: YUVConversion?

  public init(
    yuv planes: [UnsafeRawPointer], strides: [Int], steps: [Int], shift: Int,
    chromaShift: (x: Int, y: Int), width: Int, height: Int, conversion: YUVConversion
  ) {
    precondition(planes.count == 3 && strides.count == 3 && steps.count == 3)
    kind = .yuv
    self.planes = planes
    self.strides = strides
    self.steps = steps
    self.shift = shift
    self.chromaShift = chromaShift
    self.width = width
    self.height = height
    self.conversion = conversion
  }

  public init(rgb16 rows: UnsafeRawPointer, stride: Int, width: Int, height: Int) {
    kind = .rgb16
    planes = [rows, rows, rows]
    strides = [stride, stride, stride]
    steps = [3, 3, 3]
    shift = 0
    chromaShift = (0, 0)
    self.width = width
    self.height = height
    conversion = nil
  }
}

/// The per-code terms that turn `depth`-bit Y'CbCr codes into 16-bit full-range R'G'B' with a
/// frame's matrix (`kr`, `kb`) and range, in units of 1/256 of a 16-bit step: a pixel is
/// `clamp((Y[y] + crR[v] + 128) >> 8)` for R, `Y[y] + crG[v] + cbG[u]` for G, `Y[y] + cbB[u]`
/// for B (within half a 16-bit step of the exact formula). One value is shared by every frame
/// with the same matrix and range.
public final class YUVConversion: Sendable {
  public let depth: Int
  public let y: [Int32]
  public let crR: [Int32]
  public let crG: [Int32]
  public let cbG: [Int32]
  public let cbB: [Int32]

  /// `fullRange`: codes 0...2^depth-1 (else narrow: 16...235 and 16...240 at 8 bits, scaled).
  public init(depth: Int, fullRange: Bool, kr: Double, kb: Double) {
    precondition(depth > 0 && depth <= 16)
    self.depth = depth
    let unit8 = Double(1 << max(depth - 8, 0))
    let (yScale, yOffset, cScale, cOffset): (Double, Double, Double, Double)
    if fullRange {
      let full = Double((1 << depth) - 1)
      (yScale, yOffset, cScale, cOffset) = (1 / full, 0, 1 / full, Double(1 << (depth - 1)))
    } else {
      (yScale, yOffset, cScale, cOffset) = (
        1 / (219 * unit8), 16 * unit8, 1 / (224 * unit8), 128 * unit8
      )
    }
    let kg = 1 - kr - kb
    let unit = 65535.0 * 256
    func table(_ f: (Double) -> Double) -> [Int32] {
      (0..<(1 << depth)).map { Int32((min(max(f(Double($0)), -4), 4) * unit).rounded()) }
    }
    func c(_ code: Double) -> Double { (code - cOffset) * cScale }
    y = table { ($0 - yOffset) * yScale }
    crR = table { 2 * (1 - kr) * c($0) }
    crG = table { -2 * (1 - kr) * kr / kg * c($0) }
    cbG = table { -2 * (1 - kb) * kb / kg * c($0) }
    cbB = table { 2 * (1 - kb) * c($0) }
  }
}
