import Foundation
import Testing

@Suite struct InfoCommandTests {
    @Test func lenetLayersParametersAndMACs() throws {
        let result = try Binary.run(["info", "SampleModels/lenet-300-100"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // fc1: 784 x 300 weights + 300 biases; MACs = weights.
        #expect(
            lines.contains {
                $0.hasPrefix("fc1 ") && $0.contains("dense") && $0.contains("[300]") && $0.contains("235,500") && $0.contains("235,200")
            })
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

    struct Report: Decodable {
        struct Layer: Decodable { var name: String; var outputShape: [Int]; var parameters: Int; var macs: Int }
        struct TensorRow: Decodable { var name: String; var shape: [Int]; var zeros: Int; var count: Int; var std: Double }
        var layers: [Layer]; var tensors: [TensorRow]; var parameters: Int; var macs: Int
    }

    @Test func jsonAddsUp() throws {
        let result = try Binary.run(["info", "SampleModels/digits-mlp", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let r = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(r.parameters == 50_610 && r.layers.reduce(0) { $0 + $1.parameters } == r.parameters)
        #expect(r.macs == 50_200)
        #expect(r.tensors.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(r.tensors.allSatisfy { $0.count == $0.shape.reduce(1, *) && $0.std > 0 })
        #expect(r.layers.last?.outputShape == [10])
    }
}
