import TestSupport
import Testing

@testable import TTable

/// The C paths of the table modes' kernel (`TKernelPath`: generic, and avx2 where the CPU has
/// it), and in the mean mode the key-plane kernel (`fs_t_pairs_sum`) on each, against the Swift
/// kernel, the reference: the same P and N to the bit on random frames and
/// on frames built to stress the screen (every pixel changing, a threshold that keeps rising,
/// ties, k above the pixel count, sizes that end mid-group and mid-strip).
@Suite struct KernelPathTests {
  /// The C paths this CPU runs (generic always).
  static let cPaths = TKernelPath.available.filter { $0 != .swift }

  /// P and N of every pair of `frames` (each `pixels` pixels of `mode.channels` bytes) on `path`.
  static func pairs(
    _ frames: [[UInt8]], pixels: Int, topK: Int, mode: GrayMode, path: TKernelPath
  ) -> [(p: Double, n: Double)] {
    let frameBytes = pixels * mode.channels
    var flat = [UInt8](repeating: 0, count: frames.count * frameBytes + 64)
    for (f, frame) in frames.enumerated() {
      precondition(frame.count == frameBytes)
      flat.replaceSubrange((f * frameBytes)..<((f + 1) * frameBytes), with: frame)
    }
    let kernel = FlashKernel(model: LuminanceModel.shared(mode), topK: topK, path: path)
    return flat.withUnsafeBufferPointer { buffer in
      let pointers = (0..<frames.count).map { buffer.baseAddress! + $0 * frameBytes }
      return kernel.pairs(frames: pointers, pixels: pixels)
    }
  }

  /// P and N of every pair of RGB `frames` computed from their key planes (each pixel's
  /// R + G + B as a `UInt16`, `PixelLayout.rgbSum`) on `path`: the mean mode's `pairsOfSums`.
  static func sumPairs(_ frames: [[UInt8]], pixels: Int, topK: Int, path: TKernelPath)
    -> [(p: Double, n: Double)]
  {
    var flat = [UInt16](repeating: 0, count: frames.count * pixels + 32)
    for (f, frame) in frames.enumerated() {
      for j in 0..<pixels {
        flat[f * pixels + j] =
          UInt16(frame[3 * j]) + UInt16(frame[3 * j + 1]) + UInt16(frame[3 * j + 2])
      }
    }
    let kernel = FlashKernel(model: LuminanceModel.shared(.mean), topK: topK, path: path)
    return flat.withUnsafeBytes { buffer in
      let base = buffer.bindMemory(to: UInt8.self).baseAddress!
      let pointers = (0..<frames.count).map { base + $0 * pixels * 2 }
      return kernel.pairsOfSums(frames: pointers, pixels: pixels)
    }
  }

  /// Every C path gives the Swift kernel's P and N, bit for bit, and in the mean mode so does the
  /// key-plane kernel on every C path; returns the number of mismatches.
  static func mismatches(
    _ frames: [[UInt8]], pixels: Int, topK: Int, mode: GrayMode, label: String
  ) -> Int {
    let want = pairs(frames, pixels: pixels, topK: topK, mode: mode, path: .swift)
    var wrong = 0
    for path in cPaths where mode == .mean {
      let got = sumPairs(frames, pixels: pixels, topK: topK, path: path)
      #expect(got.count == want.count)
      for (i, (g, w)) in zip(got, want).enumerated()
      where g.p.bitPattern != w.p.bitPattern || g.n.bitPattern != w.n.bitPattern {
        wrong += 1
        Issue.record("\(label) key planes \(path) pair \(i): got \(g), want \(w)")
      }
    }
    for path in cPaths {
      let got = pairs(frames, pixels: pixels, topK: topK, mode: mode, path: path)
      #expect(got.count == want.count)
      for (i, (g, w)) in zip(got, want).enumerated()
      where g.p.bitPattern != w.p.bitPattern || g.n.bitPattern != w.n.bitPattern {
        wrong += 1
        Issue.record("\(label) \(path) pair \(i): got \(g), want \(w)")
      }
    }
    return wrong
  }

  static let modes: [GrayMode] = [.mean, .luma]

  /// Pixel counts around the group (16, 32 pixels) and strip (4096 pixels) boundaries.
  static let sizes = [1, 2, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 4095, 4096, 4097, 8200]

  @Test(arguments: modes)
  func randomFrames(mode: GrayMode) {
    var g = SeededGenerator(seed: 17)
    var wrong = 0
    for pixels in Self.sizes {
      for k in [1, 5, 40] {
        let frames = (0..<4).map { _ in
          (0..<(pixels * mode.channels)).map { _ in UInt8.random(in: 0...255, using: &g) }
        }
        wrong += Self.mismatches(
          frames, pixels: pixels, topK: k, mode: mode, label: "random \(pixels) px k \(k)")
      }
    }
    #expect(wrong == 0)
  }

