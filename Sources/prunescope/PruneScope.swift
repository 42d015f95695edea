import ArgumentParser
import PruneKit

@main
struct PruneScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prunescope",
        abstract: "Explore, prune and export neural networks in the terminal."
    )
}
