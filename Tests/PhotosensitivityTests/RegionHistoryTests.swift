import TestSupport
import Testing

@testable import Photosensitivity

/// The region engine's transition windows (`RegionEngine.History`): the flat per-cell sizes and
/// first times `trim` reads must follow the cells' own lists through every append and trim, and
/// the counts must be those of the transitions left in the window.
@Suite("Region engine: transition windows")
struct RegionHistoryTests {
  /// Transitions after `cutoff`, and Ofcom's leading-edge rule counted the straightforward way.
  static func expectedCount(
    _ list: [(time: Double, leading: Bool)], maxTransitions: Int, gap: Double?
  ) -> Int {
    guard list.count > maxTransitions, let gap else { return list.count }
    let leads = list.filter(\.leading).map(\.time)
    for (a, b) in zip(leads, leads.dropFirst()) where b - a < gap { return list.count }
    return maxTransitions
  }

  @Test(
    "counts, sizes and first times follow random transitions through the sliding window",
    arguments: [nil, 0.15] as [Double?])
  func followsTheWindow(gap: Double?) {
    var g = SeededGenerator(seed: gap == nil ? 1 : 2)
    let cells = 37
    let maxTransitions = 3
    var history = RegionEngine.History(cells: cells)
    var reference = [[(time: Double, leading: Bool)]](repeating: [], count: cells)
    var counted = 0
    for frame in 0..<400 {
      let t = Double(frame) / 25
      // Bursts: some cells change often for a while, then stay still (and empty out).
      for c in 0..<cells where (frame / 50 + c) % 3 == 0 && g.next() % 4 == 0 {
        // Even cells: leading edges at least 0.2 s apart (exempt under a 0.15 s gap).
        let lead = c % 2 == 0 ? frame % 5 == 0 : g.next() % 2 == 0
        history.append(cell: c, time: t, leading: lead)
        reference[c].append((t, lead))
      }
      let cutoff = t - 1 + 1e-9
      var counts = [Int](repeating: -1, count: cells)
      let before = reference.map(\.count).reduce(0, +)
      let dropped = history.trim(
        cutoff: cutoff, counts: &counts, maxTransitions: maxTransitions, leadingEdgeGap: gap)
      for c in 0..<cells { reference[c].removeAll { $0.time <= cutoff } }
      #expect(dropped == before - reference.map(\.count).reduce(0, +), "frame \(frame)")
      for c in 0..<cells {
        let expected = Self.expectedCount(reference[c], maxTransitions: maxTransitions, gap: gap)
        #expect(counts[c] == expected, "frame \(frame) cell \(c)")
        #expect(history.times[c] == reference[c].map(\.time), "frame \(frame) cell \(c)")
        #expect(history.sizes[c] == reference[c].count, "frame \(frame) cell \(c)")
        #expect(
          history.firsts[c] == (reference[c].first?.time ?? .infinity), "frame \(frame) cell \(c)")
        if expected == maxTransitions && reference[c].count > maxTransitions { counted += 1 }
      }
    }
    // The windows filled and emptied, and (with a gap) the leading-edge rule applied.
    #expect(history.sizes.contains(0))
    if gap != nil { #expect(counted > 0) }
  }
}