  /// Mostly static frames with a few changed pixels and small noise: most groups fail the byte
  /// screen, some pass it and fail the key-step test, a few reach the exact test.
  @Test(arguments: modes)
  func sparseChanges(mode: GrayMode) {
    var g = SeededGenerator(seed: 23)
    var wrong = 0
    for pixels in [4097, 10000] {
      let bytes = pixels * mode.channels
      var frame = (0..<bytes).map { _ in UInt8.random(in: 40...200, using: &g) }
      var frames = [frame]
      for _ in 0..<5 {
        for i in 0..<bytes {
          frame[i] = UInt8(clamping: Int(frame[i]) + Int.random(in: -2...2, using: &g))
        }
        for _ in 0..<6 {
          let i = Int.random(in: 0..<bytes, using: &g)
          frame[i] = UInt8.random(in: 0...255, using: &g)
        }
        frames.append(frame)
      }
      for k in [1, 5, 10] {
        wrong += Self.mismatches(
          frames, pixels: pixels, topK: k, mode: mode, label: "sparse \(pixels) px k \(k)")
      }
    }
    #expect(wrong == 0)
  }

  /// Every pixel changes, by an amount that grows along the frame: each new pixel beats the k-th
  /// value, so the bounds tighten after every group and every group is tested exactly. Rising in
  /// one pair, falling in the next, and the reverse order.
  @Test(arguments: modes)
  func everyPixelChangingMoreThanTheLast(mode: GrayMode) {
    var wrong = 0
    let c = mode.channels
    for pixels in [33, 4097, 9000] {
      for descending in [false, true] {
        let ramp = (0..<(pixels * c)).map { i -> UInt8 in
          let j = descending ? pixels - 1 - i / c : i / c
          return UInt8(j * 255 / max(1, pixels - 1))
        }
        let zero = [UInt8](repeating: 0, count: pixels * c)
        let frames = [zero, ramp, zero, ramp.reversed()]
        for k in [1, 5, 64] {
          wrong += Self.mismatches(
            frames, pixels: pixels, topK: k, mode: mode,
            label: "ramp \(pixels) px desc \(descending) k \(k)")
        }
      }
    }
    #expect(wrong == 0)
  }

  /// Ties: uniform frames, so every pixel has the same change (and the top k is k equal values),
  /// including k larger than the frame (the top k then holds every pixel).
  @Test(arguments: modes)
  func tiesAndKAboveThePixelCount(mode: GrayMode) {
    var wrong = 0
    for pixels in [1, 7, 16, 100] {
      let frames = [0, 255, 128, 129, 129, 0].map {
        [UInt8](repeating: UInt8($0), count: pixels * mode.channels)
      }
      for k in [1, 5, 7, 50, 200] {
        wrong += Self.mismatches(
          frames, pixels: pixels, topK: k, mode: mode, label: "ties \(pixels) px k \(k)")
      }
    }
    #expect(wrong == 0)
  }

  /// Changes a byte or two either side of the per-byte and key-step bounds: one channel of a
  /// pixel moves and the others move back, so byte steps and key steps disagree.
  @Test func byteAndKeyStepsDisagree() {
    var g = SeededGenerator(seed: 31)
    var wrong = 0
    let pixels = 5000
    var frame = (0..<(pixels * 3)).map { _ in UInt8.random(in: 60...190, using: &g) }
    var frames = [frame]
    for _ in 0..<6 {
      for p in 0..<pixels {
        let up = Int.random(in: 0...60, using: &g)
        let channel = Int.random(in: 0..<3, using: &g)
        for ch in 0..<3 {
          let i = 3 * p + ch
          let step = ch == channel ? up : -Int.random(in: 0...(up / 2), using: &g)
          frame[i] = UInt8(clamping: Int(frame[i]) + (p % 2 == 0 ? step : -step))
        }
      }
      frames.append(frame)
    }
    for k in [1, 3, 5, 20] {
      wrong += Self.mismatches(
        frames, pixels: pixels, topK: k, mode: .mean, label: "disagree k \(k)")
    }
    #expect(wrong == 0)
  }

  /// The C paths through the public table, against the reference of Reference.swift.
  @Test(arguments: modes)
  func tableMatchesTheReference(mode: GrayMode) {
    var g = SeededGenerator(seed: 41)
    let frames = Frames.random(4, 9, 37, mode.channels, style: 1, using: &g)
    let want = Reference.table(frames, topK: 5, gray: mode)
    let pixels = 9 * 37 * mode.channels
    let split = (0..<4).map { Array(frames.storage[($0 * pixels)..<(($0 + 1) * pixels)]) }
    for path in Self.cPaths {
      let got = Self.pairs(split, pixels: 9 * 37, topK: 5, mode: mode, path: path)
      for (row, ref) in zip(got, want) {
        #expect(row.p == ref.p && row.n == ref.n, "\(path): got \(row), want \(ref)")
      }
    }
  }

  /// `FLASHSCAN_CPU`: `generic` forces the portable path; anything else runs the best path.
  @Test func environmentValues() {
    #expect(TKernelPath.choice(forEnvironmentValue: "generic") == .generic)
    for value in [nil, "", "avx2", "avx512", "bogus"] {
      #expect(TKernelPath.choice(forEnvironmentValue: value) == TKernelPath.best)
    }
    #expect(TKernelPath.available.contains(.generic) && TKernelPath.available.contains(.swift))
    #expect(TKernelPath.available.contains(TKernelPath.best))
  }
}
