import Foundation

/// How a pixel becomes one gray value `g` before the luminance formula (spec, "Steps" 1).
///
/// Only `mean` is the exam's definition; the others are options and are not exam-exact.
/// Every mode maps a pixel to an integer *key* first, so the gray value is exact (no rounding
/// before the formula) and the luminance is a function of the key alone:
///
///     g = key / scale,   L = 4 * (0.2 * g + 1) ^ 2.2   (double precision)
public enum GrayMode: String, Sendable, CaseIterable {
  /// `g = (R + G + B) / 3`, the exam's definition and the default: key = R + G + B in 0...765,
  /// scale 3 (numpy's `frames.mean(axis=3)`: the exact integer sum, divided by 3 in double).
  case mean
  /// ITU-R BT.601 weights: `g = (299 R + 587 G + 114 B) / 1000`, key in 0...255000, scale 1000.
  case bt601
  /// ITU-R BT.709 weights: `g = (2126 R + 7152 G + 722 B) / 10000`, key in 0...2550000, scale 10000.
  case bt709
  /// `g = Y`: the frames already are the decoder's (n, H, W, 1) luma plane; key = Y, scale 1.
  case luma

  /// Channels a frame must have for this mode.
  public var channels: Int { self == .luma ? 1 : 3 }

  /// Integer weights of R, G, B (or of Y for `luma`) in the key.
  public var weights: [Int] {
    switch self {
    case .mean: return [1, 1, 1]
    case .bt601: return [299, 587, 114]
    case .bt709: return [2126, 7152, 722]
    case .luma: return [1]
    }
  }

  /// The divisor turning a key into the gray value.
  public var scale: Int {
    switch self {
    case .mean: return 3
    case .bt601: return 1000
    case .bt709: return 10000
    case .luma: return 1
    }
  }

  /// The largest key (all channels 255).
  public var maxKey: Int { 255 * weights.reduce(0, +) }

  /// The luminance of `key`, exactly as the tables and the kernel compute it:
  /// `4 * pow(0.2 * (Double(key) / Double(scale)) + 1, 2.2)`. For `mean` this is numpy's
  /// `frames.mean(axis=3)` followed by the exam's formula (spec, "Steps" 1-2), evaluated with the
  /// C library's `pow`.
  @inlinable public func luminance(key: Int) -> Double {
    Flashinator.luminance(gray: Double(key) / Double(scale))
  }
}

extension Flashinator {
  /// The exam's luminance formula, `L = 4 * (0.2 * g + 1) ^ 2.2` (spec, "Steps" 2).
  @inlinable public static func luminance(gray g: Double) -> Double {
    4 * pow(0.2 * g + 1, 2.2)
  }

  /// The 766-entry table of the default mode: `meanLuminanceTable[R + G + B]` is the luminance of
  /// a pixel whose channels sum to `R + G + B` (spec, "Steps" 2).
  public static let meanLuminanceTable: [Double] = (0...765).map {
    GrayMode.mean.luminance(key: $0)
  }

  /// The 256-entry table of `--gray luma`, indexed by Y.
  static let lumaLuminanceTable: [Double] = (0...255).map { GrayMode.luma.luminance(key: $0) }
}

/// Everything the kernel needs to know about a gray mode: how to evaluate L of a key exactly, and
/// an integer stand-in for L that lets it screen pixels without floating point.
///
/// The stand-in is q = floor(L * 2^16) as an Int32 (2^16 is exact to multiply by, and
/// L(765) * 2^16 = 1.56e9 still fits). For mean and luma it is exact per key (a 766- or 256-entry
/// table). For bt601 and bt709, whose keys run to 255000 and 2550000, it is the q of the key's
/// bucket of `1 << bucketShift` keys (about 5000 buckets, a 20 KB table), and `slack` covers the
/// most L can grow inside one bucket.
struct LuminanceModel: Sendable {
  let mode: GrayMode
  /// L by key for mean and luma; nil for the weighted modes, which call `pow`.
  let table: [Double]?
  /// q by key (mean, luma) or by key >> bucketShift (bt601, bt709), with one entry past the top.
  let quantized: [Int32]
  let bucketShift: Int
  /// How far q of a pixel's bucket can fall short of its exact q (0 for the exact tables).
  let slack: Int32
  /// For the table modes: `reach[d]` is the largest change |L(b) - L(a)| of any two keys at most
  /// `d` apart (non-decreasing in d; `reach[0] == 0`), computed from the table's own doubles, so a
  /// key step below `keyStepBound(t)` provably cannot beat a threshold t. Empty for the weighted
  /// modes.
  let reach: [Double]

