import Testing

@testable import FrameTensor

@Suite struct TensorTests {
  @Test func shapeStridesAndIndexing() {
    var t = Tensor<UInt8>(shape: [2, 3, 4, 3], repeating: 0)
    #expect(t.count == 72)
    #expect(t.strides == [36, 12, 3, 1])
    t[1, 2, 3, 2] = 7
    #expect(t[flat: 71] == 7)
    #expect(t.offset([1, 0, 1, 0]) == 39)
  }

  @Test func valueSemantics() {
    let a = Tensor<Double>(shape: [2, 2], storage: [1, 2, 3, 4])
    var b = a
    b[0, 0] = 9
    #expect(a[0, 0] == 1)
    #expect(b[0, 0] == 9)
  }

  @Test func sliceItemConcatenate() {
    let t = Tensor<Int>(shape: [3, 2], storage: [0, 1, 2, 3, 4, 5])
    #expect(t.slice(1..<3) == Tensor(shape: [2, 2], storage: [2, 3, 4, 5]))
    #expect(t.item(2) == Tensor(shape: [2], storage: [4, 5]))
    let joined = Tensor.concatenate([t.slice(0..<1), t.slice(1..<3)])
    #expect(joined == t)
    #expect(t.reshaped([2, 3]).shape == [2, 3])
  }

  @Test func floatingPointConversionKeepsLayout() {
    let frames = Tensor<UInt8>(shape: [1, 1, 2, 3], storage: [0, 255, 51, 1, 2, 3])
    let f = frames.toFloatingPoint(Float.self, scale: 1 / 255)
    #expect(f.shape == [1, 1, 2, 3])
    #expect(f[0, 0, 0, 1] == 1)
    #expect(abs(f[0, 0, 0, 2] - 0.2) < 1e-6)
  }
}
