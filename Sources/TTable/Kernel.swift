internal import CTKernel
import Foundation
import Frames

/// The per-delta-frame computation of P and N (spec, "Steps" 1-5) over a run of frames.
///
/// Design (Docs/Algorithm.md, "Kernel"):
/// - No frame of doubles is ever materialised; each pair keeps its k largest rises and falls in a
///   `TopK`, and a change can only enter by beating the smallest kept value.
/// - mean and luma: pairs are screened on their raw bytes, 64 pixels at a time with SIMD16<UInt8>
///   saturating differences against a per-byte bound derived from the threshold
///   (`LuminanceModel.byteStepBound`); only pixels that pass are summed and looked up exactly.
/// - bt601 and bt709: each pixel of each frame gets an integer stand-in for L (q, see
///   `LuminanceModel`), compared 32 pixels at a time with Int32 arithmetic; only pixels that pass
///   get the exact D by `pow`.
/// - The frames are walked in strips of `stripPixels` pixels, so a strip of every frame of the run
///   stays in cache while its pairs are screened.
/// - mean and luma run in C (`CTKernel`, `TKernelPath`) unless `path` is `.swift` (the Swift code
///   below, which the tests compare the C paths with): the same screen and exact test in groups of
///   16 pixels (32 with AVX2), with a software prefetch of the frames, since the screen waits on
///   memory rather than arithmetic. Every path keeps the same values, bit for bit.
struct FlashKernel {
  let model: LuminanceModel
  let topK: Int
  /// Which implementation of the table modes runs (bt601 and bt709 always run the Swift code).
  var path: TKernelPath = .environmentChoice
  /// 4096 pixels: a 17-frame run's stand-ins fill 272 KB, inside L2.
  static let stripPixels = 4096
  static let block = 32

  /// P and N of the pairs (frames[i], frames[i + 1]); `frames` are base addresses of frames of
  /// `pixels` pixels, `model.mode.channels` bytes each.
  func pairs(frames: [UnsafePointer<UInt8>], pixels: Int) -> [(p: Double, n: Double)] {
    guard frames.count >= 2 else { return [] }
    let kept = min(topK, pixels)
    var states = Self.freshStates(pairs: frames.count - 1, kept: kept)
    if kept > 0 && model.table != nil && path != .swift {
      runC(frames: frames, pixels: pixels, states: &states)
    } else if kept > 0 {
      model.quantized.withUnsafeBufferPointer { q in
        func go(_ table: UnsafePointer<Double>?) {
          let q = q.baseAddress!
          switch model.mode {
          case .mean:
            runBytes(
              MeanPixels(q: q, table: table!), frames: frames, pixels: pixels, states: &states)
          case .luma:
            runBytes(
              LumaPixels(q: q, table: table!), frames: frames, pixels: pixels, states: &states)
          case .bt601:
            run(
              WeightedPixels(
                q: q, shift: model.bucketShift, wr: 299, wg: 587, wb: 114, mode: .bt601),
              frames: frames, pixels: pixels, states: &states)
          case .bt709:
            run(
              WeightedPixels(
                q: q, shift: model.bucketShift, wr: 2126, wg: 7152, wb: 722, mode: .bt709),
              frames: frames, pixels: pixels, states: &states)
          }
        }
        if let table = model.table {
          table.withUnsafeBufferPointer { go($0.baseAddress!) }
        } else {
          go(nil)
        }
      }
    }
    return states.map { ($0.pos.mean, $0.neg.mean) }
  }

  /// P and N of the pairs of key planes (`PixelLayout.rgbSum`: each pixel's R + G + B as a
  /// `UInt16`) in the mean mode: the same values `pairs` gives for the frames' RGB bytes. Always
  /// the C kernel (`fs_t_pairs_sum`; `.swift` runs its portable path).
  func pairsOfSums(frames: [UnsafePointer<UInt8>], pixels: Int) -> [(p: Double, n: Double)] {
    precondition(model.mode == .mean, "key planes hold R + G + B: the mean mode's key")
    guard frames.count >= 2 else { return [] }
    let kept = min(topK, pixels)
    var states = Self.freshStates(pairs: frames.count - 1, kept: kept)
    if kept > 0 { runC(frames: frames, pixels: pixels, states: &states, sums: true) }
    return states.map { ($0.pos.mean, $0.neg.mean) }
  }

