import Foundation
import PruneKit
import Testing

/// Names from files reach the terminal escaped: a crafted checkpoint cannot
/// set the terminal's title, clear the screen or forge output lines
/// through `inspect`, its groups, its export line or an error.
@Suite struct EscapedNamesTests {
    static let title = "evil\u{1B}]0;pwned\u{7}"
    static let clear = "x\u{1B}[2J\u{9B}1m\nforged line"

    func checkpoint() throws -> (directory: String, file: String) {
        let directory = NSTemporaryDirectory() + "prunescope-escape-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/names.safetensors"
        try SafetensorsWriter.write(
            [
                SafetensorsEntry(name: Self.title + ".weight", tensor: Tensor(shape: [2, 3], data: [0, 1, -2, 3, -4, 5])),
                SafetensorsEntry(name: Self.clear + ".weight", tensor: Tensor(shape: [2, 2], data: [1, -1, 2, -2])),
            ], to: file)
        return (directory, file)
    }

    func expectNoRawControls(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let raw = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        #expect(raw.isEmpty, "raw control characters \(raw.map(\.value)) in: \(text)", sourceLocation: sourceLocation)
    }

    @Test func inspectTableGroupsAndExportEscapeNames() throws {
        let (directory, file) = try checkpoint()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = try Binary.run(["inspect", file])
        #expect(table.status == 0, "\(table.stderr)")
        expectNoRawControls(table.stdout)
        #expect(table.stdout.contains("evil\\x1b]0;pwned\\x07.weight"))
        #expect(table.stdout.contains("x\\x1b[2J\\u{9b}1m\\nforged line.weight"))
        #expect(!table.stdout.split(separator: "\n").contains { $0.hasPrefix("forged line") })
        let groups = try Binary.run(["inspect", file, "--groups"])
        expectNoRawControls(groups.stdout)
        let json = try Binary.run(["inspect", file, "--json"])
        expectNoRawControls(json.stdout)
        // Still JSON, with the names intact.
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let names = (object?["tensors"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(Set(names) == [Self.title + ".weight", Self.clear + ".weight"])
        let output = directory + "/out\u{1B}]0;t\u{7}.safetensors"
        let export = try Binary.run(["inspect", file, "--include", "*", "--output", output])
        #expect(export.status == 0, "\(export.stderr)")
        expectNoRawControls(export.stderr)
    }

    @Test func errorLinesEscapeNames() throws {
        let (directory, _) = try checkpoint()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = directory + "/gone\u{1B}[2J.safetensors"
        let result = try Binary.run(["inspect", missing])
        #expect(result.status == 1)
        expectNoRawControls(result.stderr)
        #expect(result.stderr.contains("gone\\x1b[2J.safetensors"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
