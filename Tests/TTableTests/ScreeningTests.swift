import TestSupport
import Testing

@testable import TTable

/// The kernel skips a pixel when its integer stand-ins say its change cannot beat the current k-th
/// value. These tests check that claim directly: no change above a threshold is ever screened out.
@Suite struct ScreeningTests {
  /// Every ordered pair of keys of a table mode, against every threshold that matters: the next
  /// smaller distinct change (the tightest case the top k can present).
  @Test(arguments: [GrayMode.mean, .luma])
  func exactTablesNeverScreenOutAWinner(mode: GrayMode) {
    let model = LuminanceModel.shared(mode)
    let table = model.table!
    let q = model.quantized
    var changes: [(d: Double, qd: Int32)] = []
    for a in 0..<table.count {
      for b in (a + 1)..<table.count { changes.append((table[b] - table[a], q[b] - q[a])) }
    }
    changes.sort { $0.d < $1.d }
    var missed = 0
    var previous = 0.0
    for c in changes {
      // A rise of c.d must pass when the threshold is anything below it, in particular the
      // largest smaller change, and 0 (the zero fill).
      if !(c.qd > model.screeningBound(previous)) { missed += 1 }
      if !(c.qd > model.screeningBound(0)) { missed += 1 }
      if c.d > previous { previous = c.d }
    }
    #expect(missed == 0)
    #expect(changes.count == table.count * (table.count - 1) / 2)
  }

  /// The bucketed stand-ins of bt601 / bt709: random key pairs against the threshold just below
  /// their change.
  @Test(arguments: [GrayMode.bt601, .bt709])
  func bucketedStandInsNeverScreenOutAWinner(mode: GrayMode) {
    let model = LuminanceModel.shared(mode)
    var g = SeededGenerator(seed: 5)
    var missed = 0
    for i in 0..<20000 {
      let a = Int.random(in: 0..<mode.maxKey, using: &g)
      // Mostly small key steps (inside or next to a bucket), some large ones.
      let step =
        i % 2 == 0
        ? Int.random(in: 1...(3 << model.bucketShift), using: &g)
        : Int.random(in: 1...mode.maxKey, using: &g)
      let b = min(mode.maxKey, a + step)
      let d = mode.luminance(key: b) - mode.luminance(key: a)
      let qd = model.quantized[b >> model.bucketShift] - model.quantized[a >> model.bucketShift]
      if !(qd > model.screeningBound(d.nextDown)) { missed += 1 }
      if !(qd > model.screeningBound(0)) { missed += 1 }
    }
    #expect(missed == 0)
  }

  /// The byte screen of the table modes (`keyStepBound`, `byteStepBound`): every ordered pair of
  /// keys, against the largest smaller change and 0. A winner's key step must reach the key-step
  /// bound, and its largest channel step, at least ceil(step / channels) however the step is spread
  /// over the channels, must exceed the per-byte bound.
  @Test(arguments: [GrayMode.mean, .luma])
  func byteScreenNeverScreensOutAWinner(mode: GrayMode) {
    let model = LuminanceModel.shared(mode)
    let table = model.table!
    let c = mode.channels
    var changes: [(d: Double, step: Int)] = []
    for a in 0..<table.count {
      for b in (a + 1)..<table.count { changes.append((table[b] - table[a], b - a)) }
    }
    changes.sort { $0.d < $1.d }
    var missed = 0
    var previous = 0.0
    for change in changes {
      for threshold in [previous, 0] where change.d > threshold {
        if change.step < model.keyStepBound(threshold) { missed += 1 }
        let widest = (change.step + c - 1) / c
        if !(widest > Int(model.byteStepBound(threshold))) { missed += 1 }
      }
      if change.d > previous { previous = change.d }
    }
    #expect(missed == 0)
    // The bounds are not vacuous: once the threshold is the largest change, nothing passes.
    #expect(model.keyStepBound(previous) == table.count)
    #expect(model.byteStepBound(previous) == 255)
    #expect(model.keyStepBound(0) == 1 && model.byteStepBound(0) == 0)
  }

  /// `saturatingSub` is max(a - b, 0) for every pair of bytes.
  @Test func saturatingSubtractionIsExact() {
    var wrong = 0
    for a in 0...255 {
      let x = SIMD16<UInt8>(repeating: UInt8(a))
      var y = SIMD16<UInt8>()
      for base in stride(from: 0, to: 256, by: 16) {
        for lane in 0..<16 { y[lane] = UInt8(base + lane) }
        let z = saturatingSub(x, y)
        for lane in 0..<16 where Int(z[lane]) != max(a - base - lane, 0) { wrong += 1 }
      }
    }
    #expect(wrong == 0)
  }
}
