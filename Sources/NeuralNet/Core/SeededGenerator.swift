/// A small, seeded, platform-independent random number generator (SplitMix64).
///
/// Initialisation, dropout masks and train/validation splits draw from it so that a seed gives the
/// same network on every machine (the standard library's generator is not seedable).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A standard normal sample (Box-Muller; one of the pair is discarded for simplicity).
  public mutating func nextGaussian() -> Double {
    var u = nextUnit()
    while u <= .leastNonzeroMagnitude { u = nextUnit() }
    let v = nextUnit()
    return (-2 * _log(u)).squareRoot() * _cos(2 * .pi * v)
  }

  /// A seeded Fisher-Yates permutation of 0..<count.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    if count > 1 {
      for i in stride(from: count - 1, to: 0, by: -1) {
        let j = Int(next() % UInt64(i + 1))
        order.swapAt(i, j)
      }
    }
    return order
  }
}
