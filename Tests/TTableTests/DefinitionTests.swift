import Foundation
import FrameTensor
import TestSupport
import Testing

@testable import TTable

/// The spec's worked checks (../shared/docs/flashinator-spec.md, "Worked checks"), first on the
/// deltas themselves, then realised with pixels in hand-built frame tensors.
@Suite struct WorkedChecks {
  @Test func examExample1() {
    let r = Flashinator.summarize(deltas: [10, 10, 10, 10, 20, -10, -10, -10, -10, -10])
    #expect(r.p == 12 && r.n == 10 && r.t == 12)
  }

  @Test func examExample2() {
    let r = Flashinator.summarize(deltas: [10, 10, 10, 10, 10, -10, -10, -10, -10, -20])
    #expect(r.p == 10 && r.n == 12 && r.t == -12)
  }

  @Test func onlyThreePixelsBrighten() {
    let r = Flashinator.summarize(deltas: [30, 30, 30] + [Double](repeating: -4, count: 97))
    #expect(r.p == 18 && r.n == 4 && r.t == 18)
    #expect(r.p != (90 - 8) / 5.0, "zero fill, not the top k of all deltas")
  }

  @Test func everyPixelDarkensByTheSameAmount() {
    let r = Flashinator.summarize(deltas: [Double](repeating: -6.5, count: 40))
    #expect(r.p == 0 && r.n == 6.5 && r.t == -6.5)
  }

  @Test func tieGoesToTheNegativeSide() {
    let r = Flashinator.summarize(deltas: [7, 7, 7, 7, 7, -7, -7, -7, -7, -7])
    #expect(r.p == 7 && r.n == 7 && r.t == -7)
  }

  @Test func noChangeIsPositiveZero() {
    let r = Flashinator.summarize(deltas: [0, 0, 0])
    #expect(r.t == 0 && r.t.sign == .plus && r.n.sign == .plus)
    let rows = Flashinator.table(frames: Frames.make(3, 2, 2, 3) { _, _, _ in 77 })
    #expect(rows.count == 2)
    for row in rows {
      #expect(row.t == 0 && row.t.sign == .plus && row.neg.sign == .plus && row.pos == 0)
    }
  }

  @Test func fewerPixelsThanK() {
    // 2 pixels, k = 5: the mean is over the 2 pixels (the staff code's slice [:, :k]).
    #expect(Flashinator.summarize(deltas: [8, -2]).p == 4)
    #expect(Flashinator.summarize(deltas: [8, -2]).n == 1)
    #expect(Flashinator.summarize(deltas: [8, 6, 4], topK: 2).p == 7)
  }

  // MARK: the same checks with pixels. L = meanLuminanceTable[R + G + B].

  static let L = Flashinator.meanLuminanceTable

  /// Two frames of gray pixels (R = G = B) given by their channel sums / 3.
  static func pair(_ before: [Int], _ after: [Int]) -> Tensor<UInt8> {
    let levels = [before, after]
    return Frames.make(2, 1, before.count, 3) { f, p, _ in UInt8(levels[f][p]) }
  }

  @Test func examExample1OnPixels() {
    // Four pixels rise 100 -> 110, one 100 -> 120; five fall 110 -> 100 (by exactly the rise).
    let rows = Flashinator.table(
      frames: Self.pair(
        [100, 100, 100, 100, 100, 110, 110, 110, 110, 110],
        [110, 110, 110, 110, 120, 100, 100, 100, 100, 100]))
    let d1 = Self.L[330] - Self.L[300]
    let d2 = Self.L[360] - Self.L[300]
    let p = ((((d2 + d1) + d1) + d1) + d1) / 5
    let n = ((((d1 + d1) + d1) + d1) + d1) / 5
    #expect(rows == [TRow(frame: 1, time: 1.0 / 30, t: p, pos: p, neg: -n)])
    #expect(p > n)
  }

  @Test func examExample2OnPixels() {
    let rows = Flashinator.table(
      frames: Self.pair(
        [100, 100, 100, 100, 100, 110, 110, 110, 110, 120],
        [110, 110, 110, 110, 110, 100, 100, 100, 100, 100]))
    let d1 = Self.L[330] - Self.L[300]
    let d2 = Self.L[360] - Self.L[300]
    let p = ((((d1 + d1) + d1) + d1) + d1) / 5
    let n = ((((d2 + d1) + d1) + d1) + d1) / 5
    #expect(rows == [TRow(frame: 1, time: 1.0 / 30, t: -n, pos: p, neg: -n)])
  }

  @Test func onlyThreePixelsBrightenOnPixels() {
    let before = [Int](repeating: 100, count: 50)
    var after = [Int](repeating: 96, count: 50)
    after[3] = 130
    after[20] = 130
    after[49] = 130
    let rows = Flashinator.table(frames: Self.pair(before, after))
    let up = Self.L[390] - Self.L[300]
    let down = Self.L[300] - Self.L[288]
    let p = ((up + up) + up) / 5
    let n = ((((down + down) + down) + down) + down) / 5
    #expect(rows.map(\.t) == [p])
    #expect(rows.map(\.pos) == [p] && rows.map(\.neg) == [-n])
  }

  @Test func uniformDarkeningOnPixels() {
    let rows = Flashinator.table(frames: Frames.make(2, 4, 6, 3) { f, _, _ in f == 0 ? 200 : 180 })
    let d = Self.L[600] - Self.L[540]
    let n = ((((d + d) + d) + d) + d) / 5
    #expect(rows.map(\.t) == [-n] && rows.map(\.pos) == [0])
    #expect(abs(n - d) <= d.ulp * 2)
  }

