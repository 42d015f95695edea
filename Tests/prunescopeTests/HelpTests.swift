import Foundation
import Testing

@Suite struct HelpTests {
    @Test func helpNamesTheTool() throws {
        let result = try Binary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("prunescope"))
    }
}
