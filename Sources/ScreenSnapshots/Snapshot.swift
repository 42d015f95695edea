import Foundation
import PruneTUI
import Testing

/// Compares `text` with the snapshot `__Snapshots__/<TestFile>/<name>.txt`
/// next to the calling test file. `RECORD_SNAPSHOTS=1` writes it instead.
/// A missing snapshot fails (so a forgotten recording cannot pass).
public func assertSnapshot(
    _ text: String, named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let testFile = URL(fileURLWithPath: filePath)
    let dir = testFile.deletingLastPathComponent()
        .appendingPathComponent("__Snapshots__")
        .appendingPathComponent(testFile.deletingPathExtension().lastPathComponent)
    let file = dir.appendingPathComponent(name + ".txt")
    let actual = text.hasSuffix("\n") ? text : text + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do { try actual.write(to: file, atomically: true, encoding: .utf8) } catch {
            Issue.record("could not record \(file.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let data = FileManager.default.contents(atPath: file.path) else {
        Issue.record("missing snapshot \(file.path); record it with RECORD_SNAPSHOTS=1\n\(actual)", sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var line = 0
        while line < min(e.count, a.count) && e[line] == a[line] { line += 1 }
        let exp = line < e.count ? String(e[line]) : "<end>"
        let act = line < a.count ? String(a[line]) : "<end>"
        Issue.record(
            """
            snapshot \(name) differs at line \(line + 1) (re-record with RECORD_SNAPSHOTS=1 if intended)
            expected: \(exp)
            actual:   \(act)
            --- actual
            \(actual)
            """, sourceLocation: sourceLocation)
    }
}

/// Renders one widget into a fresh buffer of `size` and returns the buffer.
public func draw(_ size: Size, context: DrawContext = DrawContext(), _ body: (inout CellBuffer, Rect, DrawContext) -> Void) -> CellBuffer {
    var buffer = CellBuffer(size: size)
    body(&buffer, buffer.bounds, context)
    return buffer
}

/// Deterministic test weights: a seeded normal (SplitMix64 + Box-Muller).
public func testWeights(_ n: Int, seed: UInt64, sigma: Double = 0.1) -> [Float] {
    var r = DemoRandom(seed: seed)
    return (0..<n).map { _ in Float(r.normal() * sigma) }
}

public let monoContext = DrawContext(theme: .builtinDefault, glyphs: .unicode, capability: .monochrome)
public let asciiContext = DrawContext(theme: .builtinDefault, glyphs: .ascii, capability: .palette256)