  /// P and N of the pairs of `RGBSumFrames` frames (`PixelLayout.rgbSumFromPlanes`) of `width` x
  /// `height` pixels in the mean mode: the same values `pairsOfSums` gives for their key planes,
  /// with the keys of held planes computed a strip at a time (`fs_t_pairs_frames`).
  func pairsOfSumFrames(_ frames: [RGBSumFrame], width: Int, height: Int) -> [(
    p: Double, n: Double
  )] {
    precondition(model.mode == .mean, "RGB-sum frames give R + G + B: the mean mode's key")
    guard frames.count >= 2 else { return [] }
    let kept = min(topK, width * height)
    var states = Self.freshStates(pairs: frames.count - 1, kept: kept)
    if kept > 0 {
      let cFrames = frames.map { frame -> fs_t_frame in
        var f = fs_t_frame()
        switch frame {
        case .keys(let keys):
          f.keys = keys
        case .planes(let y, let u, let v, let strides, let c, let path):
          precondition(c.count == 8, "eight conversion constants")
          f.y = y
          f.u = u
          f.v = v
          f.y_stride = strides.y
          f.u_stride = strides.u
          f.v_stride = strides.v
          f.coefficients = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
          f.conversion_path = path
        }
        return f
      }
      runC(pixels: width * height, states: &states) { cModel, pairs in
        cFrames.withUnsafeBufferPointer {
          fs_t_pairs_frames(
            &cModel, $0.baseAddress, Int32(frames.count), Int32(width), Int32(height), pairs,
            path.cValue)
        }
      }
    }
    return states.map { ($0.pos.mean, $0.neg.mean) }
  }

  /// The table modes in C: the pairs' top-k lists are handed over as flat arrays and back.
  /// `sums`: the frames are key planes (`fs_t_pairs_sum`), else bytes (`fs_t_pairs`).
  private func runC(
    frames: [UnsafePointer<UInt8>], pixels: Int, states: inout [PairState], sums: Bool = false
  ) {
    runC(pixels: pixels, states: &states) { cModel, pairs in
      if sums {
        let keyPlanes: [UnsafePointer<UInt16>?] = frames.map {
          UnsafeRawPointer($0).assumingMemoryBound(to: UInt16.self)
        }
        return fs_t_pairs_sum(
          &cModel, keyPlanes, Int32(frames.count), pixels, pairs, path.cValue)
      }
      let framePointers: [UnsafePointer<UInt8>?] = frames
      return fs_t_pairs(&cModel, framePointers, Int32(frames.count), pixels, pairs, path.cValue)
    }
  }

  /// Hands `states` to `call` as the C kernel's model and pairs, and its results back.
  private func runC(
    pixels: Int, states: inout [PairState],
    _ call: (inout fs_t_model, UnsafeMutablePointer<fs_t_pair>) -> Int32
  ) {
    let k = states[0].pos.values.count
    let count = states.count
    var pos = states.flatMap(\.pos.values)
    var neg = states.flatMap(\.neg.values)
    let status = model.table!.withUnsafeBufferPointer { table in
      model.reach.withUnsafeBufferPointer { reach in
        pos.withUnsafeMutableBufferPointer { pos in
          neg.withUnsafeMutableBufferPointer { neg in
            var cModel = fs_t_model(
              table: table.baseAddress, reach: reach.baseAddress, count: Int32(table.count),
              channels: Int32(model.mode.channels))
            var pairs = (0..<count).map {
              fs_t_pair(
                pos: pos.baseAddress! + $0 * k, neg: neg.baseAddress! + $0 * k, k: Int32(k))
            }
            return call(&cModel, &pairs)
          }
        }
      }
    }
    precondition(status == 0, "the C T kernel refused its arguments (\(status))")
    for p in 0..<count {
      states[p].pos = TopK(values: Array(pos[(p * k)..<((p + 1) * k)]))
      states[p].neg = TopK(values: Array(neg[(p * k)..<((p + 1) * k)]))
    }
  }

  /// `pairs` states with empty top-k lists of `kept` values.
  static func freshStates(pairs: Int, kept: Int) -> [PairState] {
    [PairState](
      repeating: PairState(
        pos: TopK(capacity: kept), neg: TopK(capacity: kept), riseBound: 0, fallBound: 0),
      count: pairs)
  }

  struct PairState {
    var pos: TopK
    var neg: TopK
    /// A rise (fall) of the stand-ins must exceed this to be tested exactly.
    var riseBound: Int32
    var fallBound: Int32
  }

