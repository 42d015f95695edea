import ArgumentParser
import PruneKit

/// The `prunescope` command. Each subcommand lives in Commands/, one file each.
@main
struct PruneScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prunescope",
        abstract: "Explore, prune and export neural networks in the terminal.",
        subcommands: [
            TrainCommand.self,
            EvalCommand.self,
            InfoCommand.self,
            BenchCommand.self,
            InspectCommand.self,
            PruneCommand.self,
            SensitivityCommand.self,
            DemoCommand.self,
        ]
    )
}
