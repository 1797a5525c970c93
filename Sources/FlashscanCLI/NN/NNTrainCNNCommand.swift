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

  enum Defaults: NNTrainingDefaults {
    static let values = NNTrainingDefaultValues(
      examples: "frames", epochs: 10, learningRate: 0.005,
      learningRateHelp: "Adam's learning rate.", batch: 32, batchHelp: "Frames per step.")
  }

  @Argument(help: "Video files; each is one class.")
  var videos: [String]

  @OptionGroup var network: NNSpecOption

  @OptionGroup var training: NNTrainingOptions<Defaults>

  func validate() throws {
    guard videos.count >= 2 else {
      throw ValidationError("give at least two videos (one class each)")
    }
    guard training.epochs >= 1, training.batch >= 2, training.lr > 0, training.lr.isFinite else {
      throw ValidationError("epochs must be at least 1, batch at least 2, lr positive")
    }
    try training.validateValidationShare()
  }

  func run() throws {
    try reportingFailures {
      let size = training.size
      let modelSpec = try ModelSpec(network.spec, inputShape: size.inputShape)
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
      print("epoch,train_loss,train_accuracy,val_loss,val_accuracy")
      let trainer = CNNTrainer<Float>(spec: modelSpec, configuration: training.configuration)
      let outcome = trainer.train(inputs: Tensor.concatenate(frames), labels: labels) { e in
        print(
          "\(e.epoch),\(format3(e.trainLoss)),\(fraction(e.trainAccuracy)),\(format3(e.validationLoss)),\(fraction(e.validationAccuracy))"
        )
      }
      let lastAccuracy = outcome.epochs.last?.validationAccuracy ?? 0
      stderrLine(
        "validation: \(outcome.validationCount) frames, accuracy \(fraction(lastAccuracy)) (majority-class baseline \(fraction(outcome.majorityAccuracy)))"
      )
      try training.saveIfAsked {
        outcome.model.modelFile(
          metadata: training.metadata([
            "labels": "class i = the i-th training video",
            "classes": videos.joined(separator: "\n"),
          ]))
      }
    }
  }
}