  static let quantScale = 65536.0

  /// One model per mode, built once.
  static func shared(_ mode: GrayMode) -> LuminanceModel {
    switch mode {
    case .mean: return meanModel
    case .luma: return lumaModel
    case .bt601: return bt601Model
    case .bt709: return bt709Model
    }
  }
  private static let meanModel = LuminanceModel(mode: .mean)
  private static let lumaModel = LuminanceModel(mode: .luma)
  private static let bt601Model = LuminanceModel(mode: .bt601)
  private static let bt709Model = LuminanceModel(mode: .bt709)

  private static func quantize(_ l: Double) -> Int32 { Int32((l * quantScale).rounded(.down)) }

  private init(mode: GrayMode) {
    self.mode = mode
    switch mode {
    case .mean, .luma:
      let table = mode == .mean ? Flashinator.meanLuminanceTable : Flashinator.lumaLuminanceTable
      self.table = table
      self.quantized = table.map(Self.quantize)
      self.bucketShift = 0
      self.slack = 0
      // The exact maximum over all pairs, not the convexity argument (L's growth is at the top),
      // so the table's rounding cannot make the bound wrong.
      var reach = [Double](repeating: 0, count: table.count)
      for d in 1..<table.count {
        var m = reach[d - 1]
        for a in 0..<(table.count - d) { m = Swift.max(m, table[a + d] - table[a]) }
        reach[d] = m
      }
      self.reach = reach
    case .bt601, .bt709:
      let shift = mode == .bt601 ? 6 : 9
      let buckets = (mode.maxKey >> shift) + 2
      let q = (0..<buckets).map { Self.quantize(mode.luminance(key: $0 << shift)) }
      self.table = nil
      self.quantized = q
      self.bucketShift = shift
      // Widest bucket in q units, plus room for pow's last-bit error and the floors.
      self.slack = zip(q.dropFirst(), q).map { $0 - $1 }.max()! + 4
      self.reach = []
    }
  }

  /// The exact luminance of a key, as the spec computes it.
  @inline(__always) func luminance(_ key: Int, table: UnsafePointer<Double>?) -> Double {
    if let table { return table[key] }
    return mode.luminance(key: key)
  }

  /// The screening bound for a threshold: a change can beat `threshold` only if the stand-ins of
  /// its two pixels differ by more than this.
  ///
  /// With q = floor(L * S): q(b) - q(a) > (L(b) - L(a)) * S - 1, so any D > threshold has
  /// q(b) - q(a) >= floor(threshold * S) - 1 (the subtraction's rounding is far below 1 unit);
  /// bucketed stand-ins lose at most `slack` more. A rise at all needs q(b) - q(a) >= 0, and for the
  /// exact tables > 0 (neighbouring entries differ by at least 0.61, i.e. 40000 units), which lets
  /// unchanged pixels skip the exact test while the top k still holds its zero fill.
  @inline(__always) func screeningBound(_ threshold: Double) -> Int32 {
    let scaled = (threshold * Self.quantScale).rounded(.down)
    let floor: Int32 = slack == 0 ? 0 : -1
    if scaled >= Double(Int32.max) { return Int32.max }
    return Swift.max(Int32(scaled) - 2 - slack, floor)
  }

  /// The smallest key step d (|b - a|) whose change can beat `threshold`: `reach[d] > threshold`;
  /// `reach.count` when none can. A change with a smaller key step is at most `reach[d]`, which is
  /// not above the threshold. Table modes only.
  func keyStepBound(_ threshold: Double) -> Int {
    var lo = 0
    var hi = reach.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if reach[mid] > threshold { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }

  /// The per-byte screen of a table mode: when no channel of a pixel rose (fell) by more than this,
  /// its key rose (fell) by at most `channels * byteStepBound`, which is below `keyStepBound`, so its
  /// change cannot beat `threshold`. 255 when no change can.
  func byteStepBound(_ threshold: Double) -> UInt8 {
    let d = keyStepBound(threshold)
    if d >= reach.count { return 255 }
    return UInt8(Swift.min(255, Swift.max(0, d - 1) / mode.channels))
  }
}
