import MediaIO
import Testing

/// The packet index's clean keyframes and the segment cuts (Docs/Scale.md).
@Suite("Segment plan")
struct SegmentPlanTests {
  /// Decode order of an IBBP stream with closed GOPs of 6 frames: I0 P3 B1 B2 P5 B4 | I6 ...
  static func closedGOPs(_ gops: Int) -> (pts: [Int64], keys: [Bool]) {
    var pts: [Int64] = []
    var keys: [Bool] = []
    for g in 0..<gops {
      let base = Int64(g * 6)
      for (offset, key) in [(0, true), (3, false), (1, false), (2, false), (5, false), (4, false)] {
        pts.append(base + Int64(offset))
        keys.append(key)
      }
    }
    return (pts, keys)
  }

  @Test func cleanKeyframesOfClosedGOPs() throws {
    let (pts, keys) = Self.closedGOPs(5)
    let index = try PacketIndex.make(
      path: "x", pts: pts, keys: keys, end: 30, timeBaseNum: 1, timeBaseDen: 10)
    #expect(index.cleanKeyframes == [0, 6, 12, 18, 24])
    #expect(index.presentation == (0..<30).map(Int64.init))
    let plan = SegmentPlan(index: index, segments: 3)
    #expect(plan.cuts == [0, 12, 24, 30])
    #expect(plan.frames(of: 1) == 12..<24)
    // Segment 1 decodes from the keyframe at or before frame 11 (which its first row pairs with).
    #expect(plan.decodeStart(of: 1, index: index).firstFrameIndex == 6)
    #expect(plan.decodeStart(of: 0, index: index).firstFrameIndex == 0)
  }

  @Test func openGOPKeyframesAreNotCuts() throws {
    // Frame 6's keyframe is followed (in decode order) by frames 4 and 5: leading pictures.
    let pts: [Int64] = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11]
    let keys = [
      true, false, false, false, true, false, false, false, false, false, true, false, false,
    ]
    let index = try PacketIndex.make(
      path: "x", pts: pts, keys: keys, end: 13, timeBaseNum: 1, timeBaseDen: 1)
    #expect(index.cleanKeyframes == [0])
  }

  @Test func moreSegmentsThanKeyframes() throws {
    let (pts, keys) = Self.closedGOPs(2)
    let index = try PacketIndex.make(
      path: "x", pts: pts, keys: keys, end: 12, timeBaseNum: 1, timeBaseDen: 1)
    let plan = SegmentPlan(index: index, segments: 7)
    #expect(plan.cuts.count == 8)
    #expect(plan.cuts.first == 0 && plan.cuts.last == 12)
    #expect(zip(plan.cuts, plan.cuts.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(Set(plan.cuts).isSubset(of: [0, 6, 12]))
  }

  @Test func refusedStreams() {
    #expect(throws: MediaError.self) {
      try PacketIndex.make(
        path: "x", pts: [0, 1, 1], keys: [true, false, false], end: 2, timeBaseNum: 1,
        timeBaseDen: 1)
    }
    #expect(throws: MediaError.self) {
      try PacketIndex.make(
        path: "x", pts: [1, 0], keys: [false, true], end: 2, timeBaseNum: 1, timeBaseDen: 1)
    }
    #expect(throws: MediaError.self) {
      try PacketIndex.make(path: "x", pts: [], keys: [], end: 0, timeBaseNum: 1, timeBaseDen: 1)
    }
  }
}
