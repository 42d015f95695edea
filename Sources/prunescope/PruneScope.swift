import ArgumentParser
import PruneKit

/// The `prunescope` command. Each subcommand lives in Commands/, one file each;
/// with no subcommand, `open` starts the explorer on the default sample model.
@main
struct PruneScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prunescope",
        abstract: "Explore, prune and export neural networks in the terminal.",
        subcommands: [
            OpenCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            InfoCommand.self,
            BenchCommand.self,
            InspectCommand.self,
            PruneCommand.self,
            SensitivityCommand.self,
            DemoCommand.self,
        ],
        defaultSubcommand: OpenCommand.self
    )

    /// Lets OpenBLAS use this CPU's kernels (which may execute the binary
    /// again, see `BLASKernelSelection`), then parses the arguments and runs
    /// the command.
    static func main() {
        BLASKernelSelection.reexecIfBetterCoreAvailable()
        Self.main(nil)
    }
}
