import Foundation
import Testing

@testable import PruneApps
@testable import PruneTUI

/// The key table is the one source of dispatch, help, hints and the README.
@Suite struct KeyTableTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")

    @Test func readmeListsExactlyTheKeyTable() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- keys:start -->\n"))
        let end = try #require(text.range(of: "<!-- keys:end -->", range: start.upperBound..<text.endIndex))
        let inReadme = String(text[start.upperBound..<end.lowerBound])
        let table = ExplorerKeys.markdownTable() + "\n"
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1", inReadme != table {
            try text.replacingCharacters(in: start.upperBound..<end.lowerBound, with: table).write(
                to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(inReadme == table, "README's key table differs from ExplorerKeys.table (RECORD_SNAPSHOTS=1 rewrites it)")
    }

    /// No key means two things in one place.
    @Test func noKeyIsBoundTwiceInOneContext() {
        for context in KeyContext.allCases {
            var seen = [Key: ExplorerAction]()
            for b in ExplorerKeys.table where b.context == context {
                for k in b.keys {
                    if let other = seen[k] { #expect(other == b.action, "\(k) in \(context): \(other) and \(b.action)") }
                    seen[k] = b.action
                }
            }
        }
    }

    /// Every action a screen's hint line names is dispatched on that screen.
    @Test func hintsAreKeysThatWork() {
        for context in [KeyContext.explore, .history, .sensitivity, .frontier] {
            for b in ExplorerKeys.table where b.hint != nil && (b.context == context || b.context == .everywhere) {
                let key = b.keys[0]
                #expect(ExplorerKeys.binding(for: key, in: context)?.action == b.action, "\(key) in \(context)")
            }
        }
    }
}
