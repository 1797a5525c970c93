import ArgumentParser
import NeuralNet

/// What differs between the training commands' shared options: the defaults, and the words that
/// make their help specific ("frames" for the CNN, "pairs" for the siamese network).
struct NNTrainingDefaultValues {
  /// The examples, plural: "frames" or "pairs".
  var examples: String
  var epochs: Int
  var learningRate: Double
  var learningRateHelp: String
  var batch: Int
  var batchHelp: String
}

/// A command's defaults, as a type so that `NNTrainingOptions` can be generic over it (an option
/// group is built by ArgumentParser through `init()`, so its defaults cannot be passed in).
protocol NNTrainingDefaults {
  static var values: NNTrainingDefaultValues { get }
}

/// The options every `nn train-*` command takes, declared once: input size, epochs, learning
/// rate, batch, seed, validation share and where to save the model.
struct NNTrainingOptions<Defaults: NNTrainingDefaults>: ParsableArguments {
  @Option(help: "Network input size WxH (frames are downscaled by the decoder).")
  var size: NetworkFrameSize = NetworkFrameSize(width: 32, height: 32)

  @Option(help: ArgumentHelp("Passes over the training \(Defaults.values.examples)."))
  var epochs: Int = Defaults.values.epochs

  @Option(help: ArgumentHelp(Defaults.values.learningRateHelp))
  var lr: Double = Defaults.values.learningRate

  @Option(help: ArgumentHelp(Defaults.values.batchHelp))
  var batch: Int = Defaults.values.batch

  @Option(help: "Seed of the initial weights, the split and the batch order.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("Share of the \(Defaults.values.examples) held out for validation."))
  var validation: Double = 0.25

  @Option(help: "Write the trained model here (JSON, through a temporary file and a rename).")
  var save: String?

  /// The checks the commands share; each command runs its own first, in its own words.
  func validateValidationShare() throws {
    guard validation > 0 && validation < 1 else {
      throw ValidationError("validation must be between 0 and 1")
    }
  }

  /// The library's view of these options.
  var configuration: TrainingConfiguration {
    TrainingConfiguration(
      epochs: epochs, learningRate: lr, batchSize: batch, seed: seed,
      validationFraction: validation)
  }

  /// The facts every saved model records about its training, plus the command's own.
  func metadata(_ extra: [String: String]) -> [String: String] {
    let common = [
      "size": size.description, "epochs": String(epochs), "lr": String(lr), "seed": String(seed),
    ]
    return common.merging(extra) { shared, _ in shared }
  }
}

/// `--spec`: a layer list in the exam's notation, the Question 3 CNN unless given.
struct NNSpecOption: ParsableArguments {
  static let q3 =
    "CONV3-8, LEAKYRELU, POOL-2, BATCHNORM, CONV3-16, LEAKYRELU, POOL-2, FLATTEN, FC-10"

  @Option(help: "The network, in the exam's notation.")
  var spec: String = NNSpecOption.q3
}

extension NNTrainingOptions {
  /// Writes the model built by `file` to `--save` (ModelFile.write: a temporary file renamed over
  /// the target), when it was given.
  func saveIfAsked(_ file: () -> ModelFile) throws {
    guard let save else { return }
    try file().write(to: save)
    stderrLine("saved \(save)")
  }
}