  @inline(__always)
  private func run<P: PixelLuminance>(
    _ pixelsOf: P, frames: [UnsafePointer<UInt8>], pixels: Int, states: inout [PairState]
  ) {
    let strip = Self.stripPixels
    let frameCount = frames.count
    let channels = P.channels
    let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: strip * frameCount)
    defer { buffer.deallocate() }
    states.withUnsafeMutableBufferPointer { states in
      var start = 0
      while start < pixels {
        let len = min(strip, pixels - start)
        for f in 0..<frameCount {
          pixelsOf.quantize(frames[f] + start &* channels, buffer + f &* strip, len)
        }
        for p in 0..<(frameCount - 1) {
          screenPair(
            pixelsOf, prev: buffer + p &* strip, cur: buffer + (p + 1) &* strip, count: len,
            prevFrame: frames[p] + start &* channels, curFrame: frames[p + 1] + start &* channels,
            state: &states[p])
        }
        start += len
      }
    }
  }

  /// The table modes: screen each pair on its raw bytes, 64 pixels at a time, with SSE2-width
  /// saturating byte differences against the per-byte bounds of `LuminanceModel.byteStepBound`;
  /// only blocks where some channel moved far enough are summed and looked up. No per-frame pass
  /// at all, so a chunk's previous frame costs only a read.
  @inline(__always)
  private func runBytes<P: PixelLuminance>(
    _ pixelsOf: P, frames: [UnsafePointer<UInt8>], pixels: Int, states: inout [PairState]
  ) {
    let strip = Self.stripPixels
    let channels = P.channels
    var bounds = [ByteBounds](
      repeating: ByteBounds(model: model, rise: 0, fall: 0), count: frames.count - 1)
    states.withUnsafeMutableBufferPointer { states in
      bounds.withUnsafeMutableBufferPointer { bounds in
        var start = 0
        while start < pixels {
          let len = min(strip, pixels - start)
          for p in 0..<(frames.count - 1) {
            screenBytes(
              pixelsOf, prev: frames[p] + start &* channels, cur: frames[p + 1] + start &* channels,
              count: len, state: &states[p], bounds: &bounds[p])
          }
          start += len
        }
      }
    }
  }

  /// The byte screen's state for one pair: the per-byte bounds as vectors and the key-step bounds.
  struct ByteBounds {
    var riseBytes: SIMD16<UInt8>
    var fallBytes: SIMD16<UInt8>
    var riseStep: Int
    var fallStep: Int
    init(model: LuminanceModel, rise: Double, fall: Double) {
      riseBytes = SIMD16(repeating: model.byteStepBound(rise))
      fallBytes = SIMD16(repeating: model.byteStepBound(fall))
      riseStep = model.keyStepBound(rise)
      fallStep = model.keyStepBound(fall)
    }
  }

  static let byteBlockPixels = 64
  static let byteGroupPixels = 16

  @inline(__always)
  private func screenBytes<P: PixelLuminance>(
    _ pixelsOf: P, prev: UnsafePointer<UInt8>, cur: UnsafePointer<UInt8>, count: Int,
    state: inout PairState, bounds: inout ByteBounds
  ) {
    let block = Self.byteBlockPixels
    let group = Self.byteGroupPixels
    // One group of 16 pixels is `channels` vectors of 16 bytes.
    let groupVectors = P.channels
    let prevRaw = UnsafeRawPointer(prev)
    let curRaw = UnsafeRawPointer(cur)
    var i = 0
    while i < count {
      let end = min(i &+ block, count)
      if end &- i == block {
        let rise = bounds.riseBytes
        let fall = bounds.fallBytes
        var hits = 0
        var offset = i &* P.channels
        for g in 0..<(block / group) {
          var acc = SIMD16<UInt8>()
          for _ in 0..<groupVectors {
            let c = curRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
            let p = prevRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
            acc |=
              saturatingSub(saturatingSub(c, p), rise) | saturatingSub(saturatingSub(p, c), fall)
            offset &+= 16
          }
          let words = unsafeBitCast(acc, to: SIMD2<UInt64>.self)
          hits |= (words[0] | words[1] == 0 ? 0 : 1) &<< g
        }
        // Only the groups of 16 pixels where some channel moved far enough are tested exactly.
        while hits != 0 {
          let g = hits.trailingZeroBitCount
          hits &= hits &- 1
          let from = i &+ g &* group
          if P.channels == 3 {
            // Key steps of the group's 16 pixels in Int16 lanes: most groups that pass the byte
            // screen (one channel moved far) still fail the key-step bound.
            var most = Int32.min
            var least = Int32.max
            for k in 0..<16 {
              let j = (from &+ k) &* 3
              let a = Int32(prev[j]) &+ Int32(prev[j &+ 1]) &+ Int32(prev[j &+ 2])
              let b = Int32(cur[j]) &+ Int32(cur[j &+ 1]) &+ Int32(cur[j &+ 2])
              most = max(most, b &- a)
              least = min(least, b &- a)
            }
            if Int(most) < bounds.riseStep && -Int(least) < bounds.fallStep { continue }
          }
          testExactly(
            pixelsOf, prev: prev, cur: cur, from: from, to: from &+ group, state: &state,
            bounds: &bounds)
        }
      } else {
        testExactly(
          pixelsOf, prev: prev, cur: cur, from: i, to: end, state: &state, bounds: &bounds)
      }
      i = end
    }
  }

  /// The exact test of pixels from..<to: keys, the key-step bound, then D in double against the
  /// top k.
  @inline(__always)
  private func testExactly<P: PixelLuminance>(
    _ pixelsOf: P, prev: UnsafePointer<UInt8>, cur: UnsafePointer<UInt8>, from: Int, to: Int,
    state: inout PairState, bounds: inout ByteBounds
  ) {
    var rose = false
    var fell = false
    for j in from..<to {
      let a = pixelsOf.key(prev, j)
      let b = pixelsOf.key(cur, j)
      if b &- a >= bounds.riseStep {
        let e = pixelsOf.luminance(b) - pixelsOf.luminance(a)
        if e > state.pos.threshold {
          state.pos.insert(e)
          rose = true
        }
      } else if a &- b >= bounds.fallStep {
        let e = pixelsOf.luminance(a) - pixelsOf.luminance(b)
        if e > state.neg.threshold {
          state.neg.insert(e)
          fell = true
        }
      }
    }
    if rose || fell {
      bounds = ByteBounds(model: model, rise: state.pos.threshold, fall: state.neg.threshold)
    }
  }

  @inline(__always)
  private func screenPair<P: PixelLuminance>(
    _ pixelsOf: P, prev: UnsafePointer<Int32>, cur: UnsafePointer<Int32>, count: Int,
    prevFrame: UnsafePointer<UInt8>, curFrame: UnsafePointer<UInt8>, state: inout PairState
  ) {
    var i = 0
    let block = Self.block
    while i < count {
      let end = min(i + block, count)
      let rise = state.riseBound
      let fall = state.fallBound
      if end - i == block {
        var hit: Int32 = 0
        for j in 0..<block {
          let d = cur[i &+ j] &- prev[i &+ j]
          hit |= (d > rise ? 1 : 0) | (d &+ fall < 0 ? 1 : 0)
        }
        if hit == 0 {
          i = end
          continue
        }
      }
      var rose = false
      var fell = false
      for j in i..<end {
        let d = cur[j] &- prev[j]
        if d > rise {
          let a = pixelsOf.key(prevFrame, j)
          let b = pixelsOf.key(curFrame, j)
          if b > a {
            let e = pixelsOf.luminance(b) - pixelsOf.luminance(a)
            if e > state.pos.threshold {
              state.pos.insert(e)
              rose = true
            }
          }
        } else if d &+ fall < 0 {
          let a = pixelsOf.key(prevFrame, j)
          let b = pixelsOf.key(curFrame, j)
          if a > b {
            let e = pixelsOf.luminance(a) - pixelsOf.luminance(b)
            if e > state.neg.threshold {
              state.neg.insert(e)
              fell = true
            }
          }
        }
      }
      if rose { state.riseBound = model.screeningBound(state.pos.threshold) }
      if fell { state.fallBound = model.screeningBound(state.neg.threshold) }
      i = end
    }
  }
}

