import FrameTensor
import TestSupport
import Testing

@testable import TTable

/// Random frame tensors against the sort-based reference in Reference.swift. Equality is exact:
/// the reference sums the top k in numpy's order, which is the order the engine documents.
@Suite struct PropertyTests {
  struct Case: CustomStringConvertible {
    let f, h, w, style, k: Int
    var description: String { "F\(f) \(h)x\(w) style \(style) k \(k)" }
  }

  /// Small shapes, including frames with fewer pixels than k (1x1, 1x3, 2x2).
  static let shapes: [(Int, Int, Int)] = [
    (2, 1, 1), (3, 1, 3), (4, 2, 2), (3, 3, 5), (5, 4, 7), (3, 9, 11), (2, 33, 41),
  ]

  static func check(mode: GrayMode, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    for (f, h, w) in shapes {
      for style in 0..<5 {
        for k in [1, 5, 10] {
          let frames = Frames.random(f, h, w, mode.channels, style: style, using: &g)
          let got = Flashinator.table(frames: frames, topK: k, gray: mode)
          let want = Reference.table(frames, topK: k, gray: mode)
          let label = Case(f: f, h: h, w: w, style: style, k: k)
          #expect(got.count == want.count, "\(label)")
          for (row, ref) in zip(got, want) {
            #expect(
              row.t == ref.t && row.pos == ref.p && row.neg == (ref.n == 0 ? 0 : -ref.n),
              "\(label) frame \(row.frame): got \(row), want \(ref)")
            #expect(row.t.sign == .plus || row.t != 0)
          }
        }
      }
    }
  }

  @Test(arguments: GrayMode.allCases)
  func matchesReference(mode: GrayMode) {
    Self.check(mode: mode, seed: 0x5EED + UInt64(mode.rawValue.count))
  }

  @Test func largerFramesCrossStripsAndBlocks() {
    // 4355 pixels: more than one 4096-pixel strip, a partial block at the end.
    var g = SeededGenerator(seed: 99)
    for style in [0, 2, 4] {
      let frames = Frames.random(3, 67, 65, 3, style: style, using: &g)
      for k in [1, 5, 10] {
        let got = Flashinator.table(frames: frames, topK: k)
        let want = Reference.table(frames, topK: k, gray: .mean)
        #expect(got.map(\.t) == want.map(\.t), "style \(style) k \(k)")
        #expect(got.map(\.pos) == want.map(\.p), "style \(style) k \(k)")
      }
    }
  }

  @Test func largeK() {
    // k larger than the insertion sort's sweet spot and than some frames' pixel counts.
    var g = SeededGenerator(seed: 3)
    let frames = Frames.random(3, 5, 6, 3, style: 0, using: &g)
    for k in [29, 30, 31, 100] {
      let got = Flashinator.table(frames: frames, topK: k)
      let sums = Reference.table(frames, topK: k, gray: .mean)
      #expect(got.map(\.t) == sums.map(\.t), "k \(k)")
    }
  }

  /// Frames large enough for the byte screen's 64-pixel blocks, in both table modes: every random
  /// style, plus sparse winners hidden among pixels where one channel swings hard while the key
  /// barely moves (they pass the byte screen but not the key-step bound).
  @Test(arguments: [GrayMode.mean, .luma])
  func byteScreenBlocksMatchReference(mode: GrayMode) {
    var g = SeededGenerator(seed: 0xB17E + UInt64(mode.channels))
    let c = mode.channels
    let (f, h, w) = (5, 37, 71)  // 2627 pixels: 41 whole blocks and a partial one
    var cases: [Tensor<UInt8>] = (0..<5).map { Frames.random(f, h, w, c, style: $0, using: &g) }
    var storage = [UInt8](repeating: 0, count: f * h * w * c)
    for i in storage.indices { storage[i] = UInt8.random(in: 100...140, using: &g) }
    for frame in 1..<f {
      let base = frame * h * w * c
      for p in 0..<(h * w) {
        for ch in 0..<c {
          storage[base + p * c + ch] =
            storage[base - h * w * c + p * c + ch] &+ UInt8.random(in: 0...2, using: &g) &- 1
        }
        if c == 3 && Int.random(in: 0..<5, using: &g) == 0 {
          // Two channels far apart: a big byte step, a small key step.
          storage[base + p * 3] = 30
          storage[base + p * 3 + 1] = 230
        }
      }
      for _ in 0..<Int.random(in: 1...8, using: &g) {
        let p = Int.random(in: 0..<(h * w), using: &g)
        let v = UInt8.random(in: 0...255, using: &g)
        for ch in 0..<c { storage[base + p * c + ch] = v }
      }
    }
    cases.append(Tensor(shape: [f, h, w, c], storage: storage))
    for (index, frames) in cases.enumerated() {
      for k in [1, 5, 10] {
        let got = Flashinator.table(frames: frames, topK: k, gray: mode)
        let want = Reference.table(frames, topK: k, gray: mode)
        #expect(got.map(\.t) == want.map(\.t), "case \(index) k \(k)")
        #expect(got.map(\.pos) == want.map(\.p), "case \(index) k \(k)")
        #expect(got.map(\.neg) == want.map { $0.n == 0 ? 0 : -$0.n }, "case \(index) k \(k)")
      }
    }
  }
}
