import ArgumentParser

@main
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Convert Keras checkpoints, run and verify the classic CNNs, and benchmark them.",
        subcommands: [ConvertCommand.self, ExportCommand.self, InspectCommand.self, ModelsCommand.self, DataCommand.self, VerifyCommand.self, PredictCommand.self, TrainCommand.self, BenchCommand.self, FetchCommand.self]
    )
}
