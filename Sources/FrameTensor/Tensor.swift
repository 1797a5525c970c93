/// A dense, row-major, n-dimensional array with value semantics.
///
/// The one tensor type of flashscan: decoded video frames are `Tensor<UInt8>` of shape
/// (F, H, W, 3) (or (F, H, W, 1) for a luma plane), and the neural-network modules use
/// `Tensor<Float>` / `Tensor<Double>` in NHWC layout, so frames go into a network without
/// being copied into another type.
///
/// Storage is a Swift `Array`, so copies are copy-on-write and the type is `Sendable`
/// whenever its elements are.
public struct Tensor<Element> {
  /// The extent of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// The elements in row-major order; `storage.count == shape.reduce(1, *)`.
  public var storage: [Element] { _storage }
  @usableFromInline internal var _storage: [Element]

  /// A tensor of `shape` whose elements are all `value`.
  public init(shape: [Int], repeating value: Element) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    self._storage = Array(repeating: value, count: shape.reduce(1, *))
  }

  /// A tensor of `shape` over `storage` (row-major); the counts must agree.
  public init(shape: [Int], storage: [Element]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    precondition(
      shape.reduce(1, *) == storage.count,
      "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(storage.count)")
    self.shape = shape
    self._storage = storage
  }

  /// Number of dimensions.
  @inlinable public var rank: Int { shape.count }

  /// Total number of elements.
  @inlinable public var count: Int { _storage.count }

  /// Row-major strides, in elements.
  public var strides: [Int] {
    var result = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      result[axis] = step
      step *= shape[axis]
    }
    return result
  }

  /// Flat offset of a multi-index.
  @inlinable public func offset(_ indices: [Int]) -> Int {
    precondition(indices.count == shape.count, "index rank \(indices.count) != tensor rank \(rank)")
    var flat = 0
    for (axis, index) in indices.enumerated() {
      precondition(
        index >= 0 && index < shape[axis], "index \(index) out of range for axis \(axis)")
      flat = flat * shape[axis] + index
    }
    return flat
  }

  /// Element access by multi-index: `t[f, y, x, c]`.
  @inlinable public subscript(indices: Int...) -> Element {
    get { _storage[offset(indices)] }
    set { _storage[offset(indices)] = newValue }
  }

  /// Element access by flat row-major offset.
  @inlinable public subscript(flat index: Int) -> Element {
    get { _storage[index] }
    set { _storage[index] = newValue }
  }

  /// The same elements under another shape with the same element count.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, storage: storage)
  }

  /// Sub-tensor along the first axis: items `range` of the outermost dimension.
  public func slice(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
    let inner = shape.dropFirst().reduce(1, *)
    var newShape = shape
    newShape[0] = range.count
    return Tensor(
      shape: newShape,
      storage: Array(storage[(range.lowerBound * inner)..<(range.upperBound * inner)]))
  }

  /// Item `index` of the outermost dimension, with that dimension removed.
  public func item(_ index: Int) -> Tensor {
    let one = slice(index..<(index + 1))
    return Tensor(shape: Array(shape.dropFirst()), storage: one.storage)
  }

  /// Joins tensors along the first axis; all must share the inner shape.
  public static func concatenate(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "nothing to concatenate")
    let inner = Array(parts[0].shape.dropFirst())
    var storage: [Element] = []
    storage.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    var outer = 0
    for part in parts {
      precondition(Array(part.shape.dropFirst()) == inner, "inner shapes differ: \(part.shape)")
      storage.append(contentsOf: part.storage)
      outer += part.shape[0]
    }
    return Tensor(shape: [outer] + inner, storage: storage)
  }

  /// Elementwise transform into a tensor of the same shape.
  public func map<T>(_ transform: (Element) throws -> T) rethrows -> Tensor<T> {
    Tensor<T>(shape: shape, storage: try storage.map(transform))
  }

  /// Read-only access to the contiguous elements.
  @inlinable public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try _storage.withUnsafeBufferPointer(body)
  }

  /// Mutable access to the contiguous elements (the shape cannot change).
  @inlinable public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try _storage.withUnsafeMutableBufferPointer(body)
  }
}

extension Tensor: Sendable where Element: Sendable {}
extension Tensor: Equatable where Element: Equatable {}
extension Tensor: Hashable where Element: Hashable {}

extension Tensor where Element: Numeric {
  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    self.init(shape: shape, repeating: 0)
  }
}

extension Tensor where Element == UInt8 {
  /// Converts 8-bit samples (for example decoded frames) to floating point, optionally scaled
  /// (`scale: 1/255` maps to 0...1), keeping the NHWC layout.
  public func toFloatingPoint<T: BinaryFloatingPoint>(_: T.Type = T.self, scale: T = 1) -> Tensor<T>
  {
    Tensor<T>(shape: shape, storage: storage.map { T($0) * scale })
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String { "Tensor<\(Element.self)>(shape: \(shape))" }
}
