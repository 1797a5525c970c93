import Foundation
import FrameTensor
import TTable
import TestSupport

/// A plain, obviously-correct reading of the spec (../shared/docs/flashinator-spec.md), written
/// independently of the engine: per-pixel gray and luminance in Double straight from the formula,
/// full delta-frames, full sorts, the top k summed in numpy's order, divided by min(k, pixels).
enum Reference {
  static func gray(_ pixel: ArraySlice<UInt8>, _ mode: GrayMode) -> Double {
    let c = pixel.map { Int($0) }
    switch mode {
    case .mean: return Double(c[0] + c[1] + c[2]) / 3
    case .bt601: return Double(299 * c[0] + 587 * c[1] + 114 * c[2]) / 1000
    case .bt709: return Double(2126 * c[0] + 7152 * c[1] + 722 * c[2]) / 10000
    case .luma: return Double(c[0])
    }
  }

  static func luminance(_ g: Double) -> Double { 4 * pow(0.2 * g + 1, 2.2) }

  /// numpy's add.reduce order for n <= 128 (pairwise_sum): left to right below 8 values, else
  /// 8 running partial sums combined pairwise, then the rest left to right.
  static func numpyOrderSum(_ a: [Double]) -> Double {
    precondition(a.count <= 128)
    if a.count < 8 { return a.reduce(0, +) }
    var r = Array(a[0..<8])
    var i = 8
    while i + 8 <= a.count {
      for j in 0..<8 { r[j] += a[i + j] }
      i += 8
    }
    var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < a.count {
      res += a[i]
      i += 1
    }
    return res
  }

  /// Mean of the k largest of `values` (already clamped at 0), over min(k, count) values.
  static func topMean(_ values: [Double], _ k: Int) -> Double {
    let top = Array(values.sorted(by: >).prefix(k))
    return numpyOrderSum(top) / Double(top.count)
  }

  static func table(_ frames: Tensor<UInt8>, topK k: Int, gray mode: GrayMode) -> [(
    p: Double, n: Double, t: Double
  )] {
    let (f, h, w, c) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3])
    let s = frames.storage
    let lum: [[Double]] = (0..<f).map { i in
      (0..<(h * w)).map { p in
        let start = (i * h * w + p) * c
        return luminance(gray(s[start..<(start + c)], mode))
      }
    }
    return (1..<max(f, 1)).map { i in
      let d = zip(lum[i], lum[i - 1]).map { $0 - $1 }
      let p = topMean(d.map { max($0, 0) }, k)
      let n = topMean(d.map { max(-$0, 0) }, k)
      var t = p > n ? p : -n
      if t == 0 { t = 0 }
      return (p, n, t)
    }
  }
}

/// Frame tensors for tests.
enum Frames {
  /// (F, H, W, C) tensor whose frame i is `pixel(i, p)` repeated over channels from `values`.
  static func make(_ f: Int, _ h: Int, _ w: Int, _ c: Int, _ value: (Int, Int, Int) -> UInt8)
    -> Tensor<UInt8>
  {
    var storage: [UInt8] = []
    storage.reserveCapacity(f * h * w * c)
    for i in 0..<f {
      for p in 0..<(h * w) {
        for ch in 0..<c { storage.append(value(i, p, ch)) }
      }
    }
    return Tensor(shape: [f, h, w, c], storage: storage)
  }

  /// Random frames in one of several styles that stress the spec's corner cases.
  static func random(
    _ f: Int, _ h: Int, _ w: Int, _ c: Int, style: Int, using g: inout SeededGenerator
  ) -> Tensor<UInt8> {
    let n = h * w
    var storage = [UInt8](repeating: 0, count: f * n * c)
    var previous = (0..<(n * c)).map { _ in UInt8.random(in: 0...255, using: &g) }
    for i in 0..<f {
      var frame = previous
      switch style {
      case 0:  // independent noise
        frame = (0..<(n * c)).map { _ in UInt8.random(in: 0...255, using: &g) }
      case 1:  // uniform frames (every pixel equal), random level
        let v = UInt8.random(in: 0...255, using: &g)
        frame = [UInt8](repeating: v, count: n * c)
      case 2:  // most pixels darken a little, only 0-3 pixels brighten
        frame = previous.map { $0 > 8 ? $0 - UInt8.random(in: 0...8, using: &g) : $0 }
        for _ in 0..<Int.random(in: 0...3, using: &g) {
          let p = Int.random(in: 0..<n, using: &g)
          for ch in 0..<c {
            frame[p * c + ch] = frame[p * c + ch] > 200 ? 255 : frame[p * c + ch] + 50
          }
        }
      case 3:  // static frame, then and a few small changes (many ties and zeros)
        if i % 2 == 1 {
          for _ in 0..<Int.random(in: 0...4, using: &g) {
            frame[Int.random(in: 0..<(n * c), using: &g)] = UInt8.random(in: 0...255, using: &g)
          }
        }
      default:  // small noise around the previous frame, sometimes a flash
        let flash =
          Int.random(in: 0..<4, using: &g) == 0 ? Int.random(in: -120...120, using: &g) : 0
        frame = previous.map {
          UInt8(clamping: Int($0) + flash + Int.random(in: -3...3, using: &g))
        }
      }
      storage.replaceSubrange((i * n * c)..<((i + 1) * n * c), with: frame)
      previous = frame
    }
    return Tensor(shape: [f, h, w, c], storage: storage)
  }
}
