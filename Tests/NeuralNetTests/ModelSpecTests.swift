import Foundation
import FrameTensor
import Testing

@testable import NeuralNet

@Suite("Exam notation: parser, Q3 table, errors, model files")
struct ModelSpecTests {
  static let q3 =
    "CONV3-8, LEAKYRELU, POOL-2, BATCHNORM, CONV3-16, LEAKYRELU, POOL-2, FLATTEN, FC-10"

  @Test("Q3: shapes and parameter counts through the parser")
  func q3Table() throws {
    let spec = try ModelSpec(Self.q3, inputShape: try ModelSpec.parseShape("32x32x3"))
    let summary = try spec.summary()
    #expect(
      summary.rows.map(\.output) == [
        [32, 32, 3], [32, 32, 8], [32, 32, 8], [16, 16, 8], [16, 16, 8], [16, 16, 16],
        [16, 16, 16], [8, 8, 16],
        [1024], [10],
      ])
    #expect(summary.rows.map(\.parameters) == [0, 224, 0, 0, 16, 1168, 0, 0, 0, 10250])
    #expect(summary.totalParameters == 11_658)
    #expect(
      summary.table() == """
        layer      output (H x W x C)  parameters
        Input      32 x 32 x 3                  0
        CONV3-8    32 x 32 x 8                224
        LEAKYRELU  32 x 32 x 8                  0
        POOL-2     16 x 16 x 8                  0
        BATCHNORM  16 x 16 x 8                 16
        CONV3-16   16 x 16 x 16              1168
        LEAKYRELU  16 x 16 x 16                 0
        POOL-2     8 x 8 x 16                   0
        FLATTEN    1024                         0
        FC-10      10                       10250
        Total trainable parameters: 11,658

        """)
    #expect(summary.csv().split(separator: "\n").last == "Total,,11658")
    #expect(summary.json().contains("\"total_parameters\":11658"))
    // The built network agrees with the table.
    let model = Sequential<Float>(spec: spec)
    #expect(model.parameterCount == 11_658)
    #expect(model.forward(Tensor(zeros: [2, 32, 32, 3]), training: false).shape == [2, 10])
  }

  @Test("The exam's spelling 'Leaky ReLU' and options parse; canonical text round-trips")
  func spellings() throws {
    let spec = try ModelSpec(
      "conv3-8, Leaky ReLU, pool-2, batchnorm, conv5-4-s2-p0-nobias, avgpool-3-s1-p1, flatten, dropout-0.5, fc-4, softmax",
      inputShape: [32, 32, 3])
    #expect(spec.layers[1] == .leakyReLU(slope: 0.01))
    #expect(spec.layers[4] == .conv(kernel: 5, filters: 4, stride: 2, padding: 0, bias: false))
    #expect(spec.layers[5] == .avgPool(kernel: 3, stride: 1, padding: 1))
    #expect(try ModelSpec(spec.text, inputShape: [32, 32, 3]) == spec)
    #expect(try spec.summary().rows[5].output == [6, 6, 4])
  }

  @Test(
    "One clear error naming the offending layer",
    arguments: [
      (
        "CONV3-8, POOL-2, POOL-2, POOL-2, POOL-2, POOL-4",
        "layer 6 'POOL-4': pool window 4x4 is larger than its 2 x 2 x 8 input"
      ),
      (
        "CONV3-8, FC-10",
        "layer 2 'FC-10': a dense layer needs a flat input, got 32 x 32 x 8; add FLATTEN before it"
      ),
      ("CONV3-8, FLATTEN, CONV3-8", "layer 3 'CONV3-8': needs an H x W x C input, got 8192"),
      (
        "CONV3-8, LEAKYRELU, POOLX-2",
        "layer 3 'POOLX-2': unknown layer; expected CONVk-n, POOL-n, AVGPOOL-n, BATCHNORM, FLATTEN, FC-n, RELU, LEAKYRELU, SIGMOID, TANH, SOFTMAX or DROPOUT-rate"
      ),
      ("CONV3-0", "layer 1 'CONV3-0': filter count must be a positive integer, got '0'"),
      ("CONV3-8,, FC-2", "layer 2 '': empty layer (two commas in a row?)"),
      (
        "CONV40-8-P0",
        "layer 1 'CONV40-8-P0': 40x40 kernel does not fit the 32 x 32 x 3 input with padding 0"
      ),
      ("FLATTEN, FC-2-3", "layer 2 'FC-2-3': expected FC-n, e.g. FC-10"),
      (
        "CONV3-8-Q1",
        "layer 1 'CONV3-8-Q1': unknown option 'Q1' (expected S<stride>, P<padding> or NOBIAS)"
      ),
    ])
  func errors(_ c: (String, String)) {
    #expect {
      _ = try ModelSpec(c.0, inputShape: [32, 32, 3])
    } throws: { error in
      "\(error)" == c.1
    }
  }

  @Test("Input shapes")
  func shapes() throws {
    #expect(try ModelSpec.parseShape("64x48x1") == [64, 48, 1])
    #expect(try ModelSpec.parseShape("1024") == [1024])
    #expect(throws: ModelSpecError.self) { try ModelSpec.parseShape("32x0x3") }
    #expect(throws: ModelSpecError.self) { try ModelSpec.parseShape("32xx3") }
  }

  @Test("Sequential and siamese models save to JSON and load back exactly")
  func saveLoad() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nn-model-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = try ModelSpec("CONV3-2, BATCHNORM, RELU, FLATTEN, FC-3", inputShape: [4, 4, 1])
    let model = Sequential<Float>(spec: spec, seed: 9)
    let x = GradientCheck.random([5, 4, 4, 1], seed: 40).map { Float($0) }
    _ = model.forward(x, training: true)  // moves BatchNorm's running statistics away from (0, 1)
    let path = dir.appendingPathComponent("m.json").path
    try model.modelFile(metadata: ["note": "test"]).write(to: path)
    let loaded = try Sequential<Float>(file: ModelFile.read(from: path))
    #expect(loaded.forward(x, training: false) == model.forward(x, training: false))
    #expect(try ModelFile.read(from: path).metadata["note"] == "test")
    let contents = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    #expect(contents == ["m.json"], "no temporary file left behind")

    let siamese = SiameseNetwork<Double>(inputSize: 12, hiddenSize: 4, seed: 2)
    siamese.b2 = 0.25
    let spath = dir.appendingPathComponent("s.json").path
    try siamese.modelFile(inputShape: [2, 2, 3]).write(to: spath)
    let back = try SiameseNetwork<Double>(file: ModelFile.read(from: spath))
    #expect(
      back.w1 == siamese.w1 && back.b1 == siamese.b1 && back.w2 == siamese.w2 && back.b2 == 0.25)
    #expect(throws: ModelFileError.self) {
      try Sequential<Double>(file: ModelFile.read(from: spath))
    }
    #expect(throws: ModelFileError.self) {
      try ModelFile.read(from: dir.appendingPathComponent("missing.json").path)
    }
  }
}
