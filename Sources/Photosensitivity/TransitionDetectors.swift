/// Transitions of one region's brightness (or red value) over time, with the standards' meaning
/// (docs/photosensitivity.md, "WCAG 2.x"): a transition is the change between adjacent peak and
/// valley, counted once it reaches `threshold` with the darker state below `dark`.
///
/// Peaks and valleys are tracked with hysteresis: a leg in one direction ends only when the
/// signal has come back by `threshold` from the leg's extreme, so noise smaller than a
/// transition never splits a ramp, and a monotonic ramp is one transition however slow.
struct ExtremumTracker: Sendable {
  var started = false
  /// +1 rising from `pivot`, -1 falling from it, 0 no leg yet.
  var trend: Int8 = 0
  /// The last confirmed peak or valley.
  var pivot: Float = 0
  /// The extreme reached by the current leg (before a trend: the low and the high so far).
  var extreme: Float = 0
  var low: Float = 0
  var high: Float = 0
  var counted = false

  /// Feeds one sample; true when it completes a transition. A leg whose darker end is at or
  /// above `dark` counts only when its Michelson contrast is above `michelson` (bt1702; pass
  /// `.infinity` for never).
  mutating func feed(_ v: Float, threshold: Float, dark: Float, michelson: Double = .infinity)
    -> Bool
  {
    guard started else {
      started = true
      low = v
      high = v
      return false
    }
    switch trend {
    case 0:
      low = min(low, v)
      high = max(high, v)
      if v - low >= threshold {
        startLeg(trend: 1, from: low, to: v)
      } else if high - v >= threshold {
        startLeg(trend: -1, from: high, to: v)
      } else {
        return false
      }
    case 1:
      if v >= extreme {
        extreme = v
      } else if extreme - v >= threshold {
        startLeg(trend: -1, from: extreme, to: v)
      } else {
        return false
      }
    default:
      if v <= extreme {
        extreme = v
      } else if v - extreme >= threshold {
        startLeg(trend: 1, from: extreme, to: v)
      } else {
        return false
      }
    }
    // A leg counts once: when it is both large enough and its darker end is dark enough (a
    // falling leg can become dark enough as it goes on).
    guard !counted && abs(extreme - pivot) >= threshold else { return false }
    let lo = min(pivot, extreme)
    let hi = max(pivot, extreme)
    if lo < dark
      || (michelson.isFinite && Double(hi) - Double(lo) > michelson * (Double(hi) + Double(lo)))
    {
      counted = true
      return true
    }
    return false
  }

  private mutating func startLeg(trend t: Int8, from p: Float, to v: Float) {
    trend = t
    pivot = p
    extreme = v
    counted = false
  }
}

/// The WCAG 2.2 red rule for one region: a transition when the region's u'v' chromaticity has
/// moved more than `distance` from the state at the last transition and one of the two states
/// is saturated red.
struct ChromaticityTracker: Sendable {
  var started = false
  var u: Float = 0
  var v: Float = 0
  var saturated = false

  mutating func feed(u nu: Float, v nv: Float, saturated ns: Bool, distance: Float) -> Bool {
    guard started else {
      started = true
      (u, v, saturated) = (nu, nv, ns)
      return false
    }
    let du = nu - u
    let dv = nv - v
    guard (du * du + dv * dv).squareRoot() > distance else { return false }
    let transition = saturated || ns
    (u, v, saturated) = (nu, nv, ns)
    return transition
  }
}

/// Ofcom: every change into or out of saturated red is a transition.
struct SaturationTracker: Sendable {
  var started = false
  var saturated = false

  mutating func feed(saturated ns: Bool) -> Bool {
    guard started else {
      started = true
      saturated = ns
      return false
    }
    defer { saturated = ns }
    return ns != saturated
  }
}
