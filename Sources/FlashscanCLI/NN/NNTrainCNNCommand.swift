import ArgumentParser
import FrameTensor
import NeuralNet

/// `flashscan nn train-cnn VIDEO...`: the exam's Question 3 CNN learns which video a frame comes
/// from, a label the data gives for free.
struct NNTrainCNNCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train-cnn",
    abstract: "Train the Question 3 CNN to tell which of the given videos a frame comes from.",
    discussion: """
      Class i is the i-th VIDEO (at most as many videos as the last layer's outputs; the Q3 network
      has FC-10). Frames are downscaled by the decoder to --size, split into training and validation
      frames stratified by video and seeded, and trained with Adam on softmax cross-entropy. One CSV row
      per epoch goes to standard output.
      """)

  @Argument(help: "Video files; each is one class.")
  var videos: [String]

  @Option(help: "The network in the exam's notation.")
  var spec: String =
    "CONV3-8, LEAKYRELU, POOL-2, BATCHNORM, CONV3-16, LEAKYRELU, POOL-2, FLATTEN, FC-10"

  @Option(help: "Network input size WxH.")
  var size: NetworkFrameSize = NetworkFrameSize(width: 32, height: 32)

  @Option(help: "Passes over the training frames.")
  var epochs: Int = 10

  @Option(help: "Adam's learning rate.")
  var lr: Double = 0.005

  @Option(help: "Frames per step.")
  var batch: Int = 32

  @Option(help: "Seed of the initial weights, the split and the batch order.")
  var seed: UInt64 = 0

  @Option(help: "Share of the frames held out for validation.")
  var validation: Double = 0.25

  @Option(help: "Write the trained model here (JSON, through a temporary file and a rename).")
  var save: String?

  func validate() throws {
    guard videos.count >= 2 else {
      throw ValidationError("give at least two videos (one class each)")
    }
    guard epochs >= 1, batch >= 2, lr > 0 else {
      throw ValidationError("epochs must be at least 1, batch at least 2, lr positive")
    }
    guard validation > 0 && validation < 1 else {
      throw ValidationError("validation must be between 0 and 1")
    }
  }

  func run() throws {
    try reportingFailures {
      let modelSpec = try ModelSpec(spec, inputShape: size.inputShape)
      guard case .dense(let outputs)? = modelSpec.layers.last, outputs >= videos.count else {
        throw NNError(
          "the network must end in FC-n with n >= \(videos.count) (one output per video)")
      }
      var frames: [Tensor<Float>] = []
      var labels: [Int] = []
      for (i, video) in videos.enumerated() {
        let decoded = try decodeForNetwork(video, size: size).frames
        stderrLine("\(video): class \(i), \(decoded.shape[0]) frames")
        frames.append(decoded)
        labels += Array(repeating: i, count: decoded.shape[0])
      }
      let x = Tensor.concatenate(frames)
      var generator = SeededGenerator(seed: seed)
      let split = stratifiedSplit(
        labels: labels, validationFraction: validation, generator: &generator)
      let (trainX, trainY) = (x.gather(split.train), split.train.map { labels[$0] })
      let (valX, valY) = (x.gather(split.validation), split.validation.map { labels[$0] })
      let model = Sequential<Float>(spec: modelSpec, seed: seed)
      let adam = Adam<Float>(learningRate: Float(lr))
      print("epoch,train_loss,train_accuracy,val_loss,val_accuracy")
      var lastAccuracy = 0.0
      for epoch in 1...epochs {
        let train = model.trainEpoch(
          inputs: trainX, labels: trainY, batchSize: batch, optimizer: adam, generator: &generator)
        let val = model.evaluate(inputs: valX, labels: valY)
        print(
          "\(epoch),\(format3(train.loss)),\(fraction(train.accuracy)),\(format3(val.loss)),\(fraction(val.accuracy))"
        )
        lastAccuracy = val.accuracy
      }
      let majority =
        Double(Dictionary(grouping: valY, by: { $0 }).values.map(\.count).max() ?? 0)
        / Double(max(1, valY.count))
      stderrLine(
        "validation: \(valY.count) frames, accuracy \(fraction(lastAccuracy)) (majority-class baseline \(fraction(majority)))"
      )
      if let save {
        let metadata = [
          "labels": "class i = the i-th training video", "classes": videos.joined(separator: "\n"),
          "size": size.description, "epochs": String(epochs), "lr": String(lr),
          "seed": String(seed),
        ]
        try model.modelFile(metadata: metadata).write(to: save)
        stderrLine("saved \(save)")
      }
    }
  }
}
