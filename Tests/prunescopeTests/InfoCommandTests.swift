import Foundation
import Testing

@Suite struct InfoCommandTests {
    @Test func lenetLayersParametersAndMACs() throws {
        let result = try Binary.run(["info", "SampleModels/lenet-300-100"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // fc1: 784 x 300 weights + 300 biases; MACs = weights.
        #expect(lines.contains { $0.hasPrefix("fc1 ") && $0.contains("dense") && $0.contains("[300]") && $0.contains("235,500") && $0.contains("235,200") })
        #expect(lines.contains { $0.hasPrefix("total") && $0.contains("266,610") && $0.contains("266,200") })
        #expect(lines.contains { $0.hasPrefix("fc1.weight") && $0.contains("[300, 784]") })
        #expect(lines.contains { $0.hasPrefix("dataset") && $0.contains("4000 training") && $0.contains("1000 validation") })
    }

    @Test func convLayersShowTheirShapes() throws {
        let result = try Binary.run(["info", "SampleModels/digits-cnn"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[8, 8, 8]"))
        #expect(result.stdout.contains("[16, 2, 2]"))
        #expect(result.stdout.contains("conv2.weight") && result.stdout.contains("[16, 8, 3, 3]"))
    }
}
