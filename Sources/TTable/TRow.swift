/// One row of the T table (spec, "Row identity"): the delta-frame of the pair (frame - 1, frame).
public struct TRow: Sendable, Equatable {
  /// Index of the pair's later frame, frames counted from 0 in presentation order.
  public var frame: Int
  /// Presentation time of `frame` in seconds from the stream's first frame.
  public var time: Double
  /// T = pos if P > N, else neg (never -0).
  public var t: Double
  /// P: mean of the k largest brightening changes, zero-filled.
  public var pos: Double
  /// -N: minus the mean of the k largest darkening magnitudes, zero-filled (never -0).
  public var neg: Double

  public init(frame: Int, time: Double, t: Double, pos: Double, neg: Double) {
    self.frame = frame
    self.time = time
    self.t = t
    self.pos = pos
    self.neg = neg
  }

  /// The row of a delta-frame from its P and N (spec, "Steps" 5): ties go to the negative side,
  /// and zero is +0 so it prints as `0`.
  public init(frame: Int, time: Double, p: Double, n: Double) {
    let neg = n == 0 ? 0 : -n
    self.init(frame: frame, time: time, t: p > n ? p : neg, pos: p, neg: neg)
  }
}
