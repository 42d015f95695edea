import Foundation
import PruneKit

/// Where a command's MODEL argument points, the same for every command:
/// a path that exists is taken as given; no argument means the
/// lenet-300-100 sample; `SampleModels/NAME` or a bare sample name that is
/// not in the working directory means the bundled sample, found from the
/// executable, so `prunescope eval` works from any directory.
enum ModelLocation {
    /// The sample a command opens when given no model.
    static let defaultSample = "lenet-300-100"

    /// The path to load for `given` (nil: the default sample).
    /// - Throws: `ModelSpecError.notFound` when no model is given and the
    ///   bundled samples cannot be found.
    static func resolve(_ given: String?) throws -> String {
        guard let given else {
            guard let samples = sampleModelsDirectory() else {
                throw ModelSpecError.notFound(
                    path: "SampleModels/\(defaultSample)",
                    problem: "the default sample model is not here; give a model path")
            }
            return samples.appendingPathComponent(defaultSample).path
        }
        if given.hasPrefix("/") || FileManager.default.fileExists(atPath: given) { return given }
        let prefix = "SampleModels/"
        let name = given.hasPrefix(prefix) ? String(given.dropFirst(prefix.count)) : given
        if let samples = sampleModelsDirectory() {
            let bundled = samples.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: bundled.path) { return bundled.path }
        }
        return given
    }

    /// The SampleModels directory: in the working directory, or in the
    /// package the executable was built in (.build/<config>/prunescope or
    /// .build/<triple>/<config>/prunescope).
    static func sampleModelsDirectory() -> URL? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("../..").standardizedFileURL)
        candidates.append(executable.appendingPathComponent("../../..").standardizedFileURL)
        return candidates.map { $0.appendingPathComponent("SampleModels") }.first { directory in
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(defaultSample)/model.json").path)
        }
    }
}
