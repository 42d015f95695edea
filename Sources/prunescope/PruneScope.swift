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
            RobustnessCommand.self,
            DemoCommand.self,
            LearnCommand.self,
        ],
        defaultSubcommand: OpenCommand.self
    )

    /// Lets OpenBLAS use this CPU's kernels and keeps a crash from waiting
    /// at the backtracer's prompt (which may execute the binary again, see
    /// `LaunchEnvironment`), then parses the arguments and runs the command.
    static func main() {
        LaunchEnvironment.reexecIfNeeded()
        ExternalSignals.install()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(nil)
        } catch {
            // Help and version output pass through; a usage mistake is one
            // line like every other error, with the usual status 64.
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let first = message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "invalid arguments"
            let text = first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first
            CommandSupport.writeStderr("prunescope: \(Format.escapingControlCharacters(text)) (see --help)\n")
            exit(withError: ExitCode.validationFailure)
        }
        do { try command.run() } catch { exit(withError: error) }
    }
}
