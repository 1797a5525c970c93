import Foundation
import FrameTensor
import TextOutput

/// A saved network as JSON: what it is, its shape, and every tensor by name.
///
/// Values are stored as decimal doubles, which round-trip Float and Double exactly. Files are
/// written to a temporary name beside the target and renamed over it, so a reader never sees a
/// half-written model.
public struct ModelFile: Codable, Equatable, Sendable {
  public struct NamedTensor: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]
  }

  public static let formatName = "flashscan-nn"
  public var format: String = ModelFile.formatName
  public var version: Int = 1
  /// "sequential" or "siamese".
  public var kind: String
  /// Per-example input shape, e.g. [32, 32, 3].
  public var inputShape: [Int]
  /// Sequential models: the layer list in the exam's notation.
  public var spec: String?
  /// Siamese models: hidden units Da1.
  public var hidden: Int?
  public var tensors: [NamedTensor]
  /// Free-form facts for the tools (labels, threshold, class names, training command).
  public var metadata: [String: String]

  public init(
    kind: String, inputShape: [Int], spec: String? = nil, hidden: Int? = nil,
    tensors: [NamedTensor], metadata: [String: String] = [:]
  ) {
    self.kind = kind
    self.inputShape = inputShape
    self.spec = spec
    self.hidden = hidden
    self.tensors = tensors
    self.metadata = metadata
  }

  public func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data: Data
    do { data = try encoder.encode(self) } catch {
      throw ModelFileError(
        "\(path): cannot save model (a value is not finite; did training diverge?)")
    }
    do {
      try AtomicFileWriter.write([UInt8](data), to: path)
    } catch let error as OutputError {
      throw ModelFileError("\(path): cannot save model (\(error.reason))")
    }
  }

  /// Reads and validates (`validate()`) a model file; every error names `path`.
  public static func read(from path: String) throws -> ModelFile {
    guard FileManager.default.fileExists(atPath: path) else {
      throw ModelFileError("\(path): no such model file")
    }
    let attributes = try? FileManager.default.attributesOfItem(
      atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
    // A directory, a device such as /dev/zero or a pipe has no size to check, or never ends.
    guard attributes?[.type] as? FileAttributeType == .typeRegular else {
      throw ModelFileError("\(path): not a regular file")
    }
    if let size = attributes?[.size] as? Int, size > NNLimits.maxModelFileBytes {
      throw ModelFileError(
        "\(path): \(groupThousands(size)) bytes is more than a model file may have (\(groupThousands(NNLimits.maxModelFileBytes)))"
      )
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ModelFileError(
        "\(path): cannot read model (\(oneLine((error as NSError).localizedDescription)))")
    }
    let file: ModelFile
    do {
      file = try JSONDecoder().decode(ModelFile.self, from: data)
    } catch let error as DecodingError {
      throw ModelFileError("\(path): not a flashscan model file (\(describe(error)))")
    } catch {
      throw ModelFileError("\(path): not a flashscan model file (\(oneLine("\(error)")))")
    }
    do { try file.validate() } catch let error as ModelFileError {
      throw ModelFileError("\(path): \(error.description)")
    }
    return file
  }

  /// Checks everything a network needs before one is built from the file, which may come from
  /// anywhere: the format and version, the kind, the input shape, the spec or hidden size (all
  /// within `NNLimits`), and the tensors: each expected name exactly once and no other, each
  /// with the expected shape, as many values as its shape holds, all finite, and no negative
  /// running variance. Throws a `ModelFileError` naming the first problem.
  public func validate() throws {
    guard format == Self.formatName else {
      throw ModelFileError("format '\(oneLine(format))' is not \(Self.formatName)")
    }
    guard version == 1 else {
      throw ModelFileError("version \(version) is not supported (this flashscan reads version 1)")
    }
    let expected = try expectedTensors()
    var byName: [String: NamedTensor] = [:]
    for t in tensors {
      guard byName.updateValue(t, forKey: t.name) == nil else {
        let n = tensors.filter { $0.name == t.name }.count
        throw ModelFileError("tensor '\(oneLine(t.name))' appears \(n) times")
      }
    }
    let expectedNames = Set(expected.map(\.name))
    if let extra = tensors.first(where: { !expectedNames.contains($0.name) }) {
      throw ModelFileError(
        "unexpected tensor '\(oneLine(extra.name))' (a \(kind) model of this shape has \(expected.count) tensors, not that one)"
      )
    }
    for (name, shape) in expected {
      guard let t = byName[name] else { throw ModelFileError("model file lacks tensor '\(name)'") }
      guard t.shape == shape else {
        throw ModelFileError(
          "tensor '\(name)' has shape \(describeShape(t.shape)), expected \(describeShape(shape))")
      }
      // The expected shapes are within NNLimits, so their product cannot overflow.
      let count = shape.reduce(1, *)
      guard t.values.count == count else {
        throw ModelFileError(
          "tensor '\(name)' has \(t.values.count) values, its shape \(describeShape(shape)) holds \(count)"
        )
      }
      if let i = t.values.firstIndex(where: { !$0.isFinite }) {
        throw ModelFileError("tensor '\(name)' value \(i) is not finite")
      }
      if name.hasSuffix(".running_var"), let i = t.values.firstIndex(where: { $0 < 0 }) {
        throw ModelFileError("tensor '\(name)' value \(i) is a negative variance")
      }
    }
  }

  /// The tensors a model of this kind, input shape and spec or hidden size holds, by name and
  /// shape; throws when those are missing, malformed or beyond `NNLimits`.
  func expectedTensors() throws -> [(name: String, shape: [Int])] {
    switch kind {
    case "sequential":
      guard let text = spec else { throw ModelFileError("a sequential model needs a 'spec'") }
      guard hidden == nil else {
        throw ModelFileError("a sequential model has no 'hidden' size")
      }
      do {
        return try ModelSpec(text, inputShape: inputShape).tensorShapes()
      } catch let error as ModelSpecError {
        throw ModelFileError("saved spec: \(oneLine(error.description))")
      }
    case "siamese":
      guard let hidden else { throw ModelFileError("a siamese model needs a 'hidden' size") }
      guard spec == nil else { throw ModelFileError("a siamese model has no 'spec'") }
      let dx: Int
      do { dx = try NNLimits.checkSiamese(inputShape: inputShape, hiddenSize: hidden) } catch let
        error as NNSizeError
      {
        throw ModelFileError(error.description)
      }
      return [
        (name: "W1", shape: [hidden, dx]), (name: "b1", shape: [hidden]),
        (name: "W2", shape: [1, hidden]), (name: "b2", shape: [1]),
      ]
    default:
      throw ModelFileError(
        "unknown model kind '\(oneLine(kind))' (expected sequential or siamese)")
    }
  }

  /// A tensor of a validated file as `Scalar`s; throws when its shape differs or a value does not
  /// fit `Scalar` (1e300 is a finite Double but not a finite Float).
  func tensor<Scalar: NNScalar>(_ name: String, shape: [Int]) throws -> Tensor<Scalar> {
    guard let t = tensors.first(where: { $0.name == name }) else {
      throw ModelFileError("model file lacks tensor '\(name)'")
    }
    guard t.shape == shape, let count = checkedProduct(shape), t.values.count == count else {
      throw ModelFileError(
        "tensor '\(name)' has shape \(describeShape(t.shape)), expected \(describeShape(shape))")
    }
    var storage: [Scalar] = []
    storage.reserveCapacity(count)
    for (i, v) in t.values.enumerated() {
      let x = Scalar(v)
      guard x.isFinite else {
        throw ModelFileError(
          "tensor '\(name)' value \(i) (\(v)) is out of range for \(Scalar.self)")
      }
      storage.append(x)
    }
    return Tensor(shape: shape, storage: storage)
  }
}

