import Testing

@testable import NeuralNet

@Suite("Matrix multiply kernels")
struct GEMMTests {
  /// Odd sizes exercise the blocking remainders; the large case takes the threaded path.
  @Test("gemm and gemmTN equal the naive triple loop", arguments: [(1, 1, 1), (5, 7, 3), (67, 9, 131), (300, 40, 50)])
  func matchesNaive(_ size: (Int, Int, Int)) {
    let (m, n, k) = size
    var g = SeededGenerator(seed: UInt64(m * n * k))
    let a = (0..<(m * k)).map { _ in g.nextUnit() - 0.5 }
    let b = (0..<(k * n)).map { _ in g.nextUnit() - 0.5 }
    let bt = (0..<(m * n)).map { _ in g.nextUnit() - 0.5 }
    var c = [Double](repeating: 1, count: m * n)
    gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, accumulate: true)
    var ctn = [Double](repeating: 0, count: k * n)
    gemmTN(m: m, n: n, k: k, a: a, lda: k, b: bt, ldb: n, c: &ctn, ldc: n)
    for i in 0..<m {
      for j in 0..<n {
        var s = 1.0
        for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
        #expect(abs(c[i * n + j] - s) < 1e-12)
      }
    }
    for p in 0..<k {
      for j in 0..<n {
        var s = 0.0
        for i in 0..<m { s += a[i * k + p] * bt[i * n + j] }
        #expect(abs(ctn[p * n + j] - s) < 1e-12)
      }
    }
  }
}