  @Test func tieOnPixels() {
    let rows = Flashinator.table(
      frames: Self.pair(
        [100, 100, 100, 100, 100, 110, 110, 110, 110, 110],
        [110, 110, 110, 110, 110, 100, 100, 100, 100, 100]))
    #expect(rows[0].pos == -rows[0].neg)
    #expect(rows[0].t == rows[0].neg && rows[0].t < 0)
  }

  @Test func tableShapeAndRowIdentity() {
    let frames = Frames.make(4, 2, 3, 3) { f, p, c in UInt8((f * 40 + p * 7 + c) % 256) }
    let rows = Flashinator.table(frames: frames, times: [0, 0.5, 0.75, 2])
    #expect(rows.map(\.frame) == [1, 2, 3])
    #expect(rows.map(\.time) == [0.5, 0.75, 2])
    #expect(Flashinator.table(frames: Frames.make(1, 2, 2, 3) { _, _, _ in 9 }).isEmpty)
    #expect(Flashinator.table(frames: Tensor(shape: [0, 2, 2, 3], repeating: 0)).isEmpty)
  }

  @Test func staffSliceOfTenIsTopKTen() {
    // Twelve rising pixels: k = 10 averages the ten largest, k = 5 the five largest.
    let before = [Int](repeating: 50, count: 12)
    let after = (0..<12).map { 60 + 5 * $0 }
    let frames = Self.pair(before, after)
    let d = after.map { Self.L[3 * $0] - Self.L[150] }.sorted(by: >)
    let ten = Flashinator.table(frames: frames, topK: 10)[0].t
    let five = Flashinator.table(frames: frames, topK: 5)[0].t
    let r = ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))
    #expect(ten == ((r + d[8]) + d[9]) / 10)
    #expect(five == ((((d[0] + d[1]) + d[2]) + d[3]) + d[4]) / 5)
  }
}

@Suite struct LuminanceTests {
  @Test func meanTableIsTheFormula() {
    let table = Flashinator.meanLuminanceTable
    #expect(table.count == 766)
    #expect(table[0] == 4)
    for s in 0...765 {
      #expect(table[s] == 4 * pow(0.2 * (Double(s) / 3) + 1, 2.2))
    }
    for s in 1...765 { #expect(table[s] > table[s - 1]) }
    // Convex: each step larger than the one before (the kernel's screening relies on monotonicity).
    for s in 2...765 { #expect(table[s] - table[s - 1] > table[s - 1] - table[s - 2]) }
  }

  @Test(arguments: GrayMode.allCases)
  func grayModesComputeWhatTheDocsSay(mode: GrayMode) {
    var g = SeededGenerator(seed: 7)
    for _ in 0..<200 {
      let px = (0..<mode.channels).map { _ in UInt8.random(in: 0...255, using: &g) }
      let key = zip(px, mode.weights).map { Int($0) * $1 }.reduce(0, +)
      #expect(mode.luminance(key: key) == Reference.luminance(Reference.gray(px[...], mode)))
    }
    #expect(mode.luminance(key: mode.maxKey) == Reference.luminance(255))
  }

  @Test func allModesAgreeOnNeutralGray() {
    // R = G = B = Y: every weighting gives g = Y exactly, so all four modes give identical rows.
    var g = SeededGenerator(seed: 11)
    let levels = (0..<(5 * 24)).map { _ in UInt8.random(in: 0...255, using: &g) }
    let rgb = Frames.make(5, 4, 6, 3) { f, p, _ in levels[f * 24 + p] }
    let y = Frames.make(5, 4, 6, 1) { f, p, _ in levels[f * 24 + p] }
    let mean = Flashinator.table(frames: rgb)
    #expect(Flashinator.table(frames: rgb, gray: .bt601) == mean)
    #expect(Flashinator.table(frames: rgb, gray: .bt709) == mean)
    #expect(Flashinator.table(frames: y, gray: .luma) == mean)
  }

  @Test func weightedModesDifferFromMeanOnColour() {
    // Pure green changes: bt601/bt709 weigh green more than 1/3, so they see a bigger change.
    let frames = Frames.make(2, 1, 8, 3) { f, _, c in c == 1 ? (f == 0 ? 0 : 200) : 10 }
    let mean = Flashinator.table(frames: frames)[0].t
    #expect(Flashinator.table(frames: frames, gray: .bt601)[0].t > mean)
    #expect(
      Flashinator.table(frames: frames, gray: .bt709)[0].t
        > Flashinator.table(frames: frames, gray: .bt601)[0].t)
  }

  @Test func numpySumOrder() {
    // Below 8 values: left to right. 8 or more: eight partial sums, then the rest.
    let a: [Double] = [1e16, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    let big: Double = 1e16
    let one: Double = 1
    let sequential: Double = (((big + one) + one) + one) + one
    #expect(Flashinator.numpySum(Array(a.prefix(5))) == sequential)
    let left: Double = (a[0] + a[1]) + (a[2] + a[3])
    let right: Double = (a[4] + a[5]) + (a[6] + a[7])
    let pairwise: Double = ((left + right) + a[8]) + a[9]
    #expect(Flashinator.numpySum(a) == pairwise)
    #expect(Flashinator.numpySum(a) != a.reduce(0, +))
  }
}