/// A decoding failure in one line: where in the file, and what was wrong.
private func describe(_ error: DecodingError) -> String {
  func path(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
      if let i = key.intValue {
        text += "[\(i)]"
      } else {
        text += (text.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return text.isEmpty ? "the top level" : "'\(oneLine(text))'"
  }
  func detail(_ context: DecodingError.Context) -> String {
    var text = context.debugDescription
    if let underlying = context.underlyingError,
      let debug = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    {
      text += " " + debug
    }
    return oneLine(text)
  }
  switch error {
  case .keyNotFound(let key, let context):
    return "\(path(context.codingPath + [key])) is missing"
  case .valueNotFound(let type, let context):
    return "\(path(context.codingPath)): expected \(type), found null"
  case .typeMismatch(let type, let context):
    return "\(path(context.codingPath)): expected \(type) (\(detail(context)))"
  case .dataCorrupted(let context):
    return context.codingPath.isEmpty
      ? detail(context) : "\(path(context.codingPath)): \(detail(context))"
  @unknown default:
    return oneLine("\(error)")
  }
}

/// `text` on one line, at most 300 characters (file contents quoted in a message can be anything).
func oneLine(_ text: String) -> String {
  let flat = String(text.map { $0.isNewline ? " " : $0 })
  return flat.count <= 300 ? flat : String(flat.prefix(300)) + "..."
}

/// A model file that cannot be read, written or matched to a network.
public struct ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

extension Sequential {
  /// Parameters and state as "i.name" (layer index, parameter name), e.g. "0.weight", "3.running_mean".
  public func modelFile(metadata: [String: String] = [:]) -> ModelFile {
    guard let spec else { preconditionFailure("only models built from a ModelSpec can be saved") }
    var tensors: [ModelFile.NamedTensor] = []
    for (i, layer) in layers.enumerated() {
      for p in layer.parameters + layer.state {
        tensors.append(
          .init(
            name: "\(i).\(p.name)", shape: p.value.shape, values: p.value.storage.map { Double($0) }
          ))
      }
    }
    return ModelFile(
      kind: "sequential", inputShape: spec.inputShape, spec: spec.text, tensors: tensors,
      metadata: metadata)
  }

  /// Rebuilds a saved sequential model; the file is validated first (`ModelFile.validate()`).
  public convenience init(file: ModelFile) throws {
    try file.validate()
    guard file.kind == "sequential", let text = file.spec else {
      throw ModelFileError("model is '\(file.kind)', not sequential")
    }
    let spec: ModelSpec
    do { spec = try ModelSpec(text, inputShape: file.inputShape) } catch {
      throw ModelFileError("saved spec: \(error)")
    }
    self.init(spec: spec)
    for (i, layer) in layers.enumerated() {
      for p in layer.parameters + layer.state {
        p.value = try file.tensor("\(i).\(p.name)", shape: p.value.shape)
      }
    }
  }
}

extension SiameseNetwork {
  public func modelFile(inputShape: [Int], metadata: [String: String] = [:]) -> ModelFile {
    precondition(
      checkedProduct(inputShape) == inputSize,
      "input shape \(inputShape) is not \(inputSize) values")
    func named(_ name: String, _ t: Tensor<Scalar>) -> ModelFile.NamedTensor {
      .init(name: name, shape: t.shape, values: t.storage.map { Double($0) })
    }
    return ModelFile(
      kind: "siamese", inputShape: inputShape, hidden: hiddenSize,
      tensors: [
        named("W1", w1), named("b1", b1), named("W2", w2),
        .init(name: "b2", shape: [1], values: [Double(b2)]),
      ],
      metadata: metadata)
  }

  /// Rebuilds a saved siamese model; the file is validated first (`ModelFile.validate()`).
  public convenience init(file: ModelFile) throws {
    try file.validate()
    guard file.kind == "siamese", let hidden = file.hidden else {
      throw ModelFileError("model is '\(file.kind)', not siamese")
    }
    let dx = try NNLimits.checkSiamese(inputShape: file.inputShape, hiddenSize: hidden)
    self.init(inputSize: dx, hiddenSize: hidden)
    w1 = try file.tensor("W1", shape: [hidden, dx])
    b1 = try file.tensor("b1", shape: [hidden])
    w2 = try file.tensor("W2", shape: [1, hidden])
    let b: Tensor<Scalar> = try file.tensor("b2", shape: [1])
    b2 = b[flat: 0]
  }
}
