import Foundation
import FrameTensor
import Testing

@testable import NeuralNet

/// A model file is untrusted input: every bad field must give one clear error, never a trap, an
/// overflow or an allocation the machine cannot make.
@Suite("Model files and specs from anywhere: clear errors, no crashes")
struct ModelValidationTests {
  static func sequentialFile() throws -> ModelFile {
    let spec = try ModelSpec(
      "CONV3-2, BATCHNORM, LEAKYRELU, POOL-2, FLATTEN, FC-3", inputShape: [4, 4, 1])
    return Sequential<Double>(spec: spec, seed: 1).modelFile()
  }

  static func siameseFile() -> ModelFile {
    SiameseNetwork<Double>(inputSize: 12, hiddenSize: 4, seed: 2).modelFile(inputShape: [2, 2, 3])
  }

  /// One change to a valid file, and what the error must say.
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var siamese: Bool
    /// Only in memory: JSON cannot hold the value (NaN).
    var inMemoryOnly = false
    var message: String
    var change: @Sendable (inout ModelFile) -> Void
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "other format", siamese: true, message: "format 'flashscan-xx' is not flashscan-nn")
    {
      $0.format = "flashscan-xx"
    },
    Case(name: "unknown version", siamese: false, message: "version 2 is not supported") {
      $0.version = 2
    },
    Case(name: "unknown kind", siamese: true, message: "unknown model kind 'cnn'") {
      $0.kind = "cnn"
    },
    Case(name: "no hidden size", siamese: true, message: "a siamese model needs a 'hidden' size") {
      $0.hidden = nil
    },
    Case(name: "hidden 0", siamese: true, message: "hidden size 0 must be at least 1") {
      $0.hidden = 0
    },
    Case(name: "hidden -1", siamese: true, message: "hidden size -1 must be at least 1") {
      $0.hidden = -1
    },
    Case(
      name: "hidden 2^62", siamese: true,
      message:
        "W1 (4611686018427387904 x 12, hidden units x input values) would hold more than 16,777,216 values, the limit per tensor"
    ) { $0.hidden = 4_611_686_018_427_387_904 },
    Case(
      name: "input 100000 x 100000 x 3", siamese: true,
      message:
        "input shape 100000 x 100000 x 3 holds more than 16,777,216 values, the limit per tensor"
    ) { $0.inputShape = [100_000, 100_000, 3] },
    Case(name: "empty input shape", siamese: true, message: "input shape [] must be") {
      $0.inputShape = []
    },
    Case(name: "zero in input shape", siamese: true, message: "input shape [0, 2, 3] must be") {
      $0.inputShape = [0, 2, 3]
    },
    Case(
      name: "spec too large", siamese: false,
      message:
        "saved spec: layer 6 'FC-4000000000000000': its 8 x 4000000000000000 weights would hold more than 16,777,216 values, the limit per tensor"
    ) { $0.spec = "CONV3-2, BATCHNORM, LEAKYRELU, POOL-2, FLATTEN, FC-4000000000000000" },
    Case(name: "tensor twice", siamese: true, message: "tensor 'W1' appears 2 times") {
      $0.tensors.append($0.tensors[0])
    },
    Case(name: "unknown tensor", siamese: false, message: "unexpected tensor '9.weight'") {
      $0.tensors.append(.init(name: "9.weight", shape: [1], values: [0]))
    },
    Case(
      name: "values short of the shape", siamese: true,
      message: "tensor 'W1' has 47 values, its shape [4, 12] holds 48"
    ) { $0.tensors[0].values.removeLast() },
    Case(
      name: "negative running variance", siamese: false,
      message: "tensor '1.running_var' value 1 is a negative variance"
    ) {
      let i = $0.tensors.firstIndex { $0.name == "1.running_var" }!
      $0.tensors[i].values[1] = -2
    },
    Case(
      name: "NaN weight", siamese: false, inMemoryOnly: true,
      message: "tensor '0.weight' value 3 is not finite"
    ) { $0.tensors[0].values[3] = .nan },
    Case(
      name: "weight beyond Float", siamese: true,
      message: "tensor 'W2' value 2 (1e+300) is out of range for Float"
    ) { $0.tensors[2].values[2] = 1e300 },
  ]

  @Test("A bad field is one clear error, from disk and in memory", arguments: cases)
  func badField(_ c: Case) throws {
    var file = c.siamese ? Self.siameseFile() : try Self.sequentialFile()
    c.change(&file)
    func load(_ file: ModelFile) throws {
      if c.siamese {
        _ = try SiameseNetwork<Float>(file: file)
      } else {
        _ = try Sequential<Float>(file: file)
      }
    }
    func isClear(_ error: any Error) -> Bool {
      let text = "\(error)"
      return error is ModelFileError && text.contains(c.message) && !text.contains("\n")
    }
    #expect {
      try load(file)
    } throws: {
      isClear($0)
    }
    guard !c.inMemoryOnly else { return }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nn-validate-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.json").path
    try file.write(to: path)
    #expect {
      try load(ModelFile.read(from: path))
    } throws: {
      isClear($0)
    }
  }

  @Test(
    "Malformed JSON is one line naming the field",
    arguments: [
      ("\"hidden\":4", "\"hidden\":\"4\"", "'hidden': expected Int"),
      (",\"version\":1", "", "'version' is missing"),
      ("\"hidden\":4", "\"hidden\":1e999", "not a flashscan model file"),
    ])
  func malformedJSON(_ c: (String, String, String)) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: try encoder.encode(Self.siameseFile()), as: UTF8.self)
    #expect(text.contains(c.0))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nn-json-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.json").path
    try Data(text.replacingOccurrences(of: c.0, with: c.1).utf8).write(
      to: URL(fileURLWithPath: path))
    #expect {
      _ = try ModelFile.read(from: path)
    } throws: { error in
      let line = "\(error)"
      return error is ModelFileError && line.hasPrefix("\(path): ") && line.contains(c.2)
        && !line.contains("\n") && line.count < 400
    }
  }

  @Test(
    "Specs that overflow or pass the limits fail naming the layer",
    arguments: [
      (
        "FLATTEN, FC-4000000000000000", [32, 32, 3],
        "layer 2 'FC-4000000000000000': its 3072 x 4000000000000000 weights would hold more than 16,777,216 values, the limit per tensor"
      ),
      (
        "CONV3-8-P4611686018427387904", [32, 32, 3],
        "layer 1 'CONV3-8-P4611686018427387904': padding 4611686018427387904 is too large"
      ),
      (
        "POOL-2-P4611686018427387904", [32, 32, 3],
        "layer 1 'POOL-2-P4611686018427387904': padding 4611686018427387904 is more than half the 2x2 window"
      ),
      (
        "CONV3-4000000000", [32, 32, 3],
        "layer 1 'CONV3-4000000000': its output 32 x 32 x 4000000000 would hold more than 16,777,216 values, the limit per tensor"
      ),
      (
        "CONV9-64, FLATTEN", [2048, 2048, 3],
        "layer 1 'CONV9-64': its output 2042 x 2042 x 64 would hold more than 16,777,216 values, the limit per tensor"
      ),
      (
        "FLATTEN", [100_000, 100_000, 3],
        "input shape '100000 x 100000 x 3': holds more than 16,777,216 values, the limit per tensor"
      ),
      (
        "FLATTEN, FC-4096, FC-4096", [32, 32, 3],
        "layer 3 'FC-4096': brings the model to more than 16,777,216 trainable parameters, the limit per model"
      ),
    ])
  func specLimits(_ c: (String, [Int], String)) {
    #expect {
      _ = try ModelSpec(c.0, inputShape: c.1)
    } throws: { error in
      "\(error)" == c.2
    }
  }

  @Test("Layer lists built in code are checked like parsed ones")
  func builtSpecs() {
    let bad: [LayerSpec] = [
      .conv(kernel: 3, filters: 2, stride: 0, padding: 1, bias: true),
      .conv(kernel: 0, filters: 2, stride: 1, padding: 1, bias: true),
      .maxPool(kernel: 2, stride: 0, padding: 0),
      .maxPool(kernel: 2, stride: 2, padding: 2),
      .dropout(rate: 1),
      .leakyReLU(slope: .nan),
    ]
    for layer in bad {
      #expect(throws: ModelSpecError.self, "\(layer)") {
        _ = try ModelSpec(layers: [layer], inputShape: [8, 8, 1])
      }
    }
    #expect(throws: ModelSpecError.self) {
      _ = try ModelSpec(layers: [.flatten, .dense(units: 0)], inputShape: [8, 8, 1])
    }
  }

  @Test("The tensors validation expects are the ones Sequential saves, for every layer kind")
  func expectedTensorsMatchSaved() throws {
    let spec = try ModelSpec(
      "CONV3-4-NOBIAS, BATCHNORM, RELU, AVGPOOL-2, CONV3-2-S2-P0, MAXPOOL-2-S1-P1, FLATTEN, "
        + "DROPOUT-0.5, FC-5, TANH, BATCHNORM, FC-3, SOFTMAX",
      inputShape: [12, 12, 3])
    let file = Sequential<Float>(spec: spec, seed: 4).modelFile()
    #expect(
      try spec.tensorShapes().map { "\($0.name) \($0.shape)" }
        == file.tensors.map { "\($0.name) \($0.shape)" })
    try file.validate()
    let back = try Sequential<Float>(file: file)
    #expect(back.modelFile() == file)
    #expect(try spec.largestTensorPerExample() == 12 * 12 * 27)
  }

  @Test("Only regular files are read: a directory or /dev/zero is an error, not a hang")
  func notRegularFiles() throws {
    let dir = FileManager.default.temporaryDirectory.path
    for path in [dir, "/dev/zero"] where FileManager.default.fileExists(atPath: path) {
      #expect {
        _ = try ModelFile.read(from: path)
      } throws: { error in
        "\(error)" == "\(path): not a regular file"
      }
    }
  }
}
