import Foundation

/// Runs the real `prunescope` binary that `swift test` built next to the test bundle.
enum Binary {
    /// The built executable: same build folder as this test bundle.
    static var url: URL {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("prunescope"),
            bundle.appendingPathComponent("prunescope"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("prunescope"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// The package root (where Package.swift is), found from this source file.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `prunescope args...` in `directory` (default: the package root) and waits,
    /// with this process's environment plus `environment`, minus the variables in `unsetting`.
    static func run(
        _ args: [String], in directory: URL? = nil, environment: [String: String] = [:],
        unsetting: Set<String> = []
    ) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = args
        process.currentDirectoryURL = directory ?? packageRoot
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "interactive=no"
        for (k, v) in environment { env[k] = v }
        for k in unsetting { env[k] = nil }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot deadlock the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
