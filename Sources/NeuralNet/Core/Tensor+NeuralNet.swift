import FrameTensor

extension Tensor where Element: NNScalar {
  /// A zero tensor of `shape` whose elements `body` then writes through a raw pointer.
  static func build(
    _ shape: [Int], _ body: (UnsafeMutablePointer<Element>) throws -> Void
  ) rethrows -> Tensor {
    var storage = [Element](repeating: 0, count: shape.reduce(1, *))
    try storage.withUnsafeMutableBufferPointer { try body($0.baseAddress ?? danglingPointer()) }
    return Tensor(shape: shape, storage: storage)
  }

  /// A tensor of `shape` whose every element `body` must write (no zero fill first).
  static func buildUninitialized(
    _ shape: [Int], _ body: (UnsafeMutablePointer<Element>) throws -> Void
  ) rethrows -> Tensor {
    let count = shape.reduce(1, *)
    let storage = try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      try body(buffer.baseAddress ?? danglingPointer())
      initialized = count
    }
    return Tensor(shape: shape, storage: storage)
  }

  /// Read access through a raw pointer (never nil, even for an empty tensor).
  func read<R>(_ body: (UnsafePointer<Element>) throws -> R) rethrows -> R {
    try withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(danglingPointer())) }
  }

  /// Write access through a raw pointer.
  mutating func write<R>(_ body: (UnsafeMutablePointer<Element>) throws -> R) rethrows -> R {
    try withUnsafeMutableBufferPointer { try body($0.baseAddress ?? danglingPointer()) }
  }

  /// Items `indices` of the first axis, in that order (a mini-batch).
  public func gather(_ indices: [Int]) -> Tensor {
    let inner = shape.dropFirst().reduce(1, *)
    var newShape = shape
    newShape[0] = indices.count
    return read { src in
      Tensor.build(newShape) { dst in
        for (row, index) in indices.enumerated() {
          precondition(index >= 0 && index < shape[0], "row \(index) out of range")
          (dst + row * inner).update(from: src + index * inner, count: inner)
        }
      }
    }
  }

  /// Product of the dimensions after the first (the size of one example).
  public var exampleSize: Int { shape.dropFirst().reduce(1, *) }

  /// Elementwise sum of squares, for gradient norms and checks.
  public var sumOfSquares: Element { storage.reduce(0) { $0 + $1 * $1 } }
}

/// A non-null, never dereferenced pointer for empty buffers.
@inline(__always) func danglingPointer<T>() -> UnsafeMutablePointer<T> {
  UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
}