/// max(a - b, 0) per byte; LLVM lowers it to SSE2's `psubusb`.
@inline(__always)
func saturatingSub(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
  a.replacing(with: b, where: a .< b) &- b
}

/// How one gray mode turns pixels into keys, stand-ins and exact luminances.
protocol PixelLuminance {
  static var channels: Int { get }
  /// dst[i] = the stand-in q of pixel i of `src`.
  func quantize(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Int32>, _ n: Int)
  /// The key of pixel `j` of `frame`.
  func key(_ frame: UnsafePointer<UInt8>, _ j: Int) -> Int
  /// The exact luminance of a key.
  func luminance(_ key: Int) -> Double
}

/// The default mode: key R + G + B, L from the 766-entry table.
struct MeanPixels: PixelLuminance {
  let q: UnsafePointer<Int32>
  let table: UnsafePointer<Double>
  static var channels: Int { 3 }
  @inline(__always) func quantize(
    _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Int32>, _ n: Int
  ) {
    for i in 0..<n {
      dst[i] = q[Int(src[3 &* i]) &+ Int(src[3 &* i &+ 1]) &+ Int(src[3 &* i &+ 2])]
    }
  }
  @inline(__always) func key(_ frame: UnsafePointer<UInt8>, _ j: Int) -> Int {
    Int(frame[3 &* j]) &+ Int(frame[3 &* j &+ 1]) &+ Int(frame[3 &* j &+ 2])
  }
  @inline(__always) func luminance(_ key: Int) -> Double { table[key] }
}

