import ArgumentParser
import Foundation
import FrameTensor
import NeuralNet

/// `flashscan nn train-siamese VIDEO...`: the exam's Question 5 network learns to spot flashes in
/// consecutive frame pairs, labelled by the flashinator.
struct NNTrainSiameseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train-siamese",
    abstract:
      "Train the Question 5 siamese network on consecutive frame pairs labelled by the T table.",
    discussion: """
      Each pair (frame i-1, frame i) is downscaled to --size and labelled 1 ("flash") when the
      flashinator's T of the full-resolution pair exceeds --threshold: a brightening flash transition.
      (The Q5 network is antisymmetric in its two inputs, so it can learn the direction of a change
      but not |T|; see Docs/NeuralNet.md.) Pairs of all videos are split
      into training and validation parts, stratified by label and seeded. Training is the exam's
      gradient descent on J, in mini-batches. One CSV row per epoch goes to standard output.
      """)

  enum Defaults: NNTrainingDefaults {
    static let values = NNTrainingDefaultValues(
      examples: "pairs", epochs: 40, learningRate: 0.05,
      learningRateHelp: "Learning rate alpha of the exam's update P <- P - alpha dJ/dP.", batch: 16,
      batchHelp: "Pairs per gradient step.")
  }

  @Argument(help: "Video files to learn from.")
  var videos: [String]

  @OptionGroup var training: NNTrainingOptions<Defaults>

  @Option(help: "Hidden units Da1.")
  var hidden: Int = 16

  @Option(
    help:
      "A pair is a flash when T exceeds this (default: about half the largest possible T, 23,834).")
  var threshold: Double = 12_000

  func validate() throws {
    guard !videos.isEmpty else { throw ValidationError("give at least one video") }
    guard training.epochs >= 1, hidden >= 1, training.batch >= 1, training.lr > 0,
      training.lr.isFinite
    else {
      throw ValidationError("epochs, hidden and batch must be at least 1 and lr positive")
    }
    try training.validateValidationShare()
    guard threshold >= 0 else { throw ValidationError("threshold must not be negative") }
    guard threshold < largestPossibleT else {
      throw ValidationError(
        "threshold \(threshold) is not below the largest possible T (\(Int(largestPossibleT.rounded()))): no pair could be a flash"
      )
    }
  }

  func run() throws {
    try reportingFailures {
      // Checked before any video is read: --hidden and --size decide W1's size.
      do {
        _ = try NNLimits.checkSiamese(inputShape: training.size.inputShape, hiddenSize: hidden)
      } catch let error as NNSizeError {
        throw NNUsageError("--hidden \(hidden) with --size \(training.size): \(error)")
      }
      var parts: [LabelledPairs] = []
      for video in videos {
        let p = try labelledPairs(video, size: training.size, threshold: threshold)
        let flashes = p.labels.filter { $0 == 1 }.count
        stderrLine("\(video): \(p.labels.count) pairs, \(flashes) with T > \(threshold)")
        parts.append(p)
      }
      print(
        "epoch,train_cost,train_accuracy,val_cost,val_accuracy,val_flash_recall,val_flash_precision"
      )
      let trainer = SiameseTrainer<Float>(hiddenSize: hidden, configuration: training.configuration)
      let outcome = trainer.train(
        Tensor.concatenate(parts.map(\.x)), Tensor.concatenate(parts.map(\.xPrime)),
        labels: parts.flatMap(\.labels)
      ) { e in
        print(
          "\(e.epoch),\(format3(e.trainCost)),\(fraction(e.trainScore.accuracy)),\(format3(e.validationCost)),"
            + "\(fraction(e.validationScore.accuracy)),\(fraction(e.validationScore.recall)),\(fraction(e.validationScore.precision))"
        )
      }
      if let last = outcome.epochs.last?.validationScore {
        stderrLine(
          "validation: \(last.count) pairs (\(last.truePositives + last.falseNegatives) flashes), accuracy "
            + "\(fraction(last.accuracy)) (always-\"no flash\" baseline \(fraction(last.majorityAccuracy))), "
            + "flash recall \(fraction(last.recall)), precision \(fraction(last.precision))")
      }
      try training.saveIfAsked {
        outcome.network.modelFile(
          inputShape: training.size.inputShape,
          metadata: training.metadata([
            "labels":
              "1 when T > threshold (flashinator, full-resolution frames): a brightening flash transition",
            "threshold": String(threshold), "videos": videos.joined(separator: "\n"),
          ]))
      }
    }
  }
}

/// One line on standard error (progress and summaries; standard output carries the data).
func stderrLine(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
