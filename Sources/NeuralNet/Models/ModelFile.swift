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
    let data = try encoder.encode(self)
    do {
      try AtomicFileWriter.write([UInt8](data), to: path)
    } catch let error as OutputError {
      throw ModelFileError("\(path): cannot save model (\(error.reason))")
    }
  }

  public static func read(from path: String) throws -> ModelFile {
    guard FileManager.default.fileExists(atPath: path) else {
      throw ModelFileError("\(path): no such model file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ModelFileError(
        "\(path): cannot read model (\((error as NSError).localizedDescription))")
    }
    let file: ModelFile
    do {
      file = try JSONDecoder().decode(ModelFile.self, from: data)
    } catch {
      throw ModelFileError("\(path): not a flashscan model file (\(error))")
    }
    guard file.format == formatName else {
      throw ModelFileError("\(path): format '\(file.format)' is not \(formatName)")
    }
    return file
  }

  func tensor<Scalar: NNScalar>(_ name: String, shape: [Int]) throws -> Tensor<Scalar> {
    guard let t = tensors.first(where: { $0.name == name }) else {
      throw ModelFileError("model file lacks tensor '\(name)'")
    }
    guard t.shape == shape, t.values.count == shape.reduce(1, *) else {
      throw ModelFileError("tensor '\(name)' has shape \(t.shape), expected \(shape)")
    }
    return Tensor(shape: shape, storage: t.values.map { Scalar($0) })
  }
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

  /// Rebuilds a saved sequential model.
  public convenience init(file: ModelFile) throws {
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
    precondition(inputShape.reduce(1, *) == inputSize)
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

  public convenience init(file: ModelFile) throws {
    guard file.kind == "siamese", let hidden = file.hidden else {
      throw ModelFileError("model is '\(file.kind)', not siamese")
    }
    let dx = file.inputShape.reduce(1, *)
    self.init(inputSize: dx, hiddenSize: hidden)
    w1 = try file.tensor("W1", shape: [hidden, dx])
    b1 = try file.tensor("b1", shape: [hidden])
    w2 = try file.tensor("W2", shape: [1, hidden])
    let b: Tensor<Scalar> = try file.tensor("b2", shape: [1])
    b2 = b[flat: 0]
  }
}