/// `--gray luma`: key Y, L from a 256-entry table.
struct LumaPixels: PixelLuminance {
  let q: UnsafePointer<Int32>
  let table: UnsafePointer<Double>
  static var channels: Int { 1 }
  @inline(__always) func quantize(
    _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Int32>, _ n: Int
  ) {
    for i in 0..<n { dst[i] = q[Int(src[i])] }
  }
  @inline(__always) func key(_ frame: UnsafePointer<UInt8>, _ j: Int) -> Int { Int(frame[j]) }
  @inline(__always) func luminance(_ key: Int) -> Double { table[key] }
}

/// `--gray bt601|bt709`: key = integer-weighted sum, stand-in from the key's bucket, L by `pow`.
struct WeightedPixels: PixelLuminance {
  let q: UnsafePointer<Int32>
  let shift: Int
  let wr: Int
  let wg: Int
  let wb: Int
  let mode: GrayMode
  static var channels: Int { 3 }
  @inline(__always) func quantize(
    _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Int32>, _ n: Int
  ) {
    for i in 0..<n { dst[i] = q[key(src, i) &>> shift] }
  }
  @inline(__always) func key(_ frame: UnsafePointer<UInt8>, _ j: Int) -> Int {
    wr &* Int(frame[3 &* j]) &+ wg &* Int(frame[3 &* j &+ 1]) &+ wb &* Int(frame[3 &* j &+ 2])
  }
  @inline(__always) func luminance(_ key: Int) -> Double { mode.luminance(key: key) }
}

/// The implementations of the table modes' pair kernel (mean and luma; bt601 and bt709 always run
/// the Swift code). Every one keeps the same top-k values, bit for bit; they differ only in speed.
/// `FLASHSCAN_CPU=generic` forces the portable C path (Docs/Benchmarks.md).
public enum TKernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
  /// The Swift kernel (`SIMD16<UInt8>` screening): the reference the tests compare the C paths
  /// with (not a `FLASHSCAN_CPU` value).
  case swift
  /// Portable C the compiler vectorises (SSE2 on x86-64, NEON on arm64), 16 pixels a group.
  case generic
  /// x86-64 with AVX2: 32-byte vectors, 32 pixels a group.
  case avx2

  var cValue: Int32 {
    switch self {
    case .swift, .generic: return Int32(FS_T_PATH_GENERIC)
    case .avx2: return Int32(FS_T_PATH_AVX2)
    }
  }

  public var description: String { rawValue }

  /// Whether this CPU (and this build) runs it.
  public var isAvailable: Bool { self == .swift || fs_t_path_available(cValue) != 0 }

  /// The paths this CPU runs, `swift` first.
  public static var available: [TKernelPath] { allCases.filter(\.isAvailable) }

  /// The fastest path this CPU runs.
  public static var best: TKernelPath {
    Int(fs_t_best_path()) == Int(FS_T_PATH_AVX2) ? .avx2 : .generic
  }

  /// The path for a `FLASHSCAN_CPU` value: `generic` is the portable C path; `avx2` is the AVX2
  /// path where the CPU has it; anything else (none, `avx512`, which has no T kernel of its own,
  /// or a value the CLI warns about) is the best path.
  public static func choice(forEnvironmentValue value: String?) -> TKernelPath {
    switch value {
    case "generic": return .generic
    default: return best
    }
  }

  /// This process's choice, from its `FLASHSCAN_CPU` (read once).
  public static let environmentChoice = choice(
    forEnvironmentValue: ProcessInfo.processInfo.environment["FLASHSCAN_CPU"])
}
